//! `mesh-lint listeners`: the outbound listeners one sidecar gets, in the shape of
//! `istioctl proxy-config listeners`. Each row is a [`PortListener`] of the model that the
//! proxy's namespace can see (exportTo), kept or dropped by its Sidecar egress, with its
//! address, filter-chain match and cluster written as Envoy shows them.

use super::{cluster_name, Origin};
use crate::model::listeners::{Bind, ListenerSource, PortListener, WildcardMatch};
use crate::model::scopes::Hosts;
use crate::model::sidecar_scope::Egress;
use crate::model::visibility::ExportScope;
use crate::model::Workload;
use crate::rules::Checker;
use serde::Serialize;

/// The virtual outbound listener every sidecar has (`buildVirtualOutboundListener`): what no
/// other listener takes goes to its passthrough chain.
pub const VIRTUAL_OUTBOUND_PORT: i32 = 15001;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowKind {
    Vip,
    PerEndpoint,
    Wildcard,
    VirtualOutbound,
}

/// One listener (or filter chain of the shared `0.0.0.0:port` listener) of the proxy.
#[derive(Clone, Debug, Serialize)]
pub struct ListenerRow {
    pub address: String,
    pub port: i32,
    /// `ALL`, `SNI: host`, `Host: host`, `Destination IP: cidr`.
    #[serde(rename = "match")]
    pub matches: String,
    /// `outbound|port|subset|host`, `PassthroughCluster` or `BlackHoleCluster`.
    pub destination: String,
    pub protocol: String,
    pub kind: RowKind,
    /// A filter chain without any match: every destination IP on the port lands here.
    pub catch_all: bool,
    /// Another catch-all on the same `0.0.0.0:port` that Istio keeps instead of this one.
    pub conflict: Option<String>,
    /// The Sidecar whose egress drops this listener from the proxy.
    pub filtered_by: Option<Origin>,
    /// Why the listener has this shape, in Istio's terms.
    pub why: String,
    /// The port of the Service or ServiceEntry (absent for the virtual outbound listener).
    pub source: Option<Origin>,
}

impl ListenerRow {
    /// In the proxy: not dropped by a Sidecar and not losing a conflict.
    pub fn is_live(&self) -> bool {
        self.filtered_by.is_none() && self.conflict.is_none()
    }
}

/// The proxy asked about: a namespace, optionally one workload (whose own Sidecar may apply).
pub struct Proxy<'q, 'a> {
    pub namespace: &'q str,
    pub workload: Option<&'q Workload<'a>>,
}

impl Proxy<'_, '_> {
    pub fn egress<'c>(&self, ck: &Checker<'c, '_>) -> Egress<'c> {
        let sidecars = &ck.scopes().sidecars;
        match self.workload {
            Some(w) => sidecars.for_workload(self.namespace, &w.labels),
            None => sidecars.namespace_default(self.namespace),
        }
    }

    /// The Sidecar object behind the egress, for labels.
    pub fn sidecar(&self, ck: &Checker<'_, '_>) -> Option<Origin> {
        let Egress(Some(spec)) = self.egress(ck) else {
            return None;
        };
        let sc = ck
            .index
            .sidecars
            .iter()
            .find(|sc| std::ptr::eq(&sc.spec, spec))?;
        Some(Origin::of(ck, sc.object, Some(sc.spec_node.span())))
    }
}

/// Whether unmatched traffic is dropped: `outboundTrafficPolicy.mode: REGISTRY_ONLY` of the
/// proxy's Sidecar, which overrides MeshConfig's (`initSidecarScopeInternalIndexes`; default
/// `ALLOW_ANY`).
pub fn registry_only(ck: &Checker<'_, '_>, proxy: &Proxy<'_, '_>) -> bool {
    let from_sidecar = match proxy.egress(ck) {
        Egress(Some(sc)) => sc.outbound_traffic_policy.as_ref().and_then(|p| p.mode),
        Egress(None) => None,
    };
    let mode = from_sidecar.or_else(|| {
        ck.cx
            .mesh_config
            .outbound_traffic_policy
            .as_ref()
            .and_then(|p| p.mode.as_deref())
    });
    mode == Some("REGISTRY_ONLY")
}

