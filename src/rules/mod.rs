//! The rule catalogue: one file per rule under its area, a registry, and selection.

mod meta;

pub use meta::{FixAvailability, RuleMeta, DOCS_BASE};
