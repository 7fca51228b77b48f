use super::cover::Proto;
use super::route_order::{Finding, Rule, Taker};
use super::{match_label, route_findings, rule_label, Vs};
use crate::diagnostic::{Diagnostic, Findings};
use crate::rules::{Checker, Model, Rule as LintRule, RuleMeta};
use mesh_lint_yaml::{Node, Span};

declare_rule! {
    /// ## What it does
    /// Reports a VirtualService rule (`http`, `tcp` or `tls` item) that no request can reach
    /// because earlier rules take all of its requests: a rule after one without `match` (or
    /// with a match that takes everything, such as `uri: {prefix: /}` alone), a rule whose
    /// matches duplicate earlier ones, and a rule whose every match is narrower than an
    /// earlier one (`prefix: /api/v1` after `prefix: /api`, the same method or a broader one,
    /// the same headers or fewer).
    ///
    /// Two matches are compared condition by condition: a missing condition is "anything"
    /// (istioctl assumes `method: GET` when none is written), `ignoreUriCase`, `sourceLabels`,
    /// `gateways`, query parameters and `withoutHeaders` are honoured, and regular expressions
    /// count only when written identically. A field mesh-lint does not know makes a match
    /// cover nothing, so what is reported is certain.
    ///
    /// ## Why is this bad?
    /// Envoy tries a VirtualService's rules in order and the first whose match fits wins. A
    /// rule that comes after a catch-all never gets a request: its routes, retries, faults and
    /// rewrites are dead configuration, usually a rule added at the end of the list when it
    /// had to go before the default route.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: reviews
    ///   namespace: bookinfo
    /// spec:
    ///   hosts: [reviews]
    ///   http:
    ///     - route:
    ///         - destination: {host: reviews, subset: v1}
    ///     - match:
    ///         - headers: {end-user: {exact: jason}}
    ///       route:
    ///         - destination: {host: reviews, subset: v2}
    /// ```
    ///
    /// Use instead: the specific rule first, the catch-all last.
    ///
    /// ## Fix safety
    /// No fix: reordering rules changes where requests go; which order was meant is a decision.
    ///
    /// ## References
    /// - Istio source: `pkg/config/validation/validation.go` analyzeUnreachableHTTPRules, analyzeUnreachableTCPRules, analyzeUnreachableTLSRules (istioctl IST0130/IST0131 through `pkg/config/analysis/analyzers/schema/validation.go`)
    /// - [Istio: VirtualService HTTPRoute](https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute)
    pub static META = {
        code: "MESH309",
        name: "unreachable-route",
        area: "hosts",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0130", "IST0131"],
        summary: "A VirtualService rule that earlier rules leave no request to: after a catch-all, or with duplicate or narrower matches",
    };
}

pub struct UnreachableRoute;

impl LintRule for UnreachableRoute {
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
                    if let Finding::Unreachable { rule, takers } = f {
                        out.push(report(ck, vs, proto, &rules, *rule, takers));
                    }
                }
            }
        }
    }
}

/// Where to point at a rule: its `match`, else its first key.
pub(super) fn rule_span(rule: &Rule<'_>) -> Span {
    rule.node
        .get_entry("match")
        .map(|(k, _)| k.span())
        .or_else(|| rule.node.entries().next().map(|(k, _)| k.span()))
        .unwrap_or_else(|| rule.node.span())
}

