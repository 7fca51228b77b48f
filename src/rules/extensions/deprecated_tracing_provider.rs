use super::telemetry::{providers, telemetries};
use super::version_note;
use crate::diagnostic::{Findings, Severity};
use crate::model::IstioVersion;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a Telemetry `tracing` provider that MeshConfig defines as a Lightstep or an
    /// OpenCensus provider:
    ///
    /// - Lightstep: deprecated from Istio 1.18 (a warning), removed from istiod's tracing in
    ///   1.27 (an error: the provider configures nothing);
    /// - OpenCensus: its tracer was removed from istiod in 1.23 (an error).
    ///
    /// The provider's kind is known only from a MeshConfig (`--mesh-config`, or the `istio`
    /// ConfigMap or IstioOperator in the inputs).
    ///
    /// ## Why is this bad?
    /// From those releases istiod logs a warning and configures no tracer for these
    /// providers: spans stop being exported while the Telemetry still reads as if tracing
    /// were on. Both vendors support OpenTelemetry, which Istio's `opentelemetry` provider
    /// exports to.
    ///
    /// ## Example
    /// With a MeshConfig defining `lightstep` as a Lightstep provider:
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
    ///         - name: lightstep
    /// ```
    ///
    /// Use instead: an `opentelemetry` extension provider in MeshConfig, named here.
    ///
    /// ## Fix safety
    /// No fix: the replacement provider has to be defined in MeshConfig first.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/networking/core/tracing.go` configureFromProviderConfig (Lightstep removed by #56265, OpenCensus by #51078); istioctl `pkg/config/analysis/analyzers/telemetry/lightstep.go` (IST0002)
    /// - [Istio: OpenTelemetry tracing](https://istio.io/latest/docs/tasks/observability/distributed-tracing/opentelemetry/)
    pub static META = {
        code: "MESH714",
        name: "deprecated-tracing-provider",
        area: "extensions",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0002"],
        summary: "A Telemetry tracing provider of a kind Istio deprecated or removed (Lightstep, OpenCensus)",
    };
}

pub struct DeprecatedTracingProvider;

/// A provider kind, the release that deprecated it (if known) and the one whose istiod stopped
/// configuring it.
const KINDS: [(&str, &str, Option<IstioVersion>, IstioVersion); 2] = [
    (
        "lightstep",
        "Lightstep",
        Some(IstioVersion::new(1, 18)),
        IstioVersion::new(1, 27),
    ),
    ("opencensus", "OpenCensus", None, IstioVersion::new(1, 23)),
];

impl Rule for DeprecatedTracingProvider {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let v = ck.cx.istio_version;
        let mc = &ck.cx.mesh_config;
        for t in telemetries(ck, false) {
            for entry in t.entries("tracing") {
                for (name, node) in providers(entry) {
                    let Some(kind) = mc.provider(name).and_then(|p| p.kind) else {
                        continue;
                    };
                    let Some(&(_, label, deprecated, removed)) =
                        KINDS.iter().find(|(k, ..)| *k == kind)
                    else {
                        continue;
                    };
                    let gone = v >= removed;
                    if !gone && deprecated.is_none_or(|d| v < d) {
                        continue;
                    }
                    let message = if gone {
                        format!("tracing provider `{name}` is {} {label} provider, which Istio {v} no longer configures: no spans are exported", article(label))
                    } else {
                        format!("tracing provider `{name}` is {} {label} provider, deprecated since Istio {}", article(label), deprecated.unwrap_or(removed))
                    };
                    let mut d = ck.diagnostic(&META, t.object, node.span(), message);
                    d.primary.message = format!("{label} provider");
                    if !gone {
                        d.severity = Severity::Warning;
                    }
                    d.notes.push(format!(
                        "istiod stopped configuring {label} tracers in Istio {removed} (`pilot/pkg/networking/core/tracing.go` configureFromProviderConfig); istioctl reports the deprecation as IST0002"
                    ).into());
                    d.notes.extend(version_note(ck).map(Into::into));
                    d.help = Some(format!(
                        "define an `opentelemetry` provider in MeshConfig `extensionProviders` and name it instead of `{name}`"
                    ).into());
                    out.push(d);
                }
            }
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}
