use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::COMPLETE_INPUTS_NOTE;
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an AuthorizationPolicy `from.source.namespaces` or `notNamespaces` entry that
    /// names no namespace of the inputs while one of them is a near miss (`bookinfo` for
    /// `bookinf0`, `prod-shop` for `prod-shpo`), as istioctl's IST0101 `namespace` does for any
    /// namespace it does not know. Namespaces are those the inputs declare (`kind: Namespace`)
    /// or place objects in, plus the root namespace. Wildcard entries (`prod-*`, `*-test`)
    /// are compared by their fixed part.
    ///
    /// A namespace simply absent from the inputs is not reported: policies routinely admit
    /// callers from namespaces that other repositories create (monitoring, ingress,
    /// `knative-serving`), which an offline linter cannot see. With `--complete-inputs` (config
    /// `complete-inputs: true`) the inputs are the whole cluster, and every entry that matches
    /// no namespace is reported, one finding per entry, as istioctl does.
    ///
    /// ## Why is this bad?
    /// The source namespace is matched exactly against the peer's identity
    /// (`spiffe://<trust domain>/ns/<namespace>/sa/<account>`). A misspelt namespace in an ALLOW
    /// rule admits nobody, so the callers it was written for get 403 `RBAC: access denied`; in
    /// `notNamespaces` of an ALLOW rule, or in a DENY rule, it opens the door it was meant to
    /// close.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata:
    ///   name: allow-frontend
    ///   namespace: shop
    /// spec:
    ///   rules:
    ///     - from:
    ///         - source:
    ///             namespaces: ["frontned"]   # the namespace is `frontend`
    /// ```
    ///
    /// Use instead: `namespaces: ["frontend"]`.
    ///
    /// ## Fix safety
    /// Unsafe fix: replaces the entry by the near-miss namespace; that it was meant is a guess.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/authz/authorizationpolicies.go` analyzeNamespaceNotFound, namespaceMatch (IST0101 `namespace`)
    /// - [Istio: AuthorizationPolicy Source](https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source)
    pub static META = {
        code: "MESH602",
        name: "unknown-source-namespace",
        area: "security",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: ["IST0101"],
        summary: "An AuthorizationPolicy source namespace that is a near miss of a namespace in the inputs",
    };
}

pub struct UnknownSourceNamespace;

impl Rule for UnknownSourceNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let root = ck.cx.mesh_config.root_namespace();
        let known: Vec<&str> = ck
            .index
            .namespaces
            .keys()
            .map(String::as_str)
            .chain(std::iter::once(root))
            .collect();
        for (id, o) in ck.index.by_kind("AuthorizationPolicy") {
            if o.group() != "security.istio.io" || o.is_shadowed() {
                continue;
            }
            for (field, entry) in source_namespaces(o.node) {
                if let Some(d) = check(ck, id, field, entry, &known) {
                    out.push(d);
                }
            }
        }
    }
}

/// Every `spec.rules[].from[].source.namespaces[]` and `.notNamespaces[]` scalar.
fn source_namespaces(node: Node<'_>) -> Vec<(&'static str, Node<'_>)> {
    let mut out = Vec::new();
    let Some(rules) = node.at_keys("spec.rules") else {
        return out;
    };
    for rule in rules.items() {
        let Some(from) = rule.get("from") else {
            continue;
        };
        for f in from.items() {
            let Some(source) = f.get("source") else {
                continue;
            };
            for field in ["namespaces", "notNamespaces"] {
                let Some(list) = source.get(field) else {
                    continue;
                };
                out.extend(list.items().map(|n| (field, n)));
            }
        }
    }
    out
}

fn check(
    ck: &Checker<'_, '_>,
    object: usize,
    field: &str,
    entry: Node<'_>,
    known: &[&str],
) -> Option<Diagnostic> {
    let pattern = entry.as_str()?;
    if pattern.is_empty() || known.iter().any(|ns| namespace_match(ns, pattern)) {
        return None;
    }
    let (fixed, wildcard) = fixed_part(pattern);
    let near = (fixed.len() >= 4)
        .then(|| nearest(fixed, wildcard, known))
        .flatten();
    let Some(near) = near else {
        // Absent without a near miss: usually a namespace created elsewhere, unless the inputs
        // were declared complete.
        return ck
            .cx
            .complete_inputs
            .then(|| not_found(ck, object, field, entry, pattern));
    };
    let replacement = match wildcard {
        Wildcard::None => near.to_owned(),
        Wildcard::Prefix => format!("*{near}"),
        Wildcard::Suffix => format!("{near}*"),
    };
    let obj = &ck.index.objects[object];
    let mut d = ck.diagnostic(
        &META,
        object,
        entry.span(),
        format!(
            "AuthorizationPolicy `{}` source `{field}` entry `{pattern}` matches no namespace in the inputs; did you mean `{replacement}`?",
            obj.qualified_name()
        ),
    );
    d.primary.message = "no such namespace".into();
    d.notes.push(effect_note(field).into());
    if let Some(info) = ck.index.namespaces.get(near) {
        if let Some(ns_obj) = info.object {
            let node = ck.index.objects[ns_obj].node;
            let span = node.at_keys("metadata.name").unwrap_or(node).span();
            d.related
                .push(ck.label(ns_obj, span, format!("namespace `{near}` is declared here")));
        }
    }
    if let Some(edit) = replace_scalar(ck, object, entry, &replacement) {
        d.fix = Some(Fix::new(
            format!("replace `{pattern}` by `{replacement}`"),
            Applicability::Unsafe,
            vec![edit],
        ));
    }
    d.help = Some(format!(
        "if `{pattern}` is a namespace created elsewhere, suppress this finding; otherwise use `{replacement}`"
    ).into());
    Some(d)
}

