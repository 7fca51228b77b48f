use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::protocol::{convert_protocol, PortSpec, Protocol};
use crate::model::ServicePortView;
use crate::model::{ServiceInfo, Workload};
use crate::rules::{Checker, Rule, RuleMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::k8s_openapi;
use std::collections::HashSet;

declare_rule! {
    /// ## What it does
    /// Reports protocol evidence that disagrees with itself:
    ///
    /// - one Service maps two ports with different protocols onto the same target port (a
    ///   multiplexing server such as ArgoCD's, serving HTTP and HTTPS on one container port):
    ///   **error**;
    /// - `appProtocol` names a different protocol than the port name: **warning**
    ///   (`appProtocol` wins, the name is ignored, Istio source: `pkg/config/kube/conversion.go` ConvertProtocol);
    /// - two Services selecting the same workload reach one container port with different
    ///   protocols or different Service port numbers, or use one Service port number with
    ///   different protocols: **warning** (istioctl's IST0116 and IST0137, with selectors
    ///   matched against the pod templates of every workload kind).
    ///
    /// - a TCP port (no `protocol:`, or `TCP`) named `udp-…` (or with `appProtocol: udp`):
    ///   Istio reads the name, takes the port for UDP and builds no outbound listener for it:
    ///   **warning**.
    ///
    /// Ports with different L4 protocols (TCP and UDP on 53) are different sockets and never
    /// compared. `tls` and `https` (also `appProtocol: kubernetes.io/wss`) on one target are no
    /// conflict: sidecars treat both as TLS they pass through.
    ///
    /// ## Why is this bad?
    /// A sidecar builds one inbound chain per target port and one protocol per chain: when
    /// two declarations disagree, one of them wins and the other's traffic is handled as the
    /// wrong protocol (HTTP parsing of TLS bytes, or opaque TCP for HTTP, losing routing,
    /// retries and telemetry). A contradicting `appProtocol` silently overrides a correct name.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   ports:
    ///     - name: http
    ///       port: 80
    ///       targetPort: 8080
    ///     - name: https
    ///       port: 443
    ///       targetPort: 8080
    /// ```
    ///
    /// Use instead: one protocol per container port, e.g. serve TLS on its own container
    /// port, or declare both Service ports as `tcp` when the server multiplexes itself.
    ///
    /// ## Fix safety
    /// No automatic fix: which protocol is right depends on the server.
    ///
    /// ## References
    /// - Istio source: `pkg/config/kube/conversion.go` ConvertProtocol (appProtocol precedence, `udp` names); `pilot/pkg/networking/core/listener.go` (no outbound listener for UDP ports); istioctl analyze IST0116, IST0137
    /// - [Istio: protocol selection](https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/)
    pub static META = {
        code: "MESH102",
        name: "conflicting-port-protocols",
        area: "ports",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0116", "IST0137"],
        summary: "Protocol declarations for the same port or target port that disagree",
    };
}

pub struct ConflictingPortProtocols;

impl Rule for ConflictingPortProtocols {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for svc in &ck.index.services {
            if svc.service_type() == "ExternalName" {
                continue;
            }
            same_service(ck, svc, out);
            app_protocol_vs_name(ck, svc, out);
            udp_name_on_tcp(ck, svc, out);
        }
        let mut reported = HashSet::new();
        for w in &ck.index.workloads {
            across_services(ck, w, &mut reported, out);
        }
    }
}

/// One port of one Service, as Istio reads it.
struct Item<'s> {
    svc: &'s ServiceInfo<'s>,
    index: usize,
    port: &'s ServicePortView<'s>,
    protocol: Protocol,
}

fn ports<'s>(ck: &Checker<'_, '_>, svc: &'s ServiceInfo<'s>) -> Vec<Item<'s>> {
    let ports = svc.spec.ports.iter();
    ports
        .enumerate()
        .map(|(index, port)| Item {
            svc,
            index,
            port,
            protocol: convert_protocol(PortSpec::of(port), ck.cx.istio_version),
        })
        .collect()
}

/// The L4 protocol as Kubernetes knows it: UDP, SCTP, else TCP (an invalid value such as
/// `HTTP` is MESH002's to report; here it is compared as the TCP it would be written as).
fn l4<'a>(port: &ServicePortView<'a>) -> &'a str {
    match port.protocol {
        Some("UDP") => "UDP",
        Some("SCTP") => "SCTP",
        _ => "TCP",
    }
}

