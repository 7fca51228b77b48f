use super::telemetry::{telemetries, Telemetry, SECTIONS};
use super::{same_namespace, span_or_name};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::injection::Mode;
use crate::model::Workload;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::collections::{BTreeMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Reports Telemetry resources that compete for the same proxies:
    ///
    /// - more than one Telemetry without a selector in a namespace (istioctl IST0160);
    ///   `selector: {}` counts as none, since istiod treats it as namespace-wide;
    /// - two Telemetries whose `selector`s select the same workload and configure the same
    ///   section (`metrics`, `tracing` or `accessLogging`) (IST0159). Selectors are matched
    ///   against the pod-template labels of every workload in the inputs (Deployments,
    ///   StatefulSets, DaemonSets, Jobs, CronJobs, Rollouts, Pods) that has a proxy: sidecar
    ///   or gateway, not ambient.
    ///
    /// Each Telemetry involved is reported, with a secondary label on the other one. Copies of
    /// one object (the same Telemetry in two files) never conflict.
    ///
    /// ## Why is this bad?
    /// Of several namespace-wide Telemetries istiod uses the oldest and ignores the rest
    /// entirely. Workload Telemetries that select one workload are all merged, the newer
    /// overriding the older where both set a section. Either way, what a proxy gets depends on
    /// the order the objects were created: a Helm reinstall or a GitOps resync can swap the
    /// providers, sampling or metric overrides of a whole namespace. Telemetries that
    /// configure different sections merge without depending on that order, and are not
    /// reported.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata:
    ///   name: tracing
    ///   namespace: shop
    /// spec:
    ///   tracing:
    ///     - randomSamplingPercentage: 10
    /// ---
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata:
    ///   name: metrics
    ///   namespace: shop
    /// spec:
    ///   metrics:
    ///     - providers: [{name: prometheus}]
    /// ```
    ///
    /// Use instead: one namespace-wide Telemetry holding both sections, and selectors that do
    /// not overlap for the exceptions.
    ///
    /// ## Fix safety
    /// No fix: which Telemetry should win is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/telemetry.go` getTelemetries (sorted by creation time), namespaceWideTelemetryConfig (the first), applicableTelemetries (every matching workload Telemetry appended); istioctl `pkg/config/analysis/analyzers/telemetry/selector.go`, `default_selector.go` (IST0159, IST0160)
    /// - [Istio: Telemetry](https://istio.io/latest/docs/reference/config/telemetry/)
    pub static META = {
        code: "MESH713",
        name: "conflicting-telemetries",
        area: "extensions",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0159", "IST0160"],
        summary: "Two Telemetries for the same proxies: two without selector in a namespace, or overlapping selectors setting the same section",
    };
}

pub struct ConflictingTelemetries;

impl Rule for ConflictingTelemetries {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::WorkloadLabels]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let all = telemetries(ck, true);
        let mut by_ns: BTreeMap<&str, Vec<&Telemetry<'_>>> = BTreeMap::new();
        for t in &all {
            by_ns
                .entry(ck.index.objects[t.object].ns())
                .or_default()
                .push(t);
        }
        for (ns, list) in &by_ns {
            let wide: Vec<&Telemetry<'_>> = list
                .iter()
                .copied()
                .filter(|t| t.is_namespace_wide())
                .collect();
            for t in &wide {
                let others: Vec<&Telemetry<'_>> = wide
                    .iter()
                    .copied()
                    .filter(|o| o.object != t.object && same_namespace(ck, t.object, o.object))
                    .collect();
                if !others.is_empty() {
                    out.push(two_namespace_wide(ck, ns, t, &others));
                }
            }
        }
        if !all.iter().any(|t| !t.selector.is_empty()) {
            return;
        }
        let selection = ck.workload_labels();
        let inj = ck.injection();
        for (ns, list) in &by_ns {
            // Per workload with a proxy, the selector Telemetries that select it.
            let mut per_workload: BTreeMap<usize, Vec<&Telemetry<'_>>> = BTreeMap::new();
            for t in list.iter().filter(|t| !t.selector.is_empty()) {
                for w in selection.select_workloads(Some(ns), t.selector.iter().copied()) {
                    let mode = inj.workload(&ck.index.workloads[w]).mode;
                    if matches!(mode, Mode::Sidecar | Mode::Gateway) {
                        per_workload.entry(w).or_default().push(t);
                    }
                }
            }
            let mut reported: HashSet<usize> = HashSet::new();
            for (w, ts) in &per_workload {
                for t in ts {
                    if reported.contains(&t.object) {
                        continue;
                    }
                    let Some((other, section)) = ts
                        .iter()
                        .filter(|o| o.object != t.object && same_namespace(ck, t.object, o.object))
                        .find_map(|o| shared_section(t, o).map(|s| (*o, s)))
                    else {
                        continue;
                    };
                    reported.insert(t.object);
                    out.push(overlapping(ck, t, other, &ck.index.workloads[*w], section));
                }
            }
        }
    }
}

