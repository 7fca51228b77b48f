use super::{is_namespace_wide, name_span, selector_span};
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::injection::{Mode, State};
use crate::model::{IstioObject, Workload};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_kube::istio::SidecarSpec;
use std::collections::{BTreeMap, HashMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Reports Sidecars that compete for the same proxies:
    ///
    /// - more than one Sidecar without a `workloadSelector` in a namespace (istioctl IST0111);
    ///   `workloadSelector: {}` counts as none, since it selects every workload;
    /// - two Sidecars whose `workloadSelector`s select the same workload (IST0110). Unlike
    ///   istioctl, which only looks at Pods, selectors are matched against the pod-template
    ///   labels of every workload in the inputs: Deployments, StatefulSets, DaemonSets, Jobs,
    ///   CronJobs, Rollouts and Pods. Only sidecar-injected workloads count.
    ///
    /// Each Sidecar involved is reported, with a secondary label on the other one.
    ///
    /// In an ambient namespace, or when every workload a Sidecar selects is ambient, the
    /// Sidecar is reported instead as having no effect (a warning, like istioctl's
    /// IneffectivePolicy IST0167): ambient workloads have no sidecar proxy.
    ///
    /// ## Why is this bad?
    /// A proxy uses exactly one Sidecar. When several qualify, istiod takes the oldest by
    /// creation time, so which egress scope a workload gets depends on the order the
    /// resources were applied; re-creating one (a Helm reinstall, a GitOps resync) can
    /// silently swap every proxy's configuration. The Sidecar reference calls this undefined
    /// behaviour.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// spec:
    ///   egress: [{hosts: ["./*"]}]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata:
    ///   name: legacy
    ///   namespace: shop
    /// spec:
    ///   egress: [{hosts: ["./*", "istio-system/*"]}]
    /// ```
    ///
    /// Use instead: one selector-less Sidecar per namespace, and `workloadSelector`s that do
    /// not overlap for the exceptions.
    ///
    /// ## Fix safety
    /// No fix: which Sidecar should win is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/push_context.go` initSidecarScopes, getSidecarScope (oldest first, selector Sidecars before selector-less); istioctl `pkg/config/analysis/analyzers/sidecar/selector.go` (IST0110, IST0111, IST0167)
    /// - [Istio: Sidecar](https://istio.io/latest/docs/reference/config/networking/sidecar/)
    pub static META = {
        code: "MESH204",
        name: "conflicting-sidecars",
        area: "scoping",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0110", "IST0111", "IST0167"],
        summary: "Two Sidecars for the same proxies: two without selector in a namespace, or overlapping selectors",
    };
}

pub struct ConflictingSidecars;

impl Rule for ConflictingSidecars {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let mut by_ns: BTreeMap<&str, Vec<&IstioObject<'_, SidecarSpec<'_>>>> = BTreeMap::new();
        // A copy that a later object of the same identity replaces does not exist after
        // `kubectl apply` of the inputs: it competes with nothing.
        let live = ck
            .index
            .sidecars
            .iter()
            .filter(|s| !ck.index.objects[s.object].is_shadowed());
        for sc in live {
            by_ns
                .entry(ck.index.objects[sc.object].ns())
                .or_default()
                .push(sc);
        }
        let selected = SelectorMatches::build(ck, &by_ns);
        for (ns, sidecars) in &by_ns {
            check_namespace(ck, ns, sidecars, &selected, out);
        }
    }
}

type Sc<'s, 'a> = &'s IstioObject<'a, SidecarSpec<'a>>;

