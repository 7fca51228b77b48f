//! Which workloads of the inputs a `workloadSelector`/`selector` picks: one inverted
//! `label -> workloads` index over the live workloads, so each selector is a lookup of its
//! rarest label instead of a scan of the mesh.

use crate::model::MeshIndex;
use std::collections::HashMap;

pub struct Selection<'c> {
    by_label: HashMap<(&'c str, &'c str), Vec<usize>>,
    in_ns: HashMap<&'c str, Vec<usize>>,
}

impl<'c> Selection<'c> {
    pub fn build(index: &'c MeshIndex<'_>) -> Selection<'c> {
        let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let mut in_ns: HashMap<&str, Vec<usize>> = HashMap::new();
        for (wi, w) in index.workloads.iter().enumerate() {
            let obj = &index.objects[w.object];
            if obj.is_shadowed() {
                continue;
            }
            in_ns.entry(obj.ns()).or_default().push(wi);
            for (k, v) in &w.labels {
                by_label
                    .entry((k.as_str(), v.as_str()))
                    .or_default()
                    .push(wi);
            }
        }
        Selection { by_label, in_ns }
    }

    /// The workloads (positions in `index.workloads`) whose pod-template labels hold every
    /// entry of `selector`, in namespace `ns` or, with `None`, in any namespace. An empty
    /// selector selects every workload of `ns`.
    pub fn select(
        &self,
        index: &MeshIndex<'_>,
        ns: Option<&str>,
        selector: &[(&str, &str)],
    ) -> Vec<usize> {
        let in_scope =
            |w: usize| ns.is_none_or(|ns| index.objects[index.workloads[w].object].ns() == ns);
        if selector.is_empty() {
            return match ns {
                Some(ns) => self.in_ns.get(ns).cloned().unwrap_or_default(),
                None => self.in_ns.values().flatten().copied().collect(),
            };
        }
        let lists: Option<Vec<&Vec<usize>>> = selector
            .iter()
            .map(|&(k, v)| self.by_label.get(&(k, v)))
            .collect();
        let Some(shortest) = lists.and_then(|l| l.into_iter().min_by_key(|l| l.len())) else {
            return Vec::new();
        };
        shortest
            .iter()
            .copied()
            .filter(|&w| in_scope(w))
            .filter(|&w| {
                let labels = &index.workloads[w].labels;
                selector
                    .iter()
                    .all(|(k, v)| labels.get(k).is_some_and(|l| l == v))
            })
            .collect()
    }
}
