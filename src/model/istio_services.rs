//! The Services an Istio installation and its addons create, which rules routed into the
//! installation's namespace reach although no repository holds them.
//!
//! Sources: the `istiod` and gateway Services of the `default`/`demo` install profiles
//! (`manifests/charts/istio-control/istio-discovery`, `manifests/charts/gateways`), the
//! east-west gateway of `samples/multicluster/gen-eastwest-gateway.sh`, and the addons under
//! `samples/addons/` (`prometheus.yaml`, `grafana.yaml`, `kiali.yaml`, `jaeger.yaml`,
//! `loki.yaml`, `extras/zipkin.yaml`, `extras/skywalking.yaml`).

use super::IstioVersion;

/// `(name, first (major, minor) that creates it, last one that does)`.
type Installed = (&'static str, (u32, u32), (u32, u32));

const INSTALLED: &[Installed] = &[
    // Control plane and gateways.
    ("istiod", (1, 5), (u32::MAX, 0)),
    ("istio-ingressgateway", (1, 0), (u32::MAX, 0)),
    ("istio-egressgateway", (1, 0), (u32::MAX, 0)),
    ("istio-eastwestgateway", (1, 8), (u32::MAX, 0)),
    // Before istiod (1.5) the control plane was several Services.
    ("istio-pilot", (1, 0), (1, 7)),
    ("istio-policy", (1, 0), (1, 7)),
    ("istio-telemetry", (1, 0), (1, 7)),
    ("istio-citadel", (1, 0), (1, 7)),
    ("istio-galley", (1, 0), (1, 7)),
    ("istio-sidecar-injector", (1, 0), (1, 7)),
    // Addons: bundled in the install before 1.7, `samples/addons` since.
    ("prometheus", (1, 0), (u32::MAX, 0)),
    ("grafana", (1, 0), (u32::MAX, 0)),
    ("kiali", (1, 0), (u32::MAX, 0)),
    ("tracing", (1, 0), (u32::MAX, 0)),
    ("zipkin", (1, 0), (u32::MAX, 0)),
    ("jaeger-collector", (1, 7), (u32::MAX, 0)),
    ("jaeger-query", (1, 0), (1, 6)),
    ("loki", (1, 12), (u32::MAX, 0)),
    ("loki-headless", (1, 12), (u32::MAX, 0)),
    ("loki-memberlist", (1, 12), (u32::MAX, 0)),
    ("skywalking-oap", (1, 13), (u32::MAX, 0)),
    ("skywalking-ui", (1, 13), (u32::MAX, 0)),
    ("tracing-ui", (1, 13), (u32::MAX, 0)),
];

/// Whether an Istio installation of `version` (with its addons) creates Service `name` in its
/// own namespace.
pub fn is_installed_service(name: &str, version: IstioVersion) -> bool {
    let v = (version.major, version.minor);
    INSTALLED
        .iter()
        .any(|&(n, since, until)| n == name && since <= v && v <= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_follow_the_version() {
        let v = IstioVersion::new;
        assert!(is_installed_service("istiod", v(1, 22)));
        assert!(!is_installed_service("istiod", v(1, 4)));
        assert!(is_installed_service("istio-pilot", v(1, 4)));
        assert!(!is_installed_service("istio-pilot", v(1, 22)));
        assert!(is_installed_service("grafana", v(1, 30)));
        assert!(!is_installed_service("reviews", v(1, 30)));
    }
}
