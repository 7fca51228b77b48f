use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::ObjectRef;
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::{Node, ScalarStyle, Span};

declare_rule! {
    /// ## What it does
    /// Reports fields of VirtualServices, DestinationRules and Sidecars that Istio deprecated
    /// (`deprecated = true` in istio/api, or marked deprecated in its reference), and saying
    /// whether Istio still reads them:
    ///
    /// - VirtualService `http[].fault.delay.percent` (use `percentage`), `http[].mirrorPercent`
    ///   (use `mirrorPercentage`), `http[].corsPolicy.allowOrigin` (use `allowOrigins`): still
    ///   read, unless the replacement is also set, which then wins;
    /// - DestinationRule (top level, subsets, port-level settings) `loadBalancer.simple:
    ///   LEAST_CONN` (use `LEAST_REQUEST`, Istio 1.14+), `consistentHash.minimumRingSize` (use
    ///   `consistentHash.ringHash.minimumRingSize`, 1.16+), `warmupDurationSecs` (use
    ///   `warmup.duration`, 1.24+): still read; `outlierDetection.consecutiveErrors`: **ignored**
    ///   since Istio 1.7 (use `consecutiveGatewayErrors` or `consecutive5xxErrors`);
    /// - Sidecar `ingress[].port.targetPort` and `egress[].port.targetPort`: ignored ("has no
    ///   effect"); `outboundTrafficPolicy.egressProxy` when the Sidecar's mode is not
    ///   `ALLOW_ANY`: ignored (a Sidecar's `outboundTrafficPolicy` without `mode` is
    ///   `REGISTRY_ONLY`, whatever the mesh-wide mode).
    ///
    /// Replacements that need a newer Istio than `--istio-version` are not suggested.
    ///
    /// ## Why is this bad?
    /// Deprecated fields are removed in a later API version, and some are already ignored: a
    /// DestinationRule with `consecutiveErrors: 1` ejects hosts after Envoy's default of five
    /// 5xx errors, not one. istioctl reports the VirtualService and Sidecar cases as IST0002.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: ratings, namespace: shop}
    /// spec:
    ///   hosts: [ratings]
    ///   http:
    ///     - fault:
    ///         delay: {percent: 50, fixedDelay: 5s}
    ///       route: [{destination: {host: ratings}}]
    /// ```
    ///
    /// Use instead: `delay: {percentage: {value: 50}, fixedDelay: 5s}`.
    ///
    /// ## Fix safety
    /// Safe where the replacement means the same (`percent: 50` → `percentage: {value: 50}`,
    /// `mirrorPercent` likewise, `LEAST_CONN` → `LEAST_REQUEST`). Unsafe for
    /// `consecutiveErrors` → `consecutiveGatewayErrors`: Istio ignores the old field, so the
    /// rename turns ejection on at the threshold written. No fix for the rest: the help says
    /// what to write.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/deprecation/deprecation.go` (IST0002); istio/api `networking/v1alpha3/virtual_service.proto`, `destination_rule.proto`, `sidecar.proto` (`deprecated = true`); `pilot/pkg/networking/core/cluster_traffic_policy.go` applyOutlierDetection (no `consecutiveErrors`); `pilot/pkg/model/sidecar.go` (a Sidecar's `outboundTrafficPolicy` replaces the mesh's)
    /// - [Istio: VirtualService](https://istio.io/latest/docs/reference/config/networking/virtual-service/), [DestinationRule](https://istio.io/latest/docs/reference/config/networking/destination-rule/)
    pub static META = {
        code: "MESH313",
        name: "deprecated-routing-field",
        area: "hosts",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "safe/unsafe",
        subject: Object,
        istioctl: ["IST0002"],
        summary: "A deprecated VirtualService, DestinationRule or Sidecar field, and whether Istio still reads it",
    };
}

pub struct DeprecatedRoutingField;

/// One deprecated use found.
struct Use<'a> {
    object: ObjectRef,
    /// The key node (the value for enum values).
    at: Node<'a>,
    /// Whether Istio still reads the field (the label says "deprecated" or "ignored").
    read: bool,
    message: String,
    note: String,
    help: String,
    fix: Option<Fix>,
}

impl Rule for DeprecatedRoutingField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Vec<Diagnostic>) {
        let mut uses = Vec::new();
        for vs in &ck.index.virtual_services {
            virtual_service(ck, vs.object, vs.spec_node, &mut uses);
        }
        for dr in &ck.index.destination_rules {
            destination_rule(ck, dr.object, dr.spec_node, &mut uses);
        }
        for sc in &ck.index.sidecars {
            sidecar(sc.object, sc.spec_node, &mut uses);
        }
        for u in uses {
            let mut d = ck.diagnostic(&META, u.object, u.at.span(), u.message);
            d.primary.message = if u.read {
                "deprecated"
            } else {
                "ignored by Istio"
            }
            .into();
            d.notes.push(u.note);
            d.help = Some(u.help);
            d.fix = u.fix;
            out.push(d);
        }
    }
}

