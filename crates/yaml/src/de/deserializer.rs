//! The `serde::Deserializer` over one node.

use super::access::{EnumAcc, MapAcc, SeqAcc};
use crate::de::DeError;
use crate::node::{Node, ScalarStyle};
use crate::parse::DEFAULT_MAX_DEPTH;
use crate::schema::{self, Resolved};
use crate::tree::Kind;
use serde::de::{Error as _, Unexpected, Visitor};

/// Effective nesting allowed while deserializing, counted through alias expansions, so chains
/// of aliases to deep nodes cannot overflow the stack.
const MAX_DEPTH: usize = 2 * DEFAULT_MAX_DEPTH;

/// One step from the deserialized root: a key (by its node id) or a sequence index.
#[derive(Clone, Copy)]
pub(crate) enum Seg {
    Key(u32),
    Index(usize),
}

/// State shared by every node of one `Node::deserialize` call.
pub(crate) struct Ctx {
    pub remaining: usize,
    pub depth: usize,
    pub path: Vec<Seg>,
    /// Whether the error now propagating already carries its span and path. Reset when a node
    /// starts, so an error that a visitor swallowed cannot hide a later one.
    pub located: bool,
}

impl Ctx {
    /// Charges the budget for visiting `node` (an alias costs its expansion too) and enters it.
    fn enter(&mut self, node: Node<'_>) -> Result<(), DeError> {
        let cost = if node.is_alias() { 2 } else { 1 };
        if self.remaining < cost {
            self.remaining = 0;
            let message = "expansion budget exceeded (too many nodes, e.g. an alias bomb)";
            let mut error = self.locate(DeError::custom(message), node);
            error.budget_exceeded = true;
            return Err(error);
        }
        self.remaining -= cost;
        if self.depth >= MAX_DEPTH {
            let message = format!("nesting deeper than {MAX_DEPTH} levels (counting aliases)");
            return Err(self.locate(DeError::custom(message), node));
        }
        self.depth += 1;
        self.located = false;
        Ok(())
    }

    /// Gives an error the span and path of `node` unless a node inside it already did.
    fn locate(&mut self, mut error: DeError, node: Node<'_>) -> DeError {
        if self.located {
            return error;
        }
        self.located = true;
        error.span = node.span();
        error.path = self.path_string(node);
        error
    }

    fn path_string(&self, node: Node<'_>) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match *seg {
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Key(id) => push_key(&mut out, node.child(id).as_str()),
            }
        }
        out
    }
}

fn push_key(out: &mut String, key: Option<&str>) {
    let Some(key) = key else {
        out.push_str("[?]");
        return;
    };
    let simple = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if simple {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
    } else {
        out.push_str(&format!("[{key:?}]"));
    }
}

pub(crate) struct De<'a, 'c> {
    pub node: Node<'a>,
    pub ctx: &'c mut Ctx,
}

impl<'a, 'c> De<'a, 'c> {
    /// Visits the node: charges it, runs `f`, and locates an error `f` returns.
    fn run<R>(
        self,
        f: impl FnOnce(Node<'a>, &mut Ctx) -> Result<R, DeError>,
    ) -> Result<R, DeError> {
        let De { node, ctx } = self;
        ctx.enter(node)?;
        let result = f(node, ctx);
        ctx.depth -= 1;
        result.map_err(|e| ctx.locate(e, node))
    }
}

/// The scalar's meaning under the core schema, if the core schema applies to it: plain scalars
/// without a tag or with a core tag other than `!!str`.
fn resolved<'a>(node: Node<'a>) -> Option<Resolved<'a>> {
    let s = node.scalar()?;
    let core_tag = matches!(
        s.tag,
        None | Some("!!int" | "!!bool" | "!!float" | "!!null")
    );
    (s.style == ScalarStyle::Plain && core_tag).then(|| schema::resolve(s.value))
}

fn is_null(node: Node<'_>) -> bool {
    matches!(resolved(node), Some(Resolved::Null))
}

impl<'a> Node<'a> {
    /// What deserializing this node as an `Option<String>` gives, without allocating: `None`
    /// for a null (tagged `!!null ~` included, unlike [`Node::is_null`]), else the scalar's text;
    /// `None` too for a collection, which such a field rejects.
    pub fn as_opt_str(self) -> Option<&'a str> {
        if is_null(self) {
            return None;
        }
        self.as_str()
    }
}

