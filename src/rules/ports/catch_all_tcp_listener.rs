use super::export_to::{export_to_own_namespace, source_hosts, HostUsers, MAX_KEPT};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::listeners::{Bind, ListenerSource, PortListener, WildcardMatch};
use crate::model::protocol::ListenerClass;
use crate::model::scopes::thousands;
use crate::model::visibility::{ExportScope, ExportSource};
use crate::model::ServiceInfo;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::cell::OnceCell;

/// Namespaces named in a note before "and N more".
const NAMES_IN_NOTES: usize = 10;

declare_rule! {
    /// ## What it does
    /// Reports a port that makes every sidecar that can see it open a wildcard
    /// `0.0.0.0:<port>` TCP listener whose filter chain has no match at all, so it takes every
    /// connection on that port to any address the mesh does not otherwise know:
    ///
    /// - an `ExternalName` Service with a TCP-class or unnamed port, on Istio 1.20 and older,
    ///   or on 1.21–1.23 with `ENABLE_EXTERNAL_NAME_ALIAS=false` (the `external-name-alias`
    ///   config key); from 1.24 ExternalName Services are DNS aliases without listeners;
    /// - a ServiceEntry without `addresses` whose port protocol is TCP-class or empty (a
    ///   ServiceEntry port's protocol comes only from `protocol:`, never from its name), with
    ///   resolution `DNS`, `DNS_ROUND_ROBIN` or `STATIC`, on every version, unless proxies bind
    ///   auto-allocated addresses. mesh-lint assumes they do when MeshConfig
    ///   `defaultConfig.proxyMetadata` sets `ISTIO_META_DNS_CAPTURE: "true"` and either
    ///   `ISTIO_META_DNS_AUTO_ALLOCATE: "true"`, or istiod's `PILOT_ENABLE_IP_AUTOALLOCATE`,
    ///   which is not in MeshConfig: its default (on from Istio 1.25) is taken unless
    ///   proxyMetadata states it. Auto-allocation skips resolution `NONE`, wildcard hosts and
    ///   entries labelled `networking.istio.io/enable-autoallocate-ip: "false"` (istiod's
    ///   `shouldV2AutoAllocateIPFromPieces`).
    ///
    /// A ServiceEntry with resolution `NONE` (or none written) and no `addresses` and no
    /// `workloadSelector` also gets a `0.0.0.0:<port>` listener, but its cluster is
    /// `ORIGINAL_DST` (`convertResolution` in `pilot/pkg/networking/core/cluster.go`, `case
    /// model.Passthrough`): every connection still reaches the address it dialled, so it is no
    /// hijack. It is reported, as a **warning**, only when the entry changes all that traffic:
    /// a port `targetPort` (Envoy's `upstream_port_override`, `buildCluster` in
    /// `cluster_builder.go`) or a DestinationRule for its host with TLS or connection-pool
    /// settings.
    /// HTTP-class ports (routed by `Host`) and `tls`/`https` ports (routed by SNI) do not
    /// count; a sniffed port gets a listener that sniffs for HTTP and falls back to the
    /// match-all TCP chain. The finding is an **error** when a non-headless Service with a
    /// TCP-class or sniffed (not SCTP) port has its pods listen on the catch-all's port (its
    /// resolved `targetPort`, named ports resolved through the selected workloads: what a client
    /// dialling a pod IP connects to), and those pods' own proxies see the listener: exportTo
    /// with the MeshConfig default, then the Sidecar that selects each workload, else its
    /// namespace's, else the root namespace's (`PushContext.getSidecarScope`). Each such
    /// Service gets a secondary label. Headless Services are exempt: their pods get
    /// per-endpoint `podIP:port` listeners that win over the wildcard. Otherwise the finding is
    /// a **warning**: connections on that port to addresses the mesh does not know are still
    /// captured, in the resource's own namespace at least. Nothing is reported only when no
    /// sidecar sees the resource (`exportTo: ["~"]`).
    ///
    /// ## Why is this bad?
    /// Envoy hands a redirected connection to the listener bound to its original destination,
    /// else to a wildcard listener on the same port (Istio source: `pilot/pkg/networking/core/listener.go` buildSidecarOutboundListener). A catch-all chain
    /// there proxies every such connection, pod-to-pod traffic by IP included, to the
    /// ExternalName target or ServiceEntry host instead of letting it pass through (the
    /// per-kind conversions in `pilot/pkg/serviceregistry/{kube,serviceentry}/conversion.go`). The seeds' outage: an ExternalName Service with port 5701 in namespace `app`
    /// sent the Hazelcast members of another namespace, which talk to each other by pod IP,
    /// to an unrelated service. Istio's own help text for `ENABLE_EXTERNAL_NAME_ALIAS`: "If it
    /// is a TCP port, all traffic on that port will be matched, which can have disastrous
    /// consequences."
    ///
    /// ## Example
    /// ```yaml
    /// # mesh-lint-args: --istio-version 1.20
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: app-ext
    ///   namespace: app
    /// spec:
    ///   type: ExternalName
    ///   externalName: hazelcast.example.com
    ///   ports:
    ///     - name: tcp-hazelcast
    ///       port: 5701
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   name: app-ext
    ///   namespace: app
    ///   annotations:
    ///     networking.istio.io/exportTo: "."
    /// ```
    /// or remove the port (ExternalName Services need none), name it `tls-`/`https-` when the
    /// traffic is TLS (on a ServiceEntry: `protocol: TLS`), give the ServiceEntry `addresses`,
    /// use different ports, scope the pod-IP talkers with a Sidecar (a `workloadSelector` on
    /// exactly them is enough), or upgrade Istio to 1.21 or later (for ExternalName).
    ///
    /// ## Fix safety
    /// The fix exports the resource to its own namespace only (`spec.exportTo: ["."]`, or the
    /// `networking.istio.io/exportTo: "."` annotation on a Service), and to the namespaces
    /// whose VirtualServices or DestinationRules in the inputs name its hosts (`[".", "shop"]`).
    /// Unsafe: sidecars in other namespaces that call it without such a rule lose the route to
    /// it. It is not offered when an affected Service is in the resource's own namespace, where
    /// exporting locally does not help, nor when more than 10 namespaces name it.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/listener.go` buildSidecarOutboundListener; `pilot/pkg/serviceregistry/{kube,serviceentry}/conversion.go`; ENABLE_EXTERNAL_NAME_ALIAS, `pilot/pkg/features/pilot.go` (listener binding, per-kind table, the 5701 hijack); `pilot/pkg/networking/core/cluster.go` convertResolution (`case model.Passthrough`: ORIGINAL_DST); `pilot/pkg/model/push_context.go` getSidecarScope; `pilot/pkg/networking/serviceentry/ip_autoallocation.go` shouldV2AutoAllocateIPFromPieces
    /// - [Istio: traffic routing, ExternalName and ServiceEntry ports](https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/)
    /// - [Istio 1.21 release note: ExternalName as alias](https://istio.io/latest/news/releases/1.21.x/announcing-1.21/upgrade-notes/)
    /// - istioctl analyze IST0134 (ServiceEntryAddressesRequired) and IST0150
    pub static META = {
        code: "MESH103",
        name: "catch-all-tcp-listener",
        area: "ports",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Mesh,
        istioctl: ["IST0134", "IST0150"],
        summary: "A port that gives every sidecar seeing it a match-all 0.0.0.0:<port> TCP listener",
    };
}

