//! Where manifests come from: files, directories, stdin. No YAML here.

mod discover;
mod files;

pub use discover::{discover, Discovery, InputProblem, WalkOptions};
pub use files::{FileId, Files, SourceFile};
