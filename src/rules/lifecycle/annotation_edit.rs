//! Edits that add, move and merge pod-template annotations and labels in the file's own style:
//! block or flow mappings, the existing indentation and line endings, and for
//! `proxy.istio.io/config` a merge into the value already there (its JSON or YAML form, its
//! quoting) instead of a replacement. Every helper returns `None` rather than guess.

use crate::diagnostic::Edit;
use crate::model::catalogue::keys::PROXY_CONFIG;
use crate::model::proxy_config::{self, field};
use crate::model::{ObjectRef, Workload};
use crate::rules::yaml_edit::{line_ending_at, set_key, Place, Value};
use crate::rules::Checker;
use mesh_lint_yaml::{Node, ScalarStyle, Span};

/// A field to write into a ProxyConfig: its name and its value as compact JSON.
pub type ConfigField = (String, String);

/// An entry of the workload's own metadata to move into the pod template.
#[derive(Clone, Copy)]
pub struct Moved<'a> {
    /// `annotations` or `labels`.
    pub section: &'static str,
    pub key: Node<'a>,
    pub value: Node<'a>,
}

struct Ctx<'t> {
    file: crate::source::FileId,
    text: &'t str,
}

fn ctx<'t>(ck: &'t Checker<'_, '_>, object: ObjectRef) -> Ctx<'t> {
    let file = ck.index.objects[object].file;
    Ctx {
        file,
        text: &ck.files.get(file).text,
    }
}

/// Edits that leave the pod template's `proxy.istio.io/config` holding `extra` (and, when
/// `moved` is the workload-metadata copy of that annotation, its fields too, deleting it there).
/// `None` when a carried field conflicts with the template's value or the layout is unusual.
pub fn merge_proxy_config(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    moved: Option<Moved<'_>>,
    extra: &[ConfigField],
) -> Option<Vec<Edit>> {
    let c = ctx(ck, w.object);
    let mut wanted: Vec<ConfigField> = Vec::new();
    let mut edits = Vec::new();
    if let Some(m) = moved {
        let parsed = proxy_config::parse(m.value.as_str()?);
        if !parsed.complete {
            return None;
        }
        wanted.extend(parsed.fields);
        edits.push(delete_entry(&c, ck, w.object, m)?);
    }
    for (k, v) in extra {
        match wanted.iter().position(|(name, _)| same_field(name, k)) {
            Some(i) => wanted[i].1 = v.clone(),
            None => wanted.push((k.clone(), v.clone())),
        }
    }
    let annotations = template_meta(w)?.get("annotations");
    match annotations.and_then(|a| a.get(PROXY_CONFIG)) {
        Some(existing) => {
            let parsed = proxy_config::parse(existing.as_str()?);
            if !parsed.complete {
                return None;
            }
            let mut add = Vec::new();
            for (k, v) in wanted {
                match parsed.fields.iter().find(|(name, _)| same_field(name, &k)) {
                    Some((_, have)) if *have == v => {}
                    // The template's value is what Istio reads today; a different carried value
                    // is a decision for the user.
                    Some(_) => return None,
                    None => add.push((k, v)),
                }
            }
            if !add.is_empty() {
                edits.push(merge_into_scalar(&c, existing, &parsed, &add)?);
            }
        }
        None => {
            let value = render_config(&wanted);
            edits.push(insert_entry(ck, w, "annotations", PROXY_CONFIG, value)?);
        }
    }
    Some(edits)
}

/// Edits moving an annotation or label from the workload's metadata into its pod template:
/// delete it there, and insert it in the template unless the template already has the same
/// value. `None` when the template has a different value.
pub fn move_entry(ck: &Checker<'_, '_>, w: &Workload<'_>, m: Moved<'_>) -> Option<Vec<Edit>> {
    let c = ctx(ck, w.object);
    let key = m.key.as_str()?;
    let value = m.value.as_str()?;
    let mut edits = vec![delete_entry(&c, ck, w.object, m)?];
    let existing = template_meta(w)?.get(m.section).and_then(|s| s.get(key));
    match existing {
        Some(e) if e.as_str() == Some(value) => {}
        Some(_) => return None,
        None => {
            let raw = match m.value.scalar()?.style {
                ScalarStyle::Literal | ScalarStyle::Folded => json_quoted(value),
                _ => c.text[m.value.span().range()].to_owned(),
            };
            edits.push(insert_entry(ck, w, m.section, key, raw)?);
        }
    }
    Some(edits)
}

/// An edit adding `key: value` (a one-line YAML scalar) to the pod template's annotations.
pub fn add_template_annotation(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    insert_entry(ck, w, "annotations", key, value.to_owned())
}

/// The pod template's `metadata` mapping.
pub fn template_meta<'a>(w: &Workload<'a>) -> Option<Node<'a>> {
    w.template_node.get("metadata").filter(|m| !m.is_null())
}

/// jsonpb accepts a field by its JSON or its proto name.
fn same_field(a: &str, b: &str) -> bool {
    match (field(a), field(b)) {
        (Some(x), Some(y)) => x.json == y.json,
        _ => a == b,
    }
}

fn render_config(fields: &[ConfigField]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", json_quoted(k)))
        .collect();
    single_quoted(&format!("{{{}}}", body.join(", ")))
}

