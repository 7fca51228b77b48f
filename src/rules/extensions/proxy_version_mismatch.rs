use super::envoy_filter::envoy_filters;
use super::version_note;
use crate::diagnostic::Findings;
use crate::model::IstioVersion;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an EnvoyFilter patch whose `match.proxy.proxyVersion` matches no proxy of the
    /// mesh's Istio version (`--istio-version`, or the version found in the inputs): the
    /// regular expression is tried, as istiod does, on the versions a proxy reports
    /// (`1.30.0` … `1.30.30`, `1.30-dev`) of that minor release, of the two before it (proxies
    /// not yet restarted after an upgrade) and of the three after it (a patch prepared for an
    /// upgrade). When the expression matches an older release, the message names it.
    ///
    /// istioctl's IST0155 warns that a patch with `proxyVersion` and a relative operation may
    /// stop applying across an upgrade; this rule reports the patches for which that has
    /// happened, whatever their operation.
    ///
    /// ## Why is this bad?
    /// A `proxyVersion` pins a patch to the proxies of one release. After the upgrade that
    /// release is gone, and istiod skips the patch for every proxy: the Lua filter, the header
    /// rewrite or the timeout it carried silently disappears from the mesh. Istio's own
    /// version-pinned EnvoyFilters were replaced by the Telemetry API for this reason.
    ///
    /// ## Example
    /// On a 1.24 mesh:
    ///
    /// ```yaml
    /// apiVersion: networking.istio.io/v1alpha3
    /// kind: EnvoyFilter
    /// metadata:
    ///   name: lua-headers
    ///   namespace: shop
    /// spec:
    ///   configPatches:
    ///     - applyTo: HTTP_FILTER
    ///       match:
    ///         context: SIDECAR_INBOUND
    ///         proxy:
    ///           proxyVersion: ^1\.11.*
    ///       patch:
    ///         operation: INSERT_FIRST
    ///         value:
    ///           name: add-headers
    /// ```
    ///
    /// Use instead: an expression for the versions the mesh runs (`^1\.24.*`), or no
    /// `proxyVersion` when the patch suits every version.
    ///
    /// ## Fix safety
    /// No fix: whether the patch still suits the new release is for its owner to check.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/envoyfilter.go` proxyMatch (regular expression on the proxy's `IstioVersion`), wellKnownVersions; istioctl `pkg/config/analysis/analyzers/envoyfilter/envoyfilter.go` (IST0155)
    /// - [Istio: EnvoyFilter ProxyMatch](https://istio.io/latest/docs/reference/config/networking/envoy-filter/#EnvoyFilter-ProxyMatch)
    pub static META = {
        code: "MESH703",
        name: "proxy-version-mismatch",
        area: "extensions",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0155"],
        summary: "An EnvoyFilter patch whose proxyVersion matches no proxy of the mesh's Istio version",
    };
}

pub struct ProxyVersionMismatch;

impl Rule for ProxyVersionMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let v = ck.cx.istio_version;
        for ef in envoy_filters(ck, false) {
            for patch in &ef.patches {
                let Some((expr, node)) = patch.proxy_version() else {
                    continue;
                };
                // Validation rejects an expression that does not compile; MESH703 has
                // nothing to add then.
                let Ok(re) = regex::Regex::new(expr) else {
                    continue;
                };
                let window = (v.minor.saturating_sub(2)..=v.minor + 3)
                    .map(|m| IstioVersion::new(v.major, m));
                if window.into_iter().any(|w| matches_release(&re, w)) {
                    continue;
                }
                let older = (0..v.minor.saturating_sub(2))
                    .rev()
                    .map(|m| IstioVersion::new(v.major, m))
                    .find(|w| matches_release(&re, *w));
                let mut d = ck.diagnostic(
                    &META,
                    ef.object,
                    node.span(),
                    match older {
                        Some(o) => format!(
                            "`proxyVersion: {expr}` selects Istio {o} proxies, and the mesh runs {v}: the patch applies to no proxy"
                        ),
                        None => format!(
                            "`proxyVersion: {expr}` matches no Istio {v} proxy: the patch applies to none"
                        ),
                    },
                );
                d.primary.message = format!("no Istio {v} proxy matches");
                d.notes.push(format!(
                    "istiod applies the patch only to proxies whose version (`{}.{}.0`, …) this regular expression matches (`pilot/pkg/model/envoyfilter.go` proxyMatch); proxies up to two minor releases behind Istio {v} count too",
                    v.major, v.minor
                ).into());
                d.notes.extend(version_note(ck).map(Into::into));
                d.help = Some(format!(
                    "match the versions the mesh runs (`^{}\\.{}.*`) if the patch still suits them, or delete it",
                    v.major, v.minor
                ).into());
                out.push(d);
            }
        }
    }
}

/// Whether the expression matches a version some proxy of release `r` reports.
fn matches_release(re: &regex::Regex, r: IstioVersion) -> bool {
    let dev = format!("{}.{}-dev", r.major, r.minor);
    re.is_match(&dev) || (0..=30).any(|p| re.is_match(&format!("{}.{}.{p}", r.major, r.minor)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(expr: &str, minor: u32) -> bool {
        matches_release(
            &regex::Regex::new(expr).unwrap(),
            IstioVersion::new(1, minor),
        )
    }

    #[test]
    fn releases() {
        assert!(m(r"^1\.11.*", 11));
        assert!(!m(r"^1\.11.*", 30));
        // Unanchored, as Go's MatchString: `1\.3` also matches 1.30.
        assert!(m(r"1\.3", 30));
        assert!(m(r"^1\.30\.2$", 30));
        assert!(!m(r"^1\.30\.99$", 30));
        assert!(m(".*", 7));
    }
}
