use super::clients::{clients, Client, Clients};
use super::rule_ns;
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::host_refs::HostRef;
use crate::model::hosts::{classify, resolve, split_service_fqdn, HostForm};
use crate::model::routing::{DrChoice, DrStep};
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a route destination (http, tcp, tls, mirror, mirrors) whose `subset` is not in
    /// the DestinationRule Istio picks for the route's clients. Both hosts are resolved as
    /// Istio does: the destination's in the VirtualService's namespace, the DestinationRule's
    /// in its own. The clients are the namespaces the VirtualService is exported to (its own by
    /// default) and, for a gateway-bound one, the gateway proxies' namespaces. For each, Istio
    /// picks (`PushContext.destinationRule`): the rules in the client's namespace for the host
    /// (the most specific host wins, `MostSpecificHostMatch`; rules of one namespace merge);
    /// else those of the host's namespace exported to the client; else the root namespace's
    /// exported ones. So a subset defined only in a rule not exported to the client, or shadowed
    /// by a client-namespace rule without it, is reported, naming the rule Istio picks.
    ///
    /// ## Why is this bad?
    /// A subset is a named group of endpoints that only a DestinationRule defines. Routing to
    /// a subset that does not exist gives a cluster without endpoints: every request fails
    /// with 503 `NR`/`UH`. This is often a short host in the DestinationRule resolving to
    /// another namespace than the VirtualService's (see MESH301/MESH303), or a typo in the
    /// subset name.
    ///
    /// Objects without `metadata.namespace` are placed by `kubectl apply -n`: a subset that a
    /// DestinationRule would define once so placed (its short host then resolves beside the
    /// route, or the unplaced route lands beside it) is not reported. Nor is a subset that an
    /// earlier copy of the matching DestinationRule defines (alternative files of one
    /// DestinationRule, of which one is applied).
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
    ///             host: reviews.bookinfo.svc.cluster.local
    ///             subset: v3
    /// ```
    ///
    /// Use instead: a subset that the DestinationRule for
    /// `reviews.bookinfo.svc.cluster.local` defines, or add it there.
    ///
    /// ## Fix safety
    /// No fix.
    ///
    /// ## References
    /// - Istio source: istioctl's analyzers under `pkg/config/analysis/analyzers/` (IST0101 `host+subset in destinationrule`); DestinationRule lookup: `pilot/pkg/model/push_context.go` destinationRule
    /// - [Istio: Destination `subset`](https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination)
    pub static META = {
        code: "MESH307",
        name: "unknown-subset",
        area: "hosts",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0101"],
        summary: "A destination subset that no DestinationRule for the same host defines",
    };
}

pub struct UnknownSubset;

impl Rule for UnknownSubset {
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

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    if !r.field.is_destination() {
        return None;
    }
    let (subset, subset_node) = r.subset()?;
    if matches!(
        classify(r.host),
        HostForm::Empty | HostForm::Star | HostForm::Ip
    ) {
        return None;
    }
    let domain = &ck.cx.cluster_domain;
    let resolved = resolve(r.host, rule_ns(ck, r), domain);
    let all: Vec<usize> = ck.hosts().destination_rules_for(&resolved);
    let defines = |i: &usize| {
        ck.index.destination_rules[*i]
            .spec
            .subsets
            .iter()
            .any(|s| s.name == subset)
    };
    let Clients::Namespaces(list) = clients(ck, r) else {
        return None;
    };
    for client in list {
        let host_ns = host_namespace(ck, &resolved, &client.ns);
        let choice = ck
            .routing()
            .destination_rule(&client.ns, &resolved, host_ns.as_deref());
        let picked: &[usize] = choice.as_ref().map_or(&[], |c| c.rules.as_slice());
        if picked.iter().any(defines) {
            continue;
        }
        // Without a known owner of the host Istio's second step is unknowable here: any rule
        // defining the subset is given the benefit of the doubt.
        if host_ns.is_none() && all.iter().any(defines) {
            continue;
        }
        // kubectl's placement or another copy of the rule may supply the subset (issue 9).
        let rules: Vec<_> = all
            .iter()
            .map(|&i| &ck.index.destination_rules[i])
            .collect();
        if placement_could_define(ck, r, subset) || a_copy_defines(ck, &rules, subset) {
            return None;
        }
        return report(
            ck,
            r,
            subset,
            subset_node,
            &resolved,
            &client,
            choice.as_ref(),
            &all,
        );
    }
    None
}

/// The namespace of the Service or ServiceEntry behind `host` as seen from `client_ns`, else
/// the namespace a cluster-local FQDN names.
fn host_namespace(ck: &Checker<'_, '_>, host: &str, client_ns: &str) -> Option<String> {
    if let Some(e) = ck.hosts().lookup(host, client_ns).best() {
        return Some(e.namespace.to_owned());
    }
    split_service_fqdn(host, &ck.cx.cluster_domain).map(|(_, ns)| ns.to_owned())
}

