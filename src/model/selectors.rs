//! Workload label sets by namespace and label, for the policies that pick their workloads by a
//! label selector (AuthorizationPolicy, RequestAuthentication, PeerAuthentication, Sidecar,
//! Telemetry, EnvoyFilter) and for DestinationRule subsets.
//!
//! A label set is what Istio matches a selector against: the pod template of a workload
//! (Deployment, StatefulSet, ..., Pod), a WorkloadEntry's `spec.labels`, a WorkloadGroup's
//! `spec.metadata.labels` (the entries it creates carry them), and the gateway Deployment
//! that Istio creates for a Kubernetes Gateway (labelled with the Gateway's name). Built once
//! over all objects; a selector is then answered from the shortest `(namespace, key, value)`
//! list among its pairs, never by scanning a namespace.

use super::key_index::KeyIndex;
use super::workload::Labels;
use super::{MeshIndex, ObjectRef};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The label Istio's gateway controller puts on the Deployment of a Kubernetes Gateway
/// (`pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go`; the older
/// `istio.io/gateway-name` was dropped in 1.24).
pub const GATEWAY_NAME_LABELS: [&str; 1] = ["gateway.networking.k8s.io/gateway-name"];

/// One set of labels a selector can match.
#[derive(Debug)]
pub struct LabelSet<'i> {
    /// The workload, WorkloadEntry, WorkloadGroup or Gateway it comes from.
    pub object: ObjectRef,
    /// Index into [`MeshIndex::workloads`] for pod templates.
    pub workload: Option<usize>,
    /// A pod template's labels are borrowed from its workload; the others are read here.
    pub labels: Cow<'i, Labels<'i>>,
}

impl LabelSet<'_> {
    /// Every selector pair is among the labels (an empty selector matches everything).
    pub fn matches(&self, selector: &BTreeMap<String, String>) -> bool {
        selector
            .iter()
            .all(|(k, v)| self.labels.get(k) == Some(v.as_str()))
    }
}

/// Label sets by namespace, with an inverted `(namespace, key, value)` index.
///
/// The inverted indexes are [`KeyIndex`]es rather than maps of owned keys: a run with 24,000
/// workloads held every label three more times as strings. They name candidates;
/// [`LabelSet::matches`] and the namespace decide.
#[derive(Debug, Default)]
pub struct WorkloadLabels<'i> {
    pub sets: Vec<LabelSet<'i>>,
    namespace_of: Vec<&'i str>,
    by_ns: HashMap<&'i str, Vec<usize>>,
    by_label: KeyIndex,
    /// `(key, value)` over every namespace, for root-namespace policies that apply mesh-wide.
    by_label_any_ns: KeyIndex,
}

