//! Kubernetes Gateway API Gateways (`gateway.networking.k8s.io`) that Istio implements: their
//! listeners (which VirtualServices may name them), and the pods Istio deploys for them, which
//! policies may select (`manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml`
//! and `waypoint.yaml`: pod labels `gateway.networking.k8s.io/gateway-name`,
//! `gateway.networking.k8s.io/gateway-class-name`, `gateway.istio.io/managed`, plus
//! `spec.infrastructure.labels`).

use crate::model::object::string_map;
use crate::model::{MeshIndex, ObjectRef};
use std::collections::{BTreeMap, HashMap};

pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";
const GATEWAY_CLASS_LABEL: &str = "gateway.networking.k8s.io/gateway-class-name";
const MANAGED_LABEL: &str = "gateway.istio.io/managed";

/// What Istio deploys for a GatewayClass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassKind {
    /// An Envoy gateway (`istio`, `istio-east-west`, or a class of `istio.io/gateway-controller`).
    Gateway,
    /// A waypoint (`istio-waypoint`, or a class of `istio.io/mesh-controller`).
    Waypoint,
}

/// One Gateway API Gateway.
#[derive(Debug)]
pub struct KubeGateway<'a> {
    pub object: ObjectRef,
    pub ns: String,
    pub name: &'a str,
    pub class: &'a str,
    /// `None` when Istio does not implement the class.
    pub kind: Option<ClassKind>,
    /// Listener hostnames; `None` for a listener without one (it accepts every host).
    pub hostnames: Vec<Option<&'a str>>,
    /// Listener port numbers.
    pub ports: Vec<u32>,
    pub infrastructure_labels: BTreeMap<String, String>,
}

impl KubeGateway<'_> {
    /// The labels of the pods Istio deploys for this Gateway.
    pub fn pod_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.infrastructure_labels.clone();
        let managed = match self.kind {
            Some(ClassKind::Waypoint) => "istio.io-mesh-controller",
            _ => "istio.io-gateway-controller",
        };
        for (k, v) in [
            (GATEWAY_NAME_LABEL, self.name),
            (GATEWAY_CLASS_LABEL, self.class),
            (MANAGED_LABEL, managed),
        ] {
            labels.insert(k.to_owned(), v.to_owned());
        }
        labels
    }
}

/// Every Gateway API Gateway of the inputs (shadowed copies left out), in input order.
pub fn read_all<'a>(index: &MeshIndex<'a>) -> Vec<KubeGateway<'a>> {
    let classes = class_kinds(index);
    let mut out = Vec::new();
    for (id, o) in index.by_kind("Gateway") {
        if o.group() != "gateway.networking.k8s.io" || o.is_shadowed() {
            continue;
        }
        let spec = o.node.get("spec");
        let class = spec
            .and_then(|s| s.get("gatewayClassName"))
            .and_then(|c| c.as_str())
            .unwrap_or("");
        let listeners: Vec<_> = spec
            .and_then(|s| s.get("listeners"))
            .map(|l| l.items().collect())
            .unwrap_or_default();
        let hostnames = listeners
            .iter()
            .map(|l| {
                l.get("hostname")
                    .and_then(|h| h.as_str())
                    .filter(|h| !h.is_empty())
            })
            .collect();
        let ports = listeners
            .iter()
            .filter_map(|l| l.get("port")?.as_i64())
            .filter_map(|n| u32::try_from(n).ok())
            .collect();
        let infrastructure_labels =
            string_map(spec.and_then(|s| s.at_keys("infrastructure.labels")))
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
        out.push(KubeGateway {
            object: id,
            ns: o.ns().to_owned(),
            name: o.name,
            class,
            kind: classes.get(class).copied(),
            hostnames,
            ports,
            infrastructure_labels,
        });
    }
    out
}

/// Istio's built-in classes and the GatewayClasses of the inputs whose controller is Istio's.
fn class_kinds<'a>(index: &MeshIndex<'a>) -> HashMap<&'a str, ClassKind> {
    let mut out: HashMap<&'a str, ClassKind> = HashMap::from([
        ("istio", ClassKind::Gateway),
        ("istio-east-west", ClassKind::Gateway),
        ("istio-waypoint", ClassKind::Waypoint),
    ]);
    for (_, o) in index.by_kind("GatewayClass") {
        let controller = o
            .node
            .at_keys("spec.controllerName")
            .and_then(|c| c.as_str());
        // Controller names (`istio.io/gateway-controller`), not label keys.
        let kind = match controller.and_then(|c| c.strip_prefix("istio.io/")) {
            Some("gateway-controller") => ClassKind::Gateway,
            Some("mesh-controller") => ClassKind::Waypoint,
            _ => continue,
        };
        out.insert(o.name, kind);
    }
    out
}
