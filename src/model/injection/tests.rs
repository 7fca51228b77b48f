use super::*;
use crate::parse::parse_file;
use crate::source::{FileId, SourceFile};
use mesh_lint_yaml::Limits;

const NAMESPACES: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: on, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: off, labels: {istio-injection: disabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: rev, labels: {istio.io/rev: canary}}
---
apiVersion: v1
kind: Namespace
metadata: {name: plain}
---
apiVersion: v1
kind: Namespace
metadata: {name: amb, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Namespace
metadata: {name: both, labels: {istio.io/dataplane-mode: ambient, istio-injection: enabled}}
";

fn pod(ns: &str, labels: &str, annotations: &str, host_network: bool) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w, namespace: {ns}}}\n\
         spec:\n  template:\n    metadata:\n      labels: {{app: w{labels}}}\n      annotations: {{x: y{annotations}}}\n\
         \x20   spec:\n      hostNetwork: {host_network}\n      containers: [{{name: app, image: app}}]\n"
    )
}

/// The state of the one workload in `ns` with the given extra labels and annotations.
fn state_with(cx: &LintContext, ns: &str, labels: &str, annotations: &str, hn: bool) -> State {
    let text = format!("{NAMESPACES}{}", pod(ns, labels, annotations, hn));
    let file = SourceFile::from_bytes("t.yaml".into(), None, text.into_bytes());
    let parsed = vec![parse_file(FileId(0), &file, &Limits::default())];
    let index = MeshIndex::build(&parsed, cx, &Limits::default());
    assert_eq!(index.workloads.len(), 1, "{:?}", index.invalid);
    index.injection(cx).workload(&index.workloads[0])
}

fn mode(ns: &str, labels: &str, annotations: &str) -> Mode {
    state_with(&LintContext::default(), ns, labels, annotations, false).mode
}

#[test]
fn namespace_labels_decide_for_unlabelled_pods() {
    assert_eq!(mode("on", "", ""), Mode::Sidecar);
    assert_eq!(mode("off", "", ""), Mode::None);
    assert_eq!(mode("rev", "", ""), Mode::Sidecar);
    assert_eq!(mode("plain", "", ""), Mode::None);
    assert_eq!(mode("amb", "", ""), Mode::Ambient);
    // The injector ignores the dataplane mode: injection wins.
    assert_eq!(mode("both", "", ""), Mode::Sidecar);
    assert_eq!(mode("kube-system", "", ""), Mode::None);
}

#[test]
fn pod_label_opts_in_and_out_case_sensitively() {
    assert_eq!(
        mode("plain", ", sidecar.istio.io/inject: 'true'", ""),
        Mode::Sidecar
    );
    // `True` does not select the `object.` webhook...
    assert_eq!(
        mode("plain", ", sidecar.istio.io/inject: 'True'", ""),
        Mode::None
    );
    // ...and `False` does not opt out: the injector falls back to the policy.
    assert_eq!(
        mode("on", ", sidecar.istio.io/inject: 'False'", ""),
        Mode::Sidecar
    );
    assert_eq!(
        mode("on", ", sidecar.istio.io/inject: 'false'", ""),
        Mode::None
    );
    // Namespace `disabled` beats the pod's opt-in.
    assert_eq!(
        mode("off", ", sidecar.istio.io/inject: 'true'", ""),
        Mode::None
    );
    // A pod revision label in an unlabelled namespace selects `rev.object.`.
    assert_eq!(mode("plain", ", istio.io/rev: canary", ""), Mode::Sidecar);
}

#[test]
fn legacy_annotation_vetoes_but_cannot_trigger() {
    assert_eq!(
        mode("on", "", ", sidecar.istio.io/inject: 'false'"),
        Mode::None
    );
    assert_eq!(
        mode("plain", "", ", sidecar.istio.io/inject: 'true'"),
        Mode::None
    );
    // The label wins over the annotation.
    assert_eq!(
        mode(
            "on",
            ", sidecar.istio.io/inject: 'true'",
            ", sidecar.istio.io/inject: 'false'"
        ),
        Mode::Sidecar
    );
}

