use super::{live_virtual_services, name_span, object_name, Vs};
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::owned_string_map;
use crate::model::routing::MESH_GATEWAY;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Node;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reports VirtualServices that route on JWT claims (a `headers` or `withoutHeaders` key
    /// `@request.auth.claims.<name>` or `@request.auth.claims[<name>]` in an `http` match):
    ///
    /// - bound to sidecars (no `gateways`, or `mesh` among them): istiod's validation rejects
    ///   the VirtualService, since claim routing is supported on gateways only — an error;
    /// - bound to a Gateway of the inputs whose proxies no RequestAuthentication applies to:
    ///   one in the proxies' namespace or the root namespace whose `selector` matches their
    ///   labels (none: every workload of its namespace). The proxies are the workloads of the
    ///   inputs the Gateway's `selector` picks, in any namespace. When the inputs hold none,
    ///   any RequestAuthentication whose selector could match the Gateway's labels counts, so
    ///   only a missing one is reported. An error when the inputs hold RequestAuthentications
    ///   (they are managed here and none fits); a warning when they hold none at all, since
    ///   the policy may be applied from elsewhere.
    ///
    /// ## Why is this bad?
    /// The claims of a request are known only after a RequestAuthentication on the proxy has
    /// validated its JWT. Without one, a claim match never succeeds (and a `withoutHeaders`
    /// claim match always does), so the route silently never applies — usually the
    /// authenticated users' route. istioctl reports this as IST0149.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: api, namespace: shop}
    /// spec:
    ///   hosts: [api.example.com]
    ///   gateways: [istio-system/public]
    ///   http:
    ///     - match: [{headers: {"@request.auth.claims.group": {exact: beta}}}]
    ///       route: [{destination: {host: api-beta}}]
    ///     - route: [{destination: {host: api}}]
    /// ```
    ///
    /// Use instead: a RequestAuthentication selecting the gateway's pods (in their namespace or
    /// the root namespace), with the issuer whose tokens carry the claim.
    ///
    /// ## Fix safety
    /// No fix: the issuer and JWKS are not in the VirtualService.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/virtualservice/jwtclaimroute.go` (IST0149); `pkg/jwt/routing.go` ToRoutingClaim; `pkg/config/validation/validation.go` ValidateVirtualService ("JWT claim based routing ... is only supported for gateway")
    /// - [Istio: JWT claim based routing](https://istio.io/latest/docs/tasks/security/authentication/jwt-route/)
    pub static META = {
        code: "MESH312",
        name: "jwt-claim-route-without-authn",
        area: "hosts",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0149"],
        summary: "JWT claim routing on sidecars (rejected) or on a gateway whose proxies no RequestAuthentication covers",
    };
}

pub struct JwtClaimRouteWithoutAuthn;

/// `jwt.ToRoutingClaim(key).Match`.
fn is_claim_key(key: &str) -> bool {
    const PREFIX: &str = "@request.auth.claims";
    let Some(head) = key.get(..PREFIX.len()) else {
        return false;
    };
    if !head.eq_ignore_ascii_case(PREFIX) {
        return false;
    }
    let rest = &key[PREFIX.len()..];
    (rest.starts_with('.') && rest.len() > 1)
        || (rest.starts_with('[') && rest.ends_with(']') && rest.len() > 2)
}

/// The first claim key of an `http` match of `vs`.
fn claim_key<'a>(vs: Vs<'_, 'a>) -> Option<Node<'a>> {
    let rules = vs.spec_node.get("http")?;
    rules
        .items()
        .flat_map(|r| r.get("match").into_iter().flat_map(|m| m.items()))
        .flat_map(|m| {
            ["headers", "withoutHeaders"]
                .into_iter()
                .filter_map(move |k| m.get(k))
                .flat_map(|h| h.entries())
        })
        .map(|(k, _)| k)
        .find(|k| k.as_str().is_some_and(is_claim_key))
}

/// A RequestAuthentication of the inputs.
struct Authn {
    ns: String,
    labels: BTreeMap<String, String>,
    /// `targetRef`/`targetRefs`: attached to a Gateway or Service rather than selected.
    targeted: bool,
}

fn authns(ck: &Checker<'_, '_>) -> Vec<Authn> {
    ck.index
        .by_kind("RequestAuthentication")
        .filter(|(_, o)| o.group() == "security.istio.io" && !o.is_shadowed())
        .map(|(_, o)| {
            let spec = o.node.get("spec");
            let labels = owned_string_map(spec.and_then(|s| s.at_keys("selector.matchLabels")));
            let targeted = spec.is_some_and(|s| {
                s.get("targetRef").is_some_and(|n| !n.is_null())
                    || s.get("targetRefs").is_some_and(|n| !n.is_empty())
            });
            Authn {
                ns: o.ns().to_owned(),
                labels,
                targeted,
            }
        })
        .collect()
}

