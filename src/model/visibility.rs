//! exportTo (§4): which namespaces can see a Service, ServiceEntry, VirtualService or
//! DestinationRule. Values: `*` all, `.` own namespace, `~` none, else namespace names.

use super::{MeshConfig, Object};
use std::collections::BTreeSet;

/// The namespaces a resource is exported to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportScope {
    All,
    None,
    /// Explicit namespaces (`.` already replaced by the owner's namespace).
    Namespaces(BTreeSet<String>),
}

/// Where a resource's export list came from, for notes ("no exportTo; MeshConfig default `*`").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportSource {
    /// `spec.exportTo` or the Service annotation.
    Explicit,
    /// The MeshConfig default for the kind (itself `*` when unset).
    MeshDefault,
}

pub const EXPORT_TO_ANNOTATION: &str = "networking.istio.io/exportTo";

impl ExportScope {
    /// Builds a scope from raw entries; `own` is the owner's namespace for `.`.
    pub fn from_entries<'e>(entries: impl IntoIterator<Item = &'e str>, own: &str) -> ExportScope {
        let mut set = BTreeSet::new();
        for e in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            match e {
                "*" => return ExportScope::All,
                "~" => return ExportScope::None,
                "." => {
                    set.insert(own.to_owned());
                }
                ns => {
                    set.insert(ns.to_owned());
                }
            }
        }
        if set.is_empty() {
            ExportScope::All
        } else {
            ExportScope::Namespaces(set)
        }
    }

    /// The Service annotation, read as `serviceExportTo` and `IsServiceVisible` do: `~` hides
    /// the Service only when it is the sole entry; `~,cache` keeps `cache` (annotations are not
    /// validated, unlike `spec.exportTo`, which rejects `~` with other entries).
    pub fn from_annotation(raw: &str, own: &str) -> ExportScope {
        let entries: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries.len() > 1 && entries.iter().any(|e| *e != "~") {
            return ExportScope::from_entries(entries.into_iter().filter(|e| *e != "~"), own);
        }
        ExportScope::from_entries(entries, own)
    }

    pub fn is_visible_in(&self, ns: &str) -> bool {
        match self {
            ExportScope::All => true,
            ExportScope::None => false,
            ExportScope::Namespaces(set) => set.contains(ns),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, ExportScope::All)
    }
}

/// The kinds exportTo applies to, each with its MeshConfig default field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// Kubernetes Services and ServiceEntries: `defaultServiceExportTo`.
    Service,
    VirtualService,
    DestinationRule,
}

impl ExportKind {
    fn mesh_default(self, mc: &MeshConfig) -> Option<&Vec<String>> {
        match self {
            ExportKind::Service => mc.default_service_export_to.as_ref(),
            ExportKind::VirtualService => mc.default_virtual_service_export_to.as_ref(),
            ExportKind::DestinationRule => mc.default_destination_rule_export_to.as_ref(),
        }
    }
}

/// The effective scope of `object`: its explicit list (`spec.exportTo`, or the Service
/// annotation split at commas), else the MeshConfig default for the kind, else `*`.
pub fn export_scope(
    object: &Object<'_>,
    explicit: Option<&[&str]>,
    kind: ExportKind,
    mc: &MeshConfig,
) -> (ExportScope, ExportSource) {
    let own = object.ns();
    let annotation = object
        .annotations
        .get(EXPORT_TO_ANNOTATION)
        .filter(|_| object.kind == "Service");
    if let Some(raw) = annotation {
        return (
            ExportScope::from_annotation(raw, own),
            ExportSource::Explicit,
        );
    }
    if let Some(list) = explicit.filter(|l| !l.is_empty()) {
        return (
            ExportScope::from_entries(list.iter().copied(), own),
            ExportSource::Explicit,
        );
    }
    let default = kind.mesh_default(mc).filter(|l| !l.is_empty());
    let scope = default.map_or(ExportScope::All, |l| {
        ExportScope::from_entries(l.iter().map(String::as_str), own)
    });
    (scope, ExportSource::MeshDefault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_resolve_dot_star_and_tilde() {
        assert_eq!(ExportScope::from_entries(["*"], "a"), ExportScope::All);
        assert_eq!(ExportScope::from_entries(["~"], "a"), ExportScope::None);
        let s = ExportScope::from_entries([".", " b "], "a");
        assert!(s.is_visible_in("a") && s.is_visible_in("b") && !s.is_visible_in("c"));
        assert_eq!(
            ExportScope::from_entries(Vec::<&str>::new(), "a"),
            ExportScope::All
        );
    }

    #[test]
    fn annotation_keeps_namespaces_listed_with_tilde() {
        assert_eq!(ExportScope::from_annotation("~", "a"), ExportScope::None);
        let s = ExportScope::from_annotation("~, cache", "a");
        assert!(s.is_visible_in("cache") && !s.is_visible_in("a"));
        assert_eq!(ExportScope::from_annotation("~,*", "a"), ExportScope::All);
    }
}
