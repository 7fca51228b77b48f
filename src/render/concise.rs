//! One line per finding, ruff's `concise` format: `file:line:col: CODE [*] message`.

use super::text;
use super::{Position, RenderContext};
use crate::diagnostic::Diagnostic;
use std::io::{self, Write};

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let file = ctx.files.get(d.primary.file);
        let start = Position::of(file, d.primary.span.start);
        let marker = if text::is_applied(d.fix.as_ref(), ctx.unsafe_fixes) {
            " [*]"
        } else {
            ""
        };
        // A message is one line by contract; flatten any stray break so each finding stays one line.
        let message = d.message.replace(['\r', '\n'], " ");
        writeln!(
            out,
            "{}:{}:{}: {}{} {}",
            file.name, start.line, start.column, d.code, marker, message
        )?;
    }
    write_summary(ctx, out)
}

fn write_summary(ctx: &RenderContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let summary = &ctx.summary;
    if summary.findings() == 0 {
        return writeln!(out, "All checks passed!");
    }
    writeln!(out)?;
    writeln!(out, "Found {}.", text::severity_counts(summary))?;
    for line in text::fix_hints(summary, ctx.unsafe_fixes) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
