//! Why a namespace or workload has its mode: the label, annotation or setting that decided,
//! rendered for diagnostics' notes.

use super::{Assumption, DATAPLANE_MODE_LABEL, INJECT_LABEL, INJECT_TEMPLATES_ANNOTATION};
use super::{AMBIENT_REDIRECTION_ANNOTATION, NAMESPACE_INJECTION_LABEL, REVISION_LABEL};
use std::fmt;

/// What decided a namespace's or workload's mode. `Display` renders it for notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `hostNetwork: true`: never injected, never ambient.
    HostNetwork,
    /// kube-system, kube-public, kube-node-lease, local-path-storage (`IgnoredNamespaces`).
    SystemNamespace(String),
    /// `inject.istio.io/templates: gateway`.
    GatewayTemplate,
    /// The pod-template label `sidecar.istio.io/inject` with this value.
    PodInjectLabel(String),
    /// The legacy pod-template annotation `sidecar.istio.io/inject` with this value.
    PodInjectAnnotation(String),
    /// The pod-template label `istio.io/rev` (the `rev.object` webhook).
    PodRevision(String),
    /// The pod-template label `istio.io/dataplane-mode` with this value.
    PodDataplaneMode(String),
    /// The pod annotation `ambient.istio.io/redirection: enabled`.
    AmbientRedirection,
    /// A label of the Namespace object (`istio-injection`, `istio.io/rev`,
    /// `istio.io/dataplane-mode`).
    NamespaceLabel {
        namespace: String,
        key: &'static str,
        value: String,
    },
    /// The Namespace object is in the inputs and has no injection or ambient label.
    NamespaceUnlabelled(String),
    /// The injector's `enableNamespacesByDefault`.
    NamespacesByDefault,
    /// Injector policy `disabled` and the pod does not opt in.
    PolicyDisabled,
    /// `injection.namespaces.<ns>` in the config file.
    ConfigNamespace(String, Assumption),
    /// `injection.default` in the config file.
    ConfigDefault(Assumption),
    /// No Namespace object and no config: assumed sidecar-injected.
    Assumed(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::HostNetwork => write!(f, "the pod uses `hostNetwork: true`, which Istio never injects"),
            Reason::SystemNamespace(ns) => write!(f, "Istio never injects pods in `{ns}`"),
            Reason::GatewayTemplate => write!(f, "the pod template has `{INJECT_TEMPLATES_ANNOTATION}: gateway`"),
            Reason::PodInjectLabel(v) => write!(f, "the pod template has the label `{INJECT_LABEL}: \"{v}\"`"),
            Reason::PodInjectAnnotation(v) => write!(f, "the pod template has the annotation `{INJECT_LABEL}: \"{v}\"`"),
            Reason::PodRevision(r) => write!(f, "the pod template has the label `{REVISION_LABEL}: {r}`"),
            Reason::PodDataplaneMode(v) => write!(f, "the pod template has the label `{DATAPLANE_MODE_LABEL}: {v}`"),
            Reason::AmbientRedirection => write!(f, "the pod has `{AMBIENT_REDIRECTION_ANNOTATION}: enabled`"),
            Reason::NamespaceLabel { namespace, key, value } => {
                write!(f, "namespace `{namespace}` has the label `{key}: {value}`")
            }
            Reason::NamespaceUnlabelled(ns) => write!(
                f,
                "namespace `{ns}` has neither `{NAMESPACE_INJECTION_LABEL}`, `{REVISION_LABEL}` nor `{DATAPLANE_MODE_LABEL}`"
            ),
            Reason::NamespacesByDefault => write!(f, "the injector sets `enableNamespacesByDefault`"),
            Reason::PolicyDisabled => write!(
                f,
                "the injector policy is `disabled` and the pod template has no `{INJECT_LABEL}: \"true\"`"
            ),
            Reason::ConfigNamespace(ns, a) => write!(
                f,
                "the config file sets `injection.namespaces.{ns}: {}`",
                a.as_str()
            ),
            Reason::ConfigDefault(a) => write!(
                f,
                "the config file sets `injection.default: {}` for namespaces not among the inputs",
                a.as_str()
            ),
            Reason::Assumed(ns) => write!(
                f,
                "namespace `{ns}` is not among the inputs, so its pods are assumed sidecar-injected"
            ),
        }
    }
}
