use super::cover::{covers, same_tree, Proto};
use super::route_order::{is_envoy_catch_all, rules, Rule as VsRule};
use super::{live_virtual_services, match_label, object_name, rule_label, vs_scope, Rank, Vs};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::hosts::resolve;
use crate::model::routing::MESH_GATEWAY;
use crate::model::visibility::ExportScope;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::{Node, NodeKind, Span};
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it does
    /// Reports VirtualServices bound to the same Gateway for the same host whose HTTP routes
    /// compete, when istiod lists them in no fixed order for the gateway's proxies (equal
    /// rank: both exported everywhere, both private to the proxies' namespace, or both
    /// exported to it by name):
    ///
    /// - a match of one takes every request a match of the other describes (a duplicate, or
    ///   `prefix: /api` against `prefix: /api/v1`), and the two rules route differently;
    /// - both have a catch-all route (no `match`, or only `uri: {prefix: /}`).
    ///
    /// Matches are compared as MESH309 compares them. The gateway's proxies are the workloads
    /// its `selector` picks in the inputs, else the Gateway's namespace.
    ///
    /// ## Why is this bad?
    /// A gateway merges the VirtualServices bound to it for one host into one route list: those
    /// of its proxies' namespace first, then those exported to it by name, then public ones,
    /// each oldest first; catch-all routes go last (`SortVHostRoutes`). Between two
    /// VirtualServices of equal standing, which one's overlapping route wins — and which
    /// catch-all serves the rest — depends on which was created first, so re-creating one (a
    /// Helm upgrade, a GitOps resync) silently moves traffic. aspenmesh istio-vet reports this
    /// as "host-in-multiple-vs".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: shop, namespace: shop}
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [istio-system/public]
    ///   http: [{match: [{uri: {prefix: /api}}], route: [{destination: {host: api}}]}]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: orders, namespace: orders}
    /// spec:
    ///   hosts: [shop.example.com]
    ///   gateways: [istio-system/public]
    ///   http: [{match: [{uri: {prefix: /api/orders}}], route: [{destination: {host: orders.orders.svc.cluster.local}}]}]
    /// ```
    ///
    /// Use instead: matches that do not overlap across VirtualServices (`/api/orders` and
    /// `/api/cart` rather than `/api`), one catch-all per host, or one VirtualService per host
    /// with delegates.
    ///
    /// ## Fix safety
    /// No fix: which VirtualService should win is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/gateway.go` buildGatewayRoutes (routes of one host merged); `pilot/pkg/model/push_context.go` VirtualServicesForGateway; `pilot/pkg/networking/core/route/route.go` SortVHostRoutes
    /// - istio-vet: `pkg/vetter/conflictingvirtualservicehost` (aspenmesh)
    /// - [Istio: split large virtual services](https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services)
    pub static META = {
        code: "MESH314",
        name: "conflicting-gateway-routes",
        area: "hosts",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: [],
        summary: "VirtualServices merged on one gateway host whose routes overlap: creation order decides which wins",
    };
}

pub struct ConflictingGatewayRoutes;

struct Member<'s, 'a> {
    vs: Vs<'s, 'a>,
    ns: String,
    scope: ExportScope,
    rules: Vec<VsRule<'a>>,
}

/// Where two VirtualServices compete: the conditions (rule, match) of each, `None` for a
/// rule without `match`.
struct Clash {
    a: (usize, Option<usize>),
    b: (usize, Option<usize>),
    catch_all: bool,
}

impl Rule for ConflictingGatewayRoutes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Routing]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let routing = ck.routing();
        let domain = &ck.cx.cluster_domain;
        let mut members: Vec<Member<'_, '_>> = Vec::new();
        let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (i, vs) in live_virtual_services(ck) {
            let gateways: Vec<&String> = routing
                .gateways_of(i)
                .iter()
                .filter(|g| *g != MESH_GATEWAY)
                .collect();
            let http = rules(vs.spec_node.get("http"));
            if gateways.is_empty() || http.is_empty() {
                continue;
            }
            let ns = ck.index.objects[vs.object].ns().to_owned();
            let m = members.len();
            let hosts: BTreeSet<String> = vs
                .spec
                .hosts
                .iter()
                .map(|h| resolve(h, &ns, domain))
                .collect();
            for g in gateways {
                for h in &hosts {
                    groups.entry((g.clone(), h.clone())).or_default().push(m);
                }
            }
            members.push(Member {
                vs,
                scope: vs_scope(ck, vs),
                ns,
                rules: http,
            });
        }
        let mut reported: BTreeSet<(usize, usize)> = BTreeSet::new();
        for ((gateway, host), list) in &groups {
            if list.len() < 2 {
                continue;
            }
            let proxies = routing.gateway_proxy_namespaces(gateway);
            for (x, &a) in list.iter().enumerate() {
                for &b in &list[x + 1..] {
                    if reported.contains(&(a, b)) {
                        continue;
                    }
                    let (ma, mb) = (&members[a], &members[b]);
                    let Some(n) = proxies.iter().find(|n| {
                        let ra = Rank::of(&ma.scope, &ma.ns, n);
                        ra.is_some() && ra == Rank::of(&mb.scope, &mb.ns, n)
                    }) else {
                        continue;
                    };
                    let Some(clash) = clash(ma, mb) else { continue };
                    reported.insert((a, b));
                    out.push(report(ck, ma, mb, &clash, gateway, host, n, false));
                    out.push(report(ck, mb, ma, &clash, gateway, host, n, true));
                }
            }
        }
    }
}