/// What serde should say was found.
fn unexpected(node: Node<'_>) -> Unexpected<'_> {
    match node.target().kind() {
        Kind::Mapping => return Unexpected::Map,
        Kind::Sequence => return Unexpected::Seq,
        Kind::Scalar(_) | Kind::Alias => {}
    }
    match resolved(node) {
        Some(Resolved::Null) => Unexpected::Unit,
        Some(Resolved::Bool(b)) => Unexpected::Bool(b),
        Some(Resolved::Int(i)) => Unexpected::Signed(i),
        Some(Resolved::UInt(u)) => Unexpected::Unsigned(u),
        Some(Resolved::Float(f)) => Unexpected::Float(f),
        Some(Resolved::Str(s)) => Unexpected::Str(s),
        None => Unexpected::Str(node.as_str().unwrap_or_default()),
    }
}

fn mismatch<'de, V: Visitor<'de>, R>(node: Node<'_>, visitor: &V) -> Result<R, DeError> {
    Err(DeError::invalid_type(unexpected(node), visitor))
}

macro_rules! integer {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.run(|node, _| match resolved(node) {
                Some(Resolved::Int(i)) => visitor.visit_i64(i),
                Some(Resolved::UInt(u)) => visitor.visit_u64(u),
                _ => mismatch(node, &visitor),
            })
        }
    )*};
}

macro_rules! float {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.run(|node, _| match resolved(node) {
                Some(Resolved::Int(i)) => visitor.visit_i64(i),
                Some(Resolved::UInt(u)) => visitor.visit_u64(u),
                Some(Resolved::Float(f)) => visitor.visit_f64(f),
                _ => mismatch(node, &visitor),
            })
        }
    )*};
}

macro_rules! text {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.run(|node, _| match node.as_str() {
                Some(text) => visitor.visit_borrowed_str(text),
                None => mismatch(node, &visitor),
            })
        }
    )*};
}

impl<'de> serde::Deserializer<'de> for De<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|node, ctx| match node.target().kind() {
            Kind::Mapping => visitor.visit_map(MapAcc::new(node, ctx)),
            Kind::Sequence => visitor.visit_seq(SeqAcc::new(node, ctx)),
            Kind::Scalar(_) | Kind::Alias => match resolved(node) {
                Some(Resolved::Null) => visitor.visit_unit(),
                Some(Resolved::Bool(b)) => visitor.visit_bool(b),
                Some(Resolved::Int(i)) => visitor.visit_i64(i),
                Some(Resolved::UInt(u)) => visitor.visit_u64(u),
                Some(Resolved::Float(f)) => visitor.visit_f64(f),
                Some(Resolved::Str(s)) => visitor.visit_borrowed_str(s),
                None => visitor.visit_borrowed_str(node.as_str().unwrap_or_default()),
            },
        })
    }

    integer!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);
    float!(deserialize_f32 deserialize_f64);
    text!(deserialize_str deserialize_string deserialize_identifier deserialize_char);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|node, _| match resolved(node) {
            Some(Resolved::Bool(b)) => visitor.visit_bool(b),
            // Where a boolean is expected, the YAML 1.1 words kubectl's go-yaml v2 reads
            // (`yes`, `on`, `y`…) are booleans too.
            Some(Resolved::Str(text)) => match schema::yaml11_bool(text) {
                Some(b) => visitor.visit_bool(b),
                None => mismatch(node, &visitor),
            },
            _ => mismatch(node, &visitor),
        })
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|node, _| match node.as_str() {
            Some(text) => visitor.visit_bytes(text.as_bytes()),
            None => mismatch(node, &visitor),
        })
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if is_null(self.node) {
            return self.run(|_, _| visitor.visit_none());
        }
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|node, _| match is_null(node) {
            true => visitor.visit_unit(),
            false => mismatch(node, &visitor),
        })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    /// A null reads as an empty sequence, as Kubernetes reads `ports:` with nothing after it.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|node, ctx| match node.target().kind() {
            Kind::Sequence => visitor.visit_seq(SeqAcc::new(node, ctx)),
            _ if is_null(node) => visitor.visit_seq(SeqAcc::empty(node, ctx)),
            _ => mismatch(node, &visitor),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    /// A null reads as an empty mapping (see `deserialize_seq`).
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|node, ctx| match node.target().kind() {
            Kind::Mapping => visitor.visit_map(MapAcc::new(node, ctx)),
            _ if is_null(node) => visitor.visit_map(MapAcc::empty(node, ctx)),
            _ => mismatch(node, &visitor),
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    /// A scalar names a unit variant; a mapping with one entry is `variant: content`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.run(|node, ctx| match node.target().kind() {
            Kind::Scalar(_) => visitor.visit_enum(EnumAcc {
                variant: node,
                value: None,
                ctx,
            }),
            Kind::Mapping if node.len() == 1 => match node.entries().next() {
                Some((variant, value)) => visitor.visit_enum(EnumAcc {
                    variant,
                    value: Some(value),
                    ctx,
                }),
                None => mismatch(node, &visitor),
            },
            _ => mismatch(node, &visitor),
        })
    }

    /// Skips the subtree in O(1): nothing below is walked, no alias expanded.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.run(|_, _| visitor.visit_unit())
    }
}
