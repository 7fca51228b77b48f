use super::merge::DropReason;
use super::proxies::ProxyKind;
use super::*;
use crate::parse::parse_file;
use crate::source::{FileId, SourceFile};
use mesh_lint_yaml::Limits;

/// Builds the model over `text` and hands it to `f`.
fn with_model(text: &str, f: impl FnOnce(&MeshIndex<'_>, &Gateways<'_>)) {
    let file = SourceFile::from_bytes("t.yaml".into(), None, text.as_bytes().to_vec());
    let parsed = vec![parse_file(FileId(0), &file, &Limits::default())];
    let cx = LintContext::default();
    let index = MeshIndex::build(&parsed, &cx, &Limits::default());
    let model = Gateways::build(&index, &cx);
    f(&index, &model);
}

fn gateway(name: &str, selector: &str, servers: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  selector: {selector}\n  servers:\n{servers}"
    )
}

fn server(port: u32, proto: &str, hosts: &str, extra: &str) -> String {
    format!("  - port: {{number: {port}, name: p{port}{proto}, protocol: {proto}}}\n    hosts: {hosts}\n{extra}")
}

const INGRESS: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress, namespace: gw}\nspec:\n  template:\n    metadata:\n      labels: {istio: ingressgateway, app: ingress}\n    spec:\n      containers: [{name: istio-proxy, image: proxyv2, args: [proxy, router]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ingress, namespace: gw}\nspec:\n  selector: {istio: ingressgateway}\n  ports: [{name: http, port: 80, targetPort: 8080}]\n";

#[test]
fn selectors_that_match_nothing_known_get_unknown_pods_shared_by_subsets() {
    let text = [
        gateway("a", "{istio: private}", &server(80, "HTTP", "['*']", "")),
        gateway(
            "b",
            "{istio: private, tier: edge}",
            &server(81, "HTTP", "['*']", ""),
        ),
    ]
    .concat();
    with_model(&text, |_, m| {
        let unknown: Vec<usize> = (0..m.proxies.len())
            .filter(|&p| m.proxies[p].kind == ProxyKind::Unknown)
            .collect();
        assert_eq!(unknown.len(), 2);
        // `a` configures both the pods labelled `istio: private` and those with `tier: edge` too.
        assert_eq!(m.applies_to[0].len(), 2);
        assert_eq!(m.applies_to[1].len(), 1);
        assert!(m.known_proxies(0).next().is_none());
    });
}

#[test]
fn ports_are_translated_through_the_gateway_service_before_merging() {
    let text = [
        INGRESS.to_owned(),
        gateway(
            "a-web",
            "{istio: ingressgateway}",
            &server(80, "HTTP", "['*']", ""),
        ),
        gateway(
            "b-tcp",
            "{istio: ingressgateway}",
            &server(8080, "TCP", "['*']", ""),
        ),
    ]
    .concat();
    with_model(&text, |_, m| {
        // The inputs hold the ingress: Istio's installed one is not assumed.
        assert!(!m.proxies.iter().any(
            |p| matches!(p.kind, ProxyKind::Installed(g) if g.name == "istio-ingressgateway")
        ));
        let dropped = m.dropped();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert_eq!(dropped[0].reason, DropReason::ProtocolConflict);
        assert_eq!(dropped[0].port, 8080);
        assert_eq!(m.gateways[dropped[0].lost.0].name, "b-tcp");
    });
}

#[test]
fn tls_hosts_collide_per_port_and_bind_only() {
    let tls = "    tls: {httpsRedirect: true}\n";
    let bound = |b: &str| format!("    bind: {b}\n    tls: {{mode: SIMPLE, credentialName: c}}\n");
    let text = [
        gateway(
            "a",
            "{istio: ingressgateway}",
            &server(80, "HTTP", "[a.com]", tls),
        ),
        gateway(
            "b",
            "{istio: ingressgateway}",
            &server(80, "HTTP", "[a.com]", tls),
        ),
        gateway(
            "c",
            "{istio: ingressgateway}",
            &server(443, "HTTPS", "[a.com]", &bound("10.0.0.1")),
        ),
        gateway(
            "d",
            "{istio: ingressgateway}",
            &server(443, "HTTPS", "[a.com]", &bound("10.0.0.2")),
        ),
        gateway(
            "e",
            "{istio: ingressgateway}",
            &server(80, "HTTP", "['*']", ""),
        ),
    ]
    .concat();
    with_model(&text, |_, m| {
        let dropped = m.dropped();
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert_eq!(
            dropped[0].reason,
            DropReason::DuplicateTlsHost("a.com".into())
        );
        assert_eq!(m.gateways[dropped[0].lost.0].name, "b");
        assert_eq!(m.gateways[dropped[0].kept.0].name, "a");
    });
}

#[test]
fn a_label_less_patch_keeps_the_labels_of_the_copy_it_patches() {
    let patch = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress, namespace: gw}\nspec:\n  template:\n    spec:\n      securityContext: {runAsNonRoot: true}\n";
    let text = [INGRESS, patch].concat();
    with_model(&text, |_, m| {
        let workload = m
            .proxies
            .iter()
            .find(|p| matches!(p.kind, ProxyKind::Workload(_)))
            .map(|p| p.labels.get("istio").cloned());
        assert_eq!(workload, Some(Some("ingressgateway".to_owned())));
    });
}

#[test]
fn virtual_service_gateway_names_resolve_as_pilot_does() {
    let text = [
        gateway("web", "{istio: ingressgateway}", &server(80, "HTTP", "['*']", "")),
        "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: loose}\nspec: {}\n".to_owned(),
    ]
    .concat();
    with_model(&text, |_, m| {
        assert_eq!(m.resolve("mesh", "x").1, GatewayRef::Mesh);
        assert_eq!(m.resolve("ns/web", "x").1, GatewayRef::Istio(0));
        assert_eq!(m.resolve("web", "ns").1, GatewayRef::Istio(0));
        assert_eq!(
            m.resolve("web.ns.svc.cluster.local", "x").1,
            GatewayRef::Istio(0)
        );
        assert_eq!(m.resolve("web", "other").1, GatewayRef::Missing);
        // Written without a namespace: placed wherever it is applied.
        assert_eq!(m.resolve("elsewhere/loose", "x").1, GatewayRef::Istio(1));
        assert_eq!(
            m.resolve("ns/gw~istio-autogenerated-k8s-gateway~http", "x")
                .1,
            GatewayRef::Internal
        );
    });
}
