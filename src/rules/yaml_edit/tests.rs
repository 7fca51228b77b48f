use super::*;
use mesh_lint_yaml::{parse_stream, Limits};

/// Applies the edit that sets `key` in the mapping at `path` (dotted) of `text`'s first document.
fn set(text: &str, path: &str, key: &str, value: &Value, place: Place<'_>) -> Option<String> {
    let docs = parse_stream(text, &Limits::default());
    let root = docs[0].root().unwrap();
    let mapping = if path.is_empty() {
        root
    } else {
        root.at_keys(path).unwrap()
    };
    let e = key_edit(text, FileId(0), mapping, key, value, place)?;
    let mut out = text.to_owned();
    out.replace_range(e.span.range(), &e.content);
    Some(out)
}

fn port() -> Value {
    Value::entry("number", Value::inline("9080"))
}

#[test]
fn block_insert_before_the_first_key_is_aligned() {
    let text = "spec:\n  hosts: [a]\n  ports: []\n";
    let out = set(
        text,
        "spec",
        "exportTo",
        &Value::inline("[\".\"]"),
        Place::First,
    );
    assert_eq!(
        out.as_deref(),
        Some("spec:\n  exportTo: [\".\"]\n  hosts: [a]\n  ports: []\n")
    );
}

#[test]
fn block_insert_before_a_named_key_nests_a_mapping() {
    let text = "d:\n  subset: v1\n  host: reviews\n";
    let out = set(text, "d", "port", &port(), Place::Before("host"));
    assert_eq!(
        out.as_deref(),
        Some("d:\n  subset: v1\n  port:\n    number: 9080\n  host: reviews\n")
    );
    assert_eq!(set(text, "d", "port", &port(), Place::Before("nope")), None);
}

#[test]
fn block_insert_after_a_key_goes_on_its_own_line() {
    let text = "p:\n  port: 80\n  name: web\n  targetPort: 8080\n";
    let v = Value::inline("http");
    let out = set(
        text,
        "p",
        "appProtocol",
        &v,
        Place::After(&["name", "port"]),
    );
    assert_eq!(
        out.as_deref(),
        Some("p:\n  port: 80\n  name: web\n  appProtocol: http\n  targetPort: 8080\n")
    );
    let out = set(
        "p:\n  port: 80",
        "p",
        "appProtocol",
        &v,
        Place::After(&["name", "port"]),
    );
    assert_eq!(out.as_deref(), Some("p:\n  port: 80\n  appProtocol: http"));
    assert_eq!(
        set(text, "p", "appProtocol", &v, Place::After(&["x"])),
        None
    );
}

#[test]
fn crlf_files_keep_crlf() {
    let text = "d:\r\n  host: reviews\r\n";
    let out = set(text, "d", "port", &port(), Place::Before("host"));
    assert_eq!(
        out.as_deref(),
        Some("d:\r\n  port:\r\n    number: 9080\r\n  host: reviews\r\n")
    );
    let text = "p:\r\n  name: web\r\n  port: 80\r\n";
    let out = set(
        text,
        "p",
        "appProtocol",
        &Value::inline("http"),
        Place::After(&["name"]),
    );
    assert_eq!(
        out.as_deref(),
        Some("p:\r\n  name: web\r\n  appProtocol: http\r\n  port: 80\r\n")
    );
}

#[test]
fn flow_mappings_get_flow_entries() {
    let text = "d: {host: reviews, subset: v1}\n";
    let out = set(text, "d", "port", &port(), Place::Before("host"));
    assert_eq!(
        out.as_deref(),
        Some("d: {port: {number: 9080}, host: reviews, subset: v1}\n")
    );
    let out = set(
        text,
        "d",
        "a",
        &Value::inline("b"),
        Place::After(&["subset"]),
    );
    assert_eq!(
        out.as_deref(),
        Some("d: {a: b, host: reviews, subset: v1}\n")
    );
    let out = set("d: {}\n", "d", "port", &port(), Place::First);
    assert_eq!(out.as_deref(), Some("d: {port: {number: 9080}}\n"));
}

#[test]
fn an_existing_key_has_its_value_replaced() {
    let text = "p: {name: web, appProtocol: \"tcp\"}\n";
    let out = set(
        text,
        "p",
        "appProtocol",
        &Value::inline("http"),
        Place::First,
    );
    assert_eq!(out.as_deref(), Some("p: {name: web, appProtocol: http}\n"));
    // A nested mapping would have to merge with what is there.
    assert_eq!(set(text, "p", "appProtocol", &port(), Place::First), None);
}

#[test]
fn line_endings_and_indents_come_from_the_edited_line() {
    let text = "a: 1\r\n  - b: 2\nc: 3";
    assert_eq!(line_ending_at(text, 0), "\r\n");
    assert_eq!(line_ending_at(text, 8), "\n");
    assert_eq!(line_ending_at(text, 17), "\n");
    assert_eq!(indent_at(text, text.find("b:").unwrap()), "    ");
}

#[test]
fn a_key_is_inserted_before_the_tag_or_anchor_of_the_key_it_precedes() {
    let v = Value::inline("[\".\"]");
    let out = set(
        "spec:\n  !!str hosts: [a]\n",
        "spec",
        "exportTo",
        &v,
        Place::First,
    );
    assert_eq!(
        out.as_deref(),
        Some("spec:\n  exportTo: [\".\"]\n  !!str hosts: [a]\n")
    );
    let text = "spec: {&k !!str hosts: [a]}\n";
    let out = set(text, "spec", "exportTo", &v, Place::First);
    assert_eq!(
        out.as_deref(),
        Some("spec: {exportTo: [\".\"], &k !!str hosts: [a]}\n")
    );
    // Aligned with the key's properties, not with the key after them.
    let text = "p:\n  !!str name: web\n  port: 80\n";
    let out = set(
        text,
        "p",
        "appProtocol",
        &Value::inline("http"),
        Place::After(&["name"]),
    );
    assert_eq!(
        out.as_deref(),
        Some("p:\n  !!str name: web\n  appProtocol: http\n  port: 80\n")
    );
}
