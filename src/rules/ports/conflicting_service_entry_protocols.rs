use crate::diagnostic::{Diagnostic, Findings};
use crate::model::protocol::Protocol;
use crate::model::visibility::{export_scope, ExportKind, ExportScope};
use crate::model::ObjectRef;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;
use std::collections::{BTreeMap, BTreeSet, HashMap};

declare_rule! {
    /// ## What it does
    /// Reports ServiceEntries that define the same host and port number with different
    /// protocols for the same proxies: their exportTo scopes (MeshConfig's
    /// `defaultServiceExportTo` when unset) share a namespace. Protocols are compared as
    /// Istio parses them (`protocol.Parse`: case-insensitive; empty or unknown means
    /// sniffed), so `http` and `HTTP` agree and `""` and `HTTP` do not.
    ///
    /// The finding says which one a namespace's proxies use when Istio's order decides it:
    /// ServiceEntries exported to that namespace by name (or `.`) come before those exported
    /// everywhere; between two of the same kind, the older wins.
    ///
    /// ## Why is this bad?
    /// A proxy keeps one service per host. When several ServiceEntries define the host, istiod
    /// merges their ports (same namespace and settings) or drops the later entry, and for a
    /// port both define, the first one's protocol wins (`SidecarScope.appendSidecarServices`).
    /// The other's protocol is silently ignored: HTTPS traffic parsed as HTTP fails, HTTP
    /// declared as TLS loses routing. With equal standing the creation time decides, so
    /// re-applying one flips the protocol. istioctl reports this as IST0177.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata: {name: api-https, namespace: shop}
    /// spec:
    ///   hosts: [api.example.com]
    ///   ports: [{number: 8443, name: https, protocol: HTTPS}]
    ///   resolution: DNS
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata: {name: api-http, namespace: shop}
    /// spec:
    ///   hosts: [api.example.com]
    ///   ports: [{number: 8443, name: http, protocol: HTTP}]
    ///   resolution: DNS
    /// ```
    ///
    /// Use instead: one ServiceEntry per host, or the same protocol for the port in each.
    ///
    /// ## Fix safety
    /// No fix: which protocol the server speaks is not in the manifests.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/serviceentry/conflictingserviceentries.go` (IST0177); `pilot/pkg/model/sidecar.go` appendSidecarServices, canMergeServices; `pilot/pkg/model/push_context.go` servicesExportedToNamespace
    /// - [Istio: ServiceEntry](https://istio.io/latest/docs/reference/config/networking/service-entry/)
    pub static META = {
        code: "MESH106",
        name: "conflicting-service-entry-protocols",
        area: "ports",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0177"],
        summary: "ServiceEntries giving one host and port different protocols for the same proxies",
    };
}

pub struct ConflictingServiceEntryProtocols;

/// One port of one ServiceEntry host.
struct PortUse<'a> {
    se: usize,
    object: ObjectRef,
    ns: String,
    scope: ExportScope,
    protocol: Protocol,
    written: String,
    /// The port's `protocol` value, else the port item.
    node: Node<'a>,
}

impl PortUse<'_> {
    /// 0 when exported to `n` by name or `.`, 1 when exported everywhere; `None`: not visible.
    fn rank(&self, n: &str) -> Option<u8> {
        match &self.scope {
            ExportScope::All => Some(1),
            ExportScope::None => None,
            ExportScope::Namespaces(s) => s.contains(n).then_some(0),
        }
    }
}

/// The namespaces two scopes share: `None` for every namespace.
type Overlap = Option<BTreeSet<String>>;

/// Where two ports' scopes overlap, if anywhere.
fn overlap(a: &ExportScope, b: &ExportScope) -> Option<Overlap> {
    match (a, b) {
        (ExportScope::None, _) | (_, ExportScope::None) => None,
        (ExportScope::All, ExportScope::All) => Some(None),
        (ExportScope::All, ExportScope::Namespaces(s))
        | (ExportScope::Namespaces(s), ExportScope::All) => Some(Some(s.clone())),
        (ExportScope::Namespaces(x), ExportScope::Namespaces(y)) => {
            let i: BTreeSet<String> = x.intersection(y).cloned().collect();
            (!i.is_empty()).then_some(Some(i))
        }
    }
}

