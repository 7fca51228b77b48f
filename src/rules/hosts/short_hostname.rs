use super::{
    assumed_namespace_note, entry_label, registry, replace_host, rule_ns, SHORT_HOST_NOTE,
};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::host_refs::HostRef;
use crate::model::hosts::{classify, resolve, HostForm};
use crate::model::Origin;
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a host without dots in a VirtualService (`hosts`, route destinations, `mirror`,
    /// `mirrors`) or a DestinationRule `host` that today resolves to a Service in the rule's
    /// namespace, and offers the fully qualified name instead.
    ///
    /// ## Why is this bad?
    /// Istio expands a dot-free host with the namespace of the *rule*, not of the Service:
    /// `reviews` in a DestinationRule in `bookinfo` means `reviews.bookinfo.svc.cluster.local`.
    /// The short form only works while the rule and the Service share a namespace. Copy the
    /// rule to another namespace, apply a Helm chart with another `-n`, or move the Service,
    /// and the rule silently points at a Service that does not exist (no error, no traffic
    /// policy, 503s). The fully qualified name means the same everywhere.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata:
    ///   name: reviews
    ///   namespace: bookinfo
    /// spec:
    ///   host: reviews
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   host: reviews.bookinfo.svc.cluster.local
    /// ```
    ///
    /// ## Fix safety
    /// The fix writes `name.<rule-namespace>.svc.<cluster-domain>`, exactly what Istio reads
    /// today. It is **safe** when the rule's `metadata.namespace` is written in the file. When
    /// the namespace came from `-n` (Helm output without namespaces), baking it in would tie
    /// the file to one namespace, so the fix is **display** only; without `-n` the `default`
    /// namespace is only a guess, so no edit is offered, just the pattern. The cluster domain is
    /// `--cluster-domain`, the config file's, or detected from istiod's `--domain` argument or
    /// an IstioOperator's `values.global.proxy.clusterDomain` in the inputs.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/config.go` ResolveShortnameToFQDN; where it applies: `pilot/pkg/model/virtualservice.go` ResolveVirtualServiceShortnames, `push_context.go` setDestinationRules
    /// - [Istio: VirtualService `hosts`](https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService)
    /// - [Istio: DestinationRule `host`](https://istio.io/latest/docs/reference/config/networking/destination-rule/#DestinationRule)
    pub static META = {
        code: "MESH301",
        name: "short-hostname",
        area: "hosts",
        severity: Warning,
        fix: Always,
        fix_kinds: "safe/display",
        subject: Object,
        istioctl: [],
        summary: "A dot-free host that Istio expands with the rule's namespace; write the FQDN",
    };
}

pub struct ShortHostname;

impl Rule for ShortHostname {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Hosts, Model::HostRefs, Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        super::check_each_ref(ck, out, check);
    }
}

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    if !r.field.is_resolved() || classify(r.host) != HostForm::Short {
        return None;
    }
    let ns = rule_ns(ck, r);
    let svc = registry(ck).service(r.host, ns)?;
    let fqdn = resolve(r.host, ns, &ck.cx.cluster_domain);
    let object = &ck.index.objects[r.object];
    let mut d = ck.diagnostic(
        &META,
        r.object,
        r.node.span(),
        format!("short host `{}` resolves to `{fqdn}`", r.host),
    );
    d.primary.message = format!("read by Istio as `{fqdn}`");
    d.notes.push(format!(
        "{SHORT_HOST_NOTE}: this {} in `{ns}` means the Service `{ns}/{}` only while both stay in `{ns}`",
        r.field, r.host
    ).into());
    d.notes
        .extend(assumed_namespace_note(ck, r).map(Into::into));
    d.related
        .push(entry_label(ck, svc, format!("Service `{ns}/{}`", r.host)));
    let applicability = if object.namespace_explicit {
        Applicability::Safe
    } else {
        Applicability::Display
    };
    // Without `metadata.namespace` and without `-n`, `default` is a guess: the namespace the
    // file is applied to decides, so no edit writes the guess into the file.
    if !object.namespace_explicit && ck.cx.default_namespace_origin == Origin::Default {
        d.help = Some(format!(
            "write the fully qualified name for the namespace it is applied to: `{}.<namespace>.svc.{}` (or lint with `-n <namespace>`)",
            r.host, ck.cx.cluster_domain
        ).into());
        return Some(d);
    }
    d.help = Some(format!("write the fully qualified name `{fqdn}`").into());
    d.fix = replace_host(ck, r, &fqdn)
        .map(|e| Fix::new(format!("use `{fqdn}`"), applicability, vec![e]));
    Some(d)
}