/// A section both Telemetries set, whose merge then depends on their order.
fn shared_section(a: &Telemetry<'_>, b: &Telemetry<'_>) -> Option<&'static str> {
    SECTIONS
        .into_iter()
        .find(|s| a.configures(s) && b.configures(s))
}

fn name(ck: &Checker<'_, '_>, t: &Telemetry<'_>) -> String {
    format!("`{}`", ck.index.objects[t.object].name)
}

fn two_namespace_wide(
    ck: &Checker<'_, '_>,
    ns: &str,
    t: &Telemetry<'_>,
    all_others: &[&Telemetry<'_>],
) -> Diagnostic {
    let other = all_others[0];
    let count = all_others.len() + 1;
    let others = if count > 2 {
        format!("{} and {} more", name(ck, other), count - 2)
    } else {
        name(ck, other)
    };
    let mut d = ck.diagnostic(
        &META,
        t.object,
        span_or_name(ck, t.object, t.selector_node()),
        format!(
            "namespace `{ns}` has {count} Telemetries without a selector: this one and {others}"
        ),
    );
    d.primary.message = if t.selector_node().is_some() {
        "`selector` without labels selects every workload".into()
    } else {
        "no selector".into()
    };
    d.related.push(ck.label(
        other.object,
        span_or_name(ck, other.object, other.selector_node()),
        format!(
            "Telemetry {} also applies to the whole namespace",
            name(ck, other)
        ),
    ));
    d.notes.push(format!(
        "istiod uses the oldest Telemetry without a selector of a namespace and ignores the others entirely, so what `{ns}` gets depends on the order they were created (`pilot/pkg/model/telemetry.go` namespaceWideTelemetryConfig; istioctl IST0160)"
    ).into());
    d.help = Some("merge them into one Telemetry, or give all but one a selector".into());
    d
}

fn overlapping(
    ck: &Checker<'_, '_>,
    t: &Telemetry<'_>,
    other: &Telemetry<'_>,
    workload: &Workload<'_>,
    section: &str,
) -> Diagnostic {
    let wobj = &ck.index.objects[workload.object];
    let what = format!("{} `{}`", wobj.kind, wobj.qualified_name());
    let mut d = ck.diagnostic(
        &META,
        t.object,
        span_or_name(ck, t.object, t.selector_node()),
        format!(
            "Telemetry {} and {} both select {what} and both set `{section}`",
            name(ck, t),
            name(ck, other)
        ),
    );
    d.primary.message = format!("selects {what}");
    d.related.push(ck.label(
        other.object,
        span_or_name(ck, other.object, other.selector_node()),
        format!("Telemetry {} selects it too", name(ck, other)),
    ));
    let labels = workload
        .template_node
        .at_keys("metadata.labels")
        .map(|n| n.span())
        .unwrap_or_else(|| super::name_span(ck, workload.object));
    d.related.push(ck.label(
        workload.object,
        labels,
        "the pod-template labels both selectors match",
    ));
    d.notes.push(format!(
        "istiod merges every Telemetry that selects a workload in creation order, the newer overriding the older, so the workload's `{section}` depends on which was created first (`pilot/pkg/model/telemetry.go` applicableTelemetries; istioctl IST0159)"
    ).into());
    d.help = Some(
        format!("make the selectors disjoint, or keep `{section}` in one of the two Telemetries")
            .into(),
    );
    d
}
