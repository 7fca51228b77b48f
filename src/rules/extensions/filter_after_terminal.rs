use super::envoy_filter::{envoy_filters, EnvoyFilter, Patch, HCM};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an EnvoyFilter patch that puts a filter after the terminal filter of the
    /// chains istiod generates:
    ///
    /// - an `HTTP_FILTER` ADD (or INSERT_AFTER without `subFilter`), which istiod appends to
    ///   the end of the HTTP filters, after `envoy.filters.http.router`; or an INSERT_AFTER
    ///   the router itself;
    /// - a `NETWORK_FILTER` ADD (or INSERT_AFTER without `filter`), appended after the
    ///   `envoy.filters.network.http_connection_manager` or `envoy.filters.network.tcp_proxy`
    ///   that ends every filter chain istiod generates; or an INSERT_AFTER one of them.
    ///
    /// A patch that matches a listener by a `name` istiod does not generate (one an
    /// EnvoyFilter adds) is left alone: its chains may end otherwise. So is a patch whose
    /// value is itself a terminal filter (a router with other settings, added after removing
    /// istiod's).
    ///
    /// ## Why is this bad?
    /// Envoy requires a terminal filter (the router, the HTTP connection manager, tcp_proxy)
    /// to be the last of its chain, and rejects a listener where it is not ("terminal filter
    /// named envoy.filters.http.router ... must be the last filter in a http filter chain").
    /// The proxy NACKs the whole listener update: it keeps the listeners it had, and every
    /// later change to them (new Services, routes, policies) stops reaching it until the
    /// EnvoyFilter is fixed.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata:
    ///   name: compression
    ///   namespace: istio-system
    /// spec:
    ///   configPatches:
    ///     - applyTo: HTTP_FILTER
    ///       match:
    ///         context: GATEWAY
    ///         listener:
    ///           filterChain:
    ///             filter:
    ///               name: envoy.filters.network.http_connection_manager
    ///       patch:
    ///         operation: ADD
    ///         value:
    ///           name: envoy.filters.http.compressor
    /// ```
    ///
    /// Use instead: `operation: INSERT_BEFORE` with `subFilter: {name:
    /// envoy.filters.http.router}`, which puts the filter last before the router.
    ///
    /// ## Fix safety
    /// For an INSERT_AFTER the terminal filter, the fix writes INSERT_BEFORE: the filter lands
    /// next to where it was meant, on the side Envoy accepts. It is unsafe: the filter now
    /// runs, before the terminal one. An ADD gets no fix, as the position it needs is a
    /// decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/envoyfilter/listener_patch.go` patchHTTPFilters, patchNetworkFilters (ADD appends; INSERT_AFTER without a match appends); istio/istio#32638, istio/api#2253
    /// - Envoy: envoyproxy/envoy#7779 (terminal filters must be last)
    /// - [Istio: EnvoyFilter](https://istio.io/latest/docs/reference/config/networking/envoy-filter/)
    pub static META = {
        code: "MESH705",
        name: "filter-after-terminal",
        area: "extensions",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: ["IST0151"],
        summary: "An EnvoyFilter patch that puts a filter after the router or the connection manager, which Envoy rejects",
    };
}

const ROUTER: &str = "envoy.filters.http.router";
const TCP_PROXY: &str = "envoy.filters.network.tcp_proxy";

pub struct FilterAfterTerminal;

impl Rule for FilterAfterTerminal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for ef in envoy_filters(ck, false) {
            for patch in &ef.patches {
                if let Some(d) = check_patch(ck, &ef, patch) {
                    out.push(d);
                }
            }
        }
    }
}

