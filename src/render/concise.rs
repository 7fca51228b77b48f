//! `-o concise`: one line per finding, `file:line:col: CODE [*] message` (`[*]`: `--fix`
//! applies a fix), then ruff-style summary lines.

use super::{RenderContext, Summary};
use crate::diagnostic::{Applicability, Diagnostic};
use std::io::{self, Write};

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let file = ctx.files.get(d.primary.file);
        let (line, col) = file.line_col(d.primary.span.start);
        let marker = match d.fix.as_ref().map(|f| f.applicability) {
            Some(Applicability::Safe) => "[*] ",
            _ => "",
        };
        writeln!(
            out,
            "{}:{line}:{col}: {} {marker}{}",
            file.name, d.code, d.message
        )?;
    }
    summary_lines(&ctx.summary, out)
}

/// `Found 2 errors, 1 warning.` and the fix hints, or `All checks passed!`; shared with the
/// human format.
pub fn summary_lines(s: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let total = s.error + s.warning + s.info;
    if total == 0 {
        return writeln!(
            out,
            "All checks passed! ({} files, {} objects)",
            s.files, s.objects
        );
    }
    let mut parts = Vec::new();
    for (n, what) in [(s.error, "error"), (s.warning, "warning"), (s.info, "info")] {
        if n > 0 {
            parts.push(format!(
                "{n} {what}{}",
                if n == 1 || what == "info" { "" } else { "s" }
            ));
        }
    }
    writeln!(
        out,
        "\nFound {} in {} files ({} objects).",
        parts.join(", "),
        s.files,
        s.objects
    )?;
    if s.fixable > 0 {
        writeln!(out, "[*] {} fixable with `--fix`.", s.fixable)?;
    }
    if s.unsafe_fixable > 0 {
        let more = if s.fixable > 0 { " more" } else { "" };
        writeln!(
            out,
            "({}{more} fixable with `--fix --unsafe-fixes`.)",
            s.unsafe_fixable
        )?;
    }
    Ok(())
}
