//! `-o github`: GitHub Actions workflow commands, plus a Markdown job summary.

use super::{text, Position, RenderContext};
use crate::diagnostic::{Diagnostic, Severity};
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// GitHub rejects a step summary over 1 MiB; stay well below it.
const SUMMARY_LIMIT: usize = 1000 * 1000;

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    // GitHub keeps only the first ~10 annotations of each kind per step, so lead with errors.
    let ordered = by_severity(diagnostics);
    for d in &ordered {
        writeln!(out, "{}", command(d, ctx))?;
    }
    match &ctx.github_step_summary {
        Some(path) => append_summary(path, &ordered, ctx),
        None => Ok(()),
    }
}

/// Errors, then warnings, then infos; the given order within each.
fn by_severity(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    ordered.sort_by_key(|d| std::cmp::Reverse(d.severity));
    ordered
}

fn command(d: &Diagnostic, ctx: &RenderContext<'_>) -> String {
    let file = ctx.files.get(d.primary.file);
    let start = Position::of(file, d.primary.span.start);
    let end = Position::of(file, d.primary.span.end);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props = format!(
        "file={},line={},endLine={}",
        escape_property(&file.name),
        start.line,
        end.line
    );
    // The runner rejects col/endColumn on an annotation spanning several lines.
    if start.line == end.line {
        props.push_str(&format!(",col={},endColumn={}", start.column, end.column));
    }
    props.push_str(&format!(
        ",title={}",
        escape_property(&format!("{} {}", d.code, d.name))
    ));
    format!("::{kind} {props}::{}", escape_data(&message(d)))
}

/// The message with the help, notes and fix on the following lines of the annotation.
fn message(d: &Diagnostic) -> String {
    let mut lines = vec![d.message.clone()];
    lines.extend(d.help.iter().map(|h| format!("help: {h}")));
    lines.extend(d.notes.iter().map(|n| format!("note: {n}")));
    lines.extend(d.fix.iter().map(text::fix_line));
    lines.join("\n")
}

/// `escapeData` of `@actions/core`.
pub(super) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of `@actions/core`.
pub(super) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn append_summary(path: &Path, ordered: &[&Diagnostic], ctx: &RenderContext<'_>) -> io::Result<()> {
    let markdown = summary_markdown(ordered, ctx);
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(markdown.as_bytes())
}

fn summary_markdown(ordered: &[&Diagnostic], ctx: &RenderContext<'_>) -> String {
    let s = &ctx.summary;
    let scope = format!(
        "{} ({})",
        text::count(s.files, "file"),
        text::count(s.objects, "object")
    );
    let mut md = String::from("## mesh-lint\n\n");
    if ordered.is_empty() {
        md.push_str(&format!("All checks passed: {scope}.\n"));
        return md;
    }
    md.push_str(&format!(
        "Found {} in {scope}.\n\n",
        text::severity_counts(s)
    ));
    md.push_str("| Severity | Code | Location | Message |\n|---|---|---|---|\n");
    for (i, d) in ordered.iter().enumerate() {
        let row = table_row(d, ctx);
        // Leave room for the closing line so the whole summary stays under the limit.
        if md.len() + row.len() > SUMMARY_LIMIT - 200 {
            md.push_str(&format!(
                "\n… and {} more not shown (summary size limit).\n",
                ordered.len() - i
            ));
            return md;
        }
        md.push_str(&row);
    }
    md
}

fn table_row(d: &Diagnostic, ctx: &RenderContext<'_>) -> String {
    let file = ctx.files.get(d.primary.file);
    let start = Position::of(file, d.primary.span.start);
    format!(
        "| {} | `{}` {} | `{}:{}:{}` | {} |\n",
        d.severity.as_str(),
        d.code,
        d.name,
        file.name.replace('`', "'"),
        start.line,
        start.column,
        table_cell(&d.message)
    )
}

/// A pipe or a line break would end the table cell.
fn table_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\r', '\n'], " ")
}