fn label_span(item: &Item<'_>) -> Option<mesh_lint_yaml::Span> {
    let node = item.svc.port_nodes.get(item.index)?;
    Some(
        node.get("name")
            .or_else(|| node.get("port"))
            .unwrap_or(*node)
            .span(),
    )
}

fn describe(item: &Item<'_>) -> String {
    match &item.port.name {
        Some(n) => format!(
            "port `{n}` ({}, {})",
            item.port.port,
            item.protocol.as_str()
        ),
        None => format!("port {} ({})", item.port.port, item.protocol.as_str()),
    }
}

/// The target as written: a number, or a container port name (resolved per workload later).
fn target_key(port: &ServicePortView<'_>) -> String {
    match &port.target_port {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => port.port.to_string(),
    }
}

fn same_service(ck: &Checker<'_, '_>, svc: &ServiceInfo<'_>, out: &mut Findings) {
    let items = ports(ck, svc);
    for (i, b) in items.iter().enumerate() {
        let first = items[..i].iter().find(|a| {
            l4(a.port) == l4(b.port)
                && target_key(a.port) == target_key(b.port)
                && !same_protocol(a.protocol, b.protocol)
        });
        let (Some(a), Some(span)) = (first, label_span(b)) else {
            continue;
        };
        let mut d = ck.diagnostic(
            &META,
            svc.object,
            span,
            format!(
                "{} and {} of the same Service both target `{}` with different protocols",
                describe(a),
                describe(b),
                target_key(b.port)
            ),
        );
        d.primary.message = format!("{} here", b.protocol.as_str());
        if let Some(s) = label_span(a) {
            d.related
                .push(ck.label(svc.object, s, format!("{} here", a.protocol.as_str())));
        }
        d.notes.push("the pod's sidecar builds one inbound chain per target port with one protocol, so one of these declarations is ignored and its traffic handled as the other protocol".into());
        d.help = Some("serve each protocol on its own container port, or declare both ports `tcp-` when the server multiplexes protocols itself".into());
        out.push(d);
    }
}

fn app_protocol_vs_name(ck: &Checker<'_, '_>, svc: &ServiceInfo<'_>, out: &mut Findings) {
    for item in ports(ck, svc) {
        let Some(app) = item.port.app_protocol else {
            continue;
        };
        // Port 0 keeps the well-known-port rule from inventing a protocol for the name.
        let by_name = convert_protocol(
            PortSpec {
                port: 0,
                app_protocol: None,
                ..PortSpec::of(item.port)
            },
            ck.cx.istio_version,
        );
        let contradicts = by_name != Protocol::Unsupported
            && item.protocol != Protocol::Unsupported
            && !same_protocol(by_name, item.protocol);
        let node = item
            .svc
            .port_nodes
            .get(item.index)
            .and_then(|n| n.get("appProtocol"));
        let (true, Some(node)) = (contradicts, node) else {
            continue;
        };
        let name = item.port.name.unwrap_or("");
        let mut d = ck.diagnostic(
            &META,
            svc.object,
            node.span(),
            format!(
                "`appProtocol: {app}` contradicts the port name `{name}`: Istio uses {}, not {}",
                item.protocol.as_str(),
                by_name.as_str()
            ),
        );
        d.severity = Severity::Warning;
        d.primary.message = "wins over the name".into();
        d.notes
            .push("when `appProtocol` is set Istio never looks at the port name".into());
        d.help = Some(
            format!(
                "make them agree: remove `appProtocol`, or rename the port `{}-…`",
                item.protocol.as_str()
            )
            .into(),
        );
        out.push(d);
    }
}

/// Whether two declarations give the pod's sidecar the same inbound chain: equal protocols, or
/// `tls` and `https` (`kubernetes.io/wss`), which sidecars both take as TLS they pass through.
fn same_protocol(a: Protocol, b: Protocol) -> bool {
    a == b
        || matches!(
            (a, b),
            (Protocol::Tls, Protocol::Https) | (Protocol::Https, Protocol::Tls)
        )
}

