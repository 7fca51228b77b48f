use super::{live_virtual_services, object_name, Vs};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::hosts::resolve;
use crate::model::routing::MESH_GATEWAY;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Node;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reports an HTTP route of a gateway-bound VirtualService that sends requests to a
    /// service, without a `subset`, when another VirtualService bound to sidecars (`mesh`)
    /// shapes that service's traffic: routes to subsets, splits by weight, sends to other
    /// hosts, or adds retries, timeouts, faults, mirroring, rewrites, redirects, header changes
    /// or a CORS policy. The sidecar VirtualService is named with what the gateway skips.
    ///
    /// Hosts are compared resolved (short names in each VirtualService's namespace). A
    /// sidecar VirtualService that only forwards to the service changes nothing and is not
    /// reported, nor a gateway route that picks a subset itself.
    ///
    /// ## Why is this bad?
    /// A gateway applies only the VirtualServices bound to it. A request it forwards to
    /// `reviews` goes straight to the endpoints of `reviews`' cluster: the canary split,
    /// subset pinning, retries or fault injection that the mesh VirtualService for `reviews`
    /// defines apply to requests from sidecars only, so traffic entering through the gateway
    /// quietly ignores them. Istio's documentation lists this as "Route rules have no effect
    /// on ingress gateway requests"; istioctl reports it (for subsets) as IST0140.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: front, namespace: shop}
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [istio-system/public]
    ///   http: [{route: [{destination: {host: reviews}}]}]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: reviews, namespace: shop}
    /// spec:
    ///   hosts: [reviews]
    ///   http: [{route: [{destination: {host: reviews, subset: v1}}]}]
    /// ```
    ///
    /// Use instead: bind the routing to the gateway too (`gateways: [istio-system/public,
    /// mesh]` with the gateway's host in `hosts`), delegate both to one VirtualService, or
    /// route the gateway to the subset it should use.
    ///
    /// ## Fix safety
    /// No fix: whether gateway traffic should follow the mesh routing is a decision.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/virtualservice/destinationhosts.go` analyzeSubset (IST0140)
    /// - [Istio: Route rules have no effect on ingress gateway requests](https://istio.io/latest/docs/ops/common-problems/network-issues/#route-rules-have-no-effect-on-ingress-gateway-requests)
    pub static META = {
        code: "MESH311",
        name: "gateway-skips-mesh-routing",
        area: "hosts",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0140"],
        summary: "A gateway route to a service whose sidecar VirtualService shapes traffic (subsets, splits, retries...) that the gateway ignores",
    };
}

pub struct GatewaySkipsMeshRouting;

impl Rule for GatewaySkipsMeshRouting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Routing, Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let routing = ck.routing();
        let domain = &ck.cx.cluster_domain;
        for (i, vs) in live_virtual_services(ck) {
            let gateways: Vec<&String> = routing
                .gateways_of(i)
                .iter()
                .filter(|g| *g != MESH_GATEWAY)
                .collect();
            let Some(&gateway) = gateways.first() else {
                continue;
            };
            let ns = ck.index.objects[vs.object].ns();
            // Destination host -> its subset-less route destinations, in order.
            let mut dests: BTreeMap<String, Vec<Node<'_>>> = BTreeMap::new();
            for rule in items(vs.spec_node.get("http")) {
                for rd in items(rule.get("route")) {
                    let Some(dest) = rd.get("destination") else {
                        continue;
                    };
                    let has_subset = dest
                        .get("subset")
                        .and_then(|s| s.as_str())
                        .is_some_and(|s| !s.is_empty());
                    let Some(host) = dest.get("host").filter(|_| !has_subset) else {
                        continue;
                    };
                    let Some(h) = host.as_str().filter(|h| !h.is_empty()) else {
                        continue;
                    };
                    dests.entry(resolve(h, ns, domain)).or_default().push(host);
                }
            }
            for (host, nodes) in &dests {
                let shapers: Vec<(usize, Vec<&'static str>)> = routing
                    .virtual_services_for(host)
                    .into_iter()
                    .filter(|&m| m != i && routing.binds_mesh(m))
                    .map(|m| (m, &ck.index.virtual_services[m]))
                    .filter(|(_, m)| !ck.index.objects[m.object].is_shadowed())
                    .filter(|(_, m)| defines_exactly(ck, m, host))
                    .map(|(m, mv)| (m, shaping(ck, mv, host)))
                    .filter(|(_, what)| !what.is_empty())
                    .collect();
                if shapers.is_empty() {
                    continue;
                }
                out.push(report(ck, vs, gateway, host, nodes, &shapers));
            }
        }
    }
}

