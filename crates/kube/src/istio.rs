//! Hand-written Istio structs: only the fields mesh-lint reads. Unknown fields are ignored, so
//! these stay valid across Istio API versions (v1alpha3, v1beta1, v1). Every field defaults,
//! so a partial object still deserializes; positions come from the tree, not from here.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `networking.istio.io` ServiceEntry `spec`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEntrySpec<'a> {
    #[serde(borrow)]
    pub hosts: Vec<&'a str>,
    #[serde(borrow)]
    pub addresses: Vec<&'a str>,
    #[serde(borrow)]
    pub ports: Vec<ServiceEntryPort<'a>>,
    /// `MESH_EXTERNAL` (default) or `MESH_INTERNAL`.
    #[serde(borrow)]
    pub location: Option<&'a str>,
    /// `NONE` (default), `STATIC`, `DNS`, `DNS_ROUND_ROBIN`.
    #[serde(borrow)]
    pub resolution: Option<&'a str>,
    #[serde(borrow)]
    pub endpoints: Vec<WorkloadEntrySpec<'a>>,
    pub workload_selector: Option<WorkloadSelector>,
    #[serde(borrow)]
    pub export_to: Option<Vec<&'a str>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEntryPort<'a> {
    #[serde(deserialize_with = "crate::port::required")]
    pub number: u32,
    /// Parsed whole and case-insensitively; empty means sniffed (§1.6).
    #[serde(borrow)]
    pub protocol: Option<&'a str>,
    #[serde(borrow)]
    pub name: Option<&'a str>,
    #[serde(deserialize_with = "crate::port::optional")]
    pub target_port: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadEntrySpec<'a> {
    #[serde(borrow)]
    pub address: Option<&'a str>,
    #[serde(deserialize_with = "crate::port::by_name")]
    pub ports: BTreeMap<String, u32>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WorkloadSelector {
    pub labels: BTreeMap<String, String>,
}

/// `networking.istio.io` VirtualService `spec`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct VirtualServiceSpec<'a> {
    #[serde(borrow)]
    pub hosts: Vec<&'a str>,
    #[serde(borrow)]
    pub gateways: Vec<&'a str>,
    #[serde(borrow)]
    pub http: Vec<HttpRoute<'a>>,
    #[serde(borrow)]
    pub tcp: Vec<L4Route<'a>>,
    #[serde(borrow)]
    pub tls: Vec<L4Route<'a>>,
    #[serde(borrow)]
    pub export_to: Option<Vec<&'a str>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct HttpRoute<'a> {
    #[serde(borrow)]
    pub name: Option<&'a str>,
    #[serde(borrow)]
    pub route: Vec<RouteDestination<'a>>,
    #[serde(borrow)]
    pub mirror: Option<Destination<'a>>,
    #[serde(borrow)]
    pub mirrors: Vec<MirrorPolicy<'a>>,
}

/// A `tcp` or `tls` route: only destinations matter here.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct L4Route<'a> {
    #[serde(borrow)]
    pub route: Vec<RouteDestination<'a>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RouteDestination<'a> {
    #[serde(borrow)]
    pub destination: Destination<'a>,
    pub weight: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct MirrorPolicy<'a> {
    #[serde(borrow)]
    pub destination: Destination<'a>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Destination<'a> {
    pub host: &'a str,
    #[serde(borrow)]
    pub subset: Option<&'a str>,
    pub port: Option<PortSelector>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct PortSelector {
    #[serde(deserialize_with = "crate::port::optional")]
    pub number: Option<u32>,
}

/// `networking.istio.io` DestinationRule `spec`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DestinationRuleSpec<'a> {
    pub host: &'a str,
    #[serde(borrow)]
    pub subsets: Vec<Subset<'a>>,
    #[serde(borrow)]
    pub export_to: Option<Vec<&'a str>>,
    pub workload_selector: Option<WorkloadSelector>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Subset<'a> {
    pub name: &'a str,
    pub labels: BTreeMap<String, String>,
}

/// `networking.istio.io` Sidecar `spec`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SidecarSpec<'a> {
    pub workload_selector: Option<WorkloadSelector>,
    #[serde(borrow)]
    pub egress: Vec<EgressListener<'a>>,
    #[serde(borrow)]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy<'a>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct EgressListener<'a> {
    /// `namespace/dnsName` entries.
    #[serde(borrow)]
    pub hosts: Vec<&'a str>,
    #[serde(borrow)]
    pub port: Option<SidecarPort<'a>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SidecarPort<'a> {
    #[serde(deserialize_with = "crate::port::required")]
    pub number: u32,
    #[serde(borrow)]
    pub protocol: Option<&'a str>,
    #[serde(borrow)]
    pub name: Option<&'a str>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OutboundTrafficPolicy<'a> {
    #[serde(borrow)]
    pub mode: Option<&'a str>,
}
