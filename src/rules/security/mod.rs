//! Security policy and workload selector checks (MESH601–MESH619): policies whose selectors
//! pick no workload, AuthorizationPolicy sources naming unknown namespaces, DestinationRule TLS
//! that does not verify the server, and subsets that select no endpoint.

mod policies;
pub mod selector_matches_no_workload;
pub mod subset_selects_no_pod;
pub mod tls_without_ca_certificates;
pub mod unknown_source_namespace;

use crate::diagnostic::Label;
use crate::model::selectors::{LabelSet, GATEWAY_NAME_LABELS};
use crate::rules::Checker;
use std::collections::BTreeMap;

/// `k=v, k=v` for messages, sorted by key.
pub(crate) fn show_labels<K: std::fmt::Display, V: std::fmt::Display>(
    labels: impl IntoIterator<Item = (K, V)>,
) -> String {
    labels
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "none of the 3 workloads" / "the only workload" ... "has" / "does not have".
pub(crate) fn none_of(n: usize, what: &str, rest: &str) -> String {
    if n == 0 {
        format!("no {what} {rest} has")
    } else if n == 1 {
        format!("the only {what} {rest} does not have")
    } else {
        format!("none of the {n} {what}s {rest} has")
    }
}

/// `Deployment `ns/name`` for a label set's object.
pub(crate) fn describe(ck: &Checker<'_, '_>, set: &LabelSet) -> String {
    let o = &ck.index.objects[set.object];
    format!("{} `{}`", o.kind, o.qualified_name())
}

/// A label on the labels a selector is matched against: the pod template's
/// `metadata.labels`, a WorkloadEntry's `spec.labels`, else the object's name.
pub(crate) fn labels_label(
    ck: &Checker<'_, '_>,
    set: &LabelSet,
    message: impl Into<String>,
) -> Label {
    let obj = &ck.index.objects[set.object];
    let node = set
        .workload
        .and_then(|w| {
            ck.index.workloads[w]
                .template_node
                .at_keys("metadata.labels")
        })
        .or_else(|| obj.node.at_keys("spec.labels"))
        .or_else(|| obj.node.at_keys("spec.metadata.labels"))
        .or_else(|| obj.node.at_keys("metadata.name"))
        .unwrap_or(obj.node);
    ck.label(set.object, node.span(), message)
}

/// Of `candidates`, the label set sharing the most pairs with `selector` (ties: the first),
/// when it shares at least one: the workload a typo most likely meant.
pub(crate) fn closest<'w, 'i>(
    sets: &'w [LabelSet<'i>],
    candidates: &[usize],
    selector: &BTreeMap<String, String>,
) -> Option<&'w LabelSet<'i>> {
    let shared = |s: &LabelSet| {
        selector
            .iter()
            .filter(|(k, v)| s.labels.get(k) == Some(*v))
            .count()
    };
    candidates
        .iter()
        .map(|&i| &sets[i])
        .filter(|s| shared(s) > 0)
        .fold(None, |best: Option<&LabelSet>, s| match best {
            Some(b) if shared(b) >= shared(s) => Some(b),
            _ => Some(s),
        })
}

/// Whether a selector targets an Istio gateway Deployment (the `istio: ingressgateway`
/// convention of istioctl, Helm and IstioOperator installs, an `app: istio-...gateway`, or a
/// Kubernetes Gateway's name label). Installers create those outside most repositories.
pub(crate) fn targets_gateway(selector: &BTreeMap<String, String>) -> bool {
    selector.iter().any(|(k, v)| is_gateway_label(k, v))
}

fn is_gateway_label(k: &str, v: &str) -> bool {
    GATEWAY_NAME_LABELS.contains(&k)
        || (k == "istio" && !matches!(v, "pilot" | "istiod" | "sidecar-injector"))
        || (k == "app" && v.starts_with("istio-") && v.contains("gateway"))
}