fn json_quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// The start of the first line of a block scalar's body (from `from` to the span's end) that
/// holds content: it sets the block's indentation, and blank lines before it do not (a
/// blank line may be indented less, or not at all). `None` for a block without content.
fn first_content_line(text: &str, from: usize, span: Span) -> Option<usize> {
    let body = text.get(from..span.end as usize)?;
    let mut offset = from;
    for line in body.split_inclusive('\n') {
        if !line.trim().is_empty() {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Adds `fields` to a ProxyConfig scalar in place, in its own form: after the `{` of a JSON or
/// flow value (escaped for the scalar's quoting), as lines at the top of a literal block, or by
/// rewriting a quoted YAML value as one flow mapping.
fn merge_into_scalar(
    c: &Ctx<'_>,
    node: Node<'_>,
    parsed: &proxy_config::ProxyConfigValue,
    add: &[ConfigField],
) -> Option<Edit> {
    let scalar = node.scalar()?;
    if node.is_alias() {
        return None;
    }
    let span = node.span();
    let raw = &c.text[span.range()];
    if parsed.flow {
        let open = raw.find('{')?;
        let at = span.start + open as u32 + 1;
        let inserted: Vec<String> = add
            .iter()
            .map(|(k, v)| format!("{}: {v}", json_quoted(k)))
            .collect();
        let sep = if parsed.fields.is_empty() { "" } else { ", " };
        let mut content = inserted.join(", ");
        content.push_str(sep);
        content = match scalar.style {
            ScalarStyle::DoubleQuoted => content.replace('\\', "\\\\").replace('"', "\\\""),
            ScalarStyle::SingleQuoted => content.replace('\'', "''"),
            ScalarStyle::Literal | ScalarStyle::Folded => content,
            ScalarStyle::Plain => return None,
        };
        return Some(Edit {
            file: c.file,
            span: Span::new(at, at),
            content,
        });
    }
    match scalar.style {
        ScalarStyle::Literal => {
            let header_end = raw.find('\n')? + 1;
            // An explicit indentation indicator (`|2`) fixes the indentation itself: keep off.
            if raw[..header_end].bytes().any(|b| b.is_ascii_digit()) {
                return None;
            }
            let first_line = first_content_line(c.text, span.start as usize + header_end, span)?;
            let indent: String = c.text[first_line..]
                .chars()
                .take_while(|ch| *ch == ' ')
                .collect();
            let eol = line_ending_at(c.text, first_line);
            let content: String = add
                .iter()
                .map(|(k, v)| format!("{indent}{k}: {v}{eol}"))
                .collect();
            Some(Edit {
                file: c.file,
                span: Span::new(first_line as u32, first_line as u32),
                content,
            })
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let all: Vec<String> = parsed
                .fields
                .iter()
                .chain(add)
                .map(|(k, v)| format!("{}: {v}", json_quoted(k)))
                .collect();
            let content = single_quoted(&format!("{{{}}}", all.join(", ")));
            Some(Edit {
                file: c.file,
                span,
                content,
            })
        }
        _ => None,
    }
}

/// Inserts `key: value` (a one-line scalar) into the pod template's `section` (`annotations`
/// or `labels`), creating the section under the template's `metadata` when missing.
fn insert_entry(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    section: &str,
    key: &str,
    value: String,
) -> Option<Edit> {
    let meta = template_meta(w)?;
    let key_text = if key.contains(['{', '}', ',', '[', ']', ' ', ':']) && !key.contains('/') {
        json_quoted(key)
    } else {
        key.to_owned()
    };
    match meta.get(section) {
        Some(map) if map.is_null() => None,
        Some(map) => set_key(
            ck,
            w.object,
            map,
            &key_text,
            &Value::inline(value),
            Place::First,
        ),
        None => set_key(
            ck,
            w.object,
            meta,
            section,
            &Value::entry(key_text, Value::inline(value)),
            Place::First,
        ),
    }
}

/// Deletes an entry of the workload's own `metadata.<section>` (whole lines, block style
/// only); the section goes too when the entry is its only one.
fn delete_entry(
    c: &Ctx<'_>,
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    m: Moved<'_>,
) -> Option<Edit> {
    let meta = ck.index.objects[object].node.get("metadata")?;
    let (section_key, section) = meta.get_entry(m.section)?;
    if c.text[section.span().range()].starts_with('{') {
        return None;
    }
    let (from, to) = if section.len() == 1 {
        (section_key.span().start, section.span().end)
    } else {
        (m.key.span().start, m.value.span().end)
    };
    let start = line_start(c.text, from as usize)?;
    let end = line_end(c.text, to as usize);
    Some(Edit {
        file: c.file,
        span: Span::new(start as u32, end as u32),
        content: String::new(),
    })
}

/// The start of the line holding `at`, when only spaces precede `at` on it.
fn line_start(text: &str, at: usize) -> Option<usize> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..at].trim().is_empty().then_some(start)
}

/// Just past the line break ending the line that holds `at` (a block scalar's span already
/// ends after its final break).
fn line_end(text: &str, at: usize) -> usize {
    if at > 0 && text.as_bytes().get(at - 1) == Some(&b'\n') {
        return at;
    }
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}
