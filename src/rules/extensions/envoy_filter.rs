//! EnvoyFilters read from their trees: the fields istiod's patching reads
//! (`pilot/pkg/model/envoyfilter.go` convertToEnvoyFilterWrapper, and the matchers of
//! `pilot/pkg/networking/core/envoyfilter/`). Patch values are Envoy configuration and stay
//! nodes; only the `name` of the object a patch adds is read.

use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::Node;
use std::collections::BTreeMap;

/// The network filter that holds HTTP filters; istiod patches HTTP filters only inside it
/// (`listener_patch.go` patchNetworkFilter, `wellknown.HTTPConnectionManager`).
pub const HCM: &str = "envoy.filters.network.http_connection_manager";

/// One EnvoyFilter of the inputs.
pub struct EnvoyFilter<'a> {
    pub object: ObjectRef,
    /// `spec.priority` (0 when unset, as protobuf reads it).
    pub priority: i64,
    /// `workloadSelector.labels`; empty when there is no selector or it has no labels, which
    /// selects every workload of the namespace (every workload of the mesh in the root one).
    pub selector: BTreeMap<&'a str, &'a str>,
    /// `targetRefs` (waypoints and gateways by reference): which proxies they reach is not
    /// read here.
    pub has_target_refs: bool,
    pub patches: Vec<Patch<'a>>,
}

/// One `configPatches` item.
#[derive(Clone, Copy)]
pub struct Patch<'a> {
    pub index: usize,
    pub node: Node<'a>,
}

impl<'a> Patch<'a> {
    /// `applyTo` as written, with its node.
    pub fn apply_to(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.node.get("applyTo"))
    }

    /// `patch.operation` as written, with its node.
    pub fn operation(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.node.at_keys("patch.operation"))
    }

    /// `match.context`; `ANY` when unset.
    pub fn context(&self) -> &'a str {
        text(self.node.at_keys("match.context")).map_or("ANY", |(t, _)| t)
    }

    /// `match.listener`.
    pub fn listener(&self) -> Option<Node<'a>> {
        self.node.at_keys("match.listener").filter(|n| !n.is_null())
    }

    /// `match.listener.portNumber` (0 when unset).
    pub fn port(&self) -> i64 {
        let listener = self.listener().and_then(|l| l.get("portNumber"));
        let cluster = self.node.at_keys("match.cluster.portNumber");
        let route = self.node.at_keys("match.routeConfiguration.portNumber");
        listener
            .or(cluster)
            .or(route)
            .and_then(Node::as_i64)
            .unwrap_or(0)
    }

    /// `match.listener.filterChain.filter`, when present (a network filter match).
    pub fn filter_match(&self) -> Option<Node<'a>> {
        self.listener()
            .and_then(|l| l.at_keys("filterChain.filter"))
            .filter(|n| !n.is_null())
    }

    /// `match.listener.filterChain.filter.name`.
    pub fn filter_name(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.filter_match().and_then(|f| f.get("name")))
    }

    /// `match.listener.filterChain.filter.subFilter`, when present.
    pub fn sub_filter(&self) -> Option<Node<'a>> {
        self.filter_match()
            .and_then(|f| f.get("subFilter"))
            .filter(|n| !n.is_null())
    }

    /// `match.listener.filterChain.filter.subFilter.name`.
    pub fn sub_filter_name(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.sub_filter().and_then(|s| s.get("name")))
    }

    /// `match.listener.listenerFilter`.
    pub fn listener_filter(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.listener().and_then(|l| l.get("listenerFilter")))
    }

    /// `match.proxy.proxyVersion`.
    pub fn proxy_version(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.node.at_keys("match.proxy.proxyVersion"))
    }

    /// `patch.value.name`: the name of the filter (listener, cluster, ...) the patch writes.
    pub fn value_name(&self) -> Option<(&'a str, Node<'a>)> {
        text(self.node.at_keys("patch.value.name"))
    }

    /// The name of the element a relative operation is positioned against or acts on, for
    /// the kinds whose operations name one: the HTTP filter (`subFilter.name`), the network
    /// filter (`filter.name`) or the listener filter (`listenerFilter`).
    pub fn anchor(&self) -> Option<(&'a str, Node<'a>)> {
        match self.apply_to()?.0 {
            "HTTP_FILTER" => self.sub_filter_name(),
            "NETWORK_FILTER" => self.filter_name(),
            "LISTENER_FILTER" => self.listener_filter(),
            _ => None,
        }
    }
}

