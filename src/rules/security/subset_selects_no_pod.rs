use super::{closest, describe, labels_label, none_of, show_labels};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::hosts::{resolve, HostOwner};
use crate::model::{IstioObject, ServiceInfo, COMPLETE_INPUTS_NOTE};
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_kube::istio::{DestinationRuleSpec, Subset};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reports a DestinationRule subset whose labels select none of the workloads behind its
    /// host: the workloads (pod templates of Deployments, StatefulSets, ..., Pods, and
    /// WorkloadEntries) that the host's Kubernetes Service selects in its namespace. Unlike
    /// istioctl, which matches the subset against every Pod of every namespace, only the
    /// Service's own endpoints count.
    ///
    /// Repositories often deploy one version apart from the rest, so a subset is reported only
    /// when the inputs hold at least one workload of the Service (the message says how many
    /// were checked). Labels that exist only at run time are not compared: the topology labels
    /// istiod adds from the node (`topology.kubernetes.io/region`, `.../zone`,
    /// `topology.istio.io/subzone`, `kubernetes.io/hostname`, `topology.istio.io/cluster`,
    /// `topology.istio.io/network`) unless empty, which istiod never sets, and labels that
    /// controllers and the injector add (`pod-template-hash`, `rollouts-pod-template-hash`,
    /// `controller-revision-hash`, `security.istio.io/tlsMode`, ...).
    ///
    /// With `--complete-inputs` (config `complete-inputs: true`) the inputs are the whole
    /// cluster, so a subset of a Service that selects no workload at all is reported too.
    ///
    /// ## Why is this bad?
    /// A subset is the Service's endpoints whose labels include the subset's. Selecting none, it
    /// is a cluster without endpoints: every request routed to it fails with 503 `UH` (no
    /// healthy upstream). It is usually a version label that the Deployment does not carry or
    /// a version that was removed.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata:
    ///   name: reviews
    ///   namespace: shop
    /// spec:
    ///   host: reviews.shop.svc.cluster.local
    ///   subsets:
    ///     - name: v3
    ///       labels: {version: v3}   # only v1 and v2 Deployments exist
    /// ```
    ///
    /// Use instead: subsets for the versions the Service's workloads carry, or deploy `v3`.
    ///
    /// ## Fix safety
    /// No fix.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/destinationrule/subset.go` (IST0173); topology labels: `pilot/pkg/serviceregistry/util/label/label.go` AugmentLabels
    /// - [Istio: Subset](https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset)
    pub static META = {
        code: "MESH604",
        name: "subset-selects-no-pod",
        area: "security",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0173"],
        summary: "A DestinationRule subset whose labels select none of its Service's workloads",
    };
}

/// Labels istiod adds to endpoints from the node and cluster (never empty when set).
const TOPOLOGY_LABELS: [&str; 6] = [
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
    "kubernetes.io/hostname",
    "topology.istio.io/cluster",
    "topology.istio.io/network",
];

/// Labels that controllers or the sidecar injector put on pods, absent from pod templates.
const RUNTIME_LABELS: [&str; 11] = [
    "pod-template-hash",
    "rollouts-pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
    "security.istio.io/tlsMode",
    "service.istio.io/canonical-revision",
];

pub struct SubsetSelectsNoPod;

impl Rule for SubsetSelectsNoPod {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Hosts, Model::WorkloadLabels]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for dr in &ck.index.destination_rules {
            if dr.spec.subsets.is_empty() || ck.index.objects[dr.object].is_shadowed() {
                continue;
            }
            let Some(svc) = service_of(ck, dr) else {
                continue;
            };
            let selector = svc.selector();
            if selector.is_empty() {
                continue;
            }
            let svc_ns = ck.index.objects[svc.object].ns();
            let endpoints = ck.workload_labels().select(Some(svc_ns), &selector);
            // The Service's workloads are in other inputs: nothing to compare with (unless the
            // inputs were declared complete: then the Service has no endpoints at all).
            if endpoints.is_empty() && !ck.cx.complete_inputs {
                continue;
            }
            for (i, subset) in dr.spec.subsets.iter().enumerate() {
                if let Some(d) = check(ck, dr, i, subset, svc, &endpoints) {
                    out.push(d);
                }
            }
        }
    }
}

