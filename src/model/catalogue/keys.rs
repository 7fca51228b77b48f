//! The Istio annotation and label keys mesh-lint's rules name. Every key here must be in the
//! catalogue (a test checks), so a rule cannot rely on a key Istio does not define.

use super::Target::{self, Annotation, Label};

pub const PROXY_CONFIG: &str = "proxy.istio.io/config";
pub const SIDECAR_INJECT: &str = "sidecar.istio.io/inject";
pub const NATIVE_SIDECAR: &str = "sidecar.istio.io/nativeSidecar";
pub const REWRITE_APP_HTTP_PROBERS: &str = "sidecar.istio.io/rewriteAppHTTPProbers";
pub const SIDECAR_INTERCEPTION_MODE: &str = "sidecar.istio.io/interceptionMode";
pub const SIDECAR_STATUS: &str = "sidecar.istio.io/status";
pub const STATUS_PORT: &str = "status.sidecar.istio.io/port";
pub const READINESS_INITIAL_DELAY: &str = "readiness.status.sidecar.istio.io/initialDelaySeconds";
pub const READINESS_PERIOD: &str = "readiness.status.sidecar.istio.io/periodSeconds";
pub const READINESS_FAILURE_THRESHOLD: &str = "readiness.status.sidecar.istio.io/failureThreshold";
pub const INCLUDE_OUTBOUND_IP_RANGES: &str = "traffic.sidecar.istio.io/includeOutboundIPRanges";
pub const EXCLUDE_OUTBOUND_IP_RANGES: &str = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
pub const INCLUDE_INBOUND_PORTS: &str = "traffic.sidecar.istio.io/includeInboundPorts";
pub const EXCLUDE_INBOUND_PORTS: &str = "traffic.sidecar.istio.io/excludeInboundPorts";
pub const EXCLUDE_OUTBOUND_PORTS: &str = "traffic.sidecar.istio.io/excludeOutboundPorts";
pub const EXCLUDE_INTERFACES: &str = "traffic.sidecar.istio.io/excludeInterfaces";
pub const KUBEVIRT_INTERFACES: &str = "traffic.sidecar.istio.io/kubevirtInterfaces";
pub const REROUTE_VIRTUAL_INTERFACES: &str = "istio.io/reroute-virtual-interfaces";
pub const PROMETHEUS_MERGE_METRICS: &str = "prometheus.istio.io/merge-metrics";
pub const PROXY_CPU: &str = "sidecar.istio.io/proxyCPU";
pub const PROXY_MEMORY: &str = "sidecar.istio.io/proxyMemory";
pub const PROXY_CPU_LIMIT: &str = "sidecar.istio.io/proxyCPULimit";
pub const PROXY_MEMORY_LIMIT: &str = "sidecar.istio.io/proxyMemoryLimit";
pub const AMBIENT_REDIRECTION: &str = "ambient.istio.io/redirection";
/// Labels.
pub const REV: &str = "istio.io/rev";
pub const DATAPLANE_MODE: &str = "istio.io/dataplane-mode";

/// Every key above with what it is, for the catalogue test.
pub const ALL: &[(&str, Target)] = &[
    (PROXY_CONFIG, Annotation),
    (SIDECAR_INJECT, Annotation),
    (SIDECAR_INJECT, Label),
    (NATIVE_SIDECAR, Annotation),
    (REWRITE_APP_HTTP_PROBERS, Annotation),
    (SIDECAR_INTERCEPTION_MODE, Annotation),
    (SIDECAR_STATUS, Annotation),
    (STATUS_PORT, Annotation),
    (READINESS_INITIAL_DELAY, Annotation),
    (READINESS_PERIOD, Annotation),
    (READINESS_FAILURE_THRESHOLD, Annotation),
    (INCLUDE_OUTBOUND_IP_RANGES, Annotation),
    (EXCLUDE_OUTBOUND_IP_RANGES, Annotation),
    (INCLUDE_INBOUND_PORTS, Annotation),
    (EXCLUDE_INBOUND_PORTS, Annotation),
    (EXCLUDE_OUTBOUND_PORTS, Annotation),
    (EXCLUDE_INTERFACES, Annotation),
    (KUBEVIRT_INTERFACES, Annotation),
    (REROUTE_VIRTUAL_INTERFACES, Annotation),
    (PROMETHEUS_MERGE_METRICS, Annotation),
    (PROXY_CPU, Annotation),
    (PROXY_MEMORY, Annotation),
    (PROXY_CPU_LIMIT, Annotation),
    (PROXY_MEMORY_LIMIT, Annotation),
    (AMBIENT_REDIRECTION, Annotation),
    (REV, Label),
    (REV, Annotation),
    (DATAPLANE_MODE, Label),
];
