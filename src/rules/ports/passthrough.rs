//! MESH103's warning for a ServiceEntry with resolution `NONE` and no `addresses`: its wildcard
//! listener takes every connection on the port, but its cluster is `ORIGINAL_DST`, so each one
//! still reaches the address it dialled. Only what the entry adds applies to all of them: a
//! `targetPort` (Envoy's `upstream_port_override`) and a DestinationRule's TLS or pool settings.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::listeners::{ListenerSource, PortListener};
use crate::rules::{Checker, RuleMeta};
use mesh_lint_yaml::Node;

pub fn report(
    ck: &Checker<'_, '_>,
    meta: &'static RuleMeta,
    l: &PortListener,
) -> Option<Diagnostic> {
    let ListenerSource::ServiceEntry(i) = l.source else {
        return None;
    };
    let se = &ck.index.service_entries[i];
    let port = se.spec.ports.get(l.port_index)?;
    let mut changes = Vec::new();
    let redirect = port.target_port.filter(|&t| t != 0 && t != port.number);
    if let Some(t) = redirect {
        changes.push(format!(
            "its `targetPort` sends every one of them to port {t} instead"
        ));
    }
    let mut rules = Vec::new();
    for host in &se.spec.hosts {
        for d in ck.hosts().destination_rules_for(host) {
            if rules.contains(&d) {
                continue;
            }
            let dr = &ck.index.destination_rules[d];
            if let Some(what) = policy_settings(dr.spec_node, port.number) {
                changes.push(format!(
                    "DestinationRule `{}` applies its {what} to every one of them",
                    ck.index.objects[dr.object].qualified_name()
                ));
                rules.push(d);
            }
        }
    }
    if changes.is_empty() {
        return None;
    }
    let subject = vec![ck.listeners().subject(ck.index, l)];
    if !ck.scopes().seen_by(subject).any() {
        return None;
    }
    let node = l.label_node(ck.index)?;
    let obj = &ck.index.objects[l.object];
    let mut d = ck.diagnostic(
        meta,
        l.object,
        node.span(),
        format!(
            "ServiceEntry `{}` takes every connection on port {} in the sidecars that see it, and changes them",
            obj.qualified_name(),
            l.port
        ),
    );
    d.severity = Severity::Warning;
    d.primary.message = format!("passthrough `0.0.0.0:{}` listener", l.port);
    d.notes.push(format!(
        "{}; connections still reach the address they dialled, but {}; telemetry attributes them to `{}`",
        l.why,
        changes.join(", and "),
        se.spec.hosts.first().copied().unwrap_or("the entry"),
    ).into());
    for &r in &rules {
        let dr = &ck.index.destination_rules[r];
        let at = dr.spec_node.get("trafficPolicy").unwrap_or(dr.spec_node);
        d.related.push(ck.label(
            dr.object,
            at.span(),
            "applies to every connection on the port",
        ));
    }
    d.help = Some(
        "give the ServiceEntry `addresses` (or a `workloadSelector`) so that only its own traffic matches, or move the `targetPort` and DestinationRule settings to an entry that has them".into(),
    );
    Some(d)
}

/// `tls` or `connectionPool` in the rule's `trafficPolicy`, at the top or for `port`.
fn policy_settings(spec: Node<'_>, port: u32) -> Option<&'static str> {
    let policy = spec.get("trafficPolicy")?;
    let mut levels = vec![policy];
    levels.extend(
        policy
            .get("portLevelSettings")
            .into_iter()
            .flat_map(|p| p.items())
            .filter(|s| s.at_keys("port.number").and_then(|n| n.as_i64()) == Some(i64::from(port))),
    );
    let has = |key: &str| {
        levels
            .iter()
            .any(|n| n.get(key).is_some_and(|v| !v.is_null()))
    };
    match (has("tls"), has("connectionPool")) {
        (true, true) => Some("TLS settings and connection pool"),
        (true, false) => Some("TLS settings"),
        (false, true) => Some("connection pool"),
        (false, false) => None,
    }
}
