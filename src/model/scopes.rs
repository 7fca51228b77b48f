//! Visibility as queries (§4, §5): a resource is seen by the proxies of namespace `N` when its
//! exportTo scope contains `N` and the egress of some proxy of `N` imports it. The scope is a
//! value per resource and the egress an index per Sidecar; which namespaces see a resource is
//! computed when asked, never stored per namespace. With `S` Sidecars in the inputs, "does `N`
//! see it" costs one lookup, and "which namespaces see both" costs O(S) or the size of the
//! smaller explicit exportTo list, however many namespaces the mesh has.

use super::sidecar_scope::{Egress, SidecarIndex};
use super::visibility::ExportScope;
use super::{LintContext, MeshIndex, NamespaceInfo};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Something proxies import or not: its exportTo scope, its namespace and hosts, and the port
/// (Sidecar egress listeners may bind one port).
#[derive(Clone, Copy, Debug)]
pub struct Subject<'q> {
    pub scope: &'q ExportScope,
    pub owner_ns: &'q str,
    pub hosts: &'q [String],
    pub port: i32,
}

impl Subject<'_> {
    fn imported_by(&self, egress: Egress<'_>, proxy_ns: &str) -> bool {
        egress.imports(proxy_ns, self.owner_ns, self.hosts, self.port)
    }
}

/// The namespaces of the inputs and their Sidecar egress, answering visibility questions.
pub struct Scopes<'s> {
    namespaces: &'s BTreeMap<String, NamespaceInfo>,
    pub sidecars: SidecarIndex<'s>,
}

impl<'s> Scopes<'s> {
    pub fn new(index: &'s MeshIndex<'_>, cx: &LintContext) -> Self {
        Scopes {
            namespaces: &index.namespaces,
            sidecars: SidecarIndex::new(index, cx),
        }
    }

    /// Whether the proxies of `ns` that no workload Sidecar selects see `s`.
    pub fn sees(&self, ns: &str, s: &Subject<'_>) -> bool {
        s.scope.is_visible_in(ns) && s.imported_by(self.sidecars.namespace_default(ns), ns)
    }

    /// Whether the proxies of a workload with pod `labels` in `ns` see `s`: the Sidecar that
    /// selects the workload decides, else the namespace's.
    pub fn workload_sees(
        &self,
        ns: &str,
        labels: &BTreeMap<String, String>,
        s: &Subject<'_>,
    ) -> bool {
        s.scope.is_visible_in(ns) && s.imported_by(self.sidecars.for_workload(ns, labels), ns)
    }

    /// Whether one proxy of `ns` (any workload Sidecar's, or the namespace default's) sees
    /// every subject.
    fn sees_all(&self, ns: &str, subjects: &[Subject<'_>]) -> bool {
        subjects.iter().all(|s| s.scope.is_visible_in(ns))
            && self
                .sidecars
                .egresses(ns)
                .any(|egress| subjects.iter().all(|s| s.imported_by(egress, ns)))
    }

    /// The namespaces of the inputs where one proxy sees every subject, as a lazy answer.
    pub fn seen_by<'q>(&'q self, subjects: Vec<Subject<'q>>) -> Seen<'q> {
        Seen {
            scopes: self,
            subjects,
        }
    }
}

/// Which namespaces of the inputs see a set of subjects; nothing is materialised until asked.
pub struct Seen<'q> {
    scopes: &'q Scopes<'q>,
    subjects: Vec<Subject<'q>>,
}

/// The candidates before egress: every namespace, none, or the smallest explicit list.
enum Candidates<'q> {
    All,
    None,
    Listed(&'q BTreeSet<String>),
}

