use super::{gateway_name, loaded_credentials, proxy_words, secret_namespaces};
use crate::diagnostic::Findings;
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a Gateway server's `credentialName` (or `credentialNames` entry) that names no
    /// Secret in the namespace of the gateway pods the Gateway selects, when the inputs hold
    /// that namespace's Secrets (a Secret, cert-manager Certificate, SealedSecret or
    /// ExternalSecret written into it). Secrets are looked up where the gateway workload runs
    /// (`istio-system` for Istio's installed `istio-ingressgateway`), not in the Gateway's
    /// namespace. Servers in PASSTHROUGH, AUTO_PASSTHROUGH or ISTIO_MUTUAL mode load no
    /// credential and are not checked.
    ///
    /// ## Why is this bad?
    /// istiod serves the gateway the certificate from that Secret over SDS. Without it the
    /// listener has no certificate: the TLS handshake fails for every host of the server.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       tls: {mode: SIMPLE, credentialName: shop-cert}
    ///       hosts: ["shop.example.com"]
    /// ---
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: {name: shop-cert, namespace: shop}
    /// type: kubernetes.io/tls
    /// ```
    ///
    /// Use instead: the Secret in the gateway's namespace (`istio-system` here).
    ///
    /// ## Fix safety
    /// No fix: the Secret has to be created.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/gateway/secret.go` SecretAnalyzer (IST0101 "Referenced credentialName not found"); `pilot/pkg/model/gateway.go` mergeGateways (credentials resolved in the proxy's namespace)
    /// - [Istio: Secure Gateways](https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/)
    pub static META = {
        code: "MESH504",
        name: "unknown-gateway-credential",
        area: "gateways",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0101"],
        summary: "A Gateway credentialName that names no Secret in the gateway pods' namespace",
    };
}

pub struct UnknownCredential;

impl Rule for UnknownCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Listeners, Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        for (gi, gw) in model.gateways.iter().enumerate() {
            let namespaces = secret_namespaces(model, gi);
            for s in &gw.servers {
                for c in loaded_credentials(s) {
                    let missing = namespaces.iter().find(|(ns, _)| {
                        model.secrets.holds_namespace(ns)
                            && model.secrets.find(ns, c.name).is_none()
                    });
                    let Some(&(ns, proxy)) = missing else {
                        continue;
                    };
                    let mut d = ck.diagnostic(
                        &META,
                        gw.object,
                        c.node.span(),
                        format!(
                            "credentialName `{}` of {} names no Secret in namespace `{ns}`",
                            c.name,
                            gateway_name(gw)
                        ),
                    );
                    d.primary.message = "no such Secret".into();
                    d.notes.push(format!(
                        "istiod looks the Secret up in the namespace of the gateway pods ({}), not of the Gateway; without it the server has no certificate and every TLS handshake on port {} fails",
                        proxy_words(ck, model, proxy),
                        s.number().map_or_else(|| "?".into(), |n| n.to_string())
                    ).into());
                    let elsewhere = model.secrets.elsewhere(ns, c.name);
                    for (other, src) in elsewhere.iter().take(3) {
                        let o = src.object();
                        d.related.push(ck.label(
                            o,
                            super::name_span(ck, o),
                            format!("a Secret of that name in `{other}`, which the gateway does not read"),
                        ));
                    }
                    d.help = Some(match elsewhere.first() {
                        Some((other, _)) => format!(
                            "create the Secret in `{ns}` (it is in `{other}`), or select a gateway that runs in `{other}`"
                        ).into(),
                        None => format!("create Secret `{}` in `{ns}`, or fix the name", c.name).into(),
                    });
                    out.push(d);
                }
            }
        }
    }
}
