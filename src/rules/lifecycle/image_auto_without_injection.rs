use super::{describe, PROXY_CONTAINER};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::injection::{Mode, Reason, State, INJECT_LABEL, NAMESPACE_INJECTION_LABEL};
use crate::model::is_system_namespace;
use crate::model::Workload;
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports a workload (Deployment, StatefulSet, DaemonSet, Pod, ...) whose pod template
    /// declares the `istio-proxy` container with `image: auto` while no injection webhook
    /// selects its pods, following mesh-lint's injection model: namespace labels, pod labels,
    /// the injector policy, host networking. Also a Pod exported from a cluster (it has a
    /// `status` or a `metadata.uid`) that still holds `image: auto`: the webhook did not
    /// inject it, whatever its labels say now.
    ///
    /// ## Why is this bad?
    /// `image: auto` is a placeholder: the injector replaces it with the proxy image when it
    /// injects the pod, typically with the `gateway` template (`inject.istio.io/templates:
    /// gateway`), which is how Istio's gateway chart deploys gateways. A pod that no webhook
    /// selects keeps the literal image `auto`, which cannot be pulled: the pods never start
    /// (`ErrImagePull`, `ImagePullBackOff`).
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata: {name: ingress, namespace: edge}     # `edge` has no injection label
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations: {inject.istio.io/templates: gateway}
    ///       labels: {istio: ingressgateway}
    ///     spec:
    ///       containers: [{name: istio-proxy, image: auto}]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///       labels: {sidecar.istio.io/inject: "true", istio: ingressgateway}
    /// ```
    ///
    /// ## Fix safety
    /// When nothing on the namespace blocks injection, the fix labels the pod template
    /// `sidecar.istio.io/inject: "true"` (as Istio's gateway chart does), which the `object.`
    /// webhook selects. It makes the pods injected, which changes what runs: **unsafe**. With
    /// `istio-injection` set to something other than `enabled`, host networking or an explicit
    /// opt-out there is help only.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/injection/image-auto.go` (`ImageAutoAnalyzer`, IST0146, IST0147); `manifests/charts/gateway/templates/deployment.yaml`; `pkg/kube/inject/webhook.go` (the `auto` image)
    /// - [Istio: installing gateways, gateway injection](https://istio.io/latest/docs/setup/additional-setup/gateway/)
    pub static META = {
        code: "MESH415",
        name: "image-auto-without-injection",
        area: "lifecycle",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: ["IST0146", "IST0147"],
        summary: "An `istio-proxy` container with `image: auto` in pods no injection webhook selects: the image cannot be pulled",
    };
}

pub struct ImageAutoWithoutInjection;

impl Rule for ImageAutoWithoutInjection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for w in &ck.index.workloads {
            let Some(image) = auto_image(w) else { continue };
            let state = ck.injection().workload(w);
            if exported_pod(ck, w) {
                out.push(exported(ck, w, image));
            } else if !matches!(state.mode, Mode::Sidecar | Mode::Gateway) {
                out.push(not_injected(ck, w, image, &state));
            }
        }
    }
}

/// The `image` value of an `istio-proxy` container holding `auto` (init containers are not
/// templated this way).
fn auto_image<'a>(w: &Workload<'a>) -> Option<Node<'a>> {
    w.template_node
        .at_keys("spec.containers")?
        .items()
        .filter(|c| c.get("name").and_then(|n| n.as_str()) == Some(PROXY_CONTAINER))
        .find_map(|c| c.get("image").filter(|i| i.as_str() == Some("auto")))
}

/// A Pod as a cluster returned it: it went through admission already.
fn exported_pod(ck: &Checker<'_, '_>, w: &Workload<'_>) -> bool {
    let o = &ck.index.objects[w.object];
    o.kind == "Pod"
        && (o.node.get("status").is_some_and(|s| !s.is_null())
            || o.node.at_keys("metadata.uid").is_some())
}

