//! The routing index: VirtualServices by host with their gateways, and DestinationRules by host in
//! Istio's lookup order (`PushContext.setDestinationRules` builds the three pools,
//! `PushContext.destinationRule` walks them, `MostSpecificHostMatch` picks the host key).
//! Built on first use; its size is one entry per host and gateway written in the inputs.

use super::hosts::{host_matches, resolve};
use super::key_index::KeyIndex;
use super::object::string_map;
use super::{LintContext, MeshIndex, ObjectRef};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Which step of Istio's DestinationRule lookup found the rules a client gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrStep {
    /// Rules in the client's own namespace (exported there or private), most specific host.
    ClientNamespace,
    /// Rules of the host's namespace exported to the client's.
    HostNamespace,
    /// Rules of the root namespace exported to the client's.
    RootNamespace,
}

/// The DestinationRules a client namespace gets for a host: one host key, merged across the
/// rules of one namespace (Istio merges their subsets; the first rule's policy wins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrChoice {
    pub step: DrStep,
    /// The namespace whose rules were taken.
    pub namespace: String,
    /// The matched host key (the rules' resolved host).
    pub host: String,
    /// Indices into [`MeshIndex::destination_rules`], in input order.
    pub rules: Vec<usize>,
}

/// The DestinationRules of every namespace's pool of one kind, as [`KeyIndex`]es over the
/// rules' positions: exact hosts by `(namespace, host)`, wildcard hosts by namespace. A map of
/// pools per namespace, each with its own map per host, cost about a kilobyte per
/// DestinationRule.
#[derive(Debug, Default)]
struct HostPool {
    specific: KeyIndex,
    wildcard: KeyIndex,
}

/// Per DestinationRule, what pool lookups compare: its namespace and its host resolved there.
#[derive(Debug, Default)]
struct DrKeys<'i> {
    ns: Vec<&'i str>,
    host: Vec<String>,
}

impl HostPool {
    fn add(&mut self, ns: &str, host: &str, dr: usize) {
        match host.starts_with('*') {
            true => self.wildcard.push(ns, dr),
            false => self.specific.push(&(ns, host), dr),
        }
    }

    fn seal(&mut self) {
        self.specific.seal();
        self.wildcard.seal();
    }

    /// `MostSpecificHostMatch` in namespace `ns`'s pool: the exact key, else the longest
    /// wildcard covering the host. Returns the key and its rules in input order.
    fn most_specific<'k>(
        &self,
        keys: &'k DrKeys<'_>,
        ns: &str,
        host: &str,
    ) -> Option<(&'k str, Vec<usize>)> {
        let with_key = |candidates: &mut dyn Iterator<Item = usize>, key: &str| -> Vec<usize> {
            candidates
                .filter(|&i| keys.ns[i] == ns && keys.host[i] == key)
                .collect()
        };
        let exact = match host.starts_with('*') {
            false => with_key(&mut self.specific.candidates(&(ns, host)), host),
            true => with_key(&mut self.wildcard.candidates(ns), host),
        };
        if let Some(&first) = exact.first() {
            return Some((keys.host[first].as_str(), exact));
        }
        let needle = host.strip_prefix('*').unwrap_or(host);
        let best = self
            .wildcard
            .candidates(ns)
            .filter(|&i| keys.ns[i] == ns)
            .map(|i| keys.host[i].as_str())
            .filter(|k| needle.ends_with(&k[1..]))
            .max_by(|a, b| more_specific(a, b))?;
        Some((best, with_key(&mut self.wildcard.candidates(ns), best)))
    }
}

/// `host.MoreSpecific` as an ordering (greater is more specific): a longer wildcard wins; ties
/// go to the lexically smaller key so the answer does not depend on hash order.
fn more_specific(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| b.cmp(a))
}

/// The VirtualService gateways entry for sidecars.
pub const MESH_GATEWAY: &str = "mesh";