/// The fallback cluster of the virtual outbound listener's passthrough chain.
pub fn fallback_cluster(ck: &Checker<'_, '_>, proxy: &Proxy<'_, '_>) -> &'static str {
    if registry_only(ck, proxy) {
        "BlackHoleCluster"
    } else {
        "PassthroughCluster"
    }
}

/// Every outbound listener the proxy gets, on `port` or all ports, sorted by port then
/// address (input order within, which stands in for Istio's creation-time order).
pub fn outbound(
    ck: &Checker<'_, '_>,
    proxy: &Proxy<'_, '_>,
    port: Option<i32>,
) -> Vec<ListenerRow> {
    let model = ck.listeners();
    let egress = proxy.egress(ck);
    let sidecar = proxy.sidecar(ck);
    let mut rows = Vec::new();
    let candidates: Box<dyn Iterator<Item = &PortListener>> = match port {
        Some(p) => Box::new(model.on_port(p)),
        None => Box::new(model.all.iter()),
    };
    let mut visible: Vec<&PortListener> = candidates
        .filter(|l| l.bind != Bind::None && l.scope.is_visible_in(proxy.namespace))
        .collect();
    // Istio's service order for a proxy (`servicesExportedToNamespace`): the namespace's
    // private services, then those exported to it by name, then the public ones; creation
    // time within each (input order stands in). A conflict keeps the first.
    visible.sort_by_key(|l| export_rank(ck, l, proxy.namespace));
    for l in visible {
        let subject = model.subject(ck.index, l);
        let imported = egress.imports(proxy.namespace, subject.owner_ns, subject.hosts, l.port);
        let filtered_by = (!imported).then(|| sidecar.clone()).flatten();
        rows_of(ck, l, subject.hosts, filtered_by, &mut rows);
    }
    mark_conflicts(&mut rows);
    rows.push(ListenerRow {
        address: "0.0.0.0".into(),
        port: VIRTUAL_OUTBOUND_PORT,
        matches: "ALL".into(),
        destination: fallback_cluster(ck, proxy).into(),
        protocol: "TCP".into(),
        kind: RowKind::VirtualOutbound,
        catch_all: false,
        conflict: None,
        filtered_by: None,
        why: format!(
            "the virtual outbound listener: iptables redirects every captured connection here; \
             what no `address:port` listener takes goes to its passthrough chain \
             (outboundTrafficPolicy {})",
            if registry_only(ck, proxy) {
                "REGISTRY_ONLY"
            } else {
                "ALLOW_ANY"
            }
        ),
        source: None,
    });
    rows.sort_by_key(|r| (r.port, r.kind == RowKind::Wildcard));
    rows
}

