use super::envoy_filter::{envoy_filters, Patch};
use super::operations::{applied, effective, exists, kind_ignored, source_file, INSERTS};
use super::version_note;
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::ObjectRef;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an EnvoyFilter patch whose `operation` istiod does not apply to its `applyTo`,
    /// following istiod's patching code for the Istio version linted:
    ///
    /// | applyTo | operations istiod applies |
    /// |---|---|
    /// | `LISTENER`, `FILTER_CHAIN`, `CLUSTER` | MERGE, ADD, REMOVE |
    /// | `NETWORK_FILTER`, `HTTP_FILTER` | MERGE, ADD, REMOVE, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST, REPLACE |
    /// | `LISTENER_FILTER` (1.17+) | ADD, REMOVE, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST, REPLACE; MERGE from 1.27 |
    /// | `ROUTE_CONFIGURATION` | MERGE |
    /// | `VIRTUAL_HOST` | MERGE, ADD, REMOVE; REPLACE from 1.14 |
    /// | `HTTP_ROUTE` | MERGE, ADD, REMOVE, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST |
    /// | `EXTENSION_CONFIG` (1.9+) | ADD |
    /// | `BOOTSTRAP` | MERGE, and only up to 1.20 |
    ///
    /// INSERT_BEFORE, INSERT_AFTER and INSERT_FIRST on the other kinds are run as ADD, so they
    /// are reported only where ADD is not applied. MERGE_AND_REPLACE_LIST (Istio 1.31) is
    /// applied where MERGE is, except to filters, whose typed configurations only MERGE.
    ///
    /// Unlike istioctl (IST0153, IST0154), ADD and REMOVE on `HTTP_ROUTE` are not reported:
    /// istiod has applied them since Istio 1.8 and 1.3. Unlike istioctl (IST0152), REPLACE is
    /// accepted on `LISTENER_FILTER`, and is reported on `VIRTUAL_HOST` before 1.14.
    ///
    /// ## Why is this bad?
    /// Validation accepts every operation on every kind, and istiod skips the ones it does not
    /// implement without an error: the EnvoyFilter is admitted, and the change it describes
    /// never reaches a proxy.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata:
    ///   name: timeouts
    ///   namespace: shop
    /// spec:
    ///   configPatches:
    ///     - applyTo: CLUSTER
    ///       match:
    ///         cluster:
    ///           service: payments.shop.svc.cluster.local
    ///       patch:
    ///         operation: REPLACE
    ///         value:
    ///           connect_timeout: 2s
    /// ```
    ///
    /// Use instead: `operation: MERGE`, which changes the fields given and keeps the rest of
    /// the cluster istiod generated.
    ///
    /// ## Fix safety
    /// No fix: which operation does what was meant is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/envoyfilter/` listener_patch.go, rc_patch.go, cluster_patch.go, extension_configuration_patch.go; `pilot/pkg/model/envoyfilter.go` convertToEnvoyFilterWrapper (INSERT_* as ADD); istioctl `pkg/config/analysis/analyzers/envoyfilter/envoyfilter.go` (IST0152, IST0153, IST0154)
    /// - [Istio: EnvoyFilter Patch.Operation](https://istio.io/latest/docs/reference/config/networking/envoy-filter/#EnvoyFilter-Patch-Operation)
    pub static META = {
        code: "MESH701",
        name: "unsupported-patch-operation",
        area: "extensions",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0152", "IST0153", "IST0154"],
        summary: "An EnvoyFilter patch operation that istiod does not apply to its applyTo, so the patch is ignored",
    };
}

pub struct UnsupportedPatchOperation;

impl Rule for UnsupportedPatchOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for ef in envoy_filters(ck, false) {
            for patch in &ef.patches {
                if let Some(d) = check_patch(ck, ef.object, patch) {
                    out.push(d);
                }
            }
        }
    }
}

