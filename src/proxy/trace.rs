//! `mesh-lint trace`: the steps one outbound connection takes through a sidecar, each with
//! the manifest lines responsible: iptables capture ([`super::capture`]), the listener and
//! filter chain Envoy picks among the proxy's listeners ([`super::listeners::outbound`]; an
//! `address:port` listener beats `0.0.0.0:port`, which beats the virtual outbound listener's
//! passthrough chain), the VirtualService and DestinationRule ([`crate::model::routing`]), and
//! the cluster with the source of its endpoints.

use super::capture::{self, Capture};
use super::listeners::{self, ListenerRow, Proxy, RowKind};
use super::{cluster_name, find_workload, Origin};
use crate::model::hosts::{resolve, split_service_fqdn};
use crate::model::injection::Mode;
use crate::model::listeners::ListenerSource;
use crate::model::protocol::ListenerClass;
use crate::model::visibility::{export_scope, ExportKind};
use crate::model::ObjectRef;
use crate::rules::Checker;
use serde::Serialize;
use std::net::IpAddr;

/// What `--to` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Host(String),
    Pod { namespace: String, name: String },
    Ip(IpAddr),
}

/// `HOST:PORT`, `pod:NS/NAME:PORT` or `IP:PORT` (`[v6]:PORT`).
pub fn parse_to(s: &str) -> Result<(Target, i32), String> {
    let (what, port) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("`{s}` has no port; write HOST:PORT"))?;
    let port: i32 = port
        .parse()
        .ok()
        .filter(|p| (1..=65535).contains(p))
        .ok_or_else(|| format!("`{port}` is not a port number"))?;
    let what = what.trim_start_matches('[').trim_end_matches(']');
    if let Some(pod) = what.strip_prefix("pod:") {
        let (ns, name) = pod
            .split_once('/')
            .ok_or_else(|| format!("`{pod}` is not NAMESPACE/NAME"))?;
        return Ok((
            Target::Pod {
                namespace: ns.to_owned(),
                name: name.to_owned(),
            },
            port,
        ));
    }
    if let Ok(ip) = what.parse::<IpAddr>() {
        return Ok((Target::Ip(ip), port));
    }
    if what.is_empty() {
        return Err(format!("`{s}` names no host"));
    }
    Ok((Target::Host(what.to_owned()), port))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The step behaves as the connection's author likely meant.
    Ok,
    /// The step sends the connection somewhere else than what was dialled.
    Diverted,
    /// The connection ends here (not captured, dropped, or nothing to say further).
    End,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// `source`, `capture`, `listener`, `route`, `destination-rule`, `cluster`.
    pub step: &'static str,
    pub title: String,
    pub verdict: Verdict,
    pub notes: Vec<String>,
    /// Manifest locations, the first being the one the step turns on.
    pub origins: Vec<Origin>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub from: String,
    pub to: String,
    pub istio_version: String,
    pub steps: Vec<Step>,
    /// The cluster the connection ends in (`PassthroughCluster`, `BlackHoleCluster`, or
    /// `outbound|port|subset|host`), absent when it never reaches Envoy.
    pub cluster: Option<String>,
    /// Where the connection ends up, in words.
    pub reaches: String,
}

/// The dialled destination, resolved against the inputs.
struct Dest {
    what: String,
    ip: Option<IpAddr>,
    /// The Service host (FQDN) or ServiceEntry host dialled.
    host: Option<String>,
    /// The Service or ServiceEntry whose address is dialled.
    object: Option<ObjectRef>,
    /// The workload whose pod is dialled.
    pod: Option<usize>,
    origin: Option<Origin>,
}

