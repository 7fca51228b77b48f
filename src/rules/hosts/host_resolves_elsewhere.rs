use super::{entry_label, registry, replace_host, rule_ns, SHORT_HOST_NOTE};
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::host_refs::HostRef;
use crate::model::hosts::{classify, resolve, service_fqdn, HostForm};
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a host without dots (VirtualService `hosts`, route destinations, mirrors,
    /// DestinationRule `host`) whose expansion in the rule's namespace names a Service that
    /// does not exist, while a Service of that name exists in another namespace. Each field is
    /// reported on its own, so a VirtualService in `frontend` with `hosts: [reviews]` routing
    /// to `reviews` gets two findings.
    ///
    /// Objects without `metadata.namespace` are placed by `kubectl apply -n`: a rule without
    /// one, or a Service of that name without one, could end up in the same namespace, so
    /// neither is reported (and no fix writes the `-n` default into a file).
    ///
    /// ## Why is this bad?
    /// Istio expands a dot-free host with the namespace of the rule, not of the Service. A
    /// VirtualService in `frontend` routing to `reviews` sends traffic to
    /// `reviews.frontend.svc.cluster.local`, which does not exist, although
    /// `bookinfo/reviews` does: requests fail with 503 `NR` (no route / no cluster), and a
    /// DestinationRule written this way never applies.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: reviews
    ///   namespace: frontend
    /// spec:
    ///   hosts: [reviews]
    ///   http:
    ///     - route:
    ///         - destination:
    ///             host: reviews
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   hosts: [reviews.bookinfo.svc.cluster.local]
    ///   http:
    ///     - route:
    ///         - destination:
    ///             host: reviews.bookinfo.svc.cluster.local
    /// ```
    ///
    /// ## Fix safety
    /// With exactly one candidate Service, the fix writes its FQDN: **unsafe**, since traffic
    /// starts flowing to that Service. With several candidates, the help lists them and no
    /// edit is offered.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/config.go` ResolveShortnameToFQDN (the namespace of the rule, not the service)
    /// - istioctl analyze IST0101 (ReferencedResourceNotFound)
    pub static META = {
        code: "MESH303",
        name: "host-resolves-elsewhere",
        area: "hosts",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Mesh,
        istioctl: [],
        summary: "A short host that resolves in the rule's namespace while the Service lives in another",
    };
}

pub struct HostResolvesElsewhere;

impl Rule for HostResolvesElsewhere {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Hosts, Model::HostRefs]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        super::check_each_ref(ck, out, check);
    }
}

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    if !r.field.is_resolved() || classify(r.host) != HostForm::Short {
        return None;
    }
    let reg = registry(ck);
    let ns = rule_ns(ck, r);
    if reg.service(r.host, ns).is_some() {
        return None;
    }
    let domain = &ck.cx.cluster_domain;
    let resolved = resolve(r.host, ns, domain);
    // A ServiceEntry that defines the expanded name makes the short host correct.
    if reg.lookup(&resolved, ns).is_found() {
        return None;
    }
    let candidates: Vec<_> = reg.services_named(r.host).collect();
    if candidates.is_empty() {
        return None;
    }
    // Unplaced objects (no `metadata.namespace`) are applied with `kubectl -n`: an unplaced
    // Service may land in the rule's namespace, an unplaced rule in the Service's. Neither is
    // an error, and a fix would bake in the `-n` default (MESH301 still notes the short host).
    let placed = |object: usize| ck.index.objects[object].namespace_explicit;
    if !placed(r.object) || candidates.iter().any(|c| !placed(c.object)) {
        return None;
    }
    let mut d = ck.diagnostic(
        &META,
        r.object,
        r.node.span(),
        format!(
            "short host `{}` resolves to `{resolved}`, which does not exist",
            r.host
        ),
    );
    d.primary.message = format!("read by Istio as `{resolved}`");
    d.notes.push(
        format!(
        "{SHORT_HOST_NOTE}: this {} is in `{ns}`, so it names `{ns}/{}`, not the Service{} in {}",
        r.field,
        r.host,
        if candidates.len() == 1 { "" } else { "s" },
        candidates
            .iter()
            .map(|c| format!("`{}`", c.namespace))
            .collect::<Vec<_>>()
            .join(", ")
    )
        .into(),
    );
    for c in &candidates {
        d.related.push(entry_label(
            ck,
            c,
            format!("Service `{}/{}` is here", c.namespace, r.host),
        ));
    }
    let fqdns: Vec<String> = candidates
        .iter()
        .map(|c| service_fqdn(r.host, c.namespace, domain))
        .collect();
    if let [fqdn] = fqdns.as_slice() {
        d.help = Some(format!("write the Service's fully qualified name `{fqdn}`").into());
        d.fix = replace_host(ck, r, fqdn)
            .map(|e| Fix::new(format!("use `{fqdn}`"), Applicability::Unsafe, vec![e]));
    } else {
        d.help = Some(
            format!(
                "write the fully qualified name of the Service you mean: {}",
                fqdns
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into(),
        );
    }
    Some(d)
}
