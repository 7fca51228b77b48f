//! Port numbers as Istio's validation accepts them (`ValidatePort`: 1..65535). Read into a
//! `u32` unchecked, `number: 4294967295` would become a port Istio never builds (and, narrowed
//! later, port 0); rejected here it becomes a MESH002 at the value.

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

const EXPECTED: &str = "a port number from 1 to 65535";

fn check<E: Error>(n: u64) -> Result<u32, E> {
    if (1..=65535).contains(&n) {
        return Ok(n as u32);
    }
    Err(E::invalid_value(Unexpected::Unsigned(n), &EXPECTED))
}

/// A port number that must be in range. The check runs inside the visitor, so the error is
/// the value node's (its span and path), not the enclosing mapping's.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    struct Number;
    impl serde::de::Visitor<'_> for Number {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(EXPECTED)
        }
        fn visit_u64<E: Error>(self, n: u64) -> Result<u32, E> {
            check(n)
        }
        fn visit_i64<E: Error>(self, n: i64) -> Result<u32, E> {
            let n = u64::try_from(n).map_err(|_| E::invalid_value(Unexpected::Signed(n), &self))?;
            check(n)
        }
    }
    d.deserialize_u32(Number)
}

pub(crate) fn required<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    number(d)
}

pub(crate) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    struct Port(#[serde(deserialize_with = "number")] u32);
    Ok(Option::<Port>::deserialize(d)?.map(|p| p.0))
}

pub(crate) fn by_name<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, u32>, D::Error> {
    #[derive(Deserialize)]
    struct Port(#[serde(deserialize_with = "number")] u32);
    let map = BTreeMap::<String, Port>::deserialize(d)?;
    Ok(map.into_iter().map(|(k, p)| (k, p.0)).collect())
}

/// A k8s `int32` port field (Service `port`, numeric `targetPort`, container ports) in range.
pub fn in_range(n: i64) -> bool {
    (1..=65535).contains(&n)
}
