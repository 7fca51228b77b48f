use super::{gateway_name, loaded_credentials, secret_namespaces};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::gateways::cert::{now, CertProblem};
use crate::model::gateways::secrets::{
    check_credential, CredentialProblem, SecretData, SecretSource,
};
use crate::model::gateways::servers::{Credential, Gateway, Server};
use crate::model::gateways::Gateways;
use crate::model::ObjectRef;
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a Gateway server whose `credentialName` Secret (in the gateway pods' namespace)
    /// is one istiod cannot serve:
    ///
    /// - it has neither `tls.crt` and `tls.key` nor `cert` and `key` with values;
    /// - the certificate is not PEM, or its PEM block holds no X.509 certificate;
    /// - a certificate in it has expired or is not valid yet (judged against today's date);
    /// - the server is `MUTUAL` or `OPTIONAL_MUTUAL`, and neither the Secret (`ca.crt` or
    ///   `cacert`) nor a Secret `<name>-cacert` holds the CA to verify clients with.
    ///
    /// Secrets the inputs only create (cert-manager Certificates, SealedSecrets,
    /// ExternalSecrets) and values that are not base64 are not judged.
    ///
    /// ## Why is this bad?
    /// istiod refuses the certificate (`ValidateCertificate`) and the gateway serves the server
    /// without it: TLS handshakes for its hosts fail, or clients are rejected for want of a CA.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata: {name: shop-cert, namespace: istio-system}
    /// type: kubernetes.io/tls
    /// data:
    ///   tls.cert: LS0tLS1CRUdJTi...   # `tls.crt` misspelt
    ///   tls.key: LS0tLS1CRUdJTi...
    /// ```
    ///
    /// Use instead: `tls.crt` and `tls.key` holding a current PEM certificate and its key.
    ///
    /// ## Fix safety
    /// No fix: the certificate has to be issued.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/gateway/secret.go` (IST0161); `pilot/pkg/credentials/kube/secrets.go` ExtractCertInfo, ExtractRoot; `pilot/pkg/xds/sds.go` ValidateCertificate
    /// - [Istio: Secure Gateways](https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/)
    pub static META = {
        code: "MESH505",
        name: "invalid-gateway-credential",
        area: "gateways",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0161"],
        summary: "A Gateway credential Secret without usable certificate keys, with an invalid or expired certificate, or without the CA MUTUAL needs",
    };
}

pub struct InvalidCredential;

impl Rule for InvalidCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        let today = now();
        for (gi, gw) in model.gateways.iter().enumerate() {
            let namespaces = secret_namespaces(model, gi);
            for s in &gw.servers {
                for c in loaded_credentials(s) {
                    let found = namespaces.iter().find_map(|(ns, _)| {
                        match model.secrets.find(ns, c.name) {
                            Some(SecretSource::Secret(o)) => Some((*ns, o)),
                            _ => None,
                        }
                    });
                    let Some((ns, secret)) = found else { continue };
                    if let Some(d) = check(ck, model, gw, s, c, ns, secret, today) {
                        out.push(d);
                    }
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    gw: &Gateway<'_>,
    s: &Server<'_>,
    c: &Credential<'_>,
    ns: &str,
    secret: ObjectRef,
    today: i64,
) -> Option<Diagnostic> {
    let data = SecretData::read(ck.index.objects[secret].node);
    if data.undecodable() {
        return None;
    }
    let secret_name = format!("Secret `{ns}/{}`", c.name);
    let mut help = "put a current PEM certificate chain and its key under `tls.crt` and `tls.key` (type `kubernetes.io/tls`)".to_owned();
    let (problem, key, note) = match check_credential(&data, today) {
        Err(CredentialProblem::MissingKeys(keys)) => {
            let has = if keys.is_empty() {
                "no keys".to_owned()
            } else {
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                format!("{secret_name} has no certificate and key: neither `tls.crt`/`tls.key` nor `cert`/`key` hold values (it has {has})"),
                keys.first().cloned(),
                "istiod reads the certificate from `tls.crt` and `tls.key` (or `cert` and `key`) and serves nothing when they are missing or empty",
            )
        }
        Err(CredentialProblem::BadCertificate(k, p)) => {
            let what = match p {
                CertProblem::NotPem => format!("`{k}` of {secret_name} is not a PEM certificate"),
                CertProblem::NotCertificate => {
                    format!(
                        "`{k}` of {secret_name} holds a PEM block that is not an X.509 certificate"
                    )
                }
                CertProblem::Expired(date) => {
                    format!("the certificate in `{k}` of {secret_name} expired on {date}")
                }
                CertProblem::NotYetValid(date) => {
                    format!("the certificate in `{k}` of {secret_name} is not valid before {date}")
                }
            };
            (
                what,
                Some(k.to_owned()),
                "istiod checks the certificate before serving it to the gateway (`ValidateCertificate`) and refuses one it cannot parse or that is outside its validity period",
            )
        }
        Ok(()) => {
            let mode_needs_ca = s.tls.as_ref().is_some_and(|t| t.mode.needs_client_ca());
            let ca_secret = format!("{}-cacert", c.name);
            if !mode_needs_ca || data.has_ca() || model.secrets.find(ns, &ca_secret).is_some() {
                return None;
            }
            help = format!("add the CA bundle as `ca.crt` to {secret_name}, or create Secret `{ns}/{ca_secret}` with it");
            (
                format!("{secret_name} has no CA for MUTUAL TLS: neither `ca.crt` nor `cacert` in it, and no Secret `{ns}/{ca_secret}`"),
                None,
                "a MUTUAL or OPTIONAL_MUTUAL server verifies client certificates against the CA that istiod reads from the Secret's `ca.crt` (or `cacert`) or from Secret `<credentialName>-cacert`; without one the server's TLS context never loads",
            )
        }
    };
    let mut d = ck.diagnostic(
        &META,
        gw.object,
        c.node.span(),
        format!("{problem}, which {} loads", gateway_name(gw)),
    );
    d.primary.message = "unusable credential".into();
    let span = key
        .as_deref()
        .and_then(|k| data.key_node(k))
        .map_or_else(|| super::name_span(ck, secret), |n| n.span());
    d.related
        .push(ck.label(secret, span, "the Secret the gateway reads"));
    d.notes
        .push(format!("{note}; TLS handshakes for the server's hosts fail").into());
    d.help = Some(help.into());
    Some(d)
}
