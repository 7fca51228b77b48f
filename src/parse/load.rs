//! YAML files mesh-lint reads as settings (the config file, a `--mesh-config` file): the same
//! parser, limits and error wording as manifests get from MESH001, but an error stops the run
//! as a usage error at its position, since linting with a half-read setting would mislead.

use mesh_lint_yaml::{parse_stream, Budget, Limits, LineIndex, Node, ParseErrorKind, Span};
use std::path::Path;

/// A problem in a settings file, at a byte offset of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub offset: u32,
    pub message: String,
}

impl LoadError {
    pub fn new(offset: u32, message: impl Into<String>) -> LoadError {
        LoadError {
            offset,
            message: message.into(),
        }
    }

    /// `path:line:col: message`, the form of every error about a position in a file.
    pub fn located(&self, path: &Path, text: &str) -> String {
        format!("{}: {}", position(path, text, self.offset), self.message)
    }
}

/// `path:line:col` of byte `offset` in `text`.
pub fn position(path: &Path, text: &str, offset: u32) -> String {
    let (line, col) = LineIndex::new(text).line_col(text, offset);
    format!("{}:{line}:{col}", path.display())
}

/// What a YAML error says, in the words MESH001 uses for manifests.
pub fn parse_error_message(kind: ParseErrorKind, message: &str) -> String {
    match kind {
        ParseErrorKind::Syntax => format!("invalid YAML: {message}"),
        ParseErrorKind::TooDeep => format!(
            "YAML nests deeper than {} levels",
            Limits::default().max_depth
        ),
        ParseErrorKind::BadAlias => format!("invalid YAML alias: {message}"),
        ParseErrorKind::TooLarge => format!("YAML document too large: {message}"),
    }
}

/// Parses `text`, which must hold at most one YAML document, and hands its root (`None` when
/// the file is empty or only comments, or the document is `null`) to `read`. Syntax errors,
/// duplicate keys, alias bombs and a second document are errors at their position.
pub fn with_document<T>(
    text: &str,
    read: impl FnOnce(Option<Node<'_>>) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    let limits = Limits::default();
    let docs = parse_stream(text, &limits);
    for doc in &docs {
        if let Some(err) = &doc.error {
            return Err(LoadError::new(
                err.span.start,
                parse_error_message(err.kind, &err.message),
            ));
        }
        if let Some(dup) = doc.duplicate_keys.first() {
            return Err(LoadError::new(
                dup.second.start,
                format!("duplicate key `{}`", dup.key),
            ));
        }
        if let Err(span) = doc.expanded_size(limits.max_expanded_nodes) {
            return Err(LoadError::new(
                span.start,
                "YAML aliases expand beyond the node budget",
            ));
        }
    }
    let mut roots = docs.iter().filter_map(|d| d.root());
    let root = roots.next();
    if let Some(second) = roots.next() {
        return Err(LoadError::new(
            second.span().start,
            "a second YAML document; this file must hold one",
        ));
    }
    read(root.filter(|r| !r.is_null()))
}

/// Deserializes `node` into `T`; an error names the field's path and points at its value.
pub fn deserialize<T: serde::de::DeserializeOwned>(node: Node<'_>) -> Result<T, LoadError> {
    node.deserialize(&mut Budget::new(Limits::default().max_expanded_nodes))
        .map_err(|e| {
            let what = if e.path.is_empty() {
                String::new()
            } else {
                format!("`{}`: ", e.path)
            };
            LoadError::new(e.span.start, format!("{what}{}", e.message))
        })
}

/// The span of the key `keys` leads to in `text`'s document (for settings whose value is wrong
/// in a way only mesh-lint can tell, such as a rule name that does not exist), or of the
/// deepest key found on the way.
pub fn key_span(text: &str, keys: &[&str]) -> Option<Span> {
    let docs = parse_stream(text, &Limits::default());
    let mut node = docs.first()?.root()?;
    let mut found = None;
    for key in keys {
        let Some((k, v)) = node.get_entry(key) else {
            break;
        };
        found = Some(k.span());
        node = v;
    }
    found
}

/// The span of the value at `keys` (nested mapping keys); `None` when a key is missing.
pub fn value_span(text: &str, keys: &[&str]) -> Option<Span> {
    let docs = parse_stream(text, &Limits::default());
    let mut node = docs.first()?.root()?;
    for key in keys {
        node = node.get(key)?;
    }
    Some(node.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Option<String>, LoadError> {
        with_document(text, |root| {
            Ok(root
                .and_then(|r| r.get("a"))
                .and_then(|a| a.as_str().map(str::to_owned)))
        })
    }

    #[test]
    fn one_document_loads() {
        assert_eq!(load("a: b\n"), Ok(Some("b".into())));
        assert_eq!(load(""), Ok(None));
        assert_eq!(load("# only a comment\n"), Ok(None));
        assert_eq!(load("---\na: b\n...\n"), Ok(Some("b".into())));
    }

    #[test]
    fn every_yaml_error_is_reported_at_its_position() {
        let err = load("a: b\n  c: d\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML: "), "{err:?}");
        let err = load("a: b\na: c\n").unwrap_err();
        assert_eq!(err, LoadError::new(5, "duplicate key `a`"));
        let err = load("a: b\n---\nc: d\n").unwrap_err();
        assert_eq!(err.offset, 9);
        assert!(err.message.contains("second YAML document"));
        let err = load("a: *nope\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML alias"), "{err:?}");
    }

    #[test]
    fn located_errors_name_file_line_and_column() {
        let err = LoadError::new(5, "duplicate key `a`");
        assert_eq!(
            err.located(Path::new("m.yaml"), "a: b\na: c\n"),
            "m.yaml:2:1: duplicate key `a`"
        );
    }

    #[test]
    fn key_spans_follow_the_path() {
        let text = "severity:\n  MESH101: error\n";
        assert_eq!(
            key_span(text, &["severity", "MESH101"]),
            Some(Span::new(12, 19))
        );
        assert_eq!(key_span(text, &["severity", "nope"]), Some(Span::new(0, 8)));
        assert_eq!(key_span(text, &["nope"]), None);
    }
}