fn exported(ck: &Checker<'_, '_>, w: &Workload<'_>, image: Node<'_>) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        w.object,
        image.span(),
        format!(
            "{} was created with `image: auto` left on `{PROXY_CONTAINER}`: no webhook injected it",
            describe(ck, w)
        ),
    );
    d.primary.message = "never replaced".to_owned();
    d.notes.push("this Pod carries the state a cluster gave it, so it went through admission already; the injector replaces `auto` with the proxy image, and did not".to_owned().into());
    d.notes.push(PLACEHOLDER.to_owned().into());
    d.help = Some("check the injection webhooks and the namespace's labels at the time the pod was created, then recreate the pod".to_owned().into());
    d
}

const PLACEHOLDER: &str = "`image: auto` is a placeholder that only injection fills in (gateway injection); a pod no webhook selects keeps it, and the image `auto` cannot be pulled, so the pods never start";

fn not_injected(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    image: Node<'_>,
    state: &State,
) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        w.object,
        image.span(),
        format!(
            "{} declares `{PROXY_CONTAINER}` with `image: auto`, but no injection webhook selects its pods",
            describe(ck, w)
        ),
    );
    d.primary.message = "never replaced: not injected".to_owned();
    d.notes.push(PLACEHOLDER.to_owned().into());
    if state.assumed {
        // Only the config file can assume a namespace is outside the mesh: a stated fact.
        let ns = ck.index.objects[w.object].ns();
        d.notes.push(ck.injection().assumption_note(ns).into());
    } else {
        d.notes
            .push(format!("not injected: {}", state.reason).into());
    }
    if let Some((object, span)) = state.evidence {
        d.related.push(ck.label(object, span, "decides injection"));
    }
    if let Reason::NamespaceUnlabelled(ns) = &state.reason {
        // No label to point at: point at the Namespace that lacks one.
        let namespace = ck.index.namespaces.get(ns).and_then(|i| i.object);
        if let Some(id) = namespace {
            let node = ck.index.objects[id].node;
            let span = node
                .at_keys("metadata.name")
                .map_or(node.span(), |n| n.span());
            d.related.push(ck.label(id, span, "no injection label"));
        }
    }
    d.fix = label_fix(ck, w);
    d.help = Some(if d.fix.is_some() {
        format!("label the pod template `{INJECT_LABEL}: \"true\"`, as Istio's gateway chart does, so the `object.` webhook injects it").into()
    } else {
        let enable = match &state.reason {
            Reason::NamespaceLabel { key, .. } if *key == NAMESPACE_INJECTION_LABEL => {
                format!("label the namespace `{NAMESPACE_INJECTION_LABEL}: enabled` (or remove the label)")
            }
            Reason::HostNetwork => "drop `hostNetwork` (Istio never injects host-network pods)".to_owned(),
            Reason::PodInjectLabel(_) | Reason::PodInjectAnnotation(_) => {
                format!("remove the pod's `{INJECT_LABEL}` opt-out")
            }
            _ => format!("enable injection for these pods (namespace label `{NAMESPACE_INJECTION_LABEL}: enabled`, or the pod label `{INJECT_LABEL}: \"true\"`)"),
        };
        format!("{enable}, or give `{PROXY_CONTAINER}` a real image").into()
    });
    d
}

/// Labelling the pod template `sidecar.istio.io/inject: "true"`, when that makes the `object.`
/// webhook select it: no opt-out or other value on the pod, no blocking namespace label, no
/// host network.
fn label_fix(ck: &Checker<'_, '_>, w: &Workload<'_>) -> Option<Fix> {
    let ns = ck.index.objects[w.object].ns();
    let namespace_blocks = ck
        .index
        .namespaces
        .get(ns)
        .and_then(|i| ck.index.namespace_labels(i))
        .is_some_and(|l| l.contains_key(NAMESPACE_INJECTION_LABEL));
    if w.labels.contains_key(INJECT_LABEL)
        || w.annotation(INJECT_LABEL) == Some("false")
        || w.host_network
        || is_system_namespace(ns)
        || namespace_blocks
    {
        return None;
    }
    let labels = w
        .template_node
        .at_keys("metadata.labels")
        .filter(|l| !l.is_null())?;
    let edit = set_key(
        ck,
        w.object,
        labels,
        INJECT_LABEL,
        &Value::inline("\"true\""),
        Place::First,
    )?;
    Some(Fix::new(
        format!("label the pods `{INJECT_LABEL}: \"true\"`"),
        Applicability::Unsafe,
        vec![edit],
    ))
}
