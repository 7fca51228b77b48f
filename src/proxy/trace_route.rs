//! The end of a trace, once a filter chain with a cluster matched: the VirtualService that
//! sidecars apply to the host (`gateways` including `mesh`, exported to the client), the
//! DestinationRule Istio's lookup picks (subset, TLS mode), and the cluster with where its
//! endpoints come from (EDS from selected pods, STRICT_DNS to an ExternalName or a
//! ServiceEntry, ORIGINAL_DST for resolution NONE and headless Services).

use super::listeners::ListenerRow;
use super::trace::{
    cluster_of, row_host, row_listener_source, vs_visible, Request, Step, Trace, Verdict,
};
use super::Origin;
use crate::model::listeners::ListenerSource;
use crate::rules::Checker;
use mesh_lint_yaml::Node;

/// The route a request with no particular attributes takes: the first route without match
/// conditions (Envoy tries routes in order and the first match wins), with the number of
/// conditional routes before it; when every route has conditions, the first of them.
struct Chosen<'a> {
    host: String,
    subset: String,
    node: Node<'a>,
    conditional_before: usize,
    all_conditional: bool,
}

fn default_destination<'a>(spec: Node<'a>, http: bool) -> Option<Chosen<'a>> {
    let kinds: &[&str] = if http { &["http"] } else { &["tcp", "tls"] };
    let destination = |route: Node<'a>| -> Option<(String, String, Node<'a>)> {
        let dest = route.get("route")?.items().next()?.get("destination")?;
        let host = dest.get("host")?.as_str()?.to_owned();
        let subset = dest.get("subset").and_then(|s| s.as_str()).unwrap_or("");
        Some((host, subset.to_owned(), dest))
    };
    kinds.iter().find_map(|k| {
        let routes: Vec<Node<'a>> = spec.get(k)?.items().collect();
        let conditional = |r: &Node<'a>| r.get("match").is_some_and(|m| m.items().next().is_some());
        let (index, all_conditional) = match routes.iter().position(|r| !conditional(r)) {
            Some(i) => (i, false),
            None => (0, true),
        };
        let (host, subset, node) = destination(*routes.get(index)?)?;
        Some(Chosen {
            host,
            subset,
            node,
            conditional_before: index,
            all_conditional,
        })
    })
}

pub(super) fn finish(
    ck: &Checker<'_, '_>,
    req: &Request<'_>,
    row: &ListenerRow,
    dialled: &str,
    diverted: bool,
    t: &mut Trace,
) {
    let Some(mut host) = row_host(row).map(str::to_owned) else {
        return;
    };
    let routing = ck.routing();
    let http = row.matches.starts_with("Host:");
    let mut subset = String::new();
    let vs = routing
        .virtual_services_for(&host)
        .into_iter()
        .find(|&v| routing.binds_mesh(v) && vs_visible(ck, v, req.from_ns));
    match vs {
        Some(v) => {
            let vs = &ck.index.virtual_services[v];
            let mut notes = Vec::new();
            let mut origins = vec![Origin::of(ck, vs.object, Some(vs.spec_node.span()))];
            if let Some(chosen) = default_destination(vs.spec_node, http) {
                let ns = ck.index.objects[vs.object].ns();
                host = crate::model::hosts::resolve(&chosen.host, ns, &ck.cx.cluster_domain);
                subset = chosen.subset;
                origins.insert(0, Origin::of(ck, vs.object, Some(chosen.node.span())));
                let to = format!(
                    "`{host}`{}",
                    if subset.is_empty() {
                        String::new()
                    } else {
                        format!(" subset `{subset}`")
                    }
                );
                notes.push(match (chosen.all_conditional, chosen.conditional_before) {
                    (true, _) => format!("every route has match conditions, which a trace cannot evaluate offline; the first sends matching requests to {to}, and a request matching none gets no route (404)"),
                    (false, 0) => format!("the first route has no match conditions and sends everything to {to}"),
                    (false, n) => format!("the first route without match conditions sends it to {to}; {n} route(s) before it with match conditions (not evaluated offline) take the requests they match"),
                });
            }
            t.steps.push(Step {
                step: "route",
                title: format!(
                    "VirtualService `{}` routes `{}`",
                    origins[0].name,
                    row_host(row).unwrap_or("")
                ),
                verdict: Verdict::Ok,
                notes,
                origins,
            });
        }
        None => t.steps.push(Step {
            step: "route",
            title: format!("no VirtualService for `{host}`: the default route to its own cluster"),
            verdict: Verdict::Ok,
            notes: Vec::new(),
            origins: Vec::new(),
        }),
    }

    let host_ns = crate::model::hosts::split_service_fqdn(&host, &ck.cx.cluster_domain)
        .map(|(_, ns)| ns.to_owned());
    if let Some(choice) = routing.destination_rule(req.from_ns, &host, host_ns.as_deref()) {
        let mut notes = vec![format!(
            "taken from namespace `{}` ({:?}) for host key `{}`",
            choice.namespace, choice.step, choice.host
        )];
        let mut origins = Vec::new();
        for &i in &choice.rules {
            let dr = &ck.index.destination_rules[i];
            origins.push(Origin::of(ck, dr.object, Some(dr.spec_node.span())));
            let mut tls = dr.spec_node.at_keys("trafficPolicy.tls.mode");
            if !subset.is_empty() {
                let sub = dr
                    .spec_node
                    .get("subsets")
                    .into_iter()
                    .flat_map(|s| s.items())
                    .find(|s| s.get("name").and_then(|n| n.as_str()) == Some(subset.as_str()));
                match sub {
                    Some(sub) => {
                        origins.push(Origin::of(ck, dr.object, Some(sub.span())));
                        tls = sub.at_keys("trafficPolicy.tls.mode").or(tls);
                    }
                    None => notes.push(format!("subset `{subset}` is not defined here: Envoy has no such cluster and the route fails")),
                }
            }
            if let Some(mode) = tls.and_then(|m| m.as_str()) {
                origins.push(Origin::of(ck, dr.object, tls.map(|n| n.span())));
                notes.push(format!("TLS mode `{mode}`"));
            }
        }
        t.steps.push(Step {
            step: "destination-rule",
            title: format!("DestinationRule for `{host}`"),
            verdict: Verdict::Ok,
            notes,
            origins,
        });
    } else {
        t.steps.push(Step {
            step: "destination-rule",
            title: format!("no DestinationRule for `{host}`: auto mTLS decides TLS per endpoint"),
            verdict: Verdict::Ok,
            notes: Vec::new(),
            origins: Vec::new(),
        });
    }

    let cluster = cluster_of(row.port, &subset, &host);
    let (notes, origins, reaches) = endpoints(ck, row, &host, dialled);
    t.steps.push(Step {
        step: "cluster",
        title: format!("cluster `{cluster}`"),
        verdict: if diverted {
            Verdict::Diverted
        } else {
            Verdict::End
        },
        notes,
        origins,
    });
    t.reaches = if diverted {
        format!("{reaches}, not {dialled}")
    } else {
        reaches
    };
    t.cluster = Some(cluster);
}

