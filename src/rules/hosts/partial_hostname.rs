use super::{entry_label, registry, replace_host};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::host_refs::HostRef;
use crate::model::hosts::{classify, service_fqdn, HostForm};
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a dotted host that is not fully qualified, such as `reviews.bookinfo` or
    /// `reviews.bookinfo.svc`, in a VirtualService (`hosts`, route destinations, mirrors) or
    /// a DestinationRule `host`, when its expansion names a Service in the inputs (error) or a
    /// namespace in the inputs (warning). A partial wildcard such as `*.foo.svc` is an error
    /// too: it never matches `name.foo.svc.<domain>`.
    ///
    /// The `hosts` of a VirtualService bound only to gateways are not checked: a gateway
    /// matches them against the `Host` header clients send, and `grafana.monitoring` can be
    /// exactly that.
    ///
    /// ## Why is this bad?
    /// Istio only expands hosts without dots. Any host with a dot is used literally, so
    /// `reviews.bookinfo` is the host `reviews.bookinfo`, not the Service
    /// `reviews.bookinfo.svc.cluster.local`. It matches no Kubernetes Service: the
    /// DestinationRule never applies and the route sends traffic nowhere (503 `NR`), with no
    /// error from the API server or istiod. Kubernetes DNS search paths make the same name
    /// work from a pod, which is why this looks right.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata:
    ///   name: ratings
    ///   namespace: bookinfo
    /// spec:
    ///   host: ratings.bookinfo
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   host: ratings.bookinfo.svc.cluster.local
    /// ```
    ///
    /// ## Fix safety
    /// The fix writes `name.namespace.svc.<cluster-domain>`. It is **unsafe**: the rule starts
    /// applying to traffic it never touched before, which is the intent but changes behaviour.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/config.go` ResolveShortnameToFQDN (dotted names are literal), MostSpecificHostMatch (wildcards match as literal suffixes); cluster domain: istiod `--domain`, default `cluster.local`
    /// - [Istio: DestinationRule `host`](https://istio.io/latest/docs/reference/config/networking/destination-rule/#DestinationRule)
    pub static META = {
        code: "MESH302",
        name: "partial-hostname",
        area: "hosts",
        severity: Error,
        fix: Always,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: [],
        summary: "A dotted host that is not fully qualified (`reviews.bookinfo`), which Istio uses literally",
    };
}

pub struct PartialHostname;

impl Rule for PartialHostname {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Hosts, Model::HostRefs, Model::Routing]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        super::check_each_ref(ck, out, check);
    }
}

/// `(name, namespace)` when `host` is `name.ns`, `name.ns.svc` or `name.ns.svc.<a prefix of
/// the domain>`; `None` for anything else (external names, FQDNs).
pub fn partial_parts<'h>(host: &'h str, domain: &str) -> Option<(&'h str, &'h str)> {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    match labels.as_slice() {
        [name, ns] => Some((name, ns)),
        [name, ns, "svc"] => Some((name, ns)),
        [name, ns, "svc", rest @ ..] => {
            let rest = rest.join(".");
            let partial = rest != domain && domain.starts_with(&format!("{rest}."));
            partial.then_some((*name, *ns))
        }
        _ => None,
    }
}

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    if !r.field.is_resolved() || super::is_gateway_host(ck, r) {
        return None;
    }
    let form = classify(r.host);
    if !matches!(form, HostForm::Dotted | HostForm::Wildcard) {
        return None;
    }
    let reg = registry(ck);
    let domain = &ck.cx.cluster_domain;
    // A ServiceEntry may define the literal name; then it is not a mistake.
    if reg.has_literal(r.host) {
        return None;
    }
    if form == HostForm::Wildcard {
        return partial_wildcard(ck, r);
    }
    let (name, ns) = partial_parts(r.host, domain)?;
    let fqdn = service_fqdn(name, ns, domain);
    let svc = reg.service(name, ns);
    if svc.is_none() && !ck.index.namespaces.contains_key(ns) {
        return None;
    }
    let mut d = ck.diagnostic(
        &META,
        r.object,
        r.node.span(),
        format!(
            "host `{}` is not fully qualified: Istio reads it literally, not as `{fqdn}`",
            r.host
        ),
    );
    d.primary.message = "matches no Kubernetes Service".into();
    d.notes.push(format!(
        "Istio expands only hosts without dots; `{}` has a dot, so this {} is the literal host `{}`, while the Service's host is always `name.namespace.svc.{domain}`: {}",
        r.host,
        r.field,
        r.host,
        if r.field.is_destination() {
            "traffic sent here finds no cluster (503)"
        } else {
            "the rule never applies"
        }
    ).into());
    match svc {
        Some(svc) => d.related.push(entry_label(
            ck,
            svc,
            format!("Service `{ns}/{name}` is `{fqdn}`"),
        )),
        None => {
            d.severity = Severity::Warning;
            d.notes.push(format!(
                "no Service `{name}` is in the inputs, but the namespace `{ns}` is: the intended host is probably `{fqdn}`"
            ).into());
        }
    }
    d.help = Some(format!("write the fully qualified name `{fqdn}`").into());
    d.fix = replace_host(ck, r, &fqdn)
        .map(|e| Fix::new(format!("use `{fqdn}`"), Applicability::Unsafe, vec![e]));
    Some(d)
}

