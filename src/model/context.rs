use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// An Istio minor version, e.g. 1.24.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IstioVersion {
    pub major: u32,
    pub minor: u32,
}

impl IstioVersion {
    /// The newest stable minor mesh-lint knows; the default for `--istio-version`.
    pub const LATEST: IstioVersion = IstioVersion {
        major: 1,
        minor: 30,
    };

    pub const fn new(major: u32, minor: u32) -> Self {
        IstioVersion { major, minor }
    }

    /// Accepts `1.24`, `1.24.3`, `v1.24`, `1.24.0-rc.1` and image tags like `1.24.3-distroless`.
    pub fn parse(s: &str) -> Option<IstioVersion> {
        let s = s.trim().trim_start_matches('v');
        let mut parts = s.split(['.', '-', '_']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(IstioVersion { major, minor })
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= IstioVersion::new(major, minor)
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The MeshConfig fields rules read (what the `istio` ConfigMap's `mesh` key holds).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MeshConfig {
    pub root_namespace: Option<String>,
    pub default_service_export_to: Option<Vec<String>>,
    pub default_virtual_service_export_to: Option<Vec<String>>,
    pub default_destination_rule_export_to: Option<Vec<String>>,
    pub default_config: Option<ProxyConfig>,
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
    /// The providers a Telemetry entry without `providers` falls back to.
    pub default_providers: Option<DefaultProviders>,
    /// The Telemetry providers the mesh defines; Istio's built-in ones are always added
    /// ([`MeshConfig::BUILTIN_PROVIDERS`]).
    pub extension_providers: Option<Vec<ExtensionProvider>>,
}

/// MeshConfig `defaultProviders`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DefaultProviders {
    pub access_logging: Vec<String>,
    pub tracing: Vec<String>,
    pub metrics: Vec<String>,
}

/// One MeshConfig `extensionProviders` entry: its name and which provider it is (the one key
/// beside `name`, e.g. `opentelemetry`, `lightstep`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExtensionProvider {
    pub name: String,
    pub kind: Option<String>,
}

impl<'de> Deserialize<'de> for ExtensionProvider {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ExtensionProvider;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an extension provider mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = ExtensionProvider::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "name" {
                        out.name = map.next_value()?;
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        out.kind.get_or_insert(key);
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit)
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyConfig {
    #[serde(alias = "hold_application_until_proxy_starts")]
    pub hold_application_until_proxy_starts: Option<bool>,
    pub proxy_metadata: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct OutboundTrafficPolicy {
    pub mode: Option<String>,
}

impl MeshConfig {
    /// The extension providers Istio's default MeshConfig defines (`mesh.DefaultMeshConfig`),
    /// kept when a MeshConfig defines others (`mesh.ApplyMeshConfig` merges by name).
    pub const BUILTIN_PROVIDERS: [(&'static str, &'static str); 3] = [
        ("prometheus", "prometheus"),
        ("stackdriver", "stackdriver"),
        ("envoy", "envoyFileAccessLog"),
    ];

    /// The provider a Telemetry names, matched as istiod does (`strings.EqualFold`); `None`
    /// when MeshConfig defines no such provider.
    pub fn provider(&self, name: &str) -> Option<ExtensionProvider> {
        let mut defined = self.extension_providers.iter().flatten();
        if let Some(p) = defined.find(|p| p.name.eq_ignore_ascii_case(name)) {
            return Some(p.clone());
        }
        Self::BUILTIN_PROVIDERS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, k)| ExtensionProvider {
                name: (*n).to_owned(),
                kind: Some((*k).to_owned()),
            })
    }

    /// Istio's default root namespace when MeshConfig does not name one.
    pub fn root_namespace(&self) -> &str {
        self.root_namespace.as_deref().unwrap_or("istio-system")
    }
}

/// Where a piece of context came from, so notes can say "assumed" or "from the inputs".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    Flag,
    Config,
    Inputs,
}

