//! One `networking.istio.io` Gateway read from its tree: its selector and servers, each with
//! the node it came from so rules can point at the exact field.

use crate::model::object::string_map;
use crate::model::protocol::Protocol;
use crate::model::{Object, ObjectRef};
use mesh_lint_yaml::Node;
use std::collections::BTreeMap;

/// An Istio Gateway.
#[derive(Debug)]
pub struct Gateway<'a> {
    pub object: ObjectRef,
    pub ns: String,
    pub name: &'a str,
    /// `spec.selector`; empty when absent, which selects every gateway proxy (pilot
    /// `PushContext.mergeGateways`: a nil selector applies to all).
    pub selector: BTreeMap<String, String>,
    pub selector_node: Option<Node<'a>>,
    pub servers: Vec<Server<'a>>,
    /// The `spec` node (the object when `spec` is missing).
    pub spec_node: Node<'a>,
    /// Its servers come from an earlier copy: this one is a kustomize patch over it.
    pub patch: bool,
}

impl Gateway<'_> {
    /// `ns/name`, how VirtualServices and messages name it.
    pub fn key(&self) -> String {
        format!("{}/{}", self.ns, self.name)
    }

    /// The selector as Kubernetes prints it (`app=x,istio=y`), as istioctl's messages do.
    pub fn selector_text(&self) -> String {
        selector_text(&self.selector)
    }
}

/// `k=v,k2=v2` in key order; `(none)` for an empty selector.
pub fn selector_text(selector: &BTreeMap<String, String>) -> String {
    if selector.is_empty() {
        return "(none)".into();
    }
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One entry of `spec.servers`.
#[derive(Debug)]
pub struct Server<'a> {
    /// Position in `spec.servers`.
    pub index: usize,
    pub node: Node<'a>,
    /// `None` when `port` is missing or has no number: pilot skips such a server.
    pub port: Option<ServerPort<'a>>,
    /// `bind` (`""` when unset: every address).
    pub bind: &'a str,
    pub hosts: Vec<ServerHost<'a>>,
    /// `None` when `tls` is absent or null.
    pub tls: Option<Tls<'a>>,
}

impl Server<'_> {
    /// `gateway.IsTLSServer`: TLS settings on a non-HTTP protocol (an HTTP server's `tls` only
    /// carries `httpsRedirect`).
    pub fn is_tls_server(&self) -> bool {
        self.tls.is_some() && !is_http(self.protocol())
    }

    /// `gateway.IsHTTPServer`: HTTP, or HTTPS that terminates TLS.
    pub fn is_http_server(&self) -> bool {
        let p = self.protocol();
        is_http(p) || (p == Protocol::Https && !self.is_passthrough())
    }

    /// `gateway.IsPassThroughServer`.
    pub fn is_passthrough(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|t| matches!(t.mode, TlsMode::Passthrough | TlsMode::AutoPassthrough))
    }

    /// An HTTPS server that decodes requests (its routes are HTTP routes).
    pub fn terminates_https(&self) -> bool {
        self.protocol() == Protocol::Https && self.tls.is_some() && !self.is_passthrough()
    }

    /// `port.protocol` (`Unsupported` when missing or unknown).
    pub fn protocol(&self) -> Protocol {
        self.port
            .as_ref()
            .map_or(Protocol::Unsupported, |p| p.protocol)
    }

    /// `port.number` when set.
    pub fn number(&self) -> Option<u32> {
        self.port.as_ref().map(|p| p.number)
    }

    /// Where to point at this server: its port number, else the server.
    pub fn port_node(&self) -> Node<'_> {
        self.port.as_ref().map_or(self.node, |p| p.number_node)
    }
}

/// `protocol.Instance.IsHTTP`: HTTP, HTTP2, gRPC, gRPC-Web, HTTP_PROXY.
pub fn is_http(p: Protocol) -> bool {
    matches!(
        p,
        Protocol::Http | Protocol::Http2 | Protocol::Grpc | Protocol::GrpcWeb | Protocol::HttpProxy
    )
}

#[derive(Debug)]
pub struct ServerPort<'a> {
    pub number: u32,
    pub name: &'a str,
    pub protocol: Protocol,
    /// `protocol` as written (`HTTPS`).
    pub protocol_text: &'a str,
    pub number_node: Node<'a>,
}

/// One `hosts` entry: `[namespace/]host`.
#[derive(Debug)]
pub struct ServerHost<'a> {
    pub node: Node<'a>,
    /// The namespace whose VirtualServices may bind: `None` for any (`*/` or no prefix), `./`
    /// resolved to the Gateway's namespace (pilot `sanitizeServerHostNamespace`).
    pub namespace: Option<String>,
    pub host: &'a str,
}

/// `tls.mode`. The proto's zero value is PASSTHROUGH, so a `tls` block without `mode` is a
/// passthrough server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Passthrough,
    Simple,
    Mutual,
    AutoPassthrough,
    IstioMutual,
    OptionalMutual,
    /// A value Istio's validation rejects.
    Unknown,
}

impl TlsMode {
    fn parse(s: Option<&str>) -> TlsMode {
        match s {
            None | Some("PASSTHROUGH") => TlsMode::Passthrough,
            Some("SIMPLE") => TlsMode::Simple,
            Some("MUTUAL") => TlsMode::Mutual,
            Some("AUTO_PASSTHROUGH") => TlsMode::AutoPassthrough,
            Some("ISTIO_MUTUAL") => TlsMode::IstioMutual,
            Some("OPTIONAL_MUTUAL") => TlsMode::OptionalMutual,
            Some(_) => TlsMode::Unknown,
        }
    }

