//! The arena behind a [`crate::Document`]: one `Vec` of 8-byte node records in document order,
//! one of collection sizes and ends, and (only when needed) the scalars whose value differs
//! from their source text, tags and alias ends. A tree costs two or three allocations however
//! many nodes it has, about 10 bytes per node. A scalar written as its value (most plain
//! scalars, quoted ones without escapes) is read from the shared file text.

use crate::node::ScalarStyle;
use crate::span::Span;
use std::sync::Arc;

/// What a record is; scalars carry their style so a record stays small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar(ScalarStyle),
    Mapping,
    Sequence,
    Alias,
}

/// Mapping flag: some key is a plain `<<` (a merge key candidate).
pub(crate) const HAS_MERGE: u8 = 1;
/// Mapping flag: some scalar key appears twice.
pub(crate) const HAS_DUPLICATE: u8 = 2;
/// Scalar flag: the value is the source text of the span.
pub(crate) const BORROWED: u8 = 4;
/// Scalar flag (with [`BORROWED`]): the value is the span without its first and last byte (the
/// quotes).
pub(crate) const INSET: u8 = 8;

const X_BITS: u32 = 25;
pub(crate) const X_MASK: u32 = (1 << X_BITS) - 1;
/// Most nodes one document may have, so that every `x` that indexes nodes, collections or
/// owned scalars fits; more is a [`crate::ParseErrorKind::TooLarge`] error.
pub(crate) const MAX_NODES: usize = (1 << (X_BITS - 1)) - 1;

/// One node in 8 bytes: where its span starts, then kind (3 bits), flags (4 bits) and `x` (25
/// bits). Nodes are stored in document order (a collection before its children, each child's
/// subtree whole before the next child), so a collection's children need no list: the first
/// follows it, and each next one follows the previous one's subtree.
///
/// `x` depends on the kind: a borrowed scalar's span length; an owned scalar's entry in
/// `Rare::owned`; a collection's entry in `colls` (subtree size and span end); an alias's
/// target node (its span end is in `Rare::alias_ends`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub start: u32,
    meta: u32,
}

impl Rec {
    pub fn new(start: u32, kind: Kind, flags: u8, x: u32) -> Rec {
        let code = match kind {
            Kind::Scalar(ScalarStyle::Plain) => 0,
            Kind::Scalar(ScalarStyle::SingleQuoted) => 1,
            Kind::Scalar(ScalarStyle::DoubleQuoted) => 2,
            Kind::Scalar(ScalarStyle::Literal) => 3,
            Kind::Scalar(ScalarStyle::Folded) => 4,
            Kind::Mapping => 5,
            Kind::Sequence => 6,
            Kind::Alias => 7,
        };
        let meta = (code << 29) | (u32::from(flags & 0xF) << X_BITS) | (x & X_MASK);
        Rec { start, meta }
    }

    pub fn kind(&self) -> Kind {
        match self.meta >> 29 {
            0 => Kind::Scalar(ScalarStyle::Plain),
            1 => Kind::Scalar(ScalarStyle::SingleQuoted),
            2 => Kind::Scalar(ScalarStyle::DoubleQuoted),
            3 => Kind::Scalar(ScalarStyle::Literal),
            4 => Kind::Scalar(ScalarStyle::Folded),
            5 => Kind::Mapping,
            6 => Kind::Sequence,
            _ => Kind::Alias,
        }
    }

    pub fn flags(&self) -> u8 {
        ((self.meta >> X_BITS) & 0xF) as u8
    }

    pub fn x(&self) -> u32 {
        self.meta & X_MASK
    }

    pub fn set_flags(&mut self, flags: u8) {
        *self = Rec::new(self.start, self.kind(), flags, self.x());
    }

    fn is_collection(&self) -> bool {
        matches!(self.kind(), Kind::Mapping | Kind::Sequence)
    }
}

