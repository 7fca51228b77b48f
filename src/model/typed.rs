//! The typed reading of each object of the index: its shape validated against the Kubernetes
//! or Istio type (MESH002), and the views rules read, with texts borrowed from the tree.
//!
//! Reading an object touches only that object and its document's alias budget, so documents
//! are read in parallel; [`super::MeshIndex`] then adds the results in input order. The typed
//! values are the costly part of building the index (a `PodTemplateSpec` takes several
//! kilobytes for a few of YAML), and this step alone used to run on one core.

use super::index::{InvalidObject, IstioObject, ServicePortView, ServiceView};
use super::object::{Object, ObjectRef};
use super::workload::{container_views, template_path, Labels, Workload};
use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::{istio, k8s_openapi};
use mesh_lint_yaml::{Budget, DeError, Limits, Node};
use rayon::prelude::*;

/// What an object adds to the index besides itself.
pub(super) enum Typed<'a> {
    /// A kind the index keeps no view of.
    Other,
    /// A known kind whose fields do not have the type's shape.
    Invalid(InvalidObject),
    Namespace,
    Service(ServiceParts<'a>),
    Workload(Workload<'a>),
    ServiceEntry(IstioObject<'a, istio::ServiceEntrySpec<'a>>),
    VirtualService(IstioObject<'a, istio::VirtualServiceSpec<'a>>),
    DestinationRule(IstioObject<'a, istio::DestinationRuleSpec<'a>>),
    Sidecar(IstioObject<'a, istio::SidecarSpec<'a>>),
}

/// A valid Service: its view, and port values the API server would reject.
pub(super) struct ServiceParts<'a> {
    pub spec: ServiceView<'a>,
    pub selector: Labels<'a>,
    pub port_nodes: Vec<Node<'a>>,
    pub problems: Vec<InvalidObject>,
}

/// The view an object gets in the index, if any, by its kind alone (a workload without a pod
/// template, or an invalid object, gets none when read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum View {
    Namespace,
    Service,
    Workload,
    ServiceEntry,
    VirtualService,
    DestinationRule,
    Sidecar,
}

pub(super) fn view_of(object: &Object<'_>) -> Option<View> {
    let core = object.group().is_empty();
    let apps_like = matches!(object.group(), "" | "apps" | "batch" | "argoproj.io");
    match object.kind {
        "Service" if core => Some(View::Service),
        "Namespace" if core => Some(View::Namespace),
        "ServiceEntry" if object.is_istio_networking() => Some(View::ServiceEntry),
        "VirtualService" if object.is_istio_networking() => Some(View::VirtualService),
        "DestinationRule" if object.is_istio_networking() => Some(View::DestinationRule),
        "Sidecar" if object.is_istio_networking() => Some(View::Sidecar),
        kind if apps_like && template_path(kind).is_some() => Some(View::Workload),
        _ => None,
    }
}

/// Reads every object of `found` (each with the ordinal of its document), in order; the first
/// is object `first` of the index. Objects of one document (the items of a `kind: List`) share
/// its alias budget and are read in turn, so `found` must hold whole documents.
///
/// The results go straight into one list, split at document boundaries among the threads:
/// results collected in pieces and moved on leave holes in the heap that outlast the index.
pub(super) fn read_all<'a>(
    found: &[(Object<'a>, usize)],
    first: ObjectRef,
    limits: &Limits,
) -> Vec<Typed<'a>> {
    let mut out: Vec<Typed<'a>> = (0..found.len()).map(|_| Typed::Other).collect();
    let target = found.len().div_ceil(rayon::current_num_threads() * 8);
    let mut slices = Vec::new();
    let mut rest = out.as_mut_slice();
    let mut start = 0;
    while !rest.is_empty() {
        let end = document_end(found, start + target);
        let (piece, tail) = rest.split_at_mut(end - start);
        slices.push((start, piece));
        start = end;
        rest = tail;
    }
    slices.into_par_iter().for_each(|(start, piece)| {
        let mut budget = Budget::new(limits.max_expanded_nodes);
        for (k, slot) in piece.iter_mut().enumerate() {
            let i = start + k;
            if k > 0 && found[i].1 != found[i - 1].1 {
                budget = Budget::new(limits.max_expanded_nodes);
            }
            *slot = read(first + i, &found[i].0, &mut budget);
        }
    });
    out
}

