use super::{describe, template_entry};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::catalogue::keys::{DATAPLANE_MODE, REV, SIDECAR_INJECT};
use crate::model::injection::{Mode, NAMESPACE_INJECTION_LABEL};
use crate::model::{ObjectRef, Workload};
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports injection settings that contradict each other:
    /// - a namespace with more than one of `istio-injection`, `istio.io/rev` and
    ///   `istio.io/dataplane-mode` (istioctl's IST0123; the last two count only while
    ///   `istio-injection` is absent or `enabled`);
    /// - a pod template labelled `sidecar.istio.io/inject: "true"` in a namespace labelled
    ///   `istio-injection` with any value other than `enabled`;
    /// - a pod template that opts in with the legacy *annotation*
    ///   `sidecar.istio.io/inject: "true"` and not the label;
    /// - a `hostNetwork: true` pod template that opts in.
    ///
    /// ## Why is this bad?
    /// Every injection webhook requires the namespace's `istio-injection` label to be absent
    /// or `enabled`, so `disabled` wins over any pod opt-in. `istio-injection: enabled` also
    /// wins over `istio.io/rev`, which then silently does nothing (a canary upgrade that never
    /// moves the namespace), and sidecar injection wins over ambient enrolment. The webhooks
    /// select pods by *labels*; the annotation can veto injection but never trigger it. The
    /// injector never injects `hostNetwork` pods. In each case the pods are not what the
    /// manifest says.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Namespace
    /// metadata:
    ///   labels:
    ///     istio-injection: enabled
    ///     istio.io/rev: canary
    /// ```
    ///
    /// Use instead: one of the two labels.
    ///
    /// ## Fix safety
    /// For the legacy annotation, a **display** fix turns the annotation into the label.
    ///
    /// ## References
    /// - Istio source: `manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml`; `pkg/kube/inject/inject.go` injectRequired; `pkg/config/analysis/analyzers/injection/injection.go` (IST0123)
    /// - [Istio: sidecar injection, controlling the injection policy](https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy)
    pub static META = {
        code: "MESH409",
        name: "injection-conflict",
        area: "lifecycle",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "display",
        subject: Object,
        istioctl: ["IST0123"],
        summary: "Injection labels that contradict each other (namespace vs pod, revision vs istio-injection, annotation opt-in)",
    };
}

pub struct InjectionConflict;

impl Rule for InjectionConflict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for (name, info) in &ck.index.namespaces {
            let Some(object) = info.object else { continue };
            let Some(labels) = ck.index.namespace_labels(info) else {
                continue;
            };
            out.extend(namespace_labels(ck, name, object, labels));
        }
        for w in &ck.index.workloads {
            check_workload(ck, w, out);
        }
    }
}

fn namespace_labels(
    ck: &Checker<'_, '_>,
    name: &str,
    object: ObjectRef,
    labels: &crate::model::StrMap<'_>,
) -> Option<Diagnostic> {
    if name == ck.cx.mesh_config.root_namespace() {
        return None;
    }
    let injection = labels.get(NAMESPACE_INJECTION_LABEL);
    let counts = injection.is_none_or(|v| v == "enabled");
    let mut present: Vec<&str> = Vec::new();
    if injection.is_some() {
        present.push(NAMESPACE_INJECTION_LABEL);
    }
    for key in [REV, DATAPLANE_MODE] {
        if counts && labels.contains_key(key) {
            present.push(key);
        }
    }
    if present.len() < 2 {
        return None;
    }
    let node = ck.index.objects[object].node.at_keys("metadata.labels")?;
    let (first, _) = node.get_entry(present[1])?;
    let listed = present
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let mut d = ck.diagnostic(
        &META,
        object,
        first.span(),
        format!("namespace `{name}` has both {listed}"),
    );
    d.primary.message = "conflicting injection label".to_owned();
    for key in &present {
        if let Some((k, _)) = node.get_entry(key) {
            if k.span() != first.span() {
                d.related.push(ck.label(object, k.span(), "also set"));
            }
        }
    }
    let winner = if injection.is_some() {
        "`istio-injection` decides sidecar injection (the revision webhooks require it to be absent)"
    } else {
        "sidecar injection by revision wins over ambient enrolment"
    };
    d.notes.push(format!("{winner}; the other label does nothing, so a revision upgrade or ambient move silently never happens").into());
    d.help = Some(
        "keep one injection label on the namespace"
            .to_owned()
            .into(),
    );
    Some(d)
}

