//! pilot's `mergeGateways` (`pilot/pkg/model/gateway.go`) replayed per gateway proxy: the
//! servers of all Gateways a proxy gets, in istiod's order, and the ones it skips
//! (`RecordRejectedConfig`) because an earlier server already holds the port.

use super::proxies::Proxy;
use super::servers::{is_http, Gateway, Server};
use crate::model::protocol::Protocol;
use std::collections::{HashMap, HashSet};

/// Why pilot skips a server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// A TLS server with a host that an earlier TLS server on the same port and bind has: Envoy
    /// rejects two filter chains with the same SNI match (`CheckDuplicates`).
    DuplicateTlsHost(String),
    /// A plaintext server whose protocol cannot share the port with the earlier plaintext one
    /// (`canMergeProtocols`: only HTTP joins HTTP).
    ProtocolConflict,
    /// A second non-HTTP plaintext server (TCP, Mongo…) on the port and bind: there is no
    /// route table to merge them in.
    SecondPlainTcp,
    /// An HTTPS server whose route name (`https.<port>.<port name>.<gateway>.<namespace>`)
    /// another server of the same Gateway already uses.
    DuplicateHttpsRoute,
}

/// A server that pilot skips on a proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// The first proxy found dropping it, and how many do.
    pub proxy: usize,
    pub proxies: usize,
    /// `(gateway, server index)` skipped.
    pub lost: (usize, usize),
    /// The earlier server that holds the port (or host).
    pub kept: (usize, usize),
    pub reason: DropReason,
    /// The port the proxy listens on (after Service port translation).
    pub port: u32,
}

/// `(gateway, server index)`.
type Owner = (usize, usize);

/// Every server skipped on any proxy, once per (server, reason, earlier server).
pub fn dropped(
    gateways: &[Gateway<'_>],
    proxies: &[Proxy],
    on_proxy: &[Vec<usize>],
) -> Vec<Dropped> {
    let mut out: Vec<Dropped> = Vec::new();
    let mut seen: HashMap<(Owner, Owner, DropReason), usize> = HashMap::new();
    for (p, list) in on_proxy.iter().enumerate() {
        if list.len() < 2 && list.iter().all(|&g| gateways[g].servers.len() < 2) {
            continue;
        }
        for d in replay(gateways, &proxies[p], p, list) {
            let key = (d.lost, d.kept, d.reason.clone());
            match seen.get(&key) {
                Some(&i) => out[i].proxies += 1,
                None => {
                    seen.insert(key, out.len());
                    out.push(d);
                }
            }
        }
    }
    out
}

/// The merge of one proxy's Gateways.
fn replay(gateways: &[Gateway<'_>], proxy: &Proxy, p: usize, list: &[usize]) -> Vec<Dropped> {
    let mut out = Vec::new();
    let mut ports: HashSet<u32> = HashSet::new();
    // Port -> the first plaintext server: (protocol, bind, owner).
    let mut plaintext: HashMap<u32, (Protocol, &str, Owner)> = HashMap::new();
    // Port -> host -> (bind, owner) of TLS servers.
    let mut tls_hosts: HashMap<u32, HashMap<String, (&str, Owner)>> = HashMap::new();
    let mut routes: HashMap<String, Owner> = HashMap::new();
    for &g in list {
        let gw = &gateways[g];
        for s in &gw.servers {
            let Some(port) = &s.port else { continue };
            let owner = (g, s.index);
            let resolved = proxy.resolve_port(port.number);
            let route = route_name(gw, s, resolved);
            let skip = |reason: DropReason, kept: Owner| Dropped {
                proxy: p,
                proxies: 1,
                lost: owner,
                kept,
                reason,
                port: resolved,
            };
            if s.tls.is_some() {
                let known = tls_hosts.entry(resolved).or_default();
                let hosts = sanitized_hosts(gw, s);
                let duplicate = hosts.iter().find_map(|h| {
                    known
                        .get(h)
                        .filter(|(b, _)| *b == s.bind)
                        .map(|(_, o)| (h, *o))
                });
                if let Some((h, kept)) = duplicate {
                    out.push(skip(DropReason::DuplicateTlsHost(h.clone()), kept));
                    continue;
                }
                for h in hosts {
                    known.insert(h, (s.bind, owner));
                }
            }
            if !ports.insert(resolved) {
                if let Some(&(current, bind, kept)) = plaintext.get(&resolved) {
                    if bind == s.bind && !can_merge(current, s.protocol()) {
                        out.push(skip(DropReason::ProtocolConflict, kept));
                        continue;
                    }
                    if bind == s.bind && route.is_empty() {
                        out.push(skip(DropReason::SecondPlainTcp, kept));
                    }
                    continue;
                }
                if !s.is_tls_server() {
                    plaintext.insert(resolved, (s.protocol(), s.bind, owner));
                    continue;
                }
                // An HTTP server's route name is never empty (`route_name`).
                if s.is_http_server() {
                    if let Some(&kept) = routes.get(&route) {
                        out.push(skip(DropReason::DuplicateHttpsRoute, kept));
                        continue;
                    }
                    routes.insert(route, owner);
                }
                continue;
            }
            if !s.is_tls_server() {
                plaintext.insert(resolved, (s.protocol(), s.bind, owner));
            }
            if s.is_http_server() {
                routes.insert(route, owner);
            }
        }
    }
    out
}

/// `canMergeProtocols`: an HTTP server joins an HTTP port; nothing else shares one.
fn can_merge(current: Protocol, p: Protocol) -> bool {
    (is_http(current) || current == p) && is_http(p)
}

/// `gatewayRDSRouteName`: `http.<port>` for HTTP, `https.<port>.<name>.<gateway>.<ns>` for
/// terminated HTTPS, empty for the rest; `.<bind>` appended when bound.
fn route_name(gw: &Gateway<'_>, s: &Server<'_>, resolved: u32) -> String {
    let bind = if s.bind.is_empty() {
        String::new()
    } else {
        format!(".{}", s.bind)
    };
    let p = s.protocol();
    if is_http(p) {
        return format!("http.{resolved}{bind}");
    }
    match &s.port {
        Some(port) if p == Protocol::Https && !s.is_passthrough() => format!(
            "https.{}.{}.{}.{}{bind}",
            port.number, port.name, gw.name, gw.ns
        ),
        _ => String::new(),
    }
}

/// The hosts as pilot compares them after `sanitizeServerHostNamespace`: `./h` becomes
/// `<ns>/h`, `*/h` becomes `h`, and `*/*` makes the whole list `*`.
fn sanitized_hosts(gw: &Gateway<'_>, s: &Server<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for h in &s.hosts {
        let raw = h.node.as_str().unwrap_or("");
        match raw.split_once('/') {
            Some(("*", "*")) => return vec!["*".to_owned()],
            Some((".", host)) => out.push(format!("{}/{host}", gw.ns)),
            Some(("*", host)) => out.push(host.to_owned()),
            _ => out.push(raw.to_owned()),
        }
    }
    out
}
