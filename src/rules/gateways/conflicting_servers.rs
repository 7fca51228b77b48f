use super::{gateway_name, proxy_label, proxy_words};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::gateways::merge::{DropReason, Dropped};
use crate::model::gateways::servers::{Gateway, Server};
use crate::model::gateways::Gateways;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Replays pilot's merge of the Gateways each gateway proxy gets (`mergeGateways`) and
    /// reports every server it skips:
    ///
    /// - a plaintext server whose protocol cannot share the port with an earlier one (only
    ///   HTTP joins HTTP: a TCP and an HTTP server on port 80 do not merge);
    /// - a second TCP (or other non-HTTP) plaintext server on the same port and `bind`;
    /// - a TLS server (or an HTTP server with `tls.httpsRedirect`) with a host that an earlier
    ///   TLS server on the same port and `bind` already has: Envoy cannot hold two filter
    ///   chains for one SNI name;
    /// - two HTTPS servers of one Gateway on one port with the same port name.
    ///
    /// Gateways land on the same proxy when their selectors match the same pods, in any
    /// namespace. The pods are the gateway workloads of the inputs, the gateways Istio installs
    /// (`istio: ingressgateway`…) when the inputs do not hold them, the pods Istio deploys for
    /// Gateway API Gateways, and for a selector that matches none of those, the unknown pods it
    /// names (which every Gateway with a subset of its labels also configures). Server ports
    /// that are Service ports are translated to target ports first, as pilot does.
    ///
    /// Unlike istioctl (IST0145), HTTP servers that share a port and a host are not reported:
    /// pilot merges them into one route table, which is how several Gateways serve `*` on port
    /// 80. Conflicts inside one Gateway are reported too.
    ///
    /// ## Why is this bad?
    /// istiod keeps the server of the Gateway created first and drops the other
    /// (`RecordRejectedConfig`): its hosts get no listener, connection or route on that
    /// gateway, and which one survives depends on creation order, so re-applying the
    /// manifests can move traffic from one to the other.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 80, name: http, protocol: HTTP}
    ///       hosts: ["shop.example.com"]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: legacy-tcp, namespace: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 80, name: tcp, protocol: TCP}
    ///       hosts: ["*"]
    /// ```
    ///
    /// Use instead: a port per protocol (`31400` for the TCP server), or one Gateway whose
    /// servers do not overlap.
    ///
    /// ## Fix safety
    /// No fix: which server should have the port is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/gateway.go` mergeGateways, canMergeProtocols, CheckDuplicates, gatewayRDSRouteName, resolvePorts; `pilot/pkg/model/config.go` configCompareByCreationTime; istioctl `pkg/config/analysis/analyzers/gateway/conflictinggateway.go` (IST0145)
    /// - [Istio: Gateway](https://istio.io/latest/docs/reference/config/networking/gateway/)
    pub static META = {
        code: "MESH501",
        name: "conflicting-gateway-servers",
        area: "gateways",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0145"],
        summary: "Two Gateway servers on the same gateway pods and port that pilot cannot merge: one is dropped",
    };
}

pub struct ConflictingServers;

impl Rule for ConflictingServers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Scopes, Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        if model.gateways.is_empty() {
            return;
        }
        for d in model.dropped() {
            out.push(report(ck, model, &d));
        }
    }
}

fn server_words(gw: &Gateway<'_>, s: &Server<'_>) -> String {
    match &s.port {
        Some(p) if !p.name.is_empty() => format!(
            "server `{}` ({} {})",
            p.name,
            protocol_text(p.protocol_text),
            p.number
        ),
        Some(p) => format!(
            "server {} ({} {})",
            s.index,
            protocol_text(p.protocol_text),
            p.number
        ),
        None => format!("server {} of {}", s.index, gateway_name(gw)),
    }
}

fn protocol_text(p: &str) -> &str {
    if p.is_empty() {
        "no protocol,"
    } else {
        p
    }
}

/// The host node that collides, for a duplicate TLS host.
fn host_node<'a>(s: &Server<'a>, host: &str) -> Option<Node<'a>> {
    s.hosts
        .iter()
        .find(|h| {
            h.node.as_str() == Some(host)
                || h.host == host
                || host.ends_with(&format!("/{}", h.host))
        })
        .map(|h| h.node)
}

