use super::declares_proxy;
use crate::diagnostic::{Diagnostic, Findings, Label};
use crate::model::catalogue::{self, SET_BY_ISTIO};
use crate::model::injection::{Mode, Reason, NAMESPACE_INJECTION_LABEL, REVISION_LABEL};
use crate::model::{ObjectRef, Workload};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Span;
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Reports, as info, a Namespace among the inputs that has no injection label
    /// (`istio-injection`, `istio.io/rev`) and is not ambient, when its pods' place in the mesh
    /// rests on that absence:
    /// - with the injector's `enableNamespacesByDefault` on (read from an IstioOperator or the
    ///   `istio-sidecar-injector` ConfigMap in the inputs), its pods are injected only because
    ///   of that installation-wide setting;
    /// - otherwise its pods get no sidecar, reported when the inputs show the namespace is
    ///   meant for the mesh: other Namespaces in the same directory of the inputs are labelled
    ///   for it (the inputs manage membership by namespace label there), the namespace
    ///   holds Istio configuration for its own proxies (Sidecar, PeerAuthentication,
    ///   AuthorizationPolicy, RequestAuthentication, Telemetry, EnvoyFilter, WasmPlugin), or
    ///   its workloads carry sidecar annotations.
    ///
    /// Kubernetes' system namespaces and the Istio root namespace are left alone, and so is a
    /// namespace whose workloads in the inputs all decide injection themselves (pod labels).
    ///
    /// ## Why is this bad?
    /// The injection webhooks select namespaces by label. A namespace without one is outside
    /// the mesh (its pods start without a proxy: no mTLS, no Istio policy, no telemetry) or,
    /// with `enableNamespacesByDefault`, inside it by a setting nobody sees on the namespace.
    /// Either way an explicit label says what is meant, and survives a change of the
    /// installation. Namespaces defined elsewhere are not reported: their labels are unknown.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     istio-injection: enabled   # or `disabled` to keep it out of the mesh on purpose
    /// ```
    ///
    /// ## Fix safety
    /// No fix: only you know whether the namespace belongs in the mesh, and labelling it
    /// `disabled` would also stop pods that opt in with `sidecar.istio.io/inject: "true"`.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/injection/injection.go` (`Analyzer`, IST0102 NamespaceNotInjected, IST0148 NamespaceInjectionEnabledByDefault); `manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml` (the `auto.` webhook)
    /// - [Istio: automatic sidecar injection](https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#automatic-sidecar-injection)
    pub static META = {
        code: "MESH414",
        name: "namespace-without-injection-label",
        area: "lifecycle",
        severity: Info,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0102", "IST0148"],
        summary: "A Namespace with no injection label whose pods' mesh membership rests on that absence (info)",
    };
}

pub struct NamespaceWithoutInjectionLabel;

/// Kinds whose objects configure the proxies of their own namespace's workloads.
const PROXY_CONFIG_KINDS: &[&str] = &[
    "Sidecar",
    "PeerAuthentication",
    "AuthorizationPolicy",
    "RequestAuthentication",
    "Telemetry",
    "EnvoyFilter",
    "WasmPlugin",
];

/// How many workloads a finding names.
const SHOWN: usize = 3;

/// What the inputs say about one unlabelled namespace.
#[derive(Default)]
struct Facts<'w, 'a> {
    /// Workloads whose injection the namespace decides.
    decided: Vec<&'w Workload<'a>>,
    /// Workloads that decide for themselves (pod labels, host network, gateways).
    own: usize,
    /// The first object configuring this namespace's proxies.
    proxy_config: Option<ObjectRef>,
    /// The first decided workload with a sidecar annotation, and the key.
    annotated: Option<(&'w Workload<'a>, &'static str)>,
}

impl Rule for NamespaceWithoutInjectionLabel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let root = ck.cx.mesh_config.root_namespace();
        let mut facts: HashMap<&str, Facts<'_, '_>> = HashMap::new();
        // Per directory, a Namespace there that is labelled into the mesh (a sidecar one
        // preferably): the inputs manage mesh membership by namespace label in that place.
        let mut enrolled: HashMap<&str, (&str, Mode)> = HashMap::new();
        for (name, info) in &ck.index.namespaces {
            let Some(object) = info.object else { continue };
            if name == root || name == "istio-system" {
                continue;
            }
            let state = ck.injection().namespace(name);
            match state.reason {
                Reason::NamespaceUnlabelled(_) | Reason::NamespacesByDefault => {
                    facts.insert(name, Facts::default());
                }
                _ if state.mode != Mode::None => {
                    let slot = enrolled
                        .entry(directory(ck, object))
                        .or_insert((name, state.mode));
                    if slot.1 != Mode::Sidecar && state.mode == Mode::Sidecar {
                        *slot = (name, state.mode);
                    }
                }
                _ => {}
            }
        }
        if facts.is_empty() {
            return;
        }
        gather(ck, &mut facts);
        let mut names: Vec<&str> = facts.keys().copied().collect();
        names.sort_unstable();
        for name in names {
            let f = &facts[name];
            let sibling = ck.index.namespaces[name]
                .object
                .and_then(|o| enrolled.get(directory(ck, o)))
                .map(|(n, _)| *n);
            out.extend(finding(ck, name, f, sibling));
        }
    }
}

