//! Notes for findings on an object defined more than once in the inputs (per-environment
//! folders, overlays, alternative files): which copy the cross-resource rules used and where
//! the others are.

use crate::diagnostic::Diagnostic;
use crate::model::MeshIndex;
use crate::rules::{self, Subject};
use crate::source::Files;

/// Whether to keep a finding: per-object findings on every copy; others only on an object no
/// later copy replaces, and never when they relate an object to its own copy (two copies of
/// one Sidecar are one Sidecar, not two conflicting ones).
pub fn keep(d: &Diagnostic, index: &MeshIndex<'_>) -> bool {
    let Some(object) = d.subject.and_then(|s| index.objects.get(s)) else {
        return true;
    };
    if rules::find(d.code).is_some_and(|m| m.subject == Subject::Object) {
        return true;
    }
    if object.is_shadowed() {
        return false;
    }
    let Some(subject) = d.subject else {
        return true;
    };
    let copies = index.copies_of(subject);
    !d.related.iter().any(|label| {
        copies.iter().any(|&c| {
            let copy = &index.objects[c];
            let span = copy.node.span();
            copy.file == label.file && span.start <= label.span.start && label.span.end <= span.end
        })
    })
}

/// A note when the finding's object shares its identity with other objects of the inputs.
pub fn note(d: &Diagnostic, index: &MeshIndex<'_>, files: &Files) -> Option<String> {
    let subject = d.subject?;
    let object = index.objects.get(subject)?;
    let name = |o: usize| files.get(index.objects[o].file).name.as_str();
    // Built only when there is something to say: most findings are about objects without copies.
    let what = || format!("{} `{}`", object.kind, object.qualified_name());
    if let Some(winner) = object.shadowed_by {
        return Some(format!(
            "{} is defined again later, in {}: `kubectl apply` of all these files leaves that one in place, so other resources are checked against it; this copy is linted only for what it holds itself (use `meshes:` in .mesh-lint.yaml when the copies belong to different environments)",
            what(),
            name(winner)
        ));
    }
    let copies = index.copies_of(subject);
    if copies.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = copies.iter().map(|&o| name(o)).collect();
    names.dedup();
    Some(format!(
        "{} is also defined earlier, in {}: as `kubectl apply` of all these files would leave it, this later definition is the one other resources are checked against (use `meshes:` in .mesh-lint.yaml when the copies belong to different environments)",
        what(),
        names.join(", ")
    ))
}
