use super::index::ServicePortView;
use super::object::string_map;
use super::ObjectRef;
use k8s_openapi::api::core::v1::PodTemplateSpec;
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
/// holds every field of every container and costs several times the YAML it came from. The
/// texts are borrowed from the tree, where deserialization read them.
#[derive(Debug)]
pub struct ContainerView<'a> {
    pub name: &'a str,
    pub image: Option<&'a str>,
    /// `securityContext.runAsUser` / `runAsGroup` of the container.
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub ports: Box<[ContainerPortView<'a>]>,
}

/// A container's `ports` item: the fields rules read.
#[derive(Debug)]
pub struct ContainerPortView<'a> {
    pub name: Option<&'a str>,
    pub container_port: i32,
    pub protocol: Option<&'a str>,
}

/// The containers of a typed pod template, in order (init containers are not included), with
/// their texts read from `template_node`, the node the template was deserialized from (its
/// `spec.containers` items are the typed containers, in the same order).
pub fn container_views<'a>(
    template: &PodTemplateSpec,
    template_node: Node<'a>,
) -> Box<[ContainerView<'a>]> {
    let Some(spec) = &template.spec else {
        return Box::default();
    };
    let nodes = template_node.at_keys("spec.containers");
    let nodes = nodes.into_iter().flat_map(|n| n.items());
    spec.containers
        .iter()
        .zip(nodes)
        .map(|(c, node)| {
            let sc = c.security_context.as_ref();
            let port_nodes = node.get("ports").into_iter().flat_map(|n| n.items());
            ContainerView {
                name: node.get("name").and_then(Node::as_str).unwrap_or_default(),
                image: node.get("image").and_then(Node::as_opt_str),
                run_as_user: sc.and_then(|s| s.run_as_user),
                run_as_group: sc.and_then(|s| s.run_as_group),
                ports: c
                    .ports
                    .iter()
                    .flatten()
                    .zip(port_nodes)
                    .map(|(p, node)| ContainerPortView {
                        name: node.get("name").and_then(Node::as_opt_str),
                        container_port: p.container_port,
                        protocol: node.get("protocol").and_then(Node::as_opt_str),
                    })
                    .collect(),
            }
        })
        .collect()
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
    pub containers: Box<[ContainerView<'a>]>,
    /// `spec.hostNetwork` of the template.
    pub host_network: bool,
    /// `spec.securityContext.runAsUser` / `runAsGroup` of the template (the pod's defaults).
    pub pod_run_as_user: Option<i64>,
    pub pod_run_as_group: Option<i64>,
    /// The names of `spec.initContainers` of the template, in order.
    pub init_containers: Box<[&'a str]>,
    /// The pod template's annotations.
    pub annotations: Labels<'a>,
    /// The pod template's labels, what Service selectors match.
    pub labels: Labels<'a>,
}

/// A string map as deserialization reads it (sorted by key; of equal keys the first wins), in
/// one exactly sized slice of texts borrowed from the tree: a workload's labels and annotations,
/// a Service's selector. A `BTreeMap<String, String>` costs a node of half a kilobyte plus two
/// allocations per entry, for every workload of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels<'a>(Box<[(&'a str, &'a str)]>);

impl<'a> Labels<'a> {
    /// The scalar entries of the mapping `node` (none for a missing or null node).
    pub fn of(node: Option<Node<'a>>) -> Labels<'a> {
        node.into_iter()
            .flat_map(|n| n.entries())
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
            .collect()
    }

    /// Like [`Labels::of`] but the last of equal keys wins, as for an object's own labels (see
    /// [`crate::model::StrMap`]).
    pub fn of_last_wins(node: Option<Node<'a>>) -> Labels<'a> {
        // Sorted and unique already: its entries as they are.
        Labels(string_map(node).iter().collect())
    }

    pub fn get(&self, key: &str) -> Option<&'a str> {
        let i = self.0.binary_search_by(|(k, _)| (*k).cmp(key)).ok()?;
        Some(self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The labels as a map, for code that keeps label sets of several origins side by side.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for Labels<'a> {
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str)>>(iter: I) -> Self {
        let mut entries: Vec<(&str, &str)> = iter.into_iter().collect();
        // Stable, so equal keys stay in input order and `dedup` keeps the first, as
        // deserialization does.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries.dedup_by(|later, first| later.0 == first.0);
        Labels(entries.into_boxed_slice())
    }
}

impl<'l, 'a> IntoIterator for &'l Labels<'a> {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Copied<std::slice::Iter<'l, (&'a str, &'a str)>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().copied()
    }
}

impl<'a> Workload<'a> {
    /// The pod template's annotation `key`.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations.get(key)
    }

    /// True when every `selector` entry is among the pod labels (an empty selector selects
    /// nothing, as for Services).
    pub fn matches(&self, selector: &BTreeMap<String, String>) -> bool {
        !selector.is_empty()
            && selector
                .iter()
                .all(|(k, v)| self.labels.get(k) == Some(v.as_str()))
    }
}

impl Workload<'_> {
    /// The container port a Service port reaches on this workload: its numeric `targetPort`,
    /// its `port` when `targetPort` is unset, or the container port named by `targetPort`.
    pub fn container_port(&self, port: &ServicePortView<'_>) -> Option<i32> {
        match &port.target_port {
            Some(IntOrString::Int(n)) => Some(*n),
            None => Some(port.port),
            Some(IntOrString::String(name)) => self
                .containers
                .iter()
                .flat_map(|c| c.ports.iter())
                .find(|p| p.name == Some(name.as_str()))
                .map(|p| p.container_port),
        }
    }
}
