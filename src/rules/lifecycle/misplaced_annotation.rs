use super::annotation_edit::{merge_proxy_config, move_entry, Moved};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::catalogue::keys::{PROXY_CONFIG, REV, SIDECAR_INJECT};
use crate::model::catalogue::{self, SET_BY_ISTIO};
use crate::model::injection::Mode;
use crate::model::{Object, ObjectRef, Workload};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an Istio annotation on a kind of object where Istio does not read it, above all
    /// a pod annotation (`proxy.istio.io/config`, `sidecar.istio.io/*`,
    /// `traffic.sidecar.istio.io/*`, ...) on a Deployment's, StatefulSet's, Job's or other
    /// workload's own metadata instead of its pod template; and the `sidecar.istio.io/inject`
    /// or `istio.io/rev` label on workload metadata when the pod template lacks it. The kinds
    /// each annotation belongs to are the `resources` of Istio's `annotations.yaml`.
    ///
    /// ## Why is this bad?
    /// The sidecar injector is a webhook on Pod creation: it sees only the Pod, whose
    /// annotations and labels come from the pod template. Kubernetes does not copy a
    /// Deployment's own annotations to its pods, so a setting written there is silently
    /// ignored: the proxy keeps its defaults, the opt-out does not opt out, the hold is not
    /// held. Nothing reports it at apply time.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata:
    ///   annotations:
    ///     sidecar.istio.io/proxyCPU: 500m
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         sidecar.istio.io/proxyCPU: 500m
    /// ```
    ///
    /// ## Fix safety
    /// The fix moves the entry into the pod template (creating `annotations` there when
    /// needed). A `proxy.istio.io/config` is merged into the template's own value field by
    /// field, keeping its form. When the template already has the key with the same value the
    /// fix only deletes the ignored copy; with a different value there is no fix (which one
    /// you meant is your call). Moving a setting makes it take effect at the next rollout, so
    /// the fix is **unsafe**. Other misplacements (a pod annotation on a Service) get help only.
    ///
    /// ## References
    /// - Istio source: `annotation/annotations.yaml` (istio/api, `resources`); `pkg/config/analysis/analyzers/annotations/annotations.go` (IST0107)
    /// - [Istio: resource annotations](https://istio.io/latest/docs/reference/config/annotations/)
    /// - [Istio: health checking, "add the annotation to the pod resource"](https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/)
    pub static META = {
        code: "MESH402",
        name: "misplaced-annotation",
        area: "lifecycle",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: ["IST0107"],
        summary: "An Istio annotation on a kind where Istio ignores it, e.g. on a Deployment instead of its pod template",
    };
}

pub struct MisplacedAnnotation;

impl Rule for MisplacedAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let workloads: std::collections::HashMap<ObjectRef, &Workload<'_>> =
            ck.index.workloads.iter().map(|w| (w.object, w)).collect();
        for (id, object) in ck.index.objects.iter().enumerate() {
            if !is_known_kind(object) {
                continue;
            }
            let w = workloads
                .get(&id)
                .copied()
                .filter(|w| !w.template_path.is_empty());
            if let Some(w) = w {
                if ck.injection_mode(w) == Mode::None {
                    continue;
                }
            }
            let Some(meta) = object.node.get("metadata") else {
                continue;
            };
            check_annotations(ck, id, object, object.kind, meta, w, out);
            // A CronJob's Job template has metadata of its own, copied to the Jobs only.
            if let Some(job_meta) = (object.kind == "CronJob")
                .then(|| object.node.at_keys("spec.jobTemplate.metadata"))
                .flatten()
            {
                check_annotations(ck, id, object, "Job", job_meta, None, out);
            }
            if let Some(w) = w {
                check_labels(ck, w, meta, out);
            }
        }
    }
}

/// Kinds whose annotations Istio's catalogue speaks about. Custom resources of other projects
/// may copy their own annotations to pods (KServe, Knative), so they are left alone.
fn is_known_kind(o: &Object<'_>) -> bool {
    match o.group() {
        "" | "apps" | "batch" | "networking.k8s.io" | "gateway.networking.k8s.io" => true,
        g if g.ends_with("istio.io") => true,
        "argoproj.io" => o.kind == "Rollout",
        _ => false,
    }
}

