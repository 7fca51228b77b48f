//! Whether one VirtualService match condition takes every request another one would: the
//! question behind unreachable rules (MESH309) and redundant matches (MESH310).
//!
//! Envoy tries a VirtualService's rules in order and the first rule with a matching condition
//! wins. Match `a` *covers* match `b` when every request `b` matches, `a` matches too: each
//! condition `a` sets is implied by a condition `b` sets. Istio's own check
//! (`pkg/config/validation/validation.go` analyzeUnreachableHTTPRules, coveredValidation) only
//! compares identical matches and URI prefixes, defaults a missing `method` to `GET` and reads
//! a header `regex` as no condition; here a missing condition is "anything", regexes are
//! compared as written, and a field this module does not understand in `a` makes it cover
//! nothing (so the answer errs towards "reachable").

use mesh_lint_yaml::{Node, NodeKind};

/// The three route lists of a VirtualService, whose match fields differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Http,
    Tcp,
    Tls,
}

impl Proto {
    pub fn key(self) -> &'static str {
        match self {
            Proto::Http => "http",
            Proto::Tcp => "tcp",
            Proto::Tls => "tls",
        }
    }
}

/// A match condition: a `match` item, or `None` for a rule without `match` (every request).
pub type Cond<'a> = Option<Node<'a>>;

/// Whether condition `a` matches every request that condition `b` matches.
pub fn covers(proto: Proto, a: Cond<'_>, b: Cond<'_>) -> bool {
    let Some(a) = a else { return true };
    if is_catch_all(proto, a) {
        return true;
    }
    let Some(b) = b else { return false };
    if same_ignoring_name(a, b) {
        return true;
    }
    if a.kind() != NodeKind::Mapping || b.kind() != NodeKind::Mapping {
        return false;
    }
    a.entries().all(|(k, va)| {
        let Some(key) = k.as_str() else { return false };
        if va.is_null() || IGNORED.contains(&key) {
            return true;
        }
        let vb = b.get(key).filter(|n| !n.is_null());
        implied(proto, key, va, vb, a, b)
    })
}

/// Whether condition `a` matches every request: no `match`, an empty match, or (HTTP) only a
/// URI prefix `/`, which every path starts with.
pub fn is_catch_all(proto: Proto, a: Node<'_>) -> bool {
    if a.is_null() {
        return true;
    }
    if a.kind() != NodeKind::Mapping {
        return false;
    }
    a.entries().all(|(k, v)| {
        let key = k.as_str().unwrap_or("");
        v.is_null()
            || IGNORED.contains(&key)
            || (proto == Proto::Http
                && key == "uri"
                && matches!(string_match(v), Some(Sm::Prefix("/") | Sm::Regex(".*"))))
    })
}

/// Fields that do not restrict which requests match: a name for logs and stats, and the URI
/// case flag (read together with `uri`).
const IGNORED: [&str; 3] = ["name", "statPrefix", "ignoreUriCase"];

fn implied(
    proto: Proto,
    key: &str,
    va: Node<'_>,
    vb: Option<Node<'_>>,
    a: Node<'_>,
    b: Node<'_>,
) -> bool {
    match (proto, key) {
        (Proto::Http, "uri") => {
            let ia = a.get("ignoreUriCase").and_then(|n| n.as_bool()) == Some(true);
            let ib = b.get("ignoreUriCase").and_then(|n| n.as_bool()) == Some(true);
            string_implied(va, vb, ia, ib)
        }
        (Proto::Http, "scheme" | "method" | "authority") => string_implied(va, vb, false, false),
        (Proto::Http, "headers") => map_implied(va, vb, true),
        (Proto::Http, "queryParams") => map_implied(va, vb, false),
        (Proto::Http, "withoutHeaders") => without_implied(va, vb),
        (Proto::Tls, "sniHosts") => sni_implied(va, vb),
        (_, "port" | "sourceNamespace" | "sourceSubnet") => {
            vb.is_some_and(|vb| scalar_text(va).is_some() && scalar_text(va) == scalar_text(vb))
        }
        (_, "sourceLabels") => labels_implied(va, vb),
        // `a` applies on the listed gateways only: `b` must be limited to some of them.
        (_, "gateways") => subset_of(vb, va),
        (Proto::Tcp | Proto::Tls, "destinationSubnets") => subset_of(vb, va),
        _ => false,
    }
}

