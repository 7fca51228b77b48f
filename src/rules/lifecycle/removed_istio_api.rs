use crate::diagnostic::Findings;
use crate::model::IstioVersion;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports objects of Istio APIs that Istio removed, and the CustomResourceDefinitions
    /// that declare them: RBAC v1alpha1 (`rbac.istio.io`: `ServiceRole`,
    /// `ServiceRoleBinding`, `RbacConfig`, `ClusterRbacConfig`) and the authentication
    /// `Policy`/`MeshPolicy` (`authentication.istio.io`), removed in Istio 1.6, and Mixer's
    /// configuration (`config.istio.io`: `rule`, `handler`, `instance`, `QuotaSpec`,
    /// `attributemanifest`, ...), removed in 1.8.
    ///
    /// ## Why is this bad?
    /// No Istio component reads these kinds any more. Without their CRD, `kubectl apply`
    /// fails with "no matches for kind"; with a CRD left behind by an old installation the
    /// object is stored and silently ignored, so the access policy or mTLS setting it
    /// describes is not enforced.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.istio.io/v1alpha1
    /// kind: ServiceRole
    /// metadata: {name: reader, namespace: shop}
    /// spec:
    ///   rules: [{services: ["*"], methods: ["GET"]}]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata: {name: reader, namespace: shop}
    /// spec:
    ///   rules: [{to: [{operation: {methods: ["GET"]}}]}]
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the replacement APIs are shaped differently and the translation needs the
    /// policy's intent.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/deprecation/deprecation.go` (`deprecatedCRDs`, `analyzeCRD`, IST0002)
    /// - [Istio 1.6: RBAC v1alpha1 and authentication Policy removed](https://istio.io/latest/news/releases/1.6.x/announcing-1.6/upgrade-notes/)
    /// - [Istio 1.8: Mixer removed](https://istio.io/latest/news/releases/1.8.x/announcing-1.8/upgrade-notes/)
    pub static META = {
        code: "MESH413",
        name: "removed-istio-api",
        area: "lifecycle",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0002"],
        summary: "An object (or CRD) of an Istio API that Istio removed: RBAC v1alpha1, authentication Policy, Mixer",
    };
}

/// A removed API group: the release that removed it and what replaces it.
struct Removed {
    group: &'static str,
    what: &'static str,
    removed_in: (u32, u32),
    instead: &'static str,
}

const REMOVED: &[Removed] = &[
    Removed {
        group: "rbac.istio.io",
        what: "RBAC v1alpha1",
        removed_in: (1, 6),
        instead: "an AuthorizationPolicy (security.istio.io)",
    },
    Removed {
        group: "authentication.istio.io",
        what: "the authentication Policy API",
        removed_in: (1, 6),
        instead: "a PeerAuthentication (mTLS) or RequestAuthentication (JWT) (security.istio.io)",
    },
    Removed {
        group: "config.istio.io",
        what: "Mixer",
        removed_in: (1, 8),
        instead: "the Telemetry API, WasmPlugins or EnvoyFilters",
    },
];

pub struct RemovedIstioApi;

impl Rule for RemovedIstioApi {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let version = ck.cx.istio_version;
        let removed = |group: &str| {
            REMOVED.iter().find(|r| {
                r.group == group && version >= IstioVersion::new(r.removed_in.0, r.removed_in.1)
            })
        };
        for (id, o) in ck.index.objects.iter().enumerate() {
            if let Some(r) = removed(o.group()) {
                let Some(kind) = o.node.get("kind") else {
                    continue;
                };
                let (ma, mi) = r.removed_in;
                let mut d = ck.diagnostic(
                    &META,
                    id,
                    kind.span(),
                    format!(
                        "`{}` ({}) belongs to {}, which Istio {ma}.{mi} removed",
                        o.kind, r.group, r.what
                    ),
                );
                d.primary.message = "removed API".to_owned();
                d.notes.push(format!("no Istio {version} component reads {}: without its CRD `kubectl apply` fails (no matches for kind), with a leftover CRD the object is stored and ignored", r.group).into());
                d.help = Some(format!("express it as {}", r.instead).into());
                out.push(d);
                continue;
            }
            if o.kind != "CustomResourceDefinition" {
                continue;
            }
            let Some(group) = o.node.at_keys("spec.group") else {
                continue;
            };
            let Some(r) = group.as_str().and_then(removed) else {
                continue;
            };
            let kind = o
                .node
                .at_keys("spec.names.kind")
                .and_then(|k| k.as_str())
                .unwrap_or("?");
            let (ma, mi) = r.removed_in;
            let mut d = ck.diagnostic(
                &META,
                id,
                group.span(),
                format!(
                    "the CRD for `{kind}` ({}) declares a type of {}, which Istio {ma}.{mi} removed",
                    r.group, r.what
                ),
            );
            d.primary.message = "removed API".to_owned();
            d.notes.push("Istio's charts no longer ship it (`manifests/charts/base/files/crd-all.gen.yaml`); objects of this type are stored and ignored".to_owned().into());
            d.help = Some(
                format!(
                    "delete the CRD once no object of the type is left; express them as {}",
                    r.instead
                )
                .into(),
            );
            out.push(d);
        }
    }
}
