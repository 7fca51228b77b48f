//! The Sidecar egress index (§5): which Sidecar decides what a proxy imports. A proxy takes the
//! Sidecar of its namespace whose workloadSelector matches its labels, else its namespace's
//! selector-less Sidecar, else the root namespace's selector-less Sidecar, else it imports
//! everything exported to its namespace (Istio: `PushContext.getSidecarScope`).
//!
//! Size: one entry per Sidecar object; nothing per namespace of the mesh.

use super::hosts::host_matches;
use super::scopes::Hosts;
use super::workload::Labels;
use super::{LintContext, MeshIndex};
use mesh_lint_kube::istio::SidecarSpec;
use std::collections::{BTreeMap, HashMap};

/// What one group of proxies imports: a Sidecar's egress, or everything (no Sidecar).
#[derive(Clone, Copy, Debug)]
pub struct Egress<'s>(pub Option<&'s SidecarSpec<'s>>);

impl Egress<'_> {
    /// Whether proxies with this egress import a resource of `owner_ns` with `hosts` on `port`.
    pub fn imports(self, proxy_ns: &str, owner_ns: &str, hosts: Hosts<'_>, port: i32) -> bool {
        let Some(sc) = self.0 else { return true };
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

    /// True when this egress imports everything (no Sidecar, or one without egress).
    pub fn is_unrestricted(self) -> bool {
        self.0.is_none_or(|sc| sc.egress.is_empty())
    }
}

/// A Sidecar with a workloadSelector: it scopes the proxies whose labels it selects.
#[derive(Debug)]
pub struct WorkloadSidecar<'s> {
    pub selector: &'s BTreeMap<String, String>,
    pub spec: &'s SidecarSpec<'s>,
}

/// Every Sidecar of the inputs, by namespace.
#[derive(Debug, Default)]
pub struct SidecarIndex<'s> {
    per_ns: HashMap<&'s str, &'s SidecarSpec<'s>>,
    per_workload: HashMap<&'s str, Vec<WorkloadSidecar<'s>>>,
    root_default: Option<&'s SidecarSpec<'s>>,
    /// Namespaces with a Sidecar of their own (selector-less or with a selector), sorted.
    explicit: Vec<&'s str>,
    /// The egress above inverted: for each namespace an entry names (`ns/...`, or the
    /// Sidecar's own namespace for `./...`), the namespaces holding such a Sidecar. Sorted,
    /// deduplicated; one entry per egress host at most.
    importers_named: HashMap<&'s str, Vec<&'s str>>,
    /// Namespaces with a Sidecar that may import from any namespace (`*/...`, or no egress).
    importers_any: Vec<&'s str>,
    /// Namespaces of the inputs without a selector-less Sidecar of their own: their proxies
    /// that no workload Sidecar selects take the mesh default. Sorted.
    on_mesh_default: Vec<&'s str>,
}

impl<'s> SidecarIndex<'s> {
    pub fn new(index: &'s MeshIndex<'_>, cx: &LintContext) -> Self {
        let root = cx.mesh_config.root_namespace();
        let mut out = SidecarIndex::default();
        for sc in &index.sidecars {
            let ns = index.objects[sc.object].ns();
            match &sc.spec.workload_selector {
                // Istio keeps the oldest of several selector-less Sidecars; input order stands in.
                None => {
                    out.per_ns.entry(ns).or_insert(&sc.spec);
                }
                Some(sel) => out
                    .per_workload
                    .entry(ns)
                    .or_default()
                    .push(WorkloadSidecar {
                        selector: &sel.labels,
                        spec: &sc.spec,
                    }),
            }
        }
        out.root_default = out.per_ns.get(root).copied();
        let mut explicit: Vec<&str> = out.per_ns.keys().copied().collect();
        explicit.extend(out.per_workload.keys().copied());
        explicit.sort_unstable();
        explicit.dedup();
        out.explicit = explicit;
        out.index_importers();
        let on_mesh_default = index
            .namespaces
            .keys()
            .map(String::as_str)
            .filter(|ns| !out.per_ns.contains_key(ns))
            .collect();
        out.on_mesh_default = on_mesh_default;
        out
    }

    /// Fills the inverted index from the Sidecars that decide egress (`per_ns`, `per_workload`).
    fn index_importers(&mut self) {
        let own = self.per_ns.iter().map(|(ns, sc)| (*ns, *sc));
        let workload = self
            .per_workload
            .iter()
            .flat_map(|(ns, ws)| ws.iter().map(move |w| (*ns, w.spec)));
        let mut named: HashMap<&'s str, Vec<&'s str>> = HashMap::new();
        let mut any = Vec::new();
        for (proxy_ns, spec) in own.chain(workload) {
            if spec.egress.is_empty() {
                any.push(proxy_ns);
                continue;
            }
            for host in spec.egress.iter().flat_map(|e| e.hosts.iter()) {
                match host.split_once('/').map(|(ns, _)| ns) {
                    Some("*") => any.push(proxy_ns),
                    Some(".") => named.entry(proxy_ns).or_default().push(proxy_ns),
                    Some(ns) if !ns.starts_with('~') => {
                        named.entry(ns).or_default().push(proxy_ns);
                    }
                    _ => {}
                }
            }
        }
        for list in named.values_mut().chain(std::iter::once(&mut any)) {
            list.sort_unstable();
            list.dedup();
        }
        self.importers_named = named;
        self.importers_any = any;
    }

