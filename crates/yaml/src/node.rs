use crate::de::{Budget, DeError};
use crate::span::Span;
use crate::tree::Tree;

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
    pub fn span(self) -> Span {
        todo!()
    }

    pub fn kind(self) -> NodeKind {
        todo!()
    }

    pub fn is_alias(self) -> bool {
        todo!()
    }

    pub fn scalar(self) -> Option<Scalar<'a>> {
        todo!()
    }

    /// The scalar's text, whatever its style.
    pub fn as_str(self) -> Option<&'a str> {
        self.scalar().map(|s| s.value)
    }

    /// YAML 1.2 core schema null: a plain `null`/`Null`/`NULL`/`~` or empty scalar without tag.
    pub fn is_null(self) -> bool {
        todo!()
    }

    /// A plain scalar that the core schema resolves to an integer (`80`, `0x1F`, `0o17`, `-3`).
    /// Quoted scalars are strings and return `None`.
    pub fn as_i64(self) -> Option<i64> {
        todo!()
    }

    /// A plain scalar that the core schema resolves to a boolean (`true`, `False`, ...).
    pub fn as_bool(self) -> Option<bool> {
        todo!()
    }

    /// The value of the first entry whose key is a scalar equal to `key`; entries pulled in by a
    /// merge key (`<<: *base`) are found too, after the mapping's own entries.
    pub fn get(self, key: &str) -> Option<Node<'a>> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// Like [`Node::get`] but also returns the key node (for pointing at the key).
    pub fn get_entry(self, key: &str) -> Option<(Node<'a>, Node<'a>)> {
        todo!("{key}")
    }

    /// A mapping's entries in order, merge keys expanded (own entries win). Empty for non-maps.
    pub fn entries(self) -> Entries<'a> {
        todo!()
    }

    /// A sequence's items in order. Empty for non-sequences.
    pub fn items(self) -> Items<'a> {
        todo!()
    }

    /// Number of entries or items; 0 for scalars.
    pub fn len(self) -> usize {
        todo!()
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
    pub fn deserialize<T: serde::de::DeserializeOwned>(
        self,
        budget: &mut Budget,
    ) -> Result<T, DeError> {
        todo!("{:?}", budget)
    }

    /// Identity within the document, for maps keyed by node.
    pub fn id(self) -> u32 {
        self.id
    }
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node#{}", self.id)
    }
}

/// Iterator over `(key, value)` pairs of a mapping.
pub struct Entries<'a> {
    pub(crate) _tree: std::marker::PhantomData<&'a Tree>,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (Node<'a>, Node<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        todo!()
    }
}

/// Iterator over the items of a sequence.
pub struct Items<'a> {
    pub(crate) _tree: std::marker::PhantomData<&'a Tree>,
}

impl<'a> Iterator for Items<'a> {
    type Item = Node<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        todo!()
    }
}