/// Where the document of object `at - 1` ends: `at` moved past the rest of that document's
/// objects (which share its alias budget), or the end of `found`.
pub(super) fn document_end(found: &[(Object<'_>, usize)], at: usize) -> usize {
    let mut end = at.min(found.len());
    while end > 0 && end < found.len() && found[end].1 == found[end - 1].1 {
        end += 1;
    }
    end
}

/// What object `id` adds to the index.
fn read<'a>(id: ObjectRef, object: &Object<'a>, budget: &mut Budget) -> Typed<'a> {
    let (kind, node) = (object.kind, object.node);
    let Some(view) = view_of(object) else {
        return Typed::Other;
    };
    match view {
        View::Service => service(id, node, budget),
        View::Namespace => match mesh_lint_kube::namespace(node, budget) {
            Ok(_) => Typed::Namespace,
            Err(err) => invalid(id, "", err),
        },
        View::Workload => workload(id, kind, node, budget),
        View::ServiceEntry | View::VirtualService | View::DestinationRule | View::Sidecar => {
            istio(id, kind, node, budget)
        }
    }
}

fn service<'a>(id: ObjectRef, node: Node<'a>, budget: &mut Budget) -> Typed<'a> {
    let service = match mesh_lint_kube::service(node, budget) {
        Ok(service) => service,
        Err(err) => return invalid(id, "", err),
    };
    // Validated whole (MESH002); rules read only `spec`, and the object keeps the labels.
    let spec = service_view(service.spec.as_ref(), node);
    let selector = match service.spec.as_ref().and_then(|s| s.selector.as_ref()) {
        Some(_) => Labels::of(node.at_keys("spec.selector")),
        None => Labels::default(),
    };
    let port_nodes: Vec<Node<'a>> = node
        .at_keys("spec.ports")
        .map(|p| p.items().collect())
        .unwrap_or_default();
    let mut problems = l4_protocols(id, &port_nodes);
    problems.extend(port_numbers(id, &port_nodes));
    Typed::Service(ServiceParts {
        spec,
        selector,
        port_nodes,
        problems,
    })
}

/// The view of `spec`, deserialized from `node` (the Service's node) as `typed`: numbers come
/// from the typed value, texts from the tree where it read them.
fn service_view<'a>(typed: Option<&ServiceSpec>, node: Node<'a>) -> ServiceView<'a> {
    let (Some(typed), Some(spec)) = (typed, node.get("spec")) else {
        return ServiceView::default();
    };
    let text = |key: &str| spec.get(key).and_then(Node::as_opt_str);
    let port_nodes = spec.get("ports").into_iter().flat_map(|p| p.items());
    ServiceView {
        ports: typed
            .ports
            .iter()
            .flatten()
            .zip(port_nodes)
            .map(|(p, node)| {
                let text = |key: &str| node.get(key).and_then(Node::as_opt_str);
                ServicePortView {
                    name: text("name"),
                    port: p.port,
                    protocol: text("protocol"),
                    app_protocol: text("appProtocol"),
                    target_port: target_port(p),
                }
            })
            .collect(),
        type_: text("type"),
        cluster_ip: text("clusterIP"),
        external_name: text("externalName"),
    }
}

/// A port's `targetPort` as the API server defaults it: unset (or `0`, or empty) means the
/// `port`.
fn target_port(port: &ServicePort) -> Option<IntOrString> {
    let unset = match &port.target_port {
        None => true,
        Some(IntOrString::Int(n)) => *n == 0,
        Some(IntOrString::String(s)) => s.is_empty(),
    };
    if unset {
        return Some(IntOrString::Int(port.port));
    }
    port.target_port.clone()
}

