//! MESH412's field checks: deprecated fields of VirtualServices, DestinationRules and Sidecars,
//! each with what pilot does with it today (still read, or ignored) and its replacement.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix, Severity};
use crate::model::{IstioVersion, ObjectRef};
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, RuleMeta};
use mesh_lint_yaml::{Node, Span};

pub(super) fn check(ck: &Checker<'_, '_>, meta: &'static RuleMeta, out: &mut Findings) {
    let f = Finder { ck, meta };
    for vs in &ck.index.virtual_services {
        for route in vs.spec_node.get("http").into_iter().flat_map(|h| h.items()) {
            f.http_route(vs.object, route, out);
        }
    }
    for dr in &ck.index.destination_rules {
        for policy in traffic_policies(dr.spec_node) {
            f.traffic_policy(dr.object, policy, out);
        }
    }
    for sc in &ck.index.sidecars {
        f.sidecar(sc.object, sc.spec_node, out);
    }
}

/// Every traffic policy of a DestinationRule: the top one, its subsets', and their
/// `portLevelSettings`.
fn traffic_policies(spec: Node<'_>) -> Vec<Node<'_>> {
    let mut top: Vec<Node<'_>> = spec.get("trafficPolicy").into_iter().collect();
    let subsets = spec.get("subsets").into_iter().flat_map(|s| s.items());
    top.extend(subsets.filter_map(|s| s.get("trafficPolicy")));
    let mut all = top.clone();
    for p in top {
        all.extend(
            p.get("portLevelSettings")
                .into_iter()
                .flat_map(|l| l.items()),
        );
    }
    all
}

struct Finder<'c, 'a, 'b> {
    ck: &'c Checker<'a, 'b>,
    meta: &'static RuleMeta,
}

/// What pilot does with a deprecated field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Still read: deprecated, not broken (info).
    Read,
    /// Not read at all (warning).
    Ignored,
}

