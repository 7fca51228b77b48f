use crate::build;
use crate::events::{EventKind, EventSource};
use crate::node::Node;
use crate::span::Span;
use crate::tree::Tree;
use std::ops::Range;
use std::sync::Arc;

/// [`Limits::max_depth`] by default.
pub(crate) const DEFAULT_MAX_DEPTH: usize = 128;

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
            max_depth: DEFAULT_MAX_DEPTH,
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
    /// The document has more nodes than one document's tree holds (about 16.7 million).
    TooLarge,
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
    /// Set when the document failed; then [`Document::root`] is `None`. Boxed, like the
    /// duplicate keys, because few documents have them and every document of a run is kept.
    pub error: Option<Box<ParseError>>,
    pub duplicate_keys: Box<[DuplicateKey]>,
    pub(crate) tree: Tree,
}

impl Document {
    /// Moves every span of the document by `delta` bytes: for a document parsed out of a slice
    /// of a larger text that starts `delta` bytes in, so its spans become offsets in that text.
    pub fn shift(&mut self, delta: u32) {
        let by = |s: &mut Span| *s = Span::new(s.start + delta, s.end + delta);
        by(&mut self.span);
        // Node positions stay as stored (scalars are read at `base` plus them); the tree adds
        // `delta` when it reports a span.
        self.tree.delta += delta;
        if let Some(e) = &mut self.error {
            by(&mut e.span);
        }
        for d in &mut self.duplicate_keys {
            by(&mut d.first);
            by(&mut d.second);
        }
    }

    /// The root node, or `None` for a failed document. An empty document (`---` alone, or only
    /// comments) has a null scalar root.
    pub fn root(&self) -> Option<Node<'_>> {
        if self.error.is_some() {
            return None;
        }
        let id = self.tree.root?;
        Some(Node {
            tree: &self.tree,
            id,
        })
    }

    /// Number of nodes in this document's tree (aliases count once).
    pub fn node_count(&self) -> usize {
        self.tree.nodes.len()
    }

    pub(crate) fn failed(span: Span, error: ParseError) -> Document {
        Document {
            span,
            error: Some(Box::new(error)),
            duplicate_keys: Box::default(),
            tree: Tree::default(),
        }
    }
}

/// Parses every document of `text`. `text` is the whole file; all spans are byte offsets into
/// it. A leading BOM is skipped. A syntax error in one document yields a `Document` with
/// `error` set and parsing resumes at the next document; documents before and after it are
/// unaffected. Never panics, never recurses per nesting level, and runs in time linear in the
/// input for any input.
///
/// A stream holding only comments or whitespace yields no documents; `---` alone yields one
/// document whose root is an empty null scalar. An error that the parser can only recover from
/// at the next `---` (at column 0) costs everything up to that marker: an unclosed quote or
/// bracket in the last document swallows the rest of the stream.
pub fn parse_stream(text: &str, limits: &Limits) -> Vec<Document> {
    parse_in(text, (&Arc::from(text), 0), limits)
}

/// [`parse_stream`] of `src[range]` (which must start at a document boundary) without copying
/// the text: the documents share `src`. Spans are offsets in `src`.
pub fn parse_shared(src: &Arc<str>, range: Range<usize>, limits: &Limits) -> Vec<Document> {
    let Some(text) = src.get(range.clone()) else {
        return Vec::new();
    };
    let start = range.start as u32;
    let mut docs = parse_in(text, (src, start), limits);
    if start > 0 {
        for d in &mut docs {
            d.shift(start);
        }
    }
    docs
}

fn parse_in(text: &str, shared: (&Arc<str>, u32), limits: &Limits) -> Vec<Document> {
    let mut source = EventSource::new(text, limits);
    let mut buffers = build::Buffers::default();
    let mut docs = Vec::new();
    // End of the last thing read, to place a document that fails before it starts.
    let mut last_end = 0u32;
    loop {
        let event = match source.next() {
            None => break,
            Some(Ok(event)) => event,
            Some(Err(error)) => {
                let start = content_start(text, last_end).min(error.span.start);
                last_end = error.span.end;
                docs.push(Document::failed(Span::new(start, error.span.end), error));
                if !matches!(source.recover(), Ok(true)) {
                    break;
                }
                continue;
            }
        };
        match event.kind {
            EventKind::DocumentStart => {
                // Explicit: the `---` marker; implicit: granit puts it at the first content byte.
                let doc =
                    build::document(&mut source, text, shared, limits, event.span, &mut buffers);
                last_end = doc.span.end;
                let failed = doc.error.is_some();
                docs.push(doc);
                if failed && !matches!(source.recover(), Ok(true)) {
                    break;
                }
            }
            EventKind::StreamEnd => break,
            _ => last_end = event.span.end,
        }
    }
    docs
}

/// The first byte at or after `from` that is not whitespace, a BOM or part of a comment.
fn content_start(text: &str, from: u32) -> u32 {
    let bytes = text.as_bytes();
    let mut i = from as usize;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            0xEF if bytes[i..].starts_with("\u{feff}".as_bytes()) => i += 3,
            _ => break,
        }
    }
    i.min(bytes.len()) as u32
}
