use super::annotation_edit::add_template_annotation;
use super::helm_values::find_helm_value;
use super::{app_containers, describe, is_sidecar, probes, sidecar_notes, template_entry};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix, Severity};
use crate::model::catalogue::keys::{
    EXCLUDE_INBOUND_PORTS, INCLUDE_INBOUND_PORTS, REWRITE_APP_HTTP_PROBERS,
};
use crate::model::lifecycle::{parse_bool, rewrites, ProbeKind};
use crate::model::peer_authn::{MtlsMode, PeerAuthentications};
use crate::model::{ObjectRef, Workload};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Span;

declare_rule! {
    /// ## What it does
    /// Reports `sidecar.istio.io/rewriteAppHTTPProbers: "false"` on an injected pod template
    /// whose httpGet or gRPC probes target a port the sidecar captures while STRICT mTLS
    /// applies to that port (error), or that has tcpSocket probes (warning). STRICT comes from
    /// the PeerAuthentications in the inputs: mesh-wide (root namespace, no selector), the
    /// namespace's, the workload's selector, and its port-level setting.
    ///
    /// ## Why is this bad?
    /// The kubelet sends probes from outside the mesh, without an Istio certificate. Normally
    /// the injector rewrites them to the agent's status port (15020), which probes the app from
    /// inside the pod. With rewriting off, an HTTP or gRPC probe goes through the sidecar; under
    /// STRICT mTLS the sidecar rejects the plain-text connection, so the probe fails: the pod
    /// never becomes Ready, or is restarted forever. A tcpSocket probe is answered by the
    /// sidecar itself (iptables sends every inbound port to Envoy), so it succeeds whenever
    /// Envoy runs, even when the app is dead: the probe checks nothing.
    ///
    /// Rewriting is also off for every pod without the annotation when the installation in the
    /// inputs sets the injector's `sidecarInjectorWebhook.rewriteAppHTTPProbe: false`
    /// (IstioOperator `spec.values`, or the `istio-sidecar-injector` ConfigMap).
    ///
    /// Probes on ports excluded from capture (`traffic.sidecar.istio.io/excludeInboundPorts`,
    /// or not in `includeInboundPorts`) are not affected. Without STRICT, HTTP probes still
    /// work and are not reported.
    ///
    /// ## Example
    /// ```yaml
    /// annotations:
    ///   sidecar.istio.io/rewriteAppHTTPProbers: "false"   # under a STRICT PeerAuthentication
    /// ```
    ///
    /// Use instead: remove the annotation, or exclude the probe port from capture.
    ///
    /// ## Fix safety
    /// The fix sets the annotation to `"true"` (adds it when the global setting is the cause),
    /// which changes how the kubelet reaches the app: **unsafe**.
    ///
    /// ## References
    /// - Istio source: `pkg/kube/inject/app_probe.go` (ShouldRewriteAppHTTPProbers, convertProbe); `pilot/pkg/security/authn/policy_applier.go` (PeerAuthentication composition)
    /// - [Istio: health checking of Istio services](https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/)
    /// - [Istio: PeerAuthentication](https://istio.io/latest/docs/reference/config/security/peer_authentication/)
    pub static META = {
        code: "MESH404",
        name: "probe-rewrite-disabled",
        area: "lifecycle",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: [],
        summary: "Probe rewriting turned off on an injected pod whose probes then fail under STRICT mTLS or check nothing",
    };
}

pub struct ProbeRewriteDisabled;

impl Rule for ProbeRewriteDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let global = global_off(ck);
        let mut policies = None;
        for w in &ck.index.workloads {
            let annotation = template_entry(w, "annotations", REWRITE_APP_HTTP_PROBERS)
                .and_then(|(_, v)| Some((v, v.as_str().and_then(parse_bool)?)));
            // The annotation wins when it parses; otherwise the injector's global setting.
            let off = match (annotation, global) {
                (Some((v, false)), _) => Off::Annotation(v.span()),
                (Some((_, true)), _) => continue,
                (None, Some(at)) => Off::Global(at),
                (None, None) => continue,
            };
            let pa = policies.get_or_insert_with(|| PeerAuthentications::build(ck.index, ck.cx));
            out.extend(check(ck, w, pa, off));
        }
    }
}

/// What turned rewriting off for a pod.
#[derive(Clone, Copy)]
enum Off {
    /// The pod's annotation (its value's span).
    Annotation(Span),
    /// The injector's `sidecarInjectorWebhook.rewriteAppHTTPProbe: false` (object and span).
    Global((ObjectRef, Span)),
}

/// `sidecarInjectorWebhook.rewriteAppHTTPProbe: false` in an IstioOperator's `spec.values`, or
/// `rewriteAppHTTPProbe: false` in the injector ConfigMap's `values`.
fn global_off(ck: &Checker<'_, '_>) -> Option<(ObjectRef, Span)> {
    let is_false =
        |n: mesh_lint_yaml::Node<'_>| n.as_bool() == Some(false) || n.as_str() == Some("false");
    find_helm_value(ck, "sidecarInjectorWebhook.rewriteAppHTTPProbe", |v| {
        is_false(v.value).then(|| (v.object, v.at.span()))
    })
}

