use crate::diagnostic::{Diagnostic, Findings};
use crate::model::hosts::{classify, resolve, HostForm};
use crate::model::IstioObject;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_kube::istio::DestinationRuleSpec;
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports DestinationRule TLS settings (`mode: SIMPLE` or `MUTUAL`, at the destination
    /// level, per port, or in a subset) under which the proxy does not verify the server's
    /// certificate with the right CA, following what istiod builds
    /// (`pilot/pkg/networking/core/cluster_tls.go`):
    ///
    /// - no `caCertificates` and no `credentialName`: up to Istio 1.20 the proxy verifies
    ///   nothing (the `VERIFY_CERTIFICATE_AT_CLIENT` flag was off by default). From 1.21 it
    ///   verifies against the OS CA bundle of the proxy image, which is right for public
    ///   endpoints; so from 1.21 only a host inside the cluster (`*.svc.<domain>`, a short
    ///   name, a Service of the inputs) without an explicit public `sni` is reported, since
    ///   no public CA issues certificates for in-cluster names.
    /// - `credentialName` in a DestinationRule without `workloadSelector`: istiod gives
    ///   sidecars no TLS settings at all for it (only gateways read the Secret), so a sidecar
    ///   sending to this host originates no TLS.
    ///
    /// `insecureSkipVerify: true` is an explicit choice and is not reported, nor is a
    /// `credentialName` of a ConfigMap (`configmap://`), which every proxy may read.
    ///
    /// ## Why is this bad?
    /// TLS that does not verify the server, or verifies it against a CA that did not sign its
    /// certificate, either gives no protection against an impostor (traffic, credentials and
    /// client certificates go to whoever answers) or fails every handshake (503 `UF` with
    /// `CERTIFICATE_VERIFY_FAILED`).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: DestinationRule
    /// metadata:
    ///   name: db
    ///   namespace: shop
    /// spec:
    ///   host: db.shop.svc.cluster.local
    ///   trafficPolicy:
    ///     tls:
    ///       mode: SIMPLE
    /// ```
    ///
    /// Use instead: `caCertificates: /etc/certs/db-ca.pem` (a file the proxy mounts), or a
    /// `credentialName` with a `workloadSelector`.
    ///
    /// ## Fix safety
    /// No fix: where the CA is kept is a decision.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/destinationrule/ca-certificates.go` (IST0128, IST0129); `pilot/pkg/networking/core/cluster_tls.go` buildUpstreamClusterTLSContext, constructUpstreamTLS (OS CA bundle default since 1.21, #48225; flag removed in 1.24, #52599)
    /// - [Istio: ClientTLSSettings](https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings)
    pub static META = {
        code: "MESH603",
        name: "tls-without-ca-certificates",
        area: "security",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: ["IST0128", "IST0129"],
        summary: "DestinationRule TLS (SIMPLE/MUTUAL) that does not verify the server with its CA",
    };
}

pub struct TlsWithoutCaCertificates;

impl Rule for TlsWithoutCaCertificates {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for dr in &ck.index.destination_rules {
            if ck.index.objects[dr.object].is_shadowed() {
                continue;
            }
            for (place, tls) in tls_settings(dr.spec_node) {
                if let Some(d) = check(ck, dr, &place, tls) {
                    out.push(d);
                }
            }
        }
    }
}

/// Every `tls` of a DestinationRule, with where it is ("", "port 443", "subset `v1`", ...).
fn tls_settings(spec: Node<'_>) -> Vec<(String, Node<'_>)> {
    let mut out = Vec::new();
    if let Some(tp) = spec.get("trafficPolicy") {
        policy_tls("", tp, &mut out);
    }
    for s in spec.get("subsets").into_iter().flat_map(|l| l.items()) {
        let name = s.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        if let Some(tp) = s.get("trafficPolicy") {
            policy_tls(&format!("subset `{name}`"), tp, &mut out);
        }
    }
    out
}

/// The `tls` of one traffic policy and of its port-level settings.
fn policy_tls<'a>(prefix: &str, tp: Node<'a>, out: &mut Vec<(String, Node<'a>)>) {
    if let Some(tls) = tp.get("tls") {
        out.push((prefix.to_owned(), tls));
    }
    for p in tp
        .get("portLevelSettings")
        .into_iter()
        .flat_map(|l| l.items())
    {
        let Some(tls) = p.get("tls") else { continue };
        let port = p
            .at_keys("port.number")
            .and_then(|n| n.as_str())
            .unwrap_or("?");
        let place = if prefix.is_empty() {
            format!("port {port}")
        } else {
            format!("{prefix}, port {port}")
        };
        out.push((place, tls));
    }
}

fn text<'a>(tls: Node<'a>, key: &str) -> &'a str {
    tls.get(key).and_then(|n| n.as_str()).unwrap_or("")
}

