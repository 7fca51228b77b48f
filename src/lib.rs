//! mesh-lint: an offline linter for Kubernetes and Istio manifests.
//!
//! Data flow (the modules follow it): [`source`] reads files and stdin, [`parse`] turns them into
//! span-keeping documents, [`model`] builds typed objects and the mesh index, [`rules`] check
//! them, [`diagnostic`] is the one finding model, [`render`] writes every output format and
//! [`fix`] applies edits.

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod lint;
pub mod model;
pub mod parse;
pub mod render;
pub mod rules;
pub mod source;
