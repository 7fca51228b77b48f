//! `proxy.istio.io/config` values: a ProxyConfig in YAML or JSON (istio/api
//! `mesh/v1alpha1/proxy.proto`, message `ProxyConfig`), read the way Istio reads it.
//!
//! Istio converts the YAML to JSON and applies it with jsonpb (`pkg/util/protomarshal ::
//! ApplyYAML`). `ApplyJSON` retries with `AllowUnknownFields` when the strict decode fails, so an
//! unknown field (a typo) is dropped **silently**; a value of the wrong type fails both decodes
//! and the injection webhook refuses the pod (`pkg/kube/inject/validate.go ::
//! validateProxyConfig`). Both are reported here with a position inside the value.

use crate::model::catalogue::nearest;
use mesh_lint_yaml::{parse_stream, Limits, Node, NodeKind, ScalarStyle, Span};

/// The JSON type jsonpb expects for a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// `int32`/`uint32` and `google.protobuf.Int32Value` (numbers, or numeric strings).
    Int,
    /// `google.protobuf.BoolValue`.
    Bool,
    /// `google.protobuf.Duration`: a string of seconds with an `s` suffix (`"5s"`, `"0.5s"`).
    Duration,
    /// `map<string, string>`.
    StringMap,
    /// `repeated string`.
    StringList,
    /// A nested message (its own fields are not checked).
    Message,
    /// An enum, by name.
    Enum(&'static [&'static str]),
}

/// One ProxyConfig field: its JSON name, its proto name (jsonpb accepts both) and type.
pub struct Field {
    pub json: &'static str,
    pub proto: &'static str,
    pub ty: FieldType,
    pub deprecated: bool,
}

const fn f(json: &'static str, proto: &'static str, ty: FieldType) -> Field {
    Field {
        json,
        proto,
        ty,
        deprecated: false,
    }
}

const fn dep(json: &'static str, proto: &'static str, ty: FieldType) -> Field {
    Field {
        json,
        proto,
        ty,
        deprecated: true,
    }
}

use FieldType::*;

/// ProxyConfig's fields, transcribed from istio/api master b8f8791 `mesh/v1alpha1/proxy.proto`.
pub static FIELDS: &[Field] = &[
    f("configPath", "config_path", Text),
    f("binaryPath", "binary_path", Text),
    f("serviceCluster", "service_cluster", Text),
    f(
        "tracingServiceName",
        "tracing_service_name",
        Enum(&[
            "APP_LABEL_AND_NAMESPACE",
            "CANONICAL_NAME_ONLY",
            "CANONICAL_NAME_AND_NAMESPACE",
        ]),
    ),
    f("drainDuration", "drain_duration", Duration),
    f("discoveryAddress", "discovery_address", Text),
    dep("discoveryRefreshDelay", "discovery_refresh_delay", Duration),
    dep("zipkinAddress", "zipkin_address", Text),
    f("statsdUdpAddress", "statsd_udp_address", Text),
    dep(
        "envoyMetricsServiceAddress",
        "envoy_metrics_service_address",
        Text,
    ),
    f("proxyAdminPort", "proxy_admin_port", Int),
    dep("availabilityZone", "availability_zone", Text),
    f(
        "controlPlaneAuthPolicy",
        "control_plane_auth_policy",
        // INHERIT is in the enum, but ValidateControlPlaneAuthPolicy accepts only these two.
        Enum(&["NONE", "MUTUAL_TLS"]),
    ),
    f("customConfigFile", "custom_config_file", Text),
    f("statNameLength", "stat_name_length", Int),
    f("concurrency", "concurrency", Int),
    f(
        "proxyBootstrapTemplatePath",
        "proxy_bootstrap_template_path",
        Text,
    ),
    f(
        "interceptionMode",
        "interception_mode",
        Enum(&["REDIRECT", "TPROXY", "NONE"]),
    ),
    f("tracing", "tracing", Message),
    dep("sds", "sds", Message),
    f("envoyAccessLogService", "envoy_access_log_service", Message),
    f("envoyMetricsService", "envoy_metrics_service", Message),
    f("proxyMetadata", "proxy_metadata", StringMap),
    f("runtimeValues", "runtime_values", StringMap),
    f("statusPort", "status_port", Int),
    f("extraStatTags", "extra_stat_tags", StringList),
    f("gatewayTopology", "gateway_topology", Message),
    f(
        "terminationDrainDuration",
        "termination_drain_duration",
        Duration,
    ),
    f("meshId", "mesh_id", Text),
    f("readinessProbe", "readiness_probe", Message),
    f("proxyStatsMatcher", "proxy_stats_matcher", Message),
    f(
        "holdApplicationUntilProxyStarts",
        "hold_application_until_proxy_starts",
        Bool,
    ),
    f("caCertificatesPem", "ca_certificates_pem", StringList),
    f("image", "image", Message),
    f("privateKeyProvider", "private_key_provider", Message),
    f("proxyHeaders", "proxy_headers", Message),
    f("fileFlushInterval", "file_flush_interval", Duration),
    f("fileFlushMinSizeKb", "file_flush_min_size_kb", Int),
    f("statsCompression", "stats_compression", Bool),
    f("connectionSettings", "connection_settings", Message),
];