fn resolve_dest(ck: &Checker<'_, '_>, from_ns: &str, target: &Target) -> Result<Dest, String> {
    let index = ck.index;
    let domain = &ck.cx.cluster_domain;
    match target {
        Target::Pod { namespace, name } => {
            let w = find_workload(index, namespace, name).ok_or_else(|| {
                format!("no workload in namespace `{namespace}` has a pod named `{name}`")
            })?;
            let obj = &index.objects[index.workloads[w].object];
            Ok(Dest {
                what: format!(
                    "pod `{namespace}/{name}` ({} `{}/{}`), by its pod IP",
                    obj.kind,
                    obj.ns(),
                    obj.name
                ),
                ip: None,
                host: None,
                object: None,
                pod: Some(w),
                origin: Some(Origin::of(ck, index.workloads[w].object, None)),
            })
        }
        Target::Ip(ip) => {
            let text = ip.to_string();
            let svc = index
                .services
                .iter()
                .find(|s| s.spec.cluster_ip == Some(&text));
            let se = index
                .service_entries
                .iter()
                .find(|se| se.spec.addresses.contains(&text.as_str()));
            let object = svc.map(|s| s.object).or(se.map(|s| s.object));
            Ok(Dest {
                what: format!("`{ip}`"),
                ip: Some(*ip),
                host: None,
                object,
                pod: None,
                origin: object.map(|o| Origin::of(ck, o, None)),
            })
        }
        Target::Host(h) => {
            let fqdn =
                dns_lookup(ck, h, from_ns, domain).unwrap_or_else(|| resolve(h, from_ns, domain));
            if let Some((name, ns)) = split_service_fqdn(&fqdn, domain) {
                if let Some(s) = index.services.iter().find(|s| {
                    index.objects[s.object].name == name && index.objects[s.object].ns() == ns
                }) {
                    return Ok(Dest {
                        what: format!("`{fqdn}`"),
                        ip: None,
                        host: Some(fqdn.clone()),
                        object: Some(s.object),
                        pod: None,
                        origin: Some(Origin::of(ck, s.object, None)),
                    });
                }
            }
            let se = index
                .service_entries
                .iter()
                .find(|se| se.spec.hosts.iter().any(|x| *x == fqdn || *x == *h));
            Ok(Dest {
                what: format!("`{}`", if se.is_some() { h.as_str() } else { &fqdn }),
                ip: None,
                host: Some(if se.is_some() { h.clone() } else { fqdn }),
                object: se.map(|s| s.object),
                pod: None,
                origin: se.map(|s| Origin::of(ck, s.object, None)),
            })
        }
    }
}

/// The name a pod's resolver finds for `h`: Kubernetes writes `<ns>.svc.<domain>`,
/// `svc.<domain>` and `<domain>` as search domains with `ndots:5`, so a name with fewer than five
/// dots is tried with each suffix before as written (`reviews.bookinfo` is
/// `reviews.bookinfo.svc.cluster.local`). The first candidate that is a Service or a
/// ServiceEntry host of the inputs wins; `None` when none is.
fn dns_lookup(ck: &Checker<'_, '_>, h: &str, from_ns: &str, domain: &str) -> Option<String> {
    let h = h.trim_end_matches('.');
    let searched = [
        format!("{h}.{from_ns}.svc.{domain}"),
        format!("{h}.svc.{domain}"),
        format!("{h}.{domain}"),
    ];
    let literal = std::iter::once(h.to_owned());
    let candidates: Vec<String> = if h.matches('.').count() < 5 {
        searched.into_iter().chain(literal).collect()
    } else {
        literal.chain(searched).collect()
    };
    let index = ck.index;
    let is_service = |fqdn: &str| {
        split_service_fqdn(fqdn, domain).is_some_and(|(name, ns)| {
            index
                .services
                .iter()
                .any(|s| index.objects[s.object].name == name && index.objects[s.object].ns() == ns)
        })
    };
    let is_entry = |host: &str| {
        index
            .service_entries
            .iter()
            .any(|se| se.spec.hosts.contains(&host))
    };
    candidates
        .into_iter()
        .find(|c| is_service(c) || is_entry(c))
}

/// The listener class of the dialled port: the port's own Service or ServiceEntry, else a
/// Service selecting the dialled pod, else plain TCP.
fn dest_class(ck: &Checker<'_, '_>, dest: &Dest, port: i32) -> ListenerClass {
    let model = ck.listeners();
    let of_object = |o: ObjectRef| model.on_port(port).find(|l| l.object == o).map(|l| l.class);
    if let Some(c) = dest.object.and_then(of_object) {
        return c;
    }
    let Some(w) = dest.pod else {
        return ListenerClass::Tcp;
    };
    let workload = &ck.index.workloads[w];
    let ns = ck.index.objects[workload.object].ns();
    ck.index
        .services_in(ns)
        .filter(|s| workload.matches(&s.selector()))
        .find_map(|s| of_object(s.object))
        .unwrap_or(ListenerClass::Tcp)
}

