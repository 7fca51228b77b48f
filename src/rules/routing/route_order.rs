//! The first-match walk over one route list (`http`, `tcp` or `tls`) of a VirtualService:
//! which rules no request can reach and which match conditions never decide anything.
//! Shared by MESH309 (unreachable rules) and MESH310 (redundant matches).

use super::cover::{covers, same_ignoring_name, Cond, Proto};
use mesh_lint_yaml::{Node, NodeKind};

/// One rule of a route list with its match conditions.
pub struct Rule<'a> {
    pub index: usize,
    pub node: Node<'a>,
    /// The `match` items; empty for a rule without `match` (it takes every request).
    pub matches: Vec<Node<'a>>,
}

impl<'a> Rule<'a> {
    /// `name` (HTTP rules only have one).
    pub fn name(&self) -> Option<&'a str> {
        self.node.get("name").and_then(|n| n.as_str())
    }

    pub fn conds(&self) -> Vec<Cond<'a>> {
        if self.matches.is_empty() {
            vec![None]
        } else {
            self.matches.iter().map(|m| Some(*m)).collect()
        }
    }
}

/// Which earlier condition takes a request first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taker {
    pub rule: usize,
    /// `None`: the rule has no `match`.
    pub matchn: Option<usize>,
    /// Written the same way (istioctl's duplicate), rather than broader.
    pub duplicate: bool,
}

/// What the walk found.
pub enum Finding {
    /// Rule `rule` is never used: each of its conditions is taken by an earlier rule.
    Unreachable { rule: usize, takers: Vec<Taker> },
    /// Condition `matchn` of rule `rule` never decides anything: an earlier condition takes all
    /// its requests (of an earlier rule, or of the same rule, which routes them alike).
    Redundant {
        rule: usize,
        matchn: usize,
        taker: Taker,
    },
}

/// The rules of `list` (a sequence node), skipping items that are not mappings.
pub fn rules<'a>(list: Option<Node<'a>>) -> Vec<Rule<'a>> {
    list.into_iter()
        .flat_map(|l| l.items())
        .enumerate()
        .filter(|(_, n)| n.kind() == NodeKind::Mapping)
        .map(|(index, node)| Rule {
            index,
            node,
            matches: node
                .get("match")
                .into_iter()
                .flat_map(|m| m.items())
                .collect(),
        })
        .collect()
}

/// A condition `(rule, match)` with the condition that takes it directly and the one of an
/// earlier rule it resolves to.
type Dead = ((usize, Option<usize>), Option<Taker>, Option<Taker>);

/// Beyond this many conditions in one list the pairwise walk is skipped (generated
/// VirtualServices with thousands of matches): quadratic work for a style finding.
const MAX_CONDITIONS: usize = 2000;

