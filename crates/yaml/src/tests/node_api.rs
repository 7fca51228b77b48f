use super::{parse, root};
use crate::{NodeKind, PathSeg};
use std::collections::HashSet;

#[test]
fn core_schema_helpers_apply_to_plain_scalars_only() {
    let text = "a: 80\nb: \"80\"\nc: 0x1F\nd: 0o17\ne: -3\nf: +4\ng: True\nh: 'true'\ni: ~\nj: null\nk: ''\nl: FALSE\nm: 1.5\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    let n = |k: &str| r.get(k).unwrap();
    assert_eq!(n("a").as_i64(), Some(80));
    assert_eq!(n("b").as_i64(), None);
    assert_eq!(n("b").as_str(), Some("80"));
    assert_eq!(n("c").as_i64(), Some(31));
    assert_eq!(n("d").as_i64(), Some(15));
    assert_eq!(n("e").as_i64(), Some(-3));
    assert_eq!(n("f").as_i64(), Some(4));
    assert_eq!(n("g").as_bool(), Some(true));
    assert_eq!(n("h").as_bool(), None);
    assert_eq!(n("l").as_bool(), Some(false));
    assert!(n("i").is_null() && n("j").is_null());
    assert!(!n("k").is_null());
    assert_eq!(n("m").as_i64(), None);
}

#[test]
fn merge_keys_expand_with_own_keys_winning() {
    let text = "base: &base {a: 1, b: 2}\nother: &other {b: 3, c: 4}\nm:\n  <<: [*base, *other]\n  a: own\n";
    let docs = parse(text);
    let m = root(&docs[0]).get("m").unwrap();
    assert_eq!(m.get("a").unwrap().as_str(), Some("own"));
    assert_eq!(m.get("b").unwrap().as_i64(), Some(2));
    assert_eq!(m.get("c").unwrap().as_i64(), Some(4));
    let keys: Vec<_> = m.entries().map(|(k, _)| k.as_str().unwrap()).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(m.len(), 3);
    assert!(m.get("<<").is_none());
}

#[test]
fn single_and_nested_merges() {
    let text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc:\n  <<: *b\n  z: 3\n";
    let docs = parse(text);
    let c = root(&docs[0]).get("c").unwrap();
    let keys: Vec<_> = c.entries().map(|(k, _)| k.as_str().unwrap()).collect();
    assert_eq!(keys, ["z", "y", "x"]);
    assert_eq!(c.get("x").unwrap().as_i64(), Some(1));
    // A quoted "<<" is an ordinary key.
    let docs = parse("a: &a {x: 1}\nb: {\"<<\": *a}\n");
    let b = root(&docs[0]).get("b").unwrap();
    assert!(b.get("x").is_none());
    assert!(b.get("<<").is_some());
}

#[test]
fn aliases_resolve_in_accessors() {
    let text = "a: &a\n  - 1\n  - 2\nb: *a\n";
    let docs = parse(text);
    let b = root(&docs[0]).get("b").unwrap();
    assert!(b.is_alias());
    assert_eq!(b.kind(), NodeKind::Sequence);
    assert_eq!(b.len(), 2);
    assert_eq!(b.items().nth(1).unwrap().as_i64(), Some(2));
    assert_eq!(
        root(&docs[0])
            .at(&[PathSeg::Key("b"), PathSeg::Index(0)])
            .unwrap()
            .as_i64(),
        Some(1)
    );
}

#[test]
fn ids_are_unique_within_a_document() {
    let text = "a: [1, 2, {b: c}]\nd: e\n";
    let docs = parse(text);
    let mut ids = HashSet::new();
    let mut stack = vec![root(&docs[0])];
    while let Some(n) = stack.pop() {
        assert!(ids.insert(n.id()));
        for (k, v) in n.entries() {
            stack.extend([k, v]);
        }
        stack.extend(n.items());
    }
    assert_eq!(ids.len(), docs[0].node_count());
}

#[test]
fn non_collections_have_no_children() {
    let docs = parse("x\n");
    let r = root(&docs[0]);
    assert_eq!(r.len(), 0);
    assert!(r.is_empty());
    assert_eq!(r.entries().count(), 0);
    assert_eq!(r.items().count(), 0);
    assert!(r.get("x").is_none());
}

#[test]
fn get_finds_keys_in_every_scalar_style_and_through_aliases() {
    // Plain, single- and double-quoted (borrowed without their quotes), escaped (owned text),
    // folded onto one line, an alias key, and keys that share a prefix or a length.
    let text = "ab: 1\nabc: 2\n'abd': 3\n\"abe\": 4\n\"a\\tb\": 5\n? &k key\n: 6\n*k : 7\n'it''s': 8\n\"\": 9\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    let n = |k: &str| r.get(k).and_then(|v| v.as_i64());
    assert_eq!(n("ab"), Some(1));
    assert_eq!(n("abc"), Some(2));
    assert_eq!(n("abd"), Some(3));
    assert_eq!(n("abe"), Some(4));
    assert_eq!(n("a\tb"), Some(5));
    assert_eq!(n("key"), Some(6));
    assert_eq!(n("it's"), Some(8));
    assert_eq!(n(""), Some(9));
    assert_eq!(n("a"), None);
    assert_eq!(n("'abd'"), None);
    assert_eq!(n("abf"), None);
    // The alias key duplicates `key`; the first entry wins.
    let first = text.find("key").map(|i| i as u32);
    assert_eq!(r.get_entry("key").map(|(k, _)| k.span().start), first);
}
