//! The outbound listener model (istio-semantics §6): for every Service and ServiceEntry port,
//! the protocol Istio assigns, the listener it would produce in a sidecar (`VIP:port`,
//! per-endpoint, or wildcard `0.0.0.0:port` with or without a filter-chain match), and which
//! proxies receive it: its exportTo scope as a value, judged against the Sidecar egress index
//! when a rule asks ([`super::scopes`]). Built on first use; rules look listeners up by port
//! number. Its size is one entry per port plus the exportTo lists written in the inputs.

use super::hosts::service_fqdn;
use super::protocol::{convert_protocol, ListenerClass, PortSpec, Protocol};
use super::scopes::{Hosts, Subject};
use super::visibility::{export_scope, ExportKind, ExportScope, ExportSource};
use super::{IstioObject, LintContext, MeshIndex, ObjectRef, ServiceInfo};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::istio::ServiceEntrySpec;
use mesh_lint_kube::k8s_openapi;
use mesh_lint_yaml::Node;
use std::collections::HashMap;

/// Where a listener comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenerSource {
    /// Index into [`MeshIndex::services`].
    Service(usize),
    /// Index into [`MeshIndex::service_entries`].
    ServiceEntry(usize),
}

/// What a wildcard `0.0.0.0:port` filter chain matches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WildcardMatch {
    /// No match at all: a catch-all chain taking every destination IP on the port (§6.1).
    None,
    /// No match, but an `ORIGINAL_DST` cluster (a ServiceEntry with resolution `NONE`): every
    /// connection still reaches the address it dialled (`convertResolution`, `case
    /// model.Passthrough`), only settings of the entry (a `targetPort`, a DestinationRule)
    /// apply to all of them.
    Passthrough,
    /// TLS/HTTPS: SNI equals the host; other SNI falls through.
    Sni,
    /// HTTP-class: the shared HTTP listener, routed by `Host` header.
    Host,
    /// A CIDR `addresses` entry: destination-CIDR match.
    Cidr,
}

/// The listener a port produces in a sidecar that sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bind {
    /// `VIP:port`: the cluster IP, a ServiceEntry address, or an auto-allocated IP.
    Vip,
    /// One `podIP:port` listener per endpoint (headless Service, ServiceEntry NONE with a
    /// workloadSelector); nothing when there are no endpoints.
    PerEndpoint,
    /// `0.0.0.0:port`.
    Wildcard(WildcardMatch),
    /// No listener: UDP, or an ExternalName Service that Istio treats as a DNS alias.
    None,
}

/// One Service or ServiceEntry port as the sidecars see it.
#[derive(Debug)]
pub struct PortListener {
    pub object: ObjectRef,
    pub source: ListenerSource,
    /// Index of the item in `spec.ports`.
    pub port_index: usize,
    pub port: i32,
    pub protocol: Protocol,
    pub class: ListenerClass,
    pub bind: Bind,
    /// Why this bind, in Istio's terms, for notes.
    pub why: &'static str,
    pub scope: ExportScope,
    pub scope_source: ExportSource,
}

impl PortListener {
    /// A `0.0.0.0:port` chain without any match: every destination on the port lands here.
    pub fn is_catch_all(&self) -> bool {
        self.bind == Bind::Wildcard(WildcardMatch::None)
    }

    pub fn is_wildcard(&self) -> bool {
        matches!(self.bind, Bind::Wildcard(_))
    }

    /// The `spec.ports[i]` item (kept out of the model so the index stays covariant).
    pub fn node<'a>(&self, index: &MeshIndex<'a>) -> Option<Node<'a>> {
        match self.source {
            ListenerSource::Service(i) => {
                index.services[i].port_nodes.get(self.port_index).copied()
            }
            ListenerSource::ServiceEntry(i) => index.service_entries[i]
                .spec_node
                .get("ports")?
                .items()
                .nth(self.port_index),
        }
    }

    /// The node to point at: the port's `name` value, else its number, else the item.
    pub fn label_node<'a>(&self, index: &MeshIndex<'a>) -> Option<Node<'a>> {
        let item = self.node(index)?;
        item.get("name")
            .or_else(|| item.get("number"))
            .or_else(|| item.get("port"))
            .or(Some(item))
    }

    /// `name` of the port item, if any.
    pub fn port_name<'a>(&self, index: &MeshIndex<'a>) -> Option<&'a str> {
        self.node(index)?.get("name")?.as_str()
    }
}

