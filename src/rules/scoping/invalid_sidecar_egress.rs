use super::{is_dns1123_label, name_span, selector_span};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::hosts::{service_fqdn, split_service_fqdn};
use crate::model::{is_system_namespace, IstioObject};
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_kube::istio::SidecarSpec;
use mesh_lint_yaml::{Node, ScalarStyle};

declare_rule! {
    /// ## What it does
    /// Checks every Sidecar `egress[].hosts` entry the way Istio's validation and istiod read
    /// it:
    ///
    /// - an entry that is not `namespace/dnsName` (exactly one `/` separating two non-empty
    ///   parts) is an error: validation rejects it, and istiod skips it as an "Illegal host";
    /// - the namespace part must be `*`, `.`, `~` or a namespace name; `~ns/...` exclusions
    ///   exist only from Istio 1.31;
    /// - the dnsName must be `*`, a fully qualified name, or `*.` followed by one: short names
    ///   (`reviews`) and partial wildcards (`*reviews.com`) are rejected;
    /// - a warning for a namespace that the inputs do not have but that is one or two letters
    ///   away from one they declare (a typo; other unknown namespaces are left alone, since
    ///   repositories routinely name namespaces created elsewhere), and for a
    ///   `<name>.<ns>.svc.<domain>` host whose namespace's Services are among the inputs but
    ///   that no Service or ServiceEntry there defines;
    /// - a warning for a Sidecar with a `workloadSelector` in the MeshConfig root namespace
    ///   that selects no workload there, while the root namespace has no selector-less Sidecar:
    ///   it was probably meant as the mesh-wide default, which must have no selector.
    ///
    /// ## Why is this bad?
    /// A rejected Sidecar never applies (`kubectl apply` fails under the validating webhook).
    /// A skipped or misspelt entry silently imports nothing, so calls to those hosts leave the
    /// mesh's routing: they become passthrough traffic without mTLS, retries or policies, or
    /// are blocked under `REGISTRY_ONLY`. A root-namespace Sidecar with a selector only
    /// scopes the root namespace's own matching workloads; every other namespace stays
    /// unscoped.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// spec:
    ///   egress:
    ///     - hosts:
    ///         - "reviews.bookinfo.svc.cluster.local"
    ///         - "istio-system/istiod"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///         - "bookinfo/reviews.bookinfo.svc.cluster.local"
    ///         - "istio-system/*"
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the suggested entry (`*/host` for a missing namespace part, the Service's
    /// FQDN for a short name) is a guess at what was meant.
    ///
    /// ## References
    /// - Istio source: `pkg/config/validation/validation.go` ValidateSidecar; `pkg/config/validation/agent/validation.go` ValidateNamespaceSlashWildcardHostname, validateSidecarOrGatewayHostnamePart; `pilot/pkg/model/sidecar.go` convertIstioListenerToWrapper ("Illegal host"); `pilot/pkg/model/push_context.go` initSidecarScopes (root default: no selector)
    /// - [Istio: IstioEgressListener `hosts`](https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener)
    pub static META = {
        code: "MESH205",
        name: "invalid-sidecar-egress",
        area: "scoping",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "display",
        subject: Object,
        istioctl: [],
        summary: "Sidecar egress hosts Istio rejects or skips, unknown namespaces and hosts, a selector on the root default",
    };
}

pub struct InvalidSidecarEgress;

impl Rule for InvalidSidecarEgress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Hosts]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let declares_namespaces = ck.index.namespaces.values().any(|n| n.object.is_some());
        for sc in &ck.index.sidecars {
            let hosts = sc
                .spec_node
                .get("egress")
                .into_iter()
                .flat_map(|e| e.items())
                .filter_map(|listener| listener.get("hosts"))
                .flat_map(|h| h.items());
            for node in hosts {
                let Some(text) = node.as_str() else { continue };
                if let Some(d) = check_host(ck, sc, node, text, declares_namespaces) {
                    out.push(d);
                }
            }
        }
        check_root_selectors(ck, out);
    }
}

