//! Scoping checks (MESH201–MESH205): Sidecar resources and exportTo, which decide how much of
//! the mesh's configuration every proxy receives (§4, §5).

pub mod conflicting_sidecars;
pub mod export_to_everywhere;
mod importers;
pub mod invalid_export_to;
pub mod invalid_sidecar_egress;
pub mod missing_sidecar_scope;

use crate::model::{IstioObject, ObjectRef};
use crate::rules::Checker;
use mesh_lint_kube::istio;
use mesh_lint_yaml::{Node, Span};

/// A Sidecar "without a selector" for Istio's namespace-wide purposes: no `workloadSelector`
/// or one without labels (`{}` selects every workload: `sidecar.proto`, and the analyzer
/// treats it as namespace-wide).
pub(crate) fn is_namespace_wide(spec: &istio::SidecarSpec<'_>) -> bool {
    spec.workload_selector
        .as_ref()
        .is_none_or(|s| s.labels.is_empty())
}

/// Where to point at an object by name: its `metadata.name` value, else the object.
pub(crate) fn name_span(ck: &Checker<'_, '_>, object: ObjectRef) -> Span {
    let node = ck.index.objects[object].node;
    node.at_keys("metadata.name").unwrap_or(node).span()
}

/// A Sidecar's `workloadSelector` node when present, else its name.
pub(crate) fn selector_span(
    ck: &Checker<'_, '_>,
    sc: &IstioObject<'_, istio::SidecarSpec<'_>>,
) -> Span {
    sc.spec_node
        .get("workloadSelector")
        .filter(|n| !n.is_null())
        .map(Node::span)
        .unwrap_or_else(|| name_span(ck, sc.object))
}

/// DNS-1123 label: what a namespace name must be (`labels.IsDNS1123Label`).
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns1123_label("orders"));
        assert!(is_dns1123_label("a-1"));
        assert!(!is_dns1123_label("Orders"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label("a.b"));
        assert!(!is_dns1123_label(""));
        assert!(!is_dns1123_label(&"a".repeat(64)));
    }
}
