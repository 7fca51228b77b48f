use super::envoy_filter::{envoy_filters, Patch};
use super::version_note;
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::ObjectRef;
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an EnvoyFilter `match` that names an Envoy filter by the name Envoy deprecated
    /// in 1.14 (`envoy.router`, `envoy.http_connection_manager`, `envoy.ext_authz`,
    /// `envoy.listener.tls_inspector`, ...) in `listener.filterChain.filter.name`,
    /// `filter.subFilter.name` or `listener.listenerFilter`.
    ///
    /// From Istio 1.19 istiod compares these names with the canonical ones only: where the
    /// patch's operation uses the name to find its filter, the patch applies to nothing (an
    /// error). Before 1.19 istiod translated the old names, and the finding is a warning, as
    /// it is where the operation does not use the name (an ADD of a network filter ignores
    /// `filter.name`).
    ///
    /// ## Why is this bad?
    /// Istio generates filters under their canonical names. EnvoyFilters written for Istio 1.5
    /// to 1.18 often match `envoy.http_connection_manager` or insert before `envoy.router`;
    /// after an upgrade to 1.19 or later the same EnvoyFilter is still admitted (validation
    /// only warns), and its Lua filter, rate limit or header rewrite is missing from every
    /// proxy.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata:
    ///   name: lua
    ///   namespace: shop
    /// spec:
    ///   configPatches:
    ///     - applyTo: HTTP_FILTER
    ///       match:
    ///         listener:
    ///           filterChain:
    ///             filter:
    ///               name: envoy.http_connection_manager
    ///               subFilter:
    ///                 name: envoy.router
    ///       patch:
    ///         operation: INSERT_BEFORE
    ///         value:
    ///           name: envoy.lua
    /// ```
    ///
    /// Use instead: `envoy.filters.network.http_connection_manager` and
    /// `envoy.filters.http.router`.
    ///
    /// ## Fix safety
    /// The fix writes the canonical name. Where istiod still translated the old name (before
    /// 1.19), or the operation does not match on it, that changes nothing and the fix is
    /// safe; where the patch matched nothing, it makes the patch apply, so the fix is unsafe:
    /// check that the patch still does what was meant.
    ///
    /// ## References
    /// - Istio source: `pkg/config/xds/deprecated.go` DeprecatedFilterNames (removed in 1.19 by "remove deprecated filter name check", #45675); `pilot/pkg/networking/core/envoyfilter/listener_patch.go` networkFilterMatch, httpFilterMatch, listenerFilterMatch; `pkg/config/validation/envoyfilter/envoyfilter.go` validateListenerMatchName
    /// - [Envoy 1.14 deprecated filter names](https://www.envoyproxy.io/docs/envoy/latest/version_history/v1.14.0#deprecated)
    pub static META = {
        code: "MESH704",
        name: "deprecated-filter-name",
        area: "extensions",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "safe/unsafe",
        subject: Object,
        istioctl: [],
        summary: "An EnvoyFilter match on a deprecated Envoy filter name, which matches nothing from Istio 1.19",
    };
}

/// Envoy's deprecated names and the canonical ones (`pkg/config/xds/deprecated.go` before
/// Istio 1.19). `envoy.ext_authz` named both ext_authz filters; [`canonical`] picks by field.
const DEPRECATED: [(&str, &str); 26] = [
    ("envoy.buffer", "envoy.filters.http.buffer"),
    ("envoy.cors", "envoy.filters.http.cors"),
    ("envoy.csrf", "envoy.filters.http.csrf"),
    ("envoy.http_dynamo_filter", "envoy.filters.http.dynamo"),
    ("envoy.fault", "envoy.filters.http.fault"),
    (
        "envoy.grpc_http1_bridge",
        "envoy.filters.http.grpc_http1_bridge",
    ),
    (
        "envoy.grpc_json_transcoder",
        "envoy.filters.http.grpc_json_transcoder",
    ),
    ("envoy.grpc_web", "envoy.filters.http.grpc_web"),
    ("envoy.gzip", "envoy.filters.http.gzip"),
    ("envoy.health_check", "envoy.filters.http.health_check"),
    ("envoy.ip_tagging", "envoy.filters.http.ip_tagging"),
    ("envoy.lua", "envoy.filters.http.lua"),
    ("envoy.rate_limit", "envoy.filters.http.ratelimit"),
    ("envoy.router", "envoy.filters.http.router"),
    ("envoy.squash", "envoy.filters.http.squash"),
    (
        "envoy.listener.http_inspector",
        "envoy.filters.listener.http_inspector",
    ),
    (
        "envoy.listener.original_dst",
        "envoy.filters.listener.original_dst",
    ),
    (
        "envoy.listener.original_src",
        "envoy.filters.listener.original_src",
    ),
    (
        "envoy.listener.proxy_protocol",
        "envoy.filters.listener.proxy_protocol",
    ),
    (
        "envoy.listener.tls_inspector",
        "envoy.filters.listener.tls_inspector",
    ),
    (
        "envoy.client_ssl_auth",
        "envoy.filters.network.client_ssl_auth",
    ),
    (
        "envoy.http_connection_manager",
        "envoy.filters.network.http_connection_manager",
    ),
    ("envoy.mongo_proxy", "envoy.filters.network.mongo_proxy"),
    ("envoy.ratelimit", "envoy.filters.network.ratelimit"),
    ("envoy.redis_proxy", "envoy.filters.network.redis_proxy"),
    ("envoy.tcp_proxy", "envoy.filters.network.tcp_proxy"),
];

