//! Telemetry resources read from their trees: the selector and, per section (`metrics`,
//! `tracing`, `accessLogging`), the entries and the providers they name
//! (`istio.io/api/telemetry/v1alpha1/telemetry.proto`).

use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::Node;

pub const SECTIONS: [&str; 3] = ["metrics", "tracing", "accessLogging"];

pub struct Telemetry<'a> {
    pub object: ObjectRef,
    pub spec: Option<Node<'a>>,
    /// `selector.matchLabels`.
    pub selector: Vec<(&'a str, &'a str)>,
    /// `targetRef`/`targetRefs` (waypoints, gateways, Services).
    pub has_target_refs: bool,
}

impl<'a> Telemetry<'a> {
    /// No labels and no target: it configures every workload of its namespace (of the mesh in
    /// the root namespace), as `namespaceWideTelemetryConfig` decides. `selector: {}` is
    /// namespace-wide too.
    pub fn is_namespace_wide(&self) -> bool {
        self.selector.is_empty() && !self.has_target_refs
    }

    /// The `selector` node, when written.
    pub fn selector_node(&self) -> Option<Node<'a>> {
        self.spec
            .and_then(|s| s.get("selector"))
            .filter(|n| !n.is_null())
    }

    /// The entries of a section, in order.
    pub fn entries(&self, section: &str) -> Vec<Node<'a>> {
        self.spec
            .and_then(|s| s.get(section))
            .map(|l| l.items().collect())
            .unwrap_or_default()
    }

    /// Whether the section has at least one entry.
    pub fn configures(&self, section: &str) -> bool {
        !self.entries(section).is_empty()
    }
}

/// The providers an entry names, with their `name` nodes.
pub fn providers(entry: Node<'_>) -> Vec<(&str, Node<'_>)> {
    entry
        .get("providers")
        .into_iter()
        .flat_map(|p| p.items())
        .filter_map(|p| p.get("name"))
        .filter_map(|n| Some((n.as_str().filter(|s| !s.is_empty() && !n.is_null())?, n)))
        .collect()
}

/// Every Telemetry of the inputs (`telemetry.istio.io`), in input order; with `live_only`,
/// without the copies that a later object of the same identity replaces.
pub fn telemetries<'a>(ck: &Checker<'_, 'a>, live_only: bool) -> Vec<Telemetry<'a>> {
    let mut out = Vec::new();
    for (id, o) in ck.index.by_kind("Telemetry") {
        if o.group() != "telemetry.istio.io" || (live_only && o.is_shadowed()) {
            continue;
        }
        let spec = o.node.get("spec").filter(|s| !s.is_null());
        let selector = spec
            .and_then(|s| s.at_keys("selector.matchLabels"))
            .into_iter()
            .flat_map(|l| l.entries())
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
            .collect();
        let has_target_refs = ["targetRefs", "targetRef"].iter().any(|k| {
            spec.and_then(|s| s.get(k))
                .is_some_and(|n| !n.is_null() && !n.is_empty())
        });
        out.push(Telemetry {
            object: id,
            spec,
            selector,
            has_target_refs,
        });
    }
    out
}
