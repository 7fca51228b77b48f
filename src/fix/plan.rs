//! Choosing which fixes to apply and computing the new texts.

use super::FixedFile;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::source::{FileId, Files};
use std::collections::BTreeMap;

/// Computes the new text of every file that at least one fix at or above `min` changes.
/// Files in `blocked` (parse errors) are left out entirely. A fix whose edits span several files
/// is applied to all or none. Bytes outside edited spans are preserved exactly.
///
/// `Display` fixes are never applied, even with `min == Display`. A fix that touches a blocked
/// or unreadable file is dropped whole, as is a fix with an edit outside its file, splitting a
/// UTF-8 character, or overlapping another edit of the same fix (a rule bug; nothing is
/// counted). Fixes are taken in order of their first edit; one that overlaps an accepted fix
/// is skipped and counted in `skipped` of each file it touches. An edit identical to an
/// accepted one is applied once, and the fix holding it still counts as applied. Two insertions
/// at the same offset overlap unless identical; an insertion at the boundary of a replacement
/// does not. The result holds only files whose text changed, in `FileId` order.
pub fn plan(
    files: &Files,
    diagnostics: &[Diagnostic],
    min: Applicability,
    blocked: &[FileId],
) -> Vec<FixedFile> {
    let min = min.max(Applicability::Unsafe);
    let mut fixes: Vec<Vec<&Edit>> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|fix| fix.applicability >= min)
        .filter_map(|fix| valid_edits(fix, files, blocked))
        .collect();
    // Stable, so fixes starting at the same place keep the diagnostics' order.
    fixes.sort_by_key(|edits| (edits[0].file, edits[0].span.start, edits[0].span.end));

    let mut accepted: BTreeMap<FileId, FilePlan> = BTreeMap::new();
    for edits in fixes {
        let fits = edits
            .iter()
            .all(|e| accepted.get(&e.file).is_none_or(|plan| !plan.conflicts(e)));
        for file in touched_files(&edits) {
            let plan = accepted.entry(file).or_default();
            if fits {
                plan.applied += 1;
            } else {
                plan.skipped += 1;
            }
        }
        if fits {
            for edit in edits {
                accepted.entry(edit.file).or_default().insert(edit);
            }
        }
    }

    accepted
        .into_iter()
        .filter_map(|(file, plan)| {
            let old = &files.get(file).text;
            let new_text = plan.apply(old);
            (new_text != **old).then_some(FixedFile {
                file,
                new_text,
                applied: plan.applied,
                skipped: plan.skipped,
            })
        })
        .collect()
}

/// The fix's edits sorted by position with duplicates removed, or `None` when the fix must not
/// be applied at all.
fn valid_edits<'a>(fix: &'a Fix, files: &Files, blocked: &[FileId]) -> Option<Vec<&'a Edit>> {
    let mut edits: Vec<&Edit> = fix.edits.iter().collect();
    edits.sort_by(|a, b| {
        (a.file, a.span.start, a.span.end, &a.content).cmp(&(
            b.file,
            b.span.start,
            b.span.end,
            &b.content,
        ))
    });
    edits.dedup();
    if edits.is_empty() {
        return None;
    }
    for edit in &edits {
        if (edit.file.0 as usize) >= files.len() || blocked.contains(&edit.file) {
            return None;
        }
        let file = files.get(edit.file);
        let (start, end) = (edit.span.start as usize, edit.span.end as usize);
        let in_text = start <= end && end <= file.text.len();
        if file.unreadable.is_some()
            || !in_text
            || !file.text.is_char_boundary(start)
            || !file.text.is_char_boundary(end)
        {
            return None;
        }
    }
    let self_overlapping = edits
        .windows(2)
        .any(|w| w[0].file == w[1].file && overlap(w[0], w[1]));
    (!self_overlapping).then_some(edits)
}

fn touched_files(edits: &[&Edit]) -> Vec<FileId> {
    let mut files: Vec<FileId> = edits.iter().map(|e| e.file).collect();
    files.dedup(); // edits are sorted by file
    files
}

/// Whether two different edits in the same file cannot both be applied.
fn overlap(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        // Two different insertions at one offset have no defined order.
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
}

/// The accepted edits of one file, keyed by `(start, end)`; they never overlap.
#[derive(Default)]
struct FilePlan {
    edits: BTreeMap<(u32, u32), Edit>,
    applied: usize,
    skipped: usize,
}

impl FilePlan {
    fn conflicts(&self, edit: &Edit) -> bool {
        // Accepted edits do not overlap, so sorted by start their ends never decrease: walking
        // back from the last edit starting before `edit` ends, we can stop at the first one
        // ending before `edit` starts.
        for accepted in self
            .edits
            .range(..=(edit.span.end, u32::MAX))
            .rev()
            .map(|(_, e)| e)
        {
            if accepted.span.end < edit.span.start {
                break;
            }
            if accepted != edit && overlap(accepted, edit) {
                return true;
            }
        }
        false
    }

    fn insert(&mut self, edit: &Edit) {
        self.edits
            .entry((edit.span.start, edit.span.end))
            .or_insert_with(|| edit.clone());
    }

    /// Copies the text between edits and each edit's content in order; since spans refer to
    /// the original text and never overlap, this is the same as applying edits from last to
    /// first, in one pass.
    fn apply(&self, old: &str) -> String {
        let mut out = String::with_capacity(old.len());
        let mut pos = 0;
        for edit in self.edits.values() {
            out.push_str(&old[pos..edit.span.start as usize]);
            out.push_str(&edit.content);
            pos = edit.span.end as usize;
        }
        out.push_str(&old[pos..]);
        out
    }
}

#[cfg(test)]
mod tests;
