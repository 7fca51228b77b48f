use crate::diagnostic::ObjectId;
use crate::source::FileId;
use mesh_lint_yaml::Node;
use std::borrow::Cow;

/// Index of an object in [`crate::model::MeshIndex::objects`].
pub type ObjectRef = usize;

/// A Kubernetes object found in the inputs, with its tree node so rules can point into it.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    pub file: FileId,
    /// The object's mapping node (an item of `kind: List` for flattened lists).
    pub node: Node<'a>,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// The effective namespace: `metadata.namespace`, else the `-n` default; `None` for
    /// cluster-scoped kinds. Borrowed from the tree when written, as nearly all are.
    pub namespace: Option<Cow<'a, str>>,
    /// True when `metadata.namespace` is written in the file (fixes may then bake it in).
    pub namespace_explicit: bool,
    pub source: Option<&'a str>,
    pub labels: StrMap<'a>,
    pub annotations: StrMap<'a>,
    /// A later object with the same identity (group, kind, namespace, name), which `kubectl
    /// apply` of all the inputs would leave in place. This copy is still linted on its own, but
    /// cross-resource lookups see only the later one.
    pub shadowed_by: Option<ObjectRef>,
}

impl<'a> Object<'a> {
    pub fn id(&self) -> ObjectId {
        ObjectId {
            api_version: self.api_version.into(),
            kind: self.kind.into(),
            namespace: self.namespace.as_deref().map(Into::into),
            name: self.name.into(),
        }
    }

    /// `ns/name`, or `name` for cluster-scoped objects.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.to_owned(),
        }
    }

    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    /// The API group, `""` for the core group.
    pub fn group(&self) -> &'a str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// True when a later object with the same identity replaces this one (see `shadowed_by`).
    pub fn is_shadowed(&self) -> bool {
        self.shadowed_by.is_some()
    }

    pub fn is_istio_networking(&self) -> bool {
        self.group() == "networking.istio.io"
    }
}

/// Namespaces Istio never injects (`inject.IgnoredNamespaces`, §8.2): cluster infrastructure,
/// outside the mesh and outside the user's control, so mesh rules leave them alone.
pub fn is_system_namespace(ns: &str) -> bool {
    matches!(
        ns,
        "kube-system" | "kube-public" | "kube-node-lease" | "local-path-storage"
    )
}

/// Kinds without a namespace (never defaulted by `-n`).
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "StorageClass"
            | "PriorityClass"
            | "IngressClass"
            | "GatewayClass"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "APIService"
            | "CSIDriver"
            | "RuntimeClass"
            | "ClusterIssuer"
    )
}

/// A string-to-string map (labels, annotations); non-scalar values are skipped here and left to
/// MESH002.
pub fn string_map(node: Option<Node<'_>>) -> StrMap<'_> {
    StrMap { node }
}

/// The same map owned and sorted, for selectors kept beyond the trees' borrow (`matchLabels`,
/// a Gateway `selector`); non-string values skipped.
pub fn owned_string_map(node: Option<Node<'_>>) -> std::collections::BTreeMap<String, String> {
    node.into_iter()
        .flat_map(|n| n.entries())
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
        .collect()
}

/// Labels or annotations of an object, read like a `BTreeMap` (sorted by key, the last of equal
/// keys wins; entries whose key or value is not a scalar are skipped) but read from the tree
/// when asked: every object of a run keeps two of them, and the few lookups a rule makes scan
/// a handful of entries, where a copy of the entries took 10 MB at 92,000 objects.
#[derive(Clone, Copy, Default)]
pub struct StrMap<'a> {
    node: Option<Node<'a>>,
}

impl<'a> StrMap<'a> {
    /// The scalar entries in the order written, equal keys included.
    fn written(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.node
            .into_iter()
            .flat_map(|n| n.entries())
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
    }

    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.written()
            .filter(|(k, _)| *k == key)
            .last()
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.written().any(|(k, _)| k == key)
    }

    /// The entries sorted by key, the last of equal keys kept.
    pub fn iter(&self) -> std::vec::IntoIter<(&'a str, &'a str)> {
        let mut entries: Vec<(&str, &str)> = self.written().collect();
        // Stable, so equal keys stay in input order; keep the last, as `BTreeMap` inserts do.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut kept: Vec<(&str, &str)> = Vec::with_capacity(entries.len());
        for e in entries {
            match kept.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => kept.push(e),
            }
        }
        kept.into_iter()
    }

    pub fn len(&self) -> usize {
        self.iter().len()
    }

    pub fn is_empty(&self) -> bool {
        self.written().next().is_none()
    }
}

impl PartialEq for StrMap<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for StrMap<'_> {}

impl std::fmt::Debug for StrMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
