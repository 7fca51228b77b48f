use super::clients::{clients, Client, Clients};
use super::{entry_label, entry_name, external_name, registry, rule_ns};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::host_refs::{HostField, HostRef};
use crate::model::hosts::{classify, resolve, split_service_fqdn, HostForm};
use crate::model::istio_services::installed_group;
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a route destination, mirror or DestinationRule `host` that matches no Service
    /// or ServiceEntry visible to the rule's namespace:
    /// - a host under the cluster domain (`name.ns.svc.<domain>`, or a short host expanded to
    ///   it) when the inputs hold namespace `ns`'s manifests (the rule is written into `ns`, or
    ///   the inputs define a Service in it) but no Service `ns/name`, or the Service is not
    ///   exported to the rule's namespace;
    /// - any other host that a ServiceEntry in the inputs defines but does not export to the
    ///   rule's namespace.
    ///
    /// "Visible" is judged from where the rule's clients are: a VirtualService bound to `mesh`
    /// from each namespace it is exported to (its own by default), one bound to a gateway from
    /// the namespaces of that gateway's proxies (the workloads its `selector` picks in the
    /// inputs, else the Gateway's namespace), which see only what is exported to their
    /// namespace (`DefaultSidecarScopeForGateway`); a DestinationRule from its namespace and the
    /// namespaces it is exported to, and from anywhere when it is an exported rule of the root
    /// namespace (the last step of `PushContext.destinationRule`). The Service annotation
    /// `networking.istio.io/exportTo: "~,cache"` keeps `cache`, as `serviceExportTo` and
    /// `IsServiceVisible` read it.
    ///
    /// Where ExternalName Services are DNS aliases (Istio 1.21–1.23 by default, always from
    /// 1.24), also reported: a route to an ExternalName Service whose `externalName` no Service
    /// or ServiceEntry defines (the route finds no cluster), and a DestinationRule for an
    /// ExternalName Service (it applies to nothing; write it for the target host).
    ///
    /// Hosts in namespaces the inputs do not cover are not reported, so linting part of a
    /// repository does not drown in noise; nor the Services an Istio installation and its
    /// addons create in the root namespace (`istiod`, `istio-ingressgateway`,
    /// `istio-egressgateway`, `grafana`, `prometheus`, `kiali`, `tracing`, `zipkin`,
    /// `jaeger-collector`, `loki`… for the Istio version in use), unless the inputs define
    /// that piece of the installation (a Service of the same addon or gateway) themselves; nor hosts naming a Service that the inputs define
    /// without `metadata.namespace` (kustomize bases, Helm output), whose namespace is only
    /// decided when it is applied. Short hosts whose Service lives in another
    /// namespace are MESH303, dotted partial names MESH302.
    ///
    /// ## Why is this bad?
    /// A destination Istio cannot find has no cluster: requests fail with 503 `NR`. A
    /// DestinationRule for an unknown host never applies. exportTo (the
    /// `networking.istio.io/exportTo` annotation on Services, `spec.exportTo` on
    /// ServiceEntries, defaults from MeshConfig) hides a host from other namespaces exactly as
    /// if it did not exist.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: reviews
    ///   namespace: bookinfo
    /// spec:
    ///   hosts: [reviews.bookinfo.svc.cluster.local]
    ///   http:
    ///     - route:
    ///         - destination:
    ///             host: reviews-v9.bookinfo.svc.cluster.local
    /// ```
    ///
    /// Use instead: a host that a Service or ServiceEntry defines and exports to the rule's
    /// namespace.
    ///
    /// ## Fix safety
    /// No fix: mesh-lint cannot know which host was meant.
    ///
    /// ## References
    /// - Istio source: istioctl's analyzers under `pkg/config/analysis/analyzers/` (IST0101 for VirtualService destinations, IST0174 for
    ///   DestinationRule hosts); exportTo: `pilot/pkg/model/push_context.go` serviceExportTo,
    ///   IsServiceVisible, destinationRule; gateways: `pilot/pkg/model/sidecar.go`
    ///   DefaultSidecarScopeForGateway; gateway names: `pilot/pkg/model/config.go`
    ///   resolveGatewayName
    /// - [Istio 1.21 upgrade notes: ExternalName support changes](https://istio.io/latest/news/releases/1.21.x/announcing-1.21/upgrade-notes/)
    pub static META = {
        code: "MESH304",
        name: "unknown-host",
        area: "hosts",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0101", "IST0174"],
        summary: "A destination or DestinationRule host that matches no Service or ServiceEntry visible to the rule",
    };
}

pub struct UnknownHost;

