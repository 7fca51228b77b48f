//! The arena behind a [`crate::Document`]: one `Vec` of fixed-size node records, one `Vec` of
//! child ids and one `String` holding every scalar's processed text, so a tree costs a handful
//! of allocations however many nodes it has.

use crate::node::ScalarStyle;
use crate::span::Span;

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

/// Marks `Rec::b` of a collection that has not ended yet (an alias to it would be a cycle).
pub(crate) const OPEN: u32 = u32::MAX;

/// One node. `a`/`b` depend on `kind`: a scalar's text is `text[a..a + b]`; a collection's
/// children are `children[a..a + b]` (keys and values alternate in a mapping); an alias's target
/// is node `a`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub span: Span,
    pub kind: Kind,
    pub flags: u8,
    pub a: u32,
    pub b: u32,
}

/// The arena behind a [`crate::Document`]. Private layout; read it through [`crate::Node`].
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub nodes: Vec<Rec>,
    pub children: Vec<u32>,
    pub text: String,
    /// `(node, start, end)` into `text` for tagged nodes, sorted by node (tags are rare).
    pub tags: Vec<(u32, u32, u32)>,
    pub root: Option<u32>,
}

impl Tree {
    pub fn rec(&self, id: u32) -> &Rec {
        &self.nodes[id as usize]
    }

    /// The node itself, or an alias's target. Targets are never aliases (an alias cannot carry
    /// an anchor), so one hop suffices.
    pub fn resolve(&self, id: u32) -> u32 {
        let rec = self.rec(id);
        if rec.kind == Kind::Alias {
            rec.a
        } else {
            id
        }
    }

    pub fn scalar_text(&self, rec: &Rec) -> &str {
        &self.text[rec.a as usize..(rec.a + rec.b) as usize]
    }

    pub fn children_of(&self, rec: &Rec) -> &[u32] {
        &self.children[rec.a as usize..(rec.a + rec.b) as usize]
    }

    pub fn tag(&self, id: u32) -> Option<&str> {
        let i = self.tags.binary_search_by_key(&id, |t| t.0).ok()?;
        let (_, start, end) = self.tags[i];
        Some(&self.text[start as usize..end as usize])
    }

    /// The text of a scalar key (after resolving an alias), used for lookups and duplicates.
    pub fn key_text(&self, id: u32) -> Option<&str> {
        let rec = self.rec(self.resolve(id));
        matches!(rec.kind, Kind::Scalar(_)).then(|| self.scalar_text(rec))
    }

    /// A plain `<<` key: the YAML 1.1 merge key (a quoted `"<<"` is an ordinary key).
    pub fn is_merge_key(&self, id: u32) -> bool {
        let rec = self.rec(id);
        rec.kind == Kind::Scalar(ScalarStyle::Plain) && self.scalar_text(rec) == "<<"
    }
}
