use super::annotation_sites::annotation_sites;
use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::catalogue::keys::SIDECAR_INJECT;
use crate::model::catalogue::{self, is_istio_key, nearest, SET_BY_ISTIO};
use crate::model::{IstioVersion, ObjectRef};
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports an annotation in an Istio domain (`istio.io` or `*.istio.io`) that Istio does
    /// not define, usually a typo, with the nearest key Istio knows, and an annotation Istio
    /// dropped before the configured version, or added after it. Pod templates are checked as
    /// well as objects' own metadata. (Deprecated keys, which still work, are MESH412's.)
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
    /// - Istio source: `annotation/annotations.yaml` (istio/api); `pkg/config/analysis/analyzers/annotations/annotations.go` (IST0108)
    /// - [Istio: resource annotations](https://istio.io/latest/docs/reference/config/annotations/)
    pub static META = {
        code: "MESH408",
        name: "unknown-istio-annotation",
        area: "lifecycle",
        severity: Warning,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Object,
        istioctl: ["IST0108"],
        summary: "An annotation in an Istio domain that Istio does not define (typo) or that the Istio version does not read",
    };
}

pub struct UnknownIstioAnnotation;

impl Rule for UnknownIstioAnnotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for site in annotation_sites(ck) {
            check_meta(ck, site.object, site.meta, site.never_injected, out);
        }
    }
}

/// `never_injected`: only typos of the injection switch itself are worth reporting there.
fn check_meta(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    meta: Node<'_>,
    never_injected: bool,
    out: &mut Findings,
) {
    let Some(annotations) = meta.get("annotations") else {
        return;
    };
    for (k, _) in annotations.entries() {
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
                } else {
                    // Deprecated keys still work: MESH412 reports them.
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
    d.notes.push("Istio ignores annotations it does not define without any error; the known keys are those of istio/api's annotations.yaml".to_owned().into());
    match suggestion {
        Some(s) => {
            d.help = Some(format!("rename it to `{s}`").into());
            d.fix = replace_scalar(ck, object, k, s).map(|e| {
                Fix::new(format!("rename to `{s}`"), Applicability::Unsafe, vec![e])
            });
        }
        None => {
            d.help = Some("check the key against https://istio.io/latest/docs/reference/config/annotations/, or remove it".to_owned().into())
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
    d.notes.push("Istio ignores annotations its release does not define; set `--istio-version` if mesh-lint assumed the wrong one".to_owned().into());
    d.help = Some(
        "remove it, or use what the Istio release you run provides"
            .to_owned()
            .into(),
    );
    d
}