/// The API server accepts only TCP, UDP and SCTP as a port's `protocol`; users often write the
/// application protocol there (`HTTP`), which belongs in the name or `appProtocol`.
fn l4_protocols(id: ObjectRef, port_nodes: &[Node<'_>]) -> Vec<InvalidObject> {
    let mut out = Vec::new();
    for (i, port) in port_nodes.iter().enumerate() {
        let Some(value) = port.get("protocol") else {
            continue;
        };
        let Some(text) = value.as_str() else { continue };
        if matches!(text, "TCP" | "UDP" | "SCTP") {
            continue;
        }
        out.push(port_problem(
            id,
            format!("spec.ports[{i}].protocol"),
            value,
            format!(
                "unsupported value `{text}`: the L4 protocol is TCP, UDP or SCTP; the application protocol goes in the port name or `appProtocol`"
            ),
        ));
    }
    out
}

/// The API server rejects a `port` (or numeric `targetPort`) outside 1–65535; one that
/// mesh-lint read anyway would produce listeners that never exist. `targetPort: 0` means unset
/// (the API server defaults it to `port`).
fn port_numbers(id: ObjectRef, port_nodes: &[Node<'_>]) -> Vec<InvalidObject> {
    let mut out = Vec::new();
    for (i, port) in port_nodes.iter().enumerate() {
        for (field, zero_ok) in [("port", false), ("targetPort", true)] {
            let Some(value) = port.get(field) else {
                continue;
            };
            let Some(n) = value.as_i64() else { continue };
            if mesh_lint_kube::port::in_range(n) || (zero_ok && n == 0) {
                continue;
            }
            out.push(port_problem(
                id,
                format!("spec.ports[{i}].{field}"),
                value,
                format!("invalid value: integer `{n}`, expected a port number from 1 to 65535"),
            ));
        }
    }
    out
}

/// A port value the API server would reject, at its node.
fn port_problem(id: ObjectRef, path: String, value: Node<'_>, message: String) -> InvalidObject {
    InvalidObject {
        object: id,
        path,
        span: value.span(),
        message,
        budget_exceeded: false,
    }
}

fn workload<'a>(id: ObjectRef, kind: &str, node: Node<'a>, budget: &mut Budget) -> Typed<'a> {
    let Some(path) = template_path(kind) else {
        return Typed::Other;
    };
    let template_node = if path.is_empty() {
        Some(node)
    } else {
        node.at_keys(path)
    };
    let Some(template_node) = template_node else {
        return Typed::Other;
    };
    let template = match mesh_lint_kube::pod_template(template_node, budget) {
        Ok(t) => t,
        Err(err) => return invalid(id, path, err),
    };
    // Validated whole (MESH002); the texts rules read are borrowed from the tree.
    let metadata = template_node.get("metadata");
    let pod_spec = template.spec.as_ref();
    let pod_security = pod_spec.and_then(|s| s.security_context.as_ref());
    let init_containers = template_node
        .at_keys("spec.initContainers")
        .into_iter()
        .flat_map(|n| n.items())
        .map(|c| c.get("name").and_then(Node::as_str).unwrap_or_default())
        .collect();
    Typed::Workload(Workload {
        // Its position in the index, set when the index adds it.
        id: 0,
        object: id,
        template_node,
        template_path: path,
        containers: container_views(&template, template_node),
        host_network: pod_spec.and_then(|s| s.host_network).unwrap_or(false),
        pod_run_as_user: pod_security.and_then(|s| s.run_as_user),
        pod_run_as_group: pod_security.and_then(|s| s.run_as_group),
        init_containers,
        annotations: Labels::of(metadata.and_then(|m| m.get("annotations"))),
        labels: Labels::of(metadata.and_then(|m| m.get("labels"))),
    })
}