fn check_namespace(
    ck: &Checker<'_, '_>,
    ns: &str,
    sidecars: &[Sc<'_, '_>],
    selected: &SelectorMatches,
    out: &mut Findings,
) {
    let inj = ck.injection();
    let ns_state = inj.namespace(ns);
    let wide: Vec<Sc<'_, '_>> = sidecars
        .iter()
        .copied()
        .filter(|s| is_namespace_wide(&s.spec))
        .collect();
    if ns_state.mode == Mode::Ambient {
        for sc in &wide {
            out.push(ineffective(ck, sc, &ns_state, "its namespace is ambient"));
        }
    } else if wide.len() > 1 {
        for (i, sc) in wide.iter().enumerate() {
            let other = wide[(i + 1) % wide.len()];
            out.push(two_namespace_wide(ck, ns, sc, other, wide.len()));
        }
    }

    // Selector Sidecars: which injected workloads each selects.
    let mut per_workload: BTreeMap<usize, Vec<Sc<'_, '_>>> = BTreeMap::new();
    let mut reported: HashSet<usize> = HashSet::new();
    for sc in sidecars.iter().copied() {
        let Some(ws) = selected.of(sc) else { continue };
        let states: Vec<(usize, State)> = ws
            .iter()
            .map(|&w| (w, inj.workload(&ck.index.workloads[w])))
            .collect();
        let all_ambient = !states.is_empty() && states.iter().all(|(_, s)| s.mode == Mode::Ambient);
        if all_ambient && !is_namespace_wide(&sc.spec) {
            out.push(ineffective(
                ck,
                sc,
                &states[0].1,
                "every workload it selects is ambient",
            ));
            continue;
        }
        for (w, state) in states {
            if state.mode == Mode::Sidecar {
                per_workload.entry(w).or_default().push(sc);
            }
        }
    }
    for (w, scs) in &per_workload {
        if scs.len() < 2 {
            continue;
        }
        let workload = &ck.index.workloads[*w];
        for (i, sc) in scs.iter().enumerate() {
            if !reported.insert(sc.object) {
                continue;
            }
            let other = scs[(i + 1) % scs.len()];
            out.push(overlapping(ck, sc, other, workload, scs.len()));
        }
    }
}

fn sidecar_name(ck: &Checker<'_, '_>, sc: Sc<'_, '_>) -> String {
    format!("`{}`", ck.index.objects[sc.object].name)
}

fn two_namespace_wide(
    ck: &Checker<'_, '_>,
    ns: &str,
    sc: Sc<'_, '_>,
    other: Sc<'_, '_>,
    count: usize,
) -> Diagnostic {
    let others = if count > 2 {
        format!("{} and {} more", sidecar_name(ck, other), count - 2)
    } else {
        sidecar_name(ck, other)
    };
    let mut d = ck.diagnostic(
        &META,
        sc.object,
        selector_span(ck, sc),
        format!(
            "namespace `{ns}` has {count} Sidecars without a workloadSelector: this one and {others}"
        ),
    );
    d.primary.message = if sc.spec.workload_selector.is_some() {
        "`workloadSelector: {}` selects every workload".into()
    } else {
        "no workloadSelector".into()
    };
    d.related.push(ck.label(
        other.object,
        selector_span(ck, other),
        format!(
            "Sidecar {} also applies to the whole namespace",
            sidecar_name(ck, other)
        ),
    ));
    d.notes.push(format!(
        "a proxy uses one Sidecar; of several without a selector istiod takes the oldest, so which egress scope `{ns}` gets depends on the order they were applied (undefined behaviour in Istio's Sidecar reference; istioctl IST0111)"
    ).into());
    d.help = Some(
        "merge them into one Sidecar, or give all but one a `workloadSelector` that does not overlap"
            .into(),
    );
    d
}

