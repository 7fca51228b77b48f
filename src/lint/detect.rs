//! Context found in the inputs themselves: the Istio version (IstioOperator `spec.tag`, the
//! istiod image tag) and MeshConfig (the `istio` ConfigMap's `mesh` key, IstioOperator
//! `spec.meshConfig`). Explicit flags win over the inputs; the inputs win over the config file
//! and the defaults.

use crate::model::injection::InjectorSettings;
use crate::model::{IstioVersion, LintContext, MeshConfig, MeshIndex, NativeSidecars, Origin};
use mesh_lint_yaml::{parse_stream, Budget, Limits, Node};

pub fn context_from_inputs(index: &MeshIndex<'_>, cx: &mut LintContext) {
    if cx.istio_version_origin != Origin::Flag {
        if let Some(v) = detect_version(index) {
            cx.istio_version = v;
            cx.istio_version_origin = Origin::Inputs;
        }
    }
    if cx.cluster_domain_origin == Origin::Default {
        if let Some(d) = detect_cluster_domain(index) {
            cx.cluster_domain = d;
            cx.cluster_domain_origin = Origin::Inputs;
        }
    }
    if matches!(cx.native_sidecars_origin, Origin::Default | Origin::Config) {
        if let Some(v) = detect_native_sidecars(index) {
            cx.native_sidecars = Some(v);
            cx.native_sidecars_origin = Origin::Inputs;
        }
    }
    if cx.injector == InjectorSettings::default() {
        cx.injector = detect_injector(index);
    }
    if cx.mesh_config == MeshConfig::default() {
        if let Some(mc) = detect_mesh_config(index, cx) {
            cx.mesh_config = mc;
            cx.mesh_config_origin = Origin::Inputs;
        }
    }
}

/// istiod's `ENABLE_NATIVE_SIDECARS`: IstioOperator `spec.values.pilot.env`, else the env of
/// the istiod Deployment's `discovery` container.
fn detect_native_sidecars(index: &MeshIndex<'_>) -> Option<NativeSidecars> {
    const VAR: &str = "ENABLE_NATIVE_SIDECARS";
    for (_, op) in index.by_kind("IstioOperator") {
        let value = op
            .node
            .at_keys("spec.values.pilot.env")
            .and_then(|e| e.get(VAR));
        if let Some(v) = value.and_then(|v| v.as_str()) {
            return Some(NativeSidecars::parse(v).unwrap_or(NativeSidecars::False));
        }
    }
    for (_, d) in index.by_kind("Deployment") {
        if !d.name.starts_with("istiod") {
            continue;
        }
        let containers = d.node.at_keys("spec.template.spec.containers");
        for env in containers
            .iter()
            .flat_map(|c| c.items())
            .filter_map(|c| c.get("env"))
            .flat_map(|e| e.items())
        {
            if env.get("name").and_then(|n| n.as_str()) != Some(VAR) {
                continue;
            }
            let raw = env.get("value").and_then(|v| v.as_str()).unwrap_or("");
            return Some(NativeSidecars::parse(raw).unwrap_or(NativeSidecars::False));
        }
    }
    None
}

fn detect_version(index: &MeshIndex<'_>) -> Option<IstioVersion> {
    for (_, op) in index.by_kind("IstioOperator") {
        if let Some(v) = op
            .node
            .at_keys("spec.tag")
            .and_then(|t| t.as_str())
            .and_then(IstioVersion::parse)
        {
            return Some(v);
        }
    }
    for (_, d) in index.by_kind("Deployment") {
        if !d.name.starts_with("istiod") {
            continue;
        }
        let containers = d.node.at_keys("spec.template.spec.containers");
        for c in containers.iter().flat_map(|c| c.items()) {
            let image = c.get("image").and_then(|i| i.as_str()).unwrap_or("");
            let Some((repo, tag)) = image.rsplit_once(':') else {
                continue;
            };
            if repo.ends_with("pilot") {
                if let Some(v) = IstioVersion::parse(tag) {
                    return Some(v);
                }
            }
        }
    }
    None
}

/// The cluster domain (§3.3): IstioOperator `spec.values.global.proxy.clusterDomain`, else
/// istiod's `--domain` argument (`--domain X`, `--domain=X`, or Helm's two list items).
fn detect_cluster_domain(index: &MeshIndex<'_>) -> Option<String> {
    for (_, op) in index.by_kind("IstioOperator") {
        let domain = op
            .node
            .at_keys("spec.values.global.proxy.clusterDomain")
            .and_then(|d| d.as_str());
        if let Some(d) = domain
            .map(|d| d.trim_matches('.'))
            .filter(|d| !d.is_empty())
        {
            return Some(d.to_owned());
        }
    }
    for (_, d) in index.by_kind("Deployment") {
        if !d.name.starts_with("istiod") {
            continue;
        }
        let containers = d.node.at_keys("spec.template.spec.containers");
        for c in containers.iter().flat_map(|c| c.items()) {
            let args: Vec<&str> = c
                .get("args")
                .into_iter()
                .flat_map(|a| a.items())
                .filter_map(|a| a.as_str())
                .flat_map(|a| a.split_whitespace())
                .collect();
            if let Some(domain) = domain_arg(&args) {
                return Some(domain.to_owned());
            }
        }
    }
    None
}

