use super::ObjectRef;
use k8s_openapi::api::core::v1::{ContainerPort, PodTemplateSpec, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::k8s_openapi;
use mesh_lint_yaml::Node;
use std::collections::BTreeMap;

/// Workload kinds and the path of their pod template (`""`: the object itself is the pod).
pub const WORKLOAD_KINDS: [(&str, &str); 9] = [
    ("Pod", ""),
    ("Deployment", "spec.template"),
    ("StatefulSet", "spec.template"),
    ("DaemonSet", "spec.template"),
    ("ReplicaSet", "spec.template"),
    ("ReplicationController", "spec.template"),
    ("Job", "spec.template"),
    ("CronJob", "spec.jobTemplate.spec.template"),
    ("Rollout", "spec.template"),
];

/// The dotted path of `kind`'s pod template, if it is a workload kind.
pub fn template_path(kind: &str) -> Option<&'static str> {
    WORKLOAD_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, p)| *p)
}

/// What the rules read of one container of a pod template. The full typed template is only
/// read to validate its shape (MESH002) and then dropped: a k8s-openapi `PodTemplateSpec`
/// holds every field of every container and costs several times the YAML it came from.
#[derive(Debug)]
pub struct ContainerView {
    pub name: String,
    pub image: Option<String>,
    /// `securityContext.runAsUser` / `runAsGroup` of the container.
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub ports: Vec<ContainerPort>,
}

/// The containers of a typed pod template, in order (init containers are not included).
pub fn container_views(template: PodTemplateSpec) -> Vec<ContainerView> {
    let containers = template.spec.map(|s| s.containers).unwrap_or_default();
    // A fresh Vec, not `into_iter().collect()`: that reuses the typed containers' far larger
    // allocation in place.
    let mut views = Vec::with_capacity(containers.len());
    for c in containers {
        let sc = c.security_context.as_ref();
        views.push(ContainerView {
            run_as_user: sc.and_then(|s| s.run_as_user),
            run_as_group: sc.and_then(|s| s.run_as_group),
            name: c.name,
            image: c.image,
            ports: c.ports.unwrap_or_default(),
        });
    }
    views
}

/// A workload with its pod template, as a tree node and the few typed fields rules read.
#[derive(Debug)]
pub struct Workload<'a> {
    pub object: ObjectRef,
    /// Its position in [`crate::model::MeshIndex::workloads`].
    pub id: usize,
    /// The pod template node (the object node for a Pod).
    pub template_node: Node<'a>,
    /// The dotted path from the object to the template (`""` for a Pod).
    pub template_path: &'static str,
    /// `spec.containers` of the template, in order.
    pub containers: Vec<ContainerView>,
    /// `spec.hostNetwork` of the template.
    pub host_network: bool,
    /// `spec.securityContext.runAsUser` / `runAsGroup` of the template (the pod's defaults).
    pub pod_run_as_user: Option<i64>,
    pub pod_run_as_group: Option<i64>,
    /// The names of `spec.initContainers` of the template, in order.
    pub init_containers: Vec<String>,
    /// The pod template's annotations, sorted by key.
    pub annotations: Box<[(String, String)]>,
    /// The pod template's labels, what Service selectors match.
    pub labels: Labels,
}

/// Labels sorted by key, in one exactly sized slice: a workload has a handful, and a
/// `BTreeMap`'s first node alone takes half a kilobyte.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Box<[(String, String)]>);

impl Labels {
    pub fn get(&self, key: &str) -> Option<&String> {
        let i = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(&self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The labels as a map, for code that keeps label sets of several origins side by side.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        Labels(map.into_iter().collect())
    }
}

impl<'l> IntoIterator for &'l Labels {
    type Item = (&'l String, &'l String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'l, (String, String)>,
        fn(&'l (String, String)) -> (&'l String, &'l String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Workload<'_> {
    /// The pod template's annotation `key`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        let i = self
            .annotations
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()?;
        Some(self.annotations[i].1.as_str())
    }

    /// True when every `selector` entry is among the pod labels (an empty selector selects
    /// nothing, as for Services).
    pub fn matches(&self, selector: &BTreeMap<String, String>) -> bool {
        !selector.is_empty() && selector.iter().all(|(k, v)| self.labels.get(k) == Some(v))
    }
}

impl Workload<'_> {
    /// The container port a Service port reaches on this workload: its numeric `targetPort`,
    /// its `port` when `targetPort` is unset, or the container port named by `targetPort`.
    pub fn container_port(&self, port: &ServicePort) -> Option<i32> {
        match &port.target_port {
            Some(IntOrString::Int(n)) => Some(*n),
            None => Some(port.port),
            Some(IntOrString::String(name)) => self
                .containers
                .iter()
                .flat_map(|c| c.ports.iter())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .map(|p| p.container_port),
        }
    }
}