/// All port listeners, with a lookup by port number.
#[derive(Debug, Default)]
pub struct Listeners {
    pub all: Vec<PortListener>,
    by_port: HashMap<i32, Vec<usize>>,
    /// Service listeners by the container ports they reach (resolved `targetPort`s): what a
    /// client dialling a pod IP connects to.
    by_pod_port: HashMap<i32, Vec<usize>>,
    /// Per Service (by its index), its host `name.ns.svc.<domain>`, what Sidecar egress matches.
    service_hosts: Vec<String>,
    /// Proxies use DNS capture with auto-allocated ServiceEntry IPs (§6.1).
    pub dns_auto_allocation: bool,
}

impl Listeners {
    pub fn build(index: &MeshIndex<'_>, cx: &LintContext) -> Listeners {
        let mut out = Listeners {
            dns_auto_allocation: dns_auto_allocation(cx),
            ..Listeners::default()
        };
        // Every Service's host, replaced copies too: `subject` reads it by the Service's index.
        out.service_hosts = index
            .services
            .iter()
            .map(|svc| {
                let obj = &index.objects[svc.object];
                service_fqdn(obj.name, obj.ns(), &cx.cluster_domain)
            })
            .collect();
        // One identity is one object: a copy that a later definition replaces has no listeners.
        let live = |object: ObjectRef| !index.objects[object].is_shadowed();
        // At most one listener per port: sized once, the list leaves no grown-out buffers behind.
        let ports = index.services.iter().map(|s| s.spec.ports.len());
        let se_ports = index.service_entries.iter().map(|s| s.spec.ports.len());
        out.all.reserve_exact(ports.chain(se_ports).sum());
        for (i, svc) in index.services.iter().enumerate() {
            if live(svc.object) {
                out.add_service(index, cx, i, svc);
            }
        }
        for (i, se) in index.service_entries.iter().enumerate() {
            if live(se.object) {
                out.add_service_entry(index, cx, i, se);
            }
        }
        out
    }

    /// Service listeners whose pods listen on `port` (their resolved `targetPort`), in input
    /// order. A named `targetPort` no selected workload of the inputs declares is not indexed.
    pub fn on_pod_port(&self, port: i32) -> impl Iterator<Item = &PortListener> {
        self.by_pod_port
            .get(&port)
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
    }

    /// What visibility queries need to know about `l`: scope, namespace, hosts, port.
    pub fn subject<'q>(&'q self, index: &'q MeshIndex<'_>, l: &'q PortListener) -> Subject<'q> {
        let hosts = match l.source {
            ListenerSource::Service(i) => {
                Hosts::Built(std::slice::from_ref(&self.service_hosts[i]))
            }
            ListenerSource::ServiceEntry(i) => Hosts::Written(&index.service_entries[i].spec.hosts),
        };
        Subject {
            scope: &l.scope,
            owner_ns: index.objects[l.object].ns(),
            hosts,
            port: l.port,
        }
    }

    /// The model's size: one entry per port, plus every namespace name its exportTo scopes
    /// hold (written lists only; `*` and the defaults hold none). Linear in the inputs.
    pub fn size(&self) -> usize {
        let names: usize = self
            .all
            .iter()
            .map(|l| match &l.scope {
                ExportScope::Namespaces(set) => set.len(),
                _ => 0,
            })
            .sum();
        let pod_ports: usize = self.by_pod_port.values().map(Vec::len).sum();
        self.all.len() + self.service_hosts.len() + names + pod_ports
    }

    /// Listeners on `port`, in input order (Services first, then ServiceEntries).
    pub fn on_port(&self, port: i32) -> impl Iterator<Item = &PortListener> {
        self.by_port
            .get(&port)
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
    }

    fn push(&mut self, l: PortListener) {
        let i = self.all.len();
        self.by_port.entry(l.port).or_default().push(i);
        self.all.push(l);
    }

