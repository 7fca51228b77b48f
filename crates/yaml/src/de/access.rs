//! serde's sequence, map and enum access over tree nodes; each child is deserialized with its
//! path segment pushed, so errors can say where they happened.

use super::deserializer::{Ctx, De, Seg};
use crate::de::DeError;
use crate::node::{Entries, Items, Node};
use serde::de::{
    DeserializeSeed, EnumAccess, Error as _, MapAccess, SeqAccess, Unexpected, VariantAccess,
    Visitor,
};
use serde::Deserializer as _;

/// Deserializes `node` with `seg` on the path.
fn child<'de, S: DeserializeSeed<'de>>(
    ctx: &mut Ctx,
    seg: Seg,
    node: Node<'de>,
    seed: S,
) -> Result<S::Value, DeError> {
    ctx.path.push(seg);
    let result = seed.deserialize(De {
        node,
        ctx: &mut *ctx,
    });
    ctx.path.pop();
    result
}

pub(crate) struct SeqAcc<'a, 'c> {
    items: Items<'a>,
    index: usize,
    ctx: &'c mut Ctx,
}

impl<'a, 'c> SeqAcc<'a, 'c> {
    pub fn new(node: Node<'a>, ctx: &'c mut Ctx) -> Self {
        SeqAcc {
            items: node.items(),
            index: 0,
            ctx,
        }
    }

    /// No items (a null read as a sequence): a scalar has none.
    pub fn empty(node: Node<'a>, ctx: &'c mut Ctx) -> Self {
        Self::new(node, ctx)
    }
}

impl<'de> SeqAccess<'de> for SeqAcc<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        child(self.ctx, Seg::Index(index), item, seed).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.size_hint().0)
    }
}

pub(crate) struct MapAcc<'a, 'c> {
    entries: Entries<'a>,
    value: Option<(Node<'a>, Node<'a>)>,
    ctx: &'c mut Ctx,
}

impl<'a, 'c> MapAcc<'a, 'c> {
    pub fn new(node: Node<'a>, ctx: &'c mut Ctx) -> Self {
        MapAcc {
            entries: node.unique_entries(),
            value: None,
            ctx,
        }
    }

    /// No entries (a null read as a mapping): a scalar has none.
    pub fn empty(node: Node<'a>, ctx: &'c mut Ctx) -> Self {
        Self::new(node, ctx)
    }
}

impl<'de> MapAccess<'de> for MapAcc<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        child(self.ctx, Seg::Key(key.id()), key, seed).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((key, value)) = self.value.take() else {
            return Err(DeError::custom("next_value called before next_key"));
        };
        child(self.ctx, Seg::Key(key.id()), value, seed)
    }
}

pub(crate) struct EnumAcc<'a, 'c> {
    pub variant: Node<'a>,
    /// The content of `variant: content`; `None` for a bare scalar variant.
    pub value: Option<Node<'a>>,
    pub ctx: &'c mut Ctx,
}

impl<'de, 'c> EnumAccess<'de> for EnumAcc<'de, 'c> {
    type Error = DeError;
    type Variant = VariantAcc<'de, 'c>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let name = seed.deserialize(De {
            node: self.variant,
            ctx: &mut *self.ctx,
        })?;
        Ok((
            name,
            VariantAcc {
                variant: self.variant,
                value: self.value,
                ctx: self.ctx,
            },
        ))
    }
}

pub(crate) struct VariantAcc<'a, 'c> {
    variant: Node<'a>,
    value: Option<Node<'a>>,
    ctx: &'c mut Ctx,
}

impl VariantAcc<'_, '_> {
    fn missing(&self, expected: &str) -> DeError {
        DeError::invalid_type(Unexpected::UnitVariant, &expected)
    }
}

impl<'de> VariantAccess<'de> for VariantAcc<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.value {
            None => Ok(()),
            Some(value) => child(
                self.ctx,
                Seg::Key(self.variant.id()),
                value,
                std::marker::PhantomData::<()>,
            ),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        let Some(value) = self.value else {
            return Err(self.missing("newtype variant"));
        };
        child(self.ctx, Seg::Key(self.variant.id()), value, seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        let Some(value) = self.value else {
            return Err(self.missing("tuple variant"));
        };
        self.ctx.path.push(Seg::Key(self.variant.id()));
        let result = De {
            node: value,
            ctx: &mut *self.ctx,
        }
        .deserialize_seq(visitor);
        self.ctx.path.pop();
        result
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let Some(value) = self.value else {
            return Err(self.missing("struct variant"));
        };
        self.ctx.path.push(Seg::Key(self.variant.id()));
        let result = De {
            node: value,
            ctx: &mut *self.ctx,
        }
        .deserialize_map(visitor);
        self.ctx.path.pop();
        result
    }
}