/// The conditions of `m`: (rule, match index, condition node).
fn conditions<'a>(m: &Member<'_, 'a>) -> Vec<(usize, Option<usize>, Option<Node<'a>>)> {
    m.rules
        .iter()
        .flat_map(|r| {
            let indexed = !r.matches.is_empty();
            r.conds()
                .into_iter()
                .enumerate()
                .map(move |(j, c)| (r.index, indexed.then_some(j), c))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A rule without its conditions and name: what it does with the requests it takes.
fn same_action(x: &VsRule<'_>, y: &VsRule<'_>) -> bool {
    let (bx, by) = (body(x.node), body(y.node));
    bx.len() == by.len()
        && bx
            .iter()
            .zip(&by)
            .all(|((kx, vx), (ky, vy))| kx == ky && same_tree(*vx, *vy))
}

fn body(node: Node<'_>) -> Vec<(String, Node<'_>)> {
    let mut v: Vec<(String, Node<'_>)> = node
        .entries()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v)))
        .filter(|(k, _)| k != "match" && k != "name")
        .collect();
    v.sort_by(|p, q| p.0.cmp(&q.0));
    v
}

fn clash(a: &Member<'_, '_>, b: &Member<'_, '_>) -> Option<Clash> {
    let (ca, cb) = (conditions(a), conditions(b));
    let find_rule = |m: &'_ Member<'_, '_>, r: usize| m.rules.iter().position(|x| x.index == r);
    let mut catch_a = None;
    let mut catch_b = None;
    for &(ra, ja, xa) in &ca {
        if is_envoy_catch_all(xa) {
            catch_a = catch_a.or(Some((ra, ja)));
            continue;
        }
        for &(rb, jb, xb) in &cb {
            if is_envoy_catch_all(xb) {
                continue;
            }
            if !(covers(Proto::Http, xa, xb) || covers(Proto::Http, xb, xa)) {
                continue;
            }
            let (Some(pa), Some(pb)) = (find_rule(a, ra), find_rule(b, rb)) else {
                continue;
            };
            if same_action(&a.rules[pa], &b.rules[pb]) {
                continue;
            }
            return Some(Clash {
                a: (ra, ja),
                b: (rb, jb),
                catch_all: false,
            });
        }
    }
    for &(rb, jb, xb) in &cb {
        if is_envoy_catch_all(xb) {
            catch_b = Some((rb, jb));
            break;
        }
    }
    let (Some(x), Some(y)) = (catch_a, catch_b) else {
        return None;
    };
    let (Some(pa), Some(pb)) = (find_rule(a, x.0), find_rule(b, y.0)) else {
        return None;
    };
    (!same_action(&a.rules[pa], &b.rules[pb])).then_some(Clash {
        a: x,
        b: y,
        catch_all: true,
    })
}

fn cond_span(m: &Member<'_, '_>, (r, j): (usize, Option<usize>)) -> Span {
    let Some(rule) = m.rules.iter().find(|x| x.index == r) else {
        return m.vs.spec_node.span();
    };
    match j.and_then(|j| rule.matches.get(j)) {
        Some(n) => n.span(),
        None => rule
            .node
            .entries()
            .next()
            .map_or(rule.node.span(), |(k, _)| k.span()),
    }
}

fn cond_words(m: &Member<'_, '_>, (r, j): (usize, Option<usize>)) -> String {
    let Some(rule) = m.rules.iter().find(|x| x.index == r) else {
        return String::new();
    };
    let label = rule_label(Proto::Http, rule);
    match j.and_then(|j| rule.matches.get(j).map(|n| (j, *n))) {
        Some((j, n)) if n.kind() == NodeKind::Mapping => {
            format!("{} of rule {label}", match_label(n, j))
        }
        _ => format!("rule {label}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    ck: &Checker<'_, '_>,
    me: &Member<'_, '_>,
    other: &Member<'_, '_>,
    clash: &Clash,
    gateway: &str,
    host: &str,
    proxy_ns: &str,
    swapped: bool,
) -> Diagnostic {
    let (mine, theirs) = if swapped {
        (clash.b, clash.a)
    } else {
        (clash.a, clash.b)
    };
    let message = if clash.catch_all {
        format!(
            "VirtualServices `{}` and `{}` both have a catch-all route for `{host}` on gateway `{gateway}`: which one serves the remaining requests depends on which was created first",
            ck.index.objects[me.vs.object].qualified_name(),
            ck.index.objects[other.vs.object].qualified_name()
        )
    } else {
        format!(
            "{} of {} overlaps {} of {} for `{host}` on gateway `{gateway}`: which one gets the requests depends on which was created first",
            cond_words(me, mine),
            object_name(ck, me.vs.object),
            cond_words(other, theirs),
            object_name(ck, other.vs.object)
        )
    };
    let mut d = ck.diagnostic(&META, me.vs.object, cond_span(me, mine), message);
    d.primary.message = "competes with another VirtualService's route".into();
    d.related.push(ck.label(
        other.vs.object,
        cond_span(other, theirs),
        "the route it competes with",
    ));
    let rank = Rank::of(&me.scope, &me.ns, proxy_ns).map_or("", Rank::words);
    d.notes.push(format!(
        "a gateway merges the VirtualServices bound to it for one host into one route list, each VirtualService's routes in its order and catch-alls last; for the proxies in `{proxy_ns}` both are {rank}, so the older one's routes come first"
    ).into());
    d.help = Some(if clash.catch_all {
        "keep one catch-all route per host on the gateway, or merge the VirtualServices (delegates keep them apart)".into()
    } else {
        "make the matches disjoint across the VirtualServices, or merge them into one so their order is written down".into()
    });
    d
}
