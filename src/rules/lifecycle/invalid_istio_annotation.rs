use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix};
use crate::model::catalogue::keys::{
    NATIVE_SIDECAR, PROXY_CONFIG, REWRITE_APP_HTTP_PROBERS, SIDECAR_INJECT,
};
use crate::model::catalogue::{self, rejected_by_webhook, value_error, value_kind};
use crate::model::injection::Mode;
use crate::model::proxy_config::{self, ProblemKind};
use crate::model::ObjectRef;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::{Node, ScalarStyle, Span};

declare_rule! {
    /// ## What it does
    /// Reports an Istio annotation (or the `sidecar.istio.io/inject` label) whose value Istio
    /// rejects or silently ignores: a `proxy.istio.io/config` that is not YAML or JSON, has a
    /// field ProxyConfig does not have (with the nearest field name) or a value of the wrong
    /// type; a bad `interceptionMode`; port, CIDR or interface lists that do not parse;
    /// booleans and resource quantities that are not.
    ///
    /// ## Why is this bad?
    /// The injector validates these annotations before rendering the sidecar
    /// (`validateAnnotations`) and, on failure, refuses the Pod: the webhook's failure policy
    /// is `Fail`, so the ReplicaSet cannot create pods and the rollout stalls. Other values are
    /// dropped silently: an unknown ProxyConfig field (jsonpb retries ignoring unknown fields,
    /// so `holdApplicationUntilProxyStart` does nothing), `rewriteAppHTTPProbers: "no"` (falls
    /// back to the global setting), `sidecar.istio.io/inject: "False"` (only lower-case
    /// `true`/`false` count; anything else falls back to the namespace policy), and a
    /// `nativeSidecar` value other than `true`/`false` (read differently by each release).
    ///
    /// ## Example
    /// ```yaml
    /// annotations:
    ///   proxy.istio.io/config: '{"holdApplicationUntilProxyStart": true}'
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// annotations:
    ///   proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
    /// ```
    ///
    /// ## Fix safety
    /// A misspelt ProxyConfig field gets a **display** fix with the nearest field name; the
    /// other values need a human to choose.
    ///
    /// ## References
    /// - Istio source: `pkg/kube/inject/validate.go` (AnnotationValidation, validateProxyConfig); `pkg/util/protomarshal/protomarshal.go` ApplyJSON; `pkg/kube/inject/app_probe.go` ShouldRewriteAppHTTPProbers; `pkg/kube/inject/inject.go` injectRequired
    /// - [Istio: resource annotations](https://istio.io/latest/docs/reference/config/annotations/)
    /// - [Istio: ProxyConfig](https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig)
    pub static META = {
        code: "MESH403",
        name: "invalid-istio-annotation",
        area: "lifecycle",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "display",
        subject: Object,
        istioctl: ["IST0125"],
        summary: "An Istio annotation value that Istio rejects or silently ignores (ProxyConfig fields, lists, booleans)",
    };
}

pub struct InvalidIstioAnnotation;

impl Rule for InvalidIstioAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let mut skip = std::collections::HashSet::new();
        for w in &ck.index.workloads {
            // A never-injected pod's annotations do nothing; its inject label's value may be
            // why it is not injected (`"True"` does not opt in), so that is still checked.
            let never = ck.injection_mode(w) == Mode::None;
            if never {
                skip.insert(w.object);
            }
            let Some(meta) = w.template_node.get("metadata") else {
                continue;
            };
            if never {
                inject_label(ck, w.object, meta, out);
            } else if !w.template_path.is_empty() {
                check_meta(ck, w.object, meta, out); // a Pod's own metadata comes below
            }
        }
        for (id, o) in ck.index.objects.iter().enumerate() {
            if skip.contains(&id) {
                continue;
            }
            if let Some(meta) = o.node.get("metadata") {
                check_meta(ck, id, meta, out);
            }
        }
    }
}

fn inject_label(ck: &Checker<'_, '_>, object: ObjectRef, meta: Node<'_>, out: &mut Findings) {
    let Some((_, v)) = meta.get("labels").and_then(|l| l.get_entry(SIDECAR_INJECT)) else {
        return;
    };
    let Some(text) = v.as_str() else { return };
    if let Some(why) = value_error(catalogue::ValueKind::ExactBool, text) {
        out.push(inject_value(ck, object, v, text, &why, "label"));
    }
}

