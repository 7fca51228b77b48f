use super::evidence::{self, Evidence};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix, Severity};
use crate::model::protocol::{convert_protocol, PortSpec, Protocol};
use crate::model::ServicePortView;
use crate::model::{is_system_namespace, ServiceInfo};
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports a Service port whose protocol Istio cannot tell from `appProtocol` or the port
    /// name, so sidecars sniff the traffic instead of routing it by its declared protocol.
    /// Istio reads `appProtocol` when set (it replaces the name entirely), else the port name
    /// up to the first `-`, case-insensitively: `http-web` is HTTP, `web` and `web-http` are
    /// unknown. `kubernetes.io/h2c` counts from Istio 1.19, `kubernetes.io/ws` and `wss` from
    /// 1.24. Not reported: UDP ports; ports 25, 53, 3306 and 27017 (which Istio treats as
    /// TCP); Services of the Istio control plane and gateway-managed Services; Services in
    /// namespaces Istio never injects (`kube-system`, `kube-public`, `kube-node-lease`,
    /// `local-path-storage`); ExternalName Services on Istio versions where they are DNS
    /// aliases without listeners; SCTP ports, which istio-iptables never redirects to the
    /// sidecar (it captures TCP, and UDP only for DNS), so nothing sniffs them.
    ///
    /// The finding is an **error** when the port evidently carries a server-first protocol
    /// (MySQL on a non-standard port, SMTP, NATS, FTP, SSH...): the server waits for the client
    /// and the sidecar waits for client bytes to detect the protocol, so connections stall.
    /// The evidence is the target container port (a named `targetPort` resolved through the
    /// selected workloads): its name, the image listening there (`mysql`, `mariadb`...), or its
    /// number. A container port whose name Istio would parse as a protocol says how to declare
    /// the port, not whether the server speaks first: `mysql` (or a MySQL image behind
    /// `tcp-db`, or container port 3306) is still server-first.
    ///
    /// ## Why is this bad?
    /// An unnamed or unknown port gets protocol detection: HTTP routing, retries, header
    /// matches and HTTP telemetry depend on the first bytes of each connection, detection adds
    /// latency, and server-first protocols hang until a timeout.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: reviews
    /// spec:
    ///   selector:
    ///     app: reviews
    ///   ports:
    ///     - name: web
    ///       port: 9080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///   ports:
    ///     - name: http-web
    ///       port: 9080
    /// ```
    /// or keep the name and add `appProtocol: http`.
    ///
    /// ## Fix safety
    /// When the protocol is evident (the target container port's name, a well-known image on
    /// that port, a well-known port number), the fix adds `appProtocol: <protocol>`: unsafe,
    /// since it changes how every sidecar routes the port. Otherwise a display-only suggestion.
    ///
    /// ## References
    /// - Istio source: `pkg/config/kube/conversion.go` ConvertProtocol (appProtocol, then the
    ///   name's prefix, then the well-known ports 25, 53, 3306, 27017); `tools/istio-iptables`
    ///   (TCP redirection only)
    /// - [Istio: protocol selection](https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/)
    /// - [Istio: server-first protocols](https://istio.io/latest/docs/ops/deployment/application-requirements/#server-first-protocols)
    /// - istioctl analyze IST0118 and IST0150
    pub static META = {
        code: "MESH101",
        name: "port-name-without-protocol",
        area: "ports",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "unsafe/display",
        subject: Object,
        istioctl: ["IST0118", "IST0150"],
        summary: "A Service port whose protocol Istio cannot tell from appProtocol or its name, so it is sniffed",
    };
}

pub struct PortNameWithoutProtocol;

impl Rule for PortNameWithoutProtocol {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for svc in &ck.index.services {
            if is_skipped(ck, svc) {
                continue;
            }
            let ports = svc.spec.ports.iter();
            for (i, port) in ports.enumerate() {
                let Some(node) = svc.port_nodes.get(i).copied() else {
                    continue;
                };
                if let Some(d) = check_port(ck, svc, port, node) {
                    out.push(d);
                }
            }
        }
    }
}

/// Services in namespaces Istio never injects, control-plane Services (any `istio` label, or
/// `release: istio`), gateway-managed Services, and ExternalName Services that Istio treats as
/// DNS aliases.
fn is_skipped(ck: &Checker<'_, '_>, svc: &ServiceInfo<'_>) -> bool {
    let object = &ck.index.objects[svc.object];
    if is_system_namespace(object.ns()) {
        return true;
    }
    let labels = &object.labels;
    if labels.contains_key("istio") || labels.get("release") == Some("istio") {
        return true;
    }
    if labels
        .get("gateway.istio.io/managed")
        .is_some_and(|v| v.starts_with("istio.io"))
    {
        return true;
    }
    svc.service_type() == "ExternalName" && ck.cx.external_name_is_alias()
}

