use super::{parse, root, src};
use crate::{NodeKind, ScalarStyle};

#[test]
fn keys_and_values_after_multibyte_text() {
    let text = "é€😀: x\nkey: \"quoted\"\nlist:\n  - 'one'\n  - [a, {k: v}]\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    let (k, v) = r.get_entry("é€😀").unwrap();
    assert_eq!(src(text, k), "é€😀");
    assert_eq!(src(text, v), "x");
    let (k, v) = r.get_entry("key").unwrap();
    assert_eq!((src(text, k), src(text, v)), ("key", "\"quoted\""));
    let list = r.get("list").unwrap();
    assert_eq!(src(text, list), "- 'one'\n  - [a, {k: v}]");
    let items: Vec<_> = list.items().collect();
    assert_eq!(src(text, items[0]), "'one'");
    assert_eq!(src(text, items[1]), "[a, {k: v}]");
    assert_eq!(src(text, items[1].items().nth(1).unwrap()), "{k: v}");
    assert_eq!(src(text, r), &text[..text.len() - 1]);
}

#[test]
fn block_mapping_runs_from_first_key_to_last_value() {
    let text = "outer:\n  a: 1\n  b: two   # comment\nnext: 3\n";
    let docs = parse(text);
    let outer = root(&docs[0]).get("outer").unwrap();
    assert_eq!(outer.kind(), NodeKind::Mapping);
    assert_eq!(src(text, outer), "a: 1\n  b: two");
}

#[test]
fn implicit_empty_value_is_empty_span_at_key_end() {
    let text = "a:\nb: 1\n";
    let docs = parse(text);
    let a = root(&docs[0]).get("a").unwrap();
    assert!(a.span().is_empty());
    // granit places it at the `:` right after the key.
    assert_eq!(a.span().start, 1);
    assert!(a.is_null());
    assert_eq!(a.as_str(), Some(""));
}

#[test]
fn anchors_and_tags_are_outside_the_span() {
    let text = "a: &x !!str v\nb: *x\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    let a = r.get("a").unwrap();
    assert_eq!(src(text, a), "v");
    assert_eq!(a.scalar().unwrap().tag, Some("!!str"));
    let b = r.get("b").unwrap();
    assert!(b.is_alias());
    assert_eq!(src(text, b), "*x");
    assert_eq!(b.as_str(), Some("v"));
}

#[test]
fn block_scalars_start_at_their_header() {
    let text = "d: |+ # keep | this\n  line one\n  line two\ne: >-\n  folded\n  text\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    let d = r.get("d").unwrap();
    assert_eq!(src(text, d), "|+ # keep | this\n  line one\n  line two\n");
    assert_eq!(d.scalar().unwrap().style, ScalarStyle::Literal);
    assert_eq!(d.as_str(), Some("line one\nline two\n"));
    let e = r.get("e").unwrap();
    assert!(src(text, e).starts_with(">-\n  folded"));
    assert_eq!(e.as_str(), Some("folded text"));
}

#[test]
fn crlf_spans_stay_exact() {
    let text = "a: 1\r\nb:\r\n  c: \"x y\"\r\n  d: [1, 2]\r\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    assert_eq!(src(text, r.at_keys("b.c").unwrap()), "\"x y\"");
    assert_eq!(src(text, r.at_keys("b.d").unwrap()), "[1, 2]");
    assert_eq!(src(text, r.get("b").unwrap()), "c: \"x y\"\r\n  d: [1, 2]");
}

#[test]
fn bom_is_skipped_but_counted_in_offsets() {
    let text = "\u{feff}kind: Service\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 1);
    let (k, v) = root(&docs[0]).get_entry("kind").unwrap();
    assert_eq!(k.span().start, 3);
    assert_eq!(src(text, v), "Service");
    assert_eq!(docs[0].span.start, 3);
}

#[test]
fn escapes_and_folding_give_processed_text() {
    let text = "a: \"tab\\there \\u00e9\"\nb: 'it''s'\nc: plain\n  continued\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    assert_eq!(r.get("a").unwrap().as_str(), Some("tab\there é"));
    assert_eq!(r.get("b").unwrap().as_str(), Some("it's"));
    assert_eq!(r.get("c").unwrap().as_str(), Some("plain continued"));
    assert_eq!(src(text, r.get("b").unwrap()), "'it''s'");
}
