use super::annotation_edit::{merge_proxy_config, Moved};
use super::helm_values::find_helm_value;
use super::{
    describe, is_sidecar, sidecar_notes, template_anchor, template_annotations, template_entry,
};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::catalogue::keys::{NATIVE_SIDECAR, PROXY_CONFIG};
use crate::model::lifecycle::{hold, native_sidecars, HoldSource, Native};
use crate::model::proxy_config::{self, HOLD};
use crate::model::{ObjectRef, Workload};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Span;

declare_rule! {
    /// ## What it does
    /// Reports a sidecar-injected workload whose application container can start before its
    /// Envoy proxy is ready: `holdApplicationUntilProxyStarts` is true neither in the pod
    /// template's `proxy.istio.io/config` annotation nor in MeshConfig's `defaultConfig`, and
    /// the pod does not get a native sidecar.
    ///
    /// ## Why is this bad?
    /// Without hold, the kubelet starts the app and `istio-proxy` side by side. The app's first
    /// outbound connections go through iptables to an Envoy that has no configuration yet and
    /// fail (connection refused, 503), so apps that call a database or another service at
    /// start-up crash-loop or start degraded. With hold, the injector puts `istio-proxy` first
    /// and adds a `postStart` hook (`pilot-agent wait`) that blocks the app until Envoy is
    /// ready. A `proxy.istio.io/config` on the Deployment's own metadata does not count: Istio
    /// reads only the pod template (MESH402).
    ///
    /// Native sidecars (an init container with `restartPolicy: Always`) make hold unnecessary,
    /// and the template ignores hold with them since Istio 1.21. From 1.27 istiod decides
    /// native sidecars itself (`ENABLE_NATIVE_SIDECARS=auto`: on when every node's kubelet is
    /// 1.33 or newer), which manifests do not show. Current clusters meet that, so on 1.27+
    /// the rule stays silent unless `--native-sidecars false` (or the config key
    /// `native-sidecars: "false"`, or istiod's env in the inputs) says native sidecars are off.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         proxy.istio.io/config: '{"concurrency": 2}'
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///         proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true, "concurrency": 2}'
    /// ```
    ///
    /// ## Fix safety
    /// The fix merges `holdApplicationUntilProxyStarts: true` into the pod template's
    /// `proxy.istio.io/config` (keeping its other fields, its JSON or YAML form and quoting),
    /// or adds the annotation; when the Deployment's own metadata carries the annotation, the
    /// fix moves it into the template first. It changes start-up order, so it is **unsafe**.
    /// A pod that sets the field to `false` on purpose is not reported.
    ///
    /// ## References
    /// - Istio source: `manifests/charts/istio-control/istio-discovery/files/injection-template.yaml` (`$holdProxy`); `pkg/kube/inject/webhook.go` reorderPod; `pkg/config/mesh/mesh.go` MergeProxyConfig
    /// - [Istio: ProxyConfig `holdApplicationUntilProxyStarts`](https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig)
    /// - [Istio blog: native sidecars](https://istio.io/latest/blog/2023/native-sidecars/)
    pub static META = {
        code: "MESH401",
        name: "hold-until-proxy-missing",
        area: "lifecycle",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: [],
        summary: "An injected workload whose app can start before its proxy (holdApplicationUntilProxyStarts not set)",
    };
}

pub struct HoldUntilProxyMissing;

impl Rule for HoldUntilProxyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        // The template holds when the ProxyConfig says so *or* the injector's Helm value does
        // (`$holdProxy := or ProxyConfig... Values.global.proxy.holdApplicationUntilProxyStarts`),
        // so that value, when the inputs hold the installation, holds every pod.
        let HelmHold::Off(helm) = values_hold(ck) else {
            return;
        };
        out.extend(ck.index.workloads.iter().filter_map(|w| check(ck, w, helm)));
    }
}

/// The injector's Helm value `global.proxy.holdApplicationUntilProxyStarts`, from an
/// IstioOperator's `spec.values` or the rendered `istio-sidecar-injector` ConfigMap's `values`.
enum HelmHold {
    /// Set to true somewhere: every pod is held.
    On,
    /// Not true anywhere; where it is written (as false), if it is.
    Off(Option<(ObjectRef, Span)>),
}

