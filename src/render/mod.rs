//! One file per output format. All read the same [`Diagnostic`]s; only `human` uses miette.

mod concise;
mod github;
mod human;
mod json;
mod position;
mod sarif;
mod source_code;
mod stats;
mod text;

pub use human::render_reports as human_reports;
pub use position::Position;

use crate::diagnostic::Diagnostic;
use crate::rules::RuleMeta;
use crate::source::Files;
use std::io::{self, Write};
use std::path::PathBuf;

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

impl Summary {
    /// Counts severities and fixes of `diagnostics`; `files` and `objects` come from the caller.
    pub fn tally(files: usize, objects: usize, diagnostics: &[Diagnostic]) -> Summary {
        let mut summary = Summary {
            files,
            objects,
            ..Summary::default()
        };
        for d in diagnostics {
            match d.severity {
                crate::diagnostic::Severity::Error => summary.error += 1,
                crate::diagnostic::Severity::Warning => summary.warning += 1,
                crate::diagnostic::Severity::Info => summary.info += 1,
            }
            match d.fix.as_ref().map(|f| f.applicability) {
                Some(crate::diagnostic::Applicability::Safe) => summary.fixable += 1,
                Some(crate::diagnostic::Applicability::Unsafe) => summary.unsafe_fixable += 1,
                _ => {}
            }
        }
        summary
    }

    pub fn findings(&self) -> usize {
        self.error + self.warning + self.info
    }
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
    /// `--unsafe-fixes` is on: `[*]` then also marks unsafe fixes and the hints count them as
    /// fixable (concise and human).
    pub unsafe_fixes: bool,
    /// Where to append the Markdown job summary (`$GITHUB_STEP_SUMMARY`); github format only.
    pub github_step_summary: Option<PathBuf>,
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

/// Per-rule counts for `--statistics`, most frequent first: `count<TAB>CODE<TAB>[*]<TAB>name`
/// (`[*]` when some finding of the rule has a safe fix).
pub fn statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    stats::render(diagnostics, out)
}