pub struct CatchAllTcpListener;

impl Rule for CatchAllTcpListener {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[
            Model::Hosts,
            Model::HostRefs,
            Model::Listeners,
            Model::Scopes,
        ]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let listeners = ck.listeners();
        // Built at the first fix, from the host references (which most runs of this rule need
        // nowhere else).
        let users = OnceCell::new();
        for l in &listeners.all {
            if l.bind == Bind::Wildcard(WildcardMatch::Passthrough) {
                out.extend(super::passthrough::report(ck, &META, l));
                continue;
            }
            if !l.is_catch_all() {
                continue;
            }
            let victims: Vec<&PortListener> = listeners
                .on_pod_port(l.port)
                .filter(|v| is_victim(ck, l, v))
                .collect();
            if let Some(d) = report(ck, l, &victims, &users) {
                out.push(d);
            }
        }
    }
}

/// A non-headless, non-ExternalName Service port with TCP or sniffed traffic whose pods listen
/// on the catch-all's port (its resolved `targetPort`: what pod-IP clients dial), when the
/// pods' own proxies see the catch-all. SCTP is never captured by istio-iptables.
fn is_victim(ck: &Checker<'_, '_>, catch_all: &PortListener, v: &PortListener) -> bool {
    let ListenerSource::Service(i) = v.source else {
        return false;
    };
    let svc = &ck.index.services[i];
    let sctp = svc
        .spec
        .ports
        .get(v.port_index)
        .is_some_and(|p| p.protocol == Some("SCTP"));
    v.object != catch_all.object
        && matches!(v.class, ListenerClass::Tcp | ListenerClass::Sniffed)
        && !sctp
        && !svc.is_headless()
        && svc.service_type() != "ExternalName"
        && talkers_see(ck, catch_all, svc)
}

