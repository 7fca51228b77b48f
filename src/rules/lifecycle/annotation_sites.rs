//! Where Istio annotations are written: every object's own `metadata`, and every workload's pod
//! template `metadata` (a Pod's own metadata is its template). The annotation rules (MESH408,
//! MESH411, MESH412) walk the same places, with the same knowledge of which pods nobody injects.

use crate::model::injection::Mode;
use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::Node;
use std::collections::HashMap;

/// One `metadata` mapping whose annotations Istio may read.
pub(super) struct Site<'a> {
    pub object: ObjectRef,
    pub meta: Node<'a>,
    /// The kind the annotations are read on: `Pod` for a pod template, else the object's kind.
    pub kind: &'a str,
    /// The workload's pods are never injected (outside the mesh, or host-network): no proxy
    /// reads their pod annotations.
    pub never_injected: bool,
    /// The workload whose pod metadata this is (a pod template, or a Pod's own metadata).
    pub workload: Option<usize>,
}

/// Every site, pod templates first, then every object's own metadata, in input order.
pub(super) fn annotation_sites<'a>(ck: &Checker<'_, 'a>) -> Vec<Site<'a>> {
    // Per object: whether its pods are never injected, and the Pod's workload.
    let mut workloads: HashMap<ObjectRef, (bool, Option<usize>)> = HashMap::new();
    let mut sites = Vec::new();
    for w in &ck.index.workloads {
        let skip = ck.injection_mode(w) == Mode::None;
        let pod = w.template_path.is_empty().then_some(w.id);
        workloads.insert(w.object, (skip, pod));
        if pod.is_some() {
            continue;
        }
        if let Some(meta) = w.template_node.get("metadata") {
            sites.push(Site {
                object: w.object,
                meta,
                kind: "Pod",
                never_injected: skip,
                workload: Some(w.id),
            });
        }
    }
    for (id, o) in ck.index.objects.iter().enumerate() {
        if let Some(meta) = o.node.get("metadata") {
            let (never_injected, workload) = workloads.get(&id).copied().unwrap_or_default();
            sites.push(Site {
                object: id,
                meta,
                kind: o.kind,
                never_injected,
                workload,
            });
        }
    }
    sites
}
