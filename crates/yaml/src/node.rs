use crate::de::{Budget, DeError};
use crate::schema;
use crate::span::Span;
use crate::tree::{Children, Kind, Rec, Tree, HAS_DUPLICATE, HAS_MERGE};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Scalar,
    Mapping,
    Sequence,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar's text after escapes and folding, with its style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scalar<'a> {
    pub value: &'a str,
    pub style: ScalarStyle,
    /// The explicit tag as written (`!!str`, `!custom`), if any.
    pub tag: Option<&'a str>,
}

/// One step of a path from a node down to a descendant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSeg<'p> {
    Key(&'p str),
    Index(usize),
}

/// A node of a document tree. Cheap to copy. Every accessor resolves aliases to their anchored
/// node; [`Node::span`] of an alias is the alias token's own span (where the user wrote it).
#[derive(Clone, Copy)]
pub struct Node<'a> {
    pub(crate) tree: &'a Tree,
    pub(crate) id: u32,
}

impl<'a> Node<'a> {
    /// Bytes of the node as written: a scalar's token (quotes included), a flow collection from
    /// bracket to bracket, a block collection from its first key or `-` to the end of its last
    /// value. An empty (implicit null) scalar has an empty span where the value would be.
    ///
    /// A node's anchor and tag are not part of its span. A block scalar (`|`, `>`) runs from its
    /// header indicator to the end of its content (its final line break included). An implicit
    /// empty value (`key:`) is an empty span at the key's end, i.e. at the `:`.
    pub fn span(self) -> Span {
        self.tree.span(self.id)
    }

    pub fn kind(self) -> NodeKind {
        match self.target().kind() {
            Kind::Mapping => NodeKind::Mapping,
            Kind::Sequence => NodeKind::Sequence,
            Kind::Scalar(_) | Kind::Alias => NodeKind::Scalar,
        }
    }

    pub fn is_alias(self) -> bool {
        self.tree.rec(self.id).kind() == Kind::Alias
    }

