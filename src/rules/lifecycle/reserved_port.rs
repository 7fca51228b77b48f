use super::{
    app_containers, declares_proxy, describe, probes, sidecar_notes, template_annotations,
};
use crate::diagnostic::Findings;
use crate::model::catalogue::keys::STATUS_PORT;
use crate::model::injection::Mode;
use crate::model::Workload;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports a container port, probe port or Service `targetPort` of a sidecar-injected
    /// workload on a port the proxy uses: 15000 (Envoy admin), 15001 (outbound), 15004 (agent
    /// debug), 15006 (inbound), 15008 (HBONE), 15020 (agent status, or the
    /// `status.sidecar.istio.io/port` chosen instead), 15021 (health), 15053 (DNS proxy),
    /// 15090 (Envoy metrics). For ambient workloads only the ports ztunnel uses inside the pod:
    /// 15001, 15006, 15008.
    ///
    /// ## Why is this bad?
    /// The app and the proxy share the pod's network namespace: whichever binds the port second
    /// fails to start. Even when the app wins, Istio's iptables rules treat these ports
    /// specially (15090, 15021 and the status port are excluded from inbound capture, 15001
    /// and 15006 are the redirect targets), so traffic to the app there bypasses or loops
    /// through the proxy. Probes aimed at 15020 and 15021 are Istio's own health endpoints and
    /// are not reported.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    /// - containerPort: 15090
    ///   name: metrics
    /// ```
    ///
    /// Use instead: any port outside 15000–15090 that Istio does not use, e.g. `9090`.
    ///
    /// ## Fix safety
    /// There is no fix: which port the app should move to, and what else refers to it, is the
    /// owner's call.
    ///
    /// ## References
    /// - Istio source: `pilot/cmd/pilot-agent/status/server.go` (istioReservedPorts); `manifests/charts/istio-control/istio-discovery/files/injection-template.yaml` (istio-iptables `-d 15090,15021,<status port>`)
    /// - [Istio: ports used by Istio](https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio)
    pub static META = {
        code: "MESH405",
        name: "reserved-port",
        area: "lifecycle",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "A container, probe or Service target port that the injected proxy or ztunnel already uses",
    };
}

const SIDECAR_PORTS: &[(u32, &str)] = &[
    (15000, "Envoy's admin interface"),
    (15001, "Envoy's outbound capture listener"),
    (15004, "the agent's debug interface"),
    (15006, "Envoy's inbound capture listener"),
    (15008, "the HBONE mTLS tunnel"),
    (15020, "the agent's status and merged-metrics port"),
    (15021, "Envoy's health check"),
    (15053, "the agent's DNS proxy"),
    (15090, "Envoy's Prometheus metrics"),
];

const AMBIENT_PORTS: &[u32] = &[15001, 15006, 15008];

pub struct ReservedPort;

impl Rule for ReservedPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for w in &ck.index.workloads {
            if declares_proxy(w) {
                continue;
            }
            let mode = ck.injection_mode(w);
            if !matches!(mode, Mode::Sidecar | Mode::Ambient) {
                continue;
            }
            check(ck, w, mode, out);
        }
    }
}

/// What uses `port` in a pod of this mode, if anything.
fn reserved(mode: Mode, port: u32, status_port: u32) -> Option<&'static str> {
    if mode == Mode::Ambient {
        return AMBIENT_PORTS
            .contains(&port)
            .then_some("a port ztunnel listens on inside the pod");
    }
    if port == status_port {
        return Some("the agent's status and merged-metrics port");
    }
    SIDECAR_PORTS
        .iter()
        .find(|(p, _)| *p == port && *p != 15020)
        .map(|(_, what)| *what)
}

fn check(ck: &Checker<'_, '_>, w: &Workload<'_>, mode: Mode, out: &mut Findings) {
    let status_port = template_annotations(w)
        .get(STATUS_PORT)
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(15020);
    let mut found: Vec<(Node<'_>, u32, &'static str, String)> = Vec::new();
    for c in app_containers(w) {
        for p in c.node.get("ports").into_iter().flat_map(|p| p.items()) {
            let Some(node) = p.get("containerPort") else {
                continue;
            };
            let Some(port) = node.as_i64().and_then(|n| u32::try_from(n).ok()) else {
                continue;
            };
            if let Some(what) = reserved(mode, port, status_port) {
                found.push((node, port, what, format!("container `{}`", c.name)));
            }
        }
        for p in probes(c) {
            let (Some(port), Some(node)) = (p.port, p.port_node) else {
                continue;
            };
            if port == status_port || port == 15021 {
                continue; // Istio's own health endpoints
            }
            if let Some(what) = reserved(mode, port, status_port) {
                let probe = p.key.as_str().unwrap_or("probe");
                found.push((node, port, what, format!("`{probe}` of `{}`", c.name)));
            }
        }
    }
    for (node, port, what, place) in found {
        let mut d = ck.diagnostic(
            &META,
            w.object,
            node.span(),
            format!(
                "{place} of {} uses port {port}, which is {what}",
                describe(ck, w)
            ),
        );
        d.primary.message = format!("reserved by Istio: {what}");
        d.notes.push(note(mode).into());
        if mode == Mode::Sidecar {
            sidecar_notes(ck, w, &mut d);
        }
        d.help = Some(
            "move the app to a port Istio does not use"
                .to_owned()
                .into(),
        );
        out.push(d);
    }
    for svc in ck.index.services_selecting(w) {
        let svc_obj = &ck.index.objects[svc.object];
        if svc_obj.labels.contains_key("istio") {
            continue; // Istio's own Services (gateways, istiod)
        }
        for (i, port) in svc.spec.ports.iter().enumerate() {
            use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
            use mesh_lint_kube::k8s_openapi;
            let Some(IntOrString::Int(target)) = &port.target_port else {
                continue;
            };
            let Ok(target) = u32::try_from(*target) else {
                continue;
            };
            let Some(what) = reserved(mode, target, status_port) else {
                continue;
            };
            let Some(node) = svc.port_nodes.get(i).and_then(|p| p.get("targetPort")) else {
                continue;
            };
            let mut d = ck.diagnostic(
                &META,
                svc.object,
                node.span(),
                format!(
                    "Service `{}` sends port {} to port {target} of {}, which is {what}",
                    svc_obj.qualified_name(),
                    port.port,
                    describe(ck, w)
                ),
            );
            d.primary.message = format!("reserved by Istio: {what}");
            d.notes.push(note(mode).into());
            d.related.push(ck.label(
                w.object,
                super::template_anchor(ck, w),
                "the selected workload",
            ));
            d.help = Some(
                "target the port the app listens on, outside Istio's ports"
                    .to_owned()
                    .into(),
            );
            out.push(d);
        }
    }
}

fn note(mode: Mode) -> String {
    match mode {
        Mode::Ambient => "in ambient mode ztunnel listens on 15001, 15006 and 15008 inside the pod's network namespace; an app there cannot bind or is bypassed".to_owned(),
        _ => "the app and the sidecar share one network namespace: whichever binds the port second fails, and Istio's iptables rules treat these ports specially (excluded from capture or used as redirect targets)".to_owned(),
    }
}
