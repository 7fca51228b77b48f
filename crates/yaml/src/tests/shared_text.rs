//! Scalars read from the shared file text must read exactly as copied ones did, whatever
//! their style, and keep doing so when a document is parsed out of a slice of a larger text.

use crate::{parse_shared, parse_stream, Limits};
use std::sync::Arc;

const STYLES: &str = "\
plain: value with spaces
single: 'it''s'
single_plain: 'quoted'
double: \"tab\\there\"
double_plain: \"quoted\"
folded_plain: a
  b
literal: |
  line 1
  line 2
folded: >-
  one
  two
empty:
null_tilde: ~
\"quoted key\": x
unicode: \"caf\u{e9}\"
";

fn values(text: &str) -> Vec<(String, String)> {
    let docs = parse_stream(text, &Limits::default());
    let root = docs[0].root().expect("parses");
    root.entries()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_owned(),
                v.as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_style_reads_its_value() {
    let got = values(STYLES);
    let want = [
        ("plain", "value with spaces"),
        ("single", "it's"),
        ("single_plain", "quoted"),
        ("double", "tab\there"),
        ("double_plain", "quoted"),
        ("folded_plain", "a b"),
        ("literal", "line 1\nline 2\n"),
        ("folded", "one two"),
        ("empty", ""),
        ("null_tilde", "~"),
        ("quoted key", "x"),
        ("unicode", "caf\u{e9}"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_slice_reads_the_same_values_at_shifted_spans() {
    let text = format!("a: 1\n---\n{STYLES}");
    let src: Arc<str> = Arc::from(text.as_str());
    let start = text.find("---").unwrap();
    let docs = parse_shared(&src, start..text.len(), &Limits::default());
    let whole = parse_stream(&text, &Limits::default());
    assert_eq!(docs.len(), 1);
    let (a, b) = (docs[0].root().unwrap(), whole[1].root().unwrap());
    for ((ka, va), (kb, vb)) in a.entries().zip(b.entries()) {
        assert_eq!((ka.span(), va.span()), (kb.span(), vb.span()));
        assert_eq!((ka.as_str(), va.as_str()), (kb.as_str(), vb.as_str()));
        assert_eq!(&text[ka.span().range()], &text[kb.span().range()]);
    }
    assert_eq!(a.len(), 12);
}

#[test]
fn records_are_eight_bytes_and_keep_kind_flags_and_x() {
    use crate::tree::{Kind, Rec, BORROWED, HAS_DUPLICATE, INSET, X_MASK};
    use crate::ScalarStyle;
    assert_eq!(std::mem::size_of::<Rec>(), 8);
    let kinds = [
        Kind::Scalar(ScalarStyle::Plain),
        Kind::Scalar(ScalarStyle::SingleQuoted),
        Kind::Scalar(ScalarStyle::DoubleQuoted),
        Kind::Scalar(ScalarStyle::Literal),
        Kind::Scalar(ScalarStyle::Folded),
        Kind::Mapping,
        Kind::Sequence,
        Kind::Alias,
    ];
    for kind in kinds {
        for flags in [0, BORROWED | INSET, HAS_DUPLICATE] {
            for x in [0, 1, 12345, X_MASK - 1, X_MASK] {
                let mut rec = Rec::new(3, kind, flags, x);
                assert_eq!((rec.kind(), rec.flags(), rec.x()), (kind, flags, x));
                rec.set_flags(flags | 1);
                assert_eq!((rec.kind(), rec.flags(), rec.x()), (kind, flags | 1, x));
                assert_eq!(rec.start, 3);
            }
        }
    }
}
