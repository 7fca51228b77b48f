//! Our own diagnostic model. Every output format renders from it; miette appears only in the
//! human renderer.

mod findings;
mod fix;
mod packed;
mod related;

pub use findings::Findings;
pub use fix::{Applicability, Edit, Fix};
pub use related::{Related, MAX_RELATED};

use crate::source::FileId;
use mesh_lint_yaml::Span;
use serde::Serialize;
use std::sync::Arc;

/// Text a finding keeps: notes, help and fix titles repeat across the findings of one rule
/// (24,000 MESH202 findings carry two texts between them), so they are shared once interned.
pub type Text = Arc<str>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A place in a file with a short message ("this port", "victim Service here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(file: FileId, span: Span, message: impl Into<String>) -> Self {
        Label {
            file,
            span,
            message: message.into(),
        }
    }
}

/// Identity of the Kubernetes object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectId {
    #[serde(rename = "apiVersion")]
    pub api_version: Text,
    pub kind: Text,
    pub namespace: Option<Text>,
    pub name: Text,
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What is wrong, values in backticks.
    pub message: String,
    /// The exact offending node; its message is the primary label text (may be empty).
    pub primary: Label,
    /// The other resources involved, in any file (at most [`MAX_RELATED`]).
    pub related: Related,
    /// Why it matters, in Istio's terms.
    pub notes: Vec<Text>,
    /// What to do, when there is no fix or in addition to it.
    pub help: Option<Text>,
    pub fix: Option<Fix>,
    /// The object the primary span belongs to, when known.
    pub object: Option<ObjectId>,
    /// Helm template path from the nearest preceding `# Source:` comment.
    pub source: Option<Text>,
    /// The finding links its rule's page (`<code>-<name>.md` under the docs), built when
    /// rendered rather than kept as a string per finding.
    pub rule_page: bool,
    /// The index of the object in the mesh index, for suppression by annotation.
    pub subject: Option<usize>,
}

impl Diagnostic {
    /// A finding with only the primary location; fill the rest with the builder methods.
    pub fn new(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Self {
        Diagnostic {
            code,
            name,
            severity,
            message: message.into(),
            primary,
            related: Related::default(),
            notes: Vec::new(),
            help: None,
            fix: None,
            object: None,
            source: None,
            rule_page: false,
            subject: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<Text>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, label: Label) -> Self {
        self.related.push(label);
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Sort key: file, position, code; gives every format the same stable order.
    pub fn sort_key(&self) -> (FileId, u32, u32, &'static str) {
        (
            self.primary.file,
            self.primary.span.start,
            self.primary.span.end,
            self.code,
        )
    }
}
