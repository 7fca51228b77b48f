use super::{gateway_name, proxy_words};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::gateways::proxies::ProxyKind;
use crate::model::gateways::servers::Gateway;
use crate::model::gateways::Gateways;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Reports a Gateway server whose port no Service of its gateway pods exposes: the port is
    /// neither a port nor a target port of any Service that selects the pods the Gateway
    /// selects (TCP ports only, as istioctl's IST0162).
    ///
    /// The gateway pods are the gateway workloads of the inputs with the Services that select
    /// them, or, when the inputs do not hold them, the gateways Istio installs with the ports
    /// of their Services in any install profile (`istio-ingressgateway`: 15021, 80, 8080, 443,
    /// 8443, 31400, 15443). A gateway workload no Service of the inputs selects, a selector
    /// that matches nothing known, and a Gateway that is a kustomize patch of an earlier copy
    /// (its overlay may re-point the Services too) are not judged.
    ///
    /// ## Why is this bad?
    /// The gateway proxy opens the listener, but clients reach the pods through the Service
    /// (a LoadBalancer, NodePort or ClusterIP): a port the Service does not carry is never
    /// reached, so the server's hosts are unreachable from outside the pod.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: admin, namespace: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 8004, name: http-admin, protocol: HTTP}
    ///       hosts: ["admin.example.com"]
    /// ```
    ///
    /// Use instead: a port the gateway Service exposes (80 or 443), or add `8004` to the
    /// gateway's Service.
    ///
    /// ## Fix safety
    /// No fix: whether to change the Gateway or the Service is a decision.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/gateway/gateway.go` IngressGatewayPortAnalyzer (IST0162); `pilot/pkg/model/gateway.go` resolvePorts (Service ports translated to target ports)
    /// - [Istio: Ingress Gateways](https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/)
    pub static META = {
        code: "MESH502",
        name: "gateway-port-not-exposed",
        area: "gateways",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0162"],
        summary: "A Gateway server port that no Service of the gateway pods exposes",
    };
}

pub struct PortNotExposed;

impl Rule for PortNotExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        for (gi, gw) in model.gateways.iter().enumerate() {
            check_gateway(ck, model, gi, gw, out);
        }
    }
}

fn check_gateway(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    gi: usize,
    gw: &Gateway<'_>,
    out: &mut Findings,
) {
    // An overlay that patches the Gateway's selector may patch the Services too.
    if gw.patch {
        return;
    }
    let known: Vec<usize> = model
        .known_proxies(gi)
        .filter(|(_, p)| p.ports_known())
        .map(|(i, _)| i)
        .collect();
    if known.is_empty() {
        return;
    }
    for s in &gw.servers {
        let Some(port) = &s.port else { continue };
        let answers: Vec<bool> = known
            .iter()
            .filter_map(|&p| model.proxies[p].exposes(port.number))
            .collect();
        if answers.iter().any(|&a| a) {
            continue;
        }
        out.push(report(ck, model, gw, &known, port.number, s.port_node()));
    }
}

fn report(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    gw: &Gateway<'_>,
    proxies: &[usize],
    number: u32,
    node: mesh_lint_yaml::Node<'_>,
) -> Diagnostic {
    let first = proxies[0];
    let mut ports = BTreeSet::new();
    let mut installed = false;
    let mut d = ck.diagnostic(
        &META,
        gw.object,
        node.span(),
        format!(
            "port {number} of {} is not exposed by the Service of its gateway pods ({})",
            gateway_name(gw),
            proxy_words(ck, model, first)
        ),
    );
    d.primary.message = "no Service port or target port".into();
    for &p in proxies {
        let proxy = &model.proxies[p];
        match proxy.kind {
            ProxyKind::Installed(g) => {
                installed = true;
                ports.extend(g.ports.iter().copied());
            }
            _ => {
                for m in proxy.services.iter().flatten() {
                    ports.insert(m.port);
                    if m.target != m.port {
                        ports.insert(m.target);
                    }
                    let Some(si) = m.service else { continue };
                    let svc = &ck.index.services[si];
                    if let Some(n) = svc.port_nodes.get(m.port_index) {
                        d.related.push(ck.label(
                            svc.object,
                            n.span(),
                            format!("port {} → {} of the gateway Service", m.port, m.target),
                        ));
                    }
                }
            }
        }
    }
    let list = ports
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    d.notes.push(format!(
        "the gateway pods listen on {number}, but clients reach them through the Service, which carries only {list} (ports and target ports); the Gateway's selector is `{}`",
        gw.selector_text()
    ).into());
    if installed {
        d.notes.push(
            "the inputs do not hold this gateway: its Service ports are assumed from Istio's install profiles; if your installation adds the port, this finding does not apply".into(),
        );
    }
    if proxies.len() > 1 {
        d.notes.push(
            format!(
                "the selector also matches {} other gateway pods, none exposing the port",
                proxies.len() - 1
            )
            .into(),
        );
    }
    d.help = Some(
        format!(
        "use a port the Service exposes ({list}), or add port {number} to the gateway's Service"
    )
        .into(),
    );
    d
}
