//! The offline proxy view: queries over the listener, scope and routing models that answer
//! what `istioctl proxy-config listeners` and a walk through Envoy's config would, before
//! anything is deployed. Nothing here models Istio a second time: listeners come from
//! [`crate::model::listeners`], visibility from [`crate::model::scopes`], routes and
//! DestinationRules from [`crate::model::routing`].

pub mod capture;
pub mod graph;
pub mod listeners;
pub mod trace;
mod trace_route;

use crate::model::{MeshIndex, ObjectRef};
use crate::rules::Checker;
use mesh_lint_yaml::Span;
use serde::Serialize;

/// Where a listener, route or rule comes from: the object and the line of the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub file: String,
    pub line: u32,
    /// Kept for miette labels; not part of the JSON schema.
    #[serde(skip)]
    pub object: ObjectRef,
    #[serde(skip)]
    pub span: Span,
}

impl Origin {
    pub fn of(ck: &Checker<'_, '_>, object: ObjectRef, span: Option<Span>) -> Origin {
        let obj = &ck.index.objects[object];
        // The object's name is where a reader recognises it; the whole object is too much.
        let span = span.unwrap_or_else(|| {
            obj.node
                .at_keys("metadata.name")
                .map_or_else(|| obj.node.span(), |n| n.span())
        });
        let file = ck.files.get(obj.file);
        let (line, _) = file.line_col(span.start);
        Origin {
            kind: obj.kind.to_owned(),
            namespace: obj.ns().to_owned(),
            name: obj.name.to_owned(),
            file: file.name.clone(),
            line,
            object,
            span,
        }
    }

    /// `app/app-ext.yaml:17 (Service app/app-ext)`.
    pub fn describe(&self) -> String {
        format!(
            "{}:{} ({} {}/{})",
            self.file, self.line, self.kind, self.namespace, self.name
        )
    }
}

/// Istio's outbound cluster name (`model.BuildSubsetKey`): `outbound|port|subset|host`.
pub fn cluster_name(port: i32, subset: &str, host: &str) -> String {
    format!("outbound|{port}|{subset}|{host}")
}

/// The workload named `name` in `ns`, or the one whose pods are named `name`
/// (`hazelcast-0` of StatefulSet `hazelcast`, `web-5d9c-x2x` of Deployment `web`).
pub fn find_workload(index: &MeshIndex<'_>, ns: &str, name: &str) -> Option<usize> {
    let in_ns = || {
        index
            .workloads
            .iter()
            .filter(move |w| index.objects[w.object].ns() == ns)
    };
    if let Some(w) = in_ns().find(|w| index.objects[w.object].name == name) {
        return Some(w.id);
    }
    in_ns()
        .filter(|w| {
            let wname = index.objects[w.object].name;
            name.strip_prefix(wname)
                .is_some_and(|rest| rest.starts_with('-'))
        })
        .max_by_key(|w| index.objects[w.object].name.len())
        .map(|w| w.id)
}