/// The canonical name of a deprecated one, for the field it is in.
fn canonical(name: &str, field: Field) -> Option<&'static str> {
    if name == "envoy.ext_authz" {
        return Some(match field {
            Field::SubFilter => "envoy.filters.http.ext_authz",
            _ => "envoy.filters.network.ext_authz",
        });
    }
    DEPRECATED
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Filter,
    SubFilter,
    ListenerFilter,
}

impl Field {
    fn path(self) -> &'static str {
        match self {
            Field::Filter => "filterChain.filter.name",
            Field::SubFilter => "filterChain.filter.subFilter.name",
            Field::ListenerFilter => "listenerFilter",
        }
    }
}

/// Whether istiod compares the name in `field` when running `op` on `apply_to`
/// (listener_patch.go: ADD and INSERT_FIRST position nothing; HTTP filters are patched only
/// inside the matched network filter).
fn matched_on(field: Field, apply_to: &str, op: &str) -> bool {
    let relative = matches!(
        op,
        "INSERT_BEFORE" | "INSERT_AFTER" | "REPLACE" | "REMOVE" | "MERGE"
    );
    match field {
        Field::Filter => apply_to == "HTTP_FILTER" || (apply_to == "NETWORK_FILTER" && relative),
        Field::SubFilter => apply_to == "HTTP_FILTER" && relative,
        Field::ListenerFilter => apply_to == "LISTENER_FILTER" && relative,
    }
}

pub struct DeprecatedFilterName;

impl Rule for DeprecatedFilterName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for ef in envoy_filters(ck, false) {
            for patch in &ef.patches {
                let fields = [
                    (Field::Filter, patch.filter_name()),
                    (Field::SubFilter, patch.sub_filter_name()),
                    (Field::ListenerFilter, patch.listener_filter()),
                ];
                for (field, found) in fields {
                    let Some((name, node)) = found else { continue };
                    let Some(new) = canonical(name, field) else {
                        continue;
                    };
                    out.push(report(ck, ef.object, patch, field, name, node, new));
                }
            }
        }
    }
}

fn report(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    patch: &Patch<'_>,
    field: Field,
    name: &str,
    node: Node<'_>,
    new: &str,
) -> Diagnostic {
    let v = ck.cx.istio_version;
    let removed = v.at_least(1, 19);
    let apply_to = patch.apply_to().map_or("", |(a, _)| a);
    let op = patch.operation().map_or("", |(o, _)| o);
    let breaks = removed && matched_on(field, apply_to, op);
    let message = if breaks {
        format!("`{name}` is a deprecated filter name that istiod no longer matches (Istio {v}): the patch applies to nothing")
    } else {
        format!("`{name}` is the deprecated name of `{new}`")
    };
    let mut d = ck.diagnostic(&META, object, node.span(), message);
    d.primary.message = format!("use `{new}`");
    if !breaks {
        d.severity = Severity::Warning;
    }
    d.notes.push(if removed {
        format!(
            "since Istio 1.19 istiod compares `match.listener.{}` with the names it generates, which are canonical (`{new}`); validation admits the old name with a warning",
            field.path()
        ).into()
    } else {
        "Istio 1.19 stopped translating Envoy's deprecated filter names: this match breaks on upgrade".to_owned().into()
    });
    if removed && !breaks {
        d.notes.push(format!(
            "{op} on {apply_to} does not use this name to find its filter, so nothing is skipped today"
        ).into());
    }
    d.notes.extend(version_note(ck).map(Into::into));
    d.help = Some(format!("write `{new}`").into());
    let applicability = if breaks {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    d.fix = replace_scalar(ck, object, node, new)
        .map(|e| Fix::new(format!("write `{new}`"), applicability, vec![e]));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(
            canonical("envoy.router", Field::SubFilter),
            Some("envoy.filters.http.router")
        );
        assert_eq!(
            canonical("envoy.ext_authz", Field::SubFilter),
            Some("envoy.filters.http.ext_authz")
        );
        assert_eq!(
            canonical("envoy.ext_authz", Field::Filter),
            Some("envoy.filters.network.ext_authz")
        );
        assert_eq!(
            canonical("envoy.filters.http.router", Field::SubFilter),
            None
        );
        assert!(matched_on(Field::Filter, "HTTP_FILTER", "ADD"));
        assert!(!matched_on(Field::Filter, "NETWORK_FILTER", "ADD"));
        assert!(!matched_on(Field::SubFilter, "HTTP_FILTER", "INSERT_FIRST"));
    }
}
