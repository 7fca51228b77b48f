//! Fixing until nothing is left: a fix skipped because it overlapped another is planned again
//! on the fixed text, and the rules are run again to see it.

use super::plan;
use crate::diagnostic::Applicability;
use crate::lint::LintResult;
use crate::parse::parse_file;
use crate::source::{FileId, Files, SourceFile};
use mesh_lint_yaml::Limits;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many times fixes are planned, applied and re-linted. Bounded, so rules whose fixes keep
/// producing new ones cannot loop.
pub const MAX_PASSES: usize = 4;

#[derive(Debug)]
pub struct FixOutcome {
    /// `relint` of the final texts.
    pub result: LintResult,
    /// Fixes applied, per file.
    pub applied: BTreeMap<FileId, usize>,
    /// Fixes still applicable after the last pass (reported, so none is silently dropped).
    pub remaining: usize,
    /// The text before fixing of every file a fix changed.
    pub originals: BTreeMap<FileId, Arc<str>>,
    /// Files whose fixed text would not parse, with the number of fixes not applied to them:
    /// such a file keeps the text it had before that pass and gets no further fixes.
    pub refused: BTreeMap<FileId, usize>,
}

/// Applies the fixes of `result` at or above `min` to `files` in memory, then re-lints with
/// `relint` and fixes again, until no fix is left or [`MAX_PASSES`] passes ran. Nothing is
/// written here.
pub fn until_stable(
    files: &mut Files,
    min: Applicability,
    mut result: LintResult,
    limits: &Limits,
    relint: &dyn Fn(&Files) -> LintResult,
) -> FixOutcome {
    let mut applied = BTreeMap::new();
    let mut originals = BTreeMap::new();
    let mut refused = BTreeMap::new();
    for _ in 0..MAX_PASSES {
        let planned = plan(files, &result.diagnostics, min, &frozen(&result, &refused));
        if planned.is_empty() {
            break;
        }
        let mut changed = false;
        for f in planned {
            let old = files.get(f.file);
            // Through the file's encoding, so the text is what writing and reading it gives.
            let bytes = old.encode(&f.new_text);
            let new = SourceFile::decode(old.name.clone(), old.path.clone(), bytes);
            // Only files that parsed get fixes, so an error now is the fixes' doing (an edit
            // that drops an anchor, say): keep the file as it was rather than damage it.
            if parse_file(f.file, &new, limits).has_errors() {
                *refused.entry(f.file).or_insert(0) += f.applied;
                continue;
            }
            originals
                .entry(f.file)
                .or_insert_with(|| Arc::clone(&old.text));
            files.replace(f.file, new);
            *applied.entry(f.file).or_insert(0) += f.applied;
            changed = true;
        }
        if !changed {
            break;
        }
        result = relint(files);
    }
    let remaining = plan(files, &result.diagnostics, min, &frozen(&result, &refused))
        .iter()
        .map(|f| f.applied + f.skipped)
        .sum();
    FixOutcome {
        result,
        applied,
        remaining,
        originals,
        refused,
    }
}