/// What few documents have: scalars whose value differs from their text, tags, aliases.
#[derive(Debug, Default)]
pub(crate) struct Rare {
    pub text: String,
    /// `(start, len)` in `text` of each owned scalar, and its span's end.
    pub owned: Vec<(u32, u32, u32)>,
    /// `(node, start, end)` into `text` for tagged nodes, sorted by node.
    pub tags: Vec<(u32, u32, u32)>,
    /// `(node, span end)` of each alias, sorted by node.
    pub alias_ends: Vec<(u32, u32)>,
}

/// The arena behind a [`crate::Document`]. Private layout; read it through [`crate::Node`].
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub nodes: Vec<Rec>,
    /// Per collection, in document order: its subtree's node count (0 while it is open, itself
    /// included once closed) and its span's end.
    pub colls: Vec<(u32, u32)>,
    pub rare: Option<Box<Rare>>,
    pub root: Option<u32>,
    /// The text the document was parsed from, shared with every document of the file.
    pub src: Arc<str>,
    /// Where offset 0 of the stored positions is in `src`.
    pub base: u32,
    /// Added to every stored position to give a span in the file (see `Document::shift`).
    pub delta: u32,
    /// Some node is an alias.
    pub aliases: bool,
}

impl Tree {
    pub fn rec(&self, id: u32) -> &Rec {
        &self.nodes[id as usize]
    }

    /// The node's span in the file.
    pub fn span(&self, id: u32) -> Span {
        let rec = self.rec(id);
        let end = match rec.kind() {
            Kind::Scalar(_) if rec.flags() & BORROWED != 0 => rec.start + rec.x(),
            Kind::Scalar(_) => self
                .rare()
                .owned
                .get(rec.x() as usize)
                .map_or(rec.start, |o| o.2),
            Kind::Mapping | Kind::Sequence => match self.colls.get(rec.x() as usize) {
                Some(&(size, end)) if size > 0 => end,
                _ => rec.start,
            },
            Kind::Alias => {
                let ends = &self.rare().alias_ends;
                ends.binary_search_by_key(&id, |e| e.0)
                    .map_or(rec.start, |i| ends[i].1)
            }
        };
        Span::new(rec.start + self.delta, end.max(rec.start) + self.delta)
    }

    pub fn rare(&self) -> &Rare {
        static NONE: Rare = Rare {
            text: String::new(),
            owned: Vec::new(),
            tags: Vec::new(),
            alias_ends: Vec::new(),
        };
        self.rare.as_deref().unwrap_or(&NONE)
    }

    pub fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// The node itself, or an alias's target. Targets are never aliases (an alias cannot carry
    /// an anchor), so one hop suffices.
    pub fn resolve(&self, id: u32) -> u32 {
        let rec = self.rec(id);
        if rec.kind() == Kind::Alias {
            rec.x()
        } else {
            id
        }
    }

    pub fn scalar_text(&self, rec: &Rec) -> &str {
        if rec.flags() & BORROWED != 0 {
            let inset = u32::from(rec.flags() & INSET != 0);
            let start = self.base.wrapping_add(rec.start + inset) as usize;
            let end = self.base.wrapping_add(rec.start + rec.x() - inset) as usize;
            return self.src.get(start..end).unwrap_or("");
        }
        let rare = self.rare();
        let Some(&(start, len, _)) = rare.owned.get(rec.x() as usize) else {
            return "";
        };
        &rare.text[start as usize..(start + len) as usize]
    }

    /// How many nodes the subtree of `id` holds (1 for scalars and aliases).
    fn size(&self, id: u32) -> u32 {
        let rec = self.rec(id);
        if !rec.is_collection() {
            return 1;
        }
        self.colls.get(rec.x() as usize).map_or(1, |c| c.0.max(1))
    }