#[derive(Debug, Default)]
pub struct Routing<'i> {
    /// Every exact host of every VirtualService, resolved in its namespace, with the
    /// VirtualService (index into [`MeshIndex::virtual_services`]); looked up by host.
    vs_hosts: Vec<(String, usize)>,
    vs_exact: KeyIndex,
    vs_wildcard: Vec<(String, usize)>,
    /// Per VirtualService, its resolved gateways; empty when it names none (then `mesh`).
    vs_gateways: Vec<Vec<String>>,
    /// VirtualService index by object.
    vs_by_object: HashMap<ObjectRef, usize>,
    /// Per Gateway object (`namespace/name`), the namespaces of the gateway proxies its
    /// `selector` picks among the workloads of the inputs (any namespace: Istio's default
    /// `PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false`), else the Gateway's own namespace.
    gateway_namespaces: HashMap<String, Vec<String>>,
    /// Per Gateway object (`namespace/name`): the object and the workloads (indices into
    /// [`MeshIndex::workloads`]) its `selector` picks in the inputs, in any namespace.
    gateways: HashMap<String, GatewayInfo>,
    dr_keys: DrKeys<'i>,
    /// Rules a proxy of the namespace looks at first (exported there, `.`, `*` or no exportTo).
    namespace_local: HostPool,
    /// Rules exported beyond their namespace, with the exportTo entries as written.
    exported: HostPool,
    /// Private rules of the root namespace, for proxies in it.
    root_local: HostPool,
    root: String,
    /// Per DestinationRule, its exportTo entries as Istio holds them (empty: everywhere).
    dr_export: Vec<Vec<&'i str>>,
    dr_by_object: HashMap<ObjectRef, usize>,
}

/// The gateways of a VirtualService that names none.
static MESH_ONLY: LazyLock<[String; 1]> = LazyLock::new(|| [MESH_GATEWAY.to_owned()]);

