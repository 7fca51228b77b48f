//! One file per output format. All read the same [`Diagnostic`]s; only `human` uses miette.

mod concise;
mod github;
mod human;
mod json;
mod position;
mod sarif;

pub use position::Position;

use crate::diagnostic::Diagnostic;
use crate::rules::RuleMeta;
use crate::source::Files;
use std::io::{self, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
}

/// Counts shown in summaries and the JSON `summary` object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    /// Findings whose fix `--fix` would apply (safe).
    pub fixable: usize,
    /// Findings whose fix only `--unsafe-fixes` would apply.
    pub unsafe_fixable: usize,
}

/// What every renderer may need besides the diagnostics.
pub struct RenderContext<'a> {
    pub files: &'a Files,
    /// Every registered rule (SARIF lists them all in `tool.driver.rules`).
    pub rules: &'a [&'static RuleMeta],
    pub summary: Summary,
    /// Use colour and terminal hyperlinks (human format only).
    pub color: bool,
    /// Terminal width for wrapping (human format).
    pub width: usize,
    pub tool_version: &'static str,
}

/// Writes `diagnostics` (already sorted) in `format` to `out`. Linear in the number of findings.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(diagnostics, ctx, out),
        Format::Concise => concise::render(diagnostics, ctx, out),
        Format::Json => json::render(diagnostics, ctx, out),
        Format::Sarif => sarif::render(diagnostics, ctx, out),
        Format::Github => github::render(diagnostics, ctx, out),
    }
}

/// Per-rule counts for `--statistics`, most frequent first: `count  CODE  [*] name`.
pub fn statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    todo!("{} {:p}", diagnostics.len(), out)
}
