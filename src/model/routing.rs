//! The routing index: VirtualServices by host with their gateways, and DestinationRules by host in
//! Istio's lookup order (`PushContext.setDestinationRules` builds the three pools,
//! `PushContext.destinationRule` walks them, `MostSpecificHostMatch` picks the host key).
//! Built on first use; its size is one entry per host and gateway written in the inputs.

use super::hosts::{host_matches, resolve};
use super::object::string_map;
use super::{LintContext, MeshIndex, ObjectRef};
use std::collections::HashMap;

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

/// DestinationRules of one pool, by resolved host: exact hosts and wildcards apart.
#[derive(Debug, Default)]
struct HostPool {
    specific: HashMap<String, Vec<usize>>,
    wildcard: HashMap<String, Vec<usize>>,
}

impl HostPool {
    fn add(&mut self, host: &str, dr: usize) {
        let map = if host.starts_with('*') {
            &mut self.wildcard
        } else {
            &mut self.specific
        };
        map.entry(host.to_owned()).or_default().push(dr);
    }

    /// `MostSpecificHostMatch`: the exact key, else the longest wildcard covering the host.
    fn most_specific(&self, host: &str) -> Option<(&str, &[usize])> {
        if !host.starts_with('*') {
            if let Some((k, v)) = self.specific.get_key_value(host) {
                return Some((k, v));
            }
        } else if let Some((k, v)) = self.wildcard.get_key_value(host) {
            return Some((k, v));
        }
        let needle = host.strip_prefix('*').unwrap_or(host);
        self.wildcard
            .iter()
            .filter(|(k, _)| needle.ends_with(&k[1..]))
            .max_by(|a, b| more_specific(a.0, b.0))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
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
pub struct Routing {
    /// VirtualServices (indices into [`MeshIndex::virtual_services`]) by resolved host.
    vs_exact: HashMap<String, Vec<usize>>,
    vs_wildcard: Vec<(String, usize)>,
    /// Per VirtualService, its resolved gateways (`mesh` when none is written).
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
    /// Rules a proxy of the namespace looks at first (exported there, `.`, `*` or no exportTo).
    namespace_local: HashMap<String, HostPool>,
    /// Rules exported beyond their namespace, with the exportTo entries as written.
    exported: HashMap<String, HostPool>,
    /// Private rules of the root namespace, for proxies in it.
    root_local: HostPool,
    root: String,
    /// Per DestinationRule, its exportTo entries as Istio holds them (empty: everywhere).
    dr_export: Vec<Vec<String>>,
    dr_by_object: HashMap<ObjectRef, usize>,
}

impl Routing {
    pub fn build(index: &MeshIndex<'_>, cx: &LintContext) -> Routing {
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
                    out.vs_exact.entry(resolved).or_default().push(i);
                }
            }
            let gateways: Vec<String> = if vs.spec.gateways.is_empty() {
                vec![MESH_GATEWAY.to_owned()]
            } else {
                vs.spec
                    .gateways
                    .iter()
                    .map(|g| resolve_gateway(g, ns))
                    .collect()
            };
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
            let host = resolve(&dr.spec.host, ns, domain);
            // Rules with a workloadSelector are never exported (`setDestinationRules`).
            let export: Vec<String> = match &dr.spec.workload_selector {
                Some(_) => vec![".".to_owned()],
                None => dr.spec.export_to.clone().unwrap_or_default(),
            };
            let local = export.is_empty() || export.iter().any(|e| e == "*" || e == "." || e == ns);
            if local {
                out.namespace_local
                    .entry(ns.to_owned())
                    .or_default()
                    .add(&host, i);
            }
            let private_only = (export.is_empty() && private_default)
                || (export.len() == 1 && (export[0] == "." || export[0] == ns));
            if !private_only {
                out.exported.entry(ns.to_owned()).or_default().add(&host, i);
            } else if ns == root {
                out.root_local.add(&host, i);
            }
            out.dr_export.push(export);
            out.dr_by_object.insert(dr.object, i);
        }
        out
    }

    /// VirtualServices whose hosts (resolved in their namespace) match the resolved `host`.
    pub fn virtual_services_for(&self, host: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.vs_exact.get(host).cloned().unwrap_or_default();
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
        &self.vs_gateways[vs]
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
        self.vs_gateways[vs].iter().any(|g| g == MESH_GATEWAY)
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
        let local = if client_ns == self.root {
            Some(&self.root_local)
        } else {
            self.namespace_local.get(client_ns)
        };
        if let Some((key, rules)) = local.and_then(|p| p.most_specific(host)) {
            return Some(DrChoice {
                step: DrStep::ClientNamespace,
                namespace: client_ns.to_owned(),
                host: key.to_owned(),
                rules: rules.to_vec(),
            });
        }
        let exported = |ns: &str, step| {
            let (key, rules) = self.exported.get(ns)?.most_specific(host)?;
            let rules: Vec<usize> = rules
                .iter()
                .copied()
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
        export.is_empty() || export.iter().any(|e| e == "*" || e == ns)
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
            .and_then(|(k, v)| by_label.get(&(*k, *v)))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&wi| !index.objects[index.workloads[wi].object].is_shadowed())
            .filter(|&wi| {
                selector
                    .iter()
                    .all(|(k, v)| index.workloads[wi].labels.get(k) == Some(*v))
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
        p.add("*.svc.cluster.local", 0);
        p.add("*.app.svc.cluster.local", 1);
        p.add("a.app.svc.cluster.local", 2);
        let key = |h: &str| p.most_specific(h).map(|(k, v)| (k.to_owned(), v.to_vec()));
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