impl Rule for ConflictingServiceEntryProtocols {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let mut by_key: HashMap<(&str, u32), Vec<PortUse<'_>>> = HashMap::new();
        for (i, se) in ck.index.service_entries.iter().enumerate() {
            let object = &ck.index.objects[se.object];
            if object.is_shadowed() {
                continue;
            }
            let (scope, _) = export_scope(
                object,
                se.spec.export_to.as_deref(),
                ExportKind::Service,
                &ck.cx.mesh_config,
            );
            let port_nodes: Vec<Node<'_>> = se
                .spec_node
                .get("ports")
                .into_iter()
                .flat_map(|p| p.items())
                .collect();
            for host in &se.spec.hosts {
                for (p, port) in se.spec.ports.iter().enumerate() {
                    let written = port.protocol.unwrap_or_default().to_owned();
                    let item = port_nodes.get(p).copied().unwrap_or(se.spec_node);
                    let node = item
                        .get("protocol")
                        .filter(|n| !n.is_null())
                        .unwrap_or(item);
                    by_key
                        .entry((*host, port.number))
                        .or_default()
                        .push(PortUse {
                            se: i,
                            object: se.object,
                            ns: object.ns().to_owned(),
                            scope: scope.clone(),
                            protocol: Protocol::parse(&written),
                            written,
                            node,
                        });
                }
            }
        }
        let mut keys: Vec<&(&str, u32)> = by_key.keys().collect();
        keys.sort();
        let mut reported: BTreeSet<(usize, u32)> = BTreeSet::new();
        for key in keys {
            let uses = &by_key[key];
            if uses.len() < 2 {
                continue;
            }
            check_key(ck, key.0, key.1, uses, &mut reported, out);
        }
    }
}

fn check_key(
    ck: &Checker<'_, '_>,
    host: &str,
    port: u32,
    uses: &[PortUse<'_>],
    reported: &mut BTreeSet<(usize, u32)>,
    out: &mut Findings,
) {
    // Per port use, the other uses it clashes with and where.
    let mut clashes: BTreeMap<usize, Vec<(usize, Overlap)>> = BTreeMap::new();
    for (x, a) in uses.iter().enumerate() {
        for (y, b) in uses.iter().enumerate().skip(x + 1) {
            if a.se == b.se || a.protocol == b.protocol {
                continue;
            }
            let Some(wh) = overlap(&a.scope, &b.scope) else {
                continue;
            };
            clashes.entry(x).or_default().push((y, wh.clone()));
            clashes.entry(y).or_default().push((x, wh));
        }
    }
    for (x, list) in clashes {
        let me = &uses[x];
        // One finding per ServiceEntry and port, however many of its hosts clash.
        if !reported.insert((me.se, port)) {
            continue;
        }
        out.push(report(ck, host, port, uses, x, &list));
    }
}

fn shown(u: &PortUse<'_>) -> String {
    if u.written.is_empty() {
        "no protocol (sniffed)".into()
    } else {
        format!("`{}`", u.written)
    }
}

fn report(
    ck: &Checker<'_, '_>,
    host: &str,
    port: u32,
    uses: &[PortUse<'_>],
    x: usize,
    list: &[(usize, Overlap)],
) -> Diagnostic {
    let me = &uses[x];
    let name = |u: &PortUse<'_>| format!("`{}`", ck.index.objects[u.object].qualified_name());
    let (y, wh) = &list[0];
    let other = &uses[*y];
    let mut others: Vec<String> = list.iter().map(|(o, _)| name(&uses[*o])).collect();
    others.sort();
    others.dedup();
    let message = format!(
        "ServiceEntries {} and {} give `{host}` port {port} different protocols ({} here, {} there)",
        name(me),
        crate::rules::routing::name_list(&others),
        shown(me),
        shown(other),
    );
    let mut d = ck.diagnostic(&META, me.object, me.node.span(), message);
    d.primary.message = format!("{} for `{host}:{port}`", shown(me));
    for (o, _) in list {
        let u = &uses[*o];
        d.related.push(ck.label(
            u.object,
            u.node.span(),
            format!("{} for the same host and port", shown(u)),
        ));
    }
    d.notes
        .push(winner_note(ck, host, port, me, other, wh).into());
    d.notes.push(
        "a proxy keeps one service per host: istiod merges the ServiceEntries' ports or drops the later entry, and for a port both define the first one's protocol wins (istioctl IST0177)".into(),
    );
    d.help = Some(
        format!(
            "declare `{host}` in one ServiceEntry, or give port {port} the same protocol in each"
        )
        .into(),
    );
    d
}

/// Which protocol the proxies of the overlap get, when Istio's order (not the creation time)
/// decides it.
fn winner_note(
    ck: &Checker<'_, '_>,
    host: &str,
    port: u32,
    a: &PortUse<'_>,
    b: &PortUse<'_>,
    wh: &Overlap,
) -> String {
    let name = |u: &PortUse<'_>| format!("`{}`", ck.index.objects[u.object].qualified_name());
    let where_ = match wh {
        None => "every namespace".to_owned(),
        Some(s) => s
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let n = wh
        .as_ref()
        .and_then(|s| s.iter().next().cloned())
        .unwrap_or_else(|| a.ns.clone());
    match (a.rank(&n), b.rank(&n)) {
        (Some(ra), Some(rb)) if ra != rb => {
            let (w, l) = if ra < rb { (a, b) } else { (b, a) };
            format!(
                "for proxies in `{n}`, {} (exported to that namespace by name) comes before {} (exported everywhere): `{host}:{port}` is {} there",
                name(w),
                name(l),
                shown(w)
            )
        }
        _ => format!(
            "both are visible to proxies in {where_} with equal standing: the older ServiceEntry's protocol wins, so re-creating one flips it"
        ),
    }
}
