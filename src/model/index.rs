//! The mesh index: every object, plus lookups by kind, name, namespace and port. Built once;
//! cross-resource rules are lookups here, never nested loops over all objects.

use super::object::{is_cluster_scoped, string_map, Object, ObjectRef, StrMap};
use super::workload::{container_views, template_path, Labels, Workload};
use super::LintContext;
use crate::parse::ParsedFile;
use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::{istio, k8s_openapi};
use mesh_lint_yaml::{Budget, DeError, Limits, Node, Span};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// A known kind whose fields do not have the shape mesh-lint reads (MESH002).
#[derive(Debug, Clone)]
pub struct InvalidObject {
    pub object: ObjectRef,
    /// Path from the object root, e.g. `spec.ports[0].port`.
    pub path: String,
    pub span: Span,
    pub message: String,
    /// The alias expansion budget ran out: a YAML problem (MESH001), not a shape problem.
    pub budget_exceeded: bool,
}

/// A Service with its typed view.
#[derive(Debug)]
pub struct ServiceInfo<'a> {
    pub object: ObjectRef,
    /// Its position in [`MeshIndex::services`].
    pub id: usize,
    /// The typed view's `spec`, without `selector` (see `selector`).
    pub spec: ServiceView<'a>,
    /// `spec.ports` items in order, for pointing at a port.
    pub port_nodes: Vec<Node<'a>>,
    /// `spec.selector`.
    selector: Labels<'a>,
}

/// What the index keeps of a typed Service: the `spec` fields rules read, with texts borrowed
/// from the tree. The whole `Service` is validated (MESH002) but not kept: a k8s-openapi
/// `ServiceSpec` alone is 416 bytes before any of its strings, and the object keeps the labels.
#[derive(Debug, Default)]
pub struct ServiceView<'a> {
    /// `spec.ports`, each `targetPort` defaulted to its `port` as the API server does.
    pub ports: Box<[ServicePortView<'a>]>,
    /// `spec.type`; unset means `ClusterIP`.
    pub type_: Option<&'a str>,
    pub cluster_ip: Option<&'a str>,
    pub external_name: Option<&'a str>,
}

/// A Service port: the fields rules read.
#[derive(Debug, Clone)]
pub struct ServicePortView<'a> {
    pub name: Option<&'a str>,
    pub port: i32,
    /// The L4 protocol (`TCP` when unset).
    pub protocol: Option<&'a str>,
    pub app_protocol: Option<&'a str>,
    pub target_port: Option<IntOrString>,
}

impl<'a> ServiceView<'a> {
    /// The view of `spec`, deserialized from `node` (the Service's node) as `typed`: numbers
    /// come from the typed value, texts from the tree where it read them.
    fn new(typed: Option<&ServiceSpec>, node: Node<'a>) -> ServiceView<'a> {
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
}

impl ServiceInfo<'_> {
    pub fn selector(&self) -> BTreeMap<String, String> {
        self.selector.to_map()
    }

    pub fn service_type(&self) -> &str {
        self.spec.type_.unwrap_or("ClusterIP")
    }

    /// `clusterIP: None`: per-endpoint listeners instead of a VIP (§6.2).
    pub fn is_headless(&self) -> bool {
        self.spec.cluster_ip == Some("None")
    }
}

/// An Istio networking object with its typed `spec` and the `spec` node for positions.
#[derive(Debug)]
pub struct IstioObject<'a, T> {
    pub object: ObjectRef,
    pub spec: T,
    /// The `spec` mapping (the object node when `spec` is missing).
    pub spec_node: Node<'a>,
}

/// A namespace seen in the inputs, as an object or only as the namespace of objects. Its
/// labels are its object's ([`MeshIndex::namespace_labels`]).
#[derive(Debug, Default)]
pub struct NamespaceInfo {
    pub object: Option<ObjectRef>,
}

