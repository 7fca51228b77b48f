use super::{app_containers, describe, is_sidecar, sidecar_notes};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::Workload;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an app container (or init container) of a sidecar-injected workload that runs
    /// as UID 1337 or GID 1337, whether set on the container's `securityContext` or inherited
    /// from the pod's (`runAsUser`, `runAsGroup`).
    ///
    /// ## Why is this bad?
    /// 1337 is the proxy's own UID and GID. Istio's iptables rules let every outbound packet
    /// of that user **or** group leave the pod unredirected (`--uid-owner 1337`,
    /// `--gid-owner 1337`), so the app's traffic skips the sidecar: no mTLS, no routing, no
    /// policy, no telemetry. istioctl's IST0144 checks only the UID.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsGroup: 1337
    /// ```
    ///
    /// Use instead: any other UID/GID.
    ///
    /// ## Fix safety
    /// There is no fix: the image may depend on that UID or GID (file ownership); choose another
    /// one with the image's owner.
    ///
    /// ## References
    /// - Istio source: `tools/istio-iptables/pkg/capture/run.go` (owner rules); `pkg/config/analysis/analyzers/deployment/pod.go` (IST0144)
    /// - [Istio: application requirements, UID 1337](https://istio.io/latest/docs/ops/deployment/application-requirements/)
    pub static META = {
        code: "MESH407",
        name: "proxy-uid-conflict",
        area: "lifecycle",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0144"],
        summary: "An app of an injected workload running as UID or GID 1337, whose traffic bypasses the sidecar",
    };
}

const PROXY_ID: i64 = 1337;

pub struct ProxyUidConflict;

impl Rule for ProxyUidConflict {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for w in &ck.index.workloads {
            check(ck, w, out);
        }
    }
}

fn check(ck: &Checker<'_, '_>, w: &Workload<'_>, out: &mut Findings) {
    if !is_sidecar(ck, w) {
        return;
    }
    let pod_ctx = w.template_node.at_keys("spec.securityContext");
    // One finding per offending node: a pod-level 1337 inherited by several containers is
    // reported once, where it is written.
    let mut seen: Vec<(u32, &str)> = Vec::new();
    for c in app_containers(w) {
        let own = c.node.get("securityContext");
        for field in ["runAsUser", "runAsGroup"] {
            let node = own
                .and_then(|s| s.get(field))
                .filter(|n| !n.is_null())
                .or_else(|| pod_ctx.and_then(|s| s.get(field)));
            let Some(node) = node.filter(|n| n.as_i64() == Some(PROXY_ID)) else {
                continue;
            };
            if seen.contains(&(node.span().start, field)) {
                continue;
            }
            seen.push((node.span().start, field));
            out.push(finding(ck, w, node, field, c.name));
        }
    }
}

fn finding(
    ck: &Checker<'_, '_>,
    w: &Workload<'_>,
    node: Node<'_>,
    field: &str,
    container: &str,
) -> Diagnostic {
    let what = if field == "runAsUser" { "UID" } else { "GID" };
    let mut d = ck.diagnostic(
        &META,
        w.object,
        node.span(),
        format!(
            "container `{container}` of {} runs as {what} 1337, the sidecar's own: its traffic bypasses the proxy",
            describe(ck, w)
        ),
    );
    d.primary.message = format!("`{field}: 1337`");
    d.notes.push(format!("Istio's iptables rules let outbound packets of {what} 1337 leave the pod unredirected (so the proxy's own traffic does not loop); an app with that {what} skips the sidecar: no mTLS, routing, policy or telemetry").into());
    sidecar_notes(ck, w, &mut d);
    d.help = Some(format!("run the app with another {what}").into());
    d
}
