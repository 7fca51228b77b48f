//! Extension checks (MESH701–MESH719): EnvoyFilter patches (MESH701–MESH705), which istiod
//! applies to the Envoy configuration it generates, and Telemetry resources (MESH711–MESH714),
//! which choose the providers of metrics, access logs and traces.

pub mod conflicting_telemetries;
pub mod deprecated_filter_name;
pub mod deprecated_tracing_provider;
mod envoy_filter;
pub mod filter_after_terminal;
mod operations;
mod patch_order;
pub mod proxy_version_mismatch;
pub mod relative_patch_target;
mod telemetry;
pub mod telemetry_entry_without_provider;
pub mod unknown_telemetry_provider;
pub mod unsupported_patch_operation;

use crate::model::{ObjectRef, Origin};
use crate::rules::Checker;
use mesh_lint_yaml::{Node, Span};

/// Where to point at an object as a whole: its `metadata.name` value, else the object.
fn name_span(ck: &Checker<'_, '_>, object: ObjectRef) -> Span {
    let node = ck.index.objects[object].node;
    node.at_keys("metadata.name").unwrap_or(node).span()
}

/// The span of `node`, else of the object's name.
fn span_or_name(ck: &Checker<'_, '_>, object: ObjectRef, node: Option<Node<'_>>) -> Span {
    node.map(Node::span)
        .unwrap_or_else(|| name_span(ck, object))
}

/// A note saying which Istio version mesh-lint assumed, when the user did not name one.
fn version_note(ck: &Checker<'_, '_>) -> Option<String> {
    (ck.cx.istio_version_origin == Origin::Default).then(|| {
        format!(
            "mesh-lint assumed Istio {}, the newest it knows; pass `--istio-version` if the mesh runs another",
            ck.cx.istio_version
        )
    })
}

/// `ns/name` of an object.
fn qualified(ck: &Checker<'_, '_>, object: ObjectRef) -> String {
    ck.index.objects[object].qualified_name()
}

/// Whether two objects are in one namespace once applied: both name it, or `-n` says where
/// the unplaced ones go, or both are unplaced in one directory (applied together). Unplaced
/// objects of different directories are often applied to different namespaces (one folder
/// per tenant or environment), so they are not assumed to meet.
fn same_namespace(ck: &Checker<'_, '_>, a: ObjectRef, b: ObjectRef) -> bool {
    let (oa, ob) = (&ck.index.objects[a], &ck.index.objects[b]);
    if oa.ns() != ob.ns() {
        return false;
    }
    if (oa.namespace_explicit && ob.namespace_explicit)
        || ck.cx.default_namespace_origin != Origin::Default
    {
        return true;
    }
    let dir = |o: &crate::model::Object<'_>| {
        let name = ck.files.get(o.file).name.as_str();
        name.rsplit_once(['/', '\\'])
            .map_or("", |(d, _)| d)
            .to_owned()
    };
    !oa.namespace_explicit && !ob.namespace_explicit && dir(oa) == dir(ob)
}
