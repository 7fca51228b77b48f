use super::ObjectRef;
use k8s_openapi::api::core::v1::{PodTemplateSpec, ServicePort};
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

/// A workload with its pod template, typed and as a tree node.
#[derive(Debug)]
pub struct Workload<'a> {
    pub object: ObjectRef,
    /// Its position in [`crate::model::MeshIndex::workloads`].
    pub id: usize,
    /// The pod template node (the object node for a Pod).
    pub template_node: Node<'a>,
    /// The dotted path from the object to the template (`""` for a Pod).
    pub template_path: &'static str,
    pub template: PodTemplateSpec,
    /// The pod template's labels, what Service selectors match.
    pub labels: BTreeMap<String, String>,
}

impl Workload<'_> {
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
                .template
                .spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .map(|p| p.container_port),
        }
    }
}