fn check_host(
    ck: &Checker<'_, '_>,
    sc: &IstioObject<'_, SidecarSpec<'_>>,
    node: Node<'_>,
    text: &str,
    declares_namespaces: bool,
) -> Option<Diagnostic> {
    let own = ck.index.objects[sc.object].ns();
    let error = |message: String, label: &str| {
        let mut d = ck.diagnostic(&META, sc.object, node.span(), message);
        d.primary.message = label.to_owned();
        d.notes.push("Istio's validation rejects the Sidecar (`kubectl apply` fails under the validating webhook); without it, istiod skips the entry and imports nothing for it".into());
        d
    };
    let Some((ns, host)) = text.split_once('/') else {
        let mut d = error(
            format!("egress host `{text}` is not of the form `namespace/dnsName`"),
            "no `namespace/` part",
        );
        let guess = format!("*/{text}");
        d.help = Some(
            format!(
                "write `{guess}` for the host from any namespace, or `<namespace>/{text}` for one"
            )
            .into(),
        );
        d.fix = replace(ck, sc, node, &guess);
        return Some(d);
    };
    if ns.is_empty() || host.is_empty() {
        let mut d = error(
            format!("egress host `{text}` has an empty namespace or dnsName"),
            "both parts are required",
        );
        d.help = Some(
            "write both parts: `./*` for the Sidecar's own namespace, `*/<host>` for a host from anywhere"
                .into(),
        );
        return Some(d);
    }
    if let Some(excluded) = ns.strip_prefix('~').filter(|r| !r.is_empty()) {
        if !ck.cx.istio_version.at_least(1, 31) {
            let mut d = error(
                format!(
                    "egress host `{text}` uses a `~` exclusion, which Istio {} does not have",
                    ck.cx.istio_version
                ),
                "exclusions need Istio 1.31",
            );
            d.help = Some(
                "list the namespaces to import instead, or pass `--istio-version 1.31` if the mesh runs it"
                    .into(),
            );
            return Some(d);
        }
        if excluded != "*" && !is_dns1123_label(excluded) {
            let mut d = error(
                format!(
                    "egress host `{text}` excludes `{excluded}`, which is not a namespace name"
                ),
                "invalid namespace",
            );
            d.help = Some(
                "write `~<namespace>/...` with a namespace name (lowercase letters, digits and `-`)"
                    .into(),
            );
            return Some(d);
        }
    } else if !matches!(ns, "*" | "." | "~") && !is_dns1123_label(ns) {
        let mut d = error(
            format!("egress host `{text}`: `{ns}` is not a namespace name"),
            "not `*`, `.`, `~` or a DNS-1123 label",
        );
        let lower = ns.to_ascii_lowercase();
        if is_dns1123_label(&lower) {
            d.help = Some(format!("namespace names are lowercase: write `{lower}/{host}`").into());
            d.fix = replace(ck, sc, node, &format!("{lower}/{host}"));
        } else {
            d.help = Some(
                "the namespace part is `*`, `.`, `~` or a namespace name (lowercase letters, digits and `-`)"
                    .into(),
            );
        }
        return Some(d);
    }
    if host != "*" && !host.contains('.') {
        let mut d = error(
            format!("egress host `{text}` uses the short name `{host}`"),
            "short names are not allowed here",
        );
        let target_ns = match ns {
            "." => Some(own),
            "*" | "~" => None,
            n if n.starts_with('~') => None,
            n => Some(n),
        };
        if let Some(target) = target_ns {
            let fqdn = service_fqdn(host, target, &ck.cx.cluster_domain);
            d.help = Some(format!(
                "Sidecar hosts are never expanded; write `{ns}/{fqdn}` for the Service, or `{ns}/*` for the whole namespace"
            ).into());
            d.fix = replace(ck, sc, node, &format!("{ns}/{fqdn}"));
        } else {
            d.help =
                Some("Sidecar hosts are never expanded; write the fully qualified name".into());
        }
        return Some(d);
    }
    let wildcard_ok = host == "*" || (host.starts_with("*.") && !host[2..].contains('*'));
    if host.contains('*') && !wildcard_ok {
        let mut d = error(
            format!("egress host `{text}` has a partial wildcard"),
            "`*` must be the whole first label",
        );
        d.help = Some("write `*.<domain>` for every subdomain, or the exact host".into());
        return Some(d);
    }
    unknown_target(ck, sc, node, text, ns, host, declares_namespaces)
}

