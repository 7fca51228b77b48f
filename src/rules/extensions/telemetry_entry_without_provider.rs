use super::qualified;
use super::telemetry::{providers, telemetries, Telemetry};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::{ObjectRef, Origin};
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Reports a Telemetry `accessLogging` entry without `providers` (and not `disabled`)
    /// that istiod gives no effect:
    ///
    /// - its `filter` (from Istio 1.15): istiod keeps a filter per provider, taken only from
    ///   the entries that name that provider, so the filter of an entry that names none is
    ///   never used, whatever the default providers;
    /// - the whole entry, when there is no provider to inherit: an entry without providers
    ///   uses those of the entry before it in the chain istiod merges (the root namespace's
    ///   Telemetry, then the namespace's, then the workload's, each in order), else
    ///   MeshConfig's `defaultProviders.accessLogging`. When none of them names one, the entry
    ///   selects no provider.
    ///
    /// Without `--mesh-config` or a MeshConfig in the inputs, Istio's default MeshConfig (no
    /// default access-log provider) is assumed, and the finding says so. A Telemetry outside
    /// the root namespace is checked for the second case only when the inputs hold the root
    /// namespace's Telemetry: one kept elsewhere may name the providers it inherits.
    ///
    /// istioctl (IST0157) reports every entry without providers when MeshConfig names no
    /// default provider, including those that inherit one from an earlier entry, and misses
    /// the ignored `filter` when MeshConfig does name one.
    ///
    /// ## Why is this bad?
    /// `accessLogging: [{filter: {expression: response.code >= 400}}]` reads as "log errors
    /// only", but istiod applies the provider without that filter (every request is logged)
    /// or, with nothing to inherit, no provider at all (nothing is logged through Telemetry).
    /// Either way the object is admitted and the intent is silently lost.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: telemetry.istio.io/v1
    /// kind: Telemetry
    /// metadata:
    ///   name: mesh-default
    ///   namespace: istio-system
    /// spec:
    ///   accessLogging:
    ///     - providers:
    ///         - name: envoy
    ///     - filter:
    ///         expression: response.code >= 400
    /// ```
    ///
    /// Use instead: name the providers in the entry that carries the filter:
    /// `- providers: [{name: envoy}]` with `filter: {expression: response.code >= 400}`.
    ///
    /// ## Fix safety
    /// No fix: which providers the filter is meant for is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/telemetry.go` mergeLogs (filters taken per named provider since 1.15, providers inherited from the previous entry or `defaultProviders`), AccessLogging; istioctl `pkg/config/analysis/analyzers/telemetry/providers.go` (IST0157)
    /// - [Istio: Telemetry AccessLogging](https://istio.io/latest/docs/reference/config/telemetry/#AccessLogging)
    pub static META = {
        code: "MESH711",
        name: "telemetry-entry-without-provider",
        area: "extensions",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0157"],
        summary: "A Telemetry accessLogging entry without providers whose filter, or whole effect, istiod drops",
    };
}

pub struct TelemetryEntryWithoutProvider;

impl Rule for TelemetryEntryWithoutProvider {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let all = telemetries(ck, true);
        let root = ck.cx.mesh_config.root_namespace();
        // The first namespace-wide Telemetry per namespace: istiod takes the oldest, input
        // order stands in for it.
        let mut first_wide: HashMap<&str, &Telemetry<'_>> = HashMap::new();
        for t in all.iter().filter(|t| t.is_namespace_wide()) {
            first_wide
                .entry(ck.index.objects[t.object].ns())
                .or_insert(t);
        }
        let ns_wide = |ns: &str| first_wide.get(ns).copied();
        let root_known = ns_wide(root).is_some();
        let defaults: &[String] = ck
            .cx
            .mesh_config
            .default_providers
            .as_ref()
            .map_or(&[], |d| d.access_logging.as_slice());
        for t in &all {
            let ns = ck.index.objects[t.object].ns();
            // The entries istiod merges before this Telemetry's own (applicableTelemetries).
            let mut parents: Vec<&Telemetry<'_>> = Vec::new();
            if ns != root {
                parents.extend(ns_wide(root));
            }
            if !t.is_namespace_wide() {
                parents.extend(ns_wide(ns));
            }
            let mut inherited: Option<(ObjectRef, Node<'_>)> = parents
                .iter()
                .flat_map(|p| {
                    p.entries("accessLogging")
                        .into_iter()
                        .map(|e| (p.object, e))
                })
                .filter_map(|(o, e)| providers(e).last().map(|(_, n)| (o, *n)))
                .next_back();
            let chain_known = ns == root || root_known;
            for entry in t.entries("accessLogging") {
                let named = providers(entry);
                if let Some((_, n)) = named.last() {
                    inherited = Some((t.object, *n));
                    continue;
                }
                if entry.get("disabled").and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                let filter = entry.get("filter").filter(|f| !f.is_null());
                let d = match filter {
                    Some(f) if ck.cx.istio_version.at_least(1, 15) => {
                        Some(filter_ignored(ck, t, f, inherited, defaults))
                    }
                    _ if inherited.is_none() && defaults.is_empty() && chain_known => {
                        Some(no_provider(ck, t, entry))
                    }
                    _ => None,
                };
                out.extend(d);
            }
        }
    }
}

fn filter_ignored(
    ck: &Checker<'_, '_>,
    t: &Telemetry<'_>,
    filter: Node<'_>,
    inherited: Option<(ObjectRef, Node<'_>)>,
    defaults: &[String],
) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        t.object,
        filter.span(),
        "this accessLogging entry names no provider, so istiod never uses its `filter`",
    );
    d.primary.message = "ignored: the entry has no `providers`".into();
    let applies = match (inherited, defaults.first()) {
        (Some((o, n)), _) => {
            let whose = if o == t.object {
                "an earlier entry of this Telemetry".to_owned()
            } else {
                format!("Telemetry `{}`", qualified(ck, o))
            };
            d.related
                .push(ck.label(o, n.span(), "the provider it inherits"));
            format!(
                "the provider `{}` it inherits from {whose} logs without this filter",
                n.as_str().unwrap_or("")
            )
        }
        (None, Some(p)) => {
            format!("MeshConfig's default provider `{p}` logs without this filter")
        }
        (None, None) => "with no provider to inherit, the entry does nothing".to_owned(),
    };
    d.notes.push(format!(
        "istiod keeps one filter per provider, taken from the entries that name that provider (`pilot/pkg/model/telemetry.go` mergeLogs, since Istio 1.15): {applies}"
    ).into());
    d.help = Some(
        "name the providers this filter is for in the same entry, e.g. `providers: [{name: envoy}]`"
            .into(),
    );
    d
}

fn no_provider(ck: &Checker<'_, '_>, t: &Telemetry<'_>, entry: Node<'_>) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        t.object,
        entry.span(),
        "this accessLogging entry selects no provider: it names none, inherits none, and MeshConfig names no default",
    );
    d.primary.message = "no `providers`".into();
    d.notes.push("an entry without providers uses those of the entry before it (root namespace, namespace, workload Telemetry, in order), else MeshConfig `defaultProviders.accessLogging`; with neither, istiod configures no access log for it (`pilot/pkg/model/telemetry.go` mergeLogs; istioctl IST0157)".into());
    if ck.cx.mesh_config_origin == Origin::Default {
        d.notes.push("no MeshConfig given (`--mesh-config`, or the `istio` ConfigMap in the inputs): Istio's default, which names no default access-log provider, was assumed".into());
    }
    d.help = Some(
        "name the provider, e.g. `providers: [{name: envoy}]` (Istio's built-in file access log)"
            .into(),
    );
    d
}
