use super::importers::Importers;
use super::name_span;
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix, Severity};
use crate::model::hosts::service_fqdn;
use crate::model::is_system_namespace;
use crate::model::listeners::ListenerSource;
use crate::model::scopes::thousands;
use crate::model::scopes::Hosts;
use crate::model::visibility::{export_scope, ExportKind, ExportSource};
use crate::model::ObjectRef;
use crate::rules::ports::export_to::{
    export_list, export_to_own_namespace, source_hosts, HostUsers, MAX_KEPT,
};
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports resources exported to every namespace only because they say nothing: a
    /// ServiceEntry without `exportTo` or an ExternalName Service without the
    /// `networking.istio.io/exportTo` annotation (warning), and a VirtualService or
    /// DestinationRule without `exportTo` (info), while the MeshConfig default for the kind
    /// (`defaultServiceExportTo`, `defaultVirtualServiceExportTo`,
    /// `defaultDestinationRuleExportTo`) is `*`, as it is when unset. Not reported when
    /// MeshConfig sets that default to `.` or a list of namespaces.
    ///
    /// Left alone: VirtualServices bound to gateways (a gateway in another namespace must see
    /// them), DestinationRules with a `workloadSelector` (forced private by istiod), and
    /// resources in namespaces Istio never manages (`kube-system`, ...).
    ///
    /// ## Why is this bad?
    /// Every sidecar in the mesh receives what is exported to its namespace. A ServiceEntry or
    /// ExternalName Service exported everywhere changes the listeners of every proxy: with a
    /// TCP port and no addresses it becomes a `0.0.0.0:<port>` catch-all for every namespace
    /// (MESH103, the Hazelcast outage), and its host name overrides DNS for everyone. A
    /// VirtualService or DestinationRule exported everywhere applies its routes and traffic
    /// policy to callers in namespaces whose owners never saw it. Namespace-local by default,
    /// with explicit exports where needed, keeps one team's change from reaching the others.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata:
    ///   name: payments-api
    ///   namespace: shop
    /// spec:
    ///   hosts: [api.payments.example]
    ///   ports: [{number: 443, name: tls, protocol: TLS}]
    ///   resolution: DNS
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   exportTo: ["."]
    ///   hosts: [api.payments.example]
    /// ```
    ///
    /// Write `exportTo: ["*"]` to keep a resource mesh-wide on purpose, or set the MeshConfig
    /// defaults to `.` to make namespace-local the rule for the whole mesh.
    ///
    /// ## Fix safety
    /// **Unsafe**: the fix inserts `exportTo: ["."]` (the annotation `"."` on a Service) in the
    /// file's own style. For a ServiceEntry or ExternalName Service, the namespaces whose
    /// VirtualServices or DestinationRules in the inputs name its hosts stay in the list
    /// (`exportTo: [".", "shop"]`, and a note names them); with more than 10 of them it is
    /// shared on purpose and no fix is offered. Callers the inputs do not show then lose the
    /// resource: their requests to a ServiceEntry host become passthrough (or are blocked
    /// under `REGISTRY_ONLY`), and they no longer get the VirtualService's routes. Add the
    /// namespaces that need it to the list. For DestinationRules the fix is display only: a
    /// gateway in another namespace would lose the rule's subsets and TLS settings.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/push_context.go` initDefaultExportMaps, serviceExportTo, SetDestinationRules; `pkg/config/mesh/mesh.go` DefaultMeshConfig (defaults `*`)
    /// - [Istio: ServiceEntry `exportTo`](https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry)
    /// - [Istio: MeshConfig `defaultServiceExportTo`](https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/)
    pub static META = {
        code: "MESH202",
        name: "export-to-everywhere",
        area: "scoping",
        severity: Warning,
        fix: Always,
        fix_kinds: "unsafe/display",
        subject: Object,
        istioctl: [],
        summary: "A ServiceEntry, ExternalName Service (warning), VirtualService or DestinationRule (info) exported everywhere by default",
    };
}

pub struct ExportToEverywhere;

