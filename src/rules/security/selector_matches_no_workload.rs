use super::policies::{selector_policies, RootScope, SelectorPolicy};
use super::{describe, labels_label, none_of, show_labels, targets_gateway};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::gateways::proxies::ProxyKind;
use crate::model::COMPLETE_INPUTS_NOTE;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reports a label selector that selects no workload: the `selector.matchLabels` of an
    /// AuthorizationPolicy, RequestAuthentication, PeerAuthentication or Telemetry, and the
    /// `workloadSelector.labels` of a Sidecar or EnvoyFilter. Selectors are matched as Istio
    /// matches them: against the pod-template labels of every workload in the inputs
    /// (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, Rollouts, Pods),
    /// WorkloadEntries, WorkloadGroups and the Deployments Istio creates for Kubernetes
    /// Gateways; in the resource's own namespace, or in every namespace for an
    /// AuthorizationPolicy, RequestAuthentication or EnvoyFilter in the root namespace.
    ///
    /// Repositories often keep workloads in another chart than their policies, so a selector is
    /// reported only when the inputs hold workloads where it looks (the message says how many
    /// were checked) and at least one of them carries one of the selector's label keys. A
    /// selector for an Istio gateway (`istio: ingressgateway`, a Kubernetes Gateway's name
    /// label) is reported only when the inputs hold gateway workloads there too. A resource
    /// with a `targetRef` is skipped: Istio ignores its selector.
    ///
    /// With `--complete-inputs` (config `complete-inputs: true`), the inputs are the whole
    /// cluster: every selector that matches no workload is reported, as istioctl does, and so is
    /// an AuthorizationPolicy without a selector outside the root namespace whose namespace holds
    /// no workload. A selector matching the pods of Istio's installed gateways
    /// (`istio: ingressgateway` in the root namespace) still counts as matching, as in MESH503.
    ///
    /// A PeerAuthentication with a selector in the root namespace is reported whatever the
    /// workloads: Istio ignores it (`ComposePeerAuthentication` takes selector policies only
    /// outside the root namespace; ambient's `convertPeerAuthentication` skips them too).
    ///
    /// ## Why is this bad?
    /// A policy applies only to the workloads its selector matches. Selecting none, it does
    /// nothing, silently: a DENY AuthorizationPolicy or a STRICT PeerAuthentication that
    /// protects no workload leaves the traffic it was written for open, a Sidecar or Telemetry
    /// leaves the namespace defaults in place. It is usually a typo in a label, a label renamed
    /// in the workload, or a policy in the wrong namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata:
    ///   name: deny-debug
    ///   namespace: shop
    /// spec:
    ///   action: DENY
    ///   selector:
    ///     matchLabels:
    ///       app: chekout     # the Deployment is labelled app: checkout
    ///   rules:
    ///     - to: [{operation: {paths: ["/debug/*"]}}]
    /// ```
    ///
    /// Use instead: labels that the workload's pod template carries (`app: checkout`), or move
    /// the policy to the workload's namespace.
    ///
    /// ## Fix safety
    /// No fix: which workload was meant is a decision (the help names the closest one).
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/authz/authorizationpolicies.go` (IST0127), `sidecar/selector.go` and `telemetry/selector.go` (IST0101 `selector`); policy selection: `pilot/pkg/model/authentication.go` getConfigsForWorkload, `pilot/pkg/model/authorization.go`, `pilot/pkg/security/authn/policy_applier.go` ComposePeerAuthentication
    /// - [Istio: Workload selector](https://istio.io/latest/docs/reference/config/type/workload-selector/)
    pub static META = {
        code: "MESH601",
        name: "selector-matches-no-workload",
        area: "security",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0127", "IST0101"],
        summary: "A policy, Sidecar, Telemetry or EnvoyFilter selector that matches no workload in the inputs",
    };
}

pub struct SelectorMatchesNoWorkload;

impl Rule for SelectorMatchesNoWorkload {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::WorkloadLabels, Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let root = ck.cx.mesh_config.root_namespace();
        for p in selector_policies(ck) {
            let ns = ck.index.objects[p.object].ns();
            let in_root = ns == root;
            if in_root && p.root_scope == RootScope::Ignored {
                out.push(ignored_in_root(ck, &p, root));
                continue;
            }
            let scope = (!in_root || p.root_scope == RootScope::OwnNamespace).then_some(ns);
            if let Some(d) = check(ck, &p, scope) {
                out.push(d);
            }
        }
        if ck.cx.complete_inputs {
            namespace_wide_without_workloads(ck, root, out);
        }
    }
}

/// An AuthorizationPolicy without a selector outside the root namespace applies to every
/// workload of its namespace; with the inputs declared complete, a namespace that holds none
/// makes it enforce nothing (istioctl `analyzeNoMatchingWorkloads`, IST0127 with no selector).
fn namespace_wide_without_workloads(ck: &Checker<'_, '_>, root: &str, out: &mut Findings) {
    let wl = ck.workload_labels();
    for (id, o) in ck.index.by_kind("AuthorizationPolicy") {
        if o.group() != "security.istio.io" || o.is_shadowed() || o.ns() == root {
            continue;
        }
        let Some(spec) = o.node.get("spec") else {
            continue;
        };
        let set = |k: &str| spec.get(k).is_some_and(|n| !n.is_null() && !n.is_empty());
        let has_selector = spec
            .at_keys("selector.matchLabels")
            .is_some_and(|n| !n.is_null() && !n.is_empty());
        if has_selector
            || set("targetRef")
            || set("targetRefs")
            || !wl.in_namespace(o.ns()).is_empty()
        {
            continue;
        }
        let span = o.node.at_keys("metadata.name").unwrap_or(o.node).span();
        let mut d = ck.diagnostic(
            &META,
            id,
            span,
            format!(
                "AuthorizationPolicy `{}` applies to every workload of namespace `{}`, which holds no workload in the inputs",
                o.qualified_name(),
                o.ns()
            ),
        );
        d.primary.message = "no workload in its namespace".into();
        d.notes.push(
            "without a selector, an AuthorizationPolicy outside the root namespace applies to the workloads of its own namespace; with none, it enforces nothing (istioctl IST0127)"
                .into(),
        );
        d.notes.push(COMPLETE_INPUTS_NOTE.into());
        d.help = Some(
            "move the AuthorizationPolicy to the namespace of the workloads it should apply to, or delete it"
                .into(),
        );
        out.push(d);
    }
}

/// `scope`: the namespace the selector looks in, `None` for every namespace.
fn check(ck: &Checker<'_, '_>, p: &SelectorPolicy<'_>, scope: Option<&str>) -> Option<Diagnostic> {
    let wl = ck.workload_labels();
    let in_scope: Vec<usize> = match scope {
        Some(ns) => wl.in_namespace(ns).to_vec(),
        None => (0..wl.len()).collect(),
    };
    let complete = ck.cx.complete_inputs;
    if !wl.select(scope, &p.selector).is_empty() {
        return None;
    }
    // Nothing to check against: the workloads live in other inputs (unless the inputs were
    // declared complete).
    if in_scope.is_empty() && !complete {
        return None;
    }
    let sets = &wl.sets;
    // Only a selector whose intent the inputs show is reported: the same labels on a workload
    // of another namespace defined in the same file, or a workload here that differs by a typo
    // or by another version of the same app. A selector unrelated to every workload here is
    // most likely for workloads deployed from other manifests into the same namespace (and a
    // generic `app: webhook` matches some other chart's workload somewhere).
    let file = ck.index.objects[p.object].file;
    let elsewhere = scope.and_then(|ns| {
        wl.select(None, &p.selector)
            .into_iter()
            .find(|&i| wl.namespace(i) != ns && ck.index.objects[sets[i].object].file == file)
    });
    let near = if targets_gateway(&p.selector) {
        None
    } else {
        in_scope
            .iter()
            .filter_map(|&i| near_miss(&sets[i].labels, &p.selector).map(|m| (i, m)))
            .min_by_key(|(_, m)| m.0)
    };
    if elsewhere.is_none()
        && near.is_none()
        && (!complete || selects_known_gateway(ck, &p.selector, scope))
    {
        return None;
    }
    let obj = &ck.index.objects[p.object];
    let wanted = show_labels(&p.selector);
    let where_ = match scope {
        Some(ns) => format!("in namespace `{ns}`"),
        None => "in any namespace".to_owned(),
    };
    let mut d = ck.diagnostic(
        &META,
        p.object,
        p.selector_node.span(),
        format!(
            "{} `{}` selects no workload: {} labels {wanted}",
            p.kind,
            obj.qualified_name(),
            none_of(
                in_scope.len(),
                "workload",
                &format!("{where_} in the inputs")
            )
        ),
    );
    d.primary.message = "matches no workload".into();
    d.notes.push(effect_note(p.kind, scope.is_none()).into());
    if let Some(other) = elsewhere {
        d.related.push(labels_label(
            ck,
            &sets[other],
            format!(
                "{} matches, but in namespace `{}`",
                describe(ck, &sets[other]),
                wl.namespace(other)
            ),
        ));
        d.help = Some(
            format!(
                "move the {} to namespace `{}`, where the workload it selects is",
                p.kind,
                wl.namespace(other)
            )
            .into(),
        );
        return Some(d);
    }
    let Some((i, (_, diffs, typo))) = near else {
        d.notes.push(COMPLETE_INPUTS_NOTE.into());
        d.help = Some(format!(
            "make the selector match the pod-template labels of the workloads it is meant for, or delete the {}",
            p.kind
        ).into());
        return Some(d);
    };
    d.related.push(labels_label(
        ck,
        &sets[i],
        format!("closest match: {}", diffs.join(", ")),
    ));
    d.help = Some(if typo {
        format!(
            "did you mean {}? Make the selector match its labels",
            describe(ck, &sets[i])
        )
        .into()
    } else {
        format!(
            "the inputs hold {} of the same app but not these labels: select labels a deployed version carries, or delete the {} if the version it selected is gone",
            describe(ck, &sets[i]),
            p.kind
        ).into()
    });
    Some(d)
}

/// Whether a gateway selector matches a gateway proxy MESH503 knows without its workload in
/// the inputs (Istio's installed `istio-ingressgateway`, ...): even with complete inputs, those
/// pods come from the installation, as MESH503 assumes, so the two rules agree.
fn selects_known_gateway(
    ck: &Checker<'_, '_>,
    selector: &BTreeMap<String, String>,
    scope: Option<&str>,
) -> bool {
    targets_gateway(selector)
        && ck.gateways().proxies.iter().any(|p| {
            p.kind != ProxyKind::Unknown
                && scope.is_none_or(|ns| p.namespace.as_deref() == Some(ns))
                && selector.iter().all(|(k, v)| p.labels.get(k) == Some(v))
        })
}

/// Label keys that name the application: equal on a workload, they say the selector is about
/// that workload's app.
const APP_KEYS: [&str; 5] = [
    "app",
    "app.kubernetes.io/name",
    "k8s-app",
    "name",
    "service.istio.io/canonical-name",
];

/// How `labels` misses `selector`, when it is a near miss: every pair equal or one typo away
/// (1 edit, 2 for values of 8 characters or more), or the app label equal and other pairs
/// different (another version of the same app). Returns the number of differing pairs, a
/// description of each, and whether it is a typo.
fn near_miss(
    labels: &crate::model::Labels,
    selector: &BTreeMap<String, String>,
) -> Option<(usize, Vec<String>, bool)> {
    let mut diffs = Vec::new();
    let (mut typos, mut far, mut same_app) = (0, 0, false);
    for (k, v) in selector {
        match labels.get(k) {
            Some(has) if has == v => same_app |= APP_KEYS.contains(&k.as_str()),
            Some(has) => {
                let budget = if v.len() >= 8 { 2 } else { 1 };
                if v.len() >= 4 && strsim::levenshtein(has, v) <= budget {
                    typos += 1;
                } else {
                    far += 1;
                }
                diffs.push(format!("`{k}` is `{has}`, not `{v}`"));
            }
            None => {
                far += 1;
                diffs.push(format!("no `{k}` label"));
            }
        }
    }
    let typo = far == 0 && typos > 0;
    (typo || same_app).then_some((diffs.len(), diffs, typo))
}

/// What a selector that matches nothing costs, per kind, in Istio's terms.
fn effect_note(kind: &str, mesh_wide: bool) -> String {
    let scope = if mesh_wide {
        "in the root namespace it applies to matching workloads of every namespace; "
    } else {
        "it applies only to workloads in its own namespace whose labels include every selector label; "
    };
    let effect = match kind {
        "AuthorizationPolicy" => {
            "selecting none, it enforces nothing: a DENY or CUSTOM policy leaves the requests it targets allowed, an ALLOW policy grants nothing (istioctl IST0127)"
        }
        "RequestAuthentication" => {
            "selecting none, no workload validates these JWTs: tokens from this issuer are not checked and `request.auth` stays empty for AuthorizationPolicies"
        }
        "PeerAuthentication" => {
            "selecting none, the mTLS mode it sets applies nowhere: the namespace or mesh mode stays in force"
        }
        "Sidecar" => {
            "selecting none, the workloads keep the namespace's default Sidecar or the full mesh configuration (istioctl IST0101)"
        }
        "Telemetry" => {
            "selecting none, its metrics, logging and tracing settings apply nowhere (istioctl IST0101)"
        }
        _ => "selecting none, its patches apply to no proxy",
    };
    format!("{scope}{effect}")
}

fn ignored_in_root(ck: &Checker<'_, '_>, p: &SelectorPolicy<'_>, root: &str) -> Diagnostic {
    let obj = &ck.index.objects[p.object];
    let mut d = ck.diagnostic(
        &META,
        p.object,
        p.selector_node.span(),
        format!(
            "{} `{}` has a selector in the root namespace `{root}`, where Istio ignores it",
            p.kind,
            obj.qualified_name()
        ),
    );
    d.primary.message = "ignored in the root namespace".into();
    d.notes.push(format!(
        "a PeerAuthentication in the root namespace is the mesh-wide policy only without a selector; with one, istiod uses it for no workload, not even those in `{root}` (`ComposePeerAuthentication`; ambient skips it too)"
    ).into());
    d.help = Some(
        "move it to the namespace of the workloads it should select, or drop the selector to make it mesh-wide"
            .into(),
    );
    d
}
