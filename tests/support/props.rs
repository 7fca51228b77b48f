//! The properties every input must keep, shared by the stable property test
//! (`tests/properties.rs`) and the cargo-fuzz targets (`fuzz/fuzz_targets/`), which include this
//! file by path. Each check panics with a message naming the broken property.
//!
//! - lint: any bytes, alone or next to other files, parse, index and run every rule without a
//!   panic; every label points inside its file on character boundaries; every output format
//!   renders, and JSON and SARIF are valid JSON.
//! - fix: applying the fixes keeps every byte outside the fixes' edit spans, leaves the file
//!   parsing with the same number of documents, and converges: when no fix was skipped for
//!   overlapping another, a second pass finds nothing to change.

use mesh_lint::diagnostic::{Applicability, Diagnostic};
use mesh_lint::fix;
use mesh_lint::lint::{lint, LintOptions, LintResult};
use mesh_lint::parse::parse_file;
use mesh_lint::render::{self, Format, RenderContext, Summary};
use mesh_lint::rules;
use mesh_lint::source::{FileId, Files, SourceFile};

/// One input file: display name and raw bytes.
pub type Input = (String, Vec<u8>);

pub fn files_of(inputs: &[Input]) -> Files {
    let mut files = Files::default();
    for (name, bytes) in inputs {
        files.add(SourceFile::from_bytes(name.clone(), None, bytes.clone()));
    }
    files
}

/// Lints `inputs` and checks the lint properties; returns the result for further checks.
pub fn check_lint(inputs: &[Input]) -> (Files, LintResult) {
    let files = files_of(inputs);
    let result = lint(&files, &LintOptions::default());
    check_labels(&files, &result.diagnostics);
    check_renders(&files, &result);
    (files, result)
}

fn check_labels(files: &Files, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(!d.message.is_empty(), "{}: empty message", d.code);
        for label in std::iter::once(&d.primary).chain(&d.related) {
            assert!(
                (label.file.0 as usize) < files.len(),
                "{}: label in unknown file",
                d.code
            );
            let text = &files.get(label.file).text;
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(
                start <= end && end <= text.len(),
                "{}: label span {start}..{end} outside a {}-byte file",
                d.code,
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{}: label span {start}..{end} splits a character",
                d.code
            );
        }
    }
}

fn check_renders(files: &Files, result: &LintResult) {
    let metas = rules::metas();
    let formats = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
    ];
    for (color, width) in [(false, 100), (true, 20)] {
        let ctx = RenderContext {
            files,
            rules: &metas,
            summary: Summary::tally(files.len(), result.objects, &result.diagnostics),
            color,
            width,
            tool_version: "0.0.0",
            unsafe_fixes: color,
            github_step_summary: None,
        };
        for format in formats {
            let mut out = Vec::new();
            let rendered = render::render(format, &result.diagnostics, &ctx, &mut out);
            assert!(rendered.is_ok(), "{format:?} failed: {rendered:?}");
            if matches!(format, Format::Json | Format::Sarif) {
                let parsed = serde_json::from_slice::<serde_json::Value>(&out);
                assert!(parsed.is_ok(), "{format:?} output is not JSON: {parsed:?}");
            }
        }
    }
    let mut out = Vec::new();
    assert!(render::statistics(&result.diagnostics, &mut out).is_ok());
}

/// Passes allowed before fixes must have converged (fixes skipped for overlap, and findings that
/// fixes reveal, take more than one).
const MAX_PASSES: usize = 8;

/// Applies fixes (safe, then separately safe + unsafe) and checks the fix properties; returns
/// how many files the fixes changed (so callers can tell their inputs exercise fixes at all).
pub fn check_fix(inputs: &[Input]) -> usize {
    let (files, result) = check_lint(inputs);
    [Applicability::Safe, Applicability::Unsafe]
        .into_iter()
        .map(|min| check_fix_at(inputs, &files, &result, min))
        .sum()
}