/// Why a source namespace that matches none costs something, in Istio's terms.
fn effect_note(field: &str) -> String {
    let effect = if field == "namespaces" {
        "in an ALLOW rule it admits nobody from there; in a DENY rule it denies nobody"
    } else {
        "in `notNamespaces` it excludes nobody, so the rule matches the namespace it was meant to leave out"
    };
    format!(
        "a source namespace is matched exactly (or by a leading or trailing `*`) against the namespace in the peer's mTLS identity; {effect} (istioctl IST0101)"
    )
}

/// A source namespace that matches no namespace of inputs declared complete, with no near miss.
fn not_found(
    ck: &Checker<'_, '_>,
    object: usize,
    field: &str,
    entry: Node<'_>,
    pattern: &str,
) -> Diagnostic {
    let obj = &ck.index.objects[object];
    let mut d = ck.diagnostic(
        &META,
        object,
        entry.span(),
        format!(
            "AuthorizationPolicy `{}` source `{field}` entry `{pattern}` matches no namespace in the inputs",
            obj.qualified_name()
        ),
    );
    d.primary.message = "no such namespace".into();
    d.notes.push(effect_note(field).into());
    d.notes.push(COMPLETE_INPUTS_NOTE.into());
    d.help = Some(
        format!("name a namespace that exists, or remove `{pattern}` if the namespace is gone")
            .into(),
    );
    d
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wildcard {
    None,
    /// `*-test`: the fixed part is a suffix.
    Prefix,
    /// `prod-*`: the fixed part is a prefix.
    Suffix,
}

fn fixed_part(pattern: &str) -> (&str, Wildcard) {
    if let Some(rest) = pattern.strip_prefix('*') {
        return (rest, Wildcard::Prefix);
    }
    if let Some(rest) = pattern.strip_suffix('*') {
        return (rest, Wildcard::Suffix);
    }
    (pattern, Wildcard::None)
}

/// Istio's namespace matching for `source.namespaces` (`*`, `*suffix`, `prefix*`, exact).
fn namespace_match(ns: &str, pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match fixed_part(pattern) {
        (s, Wildcard::Prefix) => ns.ends_with(s),
        (p, Wildcard::Suffix) => ns.starts_with(p),
        (exact, Wildcard::None) => ns == exact,
    }
}

/// The known namespace (or, for a wildcard, the part of one) within edit distance 2 of
/// `fixed`, and nearer than 1 edit per 4 characters: a typo, not another name.
fn nearest<'k>(fixed: &str, wildcard: Wildcard, known: &[&'k str]) -> Option<&'k str> {
    let budget = (fixed.len() / 4).clamp(1, 2);
    known
        .iter()
        .filter_map(|ns| {
            let candidate: &'k str = match wildcard {
                Wildcard::None => ns,
                Wildcard::Prefix => ns.get(ns.len().saturating_sub(fixed.len())..)?,
                Wildcard::Suffix => ns.get(..fixed.len().min(ns.len()))?,
            };
            let d = strsim::levenshtein(fixed, candidate);
            (d > 0 && d <= budget).then_some((d, candidate))
        })
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_istio() {
        assert!(namespace_match("prod-httpbin", "prod-*"));
        assert!(namespace_match("httpbin-test", "*-test"));
        assert!(namespace_match("x", "*"));
        assert!(!namespace_match("httpbin", "*-bogus"));
    }

    #[test]
    fn near_misses_only() {
        let known = ["frontend", "istio-system", "shop"];
        assert_eq!(
            nearest("frontned", Wildcard::None, &known),
            Some("frontend")
        );
        assert_eq!(
            nearest("istio-sytem", Wildcard::None, &known),
            Some("istio-system")
        );
        assert_eq!(nearest("monitoring", Wildcard::None, &known), None);
        assert_eq!(nearest("shop", Wildcard::None, &known), None);
    }
}