impl<'i> Routing<'i> {
    pub fn build(index: &'i MeshIndex<'_>, cx: &LintContext) -> Routing<'i> {
        let domain = &cx.cluster_domain;
        let root = cx.mesh_config.root_namespace().to_owned();
        let mut out = Routing {
            root: root.clone(),
            ..Routing::default()
        };
        for (i, vs) in index.virtual_services.iter().enumerate() {
            let ns = index.objects[vs.object].ns();
            for h in &vs.spec.hosts {
                let resolved = resolve(h, ns, domain);
                if resolved.starts_with('*') {
                    out.vs_wildcard.push((resolved, i));
                } else {
                    out.vs_exact.push(resolved.as_str(), out.vs_hosts.len());
                    out.vs_hosts.push((resolved, i));
                }
            }
            let gateways: Vec<String> = vs
                .spec
                .gateways
                .iter()
                .map(|g| resolve_gateway(g, ns))
                .collect();
            out.vs_gateways.push(gateways);
            out.vs_by_object.insert(vs.object, i);
        }
        (out.gateway_namespaces, out.gateways) = gateway_namespaces(index);
        let private_default = cx
            .mesh_config
            .default_destination_rule_export_to
            .as_ref()
            .is_some_and(|l| l.iter().any(|e| e == "."));
        for (i, dr) in index.destination_rules.iter().enumerate() {
            let ns = index.objects[dr.object].ns();
            let host = resolve(dr.spec.host, ns, domain);
            // Rules with a workloadSelector are never exported (`setDestinationRules`).
            let export: Vec<&str> = match &dr.spec.workload_selector {
                Some(_) => vec!["."],
                None => dr.spec.export_to.clone().unwrap_or_default(),
            };
            let local =
                export.is_empty() || export.iter().any(|&e| e == "*" || e == "." || e == ns);
            if local {
                out.namespace_local.add(ns, &host, i);
            }
            let private_only = (export.is_empty() && private_default)
                || (export.len() == 1 && (export[0] == "." || export[0] == ns));
            if !private_only {
                out.exported.add(ns, &host, i);
            } else if ns == root {
                out.root_local.add(ns, &host, i);
            }
            out.dr_keys.ns.push(ns);
            out.dr_keys.host.push(host);
            out.dr_export.push(export);
            out.dr_by_object.insert(dr.object, i);
        }
        out.vs_exact.seal();
        for pool in [
            &mut out.namespace_local,
            &mut out.exported,
            &mut out.root_local,
        ] {
            pool.seal();
        }
        out
    }

    /// VirtualServices whose hosts (resolved in their namespace) match the resolved `host`.
    pub fn virtual_services_for(&self, host: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .vs_exact
            .candidates(host)
            .filter(|&p| self.vs_hosts[p].0 == host)
            .map(|p| self.vs_hosts[p].1)
            .collect();
        out.extend(
            self.vs_wildcard
                .iter()
                .filter(|(h, _)| host_matches(h, host))
                .map(|&(_, i)| i),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The resolved gateways of a VirtualService (`mesh` when it names none).
    pub fn gateways_of(&self, vs: usize) -> &[String] {
        match self.vs_gateways[vs].as_slice() {
            [] => &*MESH_ONLY,
            written => written,
        }
    }

    /// The VirtualService (index into [`MeshIndex::virtual_services`]) of `object`.
    pub fn virtual_service_of(&self, object: ObjectRef) -> Option<usize> {
        self.vs_by_object.get(&object).copied()
    }

    /// The namespaces of the proxies serving gateway `ns/name`: from the Gateway's selector
    /// when the inputs hold the gateway workloads, else the Gateway's namespace (also when the
    /// Gateway object is not in the inputs).
    pub fn gateway_proxy_namespaces(&self, gateway: &str) -> Vec<String> {
        if let Some(list) = self.gateway_namespaces.get(gateway) {
            return list.clone();
        }
        gateway
            .split_once('/')
            .map(|(ns, _)| vec![ns.to_owned()])
            .unwrap_or_default()
    }

    /// The Gateway `ns/name` when the inputs hold it, with the workloads it selects.
    pub fn gateway(&self, gateway: &str) -> Option<&GatewayInfo> {
        self.gateways.get(gateway)
    }

    /// Whether sidecars apply the VirtualService (its gateways include `mesh`).
    pub fn binds_mesh(&self, vs: usize) -> bool {
        self.gateways_of(vs).iter().any(|g| g == MESH_GATEWAY)
    }

    /// The DestinationRules a proxy in `client_ns` gets for the resolved `host`, whose Service
    /// or ServiceEntry lives in `host_ns` (when known), as `PushContext.destinationRule` picks
    /// them. `None`: Istio applies no DestinationRule.
    pub fn destination_rule(
        &self,
        client_ns: &str,
        host: &str,
        host_ns: Option<&str>,
    ) -> Option<DrChoice> {
        let local = match client_ns == self.root {
            true => &self.root_local,
            false => &self.namespace_local,
        };
        if let Some((key, rules)) = local.most_specific(&self.dr_keys, client_ns, host) {
            return Some(DrChoice {
                step: DrStep::ClientNamespace,
                namespace: client_ns.to_owned(),
                host: key.to_owned(),
                rules,
            });
        }
        let exported = |ns: &str, step| {
            let (key, rules) = self.exported.most_specific(&self.dr_keys, ns, host)?;
            let rules: Vec<usize> = rules
                .into_iter()
                .filter(|&i| self.exported_to(i, client_ns))
                .collect();
            (!rules.is_empty()).then(|| DrChoice {
                step,
                namespace: ns.to_owned(),
                host: key.to_owned(),
                rules,
            })
        };
        host_ns
            .and_then(|ns| exported(ns, DrStep::HostNamespace))
            .or_else(|| exported(&self.root, DrStep::RootNamespace))
    }

    /// The DestinationRule (index into [`MeshIndex::destination_rules`]) of `object`.
    pub fn destination_rule_of(&self, object: ObjectRef) -> Option<usize> {
        self.dr_by_object.get(&object).copied()
    }

    /// Whether DestinationRule `dr` is exported to `ns` (`getExportedDestinationRuleFromNamespace`).
    pub fn exported_to(&self, dr: usize, ns: &str) -> bool {
        let export = &self.dr_export[dr];
        export.is_empty() || export.iter().any(|&e| e == "*" || e == ns)
    }

    pub fn root_namespace(&self) -> &str {
        &self.root
    }
}

/// A Gateway of the inputs and the workloads its selector picks.
#[derive(Clone, Debug, Default)]
pub struct GatewayInfo {
    pub object: ObjectRef,
    pub workloads: Vec<usize>,
}

type GatewayMaps = (HashMap<String, Vec<String>>, HashMap<String, GatewayInfo>);

fn gateway_namespaces(index: &MeshIndex<'_>) -> GatewayMaps {
    let mut out = HashMap::new();
    let mut infos = HashMap::new();
    // A later copy of a Gateway replaces an earlier one, as `kubectl apply` would.
    let gateways: Vec<_> = index
        .by_kind("Gateway")
        .filter(|(_, o)| o.is_istio_networking() && !o.is_shadowed())
        .collect();
    if gateways.is_empty() {
        return (out, infos);
    }
    // Workloads by one label, so each selector is a lookup plus a filter.
    let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (wi, w) in index.workloads.iter().enumerate() {
        for (k, v) in &w.labels {
            by_label.entry((k, v)).or_default().push(wi);
        }
    }
    for (object, gw) in gateways {
        let selector = string_map(gw.node.at_keys("spec.selector"));
        let selected: Vec<usize> = selector
            .iter()
            .next()
            .and_then(|(k, v)| by_label.get(&(k, v)))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&wi| !index.objects[index.workloads[wi].object].is_shadowed())
            .filter(|&wi| {
                selector
                    .iter()
                    .all(|(k, v)| index.workloads[wi].labels.get(k) == Some(v))
            })
            .collect();
        let mut namespaces: Vec<String> = selected
            .iter()
            .map(|&wi| index.objects[index.workloads[wi].object].ns().to_owned())
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        if namespaces.is_empty() {
            namespaces.push(gw.ns().to_owned());
        }
        let key = format!("{}/{}", gw.ns(), gw.name);
        out.insert(key.clone(), namespaces);
        infos.insert(
            key,
            GatewayInfo {
                object,
                workloads: selected,
            },
        );
    }
    (out, infos)
}

