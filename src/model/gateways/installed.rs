//! The gateway proxies an Istio installation creates, which repositories bind Gateways to but
//! rarely hold: `istio-ingressgateway` (default and demo profiles), `istio-egressgateway` (demo
//! profile) and the east-west gateway of `samples/multicluster/gen-eastwest-gateway.sh`.
//!
//! Sources: `manifests/charts/gateways/istio-ingress/values.yaml` and `istio-egress/values.yaml`
//! (labels and Service ports), `manifests/profiles/demo.yaml` (the ingress adds `tcp` 31400 and
//! `tls` 15443), the `istio/gateway` chart's `values.yaml` (a release named
//! `istio-ingressgateway` exposes 80 and 443 on the same target ports), and
//! `samples/multicluster/gen-eastwest-gateway.sh`.

/// One installed gateway.
#[derive(Debug, PartialEq, Eq)]
pub struct InstalledGateway {
    /// The Deployment and Service name.
    pub name: &'static str,
    /// Pod labels (a subset: what Gateways select on).
    pub labels: &'static [(&'static str, &'static str)],
    /// Ports a Gateway server may use and still be reached through the Service: the Service
    /// ports and target ports of every install that creates this gateway.
    pub ports: &'static [u32],
    /// First Istio minor version that creates it.
    pub since: (u32, u32),
}

/// The namespace the installation puts its gateways in.
pub const INSTALL_NAMESPACE: &str = "istio-system";

pub const INSTALLED: &[InstalledGateway] = &[
    InstalledGateway {
        name: "istio-ingressgateway",
        labels: &[("app", "istio-ingressgateway"), ("istio", "ingressgateway")],
        ports: &[15021, 80, 8080, 443, 8443, 31400, 15443],
        since: (1, 0),
    },
    InstalledGateway {
        name: "istio-egressgateway",
        labels: &[("app", "istio-egressgateway"), ("istio", "egressgateway")],
        ports: &[80, 8080, 443, 8443, 15443],
        since: (1, 0),
    },
    InstalledGateway {
        name: "istio-eastwestgateway",
        labels: &[
            ("app", "istio-eastwestgateway"),
            ("istio", "eastwestgateway"),
        ],
        ports: &[15021, 15443, 15012, 15017],
        since: (1, 8),
    },
];

impl InstalledGateway {
    /// The label that tells this gateway's pods apart (`istio: ingressgateway`).
    pub fn identity(&self) -> (&'static str, &'static str) {
        self.labels
            .iter()
            .copied()
            .find(|(k, _)| *k == "istio")
            .unwrap_or(self.labels[0])
    }
}
