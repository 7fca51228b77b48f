use super::rule_ns;
use crate::diagnostic::Diagnostic;
use crate::model::host_refs::HostRef;
use crate::model::hosts::{classify, resolve, split_service_fqdn, HostForm};
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a route destination (http, tcp, tls, mirror, mirrors) whose `subset` no
    /// DestinationRule for the same resolved host defines. Both hosts are resolved as Istio
    /// does: the destination's in the VirtualService's namespace, the DestinationRule's in its
    /// own.
    ///
    /// ## Why is this bad?
    /// A subset is a named group of endpoints that only a DestinationRule defines. Routing to
    /// a subset that does not exist gives a cluster without endpoints: every request fails
    /// with 503 `NR`/`UH`. This is often a short host in the DestinationRule resolving to
    /// another namespace than the VirtualService's (see MESH301/MESH303), or a typo in the
    /// subset name.
    ///
    /// Objects without `metadata.namespace` are placed by `kubectl apply -n`: a subset that a
    /// DestinationRule would define once so placed (its short host then resolves beside the
    /// route, or the unplaced route lands beside it) is not reported. Nor is a subset that an
    /// earlier copy of the matching DestinationRule defines (alternative files of one
    /// DestinationRule, of which one is applied).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: reviews
    ///   namespace: bookinfo
    /// spec:
    ///   hosts: [reviews.bookinfo.svc.cluster.local]
    ///   http:
    ///     - route:
    ///         - destination:
    ///             host: reviews.bookinfo.svc.cluster.local
    ///             subset: v3
    /// ```
    ///
    /// Use instead: a subset that the DestinationRule for
    /// `reviews.bookinfo.svc.cluster.local` defines, or add it there.
    ///
    /// ## Fix safety
    /// No fix.
    ///
    /// ## References
    /// - Istio source: istioctl's analyzers under `pkg/config/analysis/analyzers/` (IST0101 `host+subset in destinationrule`); DestinationRule lookup: `pilot/pkg/model/push_context.go` destinationRule
    /// - [Istio: Destination `subset`](https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination)
    pub static META = {
        code: "MESH307",
        name: "unknown-subset",
        area: "hosts",
        severity: Error,
        fix: None,
        fix_kinds: "",
        summary: "A destination subset that no DestinationRule for the same host defines",
    };
}

pub struct UnknownSubset;

impl Rule for UnknownSubset {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Vec<Diagnostic>) {
        super::check_each_ref(ck, out, check);
    }
}

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    if !r.field.is_destination() {
        return None;
    }
    let (subset, subset_node) = r.subset()?;
    if matches!(
        classify(r.host),
        HostForm::Empty | HostForm::Star | HostForm::Ip
    ) {
        return None;
    }
    let domain = &ck.cx.cluster_domain;
    let resolved = resolve(r.host, rule_ns(ck, r), domain);
    let rules: Vec<_> = ck
        .hosts()
        .destination_rules_for(&resolved)
        .into_iter()
        .map(|i| &ck.index.destination_rules[i])
        .collect();
    if rules
        .iter()
        .any(|dr| dr.spec.subsets.iter().any(|s| s.name == subset))
    {
        return None;
    }
    if placement_could_define(ck, r, subset) || a_copy_defines(ck, &rules, subset) {
        return None;
    }
    let mut d = ck.diagnostic(
        &META,
        r.object,
        subset_node.span(),
        format!("subset `{subset}` of `{resolved}` is not defined by any DestinationRule"),
    );
    d.primary.message = "unknown subset".into();
    d.notes.push(
        "only a DestinationRule defines subsets; a route to a subset that does not exist has no endpoints, so requests fail with 503"
            .into(),
    );
    if rules.is_empty() {
        d.notes.push(format!(
            "no DestinationRule in the inputs has a host that resolves to `{resolved}` (a DestinationRule's short host resolves in its own namespace)"
        ));
    }
    for dr in &rules {
        let names: Vec<String> = dr
            .spec
            .subsets
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect();
        let span = dr.spec_node.get("host").unwrap_or(dr.spec_node).span();
        let msg = if names.is_empty() {
            "DestinationRule for this host defines no subsets".to_owned()
        } else {
            format!("DestinationRule for this host defines {}", names.join(", "))
        };
        d.related.push(ck.label(dr.object, span, msg));
    }
    d.help = Some(format!(
        "add subset `{subset}` to the DestinationRule for `{resolved}`, or route to a subset it defines"
    ));
    Some(d)
}

/// Whether `kubectl apply -n` could make a DestinationRule defining `subset` meet this route:
/// one without `metadata.namespace` whose short host resolves wherever it is applied, or any
/// one for the same Service name when the route is itself unplaced and its host short. Such a
/// route is not an error: the namespace it is applied to decides.
fn placement_could_define(ck: &Checker<'_, '_>, r: &HostRef<'_>, subset: &str) -> bool {
    let domain = &ck.cx.cluster_domain;
    let short = classify(r.host) == HostForm::Short;
    let name = if short {
        r.host
    } else {
        match split_service_fqdn(r.host, domain) {
            Some((name, _)) => name,
            None => return false,
        }
    };
    let route_unplaced = !ck.index.objects[r.object].namespace_explicit;
    ck.hosts()
        .destination_rules_named(name)
        .iter()
        .map(|&i| &ck.index.destination_rules[i])
        .filter(|dr| dr.spec.subsets.iter().any(|s| s.name == subset))
        .any(|dr| {
            let dr_unplaced = !ck.index.objects[dr.object].namespace_explicit;
            let dr_short = classify(&dr.spec.host) == HostForm::Short;
            (dr_unplaced && dr_short) || (route_unplaced && short)
        })
}

/// Whether an earlier copy of one of the matching DestinationRules defines `subset`.
/// Repositories hold alternatives of one DestinationRule (Istio's bookinfo has
/// `destination-rule-all.yaml` and `fault-injection-details-v1.yaml`, both `details`) of which
/// one is applied; `kubectl apply` of all of them would keep the last, but a route to a subset
/// another alternative defines is not worth an error.
fn a_copy_defines(
    ck: &Checker<'_, '_>,
    rules: &[&crate::model::IstioObject<'_, mesh_lint_kube::istio::DestinationRuleSpec>],
    subset: &str,
) -> bool {
    rules
        .iter()
        .flat_map(|dr| ck.index.copies_of(dr.object))
        .any(|&copy| {
            ck.index
                .destination_rules
                .iter()
                .filter(|d| d.object == copy)
                .any(|d| d.spec.subsets.iter().any(|s| s.name == subset))
        })
}