/// The files no fix may touch: those that do not parse, and those whose fixes were refused.
fn frozen(result: &LintResult, refused: &BTreeMap<FileId, usize>) -> Vec<FileId> {
    let mut out = result.blocked.clone();
    out.extend(refused.keys().copied());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Edit, Fix, Label, Severity};
    use mesh_lint_yaml::Span;

    /// A fake rule: every lowercase letter followed by another lowercase letter gets a safe fix
    /// that upper-cases it, written as a replacement of the pair, so neighbouring fixes overlap.
    fn pairs(files: &Files) -> LintResult {
        let text = &files.get(FileId(0)).text;
        let b = text.as_bytes();
        let diagnostics = (0..b.len().saturating_sub(1))
            .filter(|&i| b[i].is_ascii_lowercase() && b[i + 1].is_ascii_lowercase())
            .map(|i| {
                let span = Span::new(i as u32, i as u32 + 2);
                let content = format!("{}{}", b[i].to_ascii_uppercase() as char, b[i + 1] as char);
                let edit = Edit {
                    file: FileId(0),
                    span,
                    content,
                };
                Diagnostic::new(
                    "MESH999",
                    "t",
                    Severity::Warning,
                    "t",
                    Label::new(FileId(0), span, ""),
                )
                .with_fix(Fix::new("up", Applicability::Safe, vec![edit]))
            })
            .collect();
        LintResult {
            diagnostics,
            ..LintResult::default()
        }
    }

    /// Safe fixes until stable, with default limits.
    fn safe_fixes(
        files: &mut Files,
        first: LintResult,
        relint: &dyn Fn(&Files) -> LintResult,
    ) -> FixOutcome {
        until_stable(
            files,
            Applicability::Safe,
            first,
            &Limits::default(),
            relint,
        )
    }

    fn one_file(text: &str) -> Files {
        let mut files = Files::default();
        files.add(SourceFile::from_bytes(
            "a.yaml".into(),
            None,
            text.as_bytes().to_vec(),
        ));
        files
    }

    #[test]
    fn skipped_fixes_are_applied_in_a_later_pass() {
        let mut files = one_file("abc-xyz");
        let first = pairs(&files);
        let out = safe_fixes(&mut files, first, &pairs);
        // Pass 1: `ab` and `xy` (`bc`, `yz` overlap them); pass 2: `bc`, `yz`.
        assert_eq!(&*files.get(FileId(0)).text, "ABc-XYz");
        assert_eq!(out.applied.get(&FileId(0)), Some(&4));
        assert_eq!(out.remaining, 0);
        assert!(out.result.diagnostics.is_empty());
        assert_eq!(out.originals.get(&FileId(0)).map(|t| &**t), Some("abc-xyz"));
    }

    /// A fake rule whose fix always makes another: append `x` until there are ten.
    fn grow(files: &Files) -> LintResult {
        let text = &files.get(FileId(0)).text;
        let end = text.len() as u32;
        let diagnostics = (text.len() < 10)
            .then(|| {
                let span = Span::new(end, end);
                let edit = Edit {
                    file: FileId(0),
                    span,
                    content: "x".into(),
                };
                Diagnostic::new(
                    "MESH999",
                    "t",
                    Severity::Warning,
                    "t",
                    Label::new(FileId(0), span, ""),
                )
                .with_fix(Fix::new("grow", Applicability::Safe, vec![edit]))
            })
            .into_iter()
            .collect();
        LintResult {
            diagnostics,
            ..LintResult::default()
        }
    }

    #[test]
    fn passes_are_bounded_and_what_is_left_is_counted() {
        let mut files = one_file("");
        let first = grow(&files);
        let out = safe_fixes(&mut files, first, &grow);
        assert_eq!(&*files.get(FileId(0)).text, "x".repeat(MAX_PASSES));
        assert_eq!(out.applied.get(&FileId(0)), Some(&MAX_PASSES));
        assert_eq!(out.remaining, 1);
    }

    #[test]
    fn nothing_to_fix_changes_nothing() {
        let mut files = one_file("ABC");
        let first = pairs(&files);
        let out = safe_fixes(&mut files, first, &pairs);
        assert!(out.originals.is_empty() && out.applied.is_empty());
        assert_eq!(out.remaining, 0);
    }

    /// A rule whose fix breaks the YAML (here: it opens a flow sequence it never closes).
    fn breaking(files: &Files) -> LintResult {
        let text = &files.get(FileId(0)).text;
        let Some(at) = text.find("b: 1") else {
            return LintResult::default();
        };
        let span = Span::new(at as u32, at as u32 + 4);
        let edit = Edit {
            file: FileId(0),
            span,
            content: "b: [1".into(),
        };
        let d = Diagnostic::new(
            "MESH999",
            "t",
            Severity::Warning,
            "t",
            Label::new(FileId(0), span, ""),
        )
        .with_fix(Fix::new("break", Applicability::Safe, vec![edit]));
        LintResult {
            diagnostics: vec![d],
            ..LintResult::default()
        }
    }

    #[test]
    fn a_fix_that_would_break_the_yaml_is_refused_and_the_file_kept() {
        let text = "a: 0\nb: 1\n";
        let mut files = one_file(text);
        let first = breaking(&files);
        let out = safe_fixes(&mut files, first, &breaking);
        assert_eq!(&*files.get(FileId(0)).text, text);
        assert_eq!(out.refused.get(&FileId(0)), Some(&1));
        assert!(out.applied.is_empty() && out.originals.is_empty());
        assert_eq!(
            out.remaining, 0,
            "a refused file is not counted as still to fix"
        );
    }
}