    pub fn scalar(self) -> Option<Scalar<'a>> {
        let id = self.tree.resolve(self.id);
        let rec = self.tree.rec(id);
        let Kind::Scalar(style) = rec.kind() else {
            return None;
        };
        Some(Scalar {
            value: self.tree.scalar_text(rec),
            style,
            tag: self.tree.tag(id),
        })
    }

    /// The scalar's text, whatever its style.
    pub fn as_str(self) -> Option<&'a str> {
        self.scalar().map(|s| s.value)
    }

    /// YAML 1.2 core schema null: a plain `null`/`Null`/`NULL`/`~` or empty scalar without tag.
    pub fn is_null(self) -> bool {
        self.plain().is_some_and(schema::is_null)
    }

    /// A plain scalar that the core schema resolves to an integer (`80`, `0x1F`, `0o17`, `-3`).
    /// Quoted scalars are strings and return `None`.
    pub fn as_i64(self) -> Option<i64> {
        schema::parse_int(self.plain()?)?.try_into().ok()
    }

    /// A plain scalar that the core schema resolves to a boolean (`true`, `False`, ...).
    pub fn as_bool(self) -> Option<bool> {
        schema::parse_bool(self.plain()?)
    }

    /// The value of the first entry whose key is a scalar equal to `key`; entries pulled in by a
    /// merge key (`<<: *base`) are found too, after the mapping's own entries.
    pub fn get(self, key: &str) -> Option<Node<'a>> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// Like [`Node::get`] but also returns the key node (for pointing at the key).
    pub fn get_entry(self, key: &str) -> Option<(Node<'a>, Node<'a>)> {
        let id = self.tree.resolve(self.id);
        let rec = self.tree.rec(id);
        if rec.kind() != Kind::Mapping {
            return None;
        }
        let tree = self.tree;
        // Own entries first, without allocating; merged ones only if that fails. Every lookup
        // of every rule comes here: compare the key first, and only a mapping with a merge key
        // can have an entry to skip.
        let has_merge = rec.flags() & HAS_MERGE != 0;
        let mut kids = tree.children(id);
        while let (Some(k), Some(v)) = (kids.next(), kids.next()) {
            if tree.key_is(k, key) && !(has_merge && is_merge_entry(tree, k, v)) {
                return Some((self.child(k), self.child(v)));
            }
        }
        if !has_merge {
            return None;
        }
        self.entries().find(|(k, _)| k.as_str() == Some(key))
    }

    /// A mapping's entries in order, merge keys expanded (own entries win). Empty for non-maps.
    ///
    /// Own entries with equal keys are all yielded (see [`crate::Document::duplicate_keys`]);
    /// a merged entry is yielded only if no earlier entry has its key.
    pub fn entries(self) -> Entries<'a> {
        Entries::new(self, false)
    }

    /// Like [`Node::entries`] but every key at most once (the first wins), as lookups and
    /// deserialization see the mapping.
    pub(crate) fn unique_entries(self) -> Entries<'a> {
        Entries::new(self, true)
    }

    /// A sequence's items in order. Empty for non-sequences.
    pub fn items(self) -> Items<'a> {
        let id = self.tree.resolve(self.id);
        // Only a sequence's children are items: start past the end for anything else.
        let kids = match self.tree.rec(id).kind() {
            Kind::Sequence => Some(self.tree.children(id)),
            _ => None,
        };
        Items {
            tree: self.tree,
            kids,
        }
    }

    /// Number of entries or items; 0 for scalars.
    pub fn len(self) -> usize {
        let id = self.tree.resolve(self.id);
        let rec = self.tree.rec(id);
        match rec.kind() {
            Kind::Sequence => self.tree.children(id).count(),
            Kind::Mapping if rec.flags() & HAS_MERGE == 0 => self.tree.children(id).count() / 2,
            Kind::Mapping => self.entries().count(),
            Kind::Scalar(_) | Kind::Alias => 0,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Follows `path` from this node.
    pub fn at(self, path: &[PathSeg<'_>]) -> Option<Node<'a>> {
        let mut node = self;
        for seg in path {
            node = match *seg {
                PathSeg::Key(k) => node.get(k)?,
                PathSeg::Index(i) => node.items().nth(i)?,
            };
        }
        Some(node)
    }

    /// Follows a dotted key path such as `spec.template.metadata` (keys only).
    pub fn at_keys(self, dotted: &str) -> Option<Node<'a>> {
        dotted.split('.').try_fold(self, |n, k| n.get(k))
    }

    /// Deserializes this node into `T`. Plain scalars resolve by the YAML 1.2 core schema when
    /// the target asks for "any" (serde_json::Value, untagged enums, IntOrString); a string
    /// target accepts any scalar's text. Every visited node counts against `budget`, so alias
    /// bombs fail fast. Errors carry the span and dotted path of the node that did not fit.
    /// Strings may borrow from the tree (`&'a str` fields with `#[serde(borrow)]`).
    pub fn deserialize<T: serde::Deserialize<'a>>(self, budget: &mut Budget) -> Result<T, DeError> {
        crate::de::deserialize(self, budget)
    }

    /// Identity within the document, for maps keyed by node.
    pub fn id(self) -> u32 {
        self.id
    }

    /// The record this node stands for (an alias's target).
    pub(crate) fn target(self) -> &'a Rec {
        self.tree.rec(self.tree.resolve(self.id))
    }

    pub(crate) fn child(self, id: u32) -> Node<'a> {
        Node {
            tree: self.tree,
            id,
        }
    }

    /// The text of a plain, untagged scalar: the only kind the core schema resolves.
    pub(crate) fn plain(self) -> Option<&'a str> {
        let s = self.scalar()?;
        (s.style == ScalarStyle::Plain && s.tag.is_none()).then_some(s.value)
    }
}

/// A `<<` key whose value is a mapping or a sequence (of mappings) merges; with any other value
/// it is an ordinary key.
fn is_merge_entry(tree: &Tree, key: u32, value: u32) -> bool {
    tree.is_merge_key(key)
        && matches!(
            tree.rec(tree.resolve(value)).kind(),
            Kind::Mapping | Kind::Sequence
        )
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node#{}", self.id)
    }
}