/// The request: the source proxy and the destination.
pub struct Request<'r> {
    pub from_ns: &'r str,
    pub from_workload: Option<&'r str>,
    pub target: Target,
    pub port: i32,
    pub to_text: &'r str,
}

pub fn trace(ck: &Checker<'_, '_>, req: &Request<'_>) -> Result<Trace, String> {
    let index = ck.index;
    let workload =
        match req.from_workload {
            Some(name) => Some(find_workload(index, req.from_ns, name).ok_or_else(|| {
                format!("no workload named `{name}` in namespace `{}`", req.from_ns)
            })?),
            None => None,
        };
    let w = workload.map(|i| &index.workloads[i]);
    let dest = resolve_dest(ck, req.from_ns, &req.target)?;
    let mut t = Trace {
        from: match req.from_workload {
            Some(n) => format!("{}/{n}", req.from_ns),
            None => req.from_ns.to_owned(),
        },
        to: req.to_text.to_owned(),
        istio_version: ck.cx.istio_version.to_string(),
        steps: Vec::new(),
        cluster: None,
        reaches: String::new(),
    };

    // 1. The source proxy.
    let injection = ck.injection();
    let state = match w {
        Some(w) => injection.workload(w),
        None => injection.namespace(req.from_ns),
    };
    let mut origins: Vec<Origin> = w
        .map(|w| Origin::of(ck, w.object, None))
        .into_iter()
        .collect();
    if let Some((o, span)) = state.evidence {
        origins.push(Origin::of(ck, o, Some(span)));
    }
    if state.mode != Mode::Sidecar {
        t.steps.push(Step {
            step: "source",
            title: format!(
                "`{}` has no sidecar ({}): no Istio listener applies",
                t.from,
                state.mode.as_str()
            ),
            verdict: Verdict::End,
            notes: vec![state.reason.to_string()],
            origins,
        });
        t.reaches = format!("{} directly, as dialled", dest.what);
        return Ok(t);
    }
    t.steps.push(Step {
        step: "source",
        title: format!("`{}` runs an Istio sidecar", t.from),
        verdict: Verdict::Ok,
        notes: vec![state.reason.to_string()],
        origins,
    });

    // 2. iptables.
    match capture::outbound(w, dest.ip, req.port) {
        Capture::Bypassed(why) => {
            t.steps.push(Step {
                step: "capture",
                title: "iptables does not capture the connection".into(),
                verdict: Verdict::End,
                notes: vec![why],
                origins: w
                    .map(|w| Origin::of(ck, w.object, Some(w.template_node.span())))
                    .into_iter()
                    .collect(),
            });
            t.reaches = format!("{} directly, bypassing the sidecar", dest.what);
            return Ok(t);
        }
        Capture::Captured(why) => t.steps.push(Step {
            step: "capture",
            title: "iptables redirects the connection to the sidecar's port 15001".into(),
            verdict: Verdict::Ok,
            notes: vec![why],
            origins: Vec::new(),
        }),
    }

    // 3. Listener and filter chain.
    let proxy = Proxy {
        namespace: req.from_ns,
        workload: w,
    };
    let rows = listeners::outbound(ck, &proxy, Some(req.port));
    let class = dest_class(ck, &dest, req.port);
    let (chosen, mut notes) = choose(ck, &rows, &dest, req.port, class);
    let row = &chosen;
    let mut origins: Vec<Origin> = row.source.iter().cloned().collect();
    origins.extend(dest.origin.iter().cloned());
    // A catch-all of another resource diverts the connection, unless its cluster is
    // ORIGINAL_DST (resolution NONE, headless): then it still reaches what was dialled.
    let diverted = row.catch_all
        && row.source.as_ref().map(|o| o.object) != dest.object
        && !is_original_dst(ck, row);
    if diverted {
        notes.push(format!(
            "the chain matches ALL destinations on port {}: a connection to {} lands on `{}`'s \
             cluster ({})",
            req.port,
            dest.what,
            row.source
                .as_ref()
                .map_or(String::new(), |o| format!("{}/{}", o.namespace, o.name)),
            row.why
        ));
    }
    t.steps.push(Step {
        step: "listener",
        title: format!(
            "listener `{}:{}`, filter chain `{}` → `{}`",
            row.address, row.port, row.matches, row.destination
        ),
        verdict: if diverted {
            Verdict::Diverted
        } else {
            Verdict::Ok
        },
        notes,
        origins,
    });
    if row.destination.is_empty() {
        t.reaches = format!(
            "unknown: the `0.0.0.0:{}` HTTP listener takes the connection",
            row.port
        );
        return Ok(t);
    }
    if row.kind == RowKind::VirtualOutbound {
        let cluster = row.destination.clone();
        let end = if cluster == "BlackHoleCluster" {
            t.reaches = "nowhere: BlackHoleCluster drops the connection".into();
            "outboundTrafficPolicy REGISTRY_ONLY: the passthrough chain goes to BlackHoleCluster, which drops it"
        } else {
            t.reaches = format!("{} as dialled (PassthroughCluster)", dest.what);
            "PassthroughCluster is ORIGINAL_DST: Envoy connects to the address the application dialled"
        };
        t.steps.push(Step {
            step: "cluster",
            title: format!("cluster `{cluster}`"),
            verdict: Verdict::End,
            notes: vec![end.into()],
            origins: Vec::new(),
        });
        t.cluster = Some(cluster);
        return Ok(t);
    }

    // 4–6. Route, DestinationRule, cluster.
    super::trace_route::finish(ck, req, row, &dest.what, diverted, &mut t);
    Ok(t)
}

