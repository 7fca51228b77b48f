//! Typed views of Kubernetes and Istio objects, deserialized from span trees.
//!
//! Deserialization into k8s-openapi types (and our Istio structs) is instantiated here, in
//! non-generic functions, so the heavy generic code compiles once in this crate and stays cached
//! while the main crate changes. Istio kinds get small hand-written structs holding only the
//! fields rules read.

pub mod istio;
pub mod port;
mod typed;

pub use k8s_openapi;
pub use typed::{
    destination_rule, namespace, pod_template, service, service_entry, sidecar, virtual_service,
};