fn check_meta(ck: &Checker<'_, '_>, object: ObjectRef, meta: Node<'_>, out: &mut Findings) {
    inject_label(ck, object, meta, out);
    let Some(annotations) = meta.get("annotations") else {
        return;
    };
    for (k, v) in annotations.entries() {
        let (Some(key), Some(text)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        if catalogue::annotation(key).is_none() {
            continue;
        }
        if key == PROXY_CONFIG {
            proxy_config_findings(ck, object, v, text, out);
            continue;
        }
        if key == NATIVE_SIDECAR {
            out.extend(native_sidecar_value(ck, object, v, text));
            continue;
        }
        let kind = value_kind(key);
        let Some(why) = value_error(kind, text) else {
            continue;
        };
        if key == SIDECAR_INJECT {
            out.push(inject_value(ck, object, v, text, &why, "annotation"));
            continue;
        }
        let mut d = ck.diagnostic(
            &META,
            object,
            v.span(),
            format!("`{key}: {text}` is invalid: {why}"),
        );
        d.primary.message = "Istio rejects this value".to_owned();
        if rejected_by_webhook(key) {
            d.notes.push(WEBHOOK_REFUSES.to_owned().into());
        } else if key == REWRITE_APP_HTTP_PROBERS {
            d.primary.message = "Istio ignores this value".to_owned();
            d.notes.push("Istio reads it with Go's `strconv.ParseBool`; a value that does not parse is ignored and the injector's global setting applies (rewriting on, by default)".to_owned().into());
        }
        d.help = Some(format!("write a valid value for `{key}`").into());
        out.push(d);
    }
}

const WEBHOOK_REFUSES: &str = "the sidecar injector validates this annotation before injecting and refuses the Pod when it is invalid; the webhook's failure policy is `Fail`, so no pod of this workload can be created";

fn inject_value(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    v: Node<'_>,
    text: &str,
    why: &str,
    what: &str,
) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        object,
        v.span(),
        format!("the {what} `{SIDECAR_INJECT}: {text}` is ignored: {why}"),
    );
    d.primary.message = "neither opts in nor out".to_owned();
    d.notes.push("the injector compares the value case-sensitively with `true` and `false`; any other value falls back to the namespace's injection policy, and in a namespace without injection labels the `object.` webhook selects only the exact label `true`".to_owned().into());
    let lower = text.to_ascii_lowercase();
    d.help = Some(match lower.as_str() {
        "true" | "false" => format!("write `\"{lower}\"`").into(),
        _ => "write `\"true\"` or `\"false\"`".to_owned().into(),
    });
    d
}

/// `sidecar.istio.io/nativeSidecar` is read as a string by the injection template, differently
/// by release: only `"true"` enables it in 1.24-1.26, anything but `"false"` from 1.27.
fn native_sidecar_value(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    v: Node<'_>,
    text: &str,
) -> Option<Diagnostic> {
    if matches!(text, "true" | "false") {
        return None;
    }
    let version = ck.cx.istio_version;
    let effect = if version.at_least(1, 27) {
        "enables native sidecars (only `false` disables them)"
    } else if version.at_least(1, 24) {
        "disables native sidecars (only `true` enables them)"
    } else {
        return None; // not read before 1.24: MESH408 says so
    };
    let mut d = ck.diagnostic(
        &META,
        object,
        v.span(),
        format!("`{NATIVE_SIDECAR}: {text}` is neither `true` nor `false`: on Istio {version} it {effect}"),
    );
    d.primary.message = "read as a plain string".to_owned();
    d.notes.push("the injection template compares the value as a string, and releases differ: 1.24-1.26 enable native sidecars only for `true`, 1.27 and later for anything but `false`".to_owned().into());
    d.help = Some("write `\"true\"` or `\"false\"`".to_owned().into());
    Some(d)
}

