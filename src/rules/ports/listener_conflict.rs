use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::listeners::{Bind, PortListener, WildcardMatch};
use crate::model::protocol::Protocol;
use crate::model::scopes::{Seen, Subject};
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Reports two resources that would produce the same wildcard `0.0.0.0:<port>` listener in
    /// sidecars that see both (exportTo and Sidecar egress hosts, namespaces of the inputs):
    ///
    /// - two match-all TCP chains (the catch-alls of MESH103: ExternalName Services on
    ///   Istio ≤1.20, ServiceEntries without `addresses`): **error**;
    /// - a match-all TCP chain and an HTTP-class port on the same number (every HTTP Service
    ///   binds `0.0.0.0:<port>`): **warning**.
    ///
    /// ## Why is this bad?
    /// The listener key is `(bind address, port)` (Istio source: `listener.go` listener conflicts). Of two catch-all
    /// TCP chains Istio keeps the first service it processes, in creation-time order, and
    /// silently drops the other (metric `pilot_conflict_outbound_listener_tcp_over_current_tcp`):
    /// from the manifests alone one cannot tell which destination the traffic reaches. TCP and
    /// HTTP on one wildcard port are merged into a sniffing listener: HTTP requests are told
    /// apart by protocol detection, and everything else goes to the TCP chain; except when the
    /// TCP chain is MongoDB or MySQL, which never share a listener: Istio keeps the first and
    /// drops the later one (`isConflictWithWellKnownPort`, `listener.go`).
    ///
    /// A ServiceEntry with resolution `NONE` and no `addresses` is no catch-all here: its
    /// cluster is `ORIGINAL_DST` (`convertResolution` in `cluster.go`, `case
    /// model.Passthrough`), so whichever such chain wins, connections reach the address they
    /// dialled.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata: {name: db-a, namespace: shop}
    /// spec:
    ///   hosts: [db-a.example.com]
    ///   resolution: DNS
    ///   ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata: {name: db-b, namespace: shop}
    /// spec:
    ///   hosts: [db-b.example.com]
    ///   resolution: DNS
    ///   ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
    /// ```
    ///
    /// Use instead: give each ServiceEntry `addresses` (a VIP per destination), or enable DNS
    /// capture with auto-allocation, or use `tls` with SNI where the traffic is TLS.
    ///
    /// ## Fix safety
    /// No automatic fix: which destination should keep the port is a design decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/listener.go` buildSidecarOutboundListener (binding and listener conflicts)
    /// - [Istio: protocol selection](https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/)
    pub static META = {
        code: "MESH104",
        name: "listener-conflict",
        area: "ports",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: [],
        summary: "Two resources that produce the same wildcard listener on one port in an overlapping scope",
    };
}

pub struct ListenerConflict;

impl Rule for ListenerConflict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Listeners, Model::Scopes]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let listeners = ck.listeners();
        let mut seen_ports = BTreeSet::new();
        for l in listeners.all.iter().filter(|l| l.is_catch_all()) {
            if !seen_ports.insert(l.port) {
                continue;
            }
            let on_port: Vec<&PortListener> = listeners
                .on_port(l.port)
                .filter(|o| o.is_wildcard() && seen_by(ck, &[o]).any())
                .collect();
            check_port(ck, &on_port, out);
        }
    }
}

fn check_port(ck: &Checker<'_, '_>, on_port: &[&PortListener], out: &mut Findings) {
    let catch_alls: Vec<&PortListener> = on_port
        .iter()
        .copied()
        .filter(|l| l.is_catch_all())
        .collect();
    let http: Vec<&PortListener> = on_port
        .iter()
        .copied()
        .filter(|l| l.bind == Bind::Wildcard(WildcardMatch::Host))
        .collect();
    for (i, l) in catch_alls.iter().enumerate() {
        // The first of two catch-alls in input order carries no finding; the later one does.
        if let Some(first) = catch_alls[..i].iter().find(|f| overlaps(ck, f, l)) {
            out.extend(tcp_over_tcp(ck, l, first));
        }
        let merged: Vec<&PortListener> = http
            .iter()
            .copied()
            .filter(|h| overlaps(ck, h, l))
            .collect();
        if !merged.is_empty() {
            out.extend(tcp_and_http(ck, l, &merged));
        }
    }
}

/// Namespaces named in a note before "and N more".
const NAMES_IN_NOTES: usize = 10;