impl Rule for ExportToEverywhere {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::HostRefs, Model::Scopes]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let ix = ck.index;
        let importers = Importers::new(ix);
        let users = HostUsers::new(ck);
        for (i, se) in ix.service_entries.iter().enumerate() {
            let explicit = se.spec.export_to.as_deref();
            if let Some(mut d) = check(ck, se.object, explicit, ExportKind::Service) {
                let ports: Vec<i32> = se.spec.ports.iter().map(|p| p.number as i32).collect();
                let hosts = Hosts::Written(&se.spec.hosts);
                confined_by_sidecars(ck, &importers, &mut d, se.object, hosts, &ports);
                let source = ListenerSource::ServiceEntry(i);
                narrowing_fix(ck, &users, &mut d, se.object, source, |list| {
                    let quoted: Vec<String> = list.iter().map(|n| format!("\"{n}\"")).collect();
                    format!("add `exportTo: [{}]`", quoted.join(", "))
                });
                out.push(d);
            }
        }
        for (i, svc) in ix.services.iter().enumerate() {
            if svc.service_type() != "ExternalName" {
                continue;
            }
            if let Some(mut d) = check(ck, svc.object, None, ExportKind::Service) {
                let obj = &ix.objects[svc.object];
                let hosts = [service_fqdn(obj.name, obj.ns(), &ck.cx.cluster_domain)];
                let ports: Vec<i32> = svc.spec.ports.iter().map(|p| p.port).collect();
                confined_by_sidecars(
                    ck,
                    &importers,
                    &mut d,
                    svc.object,
                    Hosts::Built(&hosts),
                    &ports,
                );
                let source = ListenerSource::Service(i);
                narrowing_fix(ck, &users, &mut d, svc.object, source, |list| {
                    format!(
                        "add the annotation `networking.istio.io/exportTo: \"{}\"`",
                        list.join(",")
                    )
                });
                out.push(d);
            }
        }
        for vs in &ix.virtual_services {
            let gateway_bound = vs.spec.gateways.iter().any(|g| *g != "mesh");
            if gateway_bound {
                continue;
            }
            let explicit = vs.spec.export_to.as_deref();
            if let Some(d) = check(ck, vs.object, explicit, ExportKind::VirtualService) {
                out.push(with_spec_fix(
                    ck,
                    d,
                    vs.object,
                    vs.spec_node,
                    Applicability::Unsafe,
                ));
            }
        }
        for dr in &ix.destination_rules {
            if dr.spec.workload_selector.is_some() {
                continue;
            }
            let explicit = dr.spec.export_to.as_deref();
            if let Some(d) = check(ck, dr.object, explicit, ExportKind::DestinationRule) {
                out.push(with_spec_fix(
                    ck,
                    d,
                    dr.object,
                    dr.spec_node,
                    Applicability::Display,
                ));
            }
        }
    }
}

/// What Sidecar egress makes of the export today: whether namespaces without a Sidecar of
/// their own import the resource (the root namespace's default Sidecar, or none), and which
/// namespaces import it through their own Sidecars. When Sidecars already keep it to its
/// namespace, the finding is about the next change, not about today's proxies: info.
fn confined_by_sidecars(
    ck: &Checker<'_, '_>,
    importers: &Importers<'_>,
    d: &mut Diagnostic,
    object: ObjectRef,
    hosts: Hosts<'_>,
    ports: &[i32],
) {
    let owner = ck.index.objects[object].ns();
    let egress = ck.scopes().sidecars.mesh_default();
    // A Sidecar egress listener bound to any one of the ports imports the resource; no ports
    // at all is port 0, which only port-less egress entries match.
    let ports = if ports.is_empty() { &[0][..] } else { ports };
    // `\0` is no namespace: a root Sidecar's `./` entries (the proxy's own namespace) do not
    // import another namespace's resources.
    let by_default = egress.is_unrestricted()
        || ports
            .iter()
            .any(|&port| egress.imports("\u{0}", owner, hosts, port));
    let mut others: Vec<&str> = ports
        .iter()
        .flat_map(|&port| importers.others(owner, hosts, port))
        .collect();
    others.sort_unstable();
    others.dedup();
    let listed = describe(&others, 10);
    match (by_default, others.is_empty()) {
        (true, true) => d.notes.push(
            "today the proxies of every namespace without a Sidecar of its own import it".into(),
        ),
        (true, false) => d.notes.push(format!(
            "today the proxies of every namespace without a Sidecar of its own import it, and through their Sidecars those of {listed}"
        ).into()),
        (false, true) => {
            d.severity = Severity::Info;
            d.notes.push(format!(
                "Sidecar egress keeps it to `{owner}` today (the root namespace's default Sidecar does not import it, and no other namespace's Sidecar in the inputs does); exportTo makes that hold when a Sidecar changes"
            ).into());
        }
        (false, false) => d.notes.push(format!(
            "through their Sidecars' egress, the proxies of {listed} import it"
        ).into()),
    }
}

/// The unsafe fix that exports a ServiceEntry or ExternalName Service to its own namespace and
/// to the namespaces whose VirtualServices and DestinationRules in the inputs name its hosts,
/// titled by `title` from the export list; none when more than [`MAX_KEPT`] namespaces use it,
/// since it is then shared on purpose.
fn narrowing_fix(
    ck: &Checker<'_, '_>,
    users: &HostUsers<'_>,
    d: &mut Diagnostic,
    object: ObjectRef,
    source: ListenerSource,
    title: impl Fn(&[String]) -> String,
) {
    let own = ck.index.objects[object].ns();
    let hosts = source_hosts(ck, object, source);
    let also = users.outside(hosts.iter().map(String::as_str), own);
    if also.len() > MAX_KEPT {
        d.notes.push(format!(
            "VirtualServices or DestinationRules in {} namespaces ({}) name it, so it is shared on purpose: list them in `exportTo` instead of relying on the default",
            thousands(also.len()),
            describe(&also, 3)
        ).into());
        return;
    }
    if !also.is_empty() {
        d.notes.push(
            format!(
            "VirtualServices or DestinationRules in {} name it, so the fix keeps it exported there",
            describe(&also, 3)
        )
            .into(),
        );
    }
    d.fix = export_to_own_namespace(ck, object, source, &also)
        .map(|edits| Fix::new(title(&export_list(&also)), Applicability::Unsafe, edits));
}