/// Walks `rules` in the order Envoy tries their conditions. With `sort_catch_all` (HTTP
/// routes of a VirtualService that only gateways apply), conditions that take every path
/// are tried last, as pilot's `SortVHostRoutes` orders a gateway's routes.
pub fn analyze(proto: Proto, rules: &[Rule<'_>], sort_catch_all: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    if rules.iter().map(|r| r.matches.len().max(1)).sum::<usize>() > MAX_CONDITIONS {
        return out;
    }
    // (rule, match index, condition) in the order Envoy tries them.
    let mut seq: Vec<(usize, Option<usize>, Cond<'_>)> = rules
        .iter()
        .flat_map(|r| {
            let indexed = !r.matches.is_empty();
            r.conds()
                .into_iter()
                .enumerate()
                .map(move |(j, c)| (r.index, indexed.then_some(j), c))
        })
        .collect();
    if sort_catch_all {
        // A stable partition: `sort_by_key` keeps equal keys in order.
        seq.sort_by_key(|(_, _, c)| is_envoy_catch_all(*c));
    }
    // Per (rule, match): the condition that takes it, resolved to an earlier rule when the
    // direct taker is a condition of the same rule that is itself taken.
    let mut dead: Vec<Dead> = Vec::new();
    for (p, &(r, m, c)) in seq.iter().enumerate() {
        let earlier = &seq[..p];
        let other = earlier
            .iter()
            .find(|(r2, _, a)| *r2 != r && covers(proto, *a, c))
            .map(|&(r2, m2, a)| taker(r2, m2, a, c));
        let same = || {
            earlier
                .iter()
                .find(|(r2, _, a)| *r2 == r && covers(proto, *a, c))
                .map(|&(r2, m2, a)| taker(r2, m2, a, c))
        };
        let direct = other.or_else(same);
        let resolved = match direct {
            Some(t) if t.rule != r => Some(t),
            Some(t) => dead
                .iter()
                .find(|(key, _, _)| *key == (t.rule, t.matchn))
                .and_then(|(_, _, res)| *res),
            None => None,
        };
        dead.push(((r, m), direct, resolved));
    }
    for rule in rules {
        let mine: Vec<&Dead> = dead
            .iter()
            .filter(|((r, _), _, _)| *r == rule.index)
            .collect();
        if !mine.is_empty() && mine.iter().all(|(_, _, res)| res.is_some()) {
            let mut takers: Vec<Taker> = Vec::new();
            let mut by_match: Vec<_> = mine.clone();
            by_match.sort_by_key(|((_, m), _, _)| *m);
            for (_, _, res) in by_match {
                if let Some(t) = res {
                    if !takers.contains(t) {
                        takers.push(*t);
                    }
                }
            }
            out.push(Finding::Unreachable {
                rule: rule.index,
                takers,
            });
            continue;
        }
        let mut covered: Vec<(usize, Taker)> = mine
            .iter()
            .filter_map(|((_, m), direct, _)| Some(((*m)?, (*direct)?)))
            .collect();
        covered.sort_by_key(|(m, _)| *m);
        for (matchn, taker) in covered {
            out.push(Finding::Redundant {
                rule: rule.index,
                matchn,
                taker,
            });
        }
    }
    out
}

/// A condition Envoy treats as taking every path (`IsCatchAllRoute`): no match, or only a
/// URI prefix `/` or regex `.*`; the fields pilot resolves while building routes (port,
/// gateways, source labels and namespace) do not count.
pub fn is_envoy_catch_all(c: Cond<'_>) -> bool {
    let Some(n) = c else { return true };
    if n.is_null() {
        return true;
    }
    if n.kind() != NodeKind::Mapping {
        return false;
    }
    n.entries().all(|(k, v)| {
        let key = k.as_str().unwrap_or("");
        v.is_null()
            || matches!(
                key,
                "name"
                    | "statPrefix"
                    | "ignoreUriCase"
                    | "port"
                    | "gateways"
                    | "sourceLabels"
                    | "sourceNamespace"
            )
            || (key == "uri"
                && (v.get("prefix").and_then(|p| p.as_str()) == Some("/")
                    || v.get("regex").and_then(|p| p.as_str()) == Some(".*")))
    })
}

fn taker(rule: usize, matchn: Option<usize>, a: Cond<'_>, b: Cond<'_>) -> Taker {
    let duplicate = match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same_ignoring_name(a, b),
        _ => false,
    };
    Taker {
        rule,
        matchn,
        duplicate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_lint_yaml::{parse_stream, Limits};

    fn run(proto: Proto, yaml: &str) -> Vec<String> {
        run_sorted(proto, yaml, false)
    }

    fn run_sorted(proto: Proto, yaml: &str, sort: bool) -> Vec<String> {
        let docs = parse_stream(yaml, &Limits::default());
        let rs = rules(docs[0].root());
        analyze(proto, &rs, sort)
            .iter()
            .map(|f| match f {
                Finding::Unreachable { rule, takers } => format!(
                    "unreachable {rule} by {:?}",
                    takers
                        .iter()
                        .map(|t| (t.rule, t.matchn))
                        .collect::<Vec<_>>()
                ),
                Finding::Redundant {
                    rule,
                    matchn,
                    taker,
                } => format!(
                    "redundant {rule}.{matchn} by {}.{:?}",
                    taker.rule, taker.matchn
                ),
            })
            .collect()
    }

    #[test]
    fn catch_all_before_others() {
        let f = run(
            Proto::Http,
            "[{route: []}, {match: [{uri: {prefix: /a}}]}, {route: []}]",
        );
        assert_eq!(
            f,
            [
                "unreachable 1 by [(0, None)]",
                "unreachable 2 by [(0, None)]"
            ]
        );
    }

    #[test]
    fn duplicates_and_overlaps() {
        let f = run(
            Proto::Http,
            "[{match: [{uri: {prefix: /api}}]}, {match: [{uri: {prefix: /api/v1}}, {uri: {prefix: /potato}}]}]",
        );
        assert_eq!(f, ["redundant 1.0 by 0.Some(0)"]);
        let f = run(
            Proto::Http,
            "[{match: [{uri: {prefix: /p}}, {uri: {prefix: /products}}]}]",
        );
        assert_eq!(f, ["redundant 0.1 by 0.Some(0)"]);
        // A condition taken by its own rule's condition that an earlier rule takes.
        let f = run(
            Proto::Http,
            "[{match: [{uri: {prefix: /a}}]}, {match: [{uri: {prefix: /a/b}}, {uri: {prefix: /a/b/c}}]}]",
        );
        assert_eq!(f, ["unreachable 1 by [(0, Some(0))]"]);
    }

    #[test]
    fn gateways_try_catch_alls_last() {
        let yaml = "[{route: []}, {match: [{uri: {prefix: /a}}]}, {match: [{uri: {prefix: /}}]}]";
        assert_eq!(
            run_sorted(Proto::Http, yaml, true),
            ["unreachable 2 by [(0, None)]"]
        );
        assert_eq!(
            run(Proto::Http, yaml),
            [
                "unreachable 1 by [(0, None)]",
                "unreachable 2 by [(0, None)]"
            ]
        );
    }

    #[test]
    fn last_catch_all_is_fine() {
        assert!(run(Proto::Tcp, "[{match: [{port: 1}]}, {route: []}]").is_empty());
        assert_eq!(
            run(Proto::Tcp, "[{route: []}, {route: []}]"),
            ["unreachable 1 by [(0, None)]"]
        );
    }
}
