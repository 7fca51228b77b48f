//! The edit that narrows a resource's visibility to its own namespace, as MESH103 and MESH202
//! propose, keeping the namespaces whose routes and rules use it.

use crate::diagnostic::Edit;
use crate::model::host_refs::HostField;
use crate::model::hosts::{resolve, service_fqdn};
use crate::model::listeners::ListenerSource;
use crate::model::visibility::EXPORT_TO_ANNOTATION;
use crate::model::ObjectRef;
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::Checker;
use std::collections::{BTreeSet, HashMap};

/// More namespaces than this using a resource: it is shared on purpose, and a list that long is
/// no narrowing; no fix is proposed.
pub const MAX_KEPT: usize = 10;

/// Which namespaces name each host in a VirtualService (a host, a route destination, a mirror)
/// or a DestinationRule host, resolved in the namespace of the object that writes it. Built
/// once per rule run from the host references, so each finding is a lookup.
pub struct HostUsers<'c> {
    by_host: HashMap<String, BTreeSet<&'c str>>,
}

impl<'c> HostUsers<'c> {
    pub fn new(ck: &Checker<'c, '_>) -> HostUsers<'c> {
        let index: &'c _ = ck.index;
        let domain = &ck.cx.cluster_domain;
        let mut by_host: HashMap<String, BTreeSet<&'c str>> = HashMap::new();
        for r in ck.host_refs() {
            if r.field == HostField::ServiceEntryHost {
                continue;
            }
            let object = &index.objects[r.object];
            if object.is_shadowed() {
                continue;
            }
            let ns = object.ns();
            by_host
                .entry(resolve(r.host, ns, domain))
                .or_default()
                .insert(ns);
        }
        HostUsers { by_host }
    }

    /// The namespaces other than `own` that name one of `hosts` (taken literally, as a
    /// ServiceEntry's hosts are), sorted.
    pub fn outside<'h>(&self, hosts: impl IntoIterator<Item = &'h str>, own: &str) -> Vec<&'c str> {
        let mut out: BTreeSet<&'c str> = BTreeSet::new();
        for host in hosts {
            let users = self.by_host.get(host).into_iter().flatten();
            out.extend(users.copied().filter(|ns| *ns != own));
        }
        out.into_iter().collect()
    }
}

/// The hosts a listener's resource defines: a ServiceEntry's hosts, a Service's name.
pub fn source_hosts(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    source: ListenerSource,
) -> Vec<String> {
    match source {
        ListenerSource::ServiceEntry(i) => ck.index.service_entries[i]
            .spec
            .hosts
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
        ListenerSource::Service(_) => {
            let o = &ck.index.objects[object];
            vec![service_fqdn(o.name, o.ns(), &ck.cx.cluster_domain)]
        }
    }
}

/// The export list the fix writes: the own namespace, then `also`.
pub fn export_list(also: &[&str]) -> Vec<String> {
    std::iter::once(".")
        .chain(also.iter().copied())
        .map(str::to_owned)
        .collect()
}

/// Edits that export the resource to its own namespace and `also` only: `spec.exportTo` on a
/// ServiceEntry (`["."]`, or `[".", "shop"]`), the `networking.istio.io/exportTo` annotation
/// (`"."`, or `".,shop"`) on a Service.
pub fn export_to_own_namespace(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    source: ListenerSource,
    also: &[&str],
) -> Option<Vec<Edit>> {
    let list = export_list(also);
    let annotation = || Value::inline(format!("\"{}\"", list.join(",")));
    let edit = match source {
        ListenerSource::ServiceEntry(i) => {
            let se = &ck.index.service_entries[i];
            if se.spec_node.id() == ck.index.objects[object].node.id() {
                return None;
            }
            let quoted: Vec<String> = list.iter().map(|n| format!("\"{n}\"")).collect();
            let value = Value::inline(format!("[{}]", quoted.join(", ")));
            set_key(ck, object, se.spec_node, "exportTo", &value, Place::First)
        }
        ListenerSource::Service(_) => {
            let metadata = ck.index.objects[object].node.get("metadata")?;
            match metadata.get("annotations") {
                Some(a) if a.is_null() => None,
                Some(a) => set_key(
                    ck,
                    object,
                    a,
                    EXPORT_TO_ANNOTATION,
                    &annotation(),
                    Place::First,
                ),
                None => {
                    let value = Value::entry(EXPORT_TO_ANNOTATION, annotation());
                    set_key(ck, object, metadata, "annotations", &value, Place::First)
                }
            }
        }
    }?;
    Some(vec![edit])
}
