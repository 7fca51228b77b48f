//! The rule catalogue: one file per rule under its area (`input`, `ports`, ...), holding the
//! rule's metadata, documentation, wording and check. [`all`] lists them all.

#[macro_use]
mod macros;
mod checker;
mod extensions;
mod gateways;
mod hosts;
mod input;
pub mod istioctl;
mod lifecycle;
mod meta;
mod ports;
mod registry;
mod routing;
mod scoping;
mod security;
mod selection;
pub mod yaml_edit;

pub use checker::{Checker, Model, ModelStats};
pub use meta::{FixAvailability, RuleMeta, Subject, DOCS_BASE};
pub use registry::{all, find, metas, not_a_rule};
pub use selection::{RuleSelection, Selector, ALWAYS_ON};

use crate::diagnostic::Findings;

/// A check over the whole mesh index. Rules run in parallel, each pushing its findings.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings);

    /// The models of the [`Checker`] the rule reads. The rules that read a model not
    /// [`Model::kept`] run first, and those models are dropped before the other rules run (see
    /// `lint`). A rule that reads a model it does not declare still works (the model is built
    /// again), but debug builds stop it, so the declaration stays true under the tests.
    fn models(&self) -> &'static [Model] {
        &[]
    }
}
