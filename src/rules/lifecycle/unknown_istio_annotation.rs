use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::model::catalogue::keys::SIDECAR_INJECT;
use crate::model::catalogue::{self, is_istio_key, nearest, SET_BY_ISTIO};
use crate::model::injection::Mode;
use crate::model::{IstioVersion, ObjectRef};
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an annotation in an Istio domain (`istio.io` or `*.istio.io`) that Istio does
    /// not define, usually a typo, with the nearest key Istio knows; an annotation Istio
    /// dropped before the configured version, or added after it; and (as info) one Istio
    /// deprecated. Pod templates are checked as well as objects' own metadata.
    ///
    /// ## Why is this bad?
    /// Istio ignores annotations it does not know without a word:
    /// `sidecar.istio.io/rewriteAppHTTPProbes: "false"` or `proxy.istio.io/configs` look
    /// right in review and do nothing. The catalogue is istio/api's `annotations.yaml`
    /// (plus the few keys Istio's code reads without listing them), so the check follows
    /// Istio's own list rather than a guess.
    ///
    /// ## Example
    /// ```yaml
    /// annotations:
    ///   sidecar.istio.io/rewriteAppHTTPProbes: "false"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// annotations:
    ///   sidecar.istio.io/rewriteAppHTTPProbers: "false"
    /// ```
    ///
    /// ## Fix safety
    /// When exactly one known key is within a small edit distance, the fix renames the key.
    /// The renamed annotation starts to take effect, which changes behaviour: the fix is
    /// **unsafe** (the design table said safe; a rename that switches a setting on is not
    /// meaning-preserving).
    ///
    /// ## References
    /// - Istio source: `annotation/annotations.yaml` (istio/api); `pkg/config/analysis/analyzers/annotations/annotations.go` (IST0108, IST0135)
    /// - [Istio: resource annotations](https://istio.io/latest/docs/reference/config/annotations/)
    pub static META = {
        code: "MESH408",
        name: "unknown-istio-annotation",
        area: "lifecycle",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: ["IST0108", "IST0135"],
        summary: "An annotation in an Istio domain that Istio does not define (typo), no longer reads, or deprecates",
    };
}

pub struct UnknownIstioAnnotation;

impl Rule for UnknownIstioAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Vec<Diagnostic>) {
        let mut never_injected = std::collections::HashSet::new();
        for w in &ck.index.workloads {
            if ck.injection().workload(w).mode == Mode::None {
                never_injected.insert(w.object);
            }
            if w.template_path.is_empty() {
                continue;
            }
            if let Some(meta) = w.template_node.get("metadata") {
                let skip = never_injected.contains(&w.object);
                check_meta(ck, w.object, meta, skip, out);
            }
        }
        for (id, o) in ck.index.objects.iter().enumerate() {
            if let Some(meta) = o.node.get("metadata") {
                check_meta(ck, id, meta, never_injected.contains(&id), out);
            }
        }
    }
}

/// `never_injected`: only typos of the injection switch itself are worth reporting there.
fn check_meta(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    meta: Node<'_>,
    never_injected: bool,
    out: &mut Vec<Diagnostic>,
) {
    let Some(annotations) = meta.get("annotations") else {
        return;
    };
    let labels = meta.get("labels");
    for (k, v) in annotations.entries() {
        let Some(key) = k.as_str() else { continue };
        if !is_istio_key(key)
            || SET_BY_ISTIO.contains(&key)
            || key.starts_with("internal.istio.io/")
        {
            continue;
        }
        let d = match catalogue::annotation(key) {
            None => unknown(ck, object, k, key, never_injected),
            Some(_) if never_injected => None,
            Some(entry) => {
                let version = ck.cx.istio_version;
                if entry.removed_before(version) {
                    let (ma, mi) = entry.last_listed.unwrap_or((1, 0));
                    Some(version_finding(ck, object, k, format!(
                        "`{key}` is no longer an Istio annotation: Istio {ma}.{mi} was the last release to define it (linting for {version})"
                    )))
                } else if let Some((ma, mi)) = entry
                    .since
                    .filter(|&(ma, mi)| version < IstioVersion::new(ma, mi))
                {
                    Some(version_finding(
                        ck,
                        object,
                        k,
                        format!(
                            "`{key}` is not read by Istio {version}: it was added in {ma}.{mi}"
                        ),
                    ))
                } else if entry.deprecated {
                    deprecated(ck, object, k, key, v, labels)
                } else {
                    None
                }
            }
        };
        out.extend(d);
    }
}

fn unknown(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    k: Node<'_>,
    key: &str,
    never_injected: bool,
) -> Option<Diagnostic> {
    let suggestion = nearest(key, catalogue::annotations().map(|e| e.name));
    if never_injected && suggestion != Some(SIDECAR_INJECT) {
        return None;
    }
    let message = match suggestion {
        Some(s) => format!("`{key}` is not an Istio annotation; did you mean `{s}`?"),
        None => format!("`{key}` is not an Istio annotation"),
    };
    let mut d = ck.diagnostic(&META, object, k.span(), message);
    d.primary.message = "unknown to Istio, ignored".to_owned();
    d.notes.push("Istio ignores annotations it does not define without any error; the known keys are those of istio/api's annotations.yaml".to_owned());
    match suggestion {
        Some(s) => {
            d.help = Some(format!("rename it to `{s}`"));
            d.fix = replace_scalar(ck, object, k, s).map(|e| {
                Fix::new(format!("rename to `{s}`"), Applicability::Unsafe, vec![e])
            });
        }
        None => {
            d.help = Some("check the key against https://istio.io/latest/docs/reference/config/annotations/, or remove it".to_owned())
        }
    }
    Some(d)
}

fn version_finding(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    k: Node<'_>,
    message: String,
) -> Diagnostic {
    let mut d = ck.diagnostic(&META, object, k.span(), message);
    d.primary.message = "not read by this Istio version".to_owned();
    d.notes.push("Istio ignores annotations its release does not define; set `--istio-version` if mesh-lint assumed the wrong one".to_owned());
    d.help = Some("remove it, or use what the Istio release you run provides".to_owned());
    d
}

fn deprecated(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    k: Node<'_>,
    key: &str,
    v: Node<'_>,
    labels: Option<Node<'_>>,
) -> Option<Diagnostic> {
    let mut note =
        "Istio marks it deprecated in annotations.yaml; it may stop working in a later release"
            .to_owned();
    if key == SIDECAR_INJECT {
        // With the label present the annotation is not read; as an opt-in it is MESH409's.
        let has_label = labels.is_some_and(|l| l.get(SIDECAR_INJECT).is_some());
        if has_label || v.as_str() == Some("true") {
            return None;
        }
        note = "deprecated in favour of the pod label `sidecar.istio.io/inject`, which the webhooks also select on".to_owned();
    }
    let mut d = ck.diagnostic(&META, object, k.span(), format!("`{key}` is deprecated"));
    d.severity = Severity::Info;
    d.primary.message = "deprecated".to_owned();
    d.notes.push(note);
    d.help = Some(if key == SIDECAR_INJECT {
        "use the pod-template label `sidecar.istio.io/inject` instead".to_owned()
    } else {
        "see https://istio.io/latest/docs/reference/config/annotations/ for its replacement"
            .to_owned()
    });
    Some(d)
}