/// `*.ns.svc` or `*.ns.svc.<a prefix of the domain>`: a wildcard meant for a namespace's
/// Services that, matched literally as a suffix, never matches `name.ns.svc.<domain>`.
pub fn partial_wildcard_ns<'h>(host: &'h str, domain: &str) -> Option<&'h str> {
    let rest = host.strip_prefix("*.")?;
    let (ns, tail) = rest.split_once('.')?;
    if ns.is_empty() || ns.contains('*') {
        return None;
    }
    let after_svc = match tail.strip_prefix("svc") {
        Some("") => return Some(ns),
        Some(t) => t.strip_prefix('.')?,
        None => return None,
    };
    let partial = after_svc != domain && domain.starts_with(&format!("{after_svc}."));
    partial.then_some(ns)
}

fn partial_wildcard(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    let domain = &ck.cx.cluster_domain;
    let ns = partial_wildcard_ns(r.host, domain)?;
    let full = format!("*.{ns}.svc.{domain}");
    let mut d = ck.diagnostic(
        &META,
        r.object,
        r.node.span(),
        format!(
            "wildcard host `{}` is not fully qualified: it never matches a Service of `{ns}`, whose hosts end in `.{ns}.svc.{domain}`",
            r.host
        ),
    );
    d.primary.message = "matches no Kubernetes Service".into();
    d.notes.push(format!(
        "Istio matches a wildcard host as a literal suffix (`MostSpecificHostMatch`) and expands only hosts without dots, so this {} {}",
        r.field,
        if r.field.is_destination() {
            "sends traffic nowhere (503)"
        } else {
            "never applies"
        }
    ).into());
    d.help = Some(format!("write `{full}`").into());
    d.fix = replace_host(ck, r, &full)
        .map(|e| Fix::new(format!("use `{full}`"), Applicability::Unsafe, vec![e]));
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::{partial_parts, partial_wildcard_ns};

    #[test]
    fn partial_wildcards() {
        let d = "cluster.local";
        assert_eq!(partial_wildcard_ns("*.foo.svc", d), Some("foo"));
        assert_eq!(partial_wildcard_ns("*.foo.svc.cluster", d), Some("foo"));
        assert_eq!(partial_wildcard_ns("*.foo.svc.cluster.local", d), None);
        assert_eq!(partial_wildcard_ns("*.svc.cluster.local", d), None);
        assert_eq!(partial_wildcard_ns("*.example.com", d), None);
        assert_eq!(partial_wildcard_ns("*.foo", d), None);
    }

    #[test]
    fn partial_forms() {
        let d = "cluster.local";
        assert_eq!(partial_parts("a.b", d), Some(("a", "b")));
        assert_eq!(partial_parts("a.b.svc", d), Some(("a", "b")));
        assert_eq!(partial_parts("a.b.svc.cluster", d), Some(("a", "b")));
        assert_eq!(partial_parts("a.b.svc.cluster.local", d), None);
        // `svc` inside a name under another domain is no cut-short cluster name.
        assert_eq!(partial_parts("a.b.svc.corp.example", d), None);
        assert_eq!(partial_parts("a.b.c", d), None);
        assert_eq!(partial_parts("www.example.com", d), None);
    }
}