fn check(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    pa: &PeerAuthentications,
    off: Off,
) -> Option<Diagnostic> {
    if !is_sidecar(ck, w) {
        return None;
    }
    let annotations = super::template_annotations(w);
    let excluded = port_list(annotations.get(EXCLUDE_INBOUND_PORTS));
    let included = annotations
        .get(INCLUDE_INBOUND_PORTS)
        .filter(|v| v.trim() != "*" && !v.trim().is_empty())
        .map(|v| port_list(Some(v)));
    let captured = |port: u32| {
        !excluded.contains(&port) && included.as_ref().is_none_or(|inc| inc.contains(&port))
    };
    let ns = ck.index.objects[w.object].ns();
    let version = ck.cx.istio_version;
    let mut strict = Vec::new();
    let mut tcp = Vec::new();
    for c in app_containers(w) {
        for p in probes(c) {
            match p.kind {
                // Before 1.13 gRPC probes were not rewritten anyway: the annotation changes nothing.
                ProbeKind::Http | ProbeKind::Grpc if rewrites(version, p.kind) => {
                    let Some(port) = p.port.filter(|&port| captured(port)) else {
                        continue;
                    };
                    let resolved = pa.resolve(ns, &w.labels, port);
                    if resolved.mode == MtlsMode::Strict {
                        strict.push((c.name, p, port, resolved.policy));
                    }
                }
                ProbeKind::Tcp
                    if rewrites(version, ProbeKind::Tcp) && p.port.is_some_and(captured) =>
                {
                    tcp.push((c.name, p));
                }
                _ => {}
            }
        }
    }
    if strict.is_empty() && tcp.is_empty() {
        return None;
    }
    let primary = match off {
        Off::Annotation(span) => span,
        Off::Global(_) => super::template_anchor(ck, w),
    };
    let mut d = if strict.is_empty() {
        let mut d = ck.diagnostic(
            &META,
            w.object,
            primary,
            format!(
                "probe rewriting is off for {}: its tcpSocket probes succeed whenever the sidecar runs, whatever the app does",
                describe(ck, w)
            ),
        );
        d.severity = Severity::Warning;
        d.notes.push("iptables sends every inbound port to Envoy, which accepts the kubelet's TCP connection itself, so a tcpSocket probe no longer tells whether the app listens".to_owned().into());
        d
    } else {
        let mut d = ck.diagnostic(
            &META,
            w.object,
            primary,
            format!(
                "probe rewriting is off for {} while STRICT mTLS applies to its probe ports: the kubelet's probes will fail",
                describe(ck, w)
            ),
        );
        d.notes.push("the kubelet probes from outside the mesh without an Istio certificate; under STRICT mTLS the sidecar rejects the plain-text probe, so the pod never becomes Ready (readiness) or is restarted (liveness)".to_owned().into());
        d
    };
    d.primary.message = match off {
        Off::Annotation(_) => "rewriting disabled here",
        Off::Global(_) => "probes not rewritten",
    }
    .to_owned();
    if let Off::Global((object, span)) = off {
        d.related.push(ck.label(
            object,
            span,
            "the injector's global `rewriteAppHTTPProbe: false`",
        ));
    }
    for (container, p, port, policy) in &strict {
        let span = p.port_node.map_or(p.key.span(), |n| n.span());
        d.related.push(ck.label(
            w.object,
            span,
            format!(
                "`{}` of `{container}` on port {port}",
                p.key.as_str().unwrap_or("probe")
            ),
        ));
        if let Some(policy) = policy {
            let node = ck.index.objects[*policy].node;
            let span = node
                .at_keys("spec.mtls.mode")
                .or_else(|| node.at_keys("spec.portLevelMtls"))
                .map_or(node.span(), |n| n.span());
            let label = ck.label(*policy, span, "STRICT mTLS from this PeerAuthentication");
            if !d.related.contains(&label) {
                d.related.push(label);
            }
        }
    }
    for (container, p) in &tcp {
        let span = p.port_node.map_or(p.key.span(), |n| n.span());
        d.related.push(ck.label(
            w.object,
            span,
            format!(
                "tcpSocket `{}` of `{container}`",
                p.key.as_str().unwrap_or("probe")
            ),
        ));
    }
    sidecar_notes(ck, w, &mut d);
    let file = ck.index.objects[w.object].file;
    let (help, edit) = match off {
        Off::Annotation(span) => (
            "remove the annotation (rewriting is on by default), or exclude the probe port with `traffic.sidecar.istio.io/excludeInboundPorts`",
            Some(Edit {
                file,
                span,
                content: "\"true\"".to_owned(),
            }),
        ),
        Off::Global(_) => (
            "turn the injector's `rewriteAppHTTPProbe` back on, or set the pod annotation; or exclude the probe port with `traffic.sidecar.istio.io/excludeInboundPorts`",
            add_template_annotation(ck, w, REWRITE_APP_HTTP_PROBERS, "\"true\""),
        ),
    };
    d.help = Some(help.to_owned().into());
    d.fix = edit.map(|e| {
        Fix::new(
            format!("set `{REWRITE_APP_HTTP_PROBERS}: \"true\"` on the pod template"),
            Applicability::Unsafe,
            vec![e],
        )
    });
    Some(d)
}

/// A comma-separated port list as the injector trims it; bad entries are MESH403's.
fn port_list(v: Option<&String>) -> Vec<u32> {
    v.map(|v| v.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .unwrap_or_default()
}
