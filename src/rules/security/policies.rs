//! The Istio resources that pick their workloads with a label selector, read from their trees.

use crate::model::selectors::read_map;
use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::Node;
use std::collections::BTreeMap;

/// How a kind's selector applies to workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RootScope {
    /// In the root namespace the selector picks workloads in every namespace
    /// (AuthorizationPolicy and RequestAuthentication: `getConfigsForWorkload` and
    /// `ListAuthorizationPolicies` look in the workload's namespace and the root namespace;
    /// EnvoyFilter: `EnvoyFilters` merges the root namespace's).
    MeshWide,
    /// The selector picks workloads in the resource's own namespace only (Sidecar, Telemetry).
    OwnNamespace,
    /// Istio ignores a selector policy in the root namespace (PeerAuthentication:
    /// `ComposePeerAuthentication` takes selector policies only outside it).
    Ignored,
}

/// `(kind, API group, path of the selector's label map, root-namespace behaviour)`.
pub(crate) const SELECTOR_KINDS: [(&str, &str, &str, RootScope); 6] = [
    (
        "AuthorizationPolicy",
        "security.istio.io",
        "selector.matchLabels",
        RootScope::MeshWide,
    ),
    (
        "RequestAuthentication",
        "security.istio.io",
        "selector.matchLabels",
        RootScope::MeshWide,
    ),
    (
        "PeerAuthentication",
        "security.istio.io",
        "selector.matchLabels",
        RootScope::Ignored,
    ),
    (
        "Sidecar",
        "networking.istio.io",
        "workloadSelector.labels",
        RootScope::OwnNamespace,
    ),
    (
        "Telemetry",
        "telemetry.istio.io",
        "selector.matchLabels",
        RootScope::OwnNamespace,
    ),
    (
        "EnvoyFilter",
        "networking.istio.io",
        "workloadSelector.labels",
        RootScope::MeshWide,
    ),
];

/// One resource with a non-empty label selector.
pub(crate) struct SelectorPolicy<'a> {
    pub object: ObjectRef,
    pub kind: &'static str,
    pub root_scope: RootScope,
    pub selector: BTreeMap<String, String>,
    /// The label map node (`matchLabels` / `labels`).
    pub selector_node: Node<'a>,
}

/// Every live resource of [`SELECTOR_KINDS`] whose selector has labels and that names no
/// `targetRef(s)` (with a target reference Istio ignores the selector).
pub(crate) fn selector_policies<'a>(ck: &Checker<'_, 'a>) -> Vec<SelectorPolicy<'a>> {
    let mut out = Vec::new();
    for (kind, group, path, root_scope) in SELECTOR_KINDS {
        for (id, o) in ck.index.by_kind(kind) {
            if o.group() != group || o.is_shadowed() {
                continue;
            }
            let Some(spec) = o.node.get("spec") else {
                continue;
            };
            let targeted = ["targetRef", "targetRefs"]
                .iter()
                .any(|k| spec.get(k).is_some_and(|n| !n.is_null() && !n.is_empty()));
            if targeted {
                continue;
            }
            let Some(selector_node) = spec.at_keys(path) else {
                continue;
            };
            let selector = read_map(spec, path);
            if selector.is_empty() {
                continue;
            }
            out.push(SelectorPolicy {
                object: id,
                kind,
                root_scope,
                selector,
                selector_node,
            });
        }
    }
    out
}