fn istio<'a>(id: ObjectRef, kind: &str, node: Node<'a>, budget: &mut Budget) -> Typed<'a> {
    let spec_node = node.get("spec").filter(|s| !s.is_null()).unwrap_or(node);
    let missing_spec = spec_node.id() == node.id();
    macro_rules! typed {
        ($variant:ident, $read:path) => {{
            let read = if missing_spec {
                Ok(Default::default())
            } else {
                $read(spec_node, budget)
            };
            match read {
                Ok(spec) => Typed::$variant(IstioObject {
                    object: id,
                    spec,
                    spec_node,
                }),
                Err(err) => invalid(id, "spec", err),
            }
        }};
    }
    match kind {
        "ServiceEntry" => typed!(ServiceEntry, mesh_lint_kube::service_entry),
        "VirtualService" => typed!(VirtualService, mesh_lint_kube::virtual_service),
        "DestinationRule" => typed!(DestinationRule, mesh_lint_kube::destination_rule),
        _ => typed!(Sidecar, mesh_lint_kube::sidecar),
    }
}

/// A deserialization error at `err.path` under `prefix` (the path of the node read).
fn invalid<'a>(object: ObjectRef, prefix: &str, err: DeError) -> Typed<'a> {
    let path = match (prefix.is_empty(), err.path.is_empty()) {
        (true, _) => err.path,
        (false, true) => prefix.to_owned(),
        (false, false) if err.path.starts_with('[') => format!("{prefix}{}", err.path),
        (false, false) => format!("{prefix}.{}", err.path),
    };
    Typed::Invalid(InvalidObject {
        object,
        path,
        span: err.span,
        message: err.message,
        budget_exceeded: err.budget_exceeded,
    })
}

#[cfg(test)]
mod tests {
    use crate::model::index::READ_BATCH;
    use crate::model::{LintContext, MeshIndex};
    use crate::parse::parse_file;
    use crate::source::{FileId, SourceFile};
    use mesh_lint_yaml::Limits;

    const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: NAME, namespace: shop}\nspec: {ports: [{name: http, port: 80}]}\n";

    /// The nodes deserializing one Service visits.
    fn service_cost() -> usize {
        let text = SERVICE.replace("NAME", "a");
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.into_bytes());
        let parsed = parse_file(FileId(0), &file, &Limits::default());
        let root = parsed.documents[0].doc.root().unwrap();
        let mut budget = mesh_lint_yaml::Budget::new(usize::MAX);
        mesh_lint_kube::service(root, &mut budget).unwrap();
        usize::MAX - budget.remaining
    }

    #[test]
    fn a_list_shares_its_document_budget_wherever_the_objects_are_split() {
        let cost = service_cost();
        // Enough documents for two batches, each split among the threads; one `kind: List`
        // of three Services across the first batch's end, whose budget fits two.
        let mut text = String::new();
        let list_at = READ_BATCH - 2;
        for i in 0..READ_BATCH + 8 {
            text.push_str("---\n");
            if i == list_at {
                text.push_str("apiVersion: v1\nkind: List\nitems:\n");
                for name in ["l1", "l2", "l3"] {
                    let item = SERVICE.replace("NAME", name);
                    text.push_str(&format!("- {}\n", item.trim_end().replace('\n', "\n  ")));
                }
            } else {
                text.push_str(&SERVICE.replace("NAME", &format!("s{i}")));
            }
        }
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.into_bytes());
        let parsed = vec![parse_file(FileId(0), &file, &Limits::default())];
        let limits = Limits {
            max_expanded_nodes: cost * 2 + cost / 2,
            ..Limits::default()
        };
        let index = MeshIndex::build(&parsed, &LintContext::default(), &limits);
        let invalid: Vec<&str> = index
            .invalid
            .iter()
            .filter(|i| i.budget_exceeded)
            .map(|i| index.objects[i.object].name)
            .collect();
        assert_eq!(invalid, ["l3"]);
        assert_eq!(index.services.len(), READ_BATCH + 9);
        let names: Vec<&str> = index
            .services
            .iter()
            .map(|s| index.objects[s.object].name)
            .collect();
        let around = [list_at - 1, list_at + 1, list_at + 2].map(|i| format!("s{i}"));
        assert_eq!(
            names[list_at - 1..list_at + 4],
            [&around[0], "l1", "l2", &around[1], &around[2]]
        );
    }
}
