use super::envoy_filter::{envoy_filters, EnvoyFilter, Patch, HCM};
use super::operations::effective;
use super::patch_order;
use crate::diagnostic::{Diagnostic, Findings};
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an EnvoyFilter patch that acts relative to an element (INSERT_BEFORE,
    /// INSERT_AFTER, REPLACE, REMOVE, MERGE) when that element is not there when istiod runs
    /// the patch:
    ///
    /// - REPLACE or REMOVE of an HTTP, network or listener filter whose `match` names no
    ///   filter (`subFilter.name`, `filterChain.filter.name`, `listenerFilter`): istiod skips
    ///   the patch (for listener filters, MERGE too);
    /// - an `HTTP_FILTER` patch whose `filterChain.filter.name` is not
    ///   `envoy.filters.network.http_connection_manager`: HTTP filters exist only inside that
    ///   network filter, so the patch applies nowhere;
    /// - a patch relative to a filter that another EnvoyFilter of the inputs adds, for the
    ///   same proxies: when the other one is applied later (a higher `priority`, or the same
    ///   priority in the workload namespace while this one is in the root namespace) the
    ///   patch never applies (an error); with the same priority in the same namespace, the
    ///   order is the creation time of the two objects (a warning). A patch relative to one
    ///   added by a later patch of the same EnvoyFilter never applies either. MERGE into an
    ///   HTTP or network filter is not order-dependent: istiod runs those merges after every
    ///   insertion and removal.
    ///
    /// Unlike istioctl (IST0151), a relative operation without `priority` is not reported by
    /// itself: positioned against a filter istiod generates (`envoy.filters.http.router`),
    /// it does not depend on the order of EnvoyFilters. Nor is a patch relative to a filter
    /// that neither istiod nor an EnvoyFilter of the inputs adds: one kept elsewhere may.
    ///
    /// ## Why is this bad?
    /// istiod applies EnvoyFilters to a proxy one after the other, by priority, root
    /// namespace first, then creation time, then name; each patch runs against what the
    /// earlier ones left. A patch that finds no element to act on is skipped without an
    /// error, so a filter is missing from the proxies, or is there only after one of the
    /// objects is re-created (a Helm upgrade, a GitOps resync).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata:
    ///   name: strip-header
    ///   namespace: shop
    /// spec:
    ///   configPatches:
    ///     - applyTo: HTTP_FILTER
    ///       match:
    ///         context: SIDECAR_INBOUND
    ///       patch:
    ///         operation: REMOVE
    /// ```
    ///
    /// Use instead: name the filter to remove under
    /// `match.listener.filterChain.filter.subFilter.name` (with `filter.name:
    /// envoy.filters.network.http_connection_manager`); for a filter another EnvoyFilter
    /// adds, give this EnvoyFilter a higher `priority` than that one.
    ///
    /// ## Fix safety
    /// No fix: which filter was meant, and which priorities fit the other EnvoyFilters of the
    /// mesh, are decisions.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/envoyfilter/listener_patch.go` patchHTTPFilters, patchNetworkFilters, patchListenerFilters (skipped without a filter match; HTTP filters only inside `wellknown.HTTPConnectionManager`); `pilot/pkg/model/push_context.go` EnvoyFilters (order); istioctl `pkg/config/analysis/analyzers/envoyfilter/envoyfilter.go` (IST0151)
    /// - [Istio: EnvoyFilter `priority`](https://istio.io/latest/docs/reference/config/networking/envoy-filter/#EnvoyFilter)
    pub static META = {
        code: "MESH702",
        name: "relative-patch-target",
        area: "extensions",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0151"],
        summary: "An EnvoyFilter patch relative to a filter that is not there when istiod runs it: none named, outside the HTTP connection manager, or added later by another EnvoyFilter",
    };
}

pub struct RelativePatchTarget;

impl Rule for RelativePatchTarget {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::WorkloadLabels]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let filters = envoy_filters(ck, true);
        for ef in &filters {
            for patch in &ef.patches {
                if let Some(d) =
                    unnamed_target(ck, ef, patch).or_else(|| outside_hcm(ck, ef, patch))
                {
                    out.push(d);
                }
            }
        }
        patch_order::check(ck, &META, &filters, out);
    }
}