/// The directory of the file holding `object` (`-` for stdin, where a chart renders together).
fn directory<'c>(ck: &'c Checker<'_, '_>, object: ObjectRef) -> &'c str {
    let name = &ck.files.get(ck.index.objects[object].file).name;
    name.rsplit_once(['/', '\\']).map_or("", |(dir, _)| dir)
}

/// One pass over workloads and objects, keeping what concerns the unlabelled namespaces.
fn gather<'w, 'a>(ck: &'w Checker<'_, 'a>, facts: &mut HashMap<&str, Facts<'w, 'a>>) {
    for w in &ck.index.workloads {
        let o = &ck.index.objects[w.object];
        if o.is_shadowed() {
            continue;
        }
        let Some(f) = facts.get_mut(o.ns()) else {
            continue;
        };
        let by_namespace = matches!(
            ck.injection().workload(w).reason,
            Reason::NamespaceUnlabelled(_) | Reason::NamespacesByDefault
        );
        if !by_namespace || declares_proxy(w) {
            f.own += 1;
            continue;
        }
        f.decided.push(w);
        if f.annotated.is_none() {
            f.annotated = sidecar_annotation(w).map(|k| (w, k));
        }
    }
    for (id, o) in ck.index.objects.iter().enumerate() {
        if o.is_shadowed()
            || !PROXY_CONFIG_KINDS.contains(&o.kind)
            || !o.group().ends_with("istio.io")
        {
            continue;
        }
        if let Some(f) = facts.get_mut(o.ns()) {
            f.proxy_config.get_or_insert(id);
        }
    }
}