fn proxy_config_findings(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    v: Node<'_>,
    text: &str,
    out: &mut Findings,
) {
    let parsed = proxy_config::parse(text);
    for p in parsed.problems {
        let span =
            p.at.and_then(|at| inner_span(ck, object, v, at))
                .unwrap_or(v.span());
        let (message, label) = match &p.kind {
            ProblemKind::Syntax(msg) => (
                format!("`{PROXY_CONFIG}` is not a YAML or JSON ProxyConfig: {msg}"),
                "not a ProxyConfig",
            ),
            ProblemKind::UnknownField { suggestion } => (
                match suggestion {
                    Some(s) => format!(
                        "`{}` is not a ProxyConfig field; did you mean `{s}`?",
                        p.field
                    ),
                    None => format!("`{}` is not a ProxyConfig field", p.field),
                },
                "unknown field, dropped silently",
            ),
            ProblemKind::WrongType { expected } => (
                format!("ProxyConfig field `{}` expects {expected}", p.field),
                "does not decode",
            ),
            ProblemKind::Invalid { why } => (
                format!("ProxyConfig field `{}` is invalid: {why}", p.field),
                "rejected by Istio's validation",
            ),
        };
        let mut d = ck.diagnostic(&META, object, span, message);
        d.primary.message = label.to_owned();
        match &p.kind {
            ProblemKind::UnknownField { suggestion } => {
                d.notes.push("Istio decodes the value with jsonpb and, when that fails, decodes it again ignoring unknown fields: the misspelt setting is dropped without any error".to_owned().into());
                if let Some(s) = suggestion {
                    d.help = Some(format!("rename it to `{s}`").into());
                    let same_bytes = span != v.span();
                    if same_bytes {
                        let file = ck.index.objects[object].file;
                        d.fix = Some(Fix::new(
                            format!("rename to `{s}`"),
                            Applicability::Display,
                            vec![Edit {
                                file,
                                span,
                                content: rename_key(
                                    &ck.files.get(file).text[span.range()],
                                    &p.field,
                                    s,
                                ),
                            }],
                        ));
                    }
                } else {
                    d.help = Some(
                        "see the ProxyConfig reference for the field you mean"
                            .to_owned()
                            .into(),
                    );
                }
            }
            _ => {
                d.notes.push(WEBHOOK_REFUSES.to_owned().into());
                d.help = Some(
                    "fix the value so that it is a ProxyConfig in YAML or JSON"
                        .to_owned()
                        .into(),
                );
            }
        }
        out.push(d);
    }
}

/// Keeps the key's quotes (`"name"`, `\"name\"`) and replaces the name.
fn rename_key(raw: &str, old: &str, new: &str) -> String {
    raw.replacen(old, new, 1)
}

/// Maps a span inside the annotation's value text to the file, when the value's bytes appear
/// in the file as they are: a quoted scalar without escapes or line breaks, or a literal block.
fn inner_span(ck: &Checker<'_, '_>, object: ObjectRef, v: Node<'_>, at: Span) -> Option<Span> {
    let scalar = v.scalar()?;
    if v.is_alias() {
        return None;
    }
    let file = ck.index.objects[object].file;
    let text = &ck.files.get(file).text;
    let span = v.span();
    let raw = &text[span.range()];
    match scalar.style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let inner = raw.get(1..raw.len().checked_sub(1)?)?;
            (inner == scalar.value)
                .then(|| Span::new(span.start + 1 + at.start, span.start + 1 + at.end))
        }
        ScalarStyle::Literal => {
            let value = scalar.value;
            let before = value.get(..at.start as usize)?;
            let line = before.matches('\n').count();
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
            let content_start = raw.find('\n')? + 1;
            let mut offset = content_start;
            let mut lines = raw[content_start..].split_inclusive('\n');
            let mut indent = None;
            for _ in 0..line {
                offset += lines.next()?.len();
            }
            if let Some(l) = raw[content_start..].lines().find(|l| !l.trim().is_empty()) {
                indent = Some(l.len() - l.trim_start_matches(' ').len());
            }
            let start = span.start as usize + offset + indent? + col;
            let len = (at.end - at.start) as usize;
            let mapped = text.get(start..start + len)?;
            (mapped == value.get(at.start as usize..at.end as usize)?)
                .then(|| Span::new(start as u32, (start + len) as u32))
        }
        _ => None,
    }
}
