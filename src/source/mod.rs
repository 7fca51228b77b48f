//! Where manifests come from: files, directories, stdin. No YAML here.

pub mod anchored;
mod discover;
mod encoding;
mod files;
pub mod templates;

pub use discover::{discover, Discovery, InputProblem, WalkOptions};
pub use encoding::Encoding;
pub use files::{FileId, Files, SourceFile};