/// Warnings for a namespace or Service host the inputs do not have, where they would.
fn unknown_target(
    ck: &Checker<'_, '_>,
    sc: &IstioObject<'_, SidecarSpec<'_>>,
    node: Node<'_>,
    text: &str,
    ns: &str,
    host: &str,
    declares_namespaces: bool,
) -> Option<Diagnostic> {
    let own = ck.index.objects[sc.object].ns();
    let root = ck.cx.mesh_config.root_namespace();
    let named = match ns {
        "." => Some(own),
        "*" | "~" => None,
        n if n.starts_with('~') => None,
        n => Some(n),
    };
    let known = |n: &str| ck.index.namespaces.contains_key(n);
    // A namespace the inputs do not have is reported only as a likely typo of one they do:
    // repositories routinely name namespaces created elsewhere (or later).
    if let Some(n) = named.filter(|n| !known(n) && !is_system_namespace(n) && *n != root) {
        let near = declares_namespaces
            .then(|| nearest_namespace(ck, n))
            .flatten()?;
        let mut d = ck.diagnostic(
            &META,
            sc.object,
            node.span(),
            format!("egress host `{text}` names namespace `{n}`, which is not among the inputs; did you mean `{near}`?"),
        );
        d.severity = Severity::Warning;
        d.primary.message = "unknown namespace".into();
        d.notes.push(format!("the inputs declare their Namespace objects and have `{near}`, one or two letters away; a misspelt namespace imports nothing").into());
        d.help = Some(format!("write `{near}/{host}`").into());
        d.fix = replace(ck, sc, node, &format!("{near}/{host}"));
        return Some(d);
    }
    if host.contains('*') {
        return None;
    }
    let (_, svc_ns) = split_service_fqdn(host, &ck.cx.cluster_domain)?;
    if named.is_some_and(|n| n != svc_ns) {
        return None; // `a/x.b.svc...` imports nothing: Service hosts are defined in their own namespace
    }
    // The namespace's Services are among the inputs (not just this Sidecar's neighbours).
    let has_manifests = ck.index.services_in(svc_ns).next().is_some();
    if !has_manifests {
        return None;
    }
    let lookup = ck.hosts().lookup(host, svc_ns);
    let defined = lookup
        .visible
        .iter()
        .chain(lookup.hidden.iter())
        .any(|e| e.namespace == svc_ns);
    if defined {
        return None;
    }
    let mut d = ck.diagnostic(
        &META,
        sc.object,
        node.span(),
        format!("egress host `{text}` matches no Service or ServiceEntry in `{svc_ns}`"),
    );
    d.severity = Severity::Warning;
    d.primary.message = "nothing to import".into();
    d.help = Some(
        format!("check the Service's name, or import the whole namespace with `{svc_ns}/*`").into(),
    );
    d.notes.push(format!(
        "the manifests of `{svc_ns}` are among the inputs and define no such host; the entry imports nothing"
    ).into());
    Some(d)
}

/// A Sidecar with a selector in the root namespace, where a selector-less one is the
/// mesh-wide default and none exists.
fn check_root_selectors(ck: &Checker<'_, '_>, out: &mut Findings) {
    let root = ck.cx.mesh_config.root_namespace();
    let ix = ck.index;
    let in_root = || {
        ix.sidecars
            .iter()
            .filter(|s| ix.objects[s.object].ns() == root && !ix.objects[s.object].is_shadowed())
    };
    if in_root().any(|s| s.spec.workload_selector.is_none()) {
        return;
    }
    for sc in in_root() {
        let Some(sel) = &sc.spec.workload_selector else {
            continue;
        };
        let selects_any = ix.workloads.iter().any(|w| {
            ix.objects[w.object].ns() == root
                && !ix.objects[w.object].is_shadowed()
                && (sel.labels.is_empty() || w.matches(&sel.labels))
        });
        if selects_any {
            continue;
        }
        let mut d = ck.diagnostic(
            &META,
            sc.object,
            selector_span(ck, sc),
            format!(
                "Sidecar `{}` in the root namespace `{root}` has a workloadSelector, so it is not the mesh-wide default",
                ix.objects[sc.object].name
            ),
        );
        d.severity = Severity::Warning;
        d.primary.message = "a selector limits it to workloads in the root namespace".into();
        d.notes.push(format!(
            "istiod uses as the default for namespaces without a Sidecar only a Sidecar in `{root}` whose `workloadSelector` is absent (even `{{}}` disqualifies it); with a selector it applies to matching workloads in `{root}` alone, and it selects none in the inputs"
        ).into());
        d.help = Some("remove `workloadSelector` to make it the mesh-wide default".into());
        d.related
            .push(ck.label(sc.object, name_span(ck, sc.object), "this Sidecar"));
        out.push(d);
    }
}

fn nearest_namespace<'c>(ck: &'c Checker<'_, '_>, name: &str) -> Option<&'c str> {
    ck.index
        .namespaces
        .keys()
        .map(|k| (strsim::levenshtein(k, name), k.as_str()))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// A display fix replacing the host entry, keeping its quotes.
fn replace(
    ck: &Checker<'_, '_>,
    sc: &IstioObject<'_, SidecarSpec<'_>>,
    node: Node<'_>,
    new: &str,
) -> Option<Fix> {
    let scalar = node.scalar()?;
    let needs_quotes = scalar.style == ScalarStyle::Plain && new.starts_with('*');
    let content = if needs_quotes {
        format!("\"{new}\"")
    } else {
        new.to_owned()
    };
    let edit = replace_scalar(ck, sc.object, node, &content)?;
    Some(Fix::new(
        format!("write `{new}`"),
        Applicability::Display,
        vec![edit],
    ))
}
