//! Where manifests come from: files, directories, stdin. No YAML here.

pub mod anchored;
mod discover;
mod files;

pub use discover::{discover, Discovery, InputProblem, WalkOptions};
pub use files::{FileId, Files, SourceFile};