fn items<'a>(n: Option<Node<'a>>) -> impl Iterator<Item = Node<'a>> {
    n.into_iter().flat_map(|n| n.items())
}

/// Whether `m` lists `host` itself (resolved), not only a wildcard covering it.
fn defines_exactly(ck: &Checker<'_, '_>, m: Vs<'_, '_>, host: &str) -> bool {
    let ns = ck.index.objects[m.object].ns();
    m.spec
        .hosts
        .iter()
        .any(|h| resolve(h, ns, &ck.cx.cluster_domain) == host)
}

/// What the sidecar VirtualService `m` does to requests for `host` beyond forwarding them.
fn shaping(ck: &Checker<'_, '_>, m: Vs<'_, '_>, host: &str) -> Vec<&'static str> {
    let ns = ck.index.objects[m.object].ns();
    let mut out: Vec<&'static str> = Vec::new();
    let mut add = |w: &'static str| {
        if !out.contains(&w) {
            out.push(w);
        }
    };
    for rule in items(m.spec_node.get("http")) {
        let routes: Vec<Node<'_>> = items(rule.get("route")).collect();
        for rd in &routes {
            let Some(dest) = rd.get("destination") else {
                continue;
            };
            if dest
                .get("subset")
                .and_then(|s| s.as_str())
                .is_some_and(|s| !s.is_empty())
            {
                add("subset routing");
            }
            let to = dest.get("host").and_then(|h| h.as_str()).unwrap_or("");
            if !to.is_empty() && resolve(to, ns, &ck.cx.cluster_domain) != host {
                add("routing to other hosts");
            }
        }
        if routes.len() > 1 {
            add("weighted splits");
        }
        for (key, word) in [
            ("fault", "fault injection"),
            ("mirror", "mirroring"),
            ("mirrors", "mirroring"),
            ("retries", "retries"),
            ("timeout", "a timeout"),
            ("rewrite", "rewrites"),
            ("redirect", "redirects"),
            ("directResponse", "direct responses"),
            ("headers", "header changes"),
            ("corsPolicy", "a CORS policy"),
            ("delegate", "delegation"),
        ] {
            if rule.get(key).is_some_and(|n| !n.is_null()) {
                add(word);
            }
        }
    }
    out
}

fn report(
    ck: &Checker<'_, '_>,
    vs: Vs<'_, '_>,
    gateway: &str,
    host: &str,
    nodes: &[Node<'_>],
    shapers: &[(usize, Vec<&'static str>)],
) -> Diagnostic {
    let names: Vec<String> = shapers
        .iter()
        .map(|(m, _)| object_name(ck, ck.index.virtual_services[*m].object))
        .collect();
    let what = &shapers[0].1;
    let message = format!(
        "requests from gateway `{gateway}` to `{host}` skip the {} of {}",
        join_words(what),
        names.join(", ")
    );
    let mut d = ck.diagnostic(&META, vs.object, nodes[0].span(), message);
    d.primary.message = "sent straight to the service's endpoints".into();
    for (m, what) in shapers {
        let mv = &ck.index.virtual_services[*m];
        let span = mv
            .spec_node
            .get("hosts")
            .and_then(|h| {
                let ns = ck.index.objects[mv.object].ns();
                h.items().find(|i| {
                    i.as_str()
                        .is_some_and(|s| resolve(s, ns, &ck.cx.cluster_domain) == host)
                })
            })
            .unwrap_or(mv.spec_node)
            .span();
        d.related.push(ck.label(
            mv.object,
            span,
            format!("applies {} to sidecars only", join_words(what)),
        ));
    }
    if nodes.len() > 1 {
        d.notes.push(
            format!(
                "{} more routes of this VirtualService go to `{host}` without a subset",
                nodes.len() - 1
            )
            .into(),
        );
    }
    d.notes.push(
        "a gateway applies only the VirtualServices bound to it: what it forwards to a service goes to that service's endpoints directly, and the routing a `mesh` VirtualService defines for the service applies to requests from sidecars only (istioctl IST0140)"
            .into(),
    );
    d.help = Some(format!(
        "to give gateway traffic the same routing, bind one VirtualService to both `{gateway}` and `mesh` (its hosts: the gateway's and `{host}`), or delegate both to one VirtualService; or pick a subset here"
    ).into());
    d
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