impl<'i> WorkloadLabels<'i> {
    pub fn build<'a: 'i>(index: &'i MeshIndex<'a>) -> WorkloadLabels<'i> {
        let mut out = WorkloadLabels::default();
        for w in &index.workloads {
            out.add(index, w.object, Some(w.id), Cow::Borrowed(&w.labels));
        }
        for kind in ["WorkloadEntry", "WorkloadGroup", "Gateway"] {
            for (id, o) in index.by_kind(kind) {
                let labels = match (kind, o.group()) {
                    ("WorkloadEntry", "networking.istio.io") => {
                        Labels::of_last_wins(o.node.at_keys("spec.labels"))
                    }
                    ("WorkloadGroup", "networking.istio.io") => {
                        Labels::of_last_wins(o.node.at_keys("spec.metadata.labels"))
                    }
                    ("Gateway", "gateway.networking.k8s.io") => {
                        GATEWAY_NAME_LABELS.iter().map(|k| (*k, o.name)).collect()
                    }
                    _ => continue,
                };
                out.add(index, id, None, Cow::Owned(labels));
            }
        }
        out.by_label.seal();
        out.by_label_any_ns.seal();
        out
    }

    fn add(
        &mut self,
        index: &'i MeshIndex<'_>,
        object: ObjectRef,
        workload: Option<usize>,
        labels: Cow<'i, Labels<'i>>,
    ) {
        let obj = &index.objects[object];
        // A copy that a later object of the same identity replaces is not a workload.
        if obj.is_shadowed() {
            return;
        }
        let ns = obj.ns();
        let i = self.sets.len();
        self.by_ns.entry(ns).or_default().push(i);
        for (k, v) in labels.iter() {
            self.by_label.push(&(ns, k, v), i);
            self.by_label_any_ns.push(&(k, v), i);
        }
        self.namespace_of.push(ns);
        self.sets.push(LabelSet {
            object,
            workload,
            labels,
        });
    }

    /// The label sets in namespace `ns`.
    pub fn in_namespace(&self, ns: &str) -> &[usize] {
        self.by_ns.get(ns).map_or(&[], Vec::as_slice)
    }

    /// How many label sets the inputs hold in any namespace.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    pub fn namespace(&self, set: usize) -> &str {
        self.namespace_of[set]
    }

    /// The label sets in `ns` (every namespace when `None`) that `selector` matches. An empty
    /// selector matches every set in scope.
    pub fn select(&self, ns: Option<&str>, selector: &BTreeMap<String, String>) -> Vec<usize> {
        let candidates: Option<Vec<usize>> = selector
            .iter()
            .map(|(k, v)| match ns {
                Some(ns) => self.by_label.candidates(&(ns, k, v)).collect::<Vec<_>>(),
                None => self.by_label_any_ns.candidates(&(k, v)).collect(),
            })
            .min_by_key(Vec::len);
        let candidates: Vec<usize> = match (candidates, ns) {
            (Some(c), _) => c,
            (None, Some(ns)) => self.in_namespace(ns).to_vec(),
            (None, None) => (0..self.sets.len()).collect(),
        };
        candidates
            .into_iter()
            .filter(|&i| ns.is_none_or(|ns| self.namespace_of[i] == ns))
            .filter(|&i| self.sets[i].matches(selector))
            .collect()
    }
}

impl WorkloadLabels<'_> {
    /// The pod templates (positions in `MeshIndex::workloads`) in `ns` (every namespace when
    /// `None`) whose labels hold every pair of `selector`; WorkloadEntries and Gateways left
    /// out. An empty selector selects every pod template in scope.
    pub fn select_workloads<'s>(
        &self,
        ns: Option<&str>,
        selector: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Vec<usize> {
        let selector: BTreeMap<String, String> = selector
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        self.select(ns, &selector)
            .into_iter()
            .filter_map(|i| self.sets[i].workload)
            .collect()
    }
}

/// A string map at a dotted path of `node` (non-string values skipped).
pub fn read_map(node: mesh_lint_yaml::Node<'_>, path: &str) -> BTreeMap<String, String> {
    super::object::owned_string_map(node.at_keys(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LintContext;
    use crate::parse::parse_file;
    use crate::source::{FileId, SourceFile};
    use mesh_lint_yaml::Limits;

    #[test]
    fn selects_by_namespace_and_everywhere() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api, version: v1}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm, namespace: shop}
spec: {address: 10.0.0.1, labels: {app: api, version: vm}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: ingress}
spec: {gatewayClassName: istio, listeners: []}
";
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.as_bytes().to_vec());
        let parsed = vec![parse_file(FileId(0), &file, &Limits::default())];
        let cx = LintContext::default();
        let index = MeshIndex::build(&parsed, &cx, &Limits::default());
        let wl = WorkloadLabels::build(&index);
        let sel = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(wl.select(Some("shop"), &sel(&[("app", "api")])).len(), 2);
        assert_eq!(wl.select(Some("shop"), &sel(&[("version", "vm")])).len(), 1);
        assert!(wl.select(Some("other"), &sel(&[("app", "api")])).is_empty());
        assert_eq!(
            wl.select(None, &sel(&[("app", "api"), ("version", "v1")]))
                .len(),
            1
        );
        let gw = sel(&[("gateway.networking.k8s.io/gateway-name", "edge")]);
        assert_eq!(wl.select(Some("ingress"), &gw).len(), 1);
        assert_eq!(wl.in_namespace("shop").len(), 2);
    }
}
