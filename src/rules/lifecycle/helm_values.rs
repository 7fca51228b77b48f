//! The injector's Helm values as the inputs hold them: an IstioOperator's `spec.values`, or the
//! rendered `istio-sidecar-injector` ConfigMap's `values` (the Helm values as JSON text).

use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::{parse_stream, Limits, Node};

/// One place the inputs set a Helm value.
pub struct HelmValue<'v, 'a> {
    pub object: ObjectRef,
    pub value: Node<'v>,
    /// Where a finding points: the value itself, or the ConfigMap's `values` string it sits in.
    pub at: Node<'a>,
    /// Read from the injector ConfigMap rather than an IstioOperator.
    pub in_configmap: bool,
}

/// Calls `f` with each place the inputs set the Helm value `path` (IstioOperators first, then
/// the injector ConfigMaps, in input order) until `f` returns an answer.
pub fn find_helm_value<'a, R>(
    ck: &Checker<'_, 'a>,
    path: &str,
    mut f: impl FnMut(HelmValue<'_, 'a>) -> Option<R>,
) -> Option<R> {
    for (object, op) in ck.index.by_kind("IstioOperator") {
        let Some(value) = op.node.at_keys("spec.values").and_then(|v| v.at_keys(path)) else {
            continue;
        };
        let found = HelmValue {
            object,
            value,
            at: value,
            in_configmap: false,
        };
        if let Some(answer) = f(found) {
            return Some(answer);
        }
    }
    for (object, cm) in ck.index.by_kind("ConfigMap") {
        if !cm.name.starts_with("istio-sidecar-injector") {
            continue;
        }
        let Some(at) = cm.node.at_keys("data.values") else {
            continue;
        };
        let Some(text) = at.as_str() else { continue };
        let docs = parse_stream(text, &Limits::default());
        let Some(value) = docs
            .first()
            .and_then(|d| d.root())
            .and_then(|r| r.at_keys(path))
        else {
            continue;
        };
        let found = HelmValue {
            object,
            value,
            at,
            in_configmap: true,
        };
        if let Some(answer) = f(found) {
            return Some(answer);
        }
    }
    None
}