#[allow(clippy::too_many_arguments)]
fn report(
    ck: &Checker<'_, '_>,
    r: &HostRef<'_>,
    subset: &str,
    subset_node: mesh_lint_yaml::Node<'_>,
    resolved: &str,
    client: &Client,
    choice: Option<&DrChoice>,
    all: &[usize],
) -> Option<Diagnostic> {
    let drs = &ck.index.destination_rules;
    let name = |i: usize| format!("`{}`", ck.index.objects[drs[i].object].qualified_name());
    let defining: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| drs[i].spec.subsets.iter().any(|s| s.name == subset))
        .collect();
    let from = match &client.gateway {
        Some(gw) => format!("the proxies of gateway `{gw}` in `{}`", client.ns),
        None => format!("clients in `{}`", client.ns),
    };
    let message = match (choice, defining.first()) {
        (_, None) => format!("subset `{subset}` of `{resolved}` is not defined by any DestinationRule"),
        (Some(_), Some(_)) => format!(
            "subset `{subset}` of `{resolved}` is not defined by the DestinationRule Istio picks for {from}"
        ),
        (None, Some(&d)) => format!(
            "subset `{subset}` of `{resolved}` is defined only by DestinationRule {}, which {from} do not get",
            name(d)
        ),
    };
    let mut d = ck.diagnostic(&META, r.object, subset_node.span(), message);
    d.primary.message = "unknown subset".into();
    d.notes.push(
        "only a DestinationRule defines subsets; a route to a subset that does not exist has no endpoints, so requests fail with 503"
            .into(),
    );
    match choice {
        Some(c) => {
            let names: Vec<String> = c.rules.iter().map(|&i| name(i)).collect();
            let step = match c.step {
                DrStep::ClientNamespace => format!("its own namespace `{}`", c.namespace),
                DrStep::HostNamespace => format!("the host's namespace `{}`, exported to `{}`", c.namespace, client.ns),
                DrStep::RootNamespace => format!("the root namespace `{}`, exported to `{}`", c.namespace, client.ns),
            };
            d.notes.push(format!(
                "for {from} Istio picks {} (host `{}`) from {step}: the first step of its lookup that has a rule for the host wins (own namespace, then the host's, then the root namespace); rules of one namespace merge, rules of different namespaces do not",
                names.join(", "),
                c.host
            ).into());
        }
        None if all.is_empty() => d.notes.push(format!(
            "no DestinationRule in the inputs has a host that resolves to `{resolved}` (a DestinationRule's short host resolves in its own namespace)"
        ).into()),
        None => d.notes.push(format!(
            "no DestinationRule for `{resolved}` reaches {from}: Istio looks in `{}`, then in the host's namespace and the root namespace for rules exported to `{}`",
            client.ns, client.ns
        ).into()),
    }
    let picked: &[usize] = choice.map_or(&[], |c| c.rules.as_slice());
    for &i in all {
        let dr = &drs[i];
        let names: Vec<String> = dr
            .spec
            .subsets
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect();
        let span = dr.spec_node.get("host").unwrap_or(dr.spec_node).span();
        let defines = if names.is_empty() {
            "defines no subsets".to_owned()
        } else {
            format!("defines {}", names.join(", "))
        };
        let msg = if picked.contains(&i) || choice.is_none() && defining.is_empty() {
            format!("DestinationRule for this host {defines}")
        } else if picked.is_empty() {
            format!("DestinationRule for this host {defines}, but does not apply to {from}")
        } else {
            format!(
                "DestinationRule for this host {defines}, but Istio picks another one for {from}"
            )
        };
        d.related.push(ck.label(dr.object, span, msg));
    }
    d.help = Some(match (choice, defining.first()) {
        (Some(c), Some(_)) => format!(
            "add subset `{subset}` to the DestinationRule Istio picks ({}), or route to a subset it defines",
            c.rules.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")
        ).into(),
        (None, Some(&dr)) => format!(
            "export DestinationRule {} to `{}` (or move it to the host's namespace), or route to a subset that applies",
            name(dr),
            client.ns
        ).into(),
        _ => format!(
            "add subset `{subset}` to the DestinationRule for `{resolved}`, or route to a subset it defines"
        ).into(),
    });
    Some(d)
}

/// Whether `kubectl apply -n` could make a DestinationRule defining `subset` meet this route:
/// one without `metadata.namespace` whose short host resolves wherever it is applied, or any
/// one for the same Service name when the route is itself unplaced and its host short. Such a
/// route is not an error: the namespace it is applied to decides.
fn placement_could_define(ck: &Checker<'_, '_>, r: &HostRef<'_>, subset: &str) -> bool {
    let domain = &ck.cx.cluster_domain;
    let short = classify(r.host) == HostForm::Short;
    let name = if short {
        r.host
    } else {
        match split_service_fqdn(r.host, domain) {
            Some((name, _)) => name,
            None => return false,
        }
    };
    let route_unplaced = !ck.index.objects[r.object].namespace_explicit;
    ck.hosts()
        .destination_rules_named(name)
        .iter()
        .map(|&i| &ck.index.destination_rules[i])
        .filter(|dr| dr.spec.subsets.iter().any(|s| s.name == subset))
        .any(|dr| {
            let dr_unplaced = !ck.index.objects[dr.object].namespace_explicit;
            let dr_short = classify(dr.spec.host) == HostForm::Short;
            (dr_unplaced && dr_short) || (route_unplaced && short)
        })
}

/// Whether an earlier copy of one of the matching DestinationRules defines `subset`.
/// Repositories hold alternatives of one DestinationRule (Istio's bookinfo has
/// `destination-rule-all.yaml` and `fault-injection-details-v1.yaml`, both `details`) of which
/// one is applied; `kubectl apply` of all of them would keep the last, but a route to a subset
/// another alternative defines is not worth an error.
fn a_copy_defines(
    ck: &Checker<'_, '_>,
    rules: &[&crate::model::IstioObject<'_, mesh_lint_kube::istio::DestinationRuleSpec<'_>>],
    subset: &str,
) -> bool {
    rules
        .iter()
        .flat_map(|dr| ck.index.copies_of(dr.object))
        .any(|&copy| {
            ck.index
                .destination_rules
                .iter()
                .filter(|d| d.object == copy)
                .any(|d| d.spec.subsets.iter().any(|s| s.name == subset))
        })
}
