//! Injection state of each namespace and workload (§8): whether its pods get an Envoy sidecar,
//! are ambient, are gateways, or stay outside the mesh, and *why*, so a diagnostic can cite the
//! label or annotation that decided.
//!
//! Nothing is stored per namespace or per workload: each answer is a few map lookups on
//! demand, so the service costs no memory on an 8,000-namespace mesh.
//!
//! ```ignore
//! let inj = index.injection(cx);           // or `ck.injection()` in a rule
//! let ns = inj.namespace("shop");          // what an unlabelled pod in `shop` gets
//! let w = inj.workload(&index.workloads[0]);
//! if w.mode == Mode::Sidecar { /* sidecar-only checks */ }
//! d.notes.push(format!("injected because {}", w.reason));
//! if w.assumed { d.notes.push(inj.assumption_note(ns_name)); }
//! if let Some((obj, span)) = w.evidence { /* secondary label at the deciding label */ }
//! ```
//!
//! The decision follows Istio in two steps:
//! 1. which pods reach the injector at all: the webhooks' namespace and object selectors
//!    (`manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml`);
//! 2. the injector's own decision, `pkg/kube/inject/inject.go :: injectRequired`: never with
//!    `hostNetwork`, never in `IgnoredNamespaces`; the pod's `sidecar.istio.io/inject` label
//!    (else the legacy annotation) when it is exactly `"true"` or `"false"` (compared
//!    case-sensitively, other values fall back), else the injector policy (`autoInject`).
//!
//! Ambient enrolment follows `cni/pkg/util/podutil.go :: PodRedirectionEnabled`; sidecar
//! injection takes precedence over it.

use super::object::is_system_namespace;
use super::workload::Workload;
use super::{LintContext, MeshIndex, ObjectRef};
use mesh_lint_yaml::{Node, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

mod reason;
pub use reason::Reason;

pub const INJECT_LABEL: &str = "sidecar.istio.io/inject";
pub const NAMESPACE_INJECTION_LABEL: &str = "istio-injection";
pub const REVISION_LABEL: &str = "istio.io/rev";
pub const DATAPLANE_MODE_LABEL: &str = "istio.io/dataplane-mode";
/// Set by istio-cni on pods it enrolled in ambient; istioctl's analyzers read it.
pub const AMBIENT_REDIRECTION_ANNOTATION: &str = "ambient.istio.io/redirection";
/// `gateway` here makes the injector render a gateway proxy, to which Sidecars do not apply.
pub const INJECT_TEMPLATES_ANNOTATION: &str = "inject.istio.io/templates";

/// What a pod's data plane is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// An Envoy sidecar is injected: Sidecar resources, exportTo and sidecar annotations apply.
    Sidecar,
    /// Injected with the `gateway` template: a proxy, but Sidecar resources do not apply.
    Gateway,
    /// Enrolled in ambient (ztunnel, maybe a waypoint): no sidecar.
    Ambient,
    /// Outside the mesh.
    None,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sidecar => "sidecar-injected",
            Mode::Gateway => "a gateway proxy",
            Mode::Ambient => "ambient",
            Mode::None => "not in the mesh",
        }
    }
}

/// The assumption for a namespace whose Namespace object is not among the inputs: the config
/// file's `injection.default` / `injection.namespaces` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assumption {
    /// As if labelled `istio-injection: enabled` (the default: the user is linting a mesh).
    Sidecar,
    /// As if labelled `istio.io/dataplane-mode: ambient`.
    Ambient,
    /// Outside the mesh.
    None,
}

impl Assumption {
    pub fn as_str(self) -> &'static str {
        match self {
            Assumption::Sidecar => "sidecar",
            Assumption::Ambient => "ambient",
            Assumption::None => "none",
        }
    }
}

/// The config file's `injection` key, validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InjectionSettings {
    pub default: Option<Assumption>,
    pub namespaces: BTreeMap<String, Assumption>,
}

/// The sidecar injector's own settings, when the inputs hold the Istio installation
/// (IstioOperator `spec.values`, or the rendered `istio-sidecar-injector` ConfigMap).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InjectorSettings {
    /// `global.proxy.autoInject` / the injector config's `policy`: `false` when `disabled`,
    /// where only pods labelled `sidecar.istio.io/inject: "true"` are injected.
    pub policy_enabled: Option<bool>,
    /// `sidecarInjectorWebhook.enableNamespacesByDefault`: the `auto.` webhook injects pods in
    /// every namespace without injection labels.
    pub enable_namespaces_by_default: Option<bool>,
}

