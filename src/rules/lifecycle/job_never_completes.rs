use super::annotation_edit::add_template_annotation;
use super::{
    app_containers, describe, is_sidecar, sidecar_notes, template_anchor, template_annotations,
};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::catalogue::keys::{NATIVE_SIDECAR, SIDECAR_INJECT};
use crate::model::lifecycle::{native_sidecars, Native};
use crate::model::Workload;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a sidecar-injected Job or CronJob whose pods get a classic (not native)
    /// sidecar, unless its containers visibly call the agent's `/quitquitquit` endpoint.
    ///
    /// ## Why is this bad?
    /// A Job completes when every container of its pod has exited. A classic `istio-proxy`
    /// container keeps running after the app finishes, so the pod stays `Running`, the Job
    /// never completes, and a CronJob piles up active Jobs (or, with
    /// `concurrencyPolicy: Forbid`, stops scheduling). Native sidecars (init containers with
    /// `restartPolicy: Always`) are stopped by the kubelet when the app exits.
    ///
    /// Native sidecars are version-dependent: only `ENABLE_NATIVE_SIDECARS=true` turns them
    /// on in 1.19–1.23; from 1.24 the pod annotation `sidecar.istio.io/nativeSidecar` decides
    /// first; from 1.27 istiod's default is `auto`, on when every node's kubelet is 1.33 or
    /// newer. Manifests do not show node versions, so on 1.27+ without `--native-sidecars` the
    /// finding is *info* and says it may not apply.
    ///
    /// ## Example
    /// ```yaml
    /// kind: CronJob
    /// spec:
    ///   jobTemplate:
    ///     spec:
    ///       template:
    ///         spec:
    ///           containers: [{name: backup, image: backup:1}]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       template:
    ///         metadata:
    ///           annotations:
    ///             sidecar.istio.io/nativeSidecar: "true"
    /// ```
    ///
    /// ## Fix safety
    /// From Istio 1.24 the fix adds `sidecar.istio.io/nativeSidecar: "true"` to the pod
    /// template (Kubernetes 1.29+ runs native sidecars by default). It changes how the pod
    /// starts and stops: **unsafe**. Before 1.24 there is no per-pod switch; the help names
    /// the alternatives: call `POST localhost:15020/quitquitquit` when done, or opt the Job
    /// out of injection with the pod label `sidecar.istio.io/inject: "false"`.
    ///
    /// ## References
    /// - Istio source: `manifests/charts/istio-control/istio-discovery/files/injection-template.yaml` (`$nativeSidecar`); `pilot/pkg/features/pilot.go` (ENABLE_NATIVE_SIDECARS); `pkg/kube/inject/webhook.go` DetectNativeSidecar; `pilot/cmd/pilot-agent/status/server.go` handleQuit
    /// - [Istio blog: native sidecars](https://istio.io/latest/blog/2023/native-sidecars/)
    /// - [istio/istio#11659](https://github.com/istio/istio/issues/11659)
    pub static META = {
        code: "MESH406",
        name: "job-never-completes",
        area: "lifecycle",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: [],
        summary: "An injected Job or CronJob with a classic sidecar that keeps its pods running after the work is done",
    };
}

pub struct JobNeverCompletes;

impl Rule for JobNeverCompletes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        out.extend(
            ck.index
                .workloads
                .iter()
                .filter(|w| matches!(ck.index.objects[w.object].kind, "Job" | "CronJob"))
                .filter_map(|w| check(ck, w)),
        );
    }
}

fn check(ck: &Checker<'_, '_>, w: &Workload<'_>) -> Option<Diagnostic> {
    if !is_sidecar(ck, w) {
        return None;
    }
    let annotations = template_annotations(w);
    let native = native_sidecars(ck.cx, &annotations);
    if native.native == Native::On || calls_quit(w) {
        return None;
    }
    let unknown = native.native == Native::Unknown;
    let mut d = ck.diagnostic(
        &META,
        w.object,
        template_anchor(ck, w),
        if unknown {
            format!(
                "{} may never complete: unless istiod injects native sidecars, `istio-proxy` keeps its pods running after the app exits",
                describe(ck, w)
            )
        } else {
            format!(
                "{} never completes: `istio-proxy` keeps its pods running after the app exits",
                describe(ck, w)
            )
        },
    );
    if unknown {
        d.severity = Severity::Info;
    }
    d.primary.message = if unknown {
        "pods may get a classic sidecar"
    } else {
        "pods get a classic sidecar"
    }
    .to_owned();
    d.notes.push("a Job completes only when every container of its pod has exited; a classic sidecar runs until it is told to stop, so the pod stays Running and the Job never finishes (a CronJob piles up active Jobs)".to_owned().into());
    d.notes
        .push(format!("native sidecars: {}", native.why).into());
    sidecar_notes(ck, w, &mut d);
    let alternatives = format!(
        "have the app call `curl -X POST localhost:15020/quitquitquit` when done, or opt the Job out of injection with the pod label `{SIDECAR_INJECT}: \"false\"`"
    );
    if ck.cx.istio_version.at_least(1, 24) {
        d.help = Some(format!("use native sidecars (`{NATIVE_SIDECAR}: \"true\"`, Istio 1.24+ on Kubernetes 1.29+); or {alternatives}").into());
        d.fix = add_template_annotation(ck, w, NATIVE_SIDECAR, "\"true\"").map(|e| {
            Fix::new(
                format!("add `{NATIVE_SIDECAR}: \"true\"` to the pod template"),
                Applicability::Unsafe,
                vec![e],
            )
        });
    } else {
        d.help = Some(
            format!(
                "{alternatives}; Istio 1.24+ adds the per-pod switch `{NATIVE_SIDECAR}: \"true\"`"
            )
            .into(),
        );
    }
    Some(d)
}

/// Whether a container's command or args mention the agent's quit endpoint.
fn calls_quit(w: &Workload<'_>) -> bool {
    app_containers(w).iter().any(|c| {
        ["command", "args"].iter().any(|k| {
            c.node.get(k).is_some_and(|l| {
                l.items()
                    .any(|i| i.as_str().is_some_and(|s| s.contains("quitquitquit")))
            })
        })
    })
}
