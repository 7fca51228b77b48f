//! Builds one document's [`Tree`] from events with an explicit stack, so nesting depth never
//! touches the call stack.

use crate::events::{Event, EventKind, EventSource};
use crate::node::ScalarStyle;
use crate::parse::{Document, DuplicateKey, Limits, ParseError, ParseErrorKind};
use crate::span::Span;
use crate::tree::{Kind, Rec, Tree, BORROWED, HAS_DUPLICATE, HAS_MERGE, INSET, MAX_NODES, X_MASK};
use std::collections::HashMap;
use std::sync::Arc;

/// Growable buffers that every document of a stream reuses, so that each document's tree is
/// allocated once at its exact size instead of growing by doubling and shrinking at its end.
#[derive(Default)]
pub(crate) struct Buffers {
    nodes: Vec<Rec>,
    colls: Vec<(u32, u32)>,
    frames: Vec<Frame>,
    keys: Vec<u32>,
}

/// Reads events up to and including the `DocumentEnd` of the document that `start` (the
/// `DocumentStart` event's span) opened. On error the returned document is marked failed and
/// the caller must resume the source at the next document. `shared` is the shared text that
/// `text` (what the events' spans index) starts at, and that offset.
pub(crate) fn document(
    source: &mut EventSource<'_>,
    text: &str,
    shared: (&Arc<str>, u32),
    limits: &Limits,
    start: Span,
    buffers: &mut Buffers,
) -> Document {
    let mut builder = Builder {
        text,
        max_depth: limits.max_depth,
        ..Builder::default()
    };
    builder.tree.nodes = std::mem::take(&mut buffers.nodes);
    builder.tree.colls = std::mem::take(&mut buffers.colls);
    builder.frames = std::mem::take(&mut buffers.frames);
    builder.keys = std::mem::take(&mut buffers.keys);
    builder.tree.src = Arc::clone(shared.0);
    builder.tree.base = shared.1;
    let read = read_document(&mut builder, source, text);
    let Builder {
        mut tree,
        mut frames,
        mut keys,
        duplicates,
        ..
    } = builder;
    // Every document of a run stays in memory until the report: copy the tree out at its
    // exact size and keep the buffers for the next document.
    let exact = Tree {
        nodes: tree.nodes.as_slice().to_vec(),
        colls: tree.colls.as_slice().to_vec(),
        rare: tree.rare.take().map(|mut rare| {
            rare.text.shrink_to_fit();
            rare.owned.shrink_to_fit();
            rare.tags.shrink_to_fit();
            rare.alias_ends.shrink_to_fit();
            rare
        }),
        root: tree.root,
        src: Arc::clone(&tree.src),
        base: tree.base,
        delta: 0,
        aliases: tree.aliases,
    };
    tree.nodes.clear();
    tree.colls.clear();
    frames.clear();
    keys.clear();
    *buffers = Buffers {
        nodes: tree.nodes,
        colls: tree.colls,
        frames,
        keys,
    };
    if let Err(error) = read {
        return failed(start, error);
    }
    let end = exact
        .root
        .map_or(start.end, |root| exact.span(root).end.max(start.end));
    Document {
        span: Span::new(start.start, end),
        error: None,
        duplicate_keys: duplicates.into_boxed_slice(),
        tree: exact,
    }
}

fn read_document(
    builder: &mut Builder<'_>,
    source: &mut EventSource<'_>,
    text: &str,
) -> Result<(), ParseError> {
    loop {
        let event = match source.next() {
            Some(Ok(event)) => event,
            Some(Err(error)) => return Err(error),
            None => {
                let at = text.len() as u32;
                return Err(ParseError {
                    kind: ParseErrorKind::Syntax,
                    span: Span::new(at, at),
                    message: "unexpected end of the event stream".to_string(),
                });
            }
        };
        if matches!(event.kind, EventKind::DocumentEnd) {
            return Ok(());
        }
        builder.event(event)?;
    }
}

fn failed(start: Span, error: ParseError) -> Document {
    let span = Span::new(start.start.min(error.span.end), error.span.end);
    Document::failed(span, error)
}

struct Frame {
    node: u32,
    /// The collection's entry in `Tree::colls`.
    coll: usize,
    /// Its last child so far, whose end is a block collection's end.
    last_child: Option<u32>,
    flow: bool,
}