impl Rule for UnknownHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[
            Model::Hosts,
            Model::HostRefs,
            Model::Routing,
            Model::Gateways,
        ]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        super::check_each_ref(ck, out, check);
    }
}

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    let checked = r.field.is_destination() || r.field == HostField::DestinationRuleHost;
    let form = classify(r.host);
    if !checked
        || !matches!(
            form,
            HostForm::Short | HostForm::Dotted | HostForm::Wildcard
        )
    {
        return None;
    }
    let reg = registry(ck);
    let domain = &ck.cx.cluster_domain;
    let resolved = resolve(r.host, rule_ns(ck, r), domain);
    // Judged from each namespace whose proxies apply the rule; the first that does not see
    // the host is reported.
    let (client, mut found) = match clients(ck, r) {
        Clients::MeshWide => {
            let own = rule_ns(ck, r);
            let found = reg.lookup(&resolved, own);
            let anywhere = found.is_found()
                || found
                    .hidden
                    .iter()
                    .any(|e| e.scope != crate::model::visibility::ExportScope::None);
            if anywhere {
                let entry = found.best().or_else(|| found.hidden.first().copied())?;
                return external_name::check(ck, &META, r, entry, own);
            }
            let client = Client {
                ns: own.to_owned(),
                gateway: None,
            };
            (client, found)
        }
        Clients::Namespaces(list) => {
            let mut failing = None;
            for client in list {
                let found = reg.lookup(&resolved, &client.ns);
                match found.best() {
                    Some(entry) => {
                        if let Some(d) = external_name::check(ck, &META, r, entry, &client.ns) {
                            return Some(d);
                        }
                    }
                    None => {
                        failing = Some((client, found));
                        break;
                    }
                }
            }
            failing?
        }
    };
    let ns = client.ns.as_str();
    // A hidden catch-all `*` ServiceEntry says nothing about this host in particular.
    found.hidden.retain(|e| e.host != "*");
    let cluster = split_service_fqdn(&resolved, domain);
    if form == HostForm::Short
        && found.hidden.is_empty()
        && reg.services_named(r.host).next().is_some()
    {
        return None; // MESH303
    }
    // A Service of that name without `metadata.namespace` (kustomize bases, Helm output) gets
    // its namespace when applied: it may well be the one this host names.
    // A wildcard (`*.tutorial.svc.cluster.local`) covers any such Service.
    let unplaced = |name: &str| {
        let unplaced_object = |o: usize| !ck.index.objects[o].namespace_explicit;
        if name.starts_with('*') {
            return ck.index.services.iter().any(|s| unplaced_object(s.object));
        }
        reg.services_named(name).any(|e| unplaced_object(e.object))
    };
    if cluster.is_some_and(|(name, _)| unplaced(name)) {
        return None;
    }
    if cluster.is_some_and(|(name, t)| installed_by_istio(ck, name, t)) {
        return None;
    }
    let target_ns_known = cluster.is_some_and(|(_, t)| namespace_covered(ck, r, t));
    if found.hidden.is_empty() && !target_ns_known {
        return None;
    }
    let what = if r.field == HostField::DestinationRuleHost {
        "the DestinationRule applies to no traffic"
    } else {
        "requests routed here find no cluster and fail with 503 `NR`"
    };
    let message = match (found.hidden.first(), form) {
        (Some(_), _) => format!("host `{resolved}` is not exported to namespace `{ns}`"),
        (None, HostForm::Short) => format!(
            "short host `{}` resolves to `{resolved}`, which no Service or ServiceEntry defines",
            r.host
        ),
        (None, _) => format!("host `{resolved}` matches no Service or ServiceEntry"),
    };
    let mut d = ck.diagnostic(&META, r.object, r.node.span(), message);
    d.primary.message = "unknown host".into();
    if let Some(hidden) = found.hidden.first() {
        d.notes.push(
            format!(
                "{} exports it only to {}; from `{ns}` Istio does not see it: {what}",
                entry_name(ck, hidden),
                scope_words(&hidden.scope)
            )
            .into(),
        );
        if let Some(gw) = &client.gateway {
            d.notes.push(format!(
                "the VirtualService is bound to gateway `{gw}`, whose proxies in `{ns}` see only what is exported to `{ns}`"
            ).into());
        } else if ns != rule_ns(ck, r) {
            d.notes.push(format!(
                "the rule is exported to `{ns}`, where its clients are; Istio judges the host from there"
            ).into());
        }
        for h in &found.hidden {
            d.related.push(entry_label(
                ck,
                h,
                "defined here, not exported to the rule's namespace",
            ));
        }
        d.help = Some(format!(
            "export it to `{ns}` (`networking.istio.io/exportTo` on a Service, `spec.exportTo` on a ServiceEntry), or route to a host visible in `{ns}`"
        ).into());
    } else if let Some((name, t)) = cluster {
        d.notes.push(format!(
            "the inputs contain namespace `{t}` but no Service `{t}/{name}` and no ServiceEntry for `{resolved}`: {what}"
        ).into());
        d.help = Some("check the Service name and namespace, or add the Service".into());
    }
    Some(d)
}

/// Whether the inputs hold namespace `ns`'s manifests: the rule itself is written into it, or
/// the inputs define a Service in it. A Namespace object, a lone AuthorizationPolicy or a
/// defaulted namespace says nothing about which Services exist there (kustomize bases name
/// their Services only at build time).
fn namespace_covered(ck: &Checker<'_, '_>, r: &HostRef<'_>, ns: &str) -> bool {
    let rule = &ck.index.objects[r.object];
    if rule.namespace_explicit && rule.ns() == ns {
        return true;
    }
    ck.index
        .services_in(ns)
        .any(|s| ck.index.objects[s.object].namespace_explicit)
}

/// A Service the Istio installation or its addons create in their own namespace (`grafana`,
/// `tracing`, `istio-ingressgateway`, `istiod`…), which repositories route to but do not hold;
/// known unless the inputs define that piece of the installation (a Service of the same addon
/// or gateway) in that namespace themselves.
fn installed_by_istio(ck: &Checker<'_, '_>, name: &str, ns: &str) -> bool {
    let install_ns = ns == ck.cx.mesh_config.root_namespace() || ns == "istio-system";
    let version = ck.cx.istio_version;
    let Some(group) = installed_group(name, version).filter(|_| install_ns) else {
        return false;
    };
    !ck.index.services_in(ns).any(|s| {
        let object = &ck.index.objects[s.object];
        object.namespace_explicit && installed_group(object.name, version) == Some(group)
    })
}

fn scope_words(scope: &crate::model::visibility::ExportScope) -> String {
    use crate::model::visibility::ExportScope;
    match scope {
        ExportScope::All => "every namespace".into(),
        ExportScope::None => "no namespace (`~`)".into(),
        ExportScope::Namespaces(set) => set
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