fn rows_of(
    ck: &Checker<'_, '_>,
    l: &PortListener,
    hosts: Hosts<'_>,
    filtered_by: Option<Origin>,
    rows: &mut Vec<ListenerRow>,
) {
    let obj = &ck.index.objects[l.object];
    let origin = Origin::of(ck, l.object, l.label_node(ck.index).map(|n| n.span()));
    let first_host = hosts.first().unwrap_or("");
    let row = |address: String, matches: String, host: &str, kind: RowKind| ListenerRow {
        address,
        port: l.port,
        matches,
        destination: cluster_name(l.port, "", host),
        protocol: format!("{:?}", l.protocol).to_uppercase(),
        kind,
        catch_all: l.is_catch_all(),
        conflict: None,
        filtered_by: filtered_by.clone(),
        why: l.why.to_owned(),
        source: Some(origin.clone()),
    };
    let qualified = format!("{}/{}", obj.ns(), obj.name);
    match l.bind {
        Bind::None => {}
        Bind::Vip => match l.source {
            ListenerSource::Service(_) => rows.push(row(
                format!("VIP({qualified})"),
                "ALL".into(),
                first_host,
                RowKind::Vip,
            )),
            ListenerSource::ServiceEntry(i) => {
                let se = &ck.index.service_entries[i].spec;
                let addresses: Vec<String> = if se.addresses.is_empty() {
                    vec![format!("VIP(auto {qualified})")]
                } else {
                    se.addresses.iter().map(|a| (*a).to_owned()).collect()
                };
                for a in addresses {
                    rows.push(row(a, "ALL".into(), first_host, RowKind::Vip));
                }
            }
        },
        Bind::PerEndpoint => {
            let selector = match l.source {
                ListenerSource::Service(i) => ck.index.services[i].selector(),
                ListenerSource::ServiceEntry(i) => ck.index.service_entries[i]
                    .spec
                    .workload_selector
                    .as_ref()
                    .map(|s| s.labels.clone())
                    .unwrap_or_default(),
            };
            for w in ck
                .index
                .workloads
                .iter()
                .filter(|w| w.matches(&selector) && ck.index.objects[w.object].ns() == obj.ns())
            {
                let wobj = &ck.index.objects[w.object];
                rows.push(row(
                    format!("PodIP({}/{})", wobj.ns(), wobj.name),
                    "ALL".into(),
                    first_host,
                    RowKind::PerEndpoint,
                ));
            }
        }
        Bind::Wildcard(m) => {
            let per_host = |label: &str, rows: &mut Vec<ListenerRow>| {
                for h in hosts.iter() {
                    rows.push(row(
                        "0.0.0.0".into(),
                        format!("{label}: {h}"),
                        h,
                        RowKind::Wildcard,
                    ));
                }
            };
            match m {
                // No match either way; the ORIGINAL_DST cluster is what makes it harmless.
                WildcardMatch::None | WildcardMatch::Passthrough => rows.push(row(
                    "0.0.0.0".into(),
                    "ALL".into(),
                    first_host,
                    RowKind::Wildcard,
                )),
                WildcardMatch::Sni => per_host("SNI", rows),
                WildcardMatch::Host => per_host("Host", rows),
                WildcardMatch::Cidr => {
                    if let ListenerSource::ServiceEntry(i) = l.source {
                        let se = &ck.index.service_entries[i].spec;
                        rows.push(row(
                            "0.0.0.0".into(),
                            format!("Destination IP: {}", se.addresses.join(", ")),
                            first_host,
                            RowKind::Wildcard,
                        ));
                    }
                }
            }
        }
    }
}

/// 0: private to the proxy's own namespace; 1: exported to it by name; 2: exported everywhere.
fn export_rank(ck: &Checker<'_, '_>, l: &PortListener, proxy_ns: &str) -> u8 {
    match &l.scope {
        ExportScope::Namespaces(set) => {
            let owner = ck.index.objects[l.object].ns();
            let private = owner == proxy_ns && set.len() == 1 && set.contains(owner);
            if private {
                0
            } else {
                1
            }
        }
        _ => 2,
    }
}

/// Two chains without a match (catch-alls, and ORIGINAL_DST passthrough chains) on one
/// `0.0.0.0:port` cannot both be in the listener: Istio keeps the
/// first service in its order (see `export_rank`; input order within) and drops the others
/// (`buildSidecarOutboundListener`'s conflict check on identical filter-chain matches).
fn mark_conflicts(rows: &mut [ListenerRow]) {
    let mut winners: Vec<(i32, String)> = Vec::new();
    for r in rows.iter_mut() {
        let no_match = r.kind == RowKind::Wildcard && r.matches == "ALL";
        if !no_match || r.filtered_by.is_some() {
            continue;
        }
        match winners.iter().find(|(p, _)| *p == r.port) {
            Some((_, winner)) => {
                r.conflict = Some(format!(
                    "conflicts with the chain without a match for `{winner}` on the same `0.0.0.0:{}` listener; \
                     Istio keeps the first service in the proxy's order (private to its namespace, then exported to it by name, then public; oldest first within each, input order standing in)",
                    r.port
                ));
            }
            None => winners.push((r.port, r.destination.clone())),
        }
    }
}
