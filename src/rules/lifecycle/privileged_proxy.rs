use super::helm_values::find_helm_value;
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::ObjectRef;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an Istio installation manifest that makes every injected proxy privileged:
    /// `global.proxy.privileged: true` in an IstioOperator's `spec.values`, or in the `values`
    /// of a rendered `istio-sidecar-injector` ConfigMap.
    ///
    /// ## Why is this bad?
    /// The injection template sets the proxy container's `privileged` and
    /// `allowPrivilegeEscalation` from this value. It is the usual advice for running
    /// `tcpdump` inside the sidecar, and is easily left on: every pod of the mesh then runs a
    /// privileged container that can reach the node, which defeats Pod Security admission.
    ///
    /// ## Example
    /// ```yaml
    /// kind: IstioOperator
    /// spec:
    ///   values:
    ///     global:
    ///       proxy:
    ///         privileged: true
    /// ```
    ///
    /// Use instead: remove it (the default is `false`); debug with an ephemeral container
    /// (`kubectl debug`) instead.
    ///
    /// ## Fix safety
    /// There is no fix: removing the value is simple, but whether someone still debugs with it
    /// is for the installation's owner to say.
    ///
    /// ## References
    /// - Istio source: `manifests/charts/istio-control/istio-discovery/files/injection-template.yaml` (`privileged: {{ .Values.global.proxy.privileged }}`)
    /// - [Istio: installation options, global.proxy.privileged](https://istio.io/latest/docs/reference/config/istio.operator.v1alpha1/)
    pub static META = {
        code: "MESH410",
        name: "privileged-proxy",
        area: "lifecycle",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "An Istio installation that runs every injected proxy privileged (global.proxy.privileged: true)",
    };
}

pub struct PrivilegedProxy;

impl Rule for PrivilegedProxy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        // Every place that sets it, not just the first.
        find_helm_value(ck, "global.proxy.privileged", |v| {
            if is_true(v.value) {
                let what = if v.in_configmap {
                    "`global.proxy.privileged: true` in its `values`"
                } else {
                    "`spec.values.global.proxy.privileged: true`"
                };
                out.push(finding(ck, v.object, v.at, what));
            }
            None::<()>
        });
    }
}

fn is_true(n: Node<'_>) -> bool {
    n.as_bool() == Some(true) || n.as_str() == Some("true")
}

fn finding(ck: &Checker<'_, '_>, object: ObjectRef, node: Node<'_>, what: &str) -> Diagnostic {
    let o = &ck.index.objects[object];
    let mut d = ck.diagnostic(
        &META,
        object,
        node.span(),
        format!(
            "{} `{}` sets {what}: every injected proxy runs privileged",
            o.kind,
            o.qualified_name()
        ),
    );
    d.primary.message = "privileged sidecars".to_owned();
    d.notes.push("the injection template copies this value into every `istio-proxy` container's `privileged` and `allowPrivilegeEscalation`; it is the usual tcpdump advice and is easily left on after debugging".to_owned().into());
    d.help = Some("remove it (default `false`) and debug with an ephemeral container (`kubectl debug`) instead".to_owned().into());
    d
}