fn check_workload(ck: &Checker<'_, '_>, w: &Workload<'_>, out: &mut Findings) {
    let o = &ck.index.objects[w.object];
    let label = w.labels.get(SIDECAR_INJECT);
    let state = ck.injection().workload(w);
    let ns = o.ns();
    let ns_injection = ck
        .index
        .namespaces
        .get(ns)
        .and_then(|i| ck.index.namespace_labels(i))
        .and_then(|l| l.get(NAMESPACE_INJECTION_LABEL));
    if label == Some("true") {
        let (_, v) = template_entry(w, "labels", SIDECAR_INJECT).unzip();
        let span = v.map_or(super::template_anchor(ck, w), |v| v.span());
        if let Some(value) = ns_injection.filter(|v| *v != "enabled") {
            let mut d = ck.diagnostic(
                &META,
                w.object,
                span,
                format!(
                    "{} opts in to injection, but namespace `{ns}` has `{NAMESPACE_INJECTION_LABEL}: {value}`: it is never injected",
                    describe(ck, w)
                ),
            );
            d.primary.message = "has no effect".to_owned();
            d.notes.push(format!("every injection webhook requires the namespace's `{NAMESPACE_INJECTION_LABEL}` label to be absent or `enabled`, so the namespace label wins over the pod's").into());
            if let Some((obj, span)) = state.evidence {
                d.related.push(ck.label(obj, span, "blocks injection"));
            }
            d.help = Some(format!("label the namespace `{NAMESPACE_INJECTION_LABEL}: enabled` (or remove the label), or drop the pod's opt-in").into());
            out.push(d);
        }
        if w.host_network {
            let mut d = ck.diagnostic(
                &META,
                w.object,
                span,
                format!("{} opts in to injection but uses `hostNetwork: true`, which Istio never injects", describe(ck, w)),
            );
            d.primary.message = "has no effect".to_owned();
            d.notes.push("the injector skips host-network pods: iptables rules there would redirect the node's traffic".to_owned().into());
            d.help = Some("drop `hostNetwork` or the opt-in".to_owned().into());
            out.push(d);
        }
    }
    if label.is_none() {
        legacy_annotation(ck, w, &state, out);
    }
}

/// The deprecated annotation used to opt in: the webhooks select on labels only.
fn legacy_annotation(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    state: &crate::model::injection::State,
    out: &mut Findings,
) {
    let Some((k, v)) = template_entry(w, "annotations", SIDECAR_INJECT) else {
        return;
    };
    if v.as_str() != Some("true") {
        return;
    }
    let effect = if state.mode == Mode::Sidecar {
        "it is injected only because the namespace enables injection anyway"
    } else {
        "the pods are not injected"
    };
    let mut d = ck.diagnostic(
        &META,
        w.object,
        k.span(),
        format!(
            "{} opts in with the annotation `{SIDECAR_INJECT}`, which cannot trigger injection: {effect}",
            describe(ck, w)
        ),
    );
    d.primary.message = "annotation, not label".to_owned();
    d.notes.push("the injection webhooks select pods by labels; the legacy annotation is read only after a webhook already matched (it can veto, not opt in), and is deprecated".to_owned().into());
    d.help = Some(format!("use the pod-template label `{SIDECAR_INJECT}: \"true\"`").into());
    let labels = w
        .template_node
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .filter(|l| !l.is_null());
    d.fix = labels
        .and_then(|l| {
            set_key(
                ck,
                w.object,
                l,
                SIDECAR_INJECT,
                &Value::inline("\"true\""),
                Place::First,
            )
        })
        .map(|e| {
            Fix::new(
                format!("add the label `{SIDECAR_INJECT}: \"true\"`"),
                Applicability::Display,
                vec![e],
            )
        });
    out.push(d);
}
