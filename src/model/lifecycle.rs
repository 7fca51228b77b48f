//! How a sidecar starts and stops, by Istio version: native sidecars, holding the app until the
//! proxy is ready, and which probes the injector rewrites.
//!
//! Sources (istio/istio at the release tags):
//! - `manifests/charts/istio-control/istio-discovery/files/injection-template.yaml`:
//!   `$nativeSidecar` reads only `ENABLE_NATIVE_SIDECARS` in 1.19–1.23; from 1.24 the pod
//!   annotation `sidecar.istio.io/nativeSidecar` comes first (only `"true"` enables, any other
//!   value disables); from 1.27 any annotation value other than `"false"` enables, and without
//!   it the webhook's `.NativeSidecars` decides. `$holdProxy` is `and (or <ProxyConfig hold>
//!   <values hold>) (not $nativeSidecar)` since 1.21.
//! - `pilot/pkg/features/pilot.go`: `ENABLE_NATIVE_SIDECARS` defaults to `false` up to 1.26
//!   and to `auto` from 1.27; `webhook.go :: DetectNativeSidecar` turns `auto` on only when every
//!   node's kubelet is at least 1.33, which manifests cannot tell.
//! - `pkg/kube/inject/app_probe.go`: httpGet probes are rewritten (default on since 1.6),
//!   tcpSocket since 1.12, gRPC since 1.13.

use super::catalogue::keys::NATIVE_SIDECAR;
use super::proxy_config::ProxyConfigValue;
use super::{IstioVersion, LintContext, NativeSidecars, Origin};
use std::collections::BTreeMap;

/// Whether a pod gets a native (init-container) sidecar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    On,
    Off,
    /// `ENABLE_NATIVE_SIDECARS=auto` (1.27+): on only when every node's kubelet is ≥ 1.33.
    Unknown,
}

/// The native-sidecar decision and the sentence saying why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeDecision {
    pub native: Native,
    pub why: String,
}

/// Istio's default for `ENABLE_NATIVE_SIDECARS` at `v`.
pub fn default_env(v: IstioVersion) -> NativeSidecars {
    if v.at_least(1, 27) {
        NativeSidecars::Auto
    } else {
        NativeSidecars::False
    }
}

/// Native sidecars for a pod with these template annotations, under the context's version and
/// istiod setting.
pub fn native_sidecars(cx: &LintContext, annotations: &BTreeMap<String, String>) -> NativeDecision {
    let v = cx.istio_version;
    let decide = |native, why: String| NativeDecision { native, why };
    if !v.at_least(1, 19) {
        return decide(
            Native::Off,
            format!("Istio {v} has no native sidecars (1.19+)"),
        );
    }
    let annotation = annotations
        .get(NATIVE_SIDECAR)
        .map(String::as_str)
        .filter(|a| !a.is_empty());
    if v.at_least(1, 24) {
        if let Some(a) = annotation {
            let on = if v.at_least(1, 27) {
                a != "false"
            } else {
                a == "true"
            };
            let native = if on { Native::On } else { Native::Off };
            return decide(
                native,
                format!("the pod template sets `{NATIVE_SIDECAR}: \"{a}\"`"),
            );
        }
    }
    let env = cx.native_sidecars.unwrap_or_else(|| default_env(v));
    let source = match cx.native_sidecars_origin {
        Origin::Default => format!("Istio {v}'s default"),
        Origin::Flag => "`--native-sidecars`".to_owned(),
        Origin::Config => "the config file's `native-sidecars`".to_owned(),
        Origin::Inputs => "istiod's settings in the inputs".to_owned(),
    };
    let env_text = format!("`ENABLE_NATIVE_SIDECARS={}` ({source})", env.as_str());
    match env {
        NativeSidecars::True => decide(Native::On, env_text),
        NativeSidecars::Auto if v.at_least(1, 27) => decide(
            Native::Unknown,
            format!(
                "{env_text}: istiod uses native sidecars only when every node's kubelet is 1.33 or newer, which manifests do not show (`--native-sidecars true|false` settles it)"
            ),
        ),
        _ => decide(Native::Off, env_text),
    }
}

