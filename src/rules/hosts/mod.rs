//! Host checks (MESH301–MESH307): each rule walks [`crate::model::MeshIndex::host_refs`] and
//! looks hosts up in the [`HostRegistry`], resolved the way istiod resolves them (§3).

mod clients;
pub mod destination_port_required;
mod external_name;
pub mod host_resolves_elsewhere;
pub mod ip_address_host;
pub mod partial_hostname;
pub mod short_hostname;
pub mod unknown_host;
pub mod unknown_subset;

use crate::diagnostic::{Edit, Label};
use crate::model::host_refs::HostRef;
use crate::model::hosts::{HostEntry, HostOwner, HostRegistry};
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::Checker;

/// The namespace Istio resolves a rule's short hosts in: the rule's own (§3.1).
fn rule_ns<'c>(ck: &'c Checker<'_, '_>, r: &HostRef<'_>) -> &'c str {
    ck.index.objects[r.object].ns()
}

/// A `hosts` entry of a VirtualService bound only to gateways: matched against the `Host`
/// header (or SNI) that clients send to the gateway, not a mesh service name.
fn is_gateway_host(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> bool {
    if r.field != crate::model::host_refs::HostField::VirtualServiceHost {
        return false;
    }
    let routing = ck.routing();
    routing
        .virtual_service_of(r.object)
        .is_some_and(|vs| !routing.binds_mesh(vs))
}

/// Runs a per-reference check over every host-bearing field: the walk all host rules share.
fn check_each_ref(
    ck: &Checker<'_, '_>,
    out: &mut crate::diagnostic::Findings,
    check: fn(&Checker<'_, '_>, &HostRef<'_>) -> Option<crate::diagnostic::Diagnostic>,
) {
    out.extend(ck.host_refs().iter().filter_map(|r| check(ck, r)));
}

fn registry<'s>(ck: &'s Checker<'_, '_>) -> &'s HostRegistry<'s> {
    ck.hosts()
}

/// An edit replacing a host scalar's value, keeping its quoting: only the bytes between the
/// quotes change for a quoted scalar. Block scalars get no edit.
fn replace_host(ck: &Checker<'_, '_>, r: &HostRef<'_>, new: &str) -> Option<Edit> {
    replace_scalar(ck, r.object, r.node, new)
}

/// A secondary label on whatever defines `entry`: the Service's `metadata.name`, or the
/// ServiceEntry's host item.
fn entry_label(ck: &Checker<'_, '_>, entry: &HostEntry, message: impl Into<String>) -> Label {
    let object = &ck.index.objects[entry.object];
    let node = match entry.owner {
        HostOwner::Service(_) => object.node.at_keys("metadata.name"),
        HostOwner::ServiceEntry(se, h) => ck.index.service_entries[se]
            .spec_node
            .get("hosts")
            .and_then(|hosts| hosts.items().nth(h)),
    };
    let span = node.unwrap_or(object.node).span();
    ck.label(entry.object, span, message)
}

/// `Kind ns/name` of the object that defines `entry`.
fn entry_name(ck: &Checker<'_, '_>, entry: &HostEntry) -> String {
    let object = &ck.index.objects[entry.object];
    format!("{} {}", object.kind, object.qualified_name())
}

/// Why a short host means what it means, for notes.
const SHORT_HOST_NOTE: &str = "Istio expands a host without dots with the namespace of the rule, not of the Service (`<host>.<rule-namespace>.svc.<cluster-domain>`), and uses any host with a dot literally";

/// A note when the rule's namespace is not written in the file: it came from `-n` (or the
/// default), so where the file is applied decides what the host means.
fn assumed_namespace_note(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<String> {
    let object = &ck.index.objects[r.object];
    (!object.namespace_explicit).then(|| {
        format!(
            "{} `{}` has no `metadata.namespace`: it is assumed to be applied in `{}` (from `-n`, default `default`), but its short hosts resolve in whatever namespace it is applied to",
            object.kind,
            object.name,
            object.ns()
        )
    })
}