fn report(ck: &Checker<'_, '_>, model: &Gateways<'_>, d: &Dropped) -> Diagnostic {
    let (lg, ls) = d.lost;
    let (kg, ks) = d.kept;
    let (lost_gw, kept_gw) = (&model.gateways[lg], &model.gateways[kg]);
    let (lost, kept) = (&lost_gw.servers[ls], &kept_gw.servers[ks]);
    let same = lg == kg;
    let kept_owner = if same {
        format!("its {}", server_words(kept_gw, kept))
    } else {
        format!(
            "{} of {}",
            server_words(kept_gw, kept),
            gateway_name(kept_gw)
        )
    };
    let port = d.port;
    let (message, why, primary_node, kept_node) = match &d.reason {
        DropReason::ProtocolConflict => (
            format!(
                "{} of {} cannot share port {port} with {kept_owner}",
                server_words(lost_gw, lost),
                gateway_name(lost_gw)
            ),
            "Only HTTP servers merge on one port (`canMergeProtocols`); any other protocol needs a port of its own".to_owned(),
            lost.port_node(),
            kept.port_node(),
        ),
        DropReason::SecondPlainTcp => (
            format!(
                "{} of {} is a second non-HTTP server on port {port}, after {kept_owner}",
                server_words(lost_gw, lost),
                gateway_name(lost_gw)
            ),
            "A port carries one TCP proxy: non-HTTP servers have no route table to merge in".to_owned(),
            lost.port_node(),
            kept.port_node(),
        ),
        DropReason::DuplicateTlsHost(h) => (
            format!(
                "host `{h}` of {} on port {port} is already served with TLS by {kept_owner}",
                gateway_name(lost_gw)
            ),
            "Envoy rejects two filter chains with the same SNI match, so pilot keeps one TLS server per host, port and bind (`CheckDuplicates`)".to_owned(),
            host_node(lost, h).unwrap_or_else(|| lost.port_node()),
            host_node(kept, h).unwrap_or_else(|| kept.port_node()),
        ),
        DropReason::DuplicateHttpsRoute => (
            format!(
                "{} of {} has the port name of {kept_owner} on port {port}",
                server_words(lost_gw, lost),
                gateway_name(lost_gw)
            ),
            "An HTTPS server's route table is named after its port name (`https.<port>.<name>.<gateway>.<namespace>`), so two with one name collide".to_owned(),
            lost.port.as_ref().and_then(|_| lost.node.at_keys("port.name")).unwrap_or_else(|| lost.port_node()),
            kept.node.at_keys("port.name").unwrap_or_else(|| kept.port_node()),
        ),
    };
    let mut diag = ck.diagnostic(&META, lost_gw.object, primary_node.span(), message);
    diag.primary.message = "dropped by istiod".into();
    diag.related.push(ck.label(
        kept_gw.object,
        kept_node.span(),
        "kept: istiod merges this server first",
    ));
    let on = proxy_words(ck, model, d.proxy);
    let more = match d.proxies {
        1 => String::new(),
        n => format!(" (and {} more gateway proxies)", n - 1),
    };
    diag.notes.push(format!(
        "both servers configure {on}{more}. {why}: istiod drops this server, and its hosts get no listener or route on port {port} of that gateway"
    ).into());
    if let Some(l) = proxy_label(ck, model, d.proxy, "the gateway pods both Gateways select") {
        diag.related.push(l);
    }
    if !same {
        diag.notes.push(format!(
            "istiod keeps the Gateway created first, then the first by name and namespace; assumed here: `{}` (created together with `{}`)",
            kept_gw.key(),
            lost_gw.key()
        ).into());
    }
    if let Some(p) = &lost.port {
        if p.number != port {
            diag.notes.push(
                format!(
                "port {} is a Service port of the gateway; pilot listens on its target port {port}",
                p.number
            )
                .into(),
            );
        }
    }
    diag.help = Some(match d.reason {
        DropReason::DuplicateTlsHost(_) => {
            "serve each host from one TLS server: move the host into one Gateway, or give one server another port or `bind`".into()
        }
        DropReason::DuplicateHttpsRoute => "give each HTTPS server of the Gateway its own `port.name`".into(),
        _ => "give one of the servers another port, or select other gateway pods".into(),
    });
    diag
}