/// Whether the proxies of the pods behind `svc` (its peers, which dial each other by pod IP)
/// get the listener: each selected workload through the Sidecar that selects it, else its
/// namespace's; the namespace's when no selected workload is in the inputs.
fn talkers_see(ck: &Checker<'_, '_>, l: &PortListener, svc: &ServiceInfo<'_>) -> bool {
    let ns = ck.index.objects[svc.object].ns();
    let subject = ck.listeners().subject(ck.index, l);
    let scopes = ck.scopes();
    let mut workloads = ck.index.selected_workloads(svc).peekable();
    if workloads.peek().is_none() {
        return scopes.sees(ns, &subject);
    }
    workloads.any(|w| scopes.workload_sees(ns, &w.labels, &subject))
}

fn sees(ck: &Checker<'_, '_>, l: &PortListener, ns: &str) -> bool {
    ck.scopes().sees(ns, &ck.listeners().subject(ck.index, l))
}

fn report<'c>(
    ck: &Checker<'c, '_>,
    l: &PortListener,
    victims: &[&PortListener],
    users: &OnceCell<HostUsers<'c>>,
) -> Option<Diagnostic> {
    let obj = &ck.index.objects[l.object];
    let own = obj.ns();
    let reaches_beyond_own = match &l.scope {
        ExportScope::All => true,
        ExportScope::None => false,
        // A listed namespace of the inputs whose Sidecar does not import it is not reached;
        // one missing from the inputs may be.
        ExportScope::Namespaces(set) => set
            .iter()
            .any(|n| n != own && (sees(ck, l, n) || !ck.index.namespaces.contains_key(n))),
    };
    // Own-namespace sidecars have the listener too: only a resource no sidecar sees is silent.
    if victims.is_empty() && !reaches_beyond_own && !sees(ck, l, own) {
        return None;
    }
    let node = l.label_node(ck.index)?;
    let port_desc = match l.port_name(ck.index) {
        Some(name) => format!("port `{name}` ({})", l.port),
        None => format!("port {}", l.port),
    };
    let what = match l.source {
        ListenerSource::Service(_) => format!("ExternalName Service `{}`", obj.qualified_name()),
        ListenerSource::ServiceEntry(_) => format!("ServiceEntry `{}`", obj.qualified_name()),
    };
    let mut d = ck.diagnostic(
        &META,
        l.object,
        node.span(),
        format!(
            "{port_desc} of {what} opens a catch-all `0.0.0.0:{}` {} in every sidecar that sees it",
            l.port,
            listener_word(l),
        ),
    );
    d.primary.message = format!("match-all `0.0.0.0:{}` listener", l.port);
    d.notes.push(format!(
        "{}; a {} port there gets {}, so every connection on port {} to an address the mesh does not know (a pod IP, say) is proxied to `{}` instead of passing through",
        l.why,
        class_word(l),
        chain_words(l),
        l.port,
        target(ck, l),
    ).into());
    d.notes.push(scope_note(ck, l).into());
    if victims.is_empty() {
        d.severity = Severity::Warning;
        d.notes.push(format!(
            "no Service in the inputs serves TCP on port {} where this listener is seen; any such traffic added later, or outside these manifests, is captured",
            l.port
        ).into());
    } else {
        push_victims(ck, &mut d, l, victims);
    }
    d.help = Some(help(l).into());
    let local_victim = victims
        .iter()
        .any(|v| ck.index.objects[v.object].ns() == own);
    if !local_victim && reaches_beyond_own {
        let hosts = source_hosts(ck, l.object, l.source);
        let users = users.get_or_init(|| HostUsers::new(ck));
        let also = users.outside(hosts.iter().map(String::as_str), own);
        let title = match also.as_slice() {
            [] => "export it to its own namespace only".to_owned(),
            _ => format!(
                "export it only to its own namespace and to {}, whose routes or rules name it",
                also.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        if also.len() <= MAX_KEPT {
            d.fix = export_to_own_namespace(ck, l.object, l.source, &also)
                .map(|edits| Fix::new(title, Applicability::Unsafe, edits));
        }
    }
    Some(d)
}

fn push_victims(
    ck: &Checker<'_, '_>,
    d: &mut Diagnostic,
    l: &PortListener,
    victims: &[&PortListener],
) {
    let mut names = Vec::new();
    // A catch-all seen mesh-wide can have thousands of victims: name a few, count the rest.
    for v in victims.iter().take(NAMES_IN_NOTES) {
        let vobj = &ck.index.objects[v.object];
        names.push(format!("`{}`", vobj.qualified_name()));
        if let Some(node) = v.label_node(ck.index) {
            d.related.push(ck.label(
                v.object,
                node.span(),
                if v.port == l.port {
                    format!(
                        "Service `{}` serves TCP on {}: clients reaching its pods by IP are captured",
                        vobj.qualified_name(),
                        l.port
                    )
                } else {
                    format!(
                        "Service `{}` port {} reaches its pods on {}: clients reaching them by IP are captured",
                        vobj.qualified_name(),
                        v.port,
                        l.port
                    )
                },
            ));
        }
    }
    d.notes.push(format!(
        "traffic to the pods of {} on port {} by pod IP (smart clients such as Hazelcast or Kafka do this) matches no `VIP:{}` listener and lands on the catch-all; only headless Services get per-endpoint listeners that win",
        names.join(", ") + &more(victims.len().saturating_sub(NAMES_IN_NOTES)),
        l.port,
        l.port,
    ).into());
}

/// " and 7,998 more" (Services named in a note, after the first few).
fn more(rest: usize) -> String {
    if rest == 0 {
        return String::new();
    }
    format!(" and {} more", thousands(rest))
}

fn class_word(l: &PortListener) -> &'static str {
    match (l.class, l.source) {
        (ListenerClass::Sniffed, ListenerSource::ServiceEntry(_)) => {
            "sniffed (no `protocol:`; a ServiceEntry port's name is never read)"
        }
        (ListenerClass::Sniffed, _) => "sniffed (unnamed or unknown protocol)",
        _ => "TCP-class",
    }
}

/// What the listener is: a plain TCP one, or one that sniffs and falls back to TCP.
fn listener_word(l: &PortListener) -> &'static str {
    match l.class {
        ListenerClass::Sniffed => "listener (sniffing, with a TCP fallback)",
        _ => "TCP listener",
    }
}

