//! Typed views of Kubernetes and Istio objects, deserialized from span trees.
//!
//! Deserialization into k8s-openapi types is instantiated here, in non-generic functions, so the
//! heavy generic code compiles once in this crate and stays cached while the main crate changes.

pub use k8s_openapi;