/// A non-empty string scalar with its node.
fn text(node: Option<Node<'_>>) -> Option<(&str, Node<'_>)> {
    let node = node?;
    let t = node.as_str().filter(|t| !t.is_empty() && !node.is_null())?;
    Some((t, node))
}

/// Every EnvoyFilter of the inputs (`networking.istio.io`), in input order; with `live_only`,
/// without the copies that a later object of the same identity replaces.
pub fn envoy_filters<'a>(ck: &Checker<'_, 'a>, live_only: bool) -> Vec<EnvoyFilter<'a>> {
    let mut out = Vec::new();
    for (id, o) in ck.index.by_kind("EnvoyFilter") {
        if !o.is_istio_networking() || (live_only && o.is_shadowed()) {
            continue;
        }
        let spec = o.node.get("spec");
        let patches = spec
            .and_then(|s| s.get("configPatches"))
            .into_iter()
            .flat_map(|p| p.items())
            .enumerate()
            .map(|(index, node)| Patch { index, node })
            .collect();
        let selector = spec
            .and_then(|s| s.at_keys("workloadSelector.labels"))
            .into_iter()
            .flat_map(|l| l.entries())
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
            .collect();
        let has_target_refs = ["targetRefs", "targetRef"].iter().any(|k| {
            spec.and_then(|s| s.get(k))
                .is_some_and(|n| !n.is_null() && !n.is_empty())
        });
        out.push(EnvoyFilter {
            object: id,
            priority: spec
                .and_then(|s| s.get("priority"))
                .and_then(Node::as_i64)
                .unwrap_or(0),
            selector,
            has_target_refs,
            patches,
        });
    }
    out
}

/// Filters istiod itself puts in the configuration it generates (by `applyTo`): a patch
/// relative to one of them does not depend on another EnvoyFilter having added it.
pub fn generated_by_istio(apply_to: &str, name: &str) -> bool {
    const HTTP: &[&str] = &[
        "envoy.filters.http.router",
        "envoy.filters.http.cors",
        "envoy.filters.http.fault",
        "envoy.filters.http.grpc_stats",
        "envoy.filters.http.grpc_web",
        "envoy.filters.http.jwt_authn",
        "envoy.filters.http.rbac",
        "envoy.filters.http.ext_authz",
        "envoy.filters.http.wasm",
        "envoy.filters.http.alpn",
        "envoy.filters.http.peer_metadata",
        "envoy.filters.http.connect_authority",
        "istio.alpn",
        "istio.metadata_exchange",
        "istio.stats",
        "istio_authn",
        "istio.authn",
        "istio.stackdriver",
    ];
    const NETWORK: &[&str] = &[
        HCM,
        "envoy.filters.network.tcp_proxy",
        "envoy.filters.network.rbac",
        "envoy.filters.network.ext_authz",
        "envoy.filters.network.mongo_proxy",
        "envoy.filters.network.redis_proxy",
        "envoy.filters.network.mysql_proxy",
        "envoy.filters.network.sni_cluster",
        "envoy.filters.network.tcp_cluster_rewrite",
        "envoy.filters.network.wasm",
        "envoy.filters.network.metadata_exchange",
        "envoy.filters.network.peer_metadata",
        "istio.metadata_exchange",
        "istio.stats",
        "istio.stackdriver",
    ];
    const LISTENER: &[&str] = &[
        "envoy.filters.listener.tls_inspector",
        "envoy.filters.listener.http_inspector",
        "envoy.filters.listener.original_dst",
        "envoy.filters.listener.original_src",
        "envoy.filters.listener.proxy_protocol",
        "istio.filters.listener.set_internal_dst_address",
    ];
    let list = match apply_to {
        "HTTP_FILTER" => HTTP,
        "NETWORK_FILTER" => NETWORK,
        "LISTENER_FILTER" => LISTENER,
        _ => return false,
    };
    list.contains(&name)
}
