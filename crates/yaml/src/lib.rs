//! Span-keeping YAML for mesh-lint.
//!
//! One parse per document into a compact arena tree whose every node (keys included) keeps the
//! byte span it came from, so a linter can point at the exact key or value. The event parser
//! (granit-parser today) sits behind [`events`] so it can be swapped.
//!
//! - [`parse_stream`] splits a file into [`Document`]s; a syntax error costs only its document.
//! - [`Node`] reads the tree (aliases resolve transparently, merge keys are honoured).
//! - [`Node::deserialize`] feeds any serde type from the tree under an expansion budget and
//!   reports type errors with the span and path of the offending node.
//! - [`LineIndex`] turns byte offsets into 1-based line and column (Unicode scalar values).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "panic hygiene (issue 12): library code must not unwrap or expect, since a panic on input-derived data crashes a user's CI. Handle the None/Err (report a diagnostic, skip the object, fall back to a default); where a panic is provably impossible, put `#[allow(clippy::unwrap_used, reason = \"why it cannot fail\")]` on the smallest item"
    )
)]

mod build;
mod de;
pub(crate) mod events;
mod expand;
mod line_index;
mod node;
mod parse;
mod schema;
mod span;
mod tree;

pub use de::{Budget, DeError};
pub use line_index::LineIndex;
pub use node::{Entries, Items, Node, NodeKind, PathSeg, Scalar, ScalarStyle};
pub use parse::{
    parse_shared, parse_stream, Document, DuplicateKey, Limits, ParseError, ParseErrorKind,
};
pub use span::Span;

#[cfg(test)]
mod tests;