impl<'q> Seen<'q> {
    fn candidates(&self) -> Candidates<'q> {
        let mut best: Option<&'q BTreeSet<String>> = None;
        for s in &self.subjects {
            match s.scope {
                ExportScope::None => return Candidates::None,
                ExportScope::All => {}
                ExportScope::Namespaces(set) => {
                    if best.is_none_or(|b| set.len() < b.len()) {
                        best = Some(set);
                    }
                }
            }
        }
        best.map_or(Candidates::All, Candidates::Listed)
    }

    /// Whether the proxies of namespaces without a Sidecar of their own see every subject.
    fn mesh_default_sees(&self) -> bool {
        let egress = self.scopes.sidecars.mesh_default();
        // The owner namespace matters only for `./` entries, which a root Sidecar may hold:
        // such entries are judged per namespace below, so test with a namespace that is none.
        egress.is_unrestricted() || {
            let probe = "\u{0}";
            self.subjects.iter().all(|s| s.imported_by(egress, probe))
        }
    }

    /// The namespaces, sorted.
    pub fn iter(&self) -> Box<dyn Iterator<Item = &'q str> + '_> {
        let scopes = self.scopes;
        let subjects = &self.subjects;
        let keep = move |ns: &str| scopes.sees_all(ns, subjects);
        match self.candidates() {
            Candidates::None => Box::new(std::iter::empty()),
            Candidates::Listed(set) => Box::new(
                set.iter()
                    .map(String::as_str)
                    .filter(move |ns| scopes.namespaces.contains_key(*ns))
                    .filter(move |ns| keep(ns)),
            ),
            Candidates::All if self.mesh_default_sees() => Box::new(
                scopes
                    .namespaces
                    .keys()
                    .map(String::as_str)
                    .filter(move |ns| keep(ns)),
            ),
            Candidates::All => {
                let mut names: Vec<&'q str> = scopes.sidecars.explicit_namespaces().to_vec();
                names.extend(self.dot_candidates());
                names.sort_unstable();
                names.dedup();
                Box::new(names.into_iter().filter(move |ns| keep(ns)))
            }
        }
    }

    /// Namespaces without a Sidecar of their own whose mesh-default proxies may see the
    /// subjects although the default does not import them elsewhere: with a root Sidecar's
    /// `./` entries, only the subjects' own namespaces can differ from the rest, so the others
    /// need no walk.
    fn dot_candidates(&self) -> Vec<&'q str> {
        if !self.has_dot_entries() {
            return Vec::new();
        }
        let scopes = self.scopes;
        let mut owners: Vec<&'q str> = self
            .subjects
            .iter()
            .map(|s| s.owner_ns)
            .filter(|ns| scopes.namespaces.contains_key(*ns) && !scopes.sidecars.has_own(ns))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        owners
    }

    /// A root Sidecar with `./` entries imports a namespace's own resources in every
    /// namespace: the mesh default differs per namespace, so walk them all.
    fn has_dot_entries(&self) -> bool {
        let Egress(Some(sc)) = self.scopes.sidecars.mesh_default() else {
            return false;
        };
        sc.egress
            .iter()
            .flat_map(|e| e.hosts.iter())
            .any(|h| h.starts_with("./"))
    }

    pub fn any(&self) -> bool {
        self.iter().next().is_some()
    }

    pub fn count(&self) -> usize {
        if !matches!(self.candidates(), Candidates::All) {
            return self.iter().count();
        }
        let explicit = self.scopes.sidecars.explicit_namespaces();
        let by_default = if self.mesh_default_sees() {
            self.scopes.namespaces.len() - explicit.len()
        } else {
            self.dot_candidates()
                .into_iter()
                .filter(|ns| self.scopes.sees_all(ns, &self.subjects))
                .count()
        };
        let own = explicit
            .iter()
            .filter(|ns| self.scopes.sees_all(ns, &self.subjects))
            .count();
        by_default + own
    }

    /// The first `few` namespaces in backticks, and how many more: "`a`, `b` and 7,998 more".
    /// Empty when no namespace sees the subjects.
    pub fn describe(&self, few: usize) -> String {
        let names: Vec<&str> = self.iter().take(few + 1).collect();
        if names.len() <= few {
            return join_ticked(&names);
        }
        let rest = self.count() - few;
        format!(
            "{} and {} more",
            join_ticked(&names[..few]),
            thousands(rest)
        )
    }
}

fn join_ticked(names: &[&str]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{n}`");
    }
    out
}

/// `7998` as `7,998`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(998), "998");
        assert_eq!(thousands(7998), "7,998");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
