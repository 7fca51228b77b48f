//! Where Istio annotations are written: every object's own `metadata`, and every workload's pod
//! template `metadata` (a Pod's own metadata is its template). The annotation rules (MESH408,
//! MESH411, MESH412) walk the same places, with the same knowledge of which pods nobody injects.

use crate::model::injection::Mode;
use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::Node;

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

/// Every site, pod templates first, then every object's own metadata, in input order. Made
/// as the rules walk them: three rules walk them at once, and a list of the sites of a large
/// mesh took 7 MB each.
pub(super) fn annotation_sites<'r, 'c, 'a>(
    ck: &'r Checker<'c, 'a>,
) -> impl Iterator<Item = Site<'a>> + use<'r, 'c, 'a> {
    // Per workload object: whether its pods are never injected, and the Pod's workload; sorted
    // by object for the lookups below.
    let mut workloads: Vec<(ObjectRef, bool, Option<usize>)> = ck
        .index
        .workloads
        .iter()
        .map(|w| {
            let pod = w.template_path.is_empty().then_some(w.id);
            (w.object, ck.injection_mode(w) == Mode::None, pod)
        })
        .collect();
    workloads.sort_unstable_by_key(|w| w.0);
    let templates = ck.index.workloads.iter().filter_map(|w| {
        // A Pod's own metadata is its template: it comes with the objects.
        if w.template_path.is_empty() {
            return None;
        }
        Some(Site {
            object: w.object,
            meta: w.template_node.get("metadata")?,
            kind: "Pod",
            never_injected: ck.injection_mode(w) == Mode::None,
            workload: Some(w.id),
        })
    });
    let objects = ck
        .index
        .objects
        .iter()
        .enumerate()
        .filter_map(move |(id, o)| {
            let (never_injected, workload) = workloads
                .binary_search_by_key(&id, |w| w.0)
                .map_or((false, None), |i| (workloads[i].1, workloads[i].2));
            Some(Site {
                object: id,
                meta: o.node.get("metadata")?,
                kind: o.kind,
                never_injected,
                workload,
            })
        });
    templates.chain(objects)
}