    /// Namespaces with a Sidecar of their own whose egress may import resources of `owner_ns`
    /// (a superset: hosts and ports are not judged), as two sorted lists: those whose entries
    /// name `owner_ns`, and those that may import from any namespace.
    pub fn importers_of(&self, owner_ns: &str) -> (&[&'s str], &[&'s str]) {
        let named = self
            .importers_named
            .get(owner_ns)
            .map_or(&[][..], Vec::as_slice);
        (named, &self.importers_any)
    }

    /// Namespaces of the inputs whose proxies default to the mesh default, sorted.
    pub fn on_mesh_default(&self) -> &[&'s str] {
        &self.on_mesh_default
    }

    /// Whether `ns` has a selector-less Sidecar of its own.
    pub fn has_namespace_sidecar(&self, ns: &str) -> bool {
        self.per_ns.contains_key(ns)
    }

    /// The egress of proxies in `ns` that no workload Sidecar selects.
    pub fn namespace_default(&self, ns: &str) -> Egress<'s> {
        Egress(self.per_ns.get(ns).copied().or(self.root_default))
    }

    /// The egress of proxies in namespaces without a Sidecar of their own.
    pub fn mesh_default(&self) -> Egress<'s> {
        Egress(self.root_default)
    }

    /// Every distinct egress the proxies of `ns` may have: the namespace default (some proxy
    /// is assumed to fall back to it), then each workload Sidecar of the namespace.
    pub fn egresses(&self, ns: &str) -> impl Iterator<Item = Egress<'s>> + '_ {
        let workload = self.per_workload.get(ns).into_iter().flatten();
        std::iter::once(self.namespace_default(ns)).chain(workload.map(|w| Egress(Some(w.spec))))
    }

    /// The egress of a workload with pod `labels` in `ns`: the first workload Sidecar whose
    /// selector matches, else the namespace default. An empty `workloadSelector: {}` matches
    /// every workload, as in Istio's `getSidecarScope` (`labels.Instance.SubsetOf`).
    pub fn for_workload(&self, ns: &str, labels: &Labels) -> Egress<'s> {
        let selected = self
            .per_workload
            .get(ns)
            .into_iter()
            .flatten()
            .find(|w| w.selector.iter().all(|(k, v)| labels.get(k) == Some(v)));
        match selected {
            Some(w) => Egress(Some(w.spec)),
            None => self.namespace_default(ns),
        }
    }

    /// Namespaces with a Sidecar of their own, sorted: the only ones whose proxies can import
    /// differently from the mesh default.
    pub fn explicit_namespaces(&self) -> &[&'s str] {
        &self.explicit
    }

    pub fn has_own(&self, ns: &str) -> bool {
        self.explicit.binary_search(&ns).is_ok()
    }

    /// Egress host entries held (the index's size besides one entry per Sidecar).
    pub fn host_entries(&self) -> usize {
        let ns = self.per_ns.values().copied();
        let wl = self.per_workload.values().flatten().map(|w| w.spec);
        ns.chain(wl)
            .flat_map(|sc| sc.egress.iter())
            .map(|e| e.hosts.len())
            .sum()
    }
}

/// One `namespace/dnsName` egress entry. `~` entries (none, or 1.31 exclusions) import nothing;
/// exclusions are not applied (knowingly: a wider scope is the conservative side here).
fn egress_entry_imports(entry: &str, proxy_ns: &str, owner_ns: &str, hosts: Hosts<'_>) -> bool {
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
        assert!(egress_entry_imports(
            "*/*",
            "x",
            "app",
            Hosts::Built(&hosts)
        ));
        assert!(egress_entry_imports(
            "./*",
            "app",
            "app",
            Hosts::Built(&hosts)
        ));
        assert!(!egress_entry_imports(
            "./*",
            "x",
            "app",
            Hosts::Built(&hosts)
        ));
        assert!(egress_entry_imports(
            "app/*.svc.cluster.local",
            "x",
            "app",
            Hosts::Built(&hosts)
        ));
        assert!(!egress_entry_imports(
            "~/*",
            "app",
            "app",
            Hosts::Built(&hosts)
        ));
        assert!(!egress_entry_imports(
            "istio-system/*",
            "app",
            "app",
            Hosts::Built(&hosts)
        ));
        assert!(!egress_entry_imports(
            "bad",
            "app",
            "app",
            Hosts::Built(&hosts)
        ));
    }

    #[test]
    fn an_empty_workload_selector_selects_every_workload() {
        let everyone = BTreeMap::new();
        let only_db = BTreeMap::from([("app".to_owned(), "db".to_owned())]);
        let (all_spec, db_spec) = (SidecarSpec::default(), SidecarSpec::default());
        let mut index = SidecarIndex::default();
        index.per_workload.insert(
            "shop",
            vec![
                WorkloadSidecar {
                    selector: &only_db,
                    spec: &db_spec,
                },
                WorkloadSidecar {
                    selector: &everyone,
                    spec: &all_spec,
                },
            ],
        );
        let web: Labels = [("app", "web")].into_iter().collect();
        let db: Labels = [("app", "db")].into_iter().collect();
        let picked = |labels| index.for_workload("shop", labels).0.map(std::ptr::from_ref);
        assert_eq!(picked(&web), Some(std::ptr::from_ref(&all_spec)));
        assert_eq!(picked(&db), Some(std::ptr::from_ref(&db_spec)));
        assert_eq!(index.for_workload("other", &web).0, None);
    }
}