/// A pod-template annotation that configures the sidecar (which an uninjected pod never has).
fn sidecar_annotation(w: &Workload<'_>) -> Option<&'static str> {
    const PREFIXES: &[&str] = &[
        "sidecar.istio.io/",
        "proxy.istio.io/",
        "traffic.sidecar.istio.io/",
        "status.sidecar.istio.io/",
        "readiness.status.sidecar.istio.io/",
    ];
    w.annotations.iter().find_map(|(k, _)| {
        let entry = catalogue::annotation(k)?;
        let sidecar = PREFIXES.iter().any(|p| k.starts_with(p))
            && entry.applies_to("Pod")
            && !SET_BY_ISTIO.contains(&entry.name);
        sidecar.then_some(entry.name)
    })
}

fn finding(
    ck: &Checker<'_, '_>,
    name: &str,
    f: &Facts<'_, '_>,
    enrolled: Option<&str>,
) -> Option<Diagnostic> {
    // Every workload here decides for itself: the namespace label would change nothing.
    if f.decided.is_empty() && f.own > 0 {
        return None;
    }
    let object = ck.index.namespaces.get(name)?.object?;
    let node = ck.index.objects[object].node;
    let anchor = node
        .at_keys("metadata.name")
        .map_or(node.span(), |n| n.span());
    let by_default = ck.injection().namespace(name).reason == Reason::NamespacesByDefault;
    let mut d = if by_default {
        by_default_finding(ck, name, object, anchor)
    } else {
        let evidence = intent(ck, f, enrolled)?;
        let mut d = ck.diagnostic(
            &META,
            object,
            anchor,
            format!("namespace `{name}` has no injection label: its pods get no sidecar"),
        );
        d.primary.message = format!("no `{NAMESPACE_INJECTION_LABEL}` or `{REVISION_LABEL}` label");
        d.notes.push(format!("the injection webhooks select namespaces labelled `{NAMESPACE_INJECTION_LABEL}: enabled` or `{REVISION_LABEL}: <revision>` (and pods labelled `sidecar.istio.io/inject: \"true\"`); pods here start without a proxy: no mTLS, no Istio policy or telemetry").into());
        let (note, label) = evidence;
        d.notes.push(note.into());
        d.related.extend(label);
        d.help = Some(format!("label it `{NAMESPACE_INJECTION_LABEL}: enabled` (or `{REVISION_LABEL}: <revision>`, or `istio.io/dataplane-mode: ambient`) to put its pods in the mesh, or `{NAMESPACE_INJECTION_LABEL}: disabled` to record that it stays out").into());
        d
    };
    let verb = if by_default { "injected" } else { "no sidecar" };
    for w in f.decided.iter().take(SHOWN) {
        let span = super::template_anchor(ck, w);
        d.related.push(ck.label(w.object, span, verb));
    }
    if f.decided.len() > SHOWN {
        d.notes.push(
            format!(
                "{} more workloads in the inputs run in `{name}`",
                f.decided.len() - SHOWN
            )
            .into(),
        );
    }
    Some(d)
}

fn by_default_finding(
    ck: &Checker<'_, '_>,
    name: &str,
    object: ObjectRef,
    anchor: Span,
) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        object,
        anchor,
        format!("namespace `{name}` has no injection label: its pods are injected only because the injector enables namespaces by default"),
    );
    d.primary.message = format!("no `{NAMESPACE_INJECTION_LABEL}` or `{REVISION_LABEL}` label");
    d.notes.push(format!("with `sidecarInjectorWebhook.enableNamespacesByDefault: true` the `auto.` webhook injects pods in every namespace without `{NAMESPACE_INJECTION_LABEL}` or `{REVISION_LABEL}` (Kubernetes' system namespaces excepted): this namespace is in the mesh by an installation setting, not by anything on it").into());
    if let Some((setting, span)) = setting_source(ck) {
        d.related
            .push(ck.label(setting, span, "enableNamespacesByDefault"));
    }
    d.help = Some(format!("label it `{NAMESPACE_INJECTION_LABEL}: enabled` to make its membership explicit, or `{NAMESPACE_INJECTION_LABEL}: disabled` to keep it out").into());
    d
}

/// Why the namespace looks meant for the mesh: a note and the label pointing at the evidence.
fn intent(
    ck: &Checker<'_, '_>,
    f: &Facts<'_, '_>,
    enrolled: Option<&str>,
) -> Option<(String, Option<Label>)> {
    if let Some(id) = f.proxy_config {
        let o = &ck.index.objects[id];
        let span = o.node.get("kind").map_or(o.node.span(), |k| k.span());
        return Some((
            format!(
                "{} `{}` configures the proxies of this namespace, which it does not have",
                o.kind,
                o.qualified_name()
            ),
            Some(ck.label(id, span, "configures proxies that are never injected")),
        ));
    }
    if let Some((w, key)) = f.annotated {
        let o = &ck.index.objects[w.object];
        let span = w
            .template_node
            .at_keys("metadata.annotations")
            .and_then(|a| a.get_entry(key))
            .map_or(o.node.span(), |(k, _)| k.span());
        return Some((
            format!(
                "{} `{}` sets `{key}`, which only a sidecar reads",
                o.kind,
                o.qualified_name()
            ),
            Some(ck.label(w.object, span, "a sidecar setting")),
        ));
    }
    let other = enrolled?;
    let state = ck.injection().namespace(other);
    let label = state
        .evidence
        .map(|(obj, span)| ck.label(obj, span, "labelled for the mesh"));
    Some((
        format!(
            "namespaces defined beside it are labelled for the mesh ({})",
            state.reason
        ),
        label,
    ))
}

/// Where the inputs set `enableNamespacesByDefault`: an IstioOperator's value, or the
/// `values` key of the injector ConfigMap (which holds the Helm values as JSON).
fn setting_source(ck: &Checker<'_, '_>) -> Option<(ObjectRef, Span)> {
    for (id, op) in ck.index.by_kind("IstioOperator") {
        let value = op
            .node
            .at_keys("spec.values.sidecarInjectorWebhook.enableNamespacesByDefault");
        if let Some(v) = value {
            return Some((id, v.span()));
        }
    }
    ck.index
        .by_kind("ConfigMap")
        .filter(|(_, cm)| cm.name.starts_with("istio-sidecar-injector"))
        .find_map(|(id, cm)| {
            let (k, _) = cm.node.get("data")?.get_entry("values")?;
            Some((id, k.span()))
        })
}