    fn add_service(
        &mut self,
        index: &MeshIndex<'_>,
        cx: &LintContext,
        i: usize,
        svc: &ServiceInfo<'_>,
    ) {
        let obj = &index.objects[svc.object];
        let (scope, scope_source) = export_scope(obj, None, ExportKind::Service, &cx.mesh_config);
        let ports = svc.spec.ports.iter();
        for (pi, port) in ports.enumerate() {
            let protocol = convert_protocol(PortSpec::of(port), cx.istio_version);
            let class = protocol.listener_class();
            let (bind, why) = service_bind(svc, cx, protocol, class);
            let mut pod_ports: Vec<i32> = index
                .selected_workloads(svc)
                .filter_map(|w| w.container_port(port))
                .collect();
            if pod_ports.is_empty() && !matches!(port.target_port, Some(IntOrString::String(_))) {
                pod_ports.extend(
                    port.target_port
                        .as_ref()
                        .map_or(Some(port.port), |t| match t {
                            IntOrString::Int(n) => Some(*n),
                            IntOrString::String(_) => None,
                        }),
                );
            }
            pod_ports.sort_unstable();
            pod_ports.dedup();
            for p in pod_ports {
                self.by_pod_port.entry(p).or_default().push(self.all.len());
            }
            self.push(PortListener {
                object: svc.object,
                source: ListenerSource::Service(i),
                port_index: pi,
                port: port.port,
                protocol,
                class,
                bind,
                why,
                scope: scope.clone(),
                scope_source,
            });
        }
    }

    fn add_service_entry(
        &mut self,
        index: &MeshIndex<'_>,
        cx: &LintContext,
        i: usize,
        se: &IstioObject<'_, ServiceEntrySpec<'_>>,
    ) {
        let obj = &index.objects[se.object];
        let (scope, scope_source) = export_scope(
            obj,
            se.spec.export_to.as_deref(),
            ExportKind::Service,
            &cx.mesh_config,
        );
        // istiod records allocated addresses in the status: evidence that allocation happened.
        let allocated = obj
            .node
            .at_keys("status.addresses")
            .is_some_and(|a| !a.is_empty());
        let opted_out = obj
            .labels
            .get(AUTOALLOCATE_LABEL)
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        for (pi, port) in se.spec.ports.iter().enumerate() {
            let protocol = match port.protocol.unwrap_or("") {
                "" => Protocol::Unsupported,
                p => Protocol::parse(p),
            };
            let class = protocol.listener_class();
            let (bind, why) = service_entry_bind(
                &se.spec,
                self.dns_auto_allocation && !opted_out,
                allocated,
                protocol,
                class,
            );
            let number = i32::try_from(port.number).unwrap_or(0);
            self.push(PortListener {
                object: se.object,
                source: ListenerSource::ServiceEntry(i),
                port_index: pi,
                port: number,
                protocol,
                class,
                bind,
                why,
                scope: scope.clone(),
                scope_source,
            });
        }
    }
}

/// The ServiceEntry label that opts one entry out of IP auto-allocation (value `"false"`).
pub const AUTOALLOCATE_LABEL: &str = "networking.istio.io/enable-autoallocate-ip";

/// Whether sidecars bind auto-allocated ServiceEntry IPs (`nodeUsesAutoallocatedIPs`, §6.1–6.2):
/// DNS capture (`ISTIO_META_DNS_CAPTURE`) and auto-allocation, either the proxy-side
/// `ISTIO_META_DNS_AUTO_ALLOCATE` or istiod's `PILOT_ENABLE_IP_AUTOALLOCATE`. istiod's flag is
/// not in MeshConfig: we take its default (on from 1.25), unless proxyMetadata carries the key,
/// which users of mesh-lint may use to state it.
pub fn dns_auto_allocation(cx: &LintContext) -> bool {
    let meta = cx
        .mesh_config
        .default_config
        .as_ref()
        .map(|c| &c.proxy_metadata);
    let flag = |k: &str| {
        meta.and_then(|m| m.get(k))
            .map(|v| v.eq_ignore_ascii_case("true"))
    };
    if flag("ISTIO_META_DNS_CAPTURE") != Some(true) {
        return false;
    }
    if flag("ISTIO_META_DNS_AUTO_ALLOCATE") == Some(true) {
        return true;
    }
    flag("PILOT_ENABLE_IP_AUTOALLOCATE").unwrap_or(cx.istio_version.at_least(1, 25))
}

fn service_bind(
    svc: &ServiceInfo<'_>,
    cx: &LintContext,
    protocol: Protocol,
    class: ListenerClass,
) -> (Bind, &'static str) {
    if class == ListenerClass::None {
        return (Bind::None, "UDP ports get no listener");
    }
    if svc.service_type() == "ExternalName" {
        if cx.external_name_is_alias() {
            return (
                Bind::None,
                "ExternalName Services are DNS aliases without listeners",
            );
        }
        return wildcard(
            protocol,
            class,
            "an ExternalName Service has no VIP (DNS resolution, address `0.0.0.0`)",
        );
    }
    match (class, svc.is_headless()) {
        (ListenerClass::Http, _) => (
            Bind::Wildcard(WildcardMatch::Host),
            "HTTP ports share the `0.0.0.0:<port>` listener, routed by Host",
        ),
        (_, true) => (
            Bind::PerEndpoint,
            "a headless Service gets one `podIP:port` listener per endpoint",
        ),
        _ => (Bind::Vip, "a ClusterIP Service binds its VIP"),
    }
}

