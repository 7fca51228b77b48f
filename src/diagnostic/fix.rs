use crate::source::FileId;
use mesh_lint_yaml::Span;
use serde::Serialize;

/// How safe a fix is to apply without a human reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Shown as a suggestion only; never applied.
    Display,
    /// Changes behaviour as intended; applied only with `--unsafe-fixes`.
    Unsafe,
    /// Preserves meaning exactly; applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Display => "display",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace the bytes of `span` in `file` with `content` (an insertion has an empty span).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: super::Text,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        title: impl Into<super::Text>,
        applicability: Applicability,
        edits: Vec<Edit>,
    ) -> Self {
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }
}
