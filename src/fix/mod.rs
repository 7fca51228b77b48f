//! Applying fixes: per file, edits from last to first, overlapping edits skipped, files written
//! atomically, files with parse errors never touched.

mod diff;
mod passes;
mod plan;
mod write;

pub use diff::unified_diff;
pub use passes::{until_stable, FixOutcome, MAX_PASSES};
pub use plan::plan;
pub use write::write_atomically;

use crate::source::FileId;

/// The result of applying fixes to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    pub file: FileId,
    pub new_text: String,
    /// Number of fixes applied.
    pub applied: usize,
    /// Fixes skipped because they overlapped an applied one; `check` plans them again on the
    /// fixed text (up to its pass limit) and reports any still left.
    pub skipped: usize,
}
