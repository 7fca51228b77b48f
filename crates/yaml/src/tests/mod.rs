//! Crate tests, one module per requirement area.

mod de;
mod documents;
mod hostile;
mod node_api;
mod shared_text;
mod spans;

use crate::{parse_stream, Document, Limits, Node};

pub(crate) fn parse(text: &str) -> Vec<Document> {
    parse_stream(text, &Limits::default())
}

/// The root of a single-document text that must parse.
pub(crate) fn root(doc: &Document) -> Node<'_> {
    assert_eq!(doc.error, None);
    doc.root().expect("root")
}

pub(crate) fn src<'t>(text: &'t str, node: Node<'_>) -> &'t str {
    &text[node.span().range()]
}
