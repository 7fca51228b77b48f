use super::RuleMeta;
use crate::diagnostic::{Diagnostic, Label};
use crate::model::host_refs::HostRef;
use crate::model::hosts::HostRegistry;
use crate::model::listeners::Listeners;
use crate::model::{LintContext, MeshIndex, ObjectRef};
use crate::parse::ParsedFile;
use crate::source::Files;
use mesh_lint_yaml::Span;

/// What a rule may read: the inputs, the index, the context, and the models that depend on
/// the context (built once per run, after the context was read from the inputs).
pub struct Checker<'c, 'a> {
    pub files: &'c Files,
    pub parsed: &'a [ParsedFile],
    pub index: &'c MeshIndex<'a>,
    pub cx: &'c LintContext,
    /// Every host the inputs define, with its exportTo scope (§3, §4).
    pub hosts: &'c HostRegistry,
    /// Every host-bearing field of VirtualServices, DestinationRules and ServiceEntries.
    pub host_refs: &'c [HostRef<'a>],
    /// The outbound listener each Service and ServiceEntry port produces (§6).
    pub listeners: &'c Listeners,
}

impl Checker<'_, '_> {
    /// A finding on `object` at `span`, with the rule's code, name, default severity and URL,
    /// the object's identity and Helm source filled in.
    pub fn diagnostic(
        &self,
        meta: &'static RuleMeta,
        object: ObjectRef,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let obj = &self.index.objects[object];
        let mut d = Diagnostic::new(
            meta.code,
            meta.name,
            meta.severity,
            message,
            Label::new(obj.file, span, ""),
        );
        d.object = Some(obj.id());
        d.source = obj.source.map(str::to_owned);
        d.url = Some(meta.url());
        d.subject = Some(object);
        d
    }

    /// A label pointing into another object (wherever its file is).
    pub fn label(&self, object: ObjectRef, span: Span, message: impl Into<String>) -> Label {
        Label::new(self.index.objects[object].file, span, message)
    }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// Injection state per namespace and workload (§8), computed on demand.
    pub fn injection(&self) -> crate::model::injection::Injection<'c, 'a> {
        self.index.injection(self.cx)
    }
}
