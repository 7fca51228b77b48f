//! Which namespaces' sidecars import a resource (§5): each namespace's selector-less Sidecar
//! egress hosts, else the root namespace's default Sidecar, else everything exported there.

use super::hosts::host_matches;
use super::visibility::ExportScope;
use super::{LintContext, MeshIndex};
use mesh_lint_kube::istio;
use std::collections::{BTreeSet, HashMap};

/// The Sidecar egress scope of each namespace (§5): the namespace's selector-less Sidecar, else
/// the root namespace's selector-less Sidecar, else everything exported to the namespace.
/// Sidecars with a workloadSelector scope single workloads and are not modelled per namespace.
pub(super) struct SidecarScopes<'s> {
    per_ns: HashMap<&'s str, &'s istio::SidecarSpec>,
    root_default: Option<&'s istio::SidecarSpec>,
}

impl<'s> SidecarScopes<'s> {
    pub(super) fn new(index: &'s MeshIndex<'_>, cx: &LintContext) -> Self {
        let root = cx.mesh_config.root_namespace();
        let mut per_ns: HashMap<&str, &istio::SidecarSpec> = HashMap::new();
        for sc in index
            .sidecars
            .iter()
            .filter(|s| s.spec.workload_selector.is_none())
        {
            // Istio keeps the oldest of several selector-less Sidecars; input order stands in.
            per_ns
                .entry(index.objects[sc.object].ns())
                .or_insert(&sc.spec);
        }
        let root_default = per_ns.get(root).copied();
        SidecarScopes {
            per_ns,
            root_default,
        }
    }

    /// Namespaces of the inputs whose sidecars see a resource of `owner_ns` with `hosts`.
    pub(super) fn visible_in(
        &self,
        index: &MeshIndex<'_>,
        scope: &ExportScope,
        owner_ns: &str,
        hosts: &[String],
        port: i32,
    ) -> Vec<String> {
        let set: BTreeSet<&String> = index
            .namespaces
            .keys()
            .filter(|ns| scope.is_visible_in(ns))
            .filter(|ns| self.imports(ns, owner_ns, hosts, port))
            .collect();
        set.into_iter().cloned().collect()
    }

    fn imports(&self, proxy_ns: &str, owner_ns: &str, hosts: &[String], port: i32) -> bool {
        let Some(sc) = self.per_ns.get(proxy_ns).copied().or(self.root_default) else {
            return true;
        };
        if sc.egress.is_empty() {
            return true;
        }
        sc.egress
            .iter()
            .filter(|e| {
                e.port
                    .as_ref()
                    .is_none_or(|p| i64::from(p.number) == i64::from(port))
            })
            .flat_map(|e| e.hosts.iter())
            .any(|entry| egress_entry_imports(entry, proxy_ns, owner_ns, hosts))
    }
}

/// One `namespace/dnsName` egress entry. `~` entries (none, or 1.31 exclusions) import nothing;
/// exclusions are not applied (knowingly: a wider scope is the conservative side here).
fn egress_entry_imports(entry: &str, proxy_ns: &str, owner_ns: &str, hosts: &[String]) -> bool {
    let Some((ns, host)) = entry.split_once('/') else {
        return false;
    };
    let ns_ok = match ns {
        "*" => true,
        "." => owner_ns == proxy_ns,
        n if n.starts_with('~') => false,
        n => n == owner_ns,
    };
    ns_ok && hosts.iter().any(|h| host_matches(host, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egress_entries() {
        let hosts = vec!["a.app.svc.cluster.local".to_owned()];
        assert!(egress_entry_imports("*/*", "x", "app", &hosts));
        assert!(egress_entry_imports("./*", "app", "app", &hosts));
        assert!(!egress_entry_imports("./*", "x", "app", &hosts));
        assert!(egress_entry_imports(
            "app/*.svc.cluster.local",
            "x",
            "app",
            &hosts
        ));
        assert!(!egress_entry_imports("~/*", "app", "app", &hosts));
        assert!(!egress_entry_imports(
            "istio-system/*",
            "app",
            "app",
            &hosts
        ));
        assert!(!egress_entry_imports("bad", "app", "app", &hosts));
    }
}
