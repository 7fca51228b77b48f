use super::{gateway_name, proxy_words};
use crate::diagnostic::{Diagnostic, Findings};
use crate::model::gateways::servers::Server;
use crate::model::gateways::Gateways;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Node;
use std::collections::{HashMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Reports two HTTPS servers that terminate TLS with the same certificate (the same
    /// `credentialName`, or the same `serverCertificate` and `privateKey` files) on the same
    /// port of the same gateway pods, whether they belong to two Gateways or to one.
    ///
    /// The gateway pods are found as for MESH501; unlike istioctl (IST0138), which compares
    /// selectors and reports only the Gateway whose selector is the smaller one, every server
    /// after the first is reported, and servers on different ports or in passthrough mode
    /// (which serve no certificate) are not.
    ///
    /// ## Why is this bad?
    /// Each server gets its own filter chain and route table. A browser that opened an HTTP/2
    /// connection for one host reuses it for any other host the certificate covers (connection
    /// coalescing); the request lands on the first server's routes, which do not know the
    /// host, and gets a 404.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: shop, namespace: istio-system}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       tls: {mode: SIMPLE, credentialName: wildcard-example-com}
    ///       hosts: ["shop.example.com"]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: blog, namespace: istio-system}
    /// spec:
    ///   selector: {istio: ingressgateway}
    ///   servers:
    ///     - port: {number: 443, name: https, protocol: HTTPS}
    ///       tls: {mode: SIMPLE, credentialName: wildcard-example-com}
    ///       hosts: ["blog.example.com"]
    /// ```
    ///
    /// Use instead: one server listing both hosts with the shared certificate, or a
    /// certificate per host.
    ///
    /// ## Fix safety
    /// No fix: merging Gateways changes who owns them.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/gateway/certificate.go` CertificateAnalyzer (IST0138); `pilot/pkg/model/gateway.go` mergeGateways (one filter chain and route table per HTTPS server)
    /// - [Istio: 404 errors occur when multiple gateways configured with same TLS certificate](https://istio.io/latest/docs/ops/common-problems/network-issues/#404-errors-occur-when-multiple-gateways-configured-with-same-tls-certificate)
    pub static META = {
        code: "MESH506",
        name: "duplicate-gateway-certificate",
        area: "gateways",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0138"],
        summary: "Two HTTPS servers on the same gateway pods and port with the same certificate: HTTP/2 connection reuse gets 404s",
    };
}

pub struct DuplicateCertificate;

impl Rule for DuplicateCertificate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        let mut reported: HashSet<((usize, usize), (usize, usize))> = HashSet::new();
        for (p, list) in model.on_proxy.iter().enumerate() {
            // (listening port, certificate) -> first server serving it.
            let mut first: HashMap<(u32, String), (usize, usize)> = HashMap::new();
            for &g in list {
                for s in &model.gateways[g].servers {
                    let Some(port) = &s.port else { continue };
                    if !s.terminates_https() {
                        continue;
                    }
                    let resolved = model.proxies[p].resolve_port(port.number);
                    for (cert, node) in certificates(s) {
                        let key = (resolved, cert.clone());
                        let here = (g, s.index);
                        match first.get(&key) {
                            None => {
                                first.insert(key, here);
                            }
                            Some(&earlier)
                                if earlier != here && reported.insert((here, earlier)) =>
                            {
                                out.push(report(
                                    ck, model, p, here, earlier, &cert, node, resolved,
                                ));
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
        }
    }
}

/// The certificates a server serves, with the node naming each.
fn certificates<'a>(s: &Server<'a>) -> Vec<(String, Node<'a>)> {
    let Some(tls) = &s.tls else { return Vec::new() };
    let mut out: Vec<(String, Node<'a>)> = tls
        .credentials
        .iter()
        .map(|c| (format!("credentialName `{}`", c.name), c.node))
        .collect();
    if let (Some(cert), Some(key)) = (tls.server_certificate, tls.private_key) {
        let node = tls.node.get("serverCertificate").unwrap_or(tls.node);
        out.push((format!("certificate files `{cert}` and `{key}`"), node));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn report(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    proxy: usize,
    here: (usize, usize),
    earlier: (usize, usize),
    cert: &str,
    node: Node<'_>,
    port: u32,
) -> Diagnostic {
    let (gw, other) = (&model.gateways[here.0], &model.gateways[earlier.0]);
    let other_server = &other.servers[earlier.1];
    let whose = if here.0 == earlier.0 {
        format!("another server of {}", gateway_name(gw))
    } else {
        gateway_name(other)
    };
    let mut d = ck.diagnostic(
        &META,
        gw.object,
        node.span(),
        format!(
            "{} serves port {port} with the {cert}, as {whose} does on the same gateway pods",
            gateway_name(gw)
        ),
    );
    d.primary.message = "same certificate".into();
    let other_node = certificates(other_server)
        .into_iter()
        .find(|(c, _)| c == cert)
        .map_or(other_server.node, |(_, n)| n);
    d.related.push(ck.label(
        other.object,
        other_node.span(),
        "the same certificate, on another server",
    ));
    d.notes.push(format!(
        "on {} the two servers get separate filter chains and route tables; a client that opened an HTTP/2 connection for one server's host reuses it for the other's (the certificate covers both), and that request finds no route: 404",
        proxy_words(ck, model, proxy)
    ).into());
    d.help = Some(
        "serve both hosts from one server with this certificate, or give each server its own certificate".into(),
    );
    d
}