/// Iterator over `(key, value)` pairs of a mapping.
pub struct Entries<'a> {
    tree: &'a Tree,
    /// Remaining `key, value, key, value...` ids of the mapping being walked.
    pairs: Option<Children<'a>>,
    /// Only for mappings with merge keys or (when `unique`) duplicate keys.
    merge: Option<Box<MergeState<'a>>>,
    unique: bool,
}

/// Walks merge sources depth-first in order (own keys, then the first source with its own
/// sources, then the next), so earlier sources win. `visited` keeps a source reached twice (a
/// diamond of merges) from being walked twice, which bounds the work by the tree size.
struct MergeState<'a> {
    seen: HashSet<&'a str>,
    visited: HashSet<u32>,
    /// Sources still to walk, the next one last.
    stack: Vec<u32>,
    /// Sources named by the mapping being walked, in order.
    pending: Vec<u32>,
    /// Past the first mapping's own entries.
    merged: bool,
}

impl<'a> Entries<'a> {
    fn new(node: Node<'a>, unique: bool) -> Self {
        let tree = node.tree;
        let id = tree.resolve(node.id);
        let rec = tree.rec(id);
        if rec.kind() != Kind::Mapping {
            return Entries {
                tree,
                pairs: None,
                merge: None,
                unique,
            };
        }
        let needs_state =
            rec.flags() & HAS_MERGE != 0 || (unique && rec.flags() & HAS_DUPLICATE != 0);
        let merge = needs_state.then(|| {
            Box::new(MergeState {
                seen: HashSet::new(),
                visited: HashSet::from([id]),
                stack: Vec::new(),
                pending: Vec::new(),
                merged: false,
            })
        });
        Entries {
            tree,
            pairs: Some(tree.children(id)),
            merge,
            unique,
        }
    }

    /// Moves to the next merge source, if any.
    fn next_source(&mut self) -> bool {
        let Some(state) = self.merge.as_mut() else {
            return false;
        };
        state.merged = true;
        state.stack.extend(state.pending.drain(..).rev());
        while let Some(next) = state.stack.pop() {
            if state.visited.insert(next) {
                self.pairs = Some(self.tree.children(next));
                return true;
            }
        }
        false
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = (Node<'a>, Node<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        let tree = self.tree;
        loop {
            let pair = self
                .pairs
                .as_mut()
                .and_then(|p| Some((p.next()?, p.next()?)));
            let Some((key, value)) = pair else {
                if self.next_source() {
                    continue;
                }
                return None;
            };
            let node = |id| Node { tree, id };
            let Some(state) = self.merge.as_mut() else {
                return Some((node(key), node(value)));
            };
            if is_merge_entry(tree, key, value) {
                push_sources(tree, value, &mut state.pending);
                continue;
            }
            if let Some(text) = tree.key_text(key) {
                let fresh = state.seen.insert(text);
                if !fresh && (self.unique || state.merged) {
                    continue;
                }
            }
            return Some((node(key), node(value)));
        }
    }
}

/// The mappings a merge value names: itself, or the mappings among its items.
fn push_sources(tree: &Tree, value: u32, out: &mut Vec<u32>) {
    let id = tree.resolve(value);
    let rec = tree.rec(id);
    if rec.kind() == Kind::Mapping {
        out.push(id);
        return;
    }
    let items = tree.children(id).map(|i| tree.resolve(i));
    out.extend(items.filter(|&i| tree.rec(i).kind() == Kind::Mapping));
}

/// Iterator over the items of a sequence.
pub struct Items<'a> {
    tree: &'a Tree,
    kids: Option<Children<'a>>,
}

impl<'a> Iterator for Items<'a> {
    type Item = Node<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        let id = self.kids.as_mut()?.next()?;
        Some(Node {
            tree: self.tree,
            id,
        })
    }

    /// Exact, counted by a walk over the remaining items' records when asked (once, when a
    /// `Vec` is filled from them), so that collecting and serde's `Vec`s allocate once at the
    /// exact size while `nth` stays a walk to the item.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.kids.clone().map_or(0, Iterator::count);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Items<'_> {}