/// A VirtualService `gateways` entry as `namespace/name` (`resolveGatewayName`): `mesh` stays,
/// a bare name takes the VirtualService's namespace, `./name` too, and the legacy
/// `name.namespace.svc.<domain>` form is split.
pub fn resolve_gateway(entry: &str, vs_ns: &str) -> String {
    if entry == MESH_GATEWAY {
        return entry.to_owned();
    }
    if let Some((ns, name)) = entry.split_once('/') {
        let ns = if ns == "." { vs_ns } else { ns };
        return format!("{ns}/{name}");
    }
    if let Some((name, rest)) = entry.split_once('.') {
        let ns = rest.split('.').next().unwrap_or(rest);
        return format!("{ns}/{name}");
    }
    format!("{vs_ns}/{entry}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_names() {
        assert_eq!(resolve_gateway("mesh", "app"), "mesh");
        assert_eq!(resolve_gateway("gw", "app"), "app/gw");
        assert_eq!(resolve_gateway("./gw", "app"), "app/gw");
        assert_eq!(resolve_gateway("istio-system/gw", "app"), "istio-system/gw");
        assert_eq!(
            resolve_gateway("gw.istio-system.svc.cluster.local", "app"),
            "istio-system/gw"
        );
    }

    #[test]
    fn most_specific_host() {
        let mut p = HostPool::default();
        let mut keys = DrKeys::default();
        let hosts = [
            ("app", "*.svc.cluster.local"),
            ("app", "*.app.svc.cluster.local"),
            ("app", "a.app.svc.cluster.local"),
            ("other", "*.app.svc.cluster.local"),
            ("other", "a.app.svc.cluster.local"),
        ];
        for (i, (ns, host)) in hosts.into_iter().enumerate() {
            p.add(ns, host, i);
            keys.ns.push(ns);
            keys.host.push(host.to_owned());
        }
        p.seal();
        let key = |h: &str| {
            p.most_specific(&keys, "app", h)
                .map(|(k, v)| (k.to_owned(), v))
        };
        assert_eq!(
            key("a.app.svc.cluster.local"),
            Some(("a.app.svc.cluster.local".into(), vec![2]))
        );
        assert_eq!(
            key("b.app.svc.cluster.local"),
            Some(("*.app.svc.cluster.local".into(), vec![1]))
        );
        assert_eq!(
            key("b.x.svc.cluster.local"),
            Some(("*.svc.cluster.local".into(), vec![0]))
        );
        assert_eq!(key("example.com"), None);
    }
}
