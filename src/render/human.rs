//! The default, rich format: one miette graphical report per finding, then a summary.

use super::source_code::IndexedSource;
use super::{text, RenderContext};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use std::fmt;
use std::io::{self, Write};

/// Used when the caller does not know the terminal width.
const DEFAULT_WIDTH: usize = 80;

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_reports(diagnostics, ctx, out)?;
    write_summary(ctx, out)
}

/// The reports alone, without the summary line (what `mesh-lint trace` prints per step).
pub fn render_reports(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let handler = handler(ctx);
    let mut buf = String::new();
    for d in diagnostics {
        buf.clear();
        let report = Report::new(d, ctx);
        handler
            .render_report(&mut buf, &report)
            .map_err(|_| io::Error::other("failed to format a diagnostic"))?;
        write_trimmed(&buf, out)?;
        writeln!(out)?;
    }
    Ok(())
}

/// miette leaves trailing spaces (e.g. after `Advice:` of a related report); drop them so the
/// output diffs cleanly.
fn write_trimmed(report: &str, out: &mut dyn Write) -> io::Result<()> {
    for line in report.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn handler(ctx: &RenderContext<'_>) -> GraphicalReportHandler {
    let theme = if ctx.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let width = if ctx.width == 0 {
        DEFAULT_WIDTH
    } else {
        ctx.width
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(ctx.color)
}

fn write_summary(ctx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = &ctx.summary;
    let scope = format!(
        "{} ({})",
        text::count(s.files, "file"),
        text::count(s.objects, "object")
    );
    if s.findings() == 0 {
        return writeln!(
            out,
            "All checks passed: {}, {}.",
            text::count(s.files, "file"),
            text::count(s.objects, "object")
        );
    }
    writeln!(out, "Found {} in {scope}.", text::severity_counts(s))?;
    for line in text::fix_hints(s, ctx.unsafe_fixes) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Turns one of our labels into a miette label inside its file's text.
fn labeled_span(file: &SourceFile, label: &Label, fallback: &str, primary: bool) -> LabeledSpan {
    let (start, end) = clamp(&file.text, label.span.start, label.span.end);
    let message = if label.message.is_empty() {
        fallback
    } else {
        &label.message
    };
    let message = (!message.is_empty()).then(|| message.to_string());
    if primary {
        LabeledSpan::new_primary_with_span(message, start..end)
    } else {
        LabeledSpan::new_with_span(message, start..end)
    }
}

/// Keeps a span inside the text. An empty span at the very end (after the last line break)
/// would sit on a line miette never draws, so it moves to the end of the last line.
fn clamp(text: &str, start: u32, end: u32) -> (usize, usize) {
    let len = text.len();
    let start = (start as usize).min(len);
    let end = (end as usize).min(len).max(start);
    if start != len || end != len {
        return (start, end);
    }
    let before_break = len
        - text
            .strip_suffix('\n')
            .map_or(0, |t| if t.ends_with('\r') { 2 } else { 1 });
    (before_break, before_break)
}

/// A label more than two lines above the finding: miette would draw it in a snippet of its own
/// ahead of the finding's (close labels share the finding's snippet and header).
fn far_above(
    file: &crate::source::SourceFile,
    label: &crate::diagnostic::Label,
    primary: &crate::diagnostic::Label,
) -> bool {
    let (label_line, _) = file.line_col(label.span.start);
    let (primary_line, _) = file.line_col(primary.span.start);
    label_line + 2 < primary_line
}

/// Our diagnostic seen through miette's trait.
struct Report<'a> {
    message: String,
    severity: miette::Severity,
    code: String,
    url: Option<String>,
    help: Option<String>,
    source: IndexedSource<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Related<'a>>,
}

impl<'a> Report<'a> {
    fn new(d: &'a Diagnostic, ctx: &RenderContext<'a>) -> Report<'a> {
        let file = ctx.files.get(d.primary.file);
        let mut labels = vec![labeled_span(file, &d.primary, &d.message, true)];
        let mut related: Vec<Related<'a>> = Vec::new();
        for label in &d.related {
            // miette draws a source's labels in file order; one above the finding would put
            // its position, not the finding's, in the first snippet header.
            if label.file == d.primary.file && !far_above(file, label, &d.primary) {
                labels.push(labeled_span(file, label, "", false));
                continue;
            }
            // One related report per file, so each file's snippet is read from its own text.
            let other = ctx.files.get(label.file);
            let span = labeled_span(other, label, "", false);
            match related.iter_mut().find(|r| r.file == label.file) {
                Some(r) => r.labels.push(span),
                None => related.push(Related {
                    file: label.file,
                    source: IndexedSource::new(other),
                    labels: vec![span],
                }),
            }
        }
        Report {
            message: headline(d),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            code: if d.code.is_empty() {
                String::new()
            } else {
                format!("{}({})", d.code, d.name)
            },
            url: text::url_of(d, ctx),
            help: help(d),
            source: IndexedSource::new(file),
            labels,
            related,
        }
    }
}

/// The message, then where it comes from: the object and the Helm template.
fn headline(d: &Diagnostic) -> String {
    let mut out = d.message.clone();
    let origin = match (&d.object, &d.source) {
        (Some(object), Some(source)) => format!("in {object} (from template {source})"),
        (Some(object), None) => format!("in {object}"),
        (None, Some(source)) => format!("from template {source}"),
        (None, None) => return out,
    };
    out.push('\n');
    out.push_str(&origin);
    out
}

/// miette has one footer slot, so help, notes and the fix share it, one per line.
fn help(d: &Diagnostic) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    if let Some(help) = &d.help {
        lines.push(help.to_string());
    }
    lines.extend(d.notes.iter().map(|n| format!("note: {n}")));
    if let Some(fix) = &d.fix {
        lines.push(text::fix_line(fix));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        // Reports that are no rule's finding (a `trace` step) carry no code.
        if self.code.is_empty() {
            return None;
        }
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// Labels of one finding that live in another file, shown with that file's snippet.
struct Related<'a> {
    file: FileId,
    source: IndexedSource<'a>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Related<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Related").field("file", &self.file).finish()
    }
}

impl fmt::Display for Related<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.labels.len() == 1 {
            "related location"
        } else {
            "related locations"
        })
    }
}

impl std::error::Error for Related<'_> {}

impl miette::Diagnostic for Related<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