/// The injection state of a namespace or a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub mode: Mode,
    /// Set for namespace-level facts (injection, ambient) on a workload: its revision label.
    pub revision: Option<String>,
    pub reason: Reason,
    /// True when the mode rests on an assumption (no Namespace object in the inputs) rather
    /// than on the objects: diagnostics should say so.
    pub assumed: bool,
    /// The label or annotation that decided, for a secondary label: object and value span.
    pub evidence: Option<(ObjectRef, Span)>,
}

/// The injection service: answers per namespace and per workload, computed on demand.
#[derive(Clone, Copy)]
pub struct Injection<'c, 'a> {
    index: &'c MeshIndex<'a>,
    cx: &'c LintContext,
}

impl<'a> MeshIndex<'a> {
    /// The injection state service over this index.
    pub fn injection<'c>(&'c self, cx: &'c LintContext) -> Injection<'c, 'a> {
        Injection { index: self, cx }
    }
}

/// Namespace facts relevant to one pod: the namespace's labels (or assumption) as the webhooks
/// see them.
struct NamespaceView<'c> {
    object: Option<ObjectRef>,
    injection: Option<&'c str>,
    revision: Option<&'c str>,
    dataplane: Option<&'c str>,
    /// From config or the built-in assumption, not from an object.
    assumption: Option<(Assumption, Reason)>,
}

impl<'c, 'a> Injection<'c, 'a> {
    /// What a pod without injection labels of its own gets in `ns`.
    pub fn namespace(&self, ns: &str) -> State {
        if is_system_namespace(ns) {
            return decided(Mode::None, Reason::SystemNamespace(ns.to_owned()), None);
        }
        let view = self.view(ns);
        if let Some((assumption, reason)) = view.assumption {
            let mode = match assumption {
                Assumption::Sidecar => Mode::Sidecar,
                Assumption::Ambient => Mode::Ambient,
                Assumption::None => Mode::None,
            };
            return State {
                mode,
                revision: None,
                reason,
                assumed: true,
                evidence: None,
            };
        }
        let (mode, reason, key) = self.namespace_decision(ns, &view);
        let evidence = key.and_then(|k| self.namespace_label_span(view.object, k));
        State {
            mode,
            revision: view.revision.map(str::to_owned),
            reason,
            assumed: false,
            evidence,
        }
    }