fn values_hold(ck: &Checker<'_, '_>) -> HelmHold {
    let is_true =
        |n: mesh_lint_yaml::Node<'_>| n.as_bool() == Some(true) || n.as_str() == Some("true");
    let mut written = None;
    let on = find_helm_value(ck, "global.proxy.holdApplicationUntilProxyStarts", |v| {
        if is_true(v.value) {
            return Some(());
        }
        written.get_or_insert((v.object, v.at.span()));
        None
    });
    match on {
        Some(()) => HelmHold::On,
        None => HelmHold::Off(written),
    }
}

fn check(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    helm: Option<(ObjectRef, Span)>,
) -> Option<Diagnostic> {
    if !is_sidecar(ck, w) {
        return None;
    }
    let annotations = template_annotations(w);
    let native = native_sidecars(ck.cx, &annotations);
    // `auto` (1.27+) is on for current clusters (kubelet 1.33+), where hold is moot: a finding
    // on every workload would mostly be wrong. `--native-sidecars false` brings it back.
    if native.native != Native::Off {
        return None;
    }
    let pod_entry = template_entry(w, "annotations", PROXY_CONFIG);
    let pod_config = match pod_entry {
        Some((_, v)) => Some(proxy_config::parse(v.as_str()?)),
        None => None,
    };
    if pod_config
        .as_ref()
        .is_some_and(|c| c.fields.is_empty() && !c.problems.is_empty())
    {
        return None; // not readable: MESH403's finding
    }
    let (on, source) = hold(ck.cx, pod_config.as_ref());
    if on || source == HoldSource::Pod {
        return None;
    }
    let object = &ck.index.objects[w.object];
    let misplaced = (!w.template_path.is_empty())
        .then(|| object.node.at_keys("metadata.annotations"))
        .flatten()
        .and_then(|a| a.get_entry(PROXY_CONFIG));

    let span = pod_entry.map_or_else(|| template_anchor(ck, w), |(k, _)| k.span());
    let mut d = ck.diagnostic(
        &META,
        w.object,
        span,
        format!(
            "{} can start its app before the Envoy proxy is ready: `{HOLD}` is not set",
            describe(ck, w)
        ),
    );
    d.primary.message = "hold is not set for these pods".to_owned();
    d.notes.push(
        "without hold the app and `istio-proxy` start together; connections the app opens before Envoy has its configuration fail (refused or 503), so apps that connect at start-up crash-loop or start degraded"
            .to_owned().into(),
    );
    if let Some((k, v)) = misplaced {
        let moved = proxy_config::parse(v.as_str().unwrap_or(""));
        let what = if moved.hold == Some(true) {
            "sets hold here, but Istio reads `proxy.istio.io/config` only on the pod template"
        } else {
            "Istio ignores `proxy.istio.io/config` here: it reads only the pod template"
        };
        d.related.push(ck.label(w.object, k.span(), what));
    }
    if let Some((object, span)) = helm {
        d.related.push(ck.label(
            object,
            span,
            "the injector's `global.proxy.holdApplicationUntilProxyStarts` is not true: it holds no pod",
        ));
    }
    d.notes
        .push(format!("native sidecars: {}", native.why).into());
    sidecar_notes(ck, w, &mut d);
    let mut help = format!("or set `meshConfig.defaultConfig.{HOLD}: true` for the whole mesh");
    if helm.is_some() {
        help.push_str(", or the injector's Helm value shown to `true`");
    }
    if ck.cx.istio_version.at_least(1, 24) {
        help.push_str(&format!(
            ", or use native sidecars (`{NATIVE_SIDECAR}: \"true\"` on the pod template), which make hold unnecessary"
        ));
    }
    d.help = Some(help.into());
    let moved = misplaced.map(|(key, value)| Moved {
        section: "annotations",
        key,
        value,
    });
    let extra = [(HOLD.to_owned(), "true".to_owned())];
    d.fix = merge_proxy_config(ck, w, moved, &extra).map(|edits| {
        Fix::new(
            format!("set `{HOLD}: true` in the pod template's `{PROXY_CONFIG}`"),
            Applicability::Unsafe,
            edits,
        )
    });
    Some(d)
}