pub const HOLD: &str = "holdApplicationUntilProxyStarts";

pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.json == name || f.proto == name)
}

/// What is wrong inside a ProxyConfig value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not YAML or JSON at all, or not a mapping.
    Syntax(String),
    /// A field ProxyConfig does not have: Istio drops it silently.
    UnknownField { suggestion: Option<&'static str> },
    /// A value jsonpb cannot decode: the webhook refuses the pod.
    WrongType { expected: String },
    /// A value of the right type that `ValidateMeshConfigProxyConfig` rejects: the webhook
    /// refuses the pod.
    Invalid { why: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The field name (empty for syntax problems).
    pub field: String,
    pub kind: ProblemKind,
    /// Where, as an offset range into the annotation's value text (`None`: the whole value).
    pub at: Option<Span>,
}

/// A parsed `proxy.istio.io/config` value.
#[derive(Debug, Default)]
pub struct ProxyConfigValue {
    /// `holdApplicationUntilProxyStarts` when set to a boolean.
    pub hold: Option<bool>,
    /// Top-level fields in order: name as written, value rendered as compact JSON.
    pub fields: Vec<(String, String)>,
    /// True when the value is written as a JSON/flow mapping (`{...}`).
    pub flow: bool,
    /// False when a field was too large to render (see [`to_json`]): fixes must not merge.
    pub complete: bool,
    pub problems: Vec<Problem>,
}

/// Parses and checks a ProxyConfig value. Never fails: syntax errors are problems.
pub fn parse(text: &str) -> ProxyConfigValue {
    let mut out = ProxyConfigValue {
        flow: text.trim_start().starts_with('{'),
        complete: true,
        ..Default::default()
    };
    let docs = parse_stream(text, &Limits::default());
    let syntax = |msg: &str| Problem {
        field: String::new(),
        kind: ProblemKind::Syntax(msg.to_owned()),
        at: None,
    };
    if docs.len() > 1 {
        out.problems
            .push(syntax("holds more than one YAML document"));
        return out;
    }
    let Some(doc) = docs.first() else {
        return out;
    };
    if let Some(err) = &doc.error {
        let mut p = syntax(&err.message);
        p.at = Some(err.span);
        out.problems.push(p);
        return out;
    }
    let Some(root) = doc.root() else { return out };
    if root.is_null() {
        return out;
    }
    if root.kind() != NodeKind::Mapping {
        out.problems
            .push(syntax("is not a mapping of ProxyConfig fields"));
        return out;
    }
    for (k, v) in root.entries() {
        let Some(name) = k.as_str() else { continue };
        match to_json(v) {
            Some(json) => out.fields.push((name.to_owned(), json)),
            None => out.complete = false,
        }
        let Some(field) = field(name) else {
            out.problems.push(Problem {
                field: name.to_owned(),
                kind: ProblemKind::UnknownField {
                    suggestion: nearest(name, FIELDS.iter().map(|f| f.json)),
                },
                at: Some(k.span()),
            });
            continue;
        };
        if field.json == HOLD {
            out.hold = yaml_bool(v);
        }
        let kind = match type_error(field.ty, v) {
            Some(expected) => Some(ProblemKind::WrongType { expected }),
            None => value_error(field.json, v).map(|why| ProblemKind::Invalid { why }),
        };
        if let Some(kind) = kind {
            out.problems.push(Problem {
                field: name.to_owned(),
                kind,
                at: Some(v.span()),
            });
        }
    }
    out
}

/// The checks of `pkg/config/validation/agent/validation.go :: ValidateMeshConfigProxyConfig`
/// that apply to a field the pod sets (the value is merged onto valid defaults first).
fn value_error(field: &str, v: Node<'_>) -> Option<String> {
    let text = v.as_str()?.trim();
    match field {
        "proxyAdminPort" | "statusPort" => {
            let port: i64 = text.parse().ok()?;
            (!(1..=65535).contains(&port)).then(|| format!("port {port} is not in 1..65535"))
        }
        "drainDuration" => {
            let secs = text.strip_suffix('s')?;
            (secs.parse::<u64>().is_err()).then(|| {
                "the drain duration must be whole seconds (`ValidateDrainDuration`)".to_owned()
            })
        }
        "discoveryAddress" | "statsdUdpAddress" => {
            let port = text.rsplit_once(':').map(|(_, p)| p);
            let ok = port.is_some_and(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
            (!ok).then(|| "not a `host:port` address".to_owned())
        }
        "configPath" | "binaryPath" if text.is_empty() => Some("must not be empty".to_owned()),
        _ => None,
    }
}

/// A boolean as Istio's YAML-to-JSON step reads it (YAML 1.1 words included).
fn yaml_bool(v: Node<'_>) -> Option<bool> {
    let s = v.scalar()?;
    if s.style != ScalarStyle::Plain {
        return None;
    }
    match s.value {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            Some(false)
        }
        _ => None,
    }
}

/// What the field expects, when the value clearly does not fit. Doubtful cases (a quoted
/// `"true"` for a bool) pass: a false alarm costs more than a miss.
fn type_error(ty: FieldType, v: Node<'_>) -> Option<String> {
    if v.is_null() {
        return None;
    }
    let kind = v.kind();
    let plain = v
        .scalar()
        .filter(|s| s.style == ScalarStyle::Plain)
        .map(|s| s.value);
    let text = v.as_str().unwrap_or("");
    let bad = |what: &str| Some(what.to_owned());
    match ty {
        Text => (kind != NodeKind::Scalar).then(|| "a string".to_owned()),
        Int => {
            let numeric = text.trim().parse::<i64>().is_ok();
            (kind != NodeKind::Scalar || !numeric).then(|| "an integer".to_owned())
        }
        Bool => match (kind, plain) {
            (NodeKind::Scalar, Some(_)) if yaml_bool(v).is_some() => None,
            (NodeKind::Scalar, Some(p)) if p.parse::<f64>().is_ok() => bad("`true` or `false`"),
            (NodeKind::Scalar, _) => None,
            _ => bad("`true` or `false`"),
        },
        Duration => {
            let ok = kind == NodeKind::Scalar
                && text
                    .strip_suffix('s')
                    .is_some_and(|n| n.parse::<f64>().is_ok());
            (!ok).then(|| "a duration in seconds with an `s` suffix, like `\"5s\"`".to_owned())
        }
        StringMap => {
            let ok =
                kind == NodeKind::Mapping && v.entries().all(|(_, x)| x.kind() == NodeKind::Scalar);
            (!ok).then(|| "a mapping of strings".to_owned())
        }
        StringList => (kind != NodeKind::Sequence).then(|| "a list of strings".to_owned()),
        Message => (kind != NodeKind::Mapping).then(|| "a mapping".to_owned()),
        Enum(values) => {
            let ok =
                kind == NodeKind::Scalar && (values.contains(&text) || text.parse::<u32>().is_ok());
            (!ok).then(|| format!("one of {}", values.join(", ")))
        }
    }
}

/// Nodes [`to_json`] renders at most: an annotation value is small, and aliases must not
/// expand into a billion nodes.
const JSON_BUDGET: usize = 10_000;

/// A node as compact JSON (what Istio's YAML-to-JSON step would make of it), for fixes that
/// carry a field from one value into another; `None` past [`JSON_BUDGET`] nodes.
pub fn to_json(v: Node<'_>) -> Option<String> {
    let mut budget = JSON_BUDGET;
    render(v, &mut budget)
}

fn render(v: Node<'_>, budget: &mut usize) -> Option<String> {
    *budget = budget.checked_sub(1)?;
    Some(match v.kind() {
        NodeKind::Mapping => {
            let mut items = Vec::new();
            for (k, x) in v.entries() {
                items.push(format!(
                    "{}: {}",
                    json_string(k.as_str().unwrap_or("")),
                    render(x, budget)?
                ));
            }
            format!("{{{}}}", items.join(", "))
        }
        NodeKind::Sequence => {
            let mut items = Vec::new();
            for x in v.items() {
                items.push(render(x, budget)?);
            }
            format!("[{}]", items.join(", "))
        }
        NodeKind::Scalar if v.is_null() => "null".to_owned(),
        NodeKind::Scalar => match (yaml_bool(v), v.as_i64()) {
            (Some(b), _) => b.to_string(),
            (None, Some(i)) => i.to_string(),
            (None, None) => json_string(v.as_str().unwrap_or("")),
        },
    })
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hold_from_yaml_and_json() {
        assert_eq!(
            parse("holdApplicationUntilProxyStarts: true").hold,
            Some(true)
        );
        assert_eq!(
            parse(r#"{"holdApplicationUntilProxyStarts": false}"#).hold,
            Some(false)
        );
        assert_eq!(
            parse("hold_application_until_proxy_starts: yes").hold,
            Some(true)
        );
        assert_eq!(parse("concurrency: 2").hold, None);
        assert!(parse("{}").problems.is_empty());
        assert!(parse("").problems.is_empty());
    }

    #[test]
    fn unknown_fields_get_the_nearest_name() {
        let v = parse("holdApplicationUntilProxyStart: true\nconcurrency: 2\n");
        assert_eq!(v.problems.len(), 1);
        assert_eq!(v.problems[0].field, "holdApplicationUntilProxyStart");
        assert_eq!(
            v.problems[0].kind,
            ProblemKind::UnknownField {
                suggestion: Some(HOLD)
            }
        );
        assert_eq!(v.problems[0].at, Some(Span::new(0, 30)));
    }

    #[test]
    fn wrong_types_and_syntax() {
        let v =
            parse(r#"{"concurrency": "two", "drainDuration": "1m", "proxyMetadata": {"A": "b"}}"#);
        let fields: Vec<&str> = v.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["concurrency", "drainDuration"]);
        assert!(parse(r#"{"concurrency": "2", "drainDuration": "45s"}"#)
            .problems
            .is_empty());
        assert!(matches!(
            parse("{holdApplicationUntilProxyStarts: true").problems[0].kind,
            ProblemKind::Syntax(_)
        ));
        assert!(matches!(
            parse("- a").problems[0].kind,
            ProblemKind::Syntax(_)
        ));
        assert_eq!(
            parse("holdApplicationUntilProxyStarts: 1").problems.len(),
            1
        );
        // Paths must not be empty; any other path is fine.
        assert_eq!(parse(r#"{"configPath": ""}"#).problems.len(), 1);
        assert!(parse(
            r#"{"configPath": "/etc/istio/proxy", "binaryPath": "/usr/local/bin/envoy"}"#
        )
        .problems
        .is_empty());
    }

    #[test]
    fn alias_bombs_are_not_expanded() {
        let mut text = String::from("proxyMetadata: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            let list = [prev.as_str(); 10].join(", ");
            text.push_str(&format!("f{i}: &a{i} [{list}]\n"));
        }
        let v = parse(&text);
        assert!(!v.complete);
    }

    #[test]
    fn renders_fields_as_json() {
        let v = parse(
            "proxyMetadata:\n  A: b\nconcurrency: 2\nholdApplicationUntilProxyStarts: true\n",
        );
        assert_eq!(
            v.fields,
            [
                ("proxyMetadata".to_owned(), r#"{"A": "b"}"#.to_owned()),
                ("concurrency".to_owned(), "2".to_owned()),
                (HOLD.to_owned(), "true".to_owned()),
            ]
        );
    }
}
