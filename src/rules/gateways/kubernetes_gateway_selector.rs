use super::proxy_label;
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::gateways::k8s::{ClassKind, GATEWAY_NAME_LABEL};
use crate::model::gateways::proxies::{Proxy, ProxyKind};
use crate::model::gateways::Gateways;
use crate::model::Object;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::collections::{BTreeMap, HashMap};

declare_rule! {
    /// ## What it does
    /// Reports an AuthorizationPolicy, RequestAuthentication, Telemetry or WasmPlugin without
    /// `targetRef(s)` whose `selector` matches the pods of a Gateway API Gateway (pods labelled
    /// `gateway.networking.k8s.io/gateway-name`, or the Deployment Istio creates for a
    /// Gateway of class `istio` or `istio-waypoint`) in the policy's namespace, or in any
    /// namespace for a policy of the root namespace. From Istio 1.20, when `targetRefs` came:
    ///
    /// - a waypoint ignores selectors altogether: the policy does nothing there (warning);
    /// - any other Gateway API gateway applies a selector only while istiod's
    ///   `ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY` is on (the default): the policy works
    ///   today through a compatibility switch (info). istioctl (IST0166) calls both
    ///   ineffective.
    ///
    /// ## Why is this bad?
    /// Policies for Gateway API gateways attach with `targetRefs` naming the Gateway; pilot's
    /// `WorkloadPolicyMatcher.ShouldAttachPolicy` never applies a selector to a waypoint, and
    /// for other gateways only behind that switch. A policy that seems to protect a gateway may
    /// not.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: deny-dev, namespace: shop}
    /// spec:
    ///   selector:
    ///     matchLabels: {gateway.networking.k8s.io/gateway-name: shop-waypoint}
    ///   action: DENY
    ///   rules: [{from: [{source: {namespaces: [dev]}}]}]
    /// ```
    ///
    /// Use instead: `targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: shop-waypoint}]`.
    ///
    /// ## Fix safety
    /// No fix: `targetRefs` attach to the whole Gateway, which may be wider than the selector.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/policyattachment.go` ShouldAttachPolicy; `pilot/pkg/features/pilot.go` ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY; istioctl `pkg/config/analysis/analyzers/k8sgateway/workloadselector.go` SelectorAnalyzer (IST0166)
    /// - [Istio: IST0166 IneffectiveSelector](https://istio.io/latest/docs/reference/config/analysis/ist0166/)
    pub static META = {
        code: "MESH510",
        name: "selector-on-kubernetes-gateway",
        area: "gateways",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0166"],
        summary: "A policy selector that targets a Gateway API gateway's pods instead of targetRefs: ignored by waypoints",
    };
}

const POLICIES: [(&str, &str); 4] = [
    ("AuthorizationPolicy", "security.istio.io"),
    ("RequestAuthentication", "security.istio.io"),
    ("Telemetry", "telemetry.istio.io"),
    ("WasmPlugin", "extensions.istio.io"),
];

pub struct KubernetesGatewaySelector;

