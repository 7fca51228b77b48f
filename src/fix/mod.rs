//! Applying fixes: per file, edits from last to first, overlapping edits skipped, files written
//! atomically, files with parse errors never touched.

use crate::diagnostic::{Applicability, Diagnostic};
use crate::source::{FileId, Files};

/// The result of applying fixes to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    pub file: FileId,
    pub new_text: String,
    /// Number of fixes applied.
    pub applied: usize,
    /// Fixes skipped because they overlapped an applied one (they may apply on a later pass).
    pub skipped: usize,
}

/// Computes the new text of every file that at least one fix at or above `min` changes.
/// Files in `blocked` (parse errors) are left out entirely. A fix whose edits span several files
/// is applied to all or none. Bytes outside edited spans are preserved exactly.
pub fn plan(
    files: &Files,
    diagnostics: &[Diagnostic],
    min: Applicability,
    blocked: &[FileId],
) -> Vec<FixedFile> {
    todo!("{} {} {min:?} {blocked:?}", files.len(), diagnostics.len())
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename,
/// keeping the original file's permissions.
pub fn write_atomically(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    todo!("{} {}", path.display(), contents.len())
}

/// A unified diff (`--- a/name` / `+++ b/name`, 3 lines of context) of `old` to `new`.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    todo!("{name} {} {}", old.len(), new.len())
}