fn check(
    ck: &Checker<'_, '_>,
    dr: &IstioObject<'_, DestinationRuleSpec<'_>>,
    place: &str,
    tls: Node<'_>,
) -> Option<Diagnostic> {
    let mode = text(tls, "mode");
    if !matches!(mode, "SIMPLE" | "MUTUAL") {
        return None;
    }
    if tls.get("insecureSkipVerify").and_then(|n| n.as_bool()) == Some(true) {
        return None;
    }
    let credential = text(tls, "credentialName");
    if !credential.is_empty() {
        if credential.starts_with("configmap://") || dr.spec.workload_selector.is_some() {
            return None;
        }
        return Some(credential_without_selector(
            ck, dr, place, tls, mode, credential,
        ));
    }
    if !text(tls, "caCertificates").is_empty() {
        return None;
    }
    let verifies_with_os_bundle = ck.cx.istio_version.at_least(1, 21);
    if verifies_with_os_bundle && !in_cluster(ck, dr, tls) {
        return None;
    }
    Some(no_ca(ck, dr, place, tls, mode, verifies_with_os_bundle))
}

/// Whether the server is a cluster-internal name, for which no public CA issues certificates:
/// the SNI sent (`sni`, else the host, as auto-SNI does) is `*.svc.<domain>`, `*.svc` or short.
fn in_cluster(
    ck: &Checker<'_, '_>,
    dr: &IstioObject<'_, DestinationRuleSpec<'_>>,
    tls: Node<'_>,
) -> bool {
    let ns = ck.index.objects[dr.object].ns();
    let sni = text(tls, "sni");
    let name = if sni.is_empty() { dr.spec.host } else { sni };
    if name.starts_with('*') || classify(name) == HostForm::Ip {
        return false;
    }
    let domain = &ck.cx.cluster_domain;
    let resolved = resolve(name, ns, domain);
    resolved.ends_with(&format!(".svc.{domain}")) || resolved.ends_with(".svc")
}

fn level(place: &str) -> String {
    if place.is_empty() {
        "at the destination level".to_owned()
    } else {
        format!("for {place}")
    }
}

fn no_ca(
    ck: &Checker<'_, '_>,
    dr: &IstioObject<'_, DestinationRuleSpec<'_>>,
    place: &str,
    tls: Node<'_>,
    mode: &str,
    os_bundle: bool,
) -> Diagnostic {
    let obj = &ck.index.objects[dr.object];
    let host = &dr.spec.host;
    let v = ck.cx.istio_version;
    let message = if os_bundle {
        format!(
            "DestinationRule `{}` originates {mode} TLS to in-cluster host `{host}` {} without `caCertificates`: the proxy verifies it against the OS CA bundle, and public CAs do not certify in-cluster names",
            obj.qualified_name(),
            level(place)
        )
    } else {
        format!(
            "DestinationRule `{}` originates {mode} TLS to `{host}` {} without `caCertificates`: the server's certificate is not verified",
            obj.qualified_name(),
            level(place)
        )
    };
    let span = tls.get("mode").unwrap_or(tls).span();
    let mut d = ck.diagnostic(&META, dr.object, span, message);
    d.primary.message = "no `caCertificates`".into();
    if os_bundle {
        d.notes.push(format!(
            "since Istio 1.21 (here {v}) a proxy without `caCertificates` checks the server against the root CAs of its image (`VERIFY_CERTIFICATE_AT_CLIENT`, always on from 1.24); public CAs do not issue certificates for cluster-internal names, so the handshake fails with `CERTIFICATE_VERIFY_FAILED` unless the server's certificate comes from one"
        ).into());
    } else {
        d.notes.push(format!(
            "up to Istio 1.20 (here {v}) a proxy without `caCertificates` accepts any server certificate unless istiod runs with `VERIFY_CERTIFICATE_AT_CLIENT=true`: an impostor can receive the traffic{} (istioctl IST0128/IST0129)",
            if mode == "MUTUAL" { " and the client certificate" } else { "" }
        ).into());
    }
    d.help = Some(
        "set `caCertificates` to the CA file the proxy mounts, or use `credentialName` with a `workloadSelector`; `insecureSkipVerify: true` states that no verification is wanted"
            .into(),
    );
    d
}

fn credential_without_selector(
    ck: &Checker<'_, '_>,
    dr: &IstioObject<'_, DestinationRuleSpec<'_>>,
    place: &str,
    tls: Node<'_>,
    mode: &str,
    credential: &str,
) -> Diagnostic {
    let obj = &ck.index.objects[dr.object];
    let span = tls.get("credentialName").unwrap_or(tls).span();
    let mut d = ck.diagnostic(
        &META,
        dr.object,
        span,
        format!(
            "DestinationRule `{}` sets `credentialName: {credential}` {} without a `workloadSelector`: sidecars get no {mode} TLS for `{}` at all",
            obj.qualified_name(),
            level(place),
            dr.spec.host
        ),
    );
    d.primary.message = "read by gateways only".into();
    d.notes.push(
        "istiod supplies a Secret's credentials only to gateways and to the workloads a DestinationRule's `workloadSelector` names; for other sidecars it drops these TLS settings (`buildUpstreamClusterTLSContext`), so they send plaintext to this host (istioctl IST0128/IST0129)"
            .into(),
    );
    d.help = Some(
        "add a `workloadSelector` for the proxies that originate this TLS (an egress gateway), or give sidecars `caCertificates` and certificate files instead; if only a gateway sends to this host, export the DestinationRule to the gateway's namespace only"
            .into(),
    );
    d
}