    /// The mode of a workload's pods, from its pod template and its namespace.
    pub fn workload(&self, w: &Workload<'_>) -> State {
        let object = w.object;
        let ns = self.index.objects[object].ns();
        let pod = PodView::new(w);
        if pod.host_network {
            let ev = w
                .template_node
                .at_keys("spec.hostNetwork")
                .map(|n| (object, n.span()));
            return decided(Mode::None, Reason::HostNetwork, ev);
        }
        if is_system_namespace(ns) {
            return decided(Mode::None, Reason::SystemNamespace(ns.to_owned()), None);
        }
        let view = self.view(ns);
        let ns_state = self.namespace(ns);

        // The explicit opt-in/out, label over legacy annotation; other values fall back.
        let explicit = match (pod.label(INJECT_LABEL), pod.annotation(INJECT_LABEL)) {
            (Some(v), _) => Some((v, Reason::PodInjectLabel(v.to_owned()), "labels")),
            (None, Some(v)) => Some((v, Reason::PodInjectAnnotation(v.to_owned()), "annotations")),
            (None, None) => None,
        }
        .filter(|(v, _, _)| matches!(*v, "true" | "false"));
        let pod_rev = pod.label(REVISION_LABEL);
        let reaches = self.reaches_webhook(&view, pod.label(INJECT_LABEL), pod_rev);
        let injected = match &explicit {
            _ if !reaches => false,
            Some((v, _, _)) => *v == "true",
            None => self.cx.injector.policy_enabled != Some(false),
        };

        if injected {
            if pod
                .annotation(INJECT_TEMPLATES_ANNOTATION)
                .is_some_and(|t| t.split(',').any(|t| t.trim() == "gateway"))
            {
                let ev = pod.evidence("annotations", INJECT_TEMPLATES_ANNOTATION);
                return decided(Mode::Gateway, Reason::GatewayTemplate, ev);
            }
            let revision = pod_rev.or(view.revision).map(str::to_owned);
            // Cite the pod's own opt-in, else what made the namespace inject.
            let mut state = match (&explicit, pod_rev) {
                (Some((_, r, section)), _) => decided(
                    Mode::Sidecar,
                    r.clone(),
                    pod.evidence(section, INJECT_LABEL),
                ),
                (None, Some(rev)) if ns_state.mode != Mode::Sidecar => decided(
                    Mode::Sidecar,
                    Reason::PodRevision(rev.to_owned()),
                    pod.evidence("labels", REVISION_LABEL),
                ),
                _ => State {
                    mode: Mode::Sidecar,
                    ..ns_state
                },
            };
            state.revision = revision;
            return state;
        }

        if pod.annotation(AMBIENT_REDIRECTION_ANNOTATION) == Some("enabled") {
            let ev = pod.evidence("annotations", AMBIENT_REDIRECTION_ANNOTATION);
            return decided(Mode::Ambient, Reason::AmbientRedirection, ev);
        }
        if let Some(v @ ("ambient" | "none")) = pod.label(DATAPLANE_MODE_LABEL) {
            let mode = if v == "ambient" {
                Mode::Ambient
            } else {
                Mode::None
            };
            let ev = pod.evidence("labels", DATAPLANE_MODE_LABEL);
            return decided(mode, Reason::PodDataplaneMode(v.to_owned()), ev);
        }
        if view.dataplane == Some("ambient") {
            if let Some((_, reason)) = view.assumption {
                return State {
                    mode: Mode::Ambient,
                    revision: None,
                    reason,
                    assumed: true,
                    evidence: None,
                };
            }
            let reason = Reason::NamespaceLabel {
                namespace: ns.to_owned(),
                key: DATAPLANE_MODE_LABEL,
                value: "ambient".to_owned(),
            };
            let ev = self.namespace_label_span(view.object, DATAPLANE_MODE_LABEL);
            return decided(Mode::Ambient, reason, ev);
        }
        match &explicit {
            Some(("false", r, section)) => {
                decided(Mode::None, r.clone(), pod.evidence(section, INJECT_LABEL))
            }
            None if reaches => decided(Mode::None, Reason::PolicyDisabled, None),
            _ => State {
                mode: Mode::None,
                revision: None,
                ..ns_state
            },
        }
    }

    /// A note for diagnostics that rest on an assumed namespace (`State::assumed`): where
    /// the assumption came from and how to change it.
    pub fn assumption_note(&self, ns: &str) -> String {
        let state = self.namespace(ns);
        match state.reason {
            Reason::ConfigNamespace(..) | Reason::ConfigDefault(_) => format!(
                "the Namespace `{ns}` is not among the inputs: {}",
                state.reason
            ),
            _ => format!(
                "the Namespace `{ns}` is not among the inputs, so its injection labels are unknown; mesh-lint assumed {} (set `injection.namespaces.{ns}` or `injection.default` in .mesh-lint.yaml to change this)",
                match state.mode {
                    Mode::Sidecar => "sidecar injection",
                    Mode::Ambient => "ambient",
                    _ => "no mesh",
                }
            ),
        }
    }