/// The kinds whose element a REPLACE or REMOVE names, and where.
fn target_field(apply_to: &str) -> Option<&'static str> {
    match apply_to {
        "HTTP_FILTER" => Some("match.listener.filterChain.filter.subFilter.name"),
        "NETWORK_FILTER" => Some("match.listener.filterChain.filter.name"),
        "LISTENER_FILTER" => Some("match.listener.listenerFilter"),
        _ => None,
    }
}

/// REPLACE/REMOVE (and MERGE of listener filters) without the match naming the element:
/// `hasHTTPFilterMatch`, `hasNetworkFilterMatch`, `hasListenerFilterMatch` are false and
/// istiod `continue`s.
fn unnamed_target(
    ck: &Checker<'_, '_>,
    ef: &EnvoyFilter<'_>,
    patch: &Patch<'_>,
) -> Option<Diagnostic> {
    let (apply_to, _) = patch.apply_to()?;
    let (op, op_node) = patch.operation()?;
    let needs = match op {
        "REPLACE" | "REMOVE" => true,
        "MERGE" => apply_to == "LISTENER_FILTER",
        _ => false,
    };
    let field = target_field(apply_to)?;
    let named = match apply_to {
        "HTTP_FILTER" => patch.filter_match().is_some() && patch.sub_filter().is_some(),
        "NETWORK_FILTER" => patch.filter_match().is_some(),
        _ => patch.listener_filter().is_some(),
    };
    if !needs || named {
        return None;
    }
    let what = match apply_to {
        "HTTP_FILTER" => "HTTP filter",
        "NETWORK_FILTER" => "network filter",
        _ => "listener filter",
    };
    let verb = match op {
        "REPLACE" => "replace",
        "REMOVE" => "remove",
        _ => "merge into",
    };
    let mut d = ck.diagnostic(
        &META,
        ef.object,
        op_node.span(),
        format!("`{op}` on `{apply_to}` names no {what} to {verb}: istiod skips the patch"),
    );
    d.primary.message = format!("needs `{field}`");
    if let Some(m) = patch.node.get("match").filter(|m| !m.is_null()) {
        d.related
            .push(ck.label(ef.object, m.span(), "matches no particular filter"));
    }
    d.notes.push(format!(
        "istiod runs {op} on {what}s only for a patch whose match names one (`pilot/pkg/networking/core/envoyfilter/listener_patch.go`); without it the patch is skipped without an error"
    ).into());
    d.help = Some(format!("name the {what} under `{field}`").into());
    Some(d)
}

/// An HTTP_FILTER patch matching a network filter other than the HTTP connection manager.
/// Deprecated spellings of its name are MESH704's.
fn outside_hcm(
    ck: &Checker<'_, '_>,
    ef: &EnvoyFilter<'_>,
    patch: &Patch<'_>,
) -> Option<Diagnostic> {
    let (apply_to, _) = patch.apply_to()?;
    if apply_to != "HTTP_FILTER" {
        return None;
    }
    let (name, node): (&str, Node<'_>) = patch.filter_name()?;
    if name == HCM || name == "envoy.http_connection_manager" {
        return None;
    }
    let op = patch
        .operation()
        .map_or("", |(o, _)| effective(apply_to, o));
    let mut d = ck.diagnostic(
        &META,
        ef.object,
        node.span(),
        format!("an `HTTP_FILTER` patch matching network filter `{name}` applies nowhere: HTTP filters exist only inside `{HCM}`"),
    );
    d.primary.message = "not the HTTP connection manager".into();
    d.notes.push(format!(
        "istiod patches HTTP filters only within the network filter named `{HCM}` (`pilot/pkg/networking/core/envoyfilter/listener_patch.go` patchNetworkFilter), so this {op} never runs"
    ).into());
    d.help = Some(format!("match `filter.name: {HCM}`, or leave `filter` out").into());
    Some(d)
}
