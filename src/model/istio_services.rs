//! The Services an Istio installation and its addons create, which rules routed into the
//! installation's namespace reach although no repository holds them.
//!
//! Sources: the `istiod` and gateway Services of the `default`/`demo` install profiles
//! (`manifests/charts/istio-control/istio-discovery`, `manifests/charts/gateways`), the
//! east-west gateway of `samples/multicluster/gen-eastwest-gateway.sh`, and the addons under
//! `samples/addons/` (`prometheus.yaml`, `grafana.yaml`, `kiali.yaml`, `jaeger.yaml`,
//! `loki.yaml`, `extras/zipkin.yaml`, `extras/skywalking.yaml`).

use super::IstioVersion;

/// `(name, group, first (major, minor) that creates it, last one that does)`. A group is what
/// is installed as one piece: the control plane, one gateway, one addon file.
type Installed = (&'static str, &'static str, (u32, u32), (u32, u32));

const ALWAYS: (u32, u32) = (u32::MAX, 0);

const INSTALLED: &[Installed] = &[
    // Control plane and gateways.
    ("istiod", "istiod", (1, 5), ALWAYS),
    (
        "istio-ingressgateway",
        "istio-ingressgateway",
        (1, 0),
        ALWAYS,
    ),
    ("istio-egressgateway", "istio-egressgateway", (1, 0), ALWAYS),
    (
        "istio-eastwestgateway",
        "istio-eastwestgateway",
        (1, 8),
        ALWAYS,
    ),
    // Before istiod (1.5) the control plane was several Services.
    ("istio-pilot", "control-plane", (1, 0), (1, 7)),
    ("istio-policy", "control-plane", (1, 0), (1, 7)),
    ("istio-telemetry", "control-plane", (1, 0), (1, 7)),
    ("istio-citadel", "control-plane", (1, 0), (1, 7)),
    ("istio-galley", "control-plane", (1, 0), (1, 7)),
    ("istio-sidecar-injector", "control-plane", (1, 0), (1, 7)),
    // Addons: bundled in the install before 1.7, one file each under `samples/addons` since.
    ("prometheus", "prometheus", (1, 0), ALWAYS),
    ("grafana", "grafana", (1, 0), ALWAYS),
    ("kiali", "kiali", (1, 0), ALWAYS),
    // jaeger.yaml, extras/zipkin.yaml and extras/skywalking.yaml each create `tracing`.
    ("tracing", "tracing", (1, 0), ALWAYS),
    ("zipkin", "tracing", (1, 0), ALWAYS),
    ("jaeger-collector", "tracing", (1, 7), ALWAYS),
    ("jaeger-query", "tracing", (1, 0), (1, 6)),
    ("skywalking-oap", "tracing", (1, 13), ALWAYS),
    ("skywalking-ui", "tracing", (1, 13), ALWAYS),
    ("tracing-ui", "tracing", (1, 13), ALWAYS),
    ("loki", "loki", (1, 12), ALWAYS),
    ("loki-headless", "loki", (1, 12), ALWAYS),
    ("loki-memberlist", "loki", (1, 12), ALWAYS),
];

/// The piece of an Istio installation of `version` (with its addons) that creates Service
/// `name` in the installation's namespace, e.g. `tracing` for `zipkin`.
pub fn installed_group(name: &str, version: IstioVersion) -> Option<&'static str> {
    let v = (version.major, version.minor);
    INSTALLED
        .iter()
        .find(|&&(n, _, since, until)| n == name && since <= v && v <= until)
        .map(|&(_, group, _, _)| group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_follow_the_version() {
        let v = IstioVersion::new;
        assert_eq!(installed_group("istiod", v(1, 22)), Some("istiod"));
        assert_eq!(installed_group("istiod", v(1, 4)), None);
        assert_eq!(
            installed_group("istio-pilot", v(1, 4)),
            Some("control-plane")
        );
        assert_eq!(installed_group("istio-pilot", v(1, 22)), None);
        assert_eq!(installed_group("zipkin", v(1, 30)), Some("tracing"));
        assert_eq!(installed_group("reviews", v(1, 30)), None);
    }
}
