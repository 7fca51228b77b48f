//! VirtualService routing checks (MESH308–MESH314, area `hosts`): which VirtualService a proxy
//! applies for a host, which of its rules can match, what gateways ignore, and fields Istio
//! deprecated. Cross-resource questions go through [`crate::model::routing::Routing`].

pub mod conflicting_gateway_routes;
pub mod conflicting_mesh_virtual_services;
mod cover;
pub mod gateway_skips_mesh_routing;
pub mod jwt_claim_route_without_authn;
pub mod redundant_route_match;
mod route_order;
pub mod unreachable_route;

use crate::model::visibility::{export_scope, ExportKind, ExportScope};
use crate::model::{IstioObject, ObjectRef};
use crate::rules::Checker;
use cover::Proto;
use mesh_lint_kube::istio::VirtualServiceSpec;
use mesh_lint_yaml::{Node, Span};
use route_order::{Finding, Rule};

type Vs<'s, 'a> = &'s IstioObject<'a, VirtualServiceSpec<'a>>;

/// The VirtualServices that take part in the mesh: not replaced by a later copy of the same
/// identity (see `lint/copies.rs`).
fn live_virtual_services<'s, 'a>(
    ck: &'s Checker<'_, 'a>,
) -> impl Iterator<Item = (usize, Vs<'s, 'a>)> + 's {
    ck.index
        .virtual_services
        .iter()
        .enumerate()
        .filter(|(_, vs)| !ck.index.objects[vs.object].is_shadowed())
}

/// `Kind ns/name` in backquotes, as messages name other objects.
fn object_name(ck: &Checker<'_, '_>, object: ObjectRef) -> String {
    let o = &ck.index.objects[object];
    format!("{} `{}`", o.kind, o.qualified_name())
}

/// `metadata.name`'s value, else the object.
fn name_span(ck: &Checker<'_, '_>, object: ObjectRef) -> Span {
    let node = ck.index.objects[object].node;
    node.at_keys("metadata.name").unwrap_or(node).span()
}

/// A rule as people read it: `http[1]` or `http[1] ("send to v2")`.
fn rule_label(proto: Proto, rule: &Rule<'_>) -> String {
    match rule.name() {
        Some(n) if !n.is_empty() => format!("`{}[{}]` (\"{n}\")", proto.key(), rule.index),
        _ => format!("`{}[{}]`", proto.key(), rule.index),
    }
}

/// A match condition as people read it: `match[0]` or `match[0] ("prefix /api")`.
fn match_label(node: Node<'_>, matchn: usize) -> String {
    match node.get("name").and_then(|n| n.as_str()) {
        Some(n) if !n.is_empty() => format!("`match[{matchn}]` (\"{n}\")"),
        _ => format!("`match[{matchn}]`"),
    }
}

/// The route-order findings of every route list of VirtualService `i`, with the lists' rules.
/// HTTP routes of a VirtualService only gateways apply are tried with the catch-alls last,
/// as pilot sorts a gateway's routes; sidecars try them as written.
fn route_findings<'a>(
    ck: &Checker<'_, '_>,
    i: usize,
    vs: Vs<'_, 'a>,
) -> Vec<(Proto, Vec<Rule<'a>>, Vec<Finding>)> {
    let gateway_only = !ck.routing().binds_mesh(i);
    [Proto::Http, Proto::Tcp, Proto::Tls]
        .into_iter()
        .map(|proto| {
            let rules = route_order::rules(vs.spec_node.get(proto.key()));
            let found = route_order::analyze(proto, &rules, gateway_only && proto == Proto::Http);
            (proto, rules, found)
        })
        .filter(|(_, _, f)| !f.is_empty())
        .collect()
}

/// How a VirtualService stands for the proxies of one namespace, in the order istiod lists
/// them (`PushContext.initVirtualServices`, `VirtualServicesForGateway`,
/// `SelectVirtualServices`); lower wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// In that namespace and exported to it (`.` or its name).
    Private,
    /// From another namespace, exported to it by name.
    Exported,
    /// Exported everywhere (`*`, the default).
    Public,
}

impl Rank {
    /// The rank of a VirtualService in `vs_ns` with `scope` for proxies in `n`; `None`: it
    /// does not see it.
    fn of(scope: &ExportScope, vs_ns: &str, n: &str) -> Option<Rank> {
        match scope {
            ExportScope::All => Some(Rank::Public),
            ExportScope::None => None,
            ExportScope::Namespaces(s) if !s.contains(n) => None,
            ExportScope::Namespaces(_) if n == vs_ns => Some(Rank::Private),
            ExportScope::Namespaces(_) => Some(Rank::Exported),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Rank::Private => "in that namespace and exported to it",
            Rank::Exported => "exported to it by name",
            Rank::Public => "exported everywhere",
        }
    }
}

/// The exportTo scope of a VirtualService (MeshConfig's default when it has none).
fn vs_scope(ck: &Checker<'_, '_>, vs: Vs<'_, '_>) -> ExportScope {
    export_scope(
        &ck.index.objects[vs.object],
        vs.spec.export_to.as_deref(),
        ExportKind::VirtualService,
        &ck.cx.mesh_config,
    )
    .0
}

/// Up to three names joined, then "and N more".
pub(crate) fn name_list(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    match names.len().saturating_sub(3) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