fn service_entry_bind(
    se: &ServiceEntrySpec<'_>,
    auto_allocation: bool,
    allocated: bool,
    protocol: Protocol,
    class: ListenerClass,
) -> (Bind, &'static str) {
    if class == ListenerClass::None {
        return (Bind::None, "UDP ports get no listener");
    }
    if class == ListenerClass::Http {
        return (
            Bind::Wildcard(WildcardMatch::Host),
            "HTTP ports share the `0.0.0.0:<port>` listener, routed by Host",
        );
    }
    if !se.addresses.is_empty() {
        if se.addresses.iter().any(|a| is_cidr(a)) {
            return (
                Bind::Wildcard(WildcardMatch::Cidr),
                "a CIDR address gives a wildcard listener with a destination-CIDR match",
            );
        }
        return (Bind::Vip, "a ServiceEntry with `addresses` binds them");
    }
    let resolution = se.resolution.unwrap_or("NONE");
    if resolution == "NONE" && se.workload_selector.is_some() {
        return (
            Bind::PerEndpoint,
            "resolution NONE with a workloadSelector gets one listener per selected endpoint",
        );
    }
    // istiod allocates addresses only for non-wildcard hosts with resolution other than NONE
    // (serviceentry controller `autoAllocateIPs`; inference for the 1.25+ allocator).
    // `status.addresses` in the inputs shows istiod did allocate, whatever our inference says.
    let allocatable = resolution != "NONE" && se.hosts.iter().all(|h| !h.starts_with('*'));
    if auto_allocation && (allocatable || allocated) {
        return (
            Bind::Vip,
            "proxies with DNS capture bind the auto-allocated address",
        );
    }
    if resolution == "NONE" {
        let (bind, _) = wildcard(protocol, class, "");
        let bind = match bind {
            Bind::Wildcard(WildcardMatch::None) => Bind::Wildcard(WildcardMatch::Passthrough),
            b => b,
        };
        return (
            bind,
            "a ServiceEntry with resolution NONE, no `addresses` and no workloadSelector gets a wildcard listener whose cluster is `ORIGINAL_DST`",
        );
    }
    wildcard(
        protocol,
        class,
        "a ServiceEntry without `addresses` has no VIP for sidecars without DNS capture and auto-allocation",
    )
}

fn wildcard(protocol: Protocol, class: ListenerClass, why: &'static str) -> (Bind, &'static str) {
    let m = match class {
        ListenerClass::Http => WildcardMatch::Host,
        _ if matches!(protocol, Protocol::Tls | Protocol::Https) => WildcardMatch::Sni,
        _ => WildcardMatch::None,
    };
    (Bind::Wildcard(m), why)
}

/// A CIDR other than a single host (`/32`, `/128` become plain IPs, §6.1).
fn is_cidr(addr: &str) -> bool {
    addr.split_once('/')
        .is_some_and(|(_, bits)| bits != "32" && bits != "128")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_detection() {
        assert!(is_cidr("10.0.0.0/16"));
        assert!(!is_cidr("10.0.0.1/32"));
        assert!(!is_cidr("10.0.0.1"));
    }

    #[test]
    fn dns_auto_allocation_needs_capture() {
        let mut cx = LintContext::default();
        assert!(!dns_auto_allocation(&cx));
        let mut pc = super::super::context::ProxyConfig::default();
        pc.proxy_metadata
            .insert("ISTIO_META_DNS_CAPTURE".into(), "true".into());
        cx.mesh_config.default_config = Some(pc.clone());
        cx.istio_version = super::super::IstioVersion::new(1, 24);
        assert!(!dns_auto_allocation(&cx));
        cx.istio_version = super::super::IstioVersion::new(1, 25);
        assert!(dns_auto_allocation(&cx));
        pc.proxy_metadata
            .insert("PILOT_ENABLE_IP_AUTOALLOCATE".into(), "false".into());
        cx.mesh_config.default_config = Some(pc);
        assert!(!dns_auto_allocation(&cx));
    }
}
