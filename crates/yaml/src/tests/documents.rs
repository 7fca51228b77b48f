use super::{parse, root, src};
use crate::{ParseErrorKind, Span};

fn values(text: &str) -> Vec<Option<String>> {
    parse(text)
        .iter()
        .map(|d| {
            d.root()
                .and_then(|r| r.get("v"))
                .and_then(|v| v.as_str().map(str::to_string))
        })
        .collect()
}

#[test]
fn one_document_per_yaml_document() {
    let text = "v: 1\n---\nv: 2\n---\nv: 3\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 3);
    assert_eq!(
        values(text),
        [Some("1".into()), Some("2".into()), Some("3".into())]
    );
    assert_eq!(&text[docs[0].span.range()], "v: 1");
    assert_eq!(&text[docs[1].span.range()], "---\nv: 2");
}

#[test]
fn error_in_middle_document_costs_only_that_document() {
    let text = "v: 1\n---\nv: [1\n---\nv: 3\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 3);
    let err = docs[1].error.as_ref().unwrap();
    assert_eq!(err.kind, ParseErrorKind::Syntax);
    assert!(!err.message.contains("line"), "{}", err.message);
    assert!(docs[1].root().is_none());
    assert_eq!(values(text)[0].as_deref(), Some("1"));
    assert_eq!(values(text)[2].as_deref(), Some("3"));
    assert_eq!(docs[1].span.start, 5);
}

#[test]
fn error_in_first_and_last_documents() {
    let text = "v: [1, }\n---\nv: 2\n---\nv: {a: 1\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 3);
    assert!(docs[0].error.is_some());
    assert_eq!(
        docs[1].root().unwrap().get("v").unwrap().as_str(),
        Some("2")
    );
    assert!(docs[2].error.is_some());
}

#[test]
fn tab_indentation_error() {
    let text = "v: 1\n---\nv:\n\t- x\n---\nv: 3\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 3);
    let err = docs[1].error.as_ref().unwrap();
    assert!(err.message.contains("tab"), "{}", err.message);
    assert_eq!(err.span, Span::new(13, 13));
    assert_eq!(values(text)[2].as_deref(), Some("3"));
}

#[test]
fn unclosed_quote_recovers_at_next_marker() {
    // granit reports the quoted scalar's bad continuation at the `---` and resumes there.
    let text = "v: 1\n---\nv: \"unclosed\n---\nv: 3\n";
    let docs = parse(text);
    assert_eq!(docs.len(), 3);
    assert!(docs[1].error.is_some());
    assert_eq!(values(text)[2].as_deref(), Some("3"));
    // In the last document it swallows the rest of the stream.
    let docs = parse("v: 1\n---\nv: \"unclosed\nw: 2\n");
    assert_eq!(docs.len(), 2);
    assert!(docs[1].error.is_some());
}

#[test]
fn empty_and_comment_only_streams() {
    let docs = parse("---\n---\n");
    assert_eq!(docs.len(), 2);
    for doc in &docs {
        assert!(root(doc).is_null());
    }
    assert!(parse("# only a comment\n\n   \n").is_empty());
    assert!(parse("").is_empty());
    let docs = parse("# head\n---\n# nothing\n");
    assert_eq!(docs.len(), 1);
    assert!(root(&docs[0]).is_null());
}

#[test]
fn duplicate_keys_keep_both_and_get_returns_first() {
    let text = "a: 1\nb: 2\na: 3\n";
    let docs = parse(text);
    let r = root(&docs[0]);
    assert_eq!(r.get("a").unwrap().as_i64(), Some(1));
    assert_eq!(r.entries().count(), 3);
    assert_eq!(r.len(), 3);
    let dup = &docs[0].duplicate_keys;
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].key, "a");
    assert_eq!((dup[0].first.start, dup[0].second.start), (0, 10));
    assert_eq!(&text[dup[0].second.range()], "a");
}

#[test]
fn duplicate_keys_in_large_mappings() {
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k7: again\n");
    let docs = parse(&text);
    let dup = &docs[0].duplicate_keys;
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].key, "k7");
    assert_eq!(root(&docs[0]).get("k7").unwrap().as_i64(), Some(7));
    let _ = src;
}

#[test]
fn undefined_and_cyclic_aliases_are_bad_alias() {
    let docs = parse("v: *nope\n---\nv: 2\n---\n&a [*a]\n---\nv: 4\n");
    assert_eq!(docs.len(), 4);
    assert_eq!(
        docs[0].error.as_ref().unwrap().kind,
        ParseErrorKind::BadAlias
    );
    assert_eq!(
        docs[2].error.as_ref().unwrap().kind,
        ParseErrorKind::BadAlias
    );
    assert!(docs[1].error.is_none() && docs[3].error.is_none());
    // Anchors do not carry across documents.
    let docs = parse("a: &x 1\n---\nb: *x\n");
    assert_eq!(
        docs[1].error.as_ref().unwrap().kind,
        ParseErrorKind::BadAlias
    );
}