/// A TCP port whose name (or `appProtocol`) says `udp`: Istio's `ConvertProtocol` reads the
/// name, takes it for UDP and builds no listener for it, so its TCP traffic is not proxied.
fn udp_name_on_tcp(ck: &Checker<'_, '_>, svc: &ServiceInfo<'_>, out: &mut Findings) {
    for item in ports(ck, svc) {
        if item.protocol != Protocol::Udp || l4(item.port) != "TCP" {
            continue;
        }
        let Some(span) = label_span(&item) else {
            continue;
        };
        let declared = item.port.app_protocol.map_or_else(
            || format!("name `{}`", item.port.name.unwrap_or("")),
            |a| format!("`appProtocol: {a}`"),
        );
        let mut d = ck.diagnostic(
            &META,
            svc.object,
            span,
            format!(
                "port {} is TCP, but its {declared} declares UDP: Istio treats it as UDP and gives it no outbound listener",
                item.port.port
            ),
        );
        d.severity = Severity::Warning;
        d.primary.message = "read as UDP".into();
        d.notes.push("Istio takes the protocol from the name (or `appProtocol`) for any port not marked `protocol: UDP`; a UDP port gets no listener in the sidecars, so TCP connections to it go to the passthrough (or blackhole, with `REGISTRY_ONLY`) cluster: no mTLS, routing or telemetry".into());
        d.help = Some("name the port after the protocol it carries over TCP (`tcp-…`), or set `protocol: UDP` if it really is UDP".into());
        out.push(d);
    }
}

/// The container port number a Service port reaches on `w`.
fn container_port(w: &Workload<'_>, port: &ServicePortView<'_>) -> Option<i32> {
    match &port.target_port {
        Some(IntOrString::Int(n)) => Some(*n),
        None => Some(port.port),
        Some(IntOrString::String(name)) => w
            .containers
            .iter()
            .flat_map(|c| c.ports.iter())
            .find(|p| p.name == Some(name.as_str()))
            .map(|p| p.container_port),
    }
}

fn across_services(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    reported: &mut HashSet<(usize, usize, usize, usize)>,
    out: &mut Findings,
) {
    let selecting: Vec<&ServiceInfo<'_>> = ck
        .index
        .services_selecting(w)
        .filter(|s| s.service_type() != "ExternalName")
        .collect();
    if selecting.len() < 2 {
        return;
    }
    let items: Vec<(Item<'_>, Option<i32>)> = selecting
        .iter()
        .flat_map(|s| ports(ck, s))
        .map(|it| {
            let target = container_port(w, it.port);
            (it, target)
        })
        .collect();
    for (i, (b, tb)) in items.iter().enumerate() {
        for (a, ta) in &items[..i] {
            if a.svc.object == b.svc.object || l4(a.port) != l4(b.port) {
                continue;
            }
            let same_target = ta.is_some() && ta == tb;
            let differ = !same_protocol(a.protocol, b.protocol);
            let why = if same_target && differ {
                "reach the same container port with different protocols"
            } else if same_target && a.port.port != b.port.port {
                "reach the same container port from different Service port numbers"
            } else if a.port.port == b.port.port && differ {
                "use the same port number with different protocols"
            } else {
                continue;
            };
            let key = (a.svc.object, a.index, b.svc.object, b.index);
            if !reported.insert(key) {
                continue;
            }
            out.extend(cross_diagnostic(ck, w, a, b, why));
            break;
        }
    }
}

fn cross_diagnostic(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    a: &Item<'_>,
    b: &Item<'_>,
    why: &str,
) -> Option<Diagnostic> {
    let span = label_span(b)?;
    let aobj = &ck.index.objects[a.svc.object];
    let bobj = &ck.index.objects[b.svc.object];
    let wobj = &ck.index.objects[w.object];
    let mut d = ck.diagnostic(
        &META,
        b.svc.object,
        span,
        format!(
            "{} of Service `{}` and {} of Service `{}` select {} `{}` and {why}",
            describe(b),
            bobj.name,
            describe(a),
            aobj.name,
            wobj.kind,
            wobj.qualified_name()
        ),
    );
    d.severity = Severity::Warning;
    d.primary.message = "this port".into();
    if let Some(s) = label_span(a) {
        d.related
            .push(ck.label(a.svc.object, s, "the other Service's port"));
    }
    let wspan = w
        .template_node
        .get("metadata")
        .map(|m| m.get("labels").unwrap_or(m).span());
    if let Some(s) = wspan {
        d.related
            .push(ck.label(w.object, s, "pods selected by both"));
    }
    d.notes.push("a pod's sidecar has one inbound chain per port with one protocol; Services that disagree about it make one of them wrong (istioctl IST0116/IST0137)".into());
    d.help = Some("give both Services the same port number and protocol for this container port, or select disjoint workloads".into());
    Some(d)
}