#[derive(Debug, Default)]
pub struct MeshIndex<'a> {
    pub objects: Vec<Object<'a>>,
    pub invalid: Vec<InvalidObject>,
    pub services: Vec<ServiceInfo<'a>>,
    pub workloads: Vec<Workload<'a>>,
    pub namespaces: BTreeMap<String, NamespaceInfo>,
    pub service_entries: Vec<IstioObject<'a, istio::ServiceEntrySpec>>,
    pub virtual_services: Vec<IstioObject<'a, istio::VirtualServiceSpec>>,
    pub destination_rules: Vec<IstioObject<'a, istio::DestinationRuleSpec>>,
    pub sidecars: Vec<IstioObject<'a, istio::SidecarSpec>>,
    by_kind: HashMap<&'a str, Vec<ObjectRef>>,
    services_by_ns: HashMap<String, Vec<usize>>,
    /// Per Service, the workloads its selector matches; per workload, the Services selecting it.
    service_workloads: Vec<Vec<usize>>,
    workload_services: Vec<Vec<usize>>,
    /// Per object that shadows others (see [`Object::shadowed_by`]), the earlier copies.
    copies: HashMap<ObjectRef, Vec<ObjectRef>>,
}

impl<'a> MeshIndex<'a> {
    pub fn build(files: &'a [ParsedFile], cx: &LintContext, limits: &Limits) -> MeshIndex<'a> {
        let mut index = MeshIndex::default();
        // Objects first, each with the ordinal of its document (alias budgets are per document).
        let mut found = Vec::new();
        let mut documents = 0;
        for parsed in files.iter().filter(|p| !cx.patch_files.contains(&p.file)) {
            for doc in parsed.documents.iter().filter(|d| d.is_usable()) {
                let Some(root) = doc.doc.root() else { continue };
                documents += 1;
                for node in object_nodes(root) {
                    if let Some(object) = read_object(parsed.file, node, doc.source(), cx) {
                        found.push((object, documents - 1));
                    }
                }
            }
        }
        index.copies = mark_shadowed(&mut found);
        let mut budgets: Vec<Option<Budget>> = (0..documents).map(|_| None).collect();
        index.objects.reserve_exact(found.len());
        for (object, doc) in found {
            let budget = budgets[doc].get_or_insert_with(|| Budget::new(limits.max_expanded_nodes));
            index.add(object, budget);
        }
        index.link_selectors();
        index.shrink_to_fit();
        index
    }

    /// Every object stays in memory until the report: drop the growth slack of the lists.
    fn shrink_to_fit(&mut self) {
        self.objects.shrink_to_fit();
        self.services.shrink_to_fit();
        self.workloads.shrink_to_fit();
        self.service_entries.shrink_to_fit();
        self.virtual_services.shrink_to_fit();
        self.destination_rules.shrink_to_fit();
        self.sidecars.shrink_to_fit();
    }

    /// The labels of the namespace's Namespace object; `None` when the inputs hold none.
    pub fn namespace_labels(&self, info: &NamespaceInfo) -> Option<&StrMap<'a>> {
        info.object.map(|o| &self.objects[o].labels)
    }

    /// Earlier objects with the same identity as `object` (which `kubectl apply` of all the
    /// inputs would replace by it), in input order.
    pub fn copies_of(&self, object: ObjectRef) -> &[ObjectRef] {
        self.copies.get(&object).map_or(&[], Vec::as_slice)
    }