/// Where the patch puts its filter, when that is after a terminal one: the terminal filter
/// and whether the patch names it as its anchor.
fn after_terminal(
    patch: &Patch<'_>,
    v: crate::model::IstioVersion,
) -> Option<(&'static str, bool)> {
    let (apply_to, _) = patch.apply_to()?;
    let (op, _) = patch.operation()?;
    // Deprecated names still matched before 1.19 (MESH704 reports them).
    let old = !v.at_least(1, 19);
    match apply_to {
        "HTTP_FILTER" => {
            // Only inside the HTTP connection manager; elsewhere MESH702 reports it.
            if patch
                .filter_name()
                .is_some_and(|(n, _)| n != HCM && !(old && n == "envoy.http_connection_manager"))
            {
                return None;
            }
            let anchor = patch
                .sub_filter()
                .map(|_| patch.sub_filter_name().map_or("", |(n, _)| n));
            match (op, anchor) {
                ("ADD", _) | ("INSERT_AFTER", None) => Some((ROUTER, false)),
                ("INSERT_AFTER", Some(n)) if n == ROUTER || (old && n == "envoy.router") => {
                    Some((ROUTER, true))
                }
                _ => None,
            }
        }
        "NETWORK_FILTER" => {
            let anchor = patch
                .filter_match()
                .map(|_| patch.filter_name().map_or("", |(n, _)| n));
            match (op, anchor) {
                ("ADD", _) | ("INSERT_AFTER", None) => Some((HCM, false)),
                ("INSERT_AFTER", Some(n)) if n == HCM || n == TCP_PROXY => Some(if n == HCM {
                    (HCM, true)
                } else {
                    (TCP_PROXY, true)
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the patch's value is itself a terminal filter, by name or `@type`.
fn adds_terminal(patch: &Patch<'_>) -> bool {
    let name = patch.value_name().map(|(n, _)| n);
    let value = patch.node.at_keys("patch.value");
    let type_url = ["typed_config", "typedConfig"]
        .iter()
        .find_map(|k| value.and_then(|v| v.get(k)))
        .and_then(|c| c.get("@type"))
        .and_then(|t| t.as_str())
        .unwrap_or("");
    matches!(name, Some(ROUTER | HCM | TCP_PROXY))
        || type_url.ends_with(".router.v3.Router")
        || type_url.ends_with(".http_connection_manager.v3.HttpConnectionManager")
        || type_url.ends_with(".tcp_proxy.v3.TcpProxy")
}

/// A listener `name` istiod generates: `virtualInbound`, `virtualOutbound`, `0.0.0.0_8080`,
/// `10.0.0.1_9080`, `[::]_80`.
fn generated_listener(name: &str) -> bool {
    matches!(name, "virtualInbound" | "virtualOutbound")
        || name
            .rsplit_once('_')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
}

fn check_patch(
    ck: &Checker<'_, '_>,
    ef: &EnvoyFilter<'_>,
    patch: &Patch<'_>,
) -> Option<Diagnostic> {
    let (terminal, anchored) = after_terminal(patch, ck.cx.istio_version)?;
    // Re-adding a terminal filter (a router with other settings, after removing istiod's)
    // keeps the chain well-formed.
    if adds_terminal(patch) {
        return None;
    }
    let custom_listener = patch
        .listener()
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .is_some_and(|n| !generated_listener(n));
    if custom_listener {
        return None;
    }
    let (apply_to, _) = patch.apply_to()?;
    let (op, op_node) = patch.operation()?;
    let added = patch
        .value_name()
        .map_or("its filter".to_owned(), |(n, _)| format!("`{n}`"));
    let network = apply_to == "NETWORK_FILTER";
    let last = if network && !anchored {
        format!("`{HCM}` or `{TCP_PROXY}`")
    } else {
        format!("`{terminal}`")
    };
    let mut d = ck.diagnostic(
        &META,
        ef.object,
        op_node.span(),
        format!("`{op}` puts {added} after {last}, which must be the last filter: Envoy rejects the listener"),
    );
    d.primary.message = if anchored {
        format!("after the terminal `{terminal}`")
    } else {
        "appends to the end of the chain".into()
    };
    if let Some((_, n)) = patch.value_name() {
        d.related
            .push(ck.label(ef.object, n.span(), "the filter placed after it"));
    }
    let chain = if network {
        "filter chain"
    } else {
        "HTTP filter chain"
    };
    let how = if anchored {
        format!("INSERT_AFTER `{terminal}` places the filter right after it")
    } else {
        format!("istiod appends {op} to the end of the {chain} (`pilot/pkg/networking/core/envoyfilter/listener_patch.go`), after the {last} it generates last")
    };
    d.notes.push(format!(
        "{how}; Envoy requires terminal filters to be last and rejects the listener, so the proxy NACKs the update and keeps its previous listeners (istio/istio#32638)"
    ).into());
    d.help = Some(match (anchored, network) {
        (true, _) => format!("use INSERT_BEFORE `{terminal}`, which puts the filter last before it").into(),
        (false, false) => format!(
            "use INSERT_BEFORE with `subFilter: {{name: {ROUTER}}}` to put the filter last before the router"
        ).into(),
        (false, true) => format!(
            "use INSERT_BEFORE with `filter: {{name: {HCM}}}` (HTTP chains) or `{{name: {TCP_PROXY}}}` (TCP chains), or INSERT_FIRST"
        ).into(),
    });
    if anchored {
        d.fix = replace_scalar(ck, ef.object, op_node, "INSERT_BEFORE").map(|e| {
            Fix::new(
                format!("insert before `{terminal}` instead"),
                Applicability::Unsafe,
                vec![e],
            )
        });
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::generated_listener;

    #[test]
    fn listener_names() {
        assert!(generated_listener("virtualInbound"));
        assert!(generated_listener("0.0.0.0_8080"));
        assert!(generated_listener("10.96.0.1_443"));
        assert!(!generated_listener("custom-tcp-listener"));
        assert!(!generated_listener("my_listener"));
    }
}
