use super::gateway_name;
use super::unknown_gateway::gateway_entries;
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::gateways::servers::{hosts_overlap, Gateway};
use crate::model::gateways::{GatewayRef, Gateways};
use crate::model::IstioObject;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_kube::istio::VirtualServiceSpec;
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Compares a VirtualService's `hosts` with the hosts of the Gateways it binds to:
    ///
    /// - a Gateway that serves none of the VirtualService's hosts (as istioctl's IST0132): the
    ///   binding does nothing on that gateway. A Gateway without servers serves nothing;
    /// - when every gateway entry names a Gateway of the inputs and the VirtualService is not
    ///   bound to `mesh`, a host that none of them serves: that host's routes exist nowhere.
    ///
    /// A server host `ns/host` admits only VirtualServices of namespace `ns` (`./host`: the
    /// Gateway's namespace; `*/host` or `host`: any), and hosts match as Istio matches them
    /// (`*.example.com` covers `shop.example.com`, `*` covers everything). A Gateway API
    /// Gateway serves the hostnames of its listeners, or every host when a listener has none.
    ///
    /// ## Why is this bad?
    /// pilot builds a gateway's routes from the VirtualServices whose hosts match the server's
    /// hosts (`pilot/pkg/networking/core/gateway.go`); the others are silently left out, so
    /// requests for those hosts get 404 from the gateway.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: web, namespace: istio-system}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 80, name: http, protocol: HTTP}
    ///       hosts: ["shop.example.com"]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: blog, namespace: blog}
    /// spec:
    ///   hosts: ["blog.example.com"]
    ///   gateways: [istio-system/web]
    ///   http:
    ///     - route: [{destination: {host: blog}}]
    /// ```
    ///
    /// Use instead: add `blog.example.com` to the Gateway's server hosts, or bind the
    /// VirtualService to the Gateway that serves it.
    ///
    /// ## Fix safety
    /// No fix: whether the Gateway or the VirtualService is wrong is a decision.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/virtualservice/gateways.go` vsHostInGateway, vsHostInKubernetesGateway (IST0132); `pkg/config/host/name.go` Matches; `pilot/pkg/model/gateway.go` sanitizeServerHostNamespace
    /// - [Istio: Gateway server hosts](https://istio.io/latest/docs/reference/config/networking/gateway/#Server)
    pub static META = {
        code: "MESH508",
        name: "virtual-service-host-not-in-gateway",
        area: "gateways",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0132"],
        summary: "A VirtualService bound to a Gateway that serves none of its hosts, or with a host none of its Gateways serves",
    };
}

pub struct VirtualServiceHost;

impl Rule for VirtualServiceHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        for vs in &ck.index.virtual_services {
            if ck.index.objects[vs.object].is_shadowed() {
                continue;
            }
            check_vs(ck, model, vs, out);
        }
    }
}

/// What a gateway serves to a VirtualService of one namespace.
struct Served<'g> {
    node: Node<'g>,
    name: String,
    /// Host patterns it admits the VirtualService's hosts under; `None`: every host.
    hosts: Option<Vec<String>>,
    /// Hosts it has that only other namespaces may bind, for the note.
    other_ns: Vec<String>,
    /// An Istio Gateway without servers.
    empty: bool,
    object: usize,
}