    /// Modes that verify client certificates against a CA from the credential.
    pub fn needs_client_ca(self) -> bool {
        matches!(self, TlsMode::Mutual | TlsMode::OptionalMutual)
    }
}

/// A server's `tls` block.
#[derive(Debug)]
pub struct Tls<'a> {
    pub node: Node<'a>,
    pub mode: TlsMode,
    /// Whether `mode` is written (an unwritten mode is PASSTHROUGH).
    pub mode_written: bool,
    /// `credentialName` and the entries of `credentialNames`, in order.
    pub credentials: Vec<Credential<'a>>,
    pub server_certificate: Option<&'a str>,
    pub private_key: Option<&'a str>,
}

/// One Secret reference of a server.
#[derive(Clone, Copy, Debug)]
pub struct Credential<'a> {
    pub name: &'a str,
    pub node: Node<'a>,
}

impl Credential<'_> {
    /// A plain Secret name, looked up in the gateway proxy's namespace. Names with a scheme
    /// (`kubernetes-gateway://ns/name`, `builtin://`) or a namespace are resolved otherwise.
    pub fn is_plain(&self) -> bool {
        !self.name.is_empty() && !self.name.contains("://") && !self.name.contains('/')
    }
}

/// Reads a Gateway object (`None` unless it is a `networking.istio.io` Gateway).
pub fn read<'a>(object: ObjectRef, o: &Object<'a>) -> Option<Gateway<'a>> {
    if o.kind != "Gateway" || !o.is_istio_networking() {
        return None;
    }
    let spec = o.node.get("spec").filter(|s| !s.is_null());
    let selector_node = spec
        .and_then(|s| s.get("selector"))
        .filter(|s| !s.is_null());
    let selector = string_map(selector_node)
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let ns = o.ns().to_owned();
    let servers = spec
        .and_then(|s| s.get("servers"))
        .map(|list| read_servers(list, &ns))
        .unwrap_or_default();
    Some(Gateway {
        object,
        ns,
        name: o.name,
        selector,
        selector_node,
        servers,
        spec_node: spec.unwrap_or(o.node),
        patch: false,
    })
}

/// The servers of a `spec.servers` list.
pub fn read_servers<'a>(list: Node<'a>, gw_ns: &str) -> Vec<Server<'a>> {
    list.items()
        .enumerate()
        .map(|(i, n)| read_server(i, n, gw_ns))
        .collect()
}

fn read_server<'a>(index: usize, node: Node<'a>, gw_ns: &str) -> Server<'a> {
    let port = node.get("port").and_then(|p| {
        let number_node = p.get("number")?;
        let number = u32::try_from(number_node.as_i64()?).ok()?;
        let protocol_text = p.get("protocol").and_then(|v| v.as_str()).unwrap_or("");
        Some(ServerPort {
            number,
            name: p.get("name").and_then(|v| v.as_str()).unwrap_or(""),
            protocol: Protocol::parse(protocol_text),
            protocol_text,
            number_node,
        })
    });
    let hosts = node
        .get("hosts")
        .map(|h| h.items().filter_map(|n| read_host(n, gw_ns)).collect())
        .unwrap_or_default();
    let tls = node.get("tls").filter(|t| !t.is_null()).map(read_tls);
    Server {
        index,
        node,
        port,
        bind: node.get("bind").and_then(|b| b.as_str()).unwrap_or(""),
        hosts,
        tls,
    }
}

fn read_host<'a>(node: Node<'a>, gw_ns: &str) -> Option<ServerHost<'a>> {
    let raw = node.as_str()?;
    let (namespace, host) = match raw.split_once('/') {
        Some((".", h)) => (Some(gw_ns.to_owned()), h),
        Some(("*", h)) => (None, h),
        Some((ns, h)) => (Some(ns.to_owned()), h),
        None => (None, raw),
    };
    Some(ServerHost {
        node,
        namespace,
        host,
    })
}

fn read_tls(node: Node<'_>) -> Tls<'_> {
    let text = |key: &str| {
        node.get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let mode_text = text("mode");
    let mut credentials = Vec::new();
    if let Some(n) = node.get("credentialName") {
        if let Some(name) = n.as_str().filter(|s| !s.is_empty()) {
            credentials.push(Credential { name, node: n });
        }
    }
    if let Some(list) = node.get("credentialNames") {
        for n in list.items() {
            if let Some(name) = n.as_str().filter(|s| !s.is_empty()) {
                credentials.push(Credential { name, node: n });
            }
        }
    }
    Tls {
        node,
        mode: TlsMode::parse(mode_text),
        mode_written: mode_text.is_some(),
        credentials,
        server_certificate: text("serverCertificate"),
        private_key: text("privateKey"),
    }
}

/// Istio's `host.Name.Matches`: two host names overlap when they are equal, or when one is a
/// wildcard whose suffix the other ends with (`*` overlaps everything).
pub fn hosts_overlap(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => {
            if sa.len() < sb.len() {
                sb.ends_with(sa)
            } else {
                sa.ends_with(sb)
            }
        }
        (Some(sa), None) => b.ends_with(sa),
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::hosts_overlap;

    #[test]
    fn overlap_is_symmetric_wildcard_matching() {
        assert!(hosts_overlap("*", "a.com"));
        assert!(hosts_overlap("a.com", "*"));
        assert!(hosts_overlap("*.a.com", "x.a.com"));
        assert!(hosts_overlap("x.a.com", "*.a.com"));
        assert!(hosts_overlap("*.a.com", "*.x.a.com"));
        assert!(!hosts_overlap("*.a.com", "a.com"));
        assert!(!hosts_overlap("a.com", "b.com"));
        assert!(!hosts_overlap("*.api.t.com", "user.home.t.com"));
    }
}