/// The facts every rule may depend on besides the objects themselves.
#[derive(Clone, Debug)]
pub struct LintContext {
    pub istio_version: IstioVersion,
    pub istio_version_origin: Origin,
    pub mesh_config: MeshConfig,
    /// Where the MeshConfig came from; `Default` means Istio's defaults are assumed.
    pub mesh_config_origin: Origin,
    pub cluster_domain: String,
    /// Where the cluster domain came from (flag or config win over the inputs).
    pub cluster_domain_origin: Origin,
    /// The namespace given to objects without `metadata.namespace` (`-n`, default `default`).
    pub default_namespace: String,
    /// True when `-n` or the config named it (a fix may then still not bake it in: it is an
    /// assumption about where the file will be applied).
    pub default_namespace_origin: Origin,
    /// istiod's `ENABLE_EXTERNAL_NAME_ALIAS` when known (config); Istio's default otherwise.
    pub external_name_alias: Option<bool>,
    /// istiod's `ENABLE_NATIVE_SIDECARS` when known (flag, config, inputs); Istio's default
    /// for the version otherwise (see [`crate::model::lifecycle`]).
    pub native_sidecars: Option<NativeSidecars>,
    pub native_sidecars_origin: Origin,
    /// The config file's `injection` assumptions for namespaces not among the inputs.
    pub injection: super::injection::InjectionSettings,
    /// The sidecar injector's policy, when the inputs hold the installation.
    pub injector: super::injection::InjectorSettings,
    /// Inputs that a kustomization among them names as a patch ([`super::kustomize`]): not
    /// objects of their own.
    pub patch_files: std::collections::HashSet<crate::source::FileId>,
    /// `--complete-inputs` (or the config's `complete-inputs: true`): the inputs are the whole
    /// desired state of the cluster, so a selector or reference that matches nothing in them
    /// matches nothing at all (as `istioctl analyze` sees a live cluster).
    pub complete_inputs: bool,
}

/// The note a rule adds when it reports something only because the inputs were declared
/// complete.
pub const COMPLETE_INPUTS_NOTE: &str = "the inputs were declared the cluster's complete desired state (`--complete-inputs` or `complete-inputs: true`), so what they do not hold does not exist; without that setting this is not reported, since repositories keep workloads, gateways and namespaces in other manifests";

/// istiod's `ENABLE_NATIVE_SIDECARS` (`pilot/pkg/features/pilot.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeSidecars {
    True,
    False,
    /// Native sidecars when every node's kubelet is at least 1.33 (1.27+; earlier releases
    /// read the variable as a boolean, so `auto` means false there).
    Auto,
}

impl NativeSidecars {
    pub fn parse(s: &str) -> Option<NativeSidecars> {
        match s.trim() {
            "true" => Some(NativeSidecars::True),
            "false" => Some(NativeSidecars::False),
            "auto" => Some(NativeSidecars::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NativeSidecars::True => "true",
            NativeSidecars::False => "false",
            NativeSidecars::Auto => "auto",
        }
    }
}

impl Default for LintContext {
    fn default() -> Self {
        LintContext {
            istio_version: IstioVersion::LATEST,
            istio_version_origin: Origin::Default,
            mesh_config: MeshConfig::default(),
            mesh_config_origin: Origin::Default,
            cluster_domain: "cluster.local".to_owned(),
            cluster_domain_origin: Origin::Default,
            default_namespace: "default".to_owned(),
            default_namespace_origin: Origin::Default,
            external_name_alias: None,
            native_sidecars: None,
            native_sidecars_origin: Origin::Default,
            injection: Default::default(),
            injector: Default::default(),
            patch_files: Default::default(),
            complete_inputs: false,
        }
    }
}

impl LintContext {
    /// Whether ExternalName Services are plain DNS aliases whose ports create no listeners
    /// (§6.4): never before 1.20; opt-in on 1.20; the default on 1.21–1.23, where
    /// `ENABLE_EXTERNAL_NAME_ALIAS=false` turns it off; always from 1.24 (flag removed).
    pub fn external_name_is_alias(&self) -> bool {
        let v = self.istio_version;
        if v.at_least(1, 24) {
            return true;
        }
        if v.at_least(1, 21) {
            return self.external_name_alias.unwrap_or(true);
        }
        if v.at_least(1, 20) {
            return self.external_name_alias.unwrap_or(false);
        }
        false
    }
}