/// Where the cluster's endpoints come from, and where the connection ends up.
fn endpoints(
    ck: &Checker<'_, '_>,
    row: &ListenerRow,
    host: &str,
    dialled: &str,
) -> (Vec<String>, Vec<Origin>, String) {
    let index = ck.index;
    match row_listener_source(ck, row) {
        Some(ListenerSource::Service(i)) => {
            let svc = &index.services[i];
            let obj = &index.objects[svc.object];
            if svc.service_type() == "ExternalName" {
                let name = svc.spec.external_name.unwrap_or_default();
                let node = obj.node.at_keys("spec.externalName");
                return (
                    vec![format!("an ExternalName Service becomes a STRICT_DNS cluster whose one endpoint is `{name}:{}`: Envoy resolves the name and connects there", row.port)],
                    vec![Origin::of(ck, svc.object, node.map(|n| n.span()))],
                    format!("`{name}:{}`", row.port),
                );
            }
            if svc.is_headless() {
                return (
                    vec!["a headless Service's cluster is ORIGINAL_DST: Envoy connects to the pod IP dialled".into()],
                    vec![Origin::of(ck, svc.object, None)],
                    format!("{dialled} as dialled"),
                );
            }
            let selector = svc.selector();
            let pods: Vec<Origin> = index
                .workloads
                .iter()
                .filter(|w| w.matches(&selector) && index.objects[w.object].ns() == obj.ns())
                .map(|w| Origin::of(ck, w.object, None))
                .collect();
            let names: Vec<String> = pods
                .iter()
                .map(|o| format!("{} `{}/{}`", o.kind, o.namespace, o.name))
                .collect();
            let note = if names.is_empty() {
                format!("an EDS cluster; no workload of the inputs matches `{}`'s selector, so it has no endpoints here", host)
            } else {
                format!(
                    "an EDS cluster whose endpoints are the pods of {}",
                    names.join(", ")
                )
            };
            let reaches = if names.is_empty() {
                "no endpoint (503 / connection reset)".into()
            } else {
                format!("the pods of {}", names.join(", "))
            };
            (vec![note], pods, reaches)
        }
        Some(ListenerSource::ServiceEntry(i)) => {
            let se = &index.service_entries[i];
            let resolution = se.spec.resolution.unwrap_or("NONE");
            let origin = Origin::of(
                ck,
                se.object,
                se.spec_node.get("resolution").map(|n| n.span()),
            );
            let (note, reaches) = match resolution {
                "NONE" => ("resolution NONE: an ORIGINAL_DST cluster, Envoy connects to the address dialled".to_owned(), format!("{dialled} as dialled")),
                "STATIC" => ("resolution STATIC: the `endpoints` addresses".to_owned(), format!("the `endpoints` of ServiceEntry `{}`", origin.name)),
                _ if se.spec.endpoints.is_empty() => (format!("resolution {resolution}: a STRICT_DNS cluster resolving `{host}`"), format!("`{host}` (DNS)")),
                _ => (format!("resolution {resolution}: a STRICT_DNS cluster resolving the `endpoints` addresses"), format!("the `endpoints` of ServiceEntry `{}`", origin.name)),
            };
            (vec![note], vec![origin], reaches)
        }
        None => (Vec::new(), Vec::new(), format!("`{host}`")),
    }
}
