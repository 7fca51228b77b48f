use super::telemetry::{providers, telemetries, SECTIONS};
use crate::diagnostic::Findings;
use crate::model::{MeshConfig, Origin};
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a provider named in a Telemetry (`metrics`, `tracing` or `accessLogging`
    /// `providers`) that MeshConfig does not define: neither in its `extensionProviders` nor
    /// among the ones Istio always adds (`prometheus`, `stackdriver`, `envoy`). Names are
    /// compared without regard to case, as istiod does.
    ///
    /// The rule runs only when the MeshConfig is known: given with `--mesh-config` (or the
    /// config file), or found in the inputs (the `istio` ConfigMap of the root namespace, an
    /// IstioOperator's `spec.meshConfig`) when they hold only one.
    ///
    /// ## Why is this bad?
    /// istiod looks each provider up by name and skips the ones it does not find: the traces,
    /// access logs or metrics the Telemetry asks for are never produced, and nothing says so
    /// but a debug log of istiod. A typo, or a provider defined in another revision's or
    /// environment's MeshConfig, is the usual cause.
    ///
    /// ## Example
    /// With a MeshConfig defining the provider `otel-tracing`:
    ///
    /// ```yaml
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata:
    ///   name: mesh-default
    ///   namespace: istio-system
    /// spec:
    ///   tracing:
    ///     - providers:
    ///         - name: otel
    /// ```
    ///
    /// Use instead: `name: otel-tracing`, or define `otel` under MeshConfig
    /// `extensionProviders`.
    ///
    /// ## Fix safety
    /// No fix: the provider meant may be one MeshConfig has not defined yet.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/telemetry.go` fetchProvider (`strings.EqualFold`), AccessLogging ("fail to fetch provider"), Tracing; `pkg/config/mesh/mesh.go` DefaultMeshConfig, ApplyMeshConfig (built-in providers kept, merged by name)
    /// - [Istio: MeshConfig ExtensionProvider](https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider)
    pub static META = {
        code: "MESH712",
        name: "unknown-telemetry-provider",
        area: "extensions",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "A Telemetry provider that MeshConfig does not define, which istiod skips",
    };
}

pub struct UnknownTelemetryProvider;

impl Rule for UnknownTelemetryProvider {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        if !mesh_config_known(ck) {
            return;
        }
        let mc = &ck.cx.mesh_config;
        for t in telemetries(ck, false) {
            for section in SECTIONS {
                for entry in t.entries(section) {
                    for (name, node) in providers(entry) {
                        if mc.provider(name).is_some() {
                            continue;
                        }
                        let defined = defined_names(mc);
                        let mut d = ck.diagnostic(
                            &META,
                            t.object,
                            node.span(),
                            format!("`{section}` provider `{name}` is not defined in MeshConfig: istiod skips it"),
                        );
                        d.primary.message = "no such extension provider".into();
                        d.notes.push(format!(
                            "istiod looks providers up by name among MeshConfig `extensionProviders` and Istio's built-in ones (`pilot/pkg/model/telemetry.go` fetchProvider); defined here: {}",
                            defined.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        ).into());
                        d.notes
                            .push(format!("MeshConfig read from {}", origin(ck)).into());
                        let nearest = defined
                            .iter()
                            .map(|n| {
                                (
                                    strsim::jaro_winkler(
                                        &name.to_ascii_lowercase(),
                                        &n.to_ascii_lowercase(),
                                    ),
                                    n,
                                )
                            })
                            .filter(|(score, _)| *score > 0.8)
                            .max_by(|a, b| a.0.total_cmp(&b.0));
                        d.help = Some(match nearest {
                            Some((_, n)) => format!("did you mean `{n}`? Otherwise define `{name}` under MeshConfig `extensionProviders`").into(),
                            None => format!("define `{name}` under MeshConfig `extensionProviders`, or name one of those defined").into(),
                        });
                        out.push(d);
                    }
                }
            }
        }
    }
}

/// The providers MeshConfig defines, its own first, then the built-in ones it does not
/// redefine.
fn defined_names(mc: &MeshConfig) -> Vec<String> {
    let mut names: Vec<String> = mc
        .extension_providers
        .iter()
        .flatten()
        .map(|p| p.name.clone())
        .collect();
    for (builtin, _) in MeshConfig::BUILTIN_PROVIDERS {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(builtin)) {
            names.push(builtin.to_owned());
        }
    }
    names
}

fn origin(ck: &Checker<'_, '_>) -> &'static str {
    match ck.cx.mesh_config_origin {
        Origin::Flag => "`--mesh-config`",
        Origin::Config => "the config file's `mesh-config`",
        _ => "the inputs",
    }
}

/// Whether MeshConfig is known well enough to call a provider undefined: given explicitly, or
/// the only MeshConfig of the inputs (overlays of several IstioOperators may define the
/// providers in another one).
fn mesh_config_known(ck: &Checker<'_, '_>) -> bool {
    match ck.cx.mesh_config_origin {
        Origin::Flag | Origin::Config => true,
        Origin::Default => false,
        Origin::Inputs => mesh_config_sources(ck) == 1,
    }
}

/// IstioOperators with `spec.meshConfig` and `istio`/`istio-<revision>` ConfigMaps of the
/// root namespace with `data.mesh`, as `lint/detect.rs` looks for them.
fn mesh_config_sources(ck: &Checker<'_, '_>) -> usize {
    let root = ck.cx.mesh_config.root_namespace();
    let operators = ck
        .index
        .by_kind("IstioOperator")
        .filter(|(_, o)| o.node.at_keys("spec.meshConfig").is_some())
        .count();
    let maps = ck
        .index
        .by_kind("ConfigMap")
        .filter(|(_, o)| {
            (o.name == "istio" || o.name.starts_with("istio-"))
                && o.namespace.as_deref() == Some(root)
                && o.node.at_keys("data.mesh").is_some()
        })
        .count();
    operators + maps
}
