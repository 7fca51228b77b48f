use super::annotation_sites::{annotation_sites, Site};
use super::PROXY_CONTAINER;
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::catalogue::keys::{
    INCLUDE_INBOUND_PORTS, INCLUDE_OUTBOUND_IP_RANGES, SIDECAR_INTERCEPTION_MODE, SIDECAR_STATUS,
};
use crate::model::catalogue::{self, is_istio_key, Maturity, Origin, SET_BY_ISTIO};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports, as info, Istio annotations whose feature istio/api lists at the **alpha**
    /// phase (`featureStatus: Alpha` in `annotations.yaml`): one finding per object or pod
    /// template, pointing at each such key. Keys that are deprecated (MESH412), unknown or not
    /// read by the configured Istio version (MESH408), or misplaced (MESH402) are left to those
    /// rules; so are keys Istio writes itself and the pods no injector ever sees.
    ///
    /// ## Why is this bad?
    /// An alpha feature may be incompletely supported and may change or disappear between
    /// releases without the deprecation period beta and stable features get. Many everyday
    /// sidecar annotations (`sidecar.istio.io/proxyCPU`, `traffic.sidecar.istio.io/*`) are
    /// alpha, which is worth knowing before an upgrade but is not a defect: hence info, and
    /// one finding per object rather than per key. istioctl has the same check
    /// (`annotations.AlphaAnalyzer`) but leaves it out of `istioctl analyze`'s default
    /// analyzers for its noise; likewise this rule is **opt-in**: it runs only when selected
    /// by its code or name (`--select MESH411`, or `select: [MESH411]` in `.mesh-lint.yaml`),
    /// not by a prefix such as `MESH4` or by `ALL`.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         sidecar.istio.io/proxyCPU: 500m
    /// ```
    ///
    /// Use instead: the same, knowing the setting may change in a later Istio release (or a
    /// stable mechanism where one exists, such as the `proxy.istio.io/config` ProxyConfig
    /// annotation, beta).
    ///
    /// ## Fix safety
    /// There is no fix: an alpha annotation is a choice, not a mistake.
    ///
    /// ## References
    /// - Istio source: `annotation/annotations.yaml` (istio/api, `featureStatus`); `pkg/config/analysis/analyzers/maturity/maturity.go` (`AlphaAnalyzer`, IST0136; not in `analyzers.All()`)
    /// - [Istio: feature status](https://istio.io/latest/docs/releases/feature-stages/)
    pub static META = {
        code: "MESH411",
        name: "alpha-istio-annotation",
        area: "lifecycle",
        severity: Info,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0136"],
        opt_in: true,
        summary: "Opt-in (`--select MESH411`): Istio annotations of alpha-phase features, which may change between releases (info)",
    };
}

pub struct AlphaIstioAnnotation;

impl Rule for AlphaIstioAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for site in annotation_sites(ck) {
            if site.never_injected {
                continue;
            }
            let keys = alpha_keys(ck, &site);
            out.extend(finding(ck, &site, &keys));
        }
    }
}

/// Annotations Istio's own components or installer write, which users do not choose (besides
/// [`SET_BY_ISTIO`]), and mesh-lint's own suppression annotation.
const WRITTEN_BY_ISTIO: &[&str] = &[
    "istio.io/autoRegistrationGroup",
    "istio.io/connectedAt",
    "istio.io/disconnectedAt",
    "istio.io/workloadController",
    "proxy.istio.io/overrides",
    "install.operator.istio.io/chart-owner",
    "install.operator.istio.io/owner-generation",
    "install.operator.istio.io/version",
    "galley.istio.io/analyze-suppress",
];

/// Keys the injection template copies onto a pod when istio-cni does the redirection
/// (`maturity.go :: conditionallyIgnoredAnnotations`).
const WRITTEN_WITH_CNI: &[&str] = &[
    SIDECAR_INTERCEPTION_MODE,
    INCLUDE_INBOUND_PORTS,
    "traffic.sidecar.istio.io/excludeInboundPorts",
    INCLUDE_OUTBOUND_IP_RANGES,
];

/// The alpha annotations of a site, in order.
fn alpha_keys<'a>(ck: &Checker<'_, 'a>, site: &Site<'a>) -> Vec<(Node<'a>, &'a str)> {
    let Some(annotations) = site.meta.get("annotations") else {
        return Vec::new();
    };
    let cni_injected = injected_with_cni(ck, site);
    annotations
        .entries()
        .filter_map(|(k, _)| Some((k, k.as_str()?)))
        .filter(|(_, key)| {
            let written = SET_BY_ISTIO.contains(key)
                || WRITTEN_BY_ISTIO.contains(key)
                || cni_injected && WRITTEN_WITH_CNI.contains(key);
            is_istio_key(key) && !written
        })
        .filter(|(_, key)| {
            catalogue::annotation(key).is_some_and(|e| {
                e.maturity == Maturity::Alpha
                    && e.origin == Origin::Api
                    && !e.deprecated
                    && e.read_by(ck.cx.istio_version)
                    && e.applies_to(site.kind)
            })
        })
        .collect()
}

/// A Pod that the webhook already injected with istio-cni doing the redirection (it has the
/// proxy or its status, and no `istio-init` container): the injector wrote the redirection
/// annotations, the user did not. istioctl tests only for the missing `istio-init`, which every
/// pod template that was never injected also lacks.
fn injected_with_cni(ck: &Checker<'_, '_>, site: &Site<'_>) -> bool {
    let Some(w) = site.workload.map(|i| &ck.index.workloads[i]) else {
        return false;
    };
    if !w.template_path.is_empty() {
        return false;
    }
    let injected = w.annotation(SIDECAR_STATUS).is_some()
        || w.containers.iter().any(|c| c.name == PROXY_CONTAINER)
        || w.init_containers.contains(&"istio-validation");
    injected && !w.init_containers.contains(&"istio-init")
}

fn finding(ck: &Checker<'_, '_>, site: &Site<'_>, keys: &[(Node<'_>, &str)]) -> Option<Diagnostic> {
    let ((first, first_key), rest) = keys.split_first()?;
    let message = if rest.is_empty() {
        format!("`{first_key}` belongs to an alpha-phase Istio feature")
    } else {
        let names: Vec<String> = keys.iter().map(|(_, k)| format!("`{k}`")).collect();
        format!(
            "{} Istio annotations belong to alpha-phase features: {}",
            keys.len(),
            names.join(", ")
        )
    };
    let mut d = ck.diagnostic(&META, site.object, first.span(), message);
    d.primary.message = "alpha".to_owned();
    for (k, _) in rest {
        d.related.push(ck.label(site.object, k.span(), "alpha"));
    }
    d.notes.push("istio/api lists the feature status as Alpha: Istio may support such a feature incompletely and change or remove it without the deprecation period beta and stable features get".to_owned().into());
    d.help = Some(
        "nothing to change if you rely on it; re-check alpha annotations against the release notes of each Istio upgrade"
            .to_owned().into(),
    );
    Some(d)
}