/// "`a`, `b` and 3 more".
fn describe(names: &[&str], few: usize) -> String {
    let shown: Vec<String> = names.iter().take(few).map(|n| format!("`{n}`")).collect();
    match names.len().checked_sub(few) {
        Some(rest) if rest > 0 => format!("{} and {} more", shown.join(", "), thousands(rest)),
        _ => shown.join(", "),
    }
}

fn with_spec_fix(
    ck: &Checker<'_, '_>,
    mut d: Diagnostic,
    object: ObjectRef,
    spec_node: mesh_lint_yaml::Node<'_>,
    applicability: Applicability,
) -> Diagnostic {
    if spec_node.id() == ck.index.objects[object].node.id() {
        return d;
    }
    let value = Value::inline("[\".\"]");
    d.fix = set_key(ck, object, spec_node, "exportTo", &value, Place::First)
        .map(|edit| Fix::new("add `exportTo: [\".\"]`", applicability, vec![edit]));
    d
}

/// The finding when `object` is exported everywhere by the MeshConfig default.
fn check(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    explicit: Option<&[&str]>,
    kind: ExportKind,
) -> Option<Diagnostic> {
    let obj = &ck.index.objects[object];
    if is_system_namespace(obj.ns()) {
        return None;
    }
    let (scope, source) = export_scope(obj, explicit, kind, &ck.cx.mesh_config);
    if source != ExportSource::MeshDefault || !scope.is_all() {
        return None;
    }
    let (field, default_key, severity) = match kind {
        ExportKind::Service if obj.kind == "Service" => (
            "no `networking.istio.io/exportTo` annotation",
            "defaultServiceExportTo",
            Severity::Warning,
        ),
        ExportKind::Service => ("no `exportTo`", "defaultServiceExportTo", Severity::Warning),
        ExportKind::VirtualService => (
            "no `exportTo`",
            "defaultVirtualServiceExportTo",
            Severity::Info,
        ),
        ExportKind::DestinationRule => (
            "no `exportTo`",
            "defaultDestinationRuleExportTo",
            Severity::Info,
        ),
    };
    let what = if obj.kind == "Service" {
        "ExternalName Service"
    } else {
        obj.kind
    };
    let mut d = ck.diagnostic(
        &META,
        object,
        name_span(ck, object),
        format!(
            "{what} `{}` has {field}, so it is exported to every namespace",
            obj.qualified_name()
        ),
    );
    d.severity = severity;
    d.primary.message = "exported to every namespace".into();
    let default_said = match kind {
        ExportKind::Service => ck.cx.mesh_config.default_service_export_to.as_ref(),
        ExportKind::VirtualService => ck.cx.mesh_config.default_virtual_service_export_to.as_ref(),
        ExportKind::DestinationRule => ck
            .cx
            .mesh_config
            .default_destination_rule_export_to
            .as_ref(),
    };
    let default_note = match default_said {
        Some(_) => format!("MeshConfig `{default_key}` is `*`"),
        None => format!("MeshConfig `{default_key}` is not set, and Istio's default is `*`"),
    };
    let why = match what {
        "VirtualService" => "its routes apply to callers in every namespace, and every proxy receives it",
        "DestinationRule" => "its traffic policy and subsets apply to callers in every namespace",
        "ExternalName Service" if ck.cx.external_name_is_alias() => "every sidecar whose egress imports it (all of them, in namespaces without a Sidecar) knows its name as a mesh host; on this Istio version an ExternalName Service is a DNS alias without listeners of its own, but routing rules for the name apply in every namespace",
        _ => "every sidecar whose egress imports it (all of them, in namespaces without a Sidecar) gets its hosts and ports as listeners and clusters: with a TCP port and no addresses it is a catch-all listener there (MESH103), and its host name overrides DNS for those namespaces",
    };
    d.notes.push(format!("{default_note}; {why}").into());
    let how = if obj.kind == "Service" {
        "the annotation `networking.istio.io/exportTo: \".\"` (or the calling namespaces, comma-separated); `\"*\"` keeps it mesh-wide on purpose"
    } else {
        "`exportTo: [\".\"]` or the calling namespaces; write `[\"*\"]` to keep it mesh-wide on purpose"
    };
    d.help = Some(format!(
        "export it only where it is used: {how}; or set MeshConfig `{default_key}: [\".\"]` for the whole mesh"
    ).into());
    Some(d)
}