fn check_patch(ck: &Checker<'_, '_>, object: ObjectRef, patch: &Patch<'_>) -> Option<Diagnostic> {
    let v = ck.cx.istio_version;
    let (apply_to, apply_node) = patch.apply_to()?;
    let (op, op_node) = patch.operation()?;
    let ops = applied(apply_to, v)?;
    if !exists(op, v) {
        if op != "MERGE_AND_REPLACE_LIST" {
            return None;
        }
        let mut d = ck.diagnostic(
            &META,
            object,
            op_node.span(),
            format!("`{op}` is not an EnvoyFilter operation in Istio {v}: it came in 1.31"),
        );
        d.primary.message = "not an operation before Istio 1.31".into();
        d.notes.push("the EnvoyFilter CRD of earlier releases lists the operations it accepts; the API server rejects the object".into());
        d.notes.extend(version_note(ck).map(Into::into));
        d.help = Some("use MERGE, which appends to lists instead of replacing them, or pass `--istio-version` if the mesh runs 1.31 or later".into());
        return Some(d);
    }
    let run = effective(apply_to, op);
    if ops.contains(&run) {
        return None;
    }
    let kind = kind_name(apply_to);
    let mut d = if let Some(why) = kind_ignored(apply_to, v) {
        let mut d = ck.diagnostic(
            &META,
            object,
            apply_node.span(),
            format!("`{apply_to}` patches are never applied in Istio {v}"),
        );
        d.primary.message = "istiod skips this patch".into();
        d.notes.push(why.to_owned().into());
        d
    } else {
        let mut d = ck.diagnostic(
            &META,
            object,
            op_node.span(),
            format!(
                "`{op}` on `{apply_to}` is never applied: istiod{} applies only {} to {kind}",
                if version_dependent(apply_to, op) {
                    format!(" {v}")
                } else {
                    String::new()
                },
                list(&ops)
            ),
        );
        d.primary.message = "istiod skips this operation".into();
        d.related
            .push(ck.label(object, apply_node.span(), format!("applies to {apply_to}")));
        if run != op {
            d.notes.push(format!(
                "istiod runs {} on `{apply_to}` as ADD: it positions only HTTP, network and listener filters and HTTP routes (`pilot/pkg/model/envoyfilter.go` convertToEnvoyFilterWrapper)",
                list(&INSERTS)
            ).into());
        }
        d.notes.push(format!(
            "istiod skips operations it does not implement for an applyTo without an error (`pilot/pkg/networking/core/envoyfilter/{}`); validation admits them",
            source_file(apply_to)
        ).into());
        d
    };
    d.notes.extend(
        version_note(ck)
            .filter(|_| version_dependent(apply_to, op))
            .map(Into::into),
    );
    d.help = Some(help(apply_to, run).into());
    Some(d)
}

/// Whether the verdict depends on the release (the note about the assumed version helps).
fn version_dependent(apply_to: &str, op: &str) -> bool {
    matches!(
        (apply_to, op),
        ("BOOTSTRAP", _)
            | ("LISTENER_FILTER", _)
            | ("EXTENSION_CONFIG", _)
            | ("VIRTUAL_HOST", "REPLACE")
            | (_, "MERGE_AND_REPLACE_LIST")
    )
}

fn kind_name(apply_to: &str) -> &'static str {
    match apply_to {
        "LISTENER" => "listeners",
        "FILTER_CHAIN" => "filter chains",
        "NETWORK_FILTER" => "network filters",
        "HTTP_FILTER" => "HTTP filters",
        "LISTENER_FILTER" => "listener filters",
        "ROUTE_CONFIGURATION" => "route configurations",
        "VIRTUAL_HOST" => "virtual hosts",
        "HTTP_ROUTE" => "HTTP routes",
        "CLUSTER" => "clusters",
        "EXTENSION_CONFIG" => "extension configurations",
        _ => "the bootstrap",
    }
}

/// `A, B and C`.
fn list(ops: &[&str]) -> String {
    match ops {
        [] => "nothing".into(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn help(apply_to: &str, op: &str) -> String {
    match (apply_to, op) {
        ("BOOTSTRAP", _) => "set bootstrap fields through ProxyConfig, or a custom bootstrap with the `sidecar.istio.io/bootstrapOverride` annotation".into(),
        ("ROUTE_CONFIGURATION", "ADD" | "REMOVE" | "REPLACE") => "istiod generates route configurations per listener: patch their VIRTUAL_HOSTs (ADD, REMOVE, MERGE) or MERGE into the route configuration".into(),
        ("HTTP_ROUTE", "REPLACE") => "MERGE into the route, or REMOVE it and INSERT_BEFORE/ADD the new one".into(),
        ("VIRTUAL_HOST", "REPLACE") => "MERGE into the virtual host, or REMOVE it and ADD the new one".into(),
        (_, "REPLACE") => "MERGE the fields to change into it, or REMOVE it and ADD the new one".into(),
        (_, "MERGE" | "MERGE_AND_REPLACE_LIST") if apply_to == "EXTENSION_CONFIG" => {
            "an EXTENSION_CONFIG patch can only ADD a configuration; change it in the patch that adds it".into()
        }
        ("NETWORK_FILTER" | "HTTP_FILTER" | "LISTENER_FILTER", "MERGE_AND_REPLACE_LIST") => {
            "use MERGE: istiod merges filters' typed configurations, and never replaces their lists".into()
        }
        ("LISTENER_FILTER", "MERGE") => {
            "REPLACE the listener filter with the whole configuration it should have".into()
        }
        _ => format!("use an operation istiod applies to {}", kind_name(apply_to)),
    }
}