impl Rule for KubernetesGatewaySelector {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        if !ck.cx.istio_version.at_least(1, 20) {
            return;
        }
        let model = ck.gateways();
        // Gateway API gateway pods by namespace: a policy looks at its own namespace, or at
        // all of them from the root namespace.
        let mut by_ns: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut all = Vec::new();
        for (p, proxy) in model.proxies.iter().enumerate() {
            if !is_kube_gateway(proxy) {
                continue;
            }
            all.push(p);
            if let Some(ns) = proxy.namespace.as_deref() {
                by_ns.entry(ns).or_default().push(p);
            }
        }
        if all.is_empty() {
            return;
        }
        let root = ck.cx.mesh_config.root_namespace();
        for (kind, group) in POLICIES {
            for (id, o) in ck.index.by_kind(kind) {
                if o.group() != group || o.is_shadowed() {
                    continue;
                }
                let Some(spec) = o.node.get("spec") else {
                    continue;
                };
                if spec.get("targetRef").is_some() || spec.get("targetRefs").is_some() {
                    continue;
                }
                let Some(selector_node) = spec.get("selector").filter(|s| !s.is_null()) else {
                    continue;
                };
                let labels: BTreeMap<String, String> = selector_node
                    .get("matchLabels")
                    .map(|m| {
                        m.entries()
                            .filter_map(|(k, v)| {
                                Some((k.as_str()?.to_owned(), v.as_str()?.to_owned()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let candidates = if o.ns() == root {
                    all.as_slice()
                } else {
                    by_ns.get(o.ns()).map_or(&[][..], Vec::as_slice)
                };
                let hit: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&p| model.proxies[p].selected_by(&labels))
                    .collect();
                let Some(&first) = hit
                    .iter()
                    .find(|&&p| is_waypoint(model, &model.proxies[p]))
                    .or_else(|| hit.first())
                else {
                    continue;
                };
                out.push(report(
                    ck,
                    model,
                    id,
                    o,
                    selector_node.span(),
                    first,
                    hit.len(),
                ));
            }
        }
    }
}

fn is_kube_gateway(p: &Proxy) -> bool {
    match p.kind {
        ProxyKind::Kube(_) => true,
        ProxyKind::Workload(_) => p.labels.contains_key(GATEWAY_NAME_LABEL),
        _ => false,
    }
}

fn is_waypoint(model: &Gateways<'_>, p: &Proxy) -> bool {
    match p.kind {
        ProxyKind::Kube(k) => model.kube[k].kind == Some(ClassKind::Waypoint),
        _ => {
            let label = |k: &str| p.labels.get(k).map(String::as_str);
            label("gateway.istio.io/managed") == Some("istio.io-mesh-controller")
                || label("gateway.networking.k8s.io/gateway-class-name") == Some("istio-waypoint")
                || model.kube.iter().any(|g| {
                    Some(g.ns.as_str()) == p.namespace.as_deref()
                        && label(GATEWAY_NAME_LABEL) == Some(g.name)
                        && g.kind == Some(ClassKind::Waypoint)
                })
        }
    }
}

fn gateway_of(p: &Proxy) -> String {
    format!(
        "{}/{}",
        p.namespace.as_deref().unwrap_or(""),
        p.labels.get(GATEWAY_NAME_LABEL).map_or("", String::as_str)
    )
}

fn report(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    id: usize,
    o: &Object<'_>,
    span: mesh_lint_yaml::Span,
    p: usize,
    count: usize,
) -> Diagnostic {
    let proxy = &model.proxies[p];
    let gateway = gateway_of(proxy);
    let waypoint = is_waypoint(model, proxy);
    let what = format!("{} `{}`", o.kind, o.qualified_name());
    let mut d = if waypoint {
        ck.diagnostic(
            &META,
            id,
            span,
            format!("the selector of {what} matches waypoint `{gateway}`, which ignores selectors: the policy does nothing there"),
        )
    } else {
        let mut d = ck.diagnostic(
            &META,
            id,
            span,
            format!("the selector of {what} matches the pods of Gateway API Gateway `{gateway}`: it applies only through istiod's ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY"),
        );
        d.severity = Severity::Info;
        d
    };
    d.primary.message = "selects a Gateway API gateway".into();
    if let Some(l) = proxy_label(ck, model, p, "the gateway's pods") {
        d.related.push(l);
    }
    if count > 1 {
        d.notes
            .push(format!("it matches {} Gateway API gateways", count).into());
    }
    d.notes.push(if waypoint {
        "pilot never attaches a selector-based policy to a waypoint (`ShouldAttachPolicy`); waypoints take policies through `targetRefs` only".into()
    } else {
        "for Gateway API gateways pilot attaches policies by `targetRefs`; selectors still apply only because ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY defaults to true, a switch kept for compatibility".into()
    });
    let name = gateway.rsplit('/').next().unwrap_or("");
    d.help = Some(format!(
        "replace `selector` with `targetRefs: [{{group: gateway.networking.k8s.io, kind: Gateway, name: {name}}}]`"
    ).into());
    d
}