impl Rule for JwtClaimRouteWithoutAuthn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Routing]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let routing = ck.routing();
        let mut found: Vec<(usize, Vs<'_, '_>, Node<'_>)> = Vec::new();
        for (i, vs) in live_virtual_services(ck) {
            if let Some(key) = claim_key(vs) {
                found.push((i, vs, key));
            }
        }
        if found.is_empty() {
            return;
        }
        let authns = authns(ck);
        for (i, vs, key) in found {
            if routing.binds_mesh(i) {
                out.push(on_sidecars(ck, vs, key));
                continue;
            }
            for gw in routing.gateways_of(i) {
                if gw == MESH_GATEWAY {
                    continue;
                }
                if let Some(d) = on_gateway(ck, vs, key, gw, &authns) {
                    out.push(d);
                }
            }
        }
    }
}

fn on_sidecars(ck: &Checker<'_, '_>, vs: Vs<'_, '_>, key: Node<'_>) -> Diagnostic {
    let k = key.as_str().unwrap_or("");
    let mut d = ck.diagnostic(
        &META,
        vs.object,
        key.span(),
        format!(
            "{} routes on JWT claim `{k}` but applies to sidecars: istiod rejects it",
            object_name(ck, vs.object)
        ),
    );
    d.primary.message = "claim routing is for gateways only".into();
    if let Some(g) = vs.spec_node.get("gateways") {
        d.related
            .push(ck.label(vs.object, g.span(), "no gateway here, or `mesh` among them"));
    }
    d.notes.push(
        "istiod's validation refuses claim-based routing in a VirtualService bound to `mesh` (or with no `gateways`): JWT claims are made available for routing on gateways only, so `kubectl apply` fails".into(),
    );
    d.help = Some(
        "bind this VirtualService to the ingress gateway only, and route on the claim there".into(),
    );
    d
}

fn on_gateway(
    ck: &Checker<'_, '_>,
    vs: Vs<'_, '_>,
    key: Node<'_>,
    gateway: &str,
    authns: &[Authn],
) -> Option<Diagnostic> {
    let info = ck.routing().gateway(gateway)?;
    let gw_obj = &ck.index.objects[info.object];
    let selector = owned_string_map(gw_obj.node.at_keys("spec.selector"));
    let root = ck.cx.mesh_config.root_namespace();
    // The first gateway workload no RequestAuthentication covers, if the inputs hold them.
    let uncovered: Option<usize> = if info.workloads.is_empty() {
        let could = authns.iter().any(|a| {
            a.targeted
                || a.labels
                    .iter()
                    .all(|(k, v)| selector.get(k).is_none_or(|g| g == v))
        });
        if could {
            return None;
        }
        None
    } else {
        let covered = |wi: usize| {
            let w = &ck.index.workloads[wi];
            let ns = ck.index.objects[w.object].ns();
            authns.iter().any(|a| {
                (a.ns == ns || a.ns == root)
                    && (a.targeted || a.labels.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
            })
        };
        match info.workloads.iter().copied().find(|&w| !covered(w)) {
            Some(w) => Some(w),
            None => return None,
        }
    };
    let k = key.as_str().unwrap_or("");
    let pods = match uncovered {
        Some(w) => object_name(ck, ck.index.workloads[w].object),
        None => format!(
            "the pods it selects ({})",
            selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    let mut d = ck.diagnostic(
        &META,
        vs.object,
        key.span(),
        format!(
            "{} routes on JWT claim `{k}`, but no RequestAuthentication applies to the proxies of gateway `{gateway}`: {pods}",
            object_name(ck, vs.object)
        ),
    );
    d.primary.message = "never matches without a validated JWT".into();
    let sel_span = gw_obj
        .node
        .at_keys("spec.selector")
        .map_or_else(|| name_span(ck, info.object), |n| n.span());
    d.related
        .push(ck.label(info.object, sel_span, "the gateway's proxies"));
    if let Some(w) = uncovered {
        let wl = &ck.index.workloads[w];
        let span = wl
            .template_node
            .at_keys("metadata.labels")
            .map_or_else(|| name_span(ck, wl.object), |n| n.span());
        d.related.push(ck.label(
            wl.object,
            span,
            "no RequestAuthentication selects these labels",
        ));
    }
    d.notes.push(
        "claims are available for routing only after a RequestAuthentication on the gateway's proxies has validated the request's JWT; without one a claim match never succeeds (a `withoutHeaders` claim match always does) (istioctl IST0149)".into(),
    );
    if authns.is_empty() {
        d.severity = Severity::Warning;
        d.notes.push(
            "the inputs hold no RequestAuthentication at all: if the one for these proxies is applied from elsewhere, this route works".into(),
        );
    }
    d.help = Some(format!(
        "add a RequestAuthentication in the gateway proxies' namespace (or `{root}`) whose `selector.matchLabels` match them, with the issuer of the tokens carrying the claim"
    ).into());
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::is_claim_key;

    #[test]
    fn claim_keys() {
        assert!(is_claim_key("@request.auth.claims.groups"));
        assert!(is_claim_key("@Request.Auth.Claims[nested][key]"));
        assert!(!is_claim_key("@request.auth.claims"));
        assert!(!is_claim_key("@request.auth.claims."));
        assert!(!is_claim_key("@request.auth.claims[]"));
        assert!(!is_claim_key("x-user"));
    }
}
