//! Text edits that add or replace a key in a mapping without touching the bytes around it:
//! insert before the mapping's first key, aligned with it (block style) or followed by `, `
//! (flow style), as MESH101's `appProtocol` fix does.

use crate::diagnostic::Edit;
use crate::model::listeners::ListenerSource;
use crate::model::visibility::EXPORT_TO_ANNOTATION;
use crate::model::ObjectRef;
use crate::rules::text_edit::{indent_at, line_ending_at};
use crate::rules::Checker;
use mesh_lint_yaml::{Node, Span};

/// Edits that export the resource to its own namespace only: `spec.exportTo: ["."]` on a
/// ServiceEntry, the `networking.istio.io/exportTo: "."` annotation on a Service.
pub fn export_to_own_namespace(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    source: ListenerSource,
) -> Option<Vec<Edit>> {
    match source {
        ListenerSource::ServiceEntry(i) => {
            let se = &ck.index.service_entries[i];
            if se.spec_node.id() == ck.index.objects[object].node.id() {
                return None;
            }
            set_entry(ck, object, se.spec_node, "exportTo", "[\".\"]", &[])
        }
        ListenerSource::Service(_) => {
            let metadata = ck.index.objects[object].node.get("metadata")?;
            match metadata.get("annotations") {
                Some(a) if a.is_null() => None,
                Some(a) => set_entry(ck, object, a, EXPORT_TO_ANNOTATION, "\".\"", &[]),
                None => set_entry(
                    ck,
                    object,
                    metadata,
                    "annotations",
                    "",
                    &[format!("  {EXPORT_TO_ANNOTATION}: \".\"")],
                ),
            }
        }
    }
}

/// Sets `key: value` in `mapping`: replaces the value when the key exists, else inserts the
/// entry before the first key. `nested` lines (already indented relative to the key) follow the
/// key in block style; in flow style they become a one-entry flow mapping.
pub(crate) fn set_entry(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    mapping: Node<'_>,
    key: &str,
    value: &str,
    nested: &[String],
) -> Option<Vec<Edit>> {
    let file = ck.index.objects[object].file;
    let text = &ck.files.get(file).text;
    if let Some(existing) = mapping.get(key) {
        if !nested.is_empty() {
            return None;
        }
        return Some(vec![Edit {
            file,
            span: existing.span(),
            content: value.to_owned(),
        }]);
    }
    let is_flow = text[mapping.span().range()].starts_with('{');
    let flow_value = || match nested.first() {
        Some(line) => format!("{{{}}}", line.trim()),
        None => value.to_owned(),
    };
    let Some((first_key, _)) = mapping.entries().next() else {
        // Only an empty flow mapping `{}` can be rewritten whole.
        if !is_flow {
            return None;
        }
        return Some(vec![Edit {
            file,
            span: mapping.span(),
            content: format!("{{{key}: {}}}", flow_value()),
        }]);
    };
    let at = first_key.span().start;
    let span = Span::new(at, at);
    if is_flow {
        return Some(vec![Edit {
            file,
            span,
            content: format!("{key}: {}, ", flow_value()),
        }]);
    }
    let indent = indent_at(text, at as usize);
    let eol = line_ending_at(text, at as usize);
    let mut content = if value.is_empty() {
        format!("{key}:")
    } else {
        format!("{key}: {value}")
    };
    for line in nested {
        content.push_str(&format!("{eol}{indent}{line}"));
    }
    content.push_str(&format!("{eol}{indent}"));
    Some(vec![Edit {
        file,
        span,
        content,
    }])
}
