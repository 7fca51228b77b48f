use super::annotation_sites::annotation_sites;
use super::deprecated_fields;
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::catalogue::keys::SIDECAR_INJECT;
use crate::model::catalogue::{self, is_istio_key, SET_BY_ISTIO};
use crate::model::ObjectRef;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports Istio configuration that Istio deprecated: annotations istio/api marks
    /// `deprecated` (info: they still work), and fields of VirtualServices, DestinationRules
    /// and Sidecars that Istio replaced or no longer reads:
    /// - VirtualService `fault.delay.percent` (use `percentage`), `mirrorPercent` (use
    ///   `mirrorPercentage`), `corsPolicy.allowOrigin` (use `allowOrigins`): still read, unless
    ///   the replacement is also set, which then wins;
    /// - DestinationRule `loadBalancer.simple: LEAST_CONN` (use `LEAST_REQUEST`, Istio 1.14+),
    ///   `consistentHash.minimumRingSize` (use `consistentHash.ringHash.minimumRingSize`, 1.16+):
    ///   still read;
    /// - DestinationRule `outlierDetection.consecutiveErrors`: **ignored** by every Istio
    ///   release mesh-lint knows (use `consecutiveGatewayErrors` or `consecutive5xxErrors`);
    /// - Sidecar `outboundTrafficPolicy.egressProxy` without `mode: ALLOW_ANY`: **ignored**.
    ///
    /// A deprecated key that still works is info; one Istio ignores is a warning.
    ///
    /// ## Why is this bad?
    /// Deprecated settings are removed in a later release, often without a word at apply
    /// time; an ignored one already does nothing. `consecutiveErrors` is the classic: a
    /// DestinationRule that seems to tune outlier detection leaves the proxy on Envoy's
    /// defaults.
    ///
    /// ## Example
    /// ```yaml
    /// kind: VirtualService
    /// spec:
    ///   http:
    ///   - fault:
    ///       delay:
    ///         percent: 50
    ///         fixedDelay: 5s
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///   - fault:
    ///       delay:
    ///         percentage: {value: 50}
    ///         fixedDelay: 5s
    /// ```
    ///
    /// ## Fix safety
    /// Rewriting a deprecated field into its replacement with the same value (`percent`,
    /// `mirrorPercent`, `allowOrigin`, `LEAST_CONN`, `minimumRingSize`) is **safe**: pilot
    /// builds the same Envoy configuration from both. Renaming an ignored `consecutiveErrors`
    /// to `consecutiveGatewayErrors` (its meaning before Istio 1.5) makes the setting take
    /// effect, so that fix is **unsafe**. Annotations and `egressProxy` get help only.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/deprecation/deprecation.go` (`FieldAnalyzer`, IST0002); `pkg/config/analysis/analyzers/annotations/annotations.go` (IST0135); `pilot/pkg/networking/core/route/route.go` (`translateFault`, `MirrorPercent`, `translateCORSPolicy`); `pilot/pkg/networking/core/cluster_traffic_policy.go` (`applyOutlierDetection`, `applyLoadBalancer`); `pilot/pkg/networking/core/httproute.go` and `listener_builder.go` (`egressProxy` only with `ALLOW_ANY`); `pkg/config/validation/validation.go` (deprecation warnings)
    /// - istio/api: `networking/v1alpha3/virtual_service.proto`, `destination_rule.proto` (`[deprecated = true]`); `annotation/annotations.yaml`
    pub static META = {
        code: "MESH412",
        name: "deprecated-istio-config",
        area: "lifecycle",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "safe/unsafe",
        subject: Object,
        istioctl: ["IST0002", "IST0135"],
        summary: "A deprecated Istio annotation or field: still read (info) or already ignored (warning)",
    };
}

pub struct DeprecatedIstioConfig;

impl Rule for DeprecatedIstioConfig {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for site in annotation_sites(ck) {
            check_annotations(ck, site.object, site.meta, site.never_injected, out);
        }
        deprecated_fields::check(ck, &META, out);
    }
}

fn check_annotations(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    meta: Node<'_>,
    never_injected: bool,
    out: &mut Findings,
) {
    let Some(annotations) = meta.get("annotations") else {
        return;
    };
    let labels = meta.get("labels");
    for (k, v) in annotations.entries() {
        let Some(key) = k.as_str() else { continue };
        // On pods nobody injects only the injection switch itself is read.
        let read = !never_injected || key == SIDECAR_INJECT;
        if !read || !is_istio_key(key) || SET_BY_ISTIO.contains(&key) {
            continue;
        }
        let Some(entry) = catalogue::annotation(key) else {
            continue;
        };
        // A key the version no longer reads is MESH408's (it is ignored, not deprecated).
        if !entry.deprecated || !entry.read_by(ck.cx.istio_version) {
            continue;
        }
        out.extend(deprecated_annotation(ck, object, k, key, v, labels));
    }
}

fn deprecated_annotation(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    k: Node<'_>,
    key: &str,
    v: Node<'_>,
    labels: Option<Node<'_>>,
) -> Option<Diagnostic> {
    let mut note =
        "Istio marks it deprecated in annotations.yaml; it still works, and may stop working in a later release"
            .to_owned();
    if key == SIDECAR_INJECT {
        // With the label present the annotation is not read; as an opt-in it is MESH409's.
        let has_label = labels.is_some_and(|l| l.get(SIDECAR_INJECT).is_some());
        if has_label || v.as_str() == Some("true") {
            return None;
        }
        note = "deprecated in favour of the pod label `sidecar.istio.io/inject`, which the webhooks also select on".to_owned();
    }
    let mut d = ck.diagnostic(&META, object, k.span(), format!("`{key}` is deprecated"));
    d.severity = Severity::Info;
    d.primary.message = "deprecated".to_owned();
    d.notes.push(note.into());
    d.help = Some(if key == SIDECAR_INJECT {
        "use the pod-template label `sidecar.istio.io/inject` instead"
            .to_owned()
            .into()
    } else {
        "see https://istio.io/latest/docs/reference/config/annotations/ for its replacement"
            .to_owned()
            .into()
    });
    Some(d)
}
