use super::RuleMeta;
use crate::diagnostic::{Diagnostic, Label};
use crate::model::{LintContext, MeshIndex, ObjectRef};
use crate::parse::ParsedFile;
use crate::source::Files;
use mesh_lint_yaml::Span;

/// What a rule may read: the inputs, the index and the context.
pub struct Checker<'c, 'a> {
    pub files: &'c Files,
    pub parsed: &'a [ParsedFile],
    pub index: &'c MeshIndex<'a>,
    pub cx: &'c LintContext,
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