/// Where to point at what takes requests: the match item, else the rule.
pub(super) fn taker_span(rules: &[Rule<'_>], t: &Taker) -> Span {
    let Some(rule) = rules.iter().find(|r| r.index == t.rule) else {
        return Span::new(0, 0);
    };
    match t.matchn.and_then(|m| rule.matches.get(m)) {
        Some(m) => m.span(),
        None => rule_span(rule),
    }
}

/// How an earlier condition takes requests, for labels and notes.
pub(super) fn taker_words(proto: Proto, rules: &[Rule<'_>], t: &Taker) -> String {
    let Some(rule) = rules.iter().find(|r| r.index == t.rule) else {
        return String::new();
    };
    let label = rule_label(proto, rule);
    match t.matchn.and_then(|m| rule.matches.get(m).map(|n| (m, *n))) {
        None => format!("rule {label} has no `match`: it takes every request"),
        Some((m, node)) if t.duplicate => {
            format!(
                "{} of rule {label} is the same condition",
                match_label(node, m)
            )
        }
        Some((m, node)) if takes_everything(proto, node) => {
            format!(
                "{} of rule {label} takes every request",
                match_label(node, m)
            )
        }
        Some((m, node)) => format!(
            "{} of rule {label} takes every request this one would",
            match_label(node, m)
        ),
    }
}

fn takes_everything(proto: Proto, node: Node<'_>) -> bool {
    super::cover::is_catch_all(proto, node)
}

fn report(
    ck: &Checker<'_, '_>,
    vs: Vs<'_, '_>,
    proto: Proto,
    rules: &[Rule<'_>],
    rule: usize,
    takers: &[Taker],
) -> Diagnostic {
    let Some(r) = rules.iter().find(|r| r.index == rule) else {
        return ck.diagnostic(&META, vs.object, vs.spec_node.span(), "unreachable rule");
    };
    let label = rule_label(proto, r);
    let catch_all = takers
        .iter()
        .find(|t| {
            rules.iter().find(|x| x.index == t.rule).is_some_and(|x| {
                match t.matchn.and_then(|m| x.matches.get(m)) {
                    None => true,
                    Some(n) => takes_everything(proto, *n),
                }
            })
        })
        .copied();
    let rule_name = |t: &Taker| {
        rules
            .iter()
            .find(|x| x.index == t.rule)
            .map(|x| rule_label(proto, x))
            .unwrap_or_default()
    };
    let single = takers.iter().all(|t| t.rule == takers[0].rule);
    let message = match catch_all {
        Some(t) => format!(
            "rule {label} is never used: rule {}, before it, takes every request",
            rule_name(&t)
        ),
        None if single && takers.iter().all(|t| t.duplicate) => format!(
            "rule {label} is never used: rule {}, before it, has the same match",
            rule_name(&takers[0])
        ),
        None if single => format!(
            "rule {label} is never used: rule {}, before it, takes every request it matches",
            rule_name(&takers[0])
        ),
        None => format!("rule {label} is never used: earlier rules take every request it matches"),
    };
    let mut d = ck.diagnostic(&META, vs.object, rule_span(r), message);
    d.primary.message = "never reached".into();
    for t in takers {
        d.related.push(ck.label(
            vs.object,
            taker_span(rules, t),
            taker_words(proto, rules, t),
        ));
    }
    if catch_all.is_none() && !single && !r.matches.is_empty() {
        let explained: Vec<String> = r
            .matches
            .iter()
            .enumerate()
            .filter_map(|(j, m)| {
                let t = takers.iter().find(|t| {
                    super::cover::covers(
                        proto,
                        rules
                            .iter()
                            .find(|x| x.index == t.rule)
                            .and_then(|x| t.matchn.and_then(|k| x.matches.get(k)).copied()),
                        Some(*m),
                    )
                })?;
                Some(format!(
                    "{} → {}",
                    match_label(*m, j),
                    taker_words(proto, rules, t)
                ))
            })
            .collect();
        if !explained.is_empty() {
            d.notes
                .push(format!("its matches: {}", explained.join("; ")).into());
        }
    }
    d.notes.push(
        "Envoy tries a VirtualService's rules in order and uses the first whose match fits, so a rule whose requests an earlier rule already takes never routes anything (istioctl IST0130)"
            .into(),
    );
    d.help = Some(match catch_all {
        Some(_) => format!(
            "move {label} before the rule without a condition (keep the catch-all last), or delete it"
        ).into(),
        None => format!("move {label} before the broader rule, make its match more specific there, or delete it").into(),
    });
    d
}