    /// The children of collection `id` in order (keys and values alternate in a mapping); none
    /// for other nodes and for a collection still open.
    pub fn children(&self, id: u32) -> Children<'_> {
        let rec = self.rec(id);
        let end = if rec.is_collection() && !self.is_open(rec) {
            id + self.size(id)
        } else {
            id + 1
        };
        Children {
            tree: self,
            next: id + 1,
            end,
        }
    }

    /// True for a collection whose end has not been read yet.
    pub fn is_open(&self, rec: &Rec) -> bool {
        rec.is_collection() && self.colls.get(rec.x() as usize).is_none_or(|c| c.0 == 0)
    }

    pub fn tag(&self, id: u32) -> Option<&str> {
        let rare = self.rare.as_deref()?;
        let i = rare.tags.binary_search_by_key(&id, |t| t.0).ok()?;
        let (_, start, end) = rare.tags[i];
        Some(&rare.text[start as usize..end as usize])
    }

    /// The text of a scalar key (after resolving an alias), used for lookups and duplicates.
    pub fn key_text(&self, id: u32) -> Option<&str> {
        let rec = self.rec(self.resolve(id));
        matches!(rec.kind(), Kind::Scalar(_)).then(|| self.scalar_text(rec))
    }

    /// True when node `id` (through an alias) is a scalar whose text is `key`. Compares the
    /// length before any byte, and a borrowed scalar's bytes in place.
    pub fn key_is(&self, id: u32, key: &str) -> bool {
        let rec = self.rec(self.resolve(id));
        if !matches!(rec.kind(), Kind::Scalar(_)) {
            return false;
        }
        if rec.flags() & BORROWED == 0 {
            return self.scalar_text(rec) == key;
        }
        let inset = rec.flags() & INSET != 0;
        let len = rec.x().wrapping_sub(2 * u32::from(inset)) as usize;
        if len != key.len() {
            return false;
        }
        let start = self.base.wrapping_add(rec.start + u32::from(inset)) as usize;
        let Some(bytes) = self.src.as_bytes().get(start..start + len) else {
            return false;
        };
        // Keys of one length often differ in their first byte (`kind`, `spec`, `name`): that
        // test is cheaper than the call that compares the rest.
        bytes.first() == key.as_bytes().first() && bytes == key.as_bytes()
    }

    /// A plain `<<` key: the YAML 1.1 merge key (a quoted `"<<"` is an ordinary key).
    pub fn is_merge_key(&self, id: u32) -> bool {
        let rec = self.rec(id);
        rec.kind() == Kind::Scalar(ScalarStyle::Plain) && self.scalar_text(rec) == "<<"
    }
}

/// The children of one collection, found by skipping each child's subtree.
#[derive(Clone)]
pub(crate) struct Children<'a> {
    tree: &'a Tree,
    next: u32,
    end: u32,
}

impl Iterator for Children<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.next >= self.end {
            return None;
        }
        let id = self.next;
        self.next += self.tree.size(id);
        Some(id)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.end - self.next.min(self.end)) as usize;
        (left.min(1), Some(left))
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse_stream, Limits};

    /// The layout's point: about 10 bytes per node (8 per record, 8 more per collection), no
    /// child lists, and no side table for a document written as plain scalars.
    #[test]
    fn a_tree_costs_its_records_and_collection_ends_only() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: {app: a}}\n\
                    spec:\n  ports:\n    - name: http\n      port: 80\n    - name: grpc\n      port: 90\n";
        let docs = parse_stream(text, &Limits::default());
        let tree = &docs[0].tree;
        let collections = tree.colls.len();
        assert_eq!(collections, 7);
        assert_eq!(tree.nodes.capacity(), tree.nodes.len());
        assert_eq!(tree.colls.capacity(), collections);
        assert!(tree.rare.is_none());
        let bytes = 8 * tree.nodes.len() + 8 * collections;
        assert!(bytes <= 10 * tree.nodes.len() + 8, "{bytes} bytes");
        let root = docs[0]
            .root()
            .map(|r| r.get("spec").map(|s| s.at_keys("ports")));
        let ports = root.flatten().flatten().map(|p| p.items().len());
        assert_eq!(ports, Some(2));
    }
}
