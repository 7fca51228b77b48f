//! Every host-bearing field of the inputs, with its node, so each host rule is one loop over
//! [`host_refs`] plus lookups in the [`HostRegistry`](super::hosts::HostRegistry).
//!
//! Walked fields (§3.2): VirtualService `hosts[]`, `http[].route[].destination`,
//! `tcp[].route[].destination`, `tls[].route[].destination`, `http[].mirror`,
//! `http[].mirrors[].destination`; DestinationRule `host`; ServiceEntry `hosts[]` (literal).
//! Only objects whose spec deserialized (others are MESH002) are walked.

use super::{MeshIndex, ObjectRef};
use mesh_lint_yaml::Node;
use std::fmt;

/// Which field a host sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostField {
    VirtualServiceHost,
    HttpRoute,
    TcpRoute,
    TlsRoute,
    Mirror,
    Mirrors,
    DestinationRuleHost,
    ServiceEntryHost,
}

impl HostField {
    /// Route destinations and mirrors: where traffic is sent.
    pub fn is_destination(self) -> bool {
        matches!(
            self,
            HostField::HttpRoute
                | HostField::TcpRoute
                | HostField::TlsRoute
                | HostField::Mirror
                | HostField::Mirrors
        )
    }

    /// Fields Istio expands with the rule's namespace (everything but ServiceEntry hosts).
    pub fn is_resolved(self) -> bool {
        self != HostField::ServiceEntryHost
    }
}

impl fmt::Display for HostField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostField::VirtualServiceHost => "VirtualService host",
            HostField::HttpRoute => "http route destination",
            HostField::TcpRoute => "tcp route destination",
            HostField::TlsRoute => "tls route destination",
            HostField::Mirror => "mirror destination",
            HostField::Mirrors => "mirrors destination",
            HostField::DestinationRuleHost => "DestinationRule host",
            HostField::ServiceEntryHost => "ServiceEntry host",
        })
    }
}

/// One host as written.
#[derive(Clone, Copy, Debug)]
pub struct HostRef<'a> {
    pub object: ObjectRef,
    pub field: HostField,
    pub host: &'a str,
    /// The host scalar (primary span, fix target).
    pub node: Node<'a>,
    /// The destination mapping (`host`, `subset`, `port`) for destinations and mirrors.
    pub destination: Option<Node<'a>>,
}

impl<'a> HostRef<'a> {
    pub fn subset(&self) -> Option<(&'a str, Node<'a>)> {
        let node = self.destination?.get("subset")?;
        Some((node.as_str().filter(|s| !s.is_empty())?, node))
    }

    /// `port.number` of a destination, if set.
    pub fn port(&self) -> Option<Node<'a>> {
        self.destination?.get("port").filter(|p| !p.is_null())
    }
}

/// Every host-bearing field of every VirtualService, DestinationRule and ServiceEntry, in input
/// order.
pub fn host_refs<'a>(index: &MeshIndex<'a>) -> Vec<HostRef<'a>> {
    let mut out = Vec::new();
    for vs in &index.virtual_services {
        let spec = vs.spec_node;
        let mut push = |field, node: Node<'a>, destination| {
            if let Some(host) = node.as_str() {
                out.push(HostRef {
                    object: vs.object,
                    field,
                    host,
                    node,
                    destination,
                });
            }
        };
        for h in items(spec.get("hosts")) {
            push(HostField::VirtualServiceHost, h, None);
        }
        for (key, field) in [
            ("http", HostField::HttpRoute),
            ("tcp", HostField::TcpRoute),
            ("tls", HostField::TlsRoute),
        ] {
            for route in items(spec.get(key)) {
                for rd in items(route.get("route")) {
                    if let Some(dest) = rd.get("destination") {
                        if let Some(h) = dest.get("host") {
                            push(field, h, Some(dest));
                        }
                    }
                }
                if field != HostField::HttpRoute {
                    continue;
                }
                if let Some(dest) = route.get("mirror").filter(|m| !m.is_null()) {
                    if let Some(h) = dest.get("host") {
                        push(HostField::Mirror, h, Some(dest));
                    }
                }
                for m in items(route.get("mirrors")) {
                    if let Some(dest) = m.get("destination") {
                        if let Some(h) = dest.get("host") {
                            push(HostField::Mirrors, h, Some(dest));
                        }
                    }
                }
            }
        }
    }
    for dr in &index.destination_rules {
        if let Some(node) = dr.spec_node.get("host") {
            if let Some(host) = node.as_str() {
                out.push(HostRef {
                    object: dr.object,
                    field: HostField::DestinationRuleHost,
                    host,
                    node,
                    destination: None,
                });
            }
        }
    }
    for se in &index.service_entries {
        for node in items(se.spec_node.get("hosts")) {
            if let Some(host) = node.as_str() {
                out.push(HostRef {
                    object: se.object,
                    field: HostField::ServiceEntryHost,
                    host,
                    node,
                    destination: None,
                });
            }
        }
    }
    out
}

fn items<'a>(node: Option<Node<'a>>) -> impl Iterator<Item = Node<'a>> {
    node.into_iter().flat_map(|n| n.items())
}