fn check_port(
    ck: &Checker<'_, '_>,
    svc: &ServiceInfo<'_>,
    port: &ServicePortView<'_>,
    node: Node<'_>,
) -> Option<Diagnostic> {
    let spec = PortSpec::of(port);
    if convert_protocol(spec, ck.cx.istio_version) != Protocol::Unsupported {
        return None;
    }
    // istio-iptables redirects TCP (and DNS over UDP) only: SCTP never reaches a sidecar.
    if port.protocol == Some("SCTP") {
        return None;
    }
    let evidence = evidence::for_port(ck.index, svc, port, ck.cx.istio_version);
    let target = node
        .get("appProtocol")
        .or_else(|| node.get("name"))
        .or_else(|| node.get("port"))
        .unwrap_or(node);
    let mut d = ck.diagnostic(
        &META,
        svc.object,
        target.span(),
        message(&spec, ck.cx.istio_version),
    );
    d.primary.message = "protocol unknown to Istio".into();
    d.notes.push(
        "Istio takes a port's protocol from `appProtocol`, else from the port name up to the first `-` (`http-web` is HTTP); \
         this port names none, so every sidecar sniffs its first bytes to guess: HTTP routing, retries and telemetry depend on the guess"
            .into(),
    );
    if svc.service_type() == "ExternalName" {
        d.notes.push(format!(
            "on Istio {} ExternalName Services get real listeners: a TCP or sniffed port here also creates a catch-all listener in every sidecar (see MESH103, IST0150)",
            ck.cx.istio_version
        ).into());
    }
    match &evidence {
        Some(ev) => apply_evidence(ck, &mut d, ev, port, node),
        None if svc.service_type() == "ExternalName" => {
            d.help = Some("if the external service speaks TLS, name the port `tls` or `https` (routed by SNI, no catch-all); `http-…` for plain HTTP (routed by Host)".into());
            d.fix = insert_app_protocol(ck, svc.object, node, Protocol::Tls).map(|edits| {
                Fix::new(
                    "if the port carries TLS: add `appProtocol: tls`",
                    Applicability::Display,
                    edits,
                )
            });
        }
        None => {
            d.help = Some(match port.name.filter(|n| !n.is_empty()) {
                Some(name) => format!("name the port `<protocol>-{name}` (for example `http-{name}`, `grpc-{name}`, `tcp-{name}`) or set `appProtocol`").into(),
                None => "name the port after its protocol (for example `http`, `grpc`, `tcp`) or set `appProtocol`".to_owned().into(),
            });
            d.fix = insert_app_protocol(ck, svc.object, node, Protocol::Http).map(|edits| {
                Fix::new(
                    "if the port serves HTTP: add `appProtocol: http`",
                    Applicability::Display,
                    edits,
                )
            });
        }
    }
    Some(d)
}

fn message(spec: &PortSpec<'_>, version: crate::model::IstioVersion) -> String {
    if let Some(app) = spec.app_protocol {
        if app.starts_with("kubernetes.io/") {
            return format!("`appProtocol: {app}` is not understood by Istio {version}, so the port's protocol is unknown");
        }
        return match spec.name {
            Some(name) => format!("`appProtocol: {app}` is not a protocol Istio knows, and it replaces the port name `{name}`"),
            None => format!("`appProtocol: {app}` is not a protocol Istio knows"),
        };
    }
    match spec.name {
        None | Some("") => format!(
            "Service port {} has no name and no `appProtocol`, so Istio cannot tell its protocol",
            spec.port
        ),
        Some(name) if name.contains('-') && !name.starts_with('-') => {
            let head = name.split('-').next().unwrap_or("");
            format!("port name `{name}` declares no protocol: Istio reads only `{head}`, the part before the first `-`")
        }
        Some(name) => format!("port name `{name}` does not declare a protocol"),
    }
}

fn apply_evidence(
    ck: &Checker<'_, '_>,
    d: &mut Diagnostic,
    ev: &Evidence,
    port: &ServicePortView<'_>,
    node: Node<'_>,
) {
    if ev.server_first {
        d.severity = Severity::Error;
        d.notes.push(format!(
            "{} is a server-first protocol ({}): the server waits for the client to speak while the sidecar waits for client bytes to detect the protocol, so connections stall",
            ev.what, ev.because
        ).into());
    } else {
        d.notes
            .push(format!("the port evidently carries {} ({})", ev.what, ev.because).into());
    }
    if let Some((object, span)) = ev.at {
        d.related
            .push(ck.label(object, span, format!("{} here", ev.what)));
    }
    let proto = ev.protocol.as_str();
    let name_hint = port
        .name
        .map(|n| format!(" or rename the port to `{proto}-{n}`"))
        .unwrap_or_default();
    d.help = Some(format!("declare the protocol: `appProtocol: {proto}`{name_hint}").into());
    let Some(object) = d.subject else { return };
    d.fix = insert_app_protocol(ck, object, node, ev.protocol).map(|edits| {
        Fix::new(
            format!("add `appProtocol: {proto}`"),
            Applicability::Unsafe,
            edits,
        )
    });
}

/// Edits that set `appProtocol` on a port item: replace an existing value; in a flow mapping,
/// insert before the first key; in a block mapping, add a line after the `name` (or `port`)
/// entry, aligned with its key, so the item reads as a person would write it.
fn insert_app_protocol(
    ck: &Checker<'_, '_>,
    object: usize,
    node: Node<'_>,
    protocol: Protocol,
) -> Option<Vec<Edit>> {
    let value = Value::inline(protocol.as_str());
    let place = Place::After(&["name", "port"]);
    set_key(ck, object, node, "appProtocol", &value, place).map(|e| vec![e])
}
