//! The one way a rule adds a key to a YAML mapping or changes its value, so every fix reads as if
//! a person had typed it: the new entry is aligned with its sibling keys, written in the
//! mapping's style (block or flow) with the edited line's line break, and no byte around it
//! changes. Only the edited lines are looked at: scanning the whole file per finding is
//! quadratic on large inputs.

use crate::diagnostic::Edit;
use crate::model::ObjectRef;
use crate::rules::Checker;
use crate::source::FileId;
use mesh_lint_yaml::{Node, ScalarStyle, Span};

/// The edit that replaces the scalar `node` of `object`'s file with `new`, keeping its quoting:
/// only the bytes between the quotes change for a quoted scalar. Aliases and block scalars get
/// no edit (rewriting `*name` or a folded block would change more than the value).
pub fn replace_scalar(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    node: Node<'_>,
    new: &str,
) -> Option<Edit> {
    let scalar = node.scalar()?;
    if node.is_alias() {
        return None;
    }
    let span = node.span();
    let span = match scalar.style {
        ScalarStyle::Plain => span,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if span.len() >= 2 => {
            Span::new(span.start + 1, span.end - 1)
        }
        _ => return None,
    };
    Some(Edit {
        file: ck.index.objects[object].file,
        span,
        content: new.to_owned(),
    })
}

/// A value to write under a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Written as given: a scalar (`http`, `"."`) or a flow collection (`["."]`).
    Inline(String),
    /// A nested mapping: indented lines in block style, `{k: v}` in flow style.
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn inline(text: impl Into<String>) -> Value {
        Value::Inline(text.into())
    }

    /// A one-entry nested mapping.
    pub fn entry(key: impl Into<String>, value: Value) -> Value {
        Value::Map(vec![(key.into(), value)])
    }

    fn flow(&self) -> String {
        match self {
            Value::Inline(text) => text.clone(),
            Value::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.flow()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    /// `key: value` in block style; nested lines start with `eol` and `indent` plus two spaces.
    fn block(&self, key: &str, indent: &str, eol: &str) -> String {
        match self {
            Value::Inline(text) => format!("{key}: {text}"),
            Value::Map(entries) => {
                let inner = format!("{indent}  ");
                let mut out = format!("{key}:");
                for (k, v) in entries {
                    out.push_str(eol);
                    out.push_str(&inner);
                    out.push_str(&v.block(k, &inner, eol));
                }
                out
            }
        }
    }
}

/// Where a new key goes when the mapping does not have it yet.
#[derive(Clone, Copy, Debug)]
pub enum Place<'k> {
    /// Before the mapping's first key.
    First,
    /// Before this key; no edit when it is absent.
    Before(&'k str),
    /// In block style, on its own line after the entry of the first of these keys the mapping
    /// has (no edit when it has none); in flow style, before the first key.
    After(&'k [&'k str]),
}

/// The edit that sets `key: value` in `mapping` (a node of `object`'s file): an existing inline
/// value is replaced (only its bytes), a missing key is inserted at `place`. `None` when no
/// edit reads right: the key holds a value that a nested mapping would have to merge with, or
/// the mapping is an empty block mapping or lacks the key `place` names.
pub fn set_key(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    mapping: Node<'_>,
    key: &str,
    value: &Value,
    place: Place<'_>,
) -> Option<Edit> {
    let file = ck.index.objects[object].file;
    key_edit(&ck.files.get(file).text, file, mapping, key, value, place)
}

/// [`set_key`] on the text of `file`, which holds `mapping`.
fn key_edit(
    text: &str,
    file: FileId,
    mapping: Node<'_>,
    key: &str,
    value: &Value,
    place: Place<'_>,
) -> Option<Edit> {
    let edit = |span: Span, content: String| {
        Some(Edit {
            file,
            span,
            content,
        })
    };
    if let Some(existing) = mapping.get(key) {
        let Value::Inline(v) = value else {
            return None;
        };
        let span = existing.span();
        // An implicit empty value (`key:`) is an empty span at the colon: the value goes after
        // it, or the text would read `key["."]:`.
        if span.is_empty() && text[span.start as usize..].starts_with(':') {
            let at = Span::new(span.start + 1, span.start + 1);
            return edit(at, format!(" {v}"));
        }
        return edit(span, v.clone());
    }
    let is_flow = text[mapping.span().range()].starts_with('{');
    let Some((first_key, _)) = mapping.entries().next() else {
        // Only an empty flow mapping `{}` can be rewritten whole.
        return is_flow
            .then(|| format!("{{{key}: {}}}", value.flow()))
            .and_then(|content| edit(mapping.span(), content));
    };
    let before = match place {
        Place::First => first_key,
        Place::Before(k) => mapping.get_entry(k)?.0,
        Place::After(_) if is_flow => first_key,
        Place::After(keys) => {
            let (k, v) = keys.iter().find_map(|k| mapping.get_entry(k))?;
            let indent = indent_at(text, key_start(text, k));
            let line_end = text[v.span().end as usize..]
                .find(['\n', '\r'])
                .map_or(text.len(), |i| i + v.span().end as usize);
            let eol = line_ending_at(text, line_end);
            let at = line_end as u32;
            let content = format!("{eol}{indent}{}", value.block(key, &indent, eol));
            return edit(Span::new(at, at), content);
        }
    };
    let at = key_start(text, before) as u32;
    if is_flow {
        return edit(Span::new(at, at), format!("{key}: {}, ", value.flow()));
    }
    let indent = indent_at(text, at as usize);
    let eol = line_ending_at(text, at as usize);
    let content = format!("{}{eol}{indent}", value.block(key, &indent, eol));
    edit(Span::new(at, at), content)
}

/// Where key node `key` starts with the properties written before it on its line (`!!str`,
/// `&anchor`): its span starts after them, and a key inserted there would take them over.
pub(crate) fn key_start(text: &str, key: Node<'_>) -> usize {
    let at = key.span().start as usize;
    let line_start = line_start(text, at);
    let mut start = at;
    loop {
        let before = text[line_start..start].trim_end_matches([' ', '\t']);
        let token_at = before
            .rfind([' ', '\t', '{', ',', '['])
            .map_or(0, |i| i + 1);
        if !before[token_at..].starts_with(['!', '&']) {
            return start;
        }
        start = line_start + token_at;
    }
}

/// The line break used by the line holding byte `at`: `\r\n` if it ends with one, else `\n`.
pub(crate) fn line_ending_at(text: &str, at: usize) -> &'static str {
    let rest = &text.as_bytes()[at.min(text.len())..];
    match rest.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && rest[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Spaces as wide as the column of byte `at`, to align an inserted key with its sibling.
fn indent_at(text: &str, at: usize) -> String {
    " ".repeat(text[line_start(text, at)..at].chars().count())
}

/// The start of the line holding byte `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests;