#[derive(Default)]
struct Builder<'t> {
    text: &'t str,
    max_depth: usize,
    tree: Tree,
    frames: Vec<Frame>,
    /// The keys of the mapping being closed.
    keys: Vec<u32>,
    anchors: HashMap<usize, u32>,
    duplicates: Vec<DuplicateKey>,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>) -> Result<(), ParseError> {
        let span = event.span;
        match event.kind {
            EventKind::Scalar {
                value,
                style,
                anchor,
                tag,
            } => {
                let span = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        block_scalar_span(self.text, span)
                    }
                    _ => span,
                };
                // granit reports an implicit empty value as `~`; the node should read as empty.
                let value = if style == ScalarStyle::Plain && span.is_empty() {
                    ""
                } else {
                    &value
                };
                let (flags, x) = self.scalar_text(value, style, span);
                let rec = Rec::new(span.start, Kind::Scalar(style), flags, x);
                let id = self.push(rec, anchor, tag)?;
                self.attach(id);
            }
            EventKind::SequenceStart { flow, anchor, tag } => {
                self.open(Kind::Sequence, flow, span, anchor, tag)?
            }
            EventKind::MappingStart { flow, anchor, tag } => {
                self.open(Kind::Mapping, flow, span, anchor, tag)?
            }
            EventKind::SequenceEnd | EventKind::MappingEnd => self.close(span),
            EventKind::Alias(anchor) => {
                let target = self.alias_target(anchor, span)?;
                let id = self.push(Rec::new(span.start, Kind::Alias, 0, target), 0, None)?;
                self.tree.aliases = true;
                self.tree.rare_mut().alias_ends.push((id, span.end));
                self.attach(id);
            }
            _ => {}
        }
        Ok(())
    }

    /// Flags and `x` of a scalar: borrowed (`x` is the span's length) when the source text of
    /// its span (or of the span inside its quotes) is its value, else a copy in the tree's text.
    fn scalar_text(&mut self, value: &str, style: ScalarStyle, span: Span) -> (u8, u32) {
        let written = self.text.get(span.range()).unwrap_or("");
        let fits = span.len() <= X_MASK;
        if fits && written == value {
            return (BORROWED, span.len());
        }
        let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
        if fits && quoted && written.len() >= 2 && written.get(1..written.len() - 1) == Some(value)
        {
            return (BORROWED | INSET, span.len());
        }
        let rare = self.tree.rare_mut();
        let start = rare.text.len() as u32;
        rare.text.push_str(value);
        let x = rare.owned.len() as u32;
        rare.owned.push((start, value.len() as u32, span.end));
        (0, x)
    }

    fn alias_target(&self, anchor: usize, span: Span) -> Result<u32, ParseError> {
        let alias = self.text.get(span.range()).unwrap_or("alias");
        let Some(&target) = self.anchors.get(&anchor) else {
            let message = format!("{alias} refers to an undefined anchor");
            return Err(ParseError {
                kind: ParseErrorKind::BadAlias,
                span,
                message,
            });
        };
        if self.tree.is_open(self.tree.rec(target)) {
            let message = format!("{alias} refers to a node that contains it (a cycle)");
            return Err(ParseError {
                kind: ParseErrorKind::BadAlias,
                span,
                message,
            });
        }
        Ok(target)
    }

    fn push(&mut self, rec: Rec, anchor: usize, tag: Option<&str>) -> Result<u32, ParseError> {
        if self.tree.nodes.len() >= MAX_NODES {
            let at = Span::new(rec.start, rec.start);
            return Err(ParseError {
                kind: ParseErrorKind::TooLarge,
                span: at,
                message: format!("the document has more than {MAX_NODES} nodes"),
            });
        }
        let id = self.tree.nodes.len() as u32;
        self.tree.nodes.push(rec);
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        if let Some(tag) = tag {
            let rare = self.tree.rare_mut();
            let start = rare.text.len() as u32;
            rare.text.push_str(tag);
            let end = rare.text.len() as u32;
            rare.tags.push((id, start, end));
        }
        Ok(id)
    }

    fn attach(&mut self, id: u32) {
        match self.frames.last_mut() {
            Some(frame) => frame.last_child = Some(id),
            None => self.tree.root = Some(id),
        }
    }

    fn open(
        &mut self,
        kind: Kind,
        flow: bool,
        span: Span,
        anchor: usize,
        tag: Option<&str>,
    ) -> Result<(), ParseError> {
        if self.frames.len() >= self.max_depth {
            let message = format!("collections nest deeper than {}", self.max_depth);
            let at = Span::new(span.start, span.start);
            return Err(ParseError {
                kind: ParseErrorKind::TooDeep,
                span: at,
                message,
            });
        }
        let coll = self.tree.colls.len();
        let id = self.push(Rec::new(span.start, kind, 0, coll as u32), anchor, tag)?;
        self.tree.colls.push((0, span.start));
        self.frames.push(Frame {
            node: id,
            coll,
            last_child: None,
            flow,
        });
        Ok(())
    }

    fn close(&mut self, end: Span) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let last_end = frame.last_child.map(|c| self.tree.span(c).end);
        let rec = *self.tree.rec(frame.node);
        let span_end = match (frame.flow, last_end) {
            (true, _) => end.end,
            (false, Some(last)) => last.max(rec.start),
            (false, None) => rec.start,
        };
        let size = self.tree.nodes.len() as u32 - frame.node;
        self.tree.colls[frame.coll] = (size, span_end);
        if rec.kind() == Kind::Mapping {
            self.mapping_flags(frame.node);
        }
        self.attach(frame.node);
    }

    /// Flags merge keys and records duplicate scalar keys of a just-closed mapping. Small
    /// mappings (the common case) are checked pairwise to avoid allocating.
    fn mapping_flags(&mut self, id: u32) {
        let tree = &self.tree;
        self.keys.clear();
        self.keys.extend(tree.children(id).step_by(2));
        let keys = &self.keys;
        let key = |i: usize| keys[i];
        let count = keys.len();
        let merge = (0..count).any(|i| tree.is_merge_key(key(i)));
        let before = self.duplicates.len();
        if count <= SMALL_MAPPING {
            // Each key's text is read once, not once per pair.
            let mut texts: [Option<&str>; SMALL_MAPPING] = [None; SMALL_MAPPING];
            for i in 0..count {
                texts[i] = scalar_key(tree, key(i));
                let Some(text) = texts[i] else { continue };
                if let Some(j) = (0..i).find(|&j| texts[j] == Some(text)) {
                    self.duplicates.push(duplicate(tree, text, key(j), key(i)));
                }
            }
        } else {
            let mut seen: HashMap<&str, u32> = HashMap::with_capacity(count);
            for i in 0..count {
                let Some(text) = scalar_key(tree, key(i)) else {
                    continue;
                };
                match seen.get(text) {
                    Some(&first) => self.duplicates.push(duplicate(tree, text, first, key(i))),
                    None => _ = seen.insert(text, key(i)),
                }
            }
        }
        let mut flags = if merge { HAS_MERGE } else { 0 };
        if self.duplicates.len() > before {
            flags |= HAS_DUPLICATE;
        }
        self.tree.nodes[id as usize].set_flags(flags);
    }
}

