use super::gateway_name;
use crate::diagnostic::Findings;
use crate::model::gateways::servers::TlsMode;
use crate::model::protocol::Protocol;
use crate::rules::{Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a Gateway server in PASSTHROUGH or AUTO_PASSTHROUGH mode that names a
    /// certificate (`credentialName`, `credentialNames`, `serverCertificate`, `privateKey`).
    /// A `tls` block without `mode` is PASSTHROUGH: the mode's zero value.
    ///
    /// ## Why is this bad?
    /// A passthrough server forwards the client's TLS untouched to the backend and never
    /// presents a certificate, so the credential is ignored (Istio's validation warns "mode
    /// does not use certificates"). Usually `mode: SIMPLE` was meant: without it an HTTPS
    /// server does not terminate TLS, and HTTP routes of its VirtualServices never match
    /// (passthrough traffic needs `tls` routes matching the SNI).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: web, namespace: istio-system}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       tls: {credentialName: shop-cert}
    ///       hosts: ["shop.example.com"]
    /// ```
    ///
    /// Use instead: `tls: {mode: SIMPLE, credentialName: shop-cert}`, or no credential for a
    /// real passthrough server.
    ///
    /// ## Fix safety
    /// No fix: terminating TLS at the gateway changes where traffic is decrypted.
    ///
    /// ## References
    /// - Istio source: `pkg/config/validation/validation.go` validateTLSOptions ("mode does not use certificates, they will be ignored"); `pkg/config/gateway/gateway.go` IsPassThroughServer; istio/api `networking/v1alpha3/gateway.proto` ServerTLSSettings.TLSmode (PASSTHROUGH = 0)
    /// - [Istio: ServerTLSSettings](https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings)
    pub static META = {
        code: "MESH511",
        name: "ignored-gateway-credential",
        area: "gateways",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "A passthrough Gateway server (mode unset or PASSTHROUGH) that names a certificate it never serves",
    };
}

pub struct IgnoredCredential;

impl Rule for IgnoredCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        // Its own fields: every copy of a Gateway is checked, shadowed or not.
        let gateways = ck
            .index
            .by_kind("Gateway")
            .filter_map(|(id, o)| crate::model::gateways::servers::read(id, o));
        for gw in gateways {
            for s in &gw.servers {
                let Some(tls) = &s.tls else { continue };
                if !matches!(tls.mode, TlsMode::Passthrough | TlsMode::AutoPassthrough) {
                    continue;
                }
                let node = tls
                    .credentials
                    .first()
                    .map(|c| c.node)
                    .or_else(|| tls.node.get("serverCertificate"))
                    .or_else(|| tls.node.get("privateKey"));
                let Some(node) = node else { continue };
                let mode = if tls.mode_written {
                    format!(
                        "is in {} mode",
                        tls.node
                            .get("mode")
                            .and_then(|m| m.as_str())
                            .unwrap_or("PASSTHROUGH")
                    )
                } else {
                    "passes TLS through (no `tls.mode`: PASSTHROUGH)".to_owned()
                };
                let mut d = ck.diagnostic(
                    &META,
                    gw.object,
                    node.span(),
                    format!(
                        "server {} of {} {mode}, so its certificate is never served",
                        s.port.as_ref().map_or_else(
                            || s.index.to_string(),
                            |p| format!("`{}` (port {})", p.name, p.number)
                        ),
                        gateway_name(&gw)
                    ),
                );
                d.primary.message = "never served".into();
                if !tls.mode_written {
                    d.notes.push(
                        "`tls.mode` defaults to PASSTHROUGH (the enum's zero value): the gateway forwards the client's TLS untouched and presents no certificate".into(),
                    );
                } else {
                    d.notes.push("a passthrough server forwards the client's TLS untouched and presents no certificate".into());
                }
                if s.protocol() == Protocol::Https {
                    d.notes.push(
                        "an HTTPS server that does not terminate TLS matches only `tls` routes by SNI: the `http` routes of its VirtualServices never apply".into(),
                    );
                }
                d.help = Some(if tls.mode_written {
                    "remove the certificate, or use `mode: SIMPLE` to terminate TLS at the gateway"
                        .into()
                } else {
                    "add `mode: SIMPLE` to terminate TLS at the gateway with this certificate"
                        .into()
                });
                out.push(d);
            }
        }
    }
}