/// The namespaces where one proxy sees every listener, as a lazy answer.
fn seen_by<'q>(ck: &'q Checker<'_, '_>, ls: &[&'q PortListener]) -> Seen<'q> {
    let listeners = ck.listeners();
    let subjects: Vec<Subject<'q>> = ls.iter().map(|l| listeners.subject(ck.index, l)).collect();
    ck.scopes().seen_by(subjects)
}

/// True when some namespace of the inputs sees both listeners.
fn overlaps(ck: &Checker<'_, '_>, a: &PortListener, b: &PortListener) -> bool {
    seen_by(ck, &[a, b]).any()
}

fn common(ck: &Checker<'_, '_>, a: &PortListener, b: &PortListener) -> String {
    seen_by(ck, &[a, b]).describe(NAMES_IN_NOTES)
}

fn tcp_over_tcp(
    ck: &Checker<'_, '_>,
    l: &PortListener,
    first: &PortListener,
) -> Option<Diagnostic> {
    let node = l.label_node(ck.index)?;
    let me = &ck.index.objects[l.object];
    let other = &ck.index.objects[first.object];
    let mut d = ck.diagnostic(
        &META,
        l.object,
        node.span(),
        format!(
            "{} `{}` and {} `{}` both claim every connection on `0.0.0.0:{}`",
            me.kind,
            me.qualified_name(),
            other.kind,
            other.qualified_name(),
            l.port
        ),
    );
    d.primary.message = "second match-all TCP chain".into();
    if let Some(n) = first.label_node(ck.index) {
        d.related.push(ck.label(
            first.object,
            n.span(),
            "first match-all TCP chain on this port",
        ));
    }
    d.notes.push(format!(
        "sidecars in {} get both; two TCP chains without a match conflict, and Istio keeps the service it processes first (creation-time order) and drops the other, so which destination wins is not visible in the manifests",
        common(ck, l, first)
    ).into());
    d.help = Some("give the ServiceEntries `addresses`, use different ports, scope them with `exportTo`, or remove the ExternalName port".into());
    Some(d)
}

fn tcp_and_http(
    ck: &Checker<'_, '_>,
    l: &PortListener,
    http: &[&PortListener],
) -> Option<Diagnostic> {
    let node = l.label_node(ck.index)?;
    let me = &ck.index.objects[l.object];
    let verb = if matches!(l.protocol, Protocol::Mongo | Protocol::Mysql) {
        "compete for"
    } else {
        "share"
    };
    let mut d = ck.diagnostic(
        &META,
        l.object,
        node.span(),
        format!(
            "the match-all TCP chain of {} `{}` and HTTP port {} {verb} the wildcard listener `0.0.0.0:{}`",
            me.kind,
            me.qualified_name(),
            l.port,
            l.port
        ),
    );
    d.severity = Severity::Warning;
    d.primary.message = "match-all TCP chain".into();
    for h in http {
        if let Some(n) = h.label_node(ck.index) {
            let o = &ck.index.objects[h.object];
            d.related.push_with(|| {
                ck.label(
                    h.object,
                    n.span(),
                    format!("HTTP port of {} `{}`", o.kind, o.qualified_name()),
                )
            });
        }
    }
    if matches!(l.protocol, Protocol::Mongo | Protocol::Mysql) {
        // `isConflictWithWellKnownPort`: these never share a listener with another protocol.
        let first = http
            .iter()
            .map(|h| h.object)
            .min()
            .filter(|&o| o < l.object);
        let dropped = match first {
            Some(_) => format!(
                "the {} chain of `{}`",
                l.protocol.as_str(),
                me.qualified_name()
            ),
            None => "the HTTP routes on this port".to_owned(),
        };
        d.notes.push(format!(
            "Istio never lets {} share a listener with another protocol (server-first; a sniffer would break it): it keeps whichever it processes first, by creation time (input order here), and drops the other, so {dropped} would be missing. Seen together in {}",
            l.protocol.as_str(),
            common(ck, l, http[0])
        ).into());
    } else {
        d.notes.push(format!(
            "HTTP ports always bind `0.0.0.0:<port>`; with a TCP chain on the same key the listener becomes a sniffing one: HTTP is recognised by protocol detection, everything else goes to the TCP catch-all. Seen together in {}",
            common(ck, l, http[0])
        ).into());
    }
    d.help = Some("use different port numbers for the TCP destination and the HTTP Services, or give the ServiceEntry `addresses`".into());
    Some(d)
}