/// One `StringMatch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sm<'a> {
    Exact(&'a str),
    Prefix(&'a str),
    Regex(&'a str),
    /// `{}`: for headers, "present"; elsewhere no condition.
    Any,
}

fn string_match(n: Node<'_>) -> Option<Sm<'_>> {
    if n.kind() != NodeKind::Mapping {
        return None;
    }
    let mut out = Sm::Any;
    for (k, v) in n.entries() {
        if v.is_null() {
            continue;
        }
        let text = v.as_str()?;
        let sm = match k.as_str()? {
            "exact" => Sm::Exact(text),
            "prefix" => Sm::Prefix(text),
            "regex" => Sm::Regex(text),
            _ => return None,
        };
        if out != Sm::Any {
            return None;
        }
        out = sm;
    }
    Some(out)
}

/// Whether the `StringMatch` `a` accepts every value `b` accepts (`b` absent: any value).
/// `ia`/`ib`: case-insensitive comparison (the URI's `ignoreUriCase`).
fn string_implied(a: Node<'_>, b: Option<Node<'_>>, ia: bool, ib: bool) -> bool {
    let Some(sa) = string_match(a) else {
        return false;
    };
    if matches!(sa, Sm::Any | Sm::Prefix("")) || sa == Sm::Regex(".*") {
        return true;
    }
    let Some(sb) = b.and_then(string_match) else {
        return false;
    };
    // `b` ignoring case accepts variants `a` (case-sensitive) rejects, unless no letters differ.
    let fold = |s: &str| {
        if ia {
            s.to_ascii_lowercase()
        } else {
            s.to_owned()
        }
    };
    if ib && !ia {
        let caseless = |s: &str| !s.chars().any(|c| c.is_ascii_alphabetic());
        let plain = match sb {
            Sm::Exact(s) | Sm::Prefix(s) => caseless(s),
            _ => false,
        };
        if !plain {
            return false;
        }
    }
    match (sa, sb) {
        (Sm::Exact(x), Sm::Exact(y)) => fold(x) == fold(y),
        (Sm::Prefix(x), Sm::Exact(y) | Sm::Prefix(y)) => fold(y).starts_with(&fold(x)),
        (Sm::Regex(x), Sm::Regex(y)) => x == y && (ia == ib),
        _ => false,
    }
}

/// Headers or query parameters: every key `a` tests must be tested by `b` at least as
/// strictly. Header names are case-insensitive (Envoy lowercases them).
fn map_implied(a: Node<'_>, b: Option<Node<'_>>, headers: bool) -> bool {
    if a.kind() != NodeKind::Mapping {
        return false;
    }
    let same = |x: &str, y: &str| {
        if headers {
            x.eq_ignore_ascii_case(y)
        } else {
            x == y
        }
    };
    a.entries().all(|(k, va)| {
        let Some(name) = k.as_str() else { return false };
        let Some(vb) = b
            .into_iter()
            .flat_map(|b| b.entries())
            .find(|(kb, _)| kb.as_str().is_some_and(|kb| same(kb, name)))
            .map(|(_, v)| v)
        else {
            return false;
        };
        // `{}` (or null) on `a`'s side: the key only has to be present, which `b` requires.
        va.is_null() || string_implied(va, Some(vb), false, false)
    })
}

/// `withoutHeaders`: `a` rejects requests carrying these headers; `b` must reject them too,
/// written the same way.
fn without_implied(a: Node<'_>, b: Option<Node<'_>>) -> bool {
    let Some(b) = b else { return false };
    a.entries().all(|(k, va)| {
        k.as_str().is_some_and(|name| {
            b.entries().any(|(kb, vb)| {
                kb.as_str().is_some_and(|kb| kb.eq_ignore_ascii_case(name)) && same_tree(va, vb)
            })
        })
    })
}

/// `sourceLabels`: `b` selects only workloads carrying all of `a`'s labels.
fn labels_implied(a: Node<'_>, b: Option<Node<'_>>) -> bool {
    let Some(b) = b else { return false };
    a.entries().all(|(k, va)| {
        let (Some(key), Some(val)) = (k.as_str(), scalar_text(va)) else {
            return false;
        };
        b.get(key).and_then(scalar_text) == Some(val)
    })
}

/// Every item of sequence `small` is in sequence `big`; an absent or empty `small` is "any",
/// which no list contains.
fn subset_of(small: Option<Node<'_>>, big: Node<'_>) -> bool {
    let Some(small) = small else { return false };
    let big: Vec<&str> = big.items().filter_map(scalar_text).collect();
    small.items().next().is_some()
        && small
            .items()
            .all(|i| scalar_text(i).is_some_and(|s| big.contains(&s)))
}

/// TLS `sniHosts`: each SNI `b` accepts is one of `a`'s, or under a wildcard of `a`'s.
fn sni_implied(a: Node<'_>, b: Option<Node<'_>>) -> bool {
    let Some(b) = b else { return false };
    let ours: Vec<&str> = a.items().filter_map(scalar_text).collect();
    b.items().next().is_some()
        && b.items().all(|i| {
            scalar_text(i).is_some_and(|h| {
                ours.iter().any(|o| {
                    *o == h
                        || *o == "*"
                        || o.strip_prefix('*').is_some_and(|suffix| {
                            h.len() > suffix.len() && h.ends_with(suffix) && !h.starts_with('*')
                                || h.starts_with('*') && h[1..].ends_with(suffix)
                        })
                })
            })
        })
}

fn scalar_text(n: Node<'_>) -> Option<&str> {
    n.as_str()
}

/// Two match conditions written alike apart from `name` (istioctl's duplicate test, which
/// serializes both without the name).
pub fn same_ignoring_name(a: Node<'_>, b: Node<'_>) -> bool {
    if a.kind() != NodeKind::Mapping || b.kind() != NodeKind::Mapping {
        return same_tree(a, b);
    }
    let keyed = |n: Node<'_>| {
        n.entries()
            .filter(|(k, v)| k.as_str() != Some("name") && !v.is_null())
            .count()
    };
    keyed(a) == keyed(b)
        && a.entries()
            .filter(|(k, v)| k.as_str() != Some("name") && !v.is_null())
            .all(|(k, va)| {
                k.as_str()
                    .and_then(|key| b.get(key))
                    .is_some_and(|vb| same_tree(va, vb))
            })
}

/// Structural equality: scalars by text, mappings regardless of key order, sequences in order.
pub fn same_tree(a: Node<'_>, b: Node<'_>) -> bool {
    match (a.kind(), b.kind()) {
        (NodeKind::Scalar, NodeKind::Scalar) => a.as_str() == b.as_str(),
        (NodeKind::Sequence, NodeKind::Sequence) => {
            a.len() == b.len() && a.items().zip(b.items()).all(|(x, y)| same_tree(x, y))
        }
        (NodeKind::Mapping, NodeKind::Mapping) => {
            a.len() == b.len()
                && a.entries().all(|(k, va)| {
                    k.as_str()
                        .and_then(|key| b.get(key))
                        .is_some_and(|vb| same_tree(va, vb))
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_lint_yaml::{parse_stream, Limits};

    fn check(proto: Proto, a: &str, b: &str) -> bool {
        let da = parse_stream(a, &Limits::default());
        let db = parse_stream(b, &Limits::default());
        covers(proto, da[0].root(), db[0].root())
    }

    #[test]
    fn http_uri_and_method() {
        let h = Proto::Http;
        assert!(check(
            h,
            "{uri: {prefix: /api}}",
            "{uri: {prefix: /api/v1}}"
        ));
        assert!(check(
            h,
            "{uri: {prefix: /api}}",
            "{uri: {exact: /api}, method: {exact: GET}}"
        ));
        assert!(!check(
            h,
            "{uri: {prefix: /api/v1}}",
            "{uri: {prefix: /api}}"
        ));
        // No method on `a` means any method (istioctl assumes GET).
        assert!(check(
            h,
            "{uri: {prefix: /p}}",
            "{uri: {prefix: /products}, method: {exact: POST}}"
        ));
        assert!(!check(
            h,
            "{uri: {prefix: /p}, method: {exact: GET}}",
            "{uri: {prefix: /products}}"
        ));
        assert!(check(h, "{uri: {prefix: /}}", "{headers: {x: {exact: y}}}"));
        assert!(!check(h, "{uri: {regex: a.*}}", "{uri: {exact: abc}}"));
        assert!(check(h, "{uri: {regex: a.*}}", "{uri: {regex: a.*}}"));
        // The same regex, and `b` tests more: covered (regexes are compared as text).
        assert!(check(
            h,
            "{uri: {regex: a.*}}",
            "{uri: {regex: a.*}, method: {exact: GET}}"
        ));
        assert!(!check(
            h,
            "{uri: {regex: a.*}}",
            "{uri: {regex: a.*}, ignoreUriCase: true}"
        ));
    }

    #[test]
    fn http_headers_and_case() {
        let h = Proto::Http;
        assert!(check(
            h,
            "{headers: {X-User: {exact: a}}}",
            "{headers: {x-user: {exact: a}}, uri: {prefix: /}}"
        ));
        assert!(!check(
            h,
            "{headers: {x: {regex: a}}}",
            "{headers: {x: {regex: b}}}"
        ));
        assert!(check(h, "{headers: {x: {}}}", "{headers: {x: {exact: b}}}"));
        assert!(!check(h, "{headers: {x: {exact: a}}}", "{}"));
        assert!(check(
            h,
            "{uri: {prefix: /API}, ignoreUriCase: true}",
            "{uri: {prefix: /api/x}}"
        ));
        assert!(!check(
            h,
            "{uri: {prefix: /api}}",
            "{uri: {prefix: /api/x}, ignoreUriCase: true}"
        ));
        // Without letters, ignoring case changes nothing: `/1` covers `/1/2` either way.
        assert!(check(
            h,
            "{uri: {prefix: /1}}",
            "{uri: {prefix: /1/2}, ignoreUriCase: true}"
        ));
        assert!(check(
            h,
            "{uri: {prefix: /1}}",
            "{uri: {exact: /123}, ignoreUriCase: true}"
        ));
        assert!(!check(h, "{sourceLabels: {app: a}}", "{}"));
        assert!(check(
            h,
            "{sourceLabels: {app: a}}",
            "{sourceLabels: {app: a, v: '1'}}"
        ));
        assert!(!check(h, "{gateways: [g1]}", "{}"));
        assert!(check(h, "{gateways: [g1, g2]}", "{gateways: [g2]}"));
        assert!(!check(h, "{unknownField: 1}", "{unknownField: 2}"));
        assert!(check(
            h,
            "{unknownField: 1, name: a}",
            "{unknownField: 1, name: b}"
        ));
    }

    #[test]
    fn tcp_and_tls() {
        assert!(check(
            Proto::Tcp,
            "{port: 31400}",
            "{port: 31400, sourceLabels: {a: b}}"
        ));
        assert!(!check(Proto::Tcp, "{port: 31400}", "{port: 31401}"));
        assert!(check(
            Proto::Tls,
            "{port: 443, sniHosts: ['*.a.com']}",
            "{port: 443, sniHosts: [x.a.com]}"
        ));
        assert!(!check(
            Proto::Tls,
            "{sniHosts: [x.a.com]}",
            "{sniHosts: ['*.a.com']}"
        ));
    }

    #[test]
    fn no_match_covers_everything() {
        let d = parse_stream("{uri: {exact: /x}}", &Limits::default());
        let b = d[0].root();
        assert!(covers(Proto::Http, None, b));
        assert!(!covers(Proto::Http, b, None));
    }
}