fn overlapping(
    ck: &Checker<'_, '_>,
    sc: Sc<'_, '_>,
    other: Sc<'_, '_>,
    workload: &Workload<'_>,
    count: usize,
) -> Diagnostic {
    let wobj = &ck.index.objects[workload.object];
    let what = format!("{} `{}`", wobj.kind, wobj.qualified_name());
    let others = if count > 2 {
        format!("{} and {} more", sidecar_name(ck, other), count - 2)
    } else {
        sidecar_name(ck, other)
    };
    let mut d = ck.diagnostic(
        &META,
        sc.object,
        selector_span(ck, sc),
        format!(
            "Sidecar {} and {others} both select {what}",
            sidecar_name(ck, sc)
        ),
    );
    d.primary.message = format!("selects {what}");
    d.related.push(ck.label(
        other.object,
        selector_span(ck, other),
        format!("Sidecar {} selects it too", sidecar_name(ck, other)),
    ));
    let labels_span = workload
        .template_node
        .at_keys("metadata.labels")
        .map(|n| n.span())
        .unwrap_or_else(|| name_span(ck, workload.object));
    d.related.push(ck.label(
        workload.object,
        labels_span,
        "the pod-template labels both selectors match",
    ));
    d.notes.push(
        "a proxy uses one Sidecar; of several whose selectors match, istiod takes the oldest, so the workload's egress scope depends on the order they were applied (undefined behaviour in Istio's Sidecar reference; istioctl IST0110)".into(),
    );
    d.help = Some("make the selectors disjoint, or merge the two Sidecars".into());
    d
}

fn ineffective(ck: &Checker<'_, '_>, sc: Sc<'_, '_>, state: &State, why: &str) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        sc.object,
        selector_span(ck, sc),
        format!("Sidecar {} has no effect: {why}", sidecar_name(ck, sc)),
    );
    d.severity = Severity::Warning;
    d.primary.message = "ignored in ambient mode".into();
    if let Some((obj, span)) = state.evidence {
        d.related
            .push(ck.label(obj, span, "ambient because of this"));
    }
    d.notes.push(format!(
        "ambient workloads have no sidecar proxy, and ztunnel and waypoints ignore Sidecar resources ({}; istioctl IneffectivePolicy IST0167)",
        state.reason
    ).into());
    if state.assumed {
        d.notes.push(
            ck.injection()
                .assumption_note(ck.index.objects[sc.object].ns())
                .into(),
        );
    }
    d.help = Some("delete it, or move the workloads to sidecar mode if you need it".into());
    d
}

/// The workloads each selector Sidecar selects, through an inverted `(namespace, label)` index
/// over the namespaces that have such Sidecars only: one pass over the workloads.
struct SelectorMatches {
    matches: HashMap<usize, Vec<usize>>,
}

impl SelectorMatches {
    fn build(ck: &Checker<'_, '_>, by_ns: &BTreeMap<&str, Vec<Sc<'_, '_>>>) -> Self {
        let wanted: HashSet<&str> = by_ns
            .iter()
            .filter(|(_, scs)| scs.iter().any(|s| s.spec.workload_selector.is_some()))
            .map(|(ns, _)| *ns)
            .collect();
        let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        let mut in_ns: HashMap<&str, Vec<usize>> = HashMap::new();
        for (wi, w) in ck.index.workloads.iter().enumerate() {
            let obj = &ck.index.objects[w.object];
            let ns = obj.ns();
            if obj.is_shadowed() || !wanted.contains(ns) {
                continue;
            }
            in_ns.entry(ns).or_default().push(wi);
            for (k, v) in &w.labels {
                by_label.entry((ns, k, v)).or_default().push(wi);
            }
        }
        let mut matches = HashMap::new();
        for (ns, scs) in by_ns {
            for sc in scs {
                let Some(sel) = &sc.spec.workload_selector else {
                    continue;
                };
                let found: Vec<usize> = if sel.labels.is_empty() {
                    in_ns.get(ns).cloned().unwrap_or_default()
                } else {
                    let lists: Option<Vec<&Vec<usize>>> = sel
                        .labels
                        .iter()
                        .map(|(k, v)| by_label.get(&(*ns, k.as_str(), v.as_str())))
                        .collect();
                    let Some(shortest) = lists.and_then(|l| l.into_iter().min_by_key(|l| l.len()))
                    else {
                        continue;
                    };
                    shortest
                        .iter()
                        .copied()
                        .filter(|&w| ck.index.workloads[w].matches(&sel.labels))
                        .collect()
                };
                matches.insert(sc.object, found);
            }
        }
        SelectorMatches { matches }
    }

    fn of(&self, sc: Sc<'_, '_>) -> Option<&Vec<usize>> {
        self.matches.get(&sc.object)
    }
}