fn check_fix_at(inputs: &[Input], files: &Files, result: &LintResult, min: Applicability) -> usize {
    let planned = fix::plan(files, &result.diagnostics, min, &result.blocked);
    if planned.is_empty() {
        return 0;
    }
    let mut next: Vec<Input> = Vec::new();
    let mut skipped = 0;
    for (id, file) in files.iter() {
        let Some(fixed) = planned.iter().find(|f| f.file == id) else {
            // The bytes as given: `file.text` has invalid UTF-8 replaced, which would make a
            // blocked file lintable on the next pass (the CLI keeps unchanged files as read).
            next.push(inputs[id.0 as usize].clone());
            continue;
        };
        assert!(
            !result.blocked.contains(&id),
            "a fix changed `{}`, which has parse errors",
            file.name
        );
        skipped += fixed.skipped;
        check_outside_edits_kept(&file.text, &fixed.new_text, &edit_spans(result, id, min));
        check_still_parses(id, file, &fixed.new_text);
        next.push((file.name.clone(), fixed.new_text.clone().into_bytes()));
    }
    // Converges within a few passes. Pass 2 may have fixes: one rule's fix can reveal another
    // finding (renaming a deprecated filter makes its patch apply, and MESH705 then judges
    // where; a typo fixed in an annotation's name makes it one MESH402 moves), and `--fix` runs
    // passes for that. What one rule's fixes leave for that same rule is checked on its own.
    if skipped == 0 {
        for code in fixed_codes(result, min) {
            check_rule_converges(inputs, files, result, min, code);
        }
    }
    let mut current = next;
    for pass in 1..=MAX_PASSES {
        let files = files_of(&current);
        let result = lint(&files, &LintOptions::default());
        let again = fix::plan(&files, &result.diagnostics, min, &result.blocked);
        if again.is_empty() {
            return planned.len();
        }
        assert!(
            pass < MAX_PASSES,
            "fixes at {min:?} do not converge: pass {} still changes {:?}\nbefore:\n{}\nafter:\n{}",
            pass + 1,
            again
                .iter()
                .map(|f| &files.get(f.file).name)
                .collect::<Vec<_>>(),
            files.get(again[0].file).text,
            again[0].new_text,
        );
        for f in again {
            current[f.file.0 as usize].1 = f.new_text.into_bytes();
        }
    }
    planned.len()
}

/// Applies only `code`'s fixes and lints again: the rule must have no fix left that changes
/// anything, or its fixes would never settle on their own.
fn check_rule_converges(
    inputs: &[Input],
    files: &Files,
    result: &LintResult,
    min: Applicability,
    code: &str,
) {
    let planned = fix::plan(files, &of_rule(result, code), min, &result.blocked);
    if planned.iter().any(|f| f.skipped > 0) {
        return;
    }
    let mut next = inputs.to_vec();
    for f in planned {
        next[f.file.0 as usize].1 = f.new_text.into_bytes();
    }
    let files = files_of(&next);
    let result = lint(&files, &LintOptions::default());
    let again = fix::plan(&files, &of_rule(&result, code), min, &result.blocked);
    assert!(
        again.is_empty(),
        "the fixes of {code} at {min:?} leave fixes of their own for a second pass\nbefore:\n{}\nafter:\n{}",
        files.get(again[0].file).text,
        again[0].new_text,
    );
}

/// The findings of rule `code` in `result`.
fn of_rule(result: &LintResult, code: &str) -> Vec<mesh_lint::diagnostic::Diagnostic> {
    result
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .cloned()
        .collect()
}

/// The codes of the findings in `result` with a fix at or above `min` in a file that can be fixed.
fn fixed_codes(
    result: &LintResult,
    min: Applicability,
) -> std::collections::BTreeSet<&'static str> {
    result
        .diagnostics
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability >= min))
        .filter(|d| !result.blocked.contains(&d.primary.file))
        .map(|d| d.code)
        .collect()
}

/// Every edit span in `file` of a fix at or above `min`, merged where they overlap.
fn edit_spans(result: &LintResult, file: FileId, min: Applicability) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = result
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.applicability >= min)
        .flat_map(|f| &f.edits)
        .filter(|e| e.file == file)
        .map(|e| (e.span.start as usize, e.span.end as usize))
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The text between edit spans must appear in the new text, in order, at the start, between
/// replacements and at the end: only the edited spans may change.
fn check_outside_edits_kept(old: &str, new: &str, spans: &[(usize, usize)]) {
    let mut gaps = Vec::new();
    let mut pos = 0;
    for &(start, end) in spans {
        gaps.push(&old[pos.min(start)..start]);
        pos = end;
    }
    let last = &old[pos.min(old.len())..];
    assert!(
        new.ends_with(last),
        "the text after the last edit changed\nold:\n{old}\nnew:\n{new}"
    );
    let mut at = 0;
    for (i, gap) in gaps.iter().enumerate() {
        let found = if i == 0 {
            new.starts_with(gap).then_some(0)
        } else {
            new[at..].find(gap).map(|o| at + o)
        };
        let Some(found) = found else {
            panic!("text outside the edits changed: {gap:?} is gone\nold:\n{old}\nnew:\n{new}");
        };
        at = found + gap.len();
    }
    assert!(
        at <= new.len() - last.len(),
        "text outside the edits changed (order)\nold:\n{old}\nnew:\n{new}"
    );
}

fn check_still_parses(id: FileId, file: &SourceFile, new_text: &str) {
    let fixed = SourceFile::from_bytes(file.name.clone(), None, new_text.as_bytes().to_vec());
    let limits = LintOptions::default().limits;
    let before = parse_file(id, file, &limits);
    let after = parse_file(id, &fixed, &limits);
    assert!(
        !after.has_errors(),
        "the fixed `{}` no longer parses:\n{new_text}",
        file.name
    );
    assert_eq!(
        before.documents.len(),
        after.documents.len(),
        "fixing `{}` changed its number of documents:\n{new_text}",
        file.name
    );
}
