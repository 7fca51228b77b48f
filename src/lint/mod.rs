//! The lint pipeline: parse every file (in parallel), build the mesh index once, detect context
//! from the inputs, run the selected rules (in parallel), then apply suppressions, severity
//! overrides and per-path ignores, and sort.

mod detect;
pub use detect::parse_mesh_config_text;
mod suppress;

use crate::diagnostic::Diagnostic;
use crate::model::host_refs::host_refs;
use crate::model::hosts::HostRegistry;
use crate::model::listeners::Listeners;
use crate::model::{LintContext, MeshIndex};
use crate::parse::{parse_file, ParsedFile};
use crate::rules::{self, Checker, RuleSelection, Selector};
use crate::source::anchored::relative_to;
use crate::source::{FileId, Files};
use globset::GlobMatcher;
use mesh_lint_yaml::Limits;
use rayon::prelude::*;
use std::path::PathBuf;

/// Settings that stay the same for every file of a run.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub context: LintContext,
    pub selection: RuleSelection,
    pub limits: Limits,
    /// The config file's `per-path-ignores`.
    pub per_path_ignores: PathIgnores,
}

/// Rules ignored for files whose path relative to `dir` (the config file's directory) matches
/// a glob, so the same files are matched from any working directory.
#[derive(Clone, Debug, Default)]
pub struct PathIgnores {
    pub dir: PathBuf,
    pub globs: Vec<(GlobMatcher, Vec<Selector>)>,
}

#[derive(Debug, Default)]
pub struct LintResult {
    pub diagnostics: Vec<Diagnostic>,
    /// Kubernetes objects found (list items counted one by one).
    pub objects: usize,
    /// Files with a document that did not parse; `--fix` leaves them alone.
    pub blocked: Vec<FileId>,
}

pub fn lint(files: &Files, opts: &LintOptions) -> LintResult {
    let parsed: Vec<ParsedFile> = files
        .iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(id, file)| parse_file(id, file, &opts.limits))
        .collect();
    // Invalid UTF-8 anywhere blocks fixes too: the text holds replacements for those bytes,
    // and writing it back would change them.
    let blocked = parsed
        .iter()
        .filter(|p| p.has_errors() || !files.get(p.file).invalid_utf8.is_empty())
        .map(|p| p.file)
        .collect();
    let mut context = opts.context.clone();
    let index = MeshIndex::build(&parsed, &context, &opts.limits);
    detect::context_from_inputs(&index, &mut context);
    let hosts = HostRegistry::build(&index, &context);
    let host_refs = host_refs(&index);
    let listeners = Listeners::build(&index, &context);
    let ck = Checker {
        files,
        parsed: &parsed,
        index: &index,
        cx: &context,
        hosts: &hosts,
        host_refs: &host_refs,
        listeners: &listeners,
    };
    let mut diagnostics: Vec<Diagnostic> = rules::all()
        .par_iter()
        .filter(|rule| opts.selection.enabled(rule.meta()))
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check(&ck, &mut out);
            out
        })
        .collect();
    diagnostics.retain(|d| !suppress::is_suppressed(d, &index) && !path_ignored(d, files, opts));
    for d in &mut diagnostics {
        if let Some(meta) = rules::find(d.code) {
            // A rule may escalate one finding (MESH101 on server-first ports); an override
            // from the config replaces whatever the rule chose.
            if let Some(&sev) = opts.selection.severity.get(meta.code) {
                d.severity = sev;
            }
        }
    }
    sort_and_dedup(&mut diagnostics);
    LintResult {
        diagnostics,
        objects: index.objects.len(),
        blocked,
    }
}

/// Sorts findings by position and code, and drops exact repeats (one finding reached twice,
/// e.g. through a List item and an alias): same place, code and message. Findings at one place
/// with different messages are all kept.
fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message);
}

fn path_ignored(d: &Diagnostic, files: &Files, opts: &LintOptions) -> bool {
    let ignores = &opts.per_path_ignores;
    if ignores.globs.is_empty() {
        return false;
    }
    let Some(meta) = rules::find(d.code) else {
        return false;
    };
    if meta.code == rules::ALWAYS_ON {
        return false;
    }
    let Some(path) = &files.get(d.primary.file).path else {
        return false;
    };
    let Some(relative) = relative_to(&ignores.dir, path) else {
        return false;
    };
    ignores
        .globs
        .iter()
        .any(|(glob, sels)| glob.is_match(&relative) && sels.iter().any(|s| s.matches(meta)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use mesh_lint_yaml::Span;

    fn d(file: u32, start: u32, code: &'static str, message: &str) -> Diagnostic {
        let at = Label::new(FileId(file), Span::new(start, start + 1), "");
        Diagnostic::new(code, "x", Severity::Warning, message, at)
    }

    fn keys(ds: &[Diagnostic]) -> Vec<(u32, u32, &str, &str)> {
        ds.iter()
            .map(|d| {
                (
                    d.primary.file.0,
                    d.primary.span.start,
                    d.code,
                    d.message.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn repeats_are_dropped_and_distinct_findings_kept_in_order() {
        let mut ds = vec![
            d(1, 0, "MESH101", "a"),
            d(0, 5, "MESH301", "b"),
            d(0, 5, "MESH301", "a"),
            d(0, 5, "MESH301", "b"),
            d(0, 5, "MESH302", "b"),
            d(0, 2, "MESH301", "b"),
            d(1, 0, "MESH101", "a"),
        ];
        sort_and_dedup(&mut ds);
        assert_eq!(
            keys(&ds),
            [
                (0, 2, "MESH301", "b"),
                (0, 5, "MESH301", "a"),
                (0, 5, "MESH301", "b"),
                (0, 5, "MESH302", "b"),
                (1, 0, "MESH101", "a"),
            ]
        );
    }
}
