use crate::diagnostic::Findings;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a known kind (Service, Namespace, Pod and the workload kinds, the Istio kinds
    /// mesh-lint reads) whose fields have the wrong shape: `ports` written as a map, `port` as a
    /// word, `labels` as a list. It names the field and what was expected. Unknown kinds and
    /// non-Kubernetes YAML (Helm values files, OpenAPI specs) are skipped silently.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object, so it never reaches the cluster; and mesh-lint cannot
    /// check a field it cannot read, so rules that need it stay silent for this object.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   ports:
    ///     http: 80
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   ports:
    ///     - name: http
    ///       port: 80
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the intended value is not known.
    ///
    /// ## References
    /// - `kubectl explain <kind>.<field>` shows the expected type of every field.
    pub static META = {
        code: "MESH002",
        name: "invalid-object",
        area: "input",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "A known kind whose fields mesh-lint reads have the wrong shape",
    };
}

pub struct InvalidObject;

impl Rule for InvalidObject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for inv in ck.index.invalid.iter().filter(|i| !i.budget_exceeded) {
            let obj = &ck.index.objects[inv.object];
            let field = if inv.path.is_empty() {
                "the object".to_owned()
            } else {
                format!("`{}`", inv.path)
            };
            let mut d = ck.diagnostic(
                &META,
                inv.object,
                inv.span,
                format!(
                    "{field} of {} has the wrong shape: {}",
                    obj.kind, inv.message
                ),
            );
            d.notes.push(
                format!(
                    "the API server rejects this {}, and mesh-lint skips the checks that read it",
                    obj.kind
                )
                .into(),
            );
            d.help = Some(
                format!(
                    "see `kubectl explain {}` for the expected type",
                    explain_path(obj.kind, &inv.path)
                )
                .into(),
            );
            out.push(d);
        }
    }
}

/// `Service` + `spec.ports[0].port` → `service.spec.ports.port`.
fn explain_path(kind: &str, path: &str) -> String {
    let mut out = kind.to_ascii_lowercase();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let key = seg.split('[').next().unwrap_or("");
        if !key.is_empty() {
            out.push('.');
            out.push_str(key);
        }
    }
    out
}
