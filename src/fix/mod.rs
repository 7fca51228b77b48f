//! Applying fixes: per file, edits from last to first, overlapping edits skipped, files written
//! atomically, files with parse errors never touched.

mod diff;
mod plan;
mod write;

pub use diff::unified_diff;
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
    /// Fixes skipped because they overlapped an applied one (they may apply on a later pass).
    pub skipped: usize,
}
