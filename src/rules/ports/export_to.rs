//! The edit that narrows a resource's visibility to its own namespace, as MESH103's and
//! proposes.

use crate::diagnostic::Edit;
use crate::model::listeners::ListenerSource;
use crate::model::visibility::EXPORT_TO_ANNOTATION;
use crate::model::ObjectRef;
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::Checker;

/// Edits that export the resource to its own namespace only: `spec.exportTo: ["."]` on a
/// ServiceEntry, the `networking.istio.io/exportTo: "."` annotation on a Service.
pub fn export_to_own_namespace(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    source: ListenerSource,
) -> Option<Vec<Edit>> {
    let own = || Value::inline("\".\"");
    let edit = match source {
        ListenerSource::ServiceEntry(i) => {
            let se = &ck.index.service_entries[i];
            if se.spec_node.id() == ck.index.objects[object].node.id() {
                return None;
            }
            let value = Value::inline("[\".\"]");
            set_key(ck, object, se.spec_node, "exportTo", &value, Place::First)
        }
        ListenerSource::Service(_) => {
            let metadata = ck.index.objects[object].node.get("metadata")?;
            match metadata.get("annotations") {
                Some(a) if a.is_null() => None,
                Some(a) => set_key(ck, object, a, EXPORT_TO_ANNOTATION, &own(), Place::First),
                None => {
                    let value = Value::entry(EXPORT_TO_ANNOTATION, own());
                    set_key(ck, object, metadata, "annotations", &value, Place::First)
                }
            }
        }
    }?;
    Some(vec![edit])
}