/// Envoy's choice among the proxy's listeners on `port` for `dest`, and why the others lose.
fn choose(
    ck: &Checker<'_, '_>,
    rows: &[ListenerRow],
    dest: &Dest,
    port: i32,
    class: ListenerClass,
) -> (ListenerRow, Vec<String>) {
    let mut notes = Vec::new();
    let pod_address = dest.pod.map(|w| {
        let o = &ck.index.objects[ck.index.workloads[w].object];
        format!("PodIP({}/{})", o.ns(), o.name)
    });
    let from_object = |r: &ListenerRow| {
        r.source.as_ref().map(|o| o.object) == dest.object && dest.object.is_some()
    };
    let addressed = |r: &ListenerRow| match r.kind {
        RowKind::Vip => {
            from_object(r) && dest.pod.is_none()
                || dest.ip.is_some_and(|ip| r.address == ip.to_string())
        }
        RowKind::PerEndpoint => {
            pod_address.as_deref() == Some(r.address.as_str()) || from_object(r)
        }
        _ => false,
    };
    let mut chosen = None;
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.port == port) {
        if !r.is_live() {
            let why = match (&r.filtered_by, &r.conflict) {
                (Some(sc), _) => format!("dropped by Sidecar {}", sc.describe()),
                (None, Some(c)) => c.clone(),
                _ => String::new(),
            };
            notes.push(format!(
                "`{}:{}` {} is not in the proxy: {why}",
                r.address, r.port, r.matches
            ));
            continue;
        }
        if matches!(r.kind, RowKind::Vip | RowKind::PerEndpoint) {
            if chosen.is_none() && addressed(r) {
                chosen = Some(i);
            } else {
                notes.push(format!(
                    "`{}:{}` does not match: Envoy picks the listener by the destination address, and {} is not that address",
                    r.address, r.port, dest.what
                ));
            }
        }
    }
    if let Some(i) = chosen {
        return (rows[i].clone(), notes);
    }
    for (i, r) in rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.port == port && r.kind == RowKind::Wildcard && r.is_live())
    {
        let host = r.matches.split_once(": ").map(|(_, h)| h);
        let hit = match r.matches.split_once(':').map(|(k, _)| k) {
            None => true,
            Some("SNI") => dest.host.is_some() && dest.host.as_deref() == host,
            Some("Host") => class == ListenerClass::Http && dest.host.as_deref() == host,
            Some("Destination IP") => dest.ip.is_some_and(|ip| {
                host.unwrap_or("")
                    .split(", ")
                    .any(|c| capture::in_cidr(ip, c))
            }),
            Some(_) => false,
        };
        if hit && chosen.is_none() {
            chosen = Some(i);
            continue;
        }
        let why = match r.matches.split_once(':').map(|(k, _)| k) {
            Some("SNI") => "only TLS connections whose SNI names that host match it".to_owned(),
            Some("Host") => "only HTTP requests with that Host header take that route".to_owned(),
            Some(_) => format!("{} is not in that range", dest.what),
            None => "an earlier chain already matched".to_owned(),
        };
        notes.push(format!(
            "`0.0.0.0:{}` chain `{}` does not match: {why}",
            r.port, r.matches
        ));
    }
    if let Some(i) = chosen {
        return (rows[i].clone(), notes);
    }
    let Some(fallback) = rows.iter().find(|r| r.kind == RowKind::VirtualOutbound) else {
        return (rows[0].clone(), notes);
    };
    let http_listener = rows
        .iter()
        .any(|r| r.port == port && r.is_live() && r.matches.starts_with("Host:"));
    if http_listener {
        // The `0.0.0.0:port` HTTP listener exists, so Envoy hands it the connection (exact
        // address, then wildcard): the route `<port>` decides, not the virtual listener.
        let mut row = fallback.clone();
        row.port = port;
        if class == ListenerClass::Http {
            row.matches = "Host: * (catch-all virtual host)".into();
            let vhost = if fallback.destination == "BlackHoleCluster" {
                "`block_all`, which answers 502 under REGISTRY_ONLY"
            } else {
                "`allow_any`, to PassthroughCluster"
            };
            notes.push(format!(
                "route `{port}` has no virtual host for the Host header of {}: its catch-all \
                 virtual host takes it ({vhost}; `buildCatchAllVirtualHost`)",
                dest.what
            ));
        } else {
            row.kind = RowKind::Wildcard;
            row.matches = "HTTP only".into();
            row.destination = String::new();
            notes.push(format!(
                "`0.0.0.0:{port}` only serves HTTP (every service on the port declares HTTP), so a \
                 non-HTTP connection to {} is not routed; if the client speaks HTTP, its Host \
                 header picks the virtual host",
                dest.what
            ));
        }
        return (row, notes);
    }
    notes.push(format!(
        "no listener of the proxy matches {} on port {port}: the virtual outbound listener's passthrough chain takes it",
        dest.what
    ));
    (fallback.clone(), notes)
}

