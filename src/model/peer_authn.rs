//! PeerAuthentication resolution: which mTLS mode applies to a workload's port.
//!
//! Istio composes three levels (`pilot/pkg/security/authn/policy_applier.go ::
//! ComposePeerAuthentication`): the mesh policy (in the root namespace, **without** a selector;
//! one with a selector there is ignored altogether: "workload-level policy, aka the one with
//! selector and not in root namespace"), the namespace
//! policy (no selector), and the workload policy (selector matching the pod labels). A level
//! whose mode is `UNSET` inherits from the one above; `portLevelMtls` of the workload policy
//! overrides the mode per container port. With several candidates at one level Istio takes the
//! oldest; offline, the first in input order stands in for it. No policy at all means PERMISSIVE.

use super::{Labels, LintContext, MeshIndex, ObjectRef};
use mesh_lint_yaml::Node;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MtlsMode {
    Unset,
    Disable,
    Permissive,
    Strict,
}

impl MtlsMode {
    fn parse(s: &str) -> MtlsMode {
        match s {
            "STRICT" => MtlsMode::Strict,
            "PERMISSIVE" => MtlsMode::Permissive,
            "DISABLE" => MtlsMode::Disable,
            _ => MtlsMode::Unset,
        }
    }
}

/// One PeerAuthentication, read from its tree.
#[derive(Debug)]
struct Policy {
    object: ObjectRef,
    /// `None`: no selector (or an empty one), the policy covers its namespace.
    selector: Option<BTreeMap<String, String>>,
    mode: MtlsMode,
    ports: HashMap<u32, MtlsMode>,
}

/// The mode that applies, and the policy that decided it (`None`: Istio's PERMISSIVE default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub mode: MtlsMode,
    pub policy: Option<ObjectRef>,
}

/// Every PeerAuthentication of the inputs by namespace, built once.
#[derive(Debug, Default)]
pub struct PeerAuthentications {
    by_ns: HashMap<String, Vec<Policy>>,
    root: String,
}

impl PeerAuthentications {
    pub fn build(index: &MeshIndex<'_>, cx: &LintContext) -> PeerAuthentications {
        let mut by_ns: HashMap<String, Vec<Policy>> = HashMap::new();
        for (id, o) in index.by_kind("PeerAuthentication") {
            if o.group() != "security.istio.io" {
                continue;
            }
            let spec = o.node.get("spec");
            by_ns
                .entry(o.ns().to_owned())
                .or_default()
                .push(read(id, spec));
        }
        PeerAuthentications {
            by_ns,
            root: cx.mesh_config.root_namespace().to_owned(),
        }
    }

    /// The mTLS mode for `port` of a workload in `ns` with pod labels `labels`.
    pub fn resolve(&self, ns: &str, labels: &Labels, port: u32) -> Resolved {
        let mut out = Resolved {
            mode: MtlsMode::Permissive,
            policy: None,
        };
        let mut apply = |p: &Policy, mode: MtlsMode| {
            if mode != MtlsMode::Unset {
                out = Resolved {
                    mode,
                    policy: Some(p.object),
                };
            }
        };
        let policies = self.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(mesh) = self.by_ns.get(&self.root).and_then(|l| namespace_wide(l)) {
            apply(mesh, mesh.mode);
        }
        if ns != self.root {
            if let Some(p) = namespace_wide(policies) {
                apply(p, p.mode);
            }
        }
        // ComposePeerAuthentication takes workload policies only outside the root namespace.
        let workload_level = if ns == self.root { &[][..] } else { policies };
        let workload = workload_level.iter().find(|p| {
            p.selector
                .as_ref()
                .is_some_and(|s| s.iter().all(|(k, v)| labels.get(k) == Some(v)))
        });
        if let Some(p) = workload {
            apply(p, p.mode);
            if let Some(mode) = p.ports.get(&port) {
                apply(p, *mode);
            }
        }
        out
    }
}

fn namespace_wide(list: &[Policy]) -> Option<&Policy> {
    list.iter().find(|p| p.selector.is_none())
}

fn read(object: ObjectRef, spec: Option<Node<'_>>) -> Policy {
    let selector = Some(super::object::owned_string_map(
        spec.and_then(|s| s.at_keys("selector.matchLabels")),
    ))
    .filter(|m| !m.is_empty());
    let mode = spec
        .and_then(|s| s.at_keys("mtls.mode"))
        .and_then(|m| m.as_str())
        .map_or(MtlsMode::Unset, MtlsMode::parse);
    let ports = spec
        .and_then(|s| s.get("portLevelMtls"))
        .map(|p| {
            p.entries()
                .filter_map(|(k, v)| {
                    let port = k.as_str()?.parse().ok()?;
                    let mode = v.get("mode")?.as_str()?;
                    Some((port, MtlsMode::parse(mode)))
                })
                .collect()
        })
        .unwrap_or_default();
    Policy {
        object,
        selector,
        mode,
        ports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_file;
    use crate::source::{FileId, SourceFile};
    use mesh_lint_yaml::Limits;

    fn pa(ns: &str, body: &str) -> String {
        format!("---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: p, namespace: {ns}}}\nspec:\n{body}")
    }

    fn mode(docs: &[String], ns: &str, app: &str, port: u32) -> MtlsMode {
        let text = docs.concat();
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.into_bytes());
        let parsed = vec![parse_file(FileId(0), &file, &Limits::default())];
        let cx = LintContext::default();
        let index = MeshIndex::build(&parsed, &cx, &Limits::default());
        let pas = PeerAuthentications::build(&index, &cx);
        let labels: Labels = [("app", app)].into_iter().collect();
        pas.resolve(ns, &labels, port).mode
    }

    #[test]
    fn workload_over_namespace_over_mesh_and_port_level_last() {
        let mesh = pa("istio-system", "  mtls: {mode: STRICT}\n");
        let ns_permissive = pa("shop", "  mtls: {mode: PERMISSIVE}\n");
        let workload = pa(
            "shop",
            "  selector: {matchLabels: {app: api}}\n  mtls: {mode: UNSET}\n  portLevelMtls:\n    8080: {mode: DISABLE}\n",
        );
        assert_eq!(mode(&[], "shop", "api", 80), MtlsMode::Permissive);
        assert_eq!(
            mode(std::slice::from_ref(&mesh), "shop", "api", 80),
            MtlsMode::Strict
        );
        assert_eq!(
            mode(&[mesh.clone(), ns_permissive.clone()], "shop", "api", 80),
            MtlsMode::Permissive
        );
        // UNSET inherits; the port-level setting applies to its port only.
        let all = [mesh.clone(), ns_permissive, workload];
        assert_eq!(mode(&all, "shop", "api", 80), MtlsMode::Permissive);
        assert_eq!(mode(&all, "shop", "api", 8080), MtlsMode::Disable);
        assert_eq!(mode(&all, "shop", "web", 8080), MtlsMode::Permissive);
        // A root-namespace policy with a selector is ignored, even for the root namespace's
        // own workloads (`ComposePeerAuthentication`).
        let root_selector = pa(
            "istio-system",
            "  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}\n",
        );
        assert_eq!(
            mode(std::slice::from_ref(&root_selector), "shop", "api", 80),
            MtlsMode::Permissive
        );
        assert_eq!(
            mode(&[root_selector], "istio-system", "api", 80),
            MtlsMode::Permissive
        );
    }
}
