//! The mesh index: every object, plus lookups by kind, name, namespace and port. Built once;
//! cross-resource rules are lookups here, never nested loops over all objects.

use super::object::{is_cluster_scoped, string_map, Object, ObjectRef, StrMap};
use super::typed::{self, ServiceParts, Typed, View};
use super::workload::{Labels, Workload};
use super::LintContext;
use crate::parse::ParsedFile;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::{istio, k8s_openapi};
use mesh_lint_yaml::{Limits, Node, Span};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Objects read into typed views at a time (whole documents, so a few more).
pub(super) const READ_BATCH: usize = 8192;

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
    pub service_entries: Vec<IstioObject<'a, istio::ServiceEntrySpec<'a>>>,
    pub virtual_services: Vec<IstioObject<'a, istio::VirtualServiceSpec<'a>>>,
    pub destination_rules: Vec<IstioObject<'a, istio::DestinationRuleSpec<'a>>>,
    pub sidecars: Vec<IstioObject<'a, istio::SidecarSpec<'a>>>,
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
        index.reserve(&found);
        // Read in batches of whole documents: the typed results of all 92,000 objects of a
        // large mesh at once took 20 MB until the index had taken them.
        let mut found = VecDeque::from(found);
        while !found.is_empty() {
            let batch = found.make_contiguous();
            let end = typed::document_end(batch, READ_BATCH);
            let typed = typed::read_all(&batch[..end], index.objects.len(), limits);
            for typed in typed {
                let Some((object, _)) = found.pop_front() else {
                    break;
                };
                index.add(object, typed);
            }
        }
        index.link_selectors();
        index.shrink_to_fit();
        index
    }

    /// Sizes every list for the objects `found` holds (an invalid object or a workload without
    /// a pod template adds less; `shrink_to_fit` returns that). Grown by doubling instead, each
    /// list leaves its earlier buffers behind as holes in the heap, which later allocations only
    /// partly fill.
    fn reserve(&mut self, found: &[(Object<'a>, usize)]) {
        let mut views = [0; 7];
        for (object, _) in found {
            if let Some(view) = typed::view_of(object) {
                views[view as usize] += 1;
            }
        }
        let count = |v: View| views[v as usize];
        self.objects.reserve_exact(found.len());
        self.services.reserve_exact(count(View::Service));
        self.workloads.reserve_exact(count(View::Workload));
        self.service_entries
            .reserve_exact(count(View::ServiceEntry));
        self.virtual_services
            .reserve_exact(count(View::VirtualService));
        self.destination_rules
            .reserve_exact(count(View::DestinationRule));
        self.sidecars.reserve_exact(count(View::Sidecar));
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

    /// Adds `object` with what [`typed::read`] made of it.
    fn add(&mut self, object: Object<'a>, typed: Typed<'a>) {
        let id = self.objects.len();
        self.by_kind.entry(object.kind).or_default().push(id);
        if let Some(ns) = object
            .namespace
            .as_deref()
            .filter(|_| !object.is_shadowed())
        {
            if !self.namespaces.contains_key(ns) {
                self.namespaces
                    .insert(ns.to_owned(), NamespaceInfo::default());
            }
        }
        match typed {
            Typed::Other => {}
            Typed::Invalid(invalid) => self.invalid.push(invalid),
            Typed::Namespace => {
                self.namespaces
                    .entry(object.name.to_owned())
                    .or_default()
                    .object = Some(id);
            }
            Typed::Service(service) => {
                let ServiceParts {
                    spec,
                    selector,
                    port_nodes,
                    problems,
                } = service;
                self.invalid.extend(problems);
                let idx = self.services.len();
                if !object.is_shadowed() {
                    self.services_by_ns
                        .entry(object.ns().to_owned())
                        .or_default()
                        .push(idx);
                }
                self.services.push(ServiceInfo {
                    id: idx,
                    object: id,
                    spec,
                    port_nodes,
                    selector,
                });
            }
            Typed::Workload(mut w) => {
                w.id = self.workloads.len();
                self.workloads.push(w);
            }
            Typed::ServiceEntry(spec) => self.service_entries.push(spec),
            Typed::VirtualService(spec) => self.virtual_services.push(spec),
            Typed::DestinationRule(spec) => self.destination_rules.push(spec),
            Typed::Sidecar(spec) => self.sidecars.push(spec),
        }
        self.objects.push(object);
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
    // One hash per object: each object's previous copy, then the chains walked from their
    // last object (the one no later copy has marked).
    let mut last: HashMap<(&str, &str, Option<&str>, &str), ObjectRef> =
        HashMap::with_capacity(found.len());
    let mut previous: Vec<Option<ObjectRef>> = vec![None; found.len()];
    for (i, (o, _)) in found.iter().enumerate() {
        if !o.name.is_empty() {
            previous[i] = last.insert((o.group(), o.kind, o.namespace.as_deref(), o.name), i);
        }
    }
    drop(last);
    let mut copies: HashMap<ObjectRef, Vec<ObjectRef>> = HashMap::new();
    for winner in (0..found.len()).rev() {
        if found[winner].0.shadowed_by.is_some() || previous[winner].is_none() {
            continue;
        }
        let mut chain = Vec::new();
        let mut copy = previous[winner];
        while let Some(c) = copy {
            found[c].0.shadowed_by = Some(winner);
            chain.push(c);
            copy = previous[c];
        }
        chain.reverse();
        copies.insert(winner, chain);
    }
    copies
}
