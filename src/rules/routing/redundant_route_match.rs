use super::cover::Proto;
use super::route_order::{Finding, Rule, Taker};
use super::unreachable_route::{taker_span, taker_words};
use super::{match_label, route_findings, rule_label, Vs};
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::rules::{Checker, Model, Rule as LintRule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a match condition of a VirtualService rule that never decides anything, while
    /// the rule's other matches still do (a rule left with no useful match is MESH309):
    ///
    /// - a match whose requests an earlier rule already takes (a duplicate, or narrower:
    ///   `prefix: /api/v1/products` after `prefix: /api/v1/product`): those requests go to the
    ///   earlier rule's route, not this one — a **warning**;
    /// - a match that another match of the same rule already covers: harmless, but dead
    ///   text — **info**.
    ///
    /// Matches are compared as MESH309 compares them: condition by condition, a missing
    /// condition meaning "anything".
    ///
    /// ## Why is this bad?
    /// Envoy uses the first rule whose match fits. A match shadowed by an earlier rule reads
    /// as if its requests went to this rule's destination, but they never do; a redundant
    /// match in the same rule is noise that hides which conditions matter.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   hosts: [api]
    ///   http:
    ///     - match: [{uri: {prefix: /v1}}]
    ///       route: [{destination: {host: api-v1}}]
    ///     - match: [{uri: {prefix: /v1/orders}}, {uri: {prefix: /v2}}]
    ///       route: [{destination: {host: api-v2}}]
    /// ```
    ///
    /// Use instead: put the narrower rule first, or drop the match that cannot apply.
    ///
    /// ## Fix safety
    /// No fix: whether the match or its order is wrong is a decision.
    ///
    /// ## References
    /// - Istio source: `pkg/config/validation/validation.go` analyzeUnreachableHTTPRules, coveredValidation (istioctl IST0131)
    /// - [Istio: HTTPMatchRequest](https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest)
    pub static META = {
        code: "MESH310",
        name: "redundant-route-match",
        area: "hosts",
        severity: Info,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0131"],
        summary: "A VirtualService match that never decides anything: an earlier rule or match already takes its requests",
    };
}

pub struct RedundantRouteMatch;

impl LintRule for RedundantRouteMatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Routing]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        // Each copy of a VirtualService is checked: the finding is about its own rules.
        for (i, vs) in ck.index.virtual_services.iter().enumerate() {
            for (proto, rules, found) in route_findings(ck, i, vs) {
                for f in &found {
                    if let Finding::Redundant {
                        rule,
                        matchn,
                        taker,
                    } = f
                    {
                        if let Some(d) = report(ck, vs, proto, &rules, *rule, *matchn, taker) {
                            out.push(d);
                        }
                    }
                }
            }
        }
    }
}

fn report(
    ck: &Checker<'_, '_>,
    vs: Vs<'_, '_>,
    proto: Proto,
    rules: &[Rule<'_>],
    rule: usize,
    matchn: usize,
    taker: &Taker,
) -> Option<Diagnostic> {
    let r = rules.iter().find(|r| r.index == rule)?;
    let node = *r.matches.get(matchn)?;
    let label = rule_label(proto, r);
    let m = match_label(node, matchn);
    let same_rule = taker.rule == rule;
    let how = if taker.duplicate {
        "duplicates"
    } else {
        "is covered by"
    };
    let message = if same_rule {
        format!("{m} of rule {label} {how} an earlier match of the same rule")
    } else {
        let by = rules.iter().find(|x| x.index == taker.rule)?;
        format!(
            "{m} of rule {label} never routes here: rule {} takes its requests first",
            rule_label(proto, by)
        )
    };
    let mut d = ck.diagnostic(&META, vs.object, node.span(), message);
    d.primary.message = if same_rule {
        "redundant match".into()
    } else {
        "shadowed by an earlier rule".into()
    };
    if !same_rule {
        d.severity = Severity::Warning;
    }
    d.related.push(ck.label(
        vs.object,
        taker_span(rules, taker),
        taker_words(proto, rules, taker),
    ));
    d.notes.push(if same_rule {
        "both matches lead to the same route, so this one changes nothing (istioctl IST0131)".into()
    } else {
        "Envoy uses the first rule whose match fits: requests this match describes take the earlier rule's route (istioctl IST0131)".into()
    });
    d.help = Some(if same_rule {
        format!("delete {m}").into()
    } else {
        format!("move rule {label} (or this match, in a rule of its own) before the broader rule, or delete {m}").into()
    });
    Some(d)
}