impl Finder<'_, '_, '_> {
    fn finding(
        &self,
        object: ObjectRef,
        span: Span,
        effect: Effect,
        message: String,
        note: &str,
    ) -> Diagnostic {
        let mut d = self.ck.diagnostic(self.meta, object, span, message);
        let (severity, label) = match effect {
            Effect::Read => (Severity::Info, "deprecated"),
            Effect::Ignored => (Severity::Warning, "ignored"),
        };
        d.severity = severity;
        d.primary.message = label.to_owned();
        d.notes.push(note.to_owned().into());
        d
    }

    fn http_route(&self, object: ObjectRef, route: Node<'_>, out: &mut Findings) {
        if let Some(delay) = route.get("fault").and_then(|f| f.get("delay")) {
            self.percent(object, delay, "percent", "percentage", "fault.delay.", out);
        }
        for key in ["mirrorPercent", "mirror_percent"] {
            self.percent(object, route, key, "mirrorPercentage", "", out);
        }
        if let Some(cors) = route.get("corsPolicy") {
            self.allow_origin(object, cors, out);
        }
    }

    /// An integer percent field replaced by a `Percent` message (`{value: <double>}`); the
    /// replacement wins when both are set (`translateFault`, `MirrorPercent`).
    fn percent(
        &self,
        object: ObjectRef,
        parent: Node<'_>,
        key: &str,
        replacement: &str,
        prefix: &str,
        out: &mut Findings,
    ) {
        let Some((k, v)) = parent.get_entry(key) else {
            return;
        };
        let shadowed = parent.get(replacement).is_some();
        let effect = if shadowed {
            Effect::Ignored
        } else {
            Effect::Read
        };
        let message = if shadowed {
            format!("`{prefix}{key}` is deprecated and ignored here: `{replacement}` is also set and wins")
        } else {
            format!("`{prefix}{key}` is deprecated; use `{prefix}{replacement}`")
        };
        let note = format!(
            "the integer `{key}` was replaced by `{replacement}` (a percentage that can be fractional); pilot reads `{key}` only when `{replacement}` is absent"
        );
        let mut d = self.finding(object, k.span(), effect, message, &note);
        if shadowed {
            d.help = Some(format!("remove `{key}`").into());
        } else {
            let value = v.as_i64().map(|n| format!("{replacement}: {{value: {n}}}"));
            d.fix = value
                .and_then(|content| self.rewrite_entry(object, parent, k, v, content.clone()))
                .map(|e| {
                    Fix::new(
                        format!("replace with `{replacement}`"),
                        Applicability::Safe,
                        vec![e],
                    )
                });
            d.help = Some(format!("write `{replacement}: {{value: <percent>}}` instead").into());
        }
        out.push(d);
    }

    fn allow_origin(&self, object: ObjectRef, cors: Node<'_>, out: &mut Findings) {
        let Some((k, v)) = cors.get_entry("allowOrigin") else {
            return;
        };
        if cors.get("allowOrigins").is_some() {
            let mut d = self.finding(
                object,
                k.span(),
                Effect::Ignored,
                "`allowOrigin` is deprecated and ignored here: `allowOrigins` is also set and wins"
                    .to_owned(),
                "pilot reads the deprecated `corsPolicy.allowOrigin` only when `allowOrigins` is absent (`translateCORSPolicy`)",
            );
            d.help = Some(
                "merge its origins into `allowOrigins` as `{exact: ...}` entries and remove it"
                    .to_owned()
                    .into(),
            );
            out.push(d);
            return;
        }
        let mut d = self.finding(
            object,
            k.span(),
            Effect::Read,
            "`corsPolicy.allowOrigin` is deprecated; use `allowOrigins`".to_owned(),
            "the exact-origin list was replaced by `allowOrigins` (string matches: exact, prefix or regex); pilot still turns each `allowOrigin` entry into an exact match",
        );
        let origins: Option<Vec<String>> = v
            .items()
            .map(|i| i.as_str().filter(|_| !i.is_alias()).map(quote))
            .collect();
        let content = origins.filter(|o| !o.is_empty()).map(|o| {
            let list: Vec<String> = o.iter().map(|s| format!("{{exact: {s}}}")).collect();
            format!("allowOrigins: [{}]", list.join(", "))
        });
        d.fix = content
            .and_then(|c| self.rewrite_entry(object, cors, k, v, c))
            .map(|e| {
                Fix::new(
                    "replace with `allowOrigins` exact matches",
                    Applicability::Safe,
                    vec![e],
                )
            });
        d.help = Some(
            "list the origins under `allowOrigins` as `{exact: ...}` entries"
                .to_owned()
                .into(),
        );
        out.push(d);
    }

    fn traffic_policy(&self, object: ObjectRef, policy: Node<'_>, out: &mut Findings) {
        if let Some(outlier) = policy.get("outlierDetection") {
            self.consecutive_errors(object, outlier, out);
        }
        let Some(lb) = policy.get("loadBalancer") else {
            return;
        };
        let version = self.ck.cx.istio_version;
        if let Some(simple) = lb
            .get("simple")
            .filter(|s| s.as_str() == Some("LEAST_CONN"))
        {
            if version >= IstioVersion::new(1, 14) {
                let mut d = self.finding(
                    object,
                    simple.span(),
                    Effect::Read,
                    "`LEAST_CONN` is deprecated; use `LEAST_REQUEST`".to_owned(),
                    "since Istio 1.14 `LEAST_CONN` is an alias of `LEAST_REQUEST` (Envoy's least-request balancer; Envoy has no least-connection one)",
                );
                d.help = Some("write `LEAST_REQUEST`".to_owned().into());
                d.fix = replace_scalar(self.ck, object, simple, "LEAST_REQUEST").map(|e| {
                    Fix::new("replace with `LEAST_REQUEST`", Applicability::Safe, vec![e])
                });
                out.push(d);
            }
        }
        if let Some(hash) = lb.get("consistentHash") {
            if version >= IstioVersion::new(1, 16) {
                self.minimum_ring_size(object, hash, out);
            }
        }
    }

    fn consecutive_errors(&self, object: ObjectRef, outlier: Node<'_>, out: &mut Findings) {
        let Some((k, v)) = outlier.get_entry("consecutiveErrors") else {
            return;
        };
        let mut d = self.finding(
            object,
            k.span(),
            Effect::Ignored,
            "`outlierDetection.consecutiveErrors` is deprecated and ignored".to_owned(),
            "pilot no longer reads `consecutiveErrors` (`applyOutlierDetection` sets only `consecutive5xxErrors` and `consecutiveGatewayErrors`), so the proxy keeps Envoy's default of ejecting a host after 5 consecutive 5xx responses",
        );
        d.notes.push("until Istio 1.5 it counted gateway errors (502, 503, 504), which is what `consecutiveGatewayErrors` counts".to_owned().into());
        let rename = outlier.get("consecutiveGatewayErrors").is_none() && !v.is_alias();
        d.fix = rename
            .then(|| replace_scalar(self.ck, object, k, "consecutiveGatewayErrors"))
            .flatten()
            .map(|e| {
                Fix::new(
                    "rename to `consecutiveGatewayErrors`",
                    Applicability::Unsafe,
                    vec![e],
                )
            });
        d.help = Some(
            "use `consecutiveGatewayErrors` (502, 503, 504) or `consecutive5xxErrors` (any 5xx)"
                .to_owned()
                .into(),
        );
        out.push(d);
    }

    fn minimum_ring_size(&self, object: ObjectRef, hash: Node<'_>, out: &mut Findings) {
        let Some((k, v)) = hash.get_entry("minimumRingSize") else {
            return;
        };
        let has_algorithm = hash.get("ringHash").is_some() || hash.get("maglev").is_some();
        if has_algorithm {
            // Validation rejects both together: schema territory, not deprecation.
            return;
        }
        let mut d = self.finding(
            object,
            k.span(),
            Effect::Read,
            "`consistentHash.minimumRingSize` is deprecated; use `consistentHash.ringHash.minimumRingSize`".to_owned(),
            "since Istio 1.16 the hash algorithm has its own settings (`ringHash`, `maglev`); pilot still builds a ring hash from the deprecated field",
        );
        let content = v
            .as_i64()
            .map(|n| format!("ringHash: {{minimumRingSize: {n}}}"));
        d.help = Some(
            "write `ringHash: {minimumRingSize: <n>}` instead"
                .to_owned()
                .into(),
        );
        d.fix = content
            .and_then(|c| self.rewrite_entry(object, hash, k, v, c))
            .map(|e| Fix::new("move it under `ringHash`", Applicability::Safe, vec![e]));
        out.push(d);
    }

    fn sidecar(&self, object: ObjectRef, spec: Node<'_>, out: &mut Findings) {
        let Some(policy) = spec.get("outboundTrafficPolicy") else {
            return;
        };
        let Some((k, _)) = policy.get_entry("egressProxy") else {
            return;
        };
        let mode = policy.get("mode").and_then(|m| m.as_str());
        if mode == Some("ALLOW_ANY") {
            return;
        }
        let shown = mode.unwrap_or("REGISTRY_ONLY");
        let mut d = self.finding(
            object,
            k.span(),
            Effect::Ignored,
            format!("`outboundTrafficPolicy.egressProxy` is ignored with mode `{shown}`"),
            "the egress proxy receives traffic to unknown destinations only in `ALLOW_ANY` mode; a Sidecar's `outboundTrafficPolicy` replaces the mesh's whole, so an unset `mode` is `REGISTRY_ONLY` here whatever MeshConfig says",
        );
        if let Some(m) = policy.get_entry("mode") {
            d.related
                .push(self.ck.label(object, m.1.span(), "the mode"));
        }
        d.help = Some(
            "set `mode: ALLOW_ANY` for the egress proxy to take effect, or remove it"
                .to_owned()
                .into(),
        );
        out.push(d);
    }

    /// The edit replacing the entry `k: v` of `mapping` by `content`, when the entry is the
    /// mapping's own (not merged from an anchor) and holds no comment or anchor that would be
    /// lost.
    fn rewrite_entry(
        &self,
        object: ObjectRef,
        mapping: Node<'_>,
        k: Node<'_>,
        v: Node<'_>,
        content: String,
    ) -> Option<Edit> {
        let span = Span::new(k.span().start, v.span().end.max(k.span().end));
        let own = mapping.span().start <= span.start && span.end <= mapping.span().end;
        if !own || v.is_alias() || k.is_alias() {
            return None;
        }
        let file = self.ck.index.objects[object].file;
        let text = &self.ck.files.get(file).text[span.range()];
        // A comment would be lost, and so would an anchor, leaving its aliases undefined.
        if text.contains('#') || text.contains('&') {
            return None;
        }
        Some(Edit {
            file,
            span,
            content,
        })
    }
}

/// A YAML flow scalar for `s`: plain when it cannot be misread, else double-quoted.
fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && s.parse::<f64>().is_err()
        && !matches!(s, "true" | "false" | "null" | "~");
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn origins_are_quoted_when_needed() {
        assert_eq!(quote("https://example.com"), "\"https://example.com\"");
        assert_eq!(quote("example.com"), "example.com");
        assert_eq!(quote("*"), "\"*\"");
        assert_eq!(quote("true"), "\"true\"");
    }
}
