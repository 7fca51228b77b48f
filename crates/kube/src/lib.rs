//! Typed views of Kubernetes and Istio objects, deserialized from span trees.
//!
//! Deserialization into k8s-openapi types (and our Istio structs) is instantiated here, in
//! non-generic functions, so the heavy generic code compiles once in this crate and stays cached
//! while the main crate changes. Istio kinds get small hand-written structs holding only the
//! fields rules read.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "panic hygiene (issue 12): library code must not unwrap or expect, since a panic on input-derived data crashes a user's CI. Handle the None/Err (report a diagnostic, skip the object, fall back to a default); where a panic is provably impossible, put `#[allow(clippy::unwrap_used, reason = \"why it cannot fail\")]` on the smallest item"
    )
)]

pub mod istio;
pub mod port;
mod typed;

pub use k8s_openapi;
pub use typed::{
    destination_rule, namespace, pod_template, service, service_entry, sidecar, virtual_service,
};
