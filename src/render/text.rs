//! Wording shared by the text formats (concise, human, github summary).

use super::{RenderContext, Summary};
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::rules::DOCS_BASE;

/// `1 error`, `2 warnings`, `3 infos`.
pub(super) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Whether the fix would be applied by `--fix` in this run (the `[*]` marker).
pub(super) fn is_applied(fix: Option<&Fix>, unsafe_fixes: bool) -> bool {
    match fix.map(|f| f.applicability) {
        Some(Applicability::Safe) => true,
        Some(Applicability::Unsafe) => unsafe_fixes,
        _ => false,
    }
}

/// `1 error, 2 warnings`: only the severities that occur, most severe first.
pub(super) fn severity_counts(summary: &Summary) -> String {
    let parts: Vec<String> = [
        (summary.error, "error"),
        (summary.warning, "warning"),
        (summary.info, "info"),
    ]
    .into_iter()
    .filter(|&(n, _)| n > 0)
    .map(|(n, noun)| count(n, noun))
    .collect();
    parts.join(", ")
}

/// The `[*] N fixable with --fix.` and `(N more fixes available with --unsafe-fixes)` lines.
pub(super) fn fix_hints(summary: &Summary, unsafe_fixes: bool) -> Vec<String> {
    let (applied, hidden) = if unsafe_fixes {
        (summary.fixable + summary.unsafe_fixable, 0)
    } else {
        (summary.fixable, summary.unsafe_fixable)
    };
    let mut lines = Vec::new();
    if applied > 0 {
        let flags = if unsafe_fixes {
            "--fix --unsafe-fixes"
        } else {
            "--fix"
        };
        lines.push(format!("[*] {applied} fixable with {flags}."));
    }
    if hidden > 0 {
        let noun = if hidden == 1 { "fix" } else { "fixes" };
        let more = if applied > 0 { " more" } else { "" };
        lines.push(format!(
            "({hidden}{more} {noun} available with --unsafe-fixes)"
        ));
    }
    lines
}

/// The documentation link: the diagnostic's own, else its rule's.
pub(super) fn url_of(d: &Diagnostic, ctx: &RenderContext<'_>) -> Option<String> {
    if d.rule_page {
        return Some(format!("{DOCS_BASE}{}-{}.md", d.code, d.name));
    }
    ctx.rules.iter().find(|r| r.code == d.code).map(|r| r.url())
}

/// `fix (safe): title`.
pub(super) fn fix_line(fix: &Fix) -> String {
    format!("fix ({}): {}", fix.applicability.as_str(), fix.title)
}