    /// Matches every Service selector against the pod-template labels of the workloads in its
    /// namespace once, through an inverted `(namespace, label)` index, so selection is a lookup
    /// for every rule instead of a scan of the namespace per Service.
    fn link_selectors(&mut self) {
        let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        // A shadowed copy is selected by nothing and selects only the winning workloads.
        for (wi, w) in self.workloads.iter().enumerate() {
            if self.objects[w.object].is_shadowed() {
                continue;
            }
            let ns = self.objects[w.object].ns();
            for (k, v) in &w.labels {
                by_label.entry((ns, k, v)).or_default().push(wi);
            }
        }
        let mut service_workloads = vec![Vec::new(); self.services.len()];
        let mut workload_services = vec![Vec::new(); self.workloads.len()];
        for (si, svc) in self.services.iter().enumerate() {
            let selector = svc.selector();
            let ns = self.objects[svc.object].ns();
            let lists: Option<Vec<&Vec<usize>>> = selector
                .iter()
                .map(|(k, v)| by_label.get(&(ns, k.as_str(), v.as_str())))
                .collect();
            let Some(shortest) = lists.and_then(|l| l.into_iter().min_by_key(|l| l.len())) else {
                continue;
            };
            let shadowed = self.objects[svc.object].is_shadowed();
            for &wi in shortest {
                if self.workloads[wi].matches(&selector) {
                    service_workloads[si].push(wi);
                    if !shadowed {
                        workload_services[wi].push(si);
                    }
                }
            }
        }
        self.service_workloads = service_workloads;
        self.workload_services = workload_services;
    }

    fn add(&mut self, object: Object<'a>, budget: &mut Budget) {
        let id = self.objects.len();
        let kind = object.kind;
        let node = object.node;
        let ns = object.namespace.clone();
        self.by_kind.entry(kind).or_default().push(id);
        if let Some(ns) = ns.as_deref().filter(|_| !object.is_shadowed()) {
            if !self.namespaces.contains_key(ns) {
                self.namespaces
                    .insert(ns.to_owned(), NamespaceInfo::default());
            }
        }
        let core = object.group().is_empty();
        let apps_like = matches!(object.group(), "" | "apps" | "batch" | "argoproj.io");
        self.objects.push(object);
        match kind {
            "Service" if core => self.add_service(id, node, budget),
            "Namespace" if core => self.add_namespace(id, node, budget),
            "ServiceEntry" | "VirtualService" | "DestinationRule" | "Sidecar"
                if self.objects[id].is_istio_networking() =>
            {
                self.add_istio(id, kind, node, budget)
            }
            _ if apps_like => self.add_workload(id, kind, node, budget),
            _ => {}
        }
    }

    fn add_service(&mut self, id: ObjectRef, node: Node<'a>, budget: &mut Budget) {
        let service = match mesh_lint_kube::service(node, budget) {
            Ok(service) => service,
            Err(err) => return self.invalid(id, "", err),
        };
        // Validated whole (MESH002); rules read only `spec`, and the object keeps the labels.
        let spec = ServiceView::new(service.spec.as_ref(), node);
        let selector = match service.spec.as_ref().and_then(|s| s.selector.as_ref()) {
            Some(_) => Labels::of(node.at_keys("spec.selector")),
            None => Labels::default(),
        };
        let port_nodes: Vec<Node<'a>> = node
            .at_keys("spec.ports")
            .map(|p| p.items().collect())
            .unwrap_or_default();
        self.check_l4_protocols(id, &port_nodes);
        self.check_port_numbers(id, &port_nodes);
        let ns = self.objects[id].ns().to_owned();
        let idx = self.services.len();
        let shadowed = self.objects[id].is_shadowed();
        if !shadowed {
            self.services_by_ns.entry(ns).or_default().push(idx);
        }
        self.services.push(ServiceInfo {
            id: idx,
            object: id,
            spec,
            port_nodes,
            selector,
        });
    }