    fn view(&self, ns: &str) -> NamespaceView<'c> {
        let info = self.index.namespaces.get(ns);
        let object = info.and_then(|i| i.object);
        let Some(info) = info.filter(|i| i.object.is_some()) else {
            let settings = &self.cx.injection;
            let assumption = match (settings.namespaces.get(ns), settings.default) {
                (Some(&a), _) => (a, Reason::ConfigNamespace(ns.to_owned(), a)),
                (None, Some(a)) => (a, Reason::ConfigDefault(a)),
                (None, None) => (Assumption::Sidecar, Reason::Assumed(ns.to_owned())),
            };
            let (injection, dataplane) = match assumption.0 {
                Assumption::Sidecar => (Some("enabled"), None),
                Assumption::Ambient => (None, Some("ambient")),
                Assumption::None => (None, None),
            };
            return NamespaceView {
                object,
                injection,
                revision: None,
                dataplane,
                assumption: Some(assumption),
            };
        };
        let labels = self.index.namespace_labels(info);
        let get = |k: &str| labels.and_then(|l| l.get(k));
        NamespaceView {
            object,
            injection: get(NAMESPACE_INJECTION_LABEL),
            revision: get(REVISION_LABEL),
            dataplane: get(DATAPLANE_MODE_LABEL),
            assumption: None,
        }
    }

    /// A namespace's own decision, with the label key to cite.
    fn namespace_decision(
        &self,
        ns: &str,
        view: &NamespaceView<'_>,
    ) -> (Mode, Reason, Option<&'static str>) {
        let label = |key: &'static str, value: &str| Reason::NamespaceLabel {
            namespace: ns.to_owned(),
            key,
            value: value.to_owned(),
        };
        let policy_on = self.cx.injector.policy_enabled != Some(false);
        if view.injection == Some("enabled") && !policy_on {
            return (Mode::None, Reason::PolicyDisabled, None);
        }
        if let Some(v) = view.injection {
            // Only `enabled` selects the namespace webhooks; any other value blocks every one.
            let mode = if v == "enabled" && policy_on {
                Mode::Sidecar
            } else {
                self.ambient_mode(view)
            };
            let reason = if mode == Mode::Ambient {
                label(DATAPLANE_MODE_LABEL, "ambient")
            } else {
                label(NAMESPACE_INJECTION_LABEL, v)
            };
            let key = if mode == Mode::Ambient {
                DATAPLANE_MODE_LABEL
            } else {
                NAMESPACE_INJECTION_LABEL
            };
            return (mode, reason, Some(key));
        }
        if let Some(rev) = view.revision {
            if policy_on {
                return (
                    Mode::Sidecar,
                    label(REVISION_LABEL, rev),
                    Some(REVISION_LABEL),
                );
            }
        }
        if view.dataplane == Some("ambient") {
            return (
                Mode::Ambient,
                label(DATAPLANE_MODE_LABEL, "ambient"),
                Some(DATAPLANE_MODE_LABEL),
            );
        }
        if self.cx.injector.enable_namespaces_by_default == Some(true) && policy_on {
            return (Mode::Sidecar, Reason::NamespacesByDefault, None);
        }
        (Mode::None, Reason::NamespaceUnlabelled(ns.to_owned()), None)
    }

    fn ambient_mode(&self, view: &NamespaceView<'_>) -> Mode {
        if view.dataplane == Some("ambient") {
            Mode::Ambient
        } else {
            Mode::None
        }
    }

    /// Whether one of the injection webhooks selects the pod (§8.1). Revisions named by labels
    /// are assumed installed.
    fn reaches_webhook(
        &self,
        view: &NamespaceView<'_>,
        pod_inject: Option<&str>,
        pod_rev: Option<&str>,
    ) -> bool {
        match (view.injection, view.revision) {
            // `namespace.`: istio-injection=enabled; the others need the label absent.
            (Some(v), _) => v == "enabled" && pod_inject != Some("false"),
            // `rev.namespace.`
            (None, Some(_)) => pod_inject != Some("false"),
            // `object.` (label exactly "true"), `rev.object.` (pod revision), or `auto.`.
            (None, None) => {
                pod_inject == Some("true")
                    || (pod_rev.is_some() && pod_inject != Some("false"))
                    || (self.cx.injector.enable_namespaces_by_default == Some(true)
                        && pod_inject.is_none()
                        && pod_rev.is_none())
            }
        }
    }

    fn namespace_label_span(
        &self,
        object: Option<ObjectRef>,
        key: &str,
    ) -> Option<(ObjectRef, Span)> {
        let object = object?;
        let node: Node<'_> = self.index.objects[object].node;
        let value = node.at_keys("metadata.labels")?.get(key)?;
        Some((object, value.span()))
    }
}

fn decided(mode: Mode, reason: Reason, evidence: Option<(ObjectRef, Span)>) -> State {
    State {
        mode,
        revision: None,
        reason,
        assumed: false,
        evidence,
    }
}

/// The pod template's metadata and `hostNetwork`, as the injector reads them.
struct PodView<'w, 'a> {
    workload: &'w Workload<'a>,
    host_network: bool,
}

impl<'w, 'a> PodView<'w, 'a> {
    fn new(workload: &'w Workload<'a>) -> Self {
        PodView {
            workload,
            host_network: workload.host_network,
        }
    }

    fn label(&self, key: &str) -> Option<&'w str> {
        self.workload.labels.get(key)
    }

    fn annotation(&self, key: &str) -> Option<&'w str> {
        self.workload.annotation(key)
    }

    /// The span of `metadata.<section>.<key>`'s value in the pod template.
    fn evidence(&self, section: &str, key: &str) -> Option<(ObjectRef, Span)> {
        let node = self.workload.template_node.at_keys("metadata")?;
        let value = node.get(section)?.get(key)?;
        Some((self.workload.object, value.span()))
    }
}

#[cfg(test)]
mod tests;