/// Where the effective `holdApplicationUntilProxyStarts` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldSource {
    /// The pod template's `proxy.istio.io/config`.
    Pod,
    /// MeshConfig `defaultConfig`.
    Mesh,
    /// Neither sets it: Istio's default, false.
    Default,
}

/// The effective hold setting: the pod annotation's field wins over MeshConfig's
/// `defaultConfig` field by field (`MergeProxyConfig`), so a pod `false` beats a mesh `true`.
pub fn hold(cx: &LintContext, pod: Option<&ProxyConfigValue>) -> (bool, HoldSource) {
    if let Some(h) = pod.and_then(|p| p.hold) {
        return (h, HoldSource::Pod);
    }
    let mesh = cx
        .mesh_config
        .default_config
        .as_ref()
        .and_then(|d| d.hold_application_until_proxy_starts);
    match mesh {
        Some(h) => (h, HoldSource::Mesh),
        None => (false, HoldSource::Default),
    }
}

/// Probe kinds the injector rewrites to the agent's status port at `v` (when rewriting is on).
pub fn rewrites(v: IstioVersion, probe: ProbeKind) -> bool {
    match probe {
        ProbeKind::Http => true,
        ProbeKind::Tcp => v.at_least(1, 12),
        ProbeKind::Grpc => v.at_least(1, 13),
        ProbeKind::Exec => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Http,
    Tcp,
    Grpc,
    Exec,
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(v: (u32, u32), env: Option<NativeSidecars>) -> LintContext {
        LintContext {
            istio_version: IstioVersion::new(v.0, v.1),
            native_sidecars: env,
            native_sidecars_origin: if env.is_some() {
                Origin::Flag
            } else {
                Origin::Default
            },
            ..LintContext::default()
        }
    }

    fn ann(v: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(NATIVE_SIDECAR.to_owned(), v.to_owned())])
    }

    #[test]
    fn native_sidecars_follow_the_template_of_each_release() {
        let none = BTreeMap::new();
        assert_eq!(
            native_sidecars(&cx((1, 22), None), &none).native,
            Native::Off
        );
        assert_eq!(
            native_sidecars(&cx((1, 22), Some(NativeSidecars::True)), &none).native,
            Native::On
        );
        // The annotation does nothing before 1.24.
        assert_eq!(
            native_sidecars(&cx((1, 23), None), &ann("true")).native,
            Native::Off
        );
        assert_eq!(
            native_sidecars(&cx((1, 24), None), &ann("true")).native,
            Native::On
        );
        // 1.24-1.26: only exactly "true" enables; 1.27+: anything but "false" does.
        assert_eq!(
            native_sidecars(&cx((1, 25), None), &ann("True")).native,
            Native::Off
        );
        assert_eq!(
            native_sidecars(&cx((1, 28), None), &ann("True")).native,
            Native::On
        );
        assert_eq!(
            native_sidecars(&cx((1, 28), None), &ann("false")).native,
            Native::Off
        );
        // `auto`: the default from 1.27, unknowable offline; a plain boolean before.
        assert_eq!(
            native_sidecars(&cx((1, 27), None), &none).native,
            Native::Unknown
        );
        assert_eq!(
            native_sidecars(&cx((1, 26), None), &none).native,
            Native::Off
        );
        assert_eq!(
            native_sidecars(&cx((1, 26), Some(NativeSidecars::Auto)), &none).native,
            Native::Off
        );
        assert_eq!(
            native_sidecars(&cx((1, 30), Some(NativeSidecars::False)), &none).native,
            Native::Off
        );
    }

    #[test]
    fn pod_hold_beats_mesh_hold() {
        let mut c = LintContext::default();
        c.mesh_config.default_config = Some(crate::model::MeshProxyConfig {
            hold_application_until_proxy_starts: Some(true),
            ..Default::default()
        });
        let pod = crate::model::proxy_config::parse("concurrency: 2");
        assert_eq!(hold(&c, Some(&pod)), (true, HoldSource::Mesh));
        let pod = crate::model::proxy_config::parse("holdApplicationUntilProxyStarts: false");
        assert_eq!(hold(&c, Some(&pod)), (false, HoldSource::Pod));
        assert_eq!(
            hold(&LintContext::default(), None),
            (false, HoldSource::Default)
        );
    }
}
