//! Hand-written Istio structs: only the fields mesh-lint reads. Unknown fields are ignored, so
//! these stay valid across Istio API versions (v1alpha3, v1beta1, v1). Every field defaults,
//! so a partial object still deserializes; positions come from the tree, not from here.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `networking.istio.io` ServiceEntry `spec`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEntrySpec {
    pub hosts: Vec<String>,
    pub addresses: Vec<String>,
    pub ports: Vec<ServiceEntryPort>,
    /// `MESH_EXTERNAL` (default) or `MESH_INTERNAL`.
    pub location: Option<String>,
    /// `NONE` (default), `STATIC`, `DNS`, `DNS_ROUND_ROBIN`.
    pub resolution: Option<String>,
    pub endpoints: Vec<WorkloadEntrySpec>,
    pub workload_selector: Option<WorkloadSelector>,
    pub export_to: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEntryPort {
    #[serde(deserialize_with = "crate::port::required")]
    pub number: u32,
    /// Parsed whole and case-insensitively; empty means sniffed (§1.6).
    pub protocol: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "crate::port::optional")]
    pub target_port: Option<u32>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadEntrySpec {
    pub address: Option<String>,
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
pub struct VirtualServiceSpec {
    pub hosts: Vec<String>,
    pub gateways: Vec<String>,
    pub http: Vec<HttpRoute>,
    pub tcp: Vec<L4Route>,
    pub tls: Vec<L4Route>,
    pub export_to: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct HttpRoute {
    pub name: Option<String>,
    pub route: Vec<RouteDestination>,
    pub mirror: Option<Destination>,
    pub mirrors: Vec<MirrorPolicy>,
}

/// A `tcp` or `tls` route: only destinations matter here.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct L4Route {
    pub route: Vec<RouteDestination>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RouteDestination {
    pub destination: Destination,
    pub weight: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct MirrorPolicy {
    pub destination: Destination,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Destination {
    pub host: String,
    pub subset: Option<String>,
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
pub struct DestinationRuleSpec {
    pub host: String,
    pub subsets: Vec<Subset>,
    pub export_to: Option<Vec<String>>,
    pub workload_selector: Option<WorkloadSelector>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Subset {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// `networking.istio.io` Sidecar `spec`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SidecarSpec {
    pub workload_selector: Option<WorkloadSelector>,
    pub egress: Vec<EgressListener>,
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct EgressListener {
    /// `namespace/dnsName` entries.
    pub hosts: Vec<String>,
    pub port: Option<SidecarPort>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SidecarPort {
    #[serde(deserialize_with = "crate::port::required")]
    pub number: u32,
    pub protocol: Option<String>,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OutboundTrafficPolicy {
    pub mode: Option<String>,
}
