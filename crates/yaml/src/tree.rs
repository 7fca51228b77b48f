//! The arena behind a [`crate::Document`]: one `Vec` of 12-byte node records, one `Vec` of child
//! lists and one `String` holding the scalars whose value differs from their source text, so a
//! tree costs a handful of allocations however many nodes it has. A scalar written as its
//! value (most plain scalars, quoted ones without escapes) is read from the shared file text.

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
const X_MASK: u32 = (1 << X_BITS) - 1;
/// Marks `x` of a collection that has not ended yet (an alias to it would be a cycle).
pub(crate) const OPEN: u32 = X_MASK;
/// Most nodes one document may have, so that every `x` (at most twice the node count) stays
/// below [`OPEN`]; more is a [`crate::ParseErrorKind::TooLarge`] error.
pub(crate) const MAX_NODES: usize = (1 << (X_BITS - 1)) - 1;

/// One node in 12 bytes: its span, then kind (3 bits), flags (4 bits) and `x` (25 bits). `x`
/// depends on the kind: an owned scalar's text is `owned[x]` (start and length in `text`); a
/// collection's children are `children[x + 1..][..children[x]]` (keys and values alternate in
/// a mapping); an alias's target is node `x`. A borrowed scalar does not use it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub span: Span,
    meta: u32,
}

impl Rec {
    pub fn new(span: Span, kind: Kind, flags: u8, x: u32) -> Rec {
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
        Rec { span, meta }
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
        *self = Rec::new(self.span, self.kind(), flags, self.x());
    }

    pub fn set_x(&mut self, x: u32) {
        *self = Rec::new(self.span, self.kind(), self.flags(), x);
    }
}

/// The arena behind a [`crate::Document`]. Private layout; read it through [`crate::Node`].
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub nodes: Vec<Rec>,
    /// Per collection, its child count followed by its child ids.
    pub children: Vec<u32>,
    pub text: String,
    /// `(start, len)` in `text` of each owned scalar.
    pub owned: Vec<(u32, u32)>,
    /// `(node, start, end)` into `text` for tagged nodes, sorted by node (tags are rare).
    pub tags: Vec<(u32, u32, u32)>,
    pub root: Option<u32>,
    /// The text the document was parsed from, shared with every document of the file.
    pub src: Arc<str>,
    /// Where span offset 0 is in `src` (spans may be relative to a slice of it until shifted).
    pub base: u32,
    /// Some node is an alias.
    pub aliases: bool,
}

impl Tree {
    pub fn rec(&self, id: u32) -> &Rec {
        &self.nodes[id as usize]
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
            // `base` may have wrapped below zero (a patched copy shifted to file offsets).
            let start = self.base.wrapping_add(rec.span.start + inset) as usize;
            let end = self.base.wrapping_add(rec.span.end - inset) as usize;
            return self.src.get(start..end).unwrap_or("");
        }
        let Some(&(start, len)) = self.owned.get(rec.x() as usize) else {
            return "";
        };
        &self.text[start as usize..(start + len) as usize]
    }

    pub fn children_of(&self, rec: &Rec) -> &[u32] {
        if rec.x() == OPEN {
            return &[];
        }
        let at = rec.x() as usize;
        let count = self.children.get(at).copied().unwrap_or(0) as usize;
        &self.children[at + 1..at + 1 + count]
    }

    /// True for a collection whose end has not been read yet.
    pub fn is_open(&self, rec: &Rec) -> bool {
        matches!(rec.kind(), Kind::Mapping | Kind::Sequence) && rec.x() == OPEN
    }

    pub fn tag(&self, id: u32) -> Option<&str> {
        let i = self.tags.binary_search_by_key(&id, |t| t.0).ok()?;
        let (_, start, end) = self.tags[i];
        Some(&self.text[start as usize..end as usize])
    }

    /// The text of a scalar key (after resolving an alias), used for lookups and duplicates.
    pub fn key_text(&self, id: u32) -> Option<&str> {
        let rec = self.rec(self.resolve(id));
        matches!(rec.kind(), Kind::Scalar(_)).then(|| self.scalar_text(rec))
    }

    /// A plain `<<` key: the YAML 1.1 merge key (a quoted `"<<"` is an ordinary key).
    pub fn is_merge_key(&self, id: u32) -> bool {
        let rec = self.rec(id);
        rec.kind() == Kind::Scalar(ScalarStyle::Plain) && self.scalar_text(rec) == "<<"
    }
}