fn check_annotations(
    ck: &Checker<'_, '_>,
    id: ObjectRef,
    object: &Object<'_>,
    kind: &str,
    meta: Node<'_>,
    w: Option<&Workload<'_>>,
    out: &mut Findings,
) {
    let Some(annotations) = meta.get("annotations") else {
        return;
    };
    for (k, v) in annotations.entries() {
        let Some(key) = k.as_str() else { continue };
        if SET_BY_ISTIO.contains(&key) {
            continue;
        }
        let Some(entry) = catalogue::annotation(key) else {
            continue;
        };
        if entry.applies_to(kind) {
            continue;
        }
        let kinds = entry
            .resources
            .iter()
            .map(|r| {
                if *r == "Pod" {
                    "pods (the pod template)"
                } else {
                    r
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = ck.diagnostic(
            &META,
            id,
            k.span(),
            format!(
                "`{key}` on {} `{}` is ignored: Istio reads it only on {kinds}",
                if kind == object.kind {
                    kind.to_owned()
                } else {
                    format!("the {kind} template of {}", object.kind)
                },
                object.qualified_name()
            ),
        );
        d.primary.message = format!("not read on a {kind}");
        let pod_only = entry.applies_to("Pod");
        if w.is_none() || !pod_only {
            d.notes.push(format!(
                "Istio's components look for `{key}` only on {kinds}; on a {kind} nothing reads it, so the setting silently has no effect"
            ).into());
        }
        match w.filter(|_| pod_only) {
            Some(w) => workload_fix(ck, w, key, k, v, &mut d),
            None if pod_only => {
                d.help = Some(match w {
                    Some(w) => format!("put it on the pod template (`{}.metadata.annotations`)", w.template_path).into(),
                    None if object.kind == "CronJob" => "put it on the pod template (`spec.jobTemplate.spec.template.metadata.annotations`)".into(),
                    None => "put it on the pod template of the workloads concerned (`spec.template.metadata.annotations`)".into(),
                })
            }
            None => d.help = Some(format!("move it to the {kinds} it is meant for, or remove it").into()),
        }
        out.push(d);
    }
}

fn workload_fix(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    key: &str,
    k: Node<'_>,
    v: Node<'_>,
    d: &mut Diagnostic,
) {
    d.notes.push(
        "the sidecar injector is a webhook on Pod creation and sees only the Pod, whose annotations come from the pod template; Kubernetes does not copy the workload's own annotations to its pods"
            .to_owned().into(),
    );
    let template_value = w
        .template_node
        .at_keys("metadata.annotations")
        .and_then(|a| a.get_entry(key));
    let moved = Moved {
        section: "annotations",
        key: k,
        value: v,
    };
    if let Some((tk, tv)) = template_value {
        if key != PROXY_CONFIG && tv.as_str() == v.as_str() {
            d.severity = Severity::Warning;
            d.message = format!(
                "`{key}` on {} `{}` is ignored, and duplicates the pod template's",
                ck.index.objects[w.object].kind,
                ck.index.objects[w.object].qualified_name()
            );
        }
        d.related.push(ck.label(
            w.object,
            tk.span(),
            "the pod template's value, which Istio reads",
        ));
    }
    let at = w.template_path;
    let edits = if key == PROXY_CONFIG {
        merge_proxy_config(ck, w, Some(moved), &[])
    } else {
        move_entry(ck, w, moved)
    };
    match edits {
        Some(edits) => {
            d.fix = Some(Fix::new(
                format!("move `{key}` to `{at}.metadata.annotations`"),
                Applicability::Unsafe,
                edits,
            ))
        }
        None => {
            d.help = Some(format!(
                "move it to `{at}.metadata.annotations` (the template's own value differs: keep the one you mean)"
            ).into())
        }
    }
}

fn check_labels(ck: &Checker<'_, '_>, w: &Workload<'_>, meta: Node<'_>, out: &mut Findings) {
    let Some(labels) = meta.get("labels") else {
        return;
    };
    for key in [SIDECAR_INJECT, REV] {
        let Some((k, v)) = labels.get_entry(key) else {
            continue;
        };
        if w.labels.contains_key(key) {
            continue;
        }
        let o = &ck.index.objects[w.object];
        let mut d = ck.diagnostic(
            &META,
            w.object,
            k.span(),
            format!(
                "the label `{key}` on {} `{}` is ignored: injection reads it on the pod template",
                o.kind,
                o.qualified_name()
            ),
        );
        d.primary.message = "not on the pods".to_owned();
        d.notes.push(
            "the injection webhooks select Pods by their own labels (`objectSelector`); the workload's labels are not copied to its pods"
                .to_owned().into(),
        );
        let moved = Moved {
            section: "labels",
            key: k,
            value: v,
        };
        let at = w.template_path;
        match move_entry(ck, w, moved) {
            Some(edits) => {
                d.fix = Some(Fix::new(
                    format!("move the label to `{at}.metadata.labels`"),
                    Applicability::Unsafe,
                    edits,
                ))
            }
            None => d.help = Some(format!("move it to `{at}.metadata.labels`").into()),
        }
        out.push(d);
    }
}