    /// The API server accepts only TCP, UDP and SCTP as a port's `protocol`; users often write
    /// the application protocol there (`HTTP`), which belongs in the name or `appProtocol`.
    fn check_l4_protocols(&mut self, id: ObjectRef, port_nodes: &[Node<'a>]) {
        for (i, port) in port_nodes.iter().enumerate() {
            let Some(value) = port.get("protocol") else {
                continue;
            };
            let Some(text) = value.as_str() else { continue };
            if matches!(text, "TCP" | "UDP" | "SCTP") {
                continue;
            }
            self.invalid.push(InvalidObject {
                object: id,
                path: format!("spec.ports[{i}].protocol"),
                span: value.span(),
                message: format!(
                    "unsupported value `{text}`: the L4 protocol is TCP, UDP or SCTP; the application protocol goes in the port name or `appProtocol`"
                ),
                budget_exceeded: false,
            });
        }
    }

    /// The API server rejects a `port` (or numeric `targetPort`) outside 1–65535; one that
    /// mesh-lint read anyway would produce listeners that never exist. `targetPort: 0` means
    /// unset (the API server defaults it to `port`).
    fn check_port_numbers(&mut self, id: ObjectRef, port_nodes: &[Node<'a>]) {
        for (i, port) in port_nodes.iter().enumerate() {
            for (field, zero_ok) in [("port", false), ("targetPort", true)] {
                let Some(value) = port.get(field) else {
                    continue;
                };
                let Some(n) = value.as_i64() else { continue };
                if mesh_lint_kube::port::in_range(n) || (zero_ok && n == 0) {
                    continue;
                }
                self.invalid.push(InvalidObject {
                    object: id,
                    path: format!("spec.ports[{i}].{field}"),
                    span: value.span(),
                    message: format!(
                        "invalid value: integer `{n}`, expected a port number from 1 to 65535"
                    ),
                    budget_exceeded: false,
                });
            }
        }
    }

    fn add_namespace(&mut self, id: ObjectRef, node: Node<'a>, budget: &mut Budget) {
        if let Err(err) = mesh_lint_kube::namespace(node, budget) {
            return self.invalid(id, "", err);
        }
        let name = self.objects[id].name.to_owned();
        self.namespaces.entry(name).or_default().object = Some(id);
    }

    fn add_workload(&mut self, id: ObjectRef, kind: &str, node: Node<'a>, budget: &mut Budget) {
        let Some(path) = template_path(kind) else {
            return;
        };
        let template_node = if path.is_empty() {
            Some(node)
        } else {
            node.at_keys(path)
        };
        let Some(template_node) = template_node else {
            return;
        };
        let template = match mesh_lint_kube::pod_template(template_node, budget) {
            Ok(t) => t,
            Err(err) => return self.invalid(id, path, err),
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
        self.workloads.push(Workload {
            id: self.workloads.len(),
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
        });
    }

    fn add_istio(&mut self, id: ObjectRef, kind: &str, node: Node<'a>, budget: &mut Budget) {
        let spec_node = node.get("spec").filter(|s| !s.is_null()).unwrap_or(node);
        let missing_spec = spec_node.id() == node.id();
        macro_rules! typed {
            ($list:ident, $read:path) => {{
                let read = if missing_spec {
                    Ok(Default::default())
                } else {
                    $read(spec_node, budget)
                };
                match read {
                    Ok(spec) => self.$list.push(IstioObject {
                        object: id,
                        spec,
                        spec_node,
                    }),
                    Err(err) => self.invalid(id, "spec", err),
                }
            }};
        }
        match kind {
            "ServiceEntry" => typed!(service_entries, mesh_lint_kube::service_entry),
            "VirtualService" => typed!(virtual_services, mesh_lint_kube::virtual_service),
            "DestinationRule" => typed!(destination_rules, mesh_lint_kube::destination_rule),
            _ => typed!(sidecars, mesh_lint_kube::sidecar),
        }
    }

    fn invalid(&mut self, object: ObjectRef, prefix: &str, err: DeError) {
        let path = match (prefix.is_empty(), err.path.is_empty()) {
            (true, _) => err.path,
            (false, true) => prefix.to_owned(),
            (false, false) if err.path.starts_with('[') => format!("{prefix}{}", err.path),
            (false, false) => format!("{prefix}.{}", err.path),
        };
        self.invalid.push(InvalidObject {
            object,
            path,
            span: err.span,
            message: err.message,
            budget_exceeded: err.budget_exceeded,
        });
    }

    pub fn by_kind(&self, kind: &str) -> impl Iterator<Item = (ObjectRef, &Object<'a>)> {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.objects[i]))
    }

    pub fn services_in(&self, ns: &str) -> impl Iterator<Item = &ServiceInfo<'a>> {
        self.services_by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.services[i])
    }

    /// Workloads in the Service's namespace whose pod-template labels its selector matches.
    pub fn selected_workloads<'s>(
        &'s self,
        svc: &ServiceInfo<'a>,
    ) -> impl Iterator<Item = &'s Workload<'a>> + 's {
        self.service_workloads[svc.id]
            .iter()
            .map(|&w| &self.workloads[w])
    }

    /// The Services whose selector matches the workload's pod-template labels.
    pub fn services_selecting<'s>(
        &'s self,
        w: &Workload<'a>,
    ) -> impl Iterator<Item = &'s ServiceInfo<'a>> + 's {
        self.workload_services[w.id]
            .iter()
            .map(|&s| &self.services[s])
    }
}

