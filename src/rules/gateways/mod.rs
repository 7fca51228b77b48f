//! Gateway checks (MESH501–MESH519): Istio Gateways, the gateway proxies they configure, the
//! Secrets they read, and how VirtualServices bind to them. Every rule reads the one
//! [`crate::model::gateways::Gateways`] model.

pub mod conflicting_servers;
pub mod duplicate_certificate;
pub mod ignored_credential;
pub mod internal_gateway_reference;
pub mod invalid_credential;
pub mod kubernetes_gateway_selector;
pub mod no_gateway_proxy;
pub mod port_not_exposed;
pub mod unknown_credential;
pub mod unknown_gateway;
pub mod virtual_service_host;

use crate::diagnostic::Label;
use crate::model::gateways::proxies::ProxyKind;
use crate::model::gateways::servers::{Credential, Gateway, TlsMode};
use crate::model::gateways::Gateways;
use crate::model::ObjectRef;
use crate::rules::Checker;
use mesh_lint_yaml::Span;

/// ``Gateway `ns/name` ``, how messages name an Istio Gateway.
fn gateway_name(gw: &Gateway<'_>) -> String {
    format!("Gateway `{}`", gw.key())
}

/// An object's `metadata.name` value, else the object.
fn name_span(ck: &Checker<'_, '_>, object: ObjectRef) -> Span {
    let node = ck.index.objects[object].node;
    node.at_keys("metadata.name").unwrap_or(node).span()
}

/// A Gateway's `selector`, else its name.
fn selector_span(ck: &Checker<'_, '_>, gw: &Gateway<'_>) -> Span {
    gw.selector_node
        .map_or_else(|| name_span(ck, gw.object), |n| n.span())
}

/// What a gateway proxy is, in words: ``Deployment `istio-system/istio-ingressgateway` ``, or
/// the installation's gateway, or the pods of a Gateway API Gateway.
fn proxy_words(ck: &Checker<'_, '_>, model: &Gateways<'_>, p: usize) -> String {
    let proxy = &model.proxies[p];
    match proxy.kind {
        ProxyKind::Workload(w) => {
            let o = &ck.index.objects[ck.index.workloads[w].object];
            format!("{} `{}`", o.kind, o.qualified_name())
        }
        ProxyKind::Installed(g) => format!(
            "`{}/{}` (installed by Istio; not in the inputs)",
            proxy.namespace.as_deref().unwrap_or(""),
            g.name
        ),
        ProxyKind::Kube(k) => {
            let gw = &model.kube[k];
            format!(
                "the pods Istio deploys for Gateway API Gateway `{}/{}`",
                gw.ns, gw.name
            )
        }
        ProxyKind::Unknown => format!(
            "the pods labelled `{}` (not in the inputs)",
            crate::model::gateways::servers::selector_text(&proxy.labels)
        ),
    }
}

/// A label on the object behind a proxy (the workload's pod-template labels, the Gateway API
/// Gateway's name), when the inputs hold it.
fn proxy_label(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    p: usize,
    message: impl Into<String>,
) -> Option<Label> {
    match model.proxies[p].kind {
        ProxyKind::Workload(w) => {
            let w = &ck.index.workloads[w];
            let span = w
                .template_node
                .at_keys("metadata.labels")
                .map_or_else(|| name_span(ck, w.object), |n| n.span());
            Some(ck.label(w.object, span, message))
        }
        ProxyKind::Kube(k) => {
            let o = model.kube[k].object;
            Some(ck.label(o, name_span(ck, o), message))
        }
        ProxyKind::Installed(_) | ProxyKind::Unknown => None,
    }
}

/// The plain Secret names a server's TLS settings load (modes that ignore or reject
/// credentials left out: PASSTHROUGH, AUTO_PASSTHROUGH, ISTIO_MUTUAL).
fn loaded_credentials<'g, 'a>(
    s: &'g crate::model::gateways::servers::Server<'a>,
) -> impl Iterator<Item = &'g Credential<'a>> {
    s.tls
        .iter()
        .filter(|t| {
            !matches!(
                t.mode,
                TlsMode::Passthrough | TlsMode::AutoPassthrough | TlsMode::IstioMutual
            )
        })
        .flat_map(|t| t.credentials.iter())
        .filter(|c| c.is_plain())
}

/// The namespaces a Gateway's known proxies run in, where istiod looks its Secrets up.
fn secret_namespaces<'m>(model: &'m Gateways<'_>, gw: usize) -> Vec<(&'m str, usize)> {
    let mut out: Vec<(&str, usize)> = model
        .known_proxies(gw)
        .filter_map(|(p, proxy)| Some((proxy.namespace.as_deref()?, p)))
        .collect();
    out.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}