/// Mappings with at most this many keys are checked for duplicates pairwise.
const SMALL_MAPPING: usize = 16;

/// Only scalars written as keys count for duplicates (not aliases or collections).
fn scalar_key(tree: &Tree, id: u32) -> Option<&str> {
    let rec = tree.rec(id);
    matches!(rec.kind(), Kind::Scalar(_)).then(|| tree.scalar_text(rec))
}

fn duplicate(tree: &Tree, key: &str, first: u32, second: u32) -> DuplicateKey {
    DuplicateKey {
        key: key.to_string(),
        first: tree.span(first),
        second: tree.span(second),
    }
}

/// granit's span of a block scalar covers only its content; start it at the `|`/`>` header so
/// the node points where the user wrote it. The header is the rightmost `|` or `>` on the last
/// non-blank line before the content that is followed only by indicators and a comment.
fn block_scalar_span(text: &str, span: Span) -> Span {
    let bytes = text.as_bytes();
    let mut end = (span.start as usize).min(bytes.len());
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
        end -= 1;
    }
    let line_start = bytes[..end]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    let header = (line_start..end)
        .rev()
        .find(|&i| matches!(bytes[i], b'|' | b'>') && is_header_tail(&bytes[i + 1..end]));
    match header {
        Some(start) => Span::new(start as u32, span.end.max(start as u32)),
        None => span,
    }
}

/// Chomping/indentation indicators, then optional blanks and a comment.
fn is_header_tail(tail: &[u8]) -> bool {
    let indicators = tail
        .iter()
        .take_while(|b| matches!(b, b'0'..=b'9' | b'+' | b'-'))
        .count();
    let rest = &tail[indicators..];
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    rest.len() == blanks || (blanks > 0 && rest[blanks] == b'#')
}
