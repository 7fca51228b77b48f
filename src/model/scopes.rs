//! Visibility as queries (§4, §5): a resource is seen by the proxies of namespace `N` when its
//! exportTo scope contains `N` and the egress of some proxy of `N` imports it. The scope is a
//! value per resource and the egress an index per Sidecar; which namespaces see a resource is
//! computed when asked, never stored per namespace. With `S` Sidecars in the inputs, "does `N`
//! see it" costs one lookup, and "which namespaces see both" costs O(S) or the size of the
//! smaller explicit exportTo list, however many namespaces the mesh has.

use super::sidecar_scope::{Egress, SidecarIndex};
use super::visibility::ExportScope;
use super::workload::Labels;
use super::{LintContext, MeshIndex, NamespaceInfo};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Something proxies import or not: its exportTo scope, its namespace and hosts, and the port
/// (Sidecar egress listeners may bind one port).
#[derive(Clone, Copy, Debug)]
pub struct Subject<'q> {
    pub scope: &'q ExportScope,
    pub owner_ns: &'q str,
    pub hosts: Hosts<'q>,
    pub port: i32,
}

/// The hosts of a subject: a Service's one name (built by the model), or a ServiceEntry's
/// `hosts` (borrowed from its spec).
#[derive(Clone, Copy, Debug)]
pub enum Hosts<'q> {
    Built(&'q [String]),
    Written(&'q [&'q str]),
}

impl<'q> Hosts<'q> {
    pub fn iter(self) -> impl Iterator<Item = &'q str> {
        let (built, written): (&[String], &[&str]) = match self {
            Hosts::Built(h) => (h, &[]),
            Hosts::Written(h) => (&[], h),
        };
        built
            .iter()
            .map(String::as_str)
            .chain(written.iter().copied())
    }

    pub fn first(self) -> Option<&'q str> {
        self.iter().next()
    }
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
    pub fn workload_sees(&self, ns: &str, labels: &Labels, s: &Subject<'_>) -> bool {
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
            Candidates::All if self.mesh_default_sees() => {
                let by_default = scopes.sidecars.on_mesh_default().iter().copied();
                let own = self.own_seeing().into_iter();
                Box::new(merge_sorted(by_default, own))
            }
            Candidates::All => Box::new(self.judged().into_iter().filter(move |ns| keep(ns))),
        }
    }

    /// Namespaces with a Sidecar of their own that may import every subject: those whose
    /// egress may import from the owner of the subject with the fewest such namespaces (from
    /// the Sidecar index's inverted egress, so O(importers), never O(namespaces)). Sorted,
    /// deduplicated, unjudged.
    fn own_candidates(&self) -> Vec<&'q str> {
        let sidecars = &self.scopes.sidecars;
        let fewest = self
            .subjects
            .iter()
            .map(|s| sidecars.importers_of(s.owner_ns))
            .min_by_key(|(named, any)| named.len() + any.len());
        let Some((named, any)) = fewest else {
            return sidecars.explicit_namespaces().to_vec();
        };
        let mut out: Vec<&'q str> =
            merge_sorted(named.iter().copied(), any.iter().copied()).collect();
        out.dedup();
        out
    }

    /// With the mesh default importing every subject: the namespaces with a selector-less
    /// Sidecar of their own that see every subject (the others see them by default), sorted.
    fn own_seeing(&self) -> Vec<&'q str> {
        let scopes = self.scopes;
        self.own_candidates()
            .into_iter()
            .filter(|ns| scopes.sidecars.has_namespace_sidecar(ns))
            .filter(|ns| scopes.namespaces.contains_key(*ns))
            .filter(|ns| scopes.sees_all(ns, &self.subjects))
            .collect()
    }

    /// With the mesh default not importing every subject: the only namespaces that may see
    /// them, to judge one by one. A root Sidecar's `./` entries import a namespace's own
    /// resources, so the subjects' owners join those whose own Sidecars may import them.
    fn judged(&self) -> Vec<&'q str> {
        let scopes = self.scopes;
        let mut names = self.own_candidates();
        names.extend(self.subjects.iter().map(|s| s.owner_ns));
        names.retain(|ns| scopes.namespaces.contains_key(*ns));
        names.sort_unstable();
        names.dedup();
        names
    }

    /// How many namespaces a full answer ([`Seen::iter`] to the end, or [`Seen::count`])
    /// judges one by one: the size of the query, which must stay O(importers of the subjects),
    /// never O(namespaces). Exposed so tests can guard that design without timing anything.
    pub fn judged_namespaces(&self) -> usize {
        match self.candidates() {
            Candidates::None => 0,
            Candidates::Listed(set) => set.len(),
            Candidates::All if self.mesh_default_sees() => self.own_candidates().len(),
            Candidates::All => self.judged().len(),
        }
    }

    pub fn any(&self) -> bool {
        match self.candidates() {
            // Every namespace on the mesh default sees them: no need to judge the others.
            Candidates::All
                if self.mesh_default_sees()
                    && !self.scopes.sidecars.on_mesh_default().is_empty() =>
            {
                true
            }
            _ => self.iter().next().is_some(),
        }
    }

    pub fn count(&self) -> usize {
        match self.candidates() {
            Candidates::All if self.mesh_default_sees() => {
                self.scopes.sidecars.on_mesh_default().len() + self.own_seeing().len()
            }
            _ => self.iter().count(),
        }
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

/// Two sorted iterators as one, sorted (equal items both kept).
fn merge_sorted<'a>(
    a: impl Iterator<Item = &'a str>,
    b: impl Iterator<Item = &'a str>,
) -> impl Iterator<Item = &'a str> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if y < x => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
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