fn domain_arg<'a>(args: &[&'a str]) -> Option<&'a str> {
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = match arg.strip_prefix("--domain") {
            Some("") => it.next().copied(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        // `$(POD_NAMESPACE).svc.<domain>` is the sidecar's form, not istiod's.
        if let Some(v) = value.map(|v| v.trim_matches('.')) {
            if !v.is_empty() && !v.contains('$') {
                return Some(v);
            }
        }
    }
    None
}

fn detect_mesh_config(index: &MeshIndex<'_>, cx: &LintContext) -> Option<MeshConfig> {
    for (_, op) in index.by_kind("IstioOperator") {
        if let Some(node) = op.node.at_keys("spec.meshConfig") {
            if let Some(mc) = read_mesh_config(node) {
                return Some(mc);
            }
        }
    }
    let root = cx.mesh_config.root_namespace();
    for (_, cm) in index.by_kind("ConfigMap") {
        let is_mesh = cm.name == "istio" || cm.name.starts_with("istio-");
        if !is_mesh || cm.namespace.as_deref() != Some(root) {
            continue;
        }
        let Some(text) = cm.node.at_keys("data.mesh").and_then(|m| m.as_str()) else {
            continue;
        };
        if let Some(mc) = parse_mesh_config_text(text) {
            return Some(mc);
        }
    }
    None
}

fn read_mesh_config(node: Node<'_>) -> Option<MeshConfig> {
    node.deserialize(&mut Budget::new(Limits::default().max_expanded_nodes))
        .ok()
}

/// MeshConfig from YAML text (a ConfigMap's embedded `mesh` value).
pub fn parse_mesh_config_text(text: &str) -> Option<MeshConfig> {
    let docs = parse_stream(text, &Limits::default());
    let root = docs.first()?.root()?;
    read_mesh_config(root)
}

/// The sidecar injector's policy and `enableNamespacesByDefault` (§8.1–8.2): from an
/// IstioOperator's `spec.values`, else the rendered `istio-sidecar-injector` ConfigMap (`config`
/// holds `policy`, `values` the Helm values as JSON).
fn detect_injector(index: &MeshIndex<'_>) -> InjectorSettings {
    let mut found = InjectorSettings::default();
    for (_, op) in index.by_kind("IstioOperator") {
        if let Some(values) = op.node.at_keys("spec.values") {
            merge_injector_values(values, &mut found);
        }
    }
    for (_, cm) in index.by_kind("ConfigMap") {
        if !cm.name.starts_with("istio-sidecar-injector") {
            continue;
        }
        let text = |key: &str| cm.node.at_keys("data")?.get(key)?.as_str();
        if let Some(config) = text("config") {
            let docs = parse_stream(config, &Limits::default());
            let policy = docs
                .first()
                .and_then(|d| d.root())
                .and_then(|r| r.get("policy"));
            if let Some(p) = policy.and_then(|p| p.as_str()) {
                found.policy_enabled.get_or_insert(p == "enabled");
            }
        }
        if let Some(values) = text("values") {
            let docs = parse_stream(values, &Limits::default());
            if let Some(root) = docs.first().and_then(|d| d.root()) {
                merge_injector_values(root, &mut found);
            }
        }
    }
    found
}

fn merge_injector_values(values: Node<'_>, found: &mut InjectorSettings) {
    let auto_inject = values
        .at_keys("global.proxy.autoInject")
        .and_then(|v| v.as_str());
    if let Some(v) = auto_inject {
        found.policy_enabled.get_or_insert(v == "enabled");
    }
    let by_default = values
        .at_keys("sidecarInjectorWebhook.enableNamespacesByDefault")
        .and_then(|v| v.as_bool());
    if let Some(v) = by_default {
        found.enable_namespaces_by_default.get_or_insert(v);
    }
}

#[cfg(test)]
mod tests {
    use super::domain_arg;

    /// istiod's `--domain`, in either flag form; the sidecar's templated one is not a domain.
    #[test]
    fn domain_comes_from_istiods_flag_only() {
        assert_eq!(
            domain_arg(&["discovery", "--domain", "corp.local"]),
            Some("corp.local")
        );
        assert_eq!(domain_arg(&["--domain=corp.local."]), Some("corp.local"));
        assert_eq!(
            domain_arg(&[
                "proxy",
                "sidecar",
                "--domain",
                "$(POD_NAMESPACE).svc.cluster.local"
            ]),
            None
        );
        assert_eq!(domain_arg(&["--domain="]), None);
        assert_eq!(domain_arg(&["--domain"]), None);
        assert_eq!(domain_arg(&["--domains", "x"]), None);
    }
}