fn items<'a>(n: Option<Node<'a>>) -> impl Iterator<Item = Node<'a>> {
    n.into_iter().flat_map(|n| n.items())
}

fn entry<'a>(map: Option<Node<'a>>, key: &str) -> Option<(Node<'a>, Node<'a>)> {
    map?.get_entry(key).filter(|(_, v)| !v.is_null())
}

/// `key: N` rewritten as `new_key: {value: N}` (a plain number written on the key's line).
fn to_percentage(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    k: Node<'_>,
    v: Node<'_>,
    new_key: &str,
) -> Option<Fix> {
    let scalar = v.scalar()?;
    if scalar.style != ScalarStyle::Plain || v.as_i64().is_none() || v.is_alias() {
        return None;
    }
    let edit = Edit {
        file: ck.index.objects[object].file,
        span: Span::new(k.span().start, v.span().end),
        content: format!("{new_key}: {{value: {}}}", scalar.value),
    };
    Some(Fix::new(
        format!("use `{new_key}: {{value: {}}}`", scalar.value),
        Applicability::Safe,
        vec![edit],
    ))
}

fn virtual_service<'a>(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    spec: Node<'a>,
    out: &mut Vec<Use<'a>>,
) {
    for (i, rule) in items(spec.get("http")).enumerate() {
        let delay = rule.at_keys("fault.delay");
        if let Some((k, v)) = entry(delay, "percent") {
            let both = entry(delay, "percentage").is_some();
            out.push(Use {
                object,
                at: k,
                read: !both,
                message: format!("`http[{i}].fault.delay.percent` is deprecated: use `percentage`"),
                note: if both {
                    "`percentage` is also set and wins: `percent` is ignored".into()
                } else {
                    "Istio still reads the integer `percent`, but the API deprecates it for the `percentage` double (istioctl IST0002)".into()
                },
                help: "write `percentage: {value: N}` instead".into(),
                fix: (!both).then(|| to_percentage(ck, object, k, v, "percentage")).flatten(),
            });
        }
        if let Some((k, v)) = entry(Some(rule), "mirrorPercent") {
            let both = entry(Some(rule), "mirrorPercentage").is_some();
            out.push(Use {
                object,
                at: k,
                read: !both,
                message: format!("`http[{i}].mirrorPercent` is deprecated: use `mirrorPercentage`"),
                note: if both {
                    "`mirrorPercentage` is also set and wins: `mirrorPercent` is ignored".into()
                } else {
                    "Istio still reads the integer `mirrorPercent`; istiod's validation warns about it".into()
                },
                help: "write `mirrorPercentage: {value: N}` instead".into(),
                fix: (!both).then(|| to_percentage(ck, object, k, v, "mirrorPercentage")).flatten(),
            });
        }
        let cors = rule.get("corsPolicy");
        if let Some((k, _)) = entry(cors, "allowOrigin") {
            let both = entry(cors, "allowOrigins").is_some();
            out.push(Use {
                object,
                at: k,
                read: !both,
                message: format!("`http[{i}].corsPolicy.allowOrigin` is deprecated: use `allowOrigins`"),
                note: if both {
                    "`allowOrigins` is also set and wins: `allowOrigin` is ignored".into()
                } else {
                    "Istio still reads `allowOrigin` as exact matches; `allowOrigins` takes `exact`, `prefix` or `regex`".into()
                },
                help: "write `allowOrigins: [{exact: <origin>}, ...]` instead".into(),
                fix: None,
            });
        }
    }
}

/// Every traffic policy of a DestinationRule: top level, port level, per subset.
fn traffic_policies<'a>(spec: Node<'a>) -> Vec<(String, Node<'a>)> {
    let mut out = Vec::new();
    let mut add = |path: String, tp: Option<Node<'a>>| {
        let Some(tp) = tp.filter(|n| !n.is_null()) else {
            return;
        };
        for (j, p) in items(tp.get("portLevelSettings")).enumerate() {
            out.push((format!("{path}.portLevelSettings[{j}]"), p));
        }
        out.push((path, tp));
    };
    add("trafficPolicy".into(), spec.get("trafficPolicy"));
    for (i, s) in items(spec.get("subsets")).enumerate() {
        add(
            format!("subsets[{i}].trafficPolicy"),
            s.get("trafficPolicy"),
        );
    }
    out
}

