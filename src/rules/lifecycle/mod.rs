//! Workload lifecycle, annotation and injection checks (MESH401–MESH415): how the sidecar starts, stops, is probed and
//! configured, for every workload kind's pod template. Injection state comes from
//! [`crate::model::injection`]; version-dependent behaviour from [`crate::model::lifecycle`];
//! annotation facts from [`crate::model::catalogue`].

pub mod alpha_istio_annotation;
pub mod annotation_edit;
mod annotation_sites;
mod deprecated_fields;
pub mod deprecated_istio_config;
mod helm_values;
pub mod hold_until_proxy_missing;
pub mod image_auto_without_injection;
pub mod injection_conflict;
pub mod invalid_istio_annotation;
pub mod job_never_completes;
pub mod misplaced_annotation;
pub mod namespace_without_injection_label;
pub mod privileged_proxy;
pub mod probe_rewrite_disabled;
pub mod proxy_uid_conflict;
pub mod removed_istio_api;
pub mod reserved_port;
pub mod unknown_istio_annotation;

use crate::diagnostic::Diagnostic;
use crate::model::injection::{Mode, State};
use crate::model::Workload;
use crate::rules::Checker;
use mesh_lint_yaml::{Node, Span};
use std::collections::BTreeMap;

/// The proxy's container name in every injection template.
pub const PROXY_CONTAINER: &str = "istio-proxy";

/// `Kind ns/name` of the workload, for messages.
fn describe(ck: &Checker<'_, '_>, w: &Workload<'_>) -> String {
    let o = &ck.index.objects[w.object];
    format!("{} `{}`", o.kind, o.qualified_name())
}

/// The pod template's annotations (the Pod's own for a Pod).
fn template_annotations(w: &Workload<'_>) -> BTreeMap<String, String> {
    w.annotations.to_map()
}

/// The `key: value` entry of the pod template's `metadata.<section>`.
fn template_entry<'a>(w: &Workload<'a>, section: &str, key: &str) -> Option<(Node<'a>, Node<'a>)> {
    w.template_node
        .get("metadata")?
        .get(section)?
        .get_entry(key)
}

/// True when the template already declares an `istio-proxy` container: a gateway Deployment or
/// a pod exported after injection, whose proxy the user manages by hand.
fn declares_proxy(w: &Workload<'_>) -> bool {
    w.containers.iter().any(|c| c.name == PROXY_CONTAINER)
        || w.init_containers.contains(&PROXY_CONTAINER)
}

/// True when the workload gets an injected Envoy sidecar that mesh-lint should reason about
/// (not a gateway, not a hand-declared proxy).
fn is_sidecar(ck: &Checker<'_, '_>, w: &Workload<'_>) -> bool {
    ck.injection_mode(w) == Mode::Sidecar && !declares_proxy(w)
}

/// Adds why the sidecar-injected workload `w` counts as injected (the decision is made again
/// here: only findings need its reason), and the assumption when it rests on one.
fn sidecar_notes(ck: &Checker<'_, '_>, w: &Workload<'_>, d: &mut Diagnostic) {
    injection_notes(ck, w, &ck.injection().workload(w), d);
}

/// Adds why the workload counts as injected, and the assumption when it rests on one.
fn injection_notes(ck: &Checker<'_, '_>, w: &Workload<'_>, state: &State, d: &mut Diagnostic) {
    if state.assumed {
        let ns = ck.index.objects[w.object].ns();
        d.notes.push(ck.injection().assumption_note(ns).into());
    } else {
        d.notes
            .push(format!("it is sidecar-injected: {}", state.reason).into());
    }
    if let Some((object, span)) = state.evidence {
        if object != w.object || !d.related.iter().any(|l| l.span == span) {
            d.related.push(ck.label(object, span, "decides injection"));
        }
    }
}

/// Where a finding about the whole pod template points: the `template:` key (the Pod's
/// `metadata:` key for a Pod).
fn template_anchor(ck: &Checker<'_, '_>, w: &Workload<'_>) -> Span {
    let node = ck.index.objects[w.object].node;
    // Every template path has a parent (`spec.template`) except a Pod's, which is empty.
    let (parent, key) = match w.template_path.rsplit_once('.') {
        Some((parent, key)) => (node.at_keys(parent), key),
        None => (Some(node), "metadata"),
    };
    parent
        .and_then(|p| p.get_entry(key))
        .map_or(node.span(), |(k, _)| k.span())
}

/// A container of the pod template, as a tree node.
#[derive(Clone, Copy)]
struct Container<'a> {
    node: Node<'a>,
    name: &'a str,
}

/// The pod template's containers and init containers, the proxy excluded.
fn app_containers<'a>(w: &Workload<'a>) -> Vec<Container<'a>> {
    let Some(spec) = w.template_node.get("spec") else {
        return Vec::new();
    };
    let list = |key: &str| {
        spec.get(key)
            .into_iter()
            .flat_map(|l| l.items())
            .map(move |node| Container {
                node,
                name: node.get("name").and_then(|n| n.as_str()).unwrap_or(""),
            })
            .collect::<Vec<_>>()
    };
    let mut all = list("initContainers");
    all.extend(list("containers"));
    all.retain(|c| !matches!(c.name, PROXY_CONTAINER | "istio-init" | "istio-validation"));
    all
}

/// A probe (or nothing) of a container: its kind, its key node (`readinessProbe`), the action
/// node and the port it targets when known.
struct Probe<'a> {
    key: Node<'a>,
    kind: crate::model::lifecycle::ProbeKind,
    port_node: Option<Node<'a>>,
    port: Option<u32>,
}

const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

fn probes<'a>(c: Container<'a>) -> Vec<Probe<'a>> {
    use crate::model::lifecycle::ProbeKind;
    let mut out = Vec::new();
    for name in PROBES {
        let Some((key, probe)) = c.node.get_entry(name) else {
            continue;
        };
        let action = [
            ("httpGet", ProbeKind::Http),
            ("tcpSocket", ProbeKind::Tcp),
            ("grpc", ProbeKind::Grpc),
            ("exec", ProbeKind::Exec),
        ]
        .into_iter()
        .find_map(|(k, kind)| probe.get(k).map(|a| (a, kind)));
        let Some((action, kind)) = action else {
            continue;
        };
        let port_node = action.get("port");
        let port = port_node.and_then(|p| resolve_port(c, p));
        out.push(Probe {
            key,
            kind,
            port_node,
            port,
        });
    }
    out
}

/// A port given as a number, or as the name of one of the container's ports.
fn resolve_port(c: Container<'_>, port: Node<'_>) -> Option<u32> {
    if let Some(n) = port.as_i64() {
        return u32::try_from(n).ok();
    }
    let name = port.as_str()?;
    if let Ok(n) = name.parse::<u32>() {
        return Some(n);
    }
    c.node
        .get("ports")?
        .items()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))?
        .get("containerPort")?
        .as_i64()
        .and_then(|n| u32::try_from(n).ok())
}