/// The Kubernetes Service the DestinationRule's host names, as its clients in the rule's
/// namespace see it.
fn service_of<'c, 'a>(
    ck: &'c Checker<'_, 'a>,
    dr: &IstioObject<'_, DestinationRuleSpec<'_>>,
) -> Option<&'c ServiceInfo<'a>> {
    let ns = ck.index.objects[dr.object].ns();
    let host = resolve(dr.spec.host, ns, &ck.cx.cluster_domain);
    if host.starts_with('*') {
        return None;
    }
    let entry = ck.hosts().lookup(&host, ns).best()?;
    match entry.owner {
        HostOwner::Service(i) => ck.index.services.get(i),
        HostOwner::ServiceEntry(..) => None,
    }
}

/// The subset labels a pod template can show: topology labels with a value and runtime labels
/// are left out (unknowable offline).
fn comparable(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .filter(|(k, v)| !TOPOLOGY_LABELS.contains(&k.as_str()) || v.is_empty())
        .filter(|(k, _)| !RUNTIME_LABELS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn check(
    ck: &Checker<'_, '_>,
    dr: &IstioObject<'_, DestinationRuleSpec<'_>>,
    index: usize,
    subset: &Subset<'_>,
    svc: &ServiceInfo<'_>,
    endpoints: &[usize],
) -> Option<Diagnostic> {
    let wanted = comparable(&subset.labels);
    if wanted.is_empty() {
        return None;
    }
    let sets = &ck.workload_labels().sets;
    if endpoints.iter().any(|&i| sets[i].matches(&wanted)) {
        return None;
    }
    let subset_node = dr
        .spec_node
        .get("subsets")
        .and_then(|l| l.items().nth(index))?;
    let span = subset_node
        .get("labels")
        .or_else(|| subset_node.get("name"))
        .unwrap_or(subset_node)
        .span();
    let svc_obj = &ck.index.objects[svc.object];
    let n = endpoints.len();
    let plural = if n == 1 { "" } else { "s" };
    let empty_topology = wanted
        .iter()
        .any(|(k, v)| v.is_empty() && TOPOLOGY_LABELS.contains(&k.as_str()));
    let mut d = ck.diagnostic(
        &META,
        dr.object,
        span,
        format!(
            "subset `{}` of DestinationRule `{}` selects no endpoint: {} labels {}",
            subset.name,
            ck.index.objects[dr.object].qualified_name(),
            none_of(
                n,
                "workload",
                &format!(
                    "that Service `{}` selects in the inputs",
                    svc_obj.qualified_name()
                )
            ),
            show_labels(&wanted)
        ),
    );
    d.primary.message = "selects no workload of the Service".into();
    let svc_span = svc_obj
        .node
        .at_keys("spec.selector")
        .unwrap_or(svc_obj.node)
        .span();
    let selects = match n {
        0 => "the host's Service selects no workload of the inputs".to_owned(),
        _ => format!("the host's Service selects {n} workload{plural}"),
    };
    d.related.push(ck.label(svc.object, svc_span, selects));
    if let Some(near) = closest(sets, endpoints, &wanted) {
        d.related.push(labels_label(
            ck,
            near,
            format!("{} has {}", describe(ck, near), show_labels(&*near.labels)),
        ));
    } else if let Some(&first) = endpoints.first() {
        d.related.push(labels_label(
            ck,
            &sets[first],
            format!(
                "{} has {}",
                describe(ck, &sets[first]),
                show_labels(&*sets[first].labels)
            ),
        ));
    }
    d.notes.push(
        "a subset is the Service's endpoints whose labels include all of the subset's; with none, routes to it have no endpoints and fail with 503 `UH` (istioctl IST0173)"
            .into(),
    );
    if n == 0 {
        d.notes.push(COMPLETE_INPUTS_NOTE.into());
    }
    if empty_topology {
        d.notes.push(
            "istiod sets topology labels from the node only when they have a value, so a subset asking for an empty one selects nothing"
                .into(),
        );
    }
    d.help = Some(format!(
        "give subset `{}` labels that the Service's workloads carry, or remove it if that version is gone",
        subset.name
    ).into());
    Some(d)
}
