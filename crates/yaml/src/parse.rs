use crate::node::Node;
use crate::span::Span;
use crate::tree::Tree;

/// Budgets that keep hostile input cheap. Exceeding one is a [`ParseError`] for that document
/// (nesting) or a [`crate::DeError`] (expansion), never a crash or a hang.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum nesting of collections (block and flow) in one document.
    pub max_depth: usize,
    /// Maximum nodes visited by one `Node::deserialize` call, counting every alias expansion.
    pub max_expanded_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_expanded_nodes: 1_000_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The YAML syntax is invalid.
    Syntax,
    /// Collections nest deeper than [`Limits::max_depth`].
    TooDeep,
    /// An alias names an anchor that is undefined, or one that is still open (a cycle).
    BadAlias,
}

/// Why a document could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// Where the problem was detected; may be empty (a point).
    pub span: Span,
    /// A short human sentence without position (e.g. "did not find expected key").
    pub message: String,
}

/// A key that appears twice in one mapping. The tree keeps both entries; lookups see the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub second: Span,
}

/// One YAML document of a stream.
#[derive(Debug)]
pub struct Document {
    /// From the document's first byte (its `---` marker if any, else its first content byte)
    /// to the end of its last node (or to the error position for a failed document).
    pub span: Span,
    /// Set when the document failed; then [`Document::root`] is `None`.
    pub error: Option<ParseError>,
    pub duplicate_keys: Vec<DuplicateKey>,
    tree: Tree,
}

impl Document {
    /// The root node, or `None` for a failed document. An empty document (`---` alone, or only
    /// comments) has a null scalar root.
    pub fn root(&self) -> Option<Node<'_>> {
        todo!("{:?}", self.span)
    }

    /// Number of nodes in this document's tree (aliases count once).
    pub fn node_count(&self) -> usize {
        todo!()
    }
}

/// Parses every document of `text`. `text` is the whole file; all spans are byte offsets into
/// it. A leading BOM is skipped. A syntax error in one document yields a `Document` with
/// `error` set and parsing resumes at the next document; documents before and after it are
/// unaffected. Never panics, never recurses per nesting level, and runs in time linear in the
/// input for any input.
pub fn parse_stream(text: &str, limits: &Limits) -> Vec<Document> {
    todo!("{} {:?}", text.len(), limits)
}
