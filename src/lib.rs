//! mesh-lint: an offline linter for Kubernetes and Istio manifests.
//!
//! Data flow (the modules follow it): [`source`] reads files and stdin, [`parse`] turns them into
//! span-keeping documents, [`model`] builds typed objects and the mesh index, [`rules`] check
//! them, [`diagnostic`] is the one finding model, [`render`] writes every output format and
//! [`fix`] applies edits.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "panic hygiene (issue 12): library code must not unwrap or expect, since a panic on input-derived data crashes a user's CI. Handle the None/Err (report a diagnostic, skip the object, fall back to a default); where a panic is provably impossible, put `#[allow(clippy::unwrap_used, reason = \"why it cannot fail\")]` on the smallest item"
    )
)]

pub mod cli;
pub mod config;
pub mod crash;
pub mod diagnostic;
pub mod fix;
pub mod lint;
pub mod memory;
pub mod model;
pub mod parse;
pub mod proxy;
pub mod render;
pub mod rules;
pub mod source;