fn check_vs(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    vs: &IstioObject<'_, VirtualServiceSpec<'_>>,
    out: &mut Findings,
) {
    let ns = ck.index.objects[vs.object].ns();
    let hosts: Vec<(Node<'_>, &str)> = vs
        .spec_node
        .get("hosts")
        .map(|h| h.items().filter_map(|n| Some((n, n.as_str()?))).collect())
        .unwrap_or_default();
    if hosts.is_empty() {
        return;
    }
    let mut all_known = true;
    let mut mesh = false;
    let mut served: Vec<Served<'_>> = Vec::new();
    for (node, entry) in gateway_entries(vs) {
        match model.resolve(entry, ns).1 {
            GatewayRef::Mesh => mesh = true,
            GatewayRef::Istio(i) => served.push(istio_hosts(node, &model.gateways[i], ns)),
            GatewayRef::Kube(k) => {
                let gw = &model.kube[k];
                let hosts = (!gw.hostnames.iter().any(Option::is_none)).then(|| {
                    gw.hostnames
                        .iter()
                        .flatten()
                        .map(|h| (*h).to_owned())
                        .collect()
                });
                served.push(Served {
                    node,
                    name: format!("Gateway API Gateway `{}/{}`", gw.ns, gw.name),
                    hosts,
                    other_ns: Vec::new(),
                    empty: gw.hostnames.is_empty(),
                    object: gw.object,
                });
            }
            GatewayRef::Internal | GatewayRef::Missing => all_known = false,
        }
    }
    let matches = |s: &Served<'_>, h: &str| {
        s.hosts
            .as_ref()
            .is_none_or(|list| list.iter().any(|g| hosts_overlap(g, h)))
            && !s.empty
    };
    let mut dead_binding = false;
    for s in &served {
        if hosts.iter().any(|(_, h)| matches(s, h)) {
            continue;
        }
        dead_binding = true;
        out.push(no_host(ck, vs, s, &hosts));
    }
    if dead_binding || mesh || !all_known || served.is_empty() {
        return;
    }
    for (node, h) in &hosts {
        if served.iter().any(|s| matches(s, h)) {
            continue;
        }
        let names = served
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let o = &ck.index.objects[vs.object];
        let mut d = ck.diagnostic(
            &META,
            vs.object,
            node.span(),
            format!(
                "host `{h}` of VirtualService `{}` is served by none of its gateways ({names})",
                o.qualified_name()
            ),
        );
        d.primary.message = "not a host of any bound gateway".into();
        d.notes.push(
            "pilot adds a VirtualService's routes to a gateway only for the hosts its servers accept; this host gets no route anywhere (the VirtualService is not bound to `mesh`)".into(),
        );
        d.help = Some("add the host to a server of one of the Gateways, or remove it".into());
        out.push(d);
    }
}

fn istio_hosts<'g>(node: Node<'g>, gw: &Gateway<'_>, vs_ns: &str) -> Served<'g> {
    let mut hosts = Vec::new();
    let mut other_ns = Vec::new();
    for s in &gw.servers {
        for h in &s.hosts {
            match &h.namespace {
                Some(n) if n != vs_ns => {
                    other_ns.push(h.node.as_str().unwrap_or(h.host).to_owned())
                }
                _ => hosts.push(h.host.to_owned()),
            }
        }
    }
    Served {
        node,
        name: gateway_name(gw),
        hosts: Some(hosts),
        other_ns,
        empty: gw.servers.is_empty(),
        object: gw.object,
    }
}

fn no_host(
    ck: &Checker<'_, '_>,
    vs: &IstioObject<'_, VirtualServiceSpec<'_>>,
    s: &Served<'_>,
    hosts: &[(Node<'_>, &str)],
) -> Diagnostic {
    let o = &ck.index.objects[vs.object];
    let list = hosts
        .iter()
        .map(|(_, h)| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = ck.diagnostic(
        &META,
        vs.object,
        s.node.span(),
        format!(
            "{} serves none of the hosts of VirtualService `{}` ({list})",
            s.name,
            o.qualified_name()
        ),
    );
    d.primary.message = "no matching host on this gateway".into();
    let gw_node = ck.index.objects[s.object].node;
    let servers = gw_node
        .at_keys("spec.servers")
        .or_else(|| gw_node.at_keys("spec.listeners"))
        .filter(|_| !s.empty);
    match servers {
        Some(n) => d
            .related
            .push(ck.label(s.object, n.span(), "the hosts it serves")),
        None => d
            .related
            .push(ck.label(s.object, super::name_span(ck, s.object), "no servers")),
    }
    if s.empty {
        d.notes
            .push("the Gateway has no servers, so nothing is bound to it".into());
    } else {
        let served = s
            .hosts
            .iter()
            .flatten()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ");
        d.notes.push(format!(
            "it serves {}; pilot adds the VirtualService's routes to a gateway only for hosts its servers accept, so this binding does nothing",
            if served.is_empty() { "no host for this namespace".to_owned() } else { served }
        ).into());
    }
    if !s.other_ns.is_empty() {
        d.notes.push(
            format!(
                "{} admits only VirtualServices of the namespace before the `/`, not of `{}`",
                s.other_ns
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                o.ns()
            )
            .into(),
        );
    }
    d.help = Some("add the hosts to a server of the Gateway, or bind the VirtualService to the Gateway that serves them".into());
    d
}