/// Kubernetes' defaulting (`SetDefaults_Service` in `pkg/apis/core/v1/defaults.go`): a
/// missing, `0` or `""` targetPort is the port itself. Done once here so every rule reads the
/// targetPort the API server would store.
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

/// The object mappings of a document: the root, or the items of a `kind: List` (or `*List`).
fn object_nodes(root: Node<'_>) -> Vec<Node<'_>> {
    let kind = root.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    let is_list = kind.ends_with("List") && root.get("items").is_some();
    if !is_list {
        return vec![root];
    }
    root.get("items")
        .map(|items| items.items().collect())
        .unwrap_or_default()
}

/// An object's identity; `None` for non-Kubernetes YAML (values files, OpenAPI specs), which is
/// skipped quietly.
fn read_object<'a>(
    file: crate::source::FileId,
    node: Node<'a>,
    source: Option<&'a str>,
    cx: &LintContext,
) -> Option<Object<'a>> {
    let api_version = node.get("apiVersion")?.as_str()?;
    let kind = node.get("kind")?.as_str()?;
    if kind.is_empty() || api_version.is_empty() {
        return None;
    }
    let metadata = node.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("");
    let written_ns = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(|n| n.as_str())
        .filter(|s| !s.is_empty());
    let namespace = match (is_cluster_scoped(kind), written_ns) {
        (true, _) => None,
        (false, Some(ns)) => Some(Cow::Borrowed(ns)),
        (false, None) => Some(Cow::Owned(cx.default_namespace.clone())),
    };
    Some(Object {
        file,
        node,
        api_version,
        kind,
        name,
        namespace,
        namespace_explicit: written_ns.is_some(),
        source,
        labels: string_map(metadata.and_then(|m| m.get("labels"))),
        annotations: string_map(metadata.and_then(|m| m.get("annotations"))),
        shadowed_by: None,
    })
}

/// Marks every object that a later one with the same identity (API group, kind, namespace,
/// name) replaces, as `kubectl apply` of the inputs in order would; returns, per winner, its
/// earlier copies. Objects without a name (`generateName`) are never the same object.
fn mark_shadowed(found: &mut [(Object<'_>, usize)]) -> HashMap<ObjectRef, Vec<ObjectRef>> {
    let mut last: HashMap<(&str, &str, Option<&str>, &str), ObjectRef> = HashMap::new();
    for (i, (o, _)) in found.iter().enumerate() {
        if !o.name.is_empty() {
            last.insert((o.group(), o.kind, o.namespace.as_deref(), o.name), i);
        }
    }
    let mut winners = vec![None; found.len()];
    let mut copies: HashMap<ObjectRef, Vec<ObjectRef>> = HashMap::new();
    for (i, (o, _)) in found.iter().enumerate() {
        if o.name.is_empty() {
            continue;
        }
        let key = (o.group(), o.kind, o.namespace.as_deref(), o.name);
        if let Some(&winner) = last.get(&key).filter(|&&w| w != i) {
            winners[i] = Some(winner);
            copies.entry(winner).or_default().push(i);
        }
    }
    for ((o, _), winner) in found.iter_mut().zip(winners) {
        o.shadowed_by = winner;
    }
    copies
}