fn destination_rule<'a>(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    spec: Node<'a>,
    out: &mut Vec<Use<'a>>,
) {
    let v = ck.cx.istio_version;
    for (path, tp) in traffic_policies(spec) {
        let lb = tp.get("loadBalancer");
        if let Some((_, simple)) = entry(lb, "simple") {
            if simple.as_str() == Some("LEAST_CONN") && v.at_least(1, 14) {
                let fix = replace_scalar(ck, object, simple, "LEAST_REQUEST")
                    .map(|e| Fix::new("use `LEAST_REQUEST`", Applicability::Safe, vec![e]));
                out.push(Use {
                    object,
                    at: simple,
                    read: true,
                    message: format!("`{path}.loadBalancer.simple: LEAST_CONN` is deprecated: use `LEAST_REQUEST`"),
                    note: "Istio builds the same least-request balancer for both values".into(),
                    help: "write `LEAST_REQUEST`".into(),
                    fix,
                });
            }
        }
        let hash = lb.and_then(|l| l.get("consistentHash"));
        if let Some((k, _)) = entry(hash, "minimumRingSize") {
            if v.at_least(1, 16) {
                out.push(Use {
                    object,
                    at: k,
                    read: true,
                    message: format!("`{path}.loadBalancer.consistentHash.minimumRingSize` is deprecated: use `ringHash.minimumRingSize`"),
                    note: "Istio still reads it when neither `ringHash` nor `maglev` is set (both at once is rejected)".into(),
                    help: "write `consistentHash.ringHash: {minimumRingSize: N}` instead".into(),
                    fix: None,
                });
            }
        }
        if let Some((k, _)) = entry(lb, "warmupDurationSecs") {
            if v.at_least(1, 24) {
                out.push(Use {
                    object,
                    at: k,
                    read: true,
                    message: format!("`{path}.loadBalancer.warmupDurationSecs` is deprecated: use `warmup.duration`"),
                    note: "Istio still reads it; `warmup` (Istio 1.24+) also sets the aggression and minimum weight".into(),
                    help: "write `warmup: {duration: <d>}` instead".into(),
                    fix: None,
                });
            }
        }
        let outlier = tp.get("outlierDetection");
        if let Some((k, _)) = entry(outlier, "consecutiveErrors") {
            let has_new = entry(outlier, "consecutiveGatewayErrors").is_some()
                || entry(outlier, "consecutive5xxErrors").is_some();
            let fix = (!has_new)
                .then(|| replace_scalar(ck, object, k, "consecutiveGatewayErrors"))
                .flatten()
                .map(|e| {
                    Fix::new(
                        "use `consecutiveGatewayErrors`",
                        Applicability::Unsafe,
                        vec![e],
                    )
                });
            out.push(Use {
                object,
                at: k,
                read: !v.at_least(1, 7),
                message: format!(
                    "`{path}.outlierDetection.consecutiveErrors` is {}: use `consecutiveGatewayErrors` or `consecutive5xxErrors`",
                    if v.at_least(1, 7) { "ignored" } else { "deprecated" }
                ),
                note: "istiod stopped reading `consecutiveErrors` in Istio 1.7: Envoy applies its default (eject after 5 consecutive 5xx) instead of the value written".into(),
                help: "rename it to `consecutiveGatewayErrors` (502, 503, 504: what it counted) or `consecutive5xxErrors`".into(),
                fix,
            });
        }
    }
}

fn sidecar<'a>(object: ObjectRef, spec: Node<'a>, out: &mut Vec<Use<'a>>) {
    for list in ["ingress", "egress"] {
        for (i, l) in items(spec.get(list)).enumerate() {
            if let Some((k, _)) = entry(l.get("port"), "targetPort") {
                out.push(Use {
                    object,
                    at: k,
                    read: false,
                    message: format!("`{list}[{i}].port.targetPort` has no effect"),
                    note: "the Sidecar API keeps `targetPort` only for backwards compatibility: Istio ignores it".into(),
                    help: "delete it".into(),
                    fix: None,
                });
            }
        }
    }
    let policy = spec.get("outboundTrafficPolicy").filter(|n| !n.is_null());
    if let Some((k, _)) = entry(policy, "egressProxy") {
        let mode = policy
            .and_then(|p| p.get("mode"))
            .and_then(|m| m.as_str())
            .filter(|m| !m.is_empty());
        if !matches!(mode, Some("ALLOW_ANY" | "ALLOW_ANY_DYNAMIC_DNS")) {
            let note = match mode {
                None => "a Sidecar's `outboundTrafficPolicy` replaces the mesh-wide one whole: without `mode` it is `REGISTRY_ONLY` (the field's default), where unknown destinations are dropped rather than sent to the egress proxy".to_owned(),
                Some(m) => format!("with mode `{m}` unknown destinations are dropped, never sent to the egress proxy"),
            };
            out.push(Use {
                object,
                at: k,
                read: false,
                message: "`outboundTrafficPolicy.egressProxy` is ignored: the Sidecar's mode is not `ALLOW_ANY`".into(),
                note,
                help: "set `mode: ALLOW_ANY` next to it, or delete `egressProxy`".into(),
                fix: None,
            });
        }
    }
}
