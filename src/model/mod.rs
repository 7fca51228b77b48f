//! Typed objects and the mesh index.