#[test]
fn host_network_ambient_and_gateways() {
    let s = state_with(&LintContext::default(), "on", "", "", true);
    assert_eq!((s.mode, s.reason), (Mode::None, Reason::HostNetwork));
    assert!(s.evidence.is_some());
    assert_eq!(
        mode("plain", ", istio.io/dataplane-mode: ambient", ""),
        Mode::Ambient
    );
    assert_eq!(
        mode("amb", ", istio.io/dataplane-mode: none", ""),
        Mode::None
    );
    assert_eq!(
        mode(
            "on",
            ", sidecar.istio.io/inject: 'true'",
            ", inject.istio.io/templates: gateway"
        ),
        Mode::Gateway
    );
}

#[test]
fn reasons_cite_the_deciding_label() {
    let cx = LintContext::default();
    let s = state_with(&cx, "on", "", "", false);
    assert_eq!(
        s.reason.to_string(),
        "namespace `on` has the label `istio-injection: enabled`"
    );
    assert!(!s.assumed);
    let (_, span) = s.evidence.unwrap();
    assert!(span.end > span.start);
    let s = state_with(&cx, "on", ", sidecar.istio.io/inject: 'false'", "", false);
    assert_eq!(s.reason, Reason::PodInjectLabel("false".into()));
    let s = state_with(&cx, "rev", "", "", false);
    assert_eq!(s.revision.as_deref(), Some("canary"));
}

#[test]
fn unknown_namespaces_follow_the_config_else_are_assumed_injected() {
    let mut cx = LintContext::default();
    let s = state_with(&cx, "elsewhere", "", "", false);
    assert_eq!((s.mode, s.assumed), (Mode::Sidecar, true));
    assert_eq!(s.reason, Reason::Assumed("elsewhere".into()));
    // A pod opting out is still out.
    let s = state_with(
        &cx,
        "elsewhere",
        ", sidecar.istio.io/inject: 'false'",
        "",
        false,
    );
    assert_eq!(s.mode, Mode::None);

    cx.injection.default = Some(Assumption::None);
    cx.injection
        .namespaces
        .insert("mesh".into(), Assumption::Ambient);
    let s = state_with(&cx, "elsewhere", "", "", false);
    assert_eq!(
        (s.mode, s.reason),
        (Mode::None, Reason::ConfigDefault(Assumption::None))
    );
    let s = state_with(&cx, "mesh", "", "", false);
    assert_eq!(s.mode, Mode::Ambient);
    assert!(s.assumed);
    // Config never overrides a Namespace object in the inputs.
    cx.injection
        .namespaces
        .insert("plain".into(), Assumption::Sidecar);
    assert_eq!(state_with(&cx, "plain", "", "", false).mode, Mode::None);
}

#[test]
fn injector_settings() {
    let mut cx = LintContext::default();
    cx.injector.enable_namespaces_by_default = Some(true);
    assert_eq!(state_with(&cx, "plain", "", "", false).mode, Mode::Sidecar);
    assert_eq!(
        state_with(&cx, "plain", "", "", false).reason,
        Reason::NamespacesByDefault
    );
    cx.injector = InjectorSettings {
        policy_enabled: Some(false),
        enable_namespaces_by_default: None,
    };
    let s = state_with(&cx, "on", "", "", false);
    assert_eq!((s.mode, s.reason), (Mode::None, Reason::PolicyDisabled));
    let s = state_with(&cx, "on", ", sidecar.istio.io/inject: 'true'", "", false);
    assert_eq!(s.mode, Mode::Sidecar);
    // The pod's revision reaches the webhook in an unlabelled namespace; the disabled policy,
    // not the namespace, is why it gets no sidecar.
    let s = state_with(&cx, "plain", ", istio.io/rev: canary", "", false);
    assert_eq!((s.mode, s.reason), (Mode::None, Reason::PolicyDisabled));
}