/// The Service or ServiceEntry host behind a listener row's cluster.
pub fn row_host(row: &ListenerRow) -> Option<&str> {
    row.destination.rsplit('|').next().filter(|h| !h.is_empty())
}

/// Whether a VirtualService is exported to `ns` (its exportTo or MeshConfig's default).
pub fn vs_visible(ck: &Checker<'_, '_>, vs: usize, ns: &str) -> bool {
    let v = &ck.index.virtual_services[vs];
    let obj = &ck.index.objects[v.object];
    let (scope, _) = export_scope(
        obj,
        v.spec.export_to.as_deref(),
        ExportKind::VirtualService,
        &ck.cx.mesh_config,
    );
    scope.is_visible_in(ns)
}

/// The ServiceEntry or Service behind a row.
pub fn row_listener_source(ck: &Checker<'_, '_>, row: &ListenerRow) -> Option<ListenerSource> {
    let o = row.source.as_ref()?.object;
    if let Some(i) = ck.index.services.iter().position(|s| s.object == o) {
        return Some(ListenerSource::Service(i));
    }
    ck.index
        .service_entries
        .iter()
        .position(|s| s.object == o)
        .map(ListenerSource::ServiceEntry)
}

pub(super) fn cluster_of(port: i32, subset: &str, host: &str) -> String {
    cluster_name(port, subset, host)
}

/// Whether the row's cluster is ORIGINAL_DST (`convertResolution`, `case model.Passthrough`):
/// a ServiceEntry with resolution NONE or a headless Service.
pub fn is_original_dst(ck: &Checker<'_, '_>, row: &ListenerRow) -> bool {
    match row_listener_source(ck, row) {
        Some(ListenerSource::Service(i)) => {
            let svc = &ck.index.services[i];
            svc.is_headless() && svc.service_type() != "ExternalName"
        }
        Some(ListenerSource::ServiceEntry(i)) => {
            ck.index.service_entries[i]
                .spec
                .resolution
                .unwrap_or("NONE")
                == "NONE"
        }
        None => false,
    }
}