fn chain_words(l: &PortListener) -> &'static str {
    match l.class {
        ListenerClass::Sniffed => {
            "a listener that sniffs for HTTP and hands everything else to a TCP filter chain with no match"
        }
        _ => "a TCP filter chain with no match",
    }
}

fn target(ck: &Checker<'_, '_>, l: &PortListener) -> String {
    match l.source {
        ListenerSource::Service(i) => ck.index.services[i]
            .spec
            .external_name
            .unwrap_or("the external name")
            .to_owned(),
        ListenerSource::ServiceEntry(i) => ck.index.service_entries[i]
            .spec
            .hosts
            .first()
            .copied()
            .unwrap_or("the ServiceEntry's host")
            .to_owned(),
    }
}

fn scope_note(ck: &Checker<'_, '_>, l: &PortListener) -> String {
    let scope = match &l.scope {
        ExportScope::All => "all namespaces".to_owned(),
        ExportScope::None => "no namespace".to_owned(),
        ExportScope::Namespaces(set) => {
            let list: Vec<String> = set.iter().map(|n| format!("`{n}`")).collect();
            format!("namespaces {}", list.join(", "))
        }
    };
    let source = match l.scope_source {
        ExportSource::Explicit => "its exportTo",
        ExportSource::MeshDefault => {
            "no exportTo, so the MeshConfig `defaultServiceExportTo` (`*` unless set)"
        }
    };
    let subject = vec![ck.listeners().subject(ck.index, l)];
    let mut seen = ck.scopes().seen_by(subject).describe(NAMES_IN_NOTES);
    if seen.is_empty() {
        seen = "none of the namespaces in the inputs".to_owned();
    }
    format!("exported to {scope} ({source}); sidecars that get the listener, after Sidecar egress hosts: {seen}")
}

fn help(l: &PortListener) -> String {
    let mut remedies = vec!["export it to its own namespace only (`exportTo: [\".\"]`, or the `networking.istio.io/exportTo: \".\"` annotation on a Service)".to_owned()];
    match l.source {
        ListenerSource::Service(_) => {
            remedies.push("remove the port (an ExternalName Service needs none)".into());
            remedies.push("upgrade to Istio 1.21 or later, where ExternalName Services are DNS aliases without listeners".into());
        }
        ListenerSource::ServiceEntry(_) => {
            remedies.push("give the ServiceEntry `addresses`".into());
            remedies.push("enable DNS capture with auto-allocation (`ISTIO_META_DNS_CAPTURE`, `ISTIO_META_DNS_AUTO_ALLOCATE`)".into());
        }
    }
    remedies.push(match l.source {
        ListenerSource::Service(_) => {
            "name the port `tls-`/`https-` (SNI-routed) when the traffic is TLS".into()
        }
        ListenerSource::ServiceEntry(_) => {
            "set `protocol: TLS` on the port (SNI-routed) when the traffic is TLS".into()
        }
    });
    remedies.push("use a port number nothing else in the mesh uses".into());
    remedies.push("restrict Sidecar egress hosts in the affected namespaces".into());
    format!("any of: {}", remedies.join("; "))
}
