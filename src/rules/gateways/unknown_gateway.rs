use crate::diagnostic::{Applicability, Diagnostic, Findings, Fix};
use crate::model::gateways::{GatewayRef, Gateways};
use crate::model::IstioObject;
use crate::rules::yaml_edit::replace_scalar;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_kube::istio::VirtualServiceSpec;
use mesh_lint_yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reports a VirtualService `gateways` entry that names no Gateway: neither an Istio
    /// Gateway nor a Gateway API Gateway of that namespace and name. Entries resolve as pilot
    /// resolves them: `mesh`, `namespace/name`, `./name`, a bare name in the VirtualService's
    /// namespace, or the legacy `name.namespace.svc.<domain>`.
    ///
    /// Only namespaces whose Gateways the inputs hold are judged (repositories often keep the
    /// Gateway in another chart, e.g. `istio-system/ingressgateway` next to the installation);
    /// a Gateway written without `metadata.namespace` answers its name in any namespace, since
    /// it is placed when applied. When a Gateway of that name exists in one other namespace,
    /// the fix names it.
    ///
    /// ## Why is this bad?
    /// pilot binds the VirtualService to the gateways it names; a name that matches no Gateway
    /// binds it to nothing there, so its routes are missing on the gateway (404 for its
    /// hosts), without any error.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: shop, namespace: shop}
    /// spec:
    ///   hosts: ["shop.example.com"]
    ///   gateways: [shop-gateway]          # the Gateway is istio-system/shop-gateway
    ///   http:
    ///     - route: [{destination: {host: web}}]
    /// ```
    ///
    /// Use instead: `gateways: [istio-system/shop-gateway]`.
    ///
    /// ## Fix safety
    /// Unsafe: the fix binds the routes to the only Gateway of that name, which may not be the
    /// one meant.
    ///
    /// ## References
    /// - Istio source: istioctl `pkg/config/analysis/analyzers/virtualservice/gateways.go` GatewayAnalyzer (IST0101 "Referenced gateway not found"); `pilot/pkg/model/virtualservice.go` resolveGatewayName
    /// - [Istio: VirtualService gateways](https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService)
    pub static META = {
        code: "MESH507",
        name: "unknown-gateway",
        area: "gateways",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "unsafe",
        subject: Mesh,
        istioctl: ["IST0101", "IST0132"],
        summary: "A VirtualService gateways entry that names no Gateway in a namespace whose Gateways the inputs hold",
    };
}

pub struct UnknownGateway;

impl Rule for UnknownGateway {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        for vs in &ck.index.virtual_services {
            let o = &ck.index.objects[vs.object];
            if o.is_shadowed() {
                continue;
            }
            for (node, entry) in gateway_entries(vs) {
                let (key, found) = model.resolve(entry, o.ns());
                if found != GatewayRef::Missing {
                    continue;
                }
                let (ns, name) = key.split_once('/').unwrap_or(("", key.as_str()));
                if model.holds_namespace(ns) {
                    out.push(report(ck, model, vs, node, entry, ns, name));
                }
            }
        }
    }
}

/// The `gateways` entries of a VirtualService with their nodes.
pub(super) fn gateway_entries<'a>(
    vs: &IstioObject<'a, VirtualServiceSpec<'_>>,
) -> Vec<(Node<'a>, &'a str)> {
    vs.spec_node
        .get("gateways")
        .map(|g| g.items().filter_map(|n| Some((n, n.as_str()?))).collect())
        .unwrap_or_default()
}

fn report(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    vs: &IstioObject<'_, VirtualServiceSpec<'_>>,
    node: Node<'_>,
    entry: &str,
    ns: &str,
    name: &str,
) -> Diagnostic {
    let o = &ck.index.objects[vs.object];
    let mut d = ck.diagnostic(
        &META,
        vs.object,
        node.span(),
        format!(
            "gateway `{entry}` of VirtualService `{}` names no Gateway: there is no `{ns}/{name}`",
            o.qualified_name()
        ),
    );
    d.primary.message = "unknown gateway".into();
    let namesakes: Vec<_> = model.named(name).filter(|g| g.ns != ns).collect();
    for g in namesakes.iter().take(3) {
        d.related.push(ck.label(
            g.object,
            super::name_span(ck, g.object),
            format!("Gateway `{}` has that name", g.key()),
        ));
    }
    if entry.contains('/') {
        d.notes.push(format!(
            "the inputs hold Gateways of namespace `{ns}`, none named `{name}`; the VirtualService's routes are bound to nothing there"
        ).into());
    } else {
        d.notes.push(format!(
            "a gateway name without a namespace is looked up in the VirtualService's own namespace (`{ns}`), which holds no Gateway `{name}`; the routes are bound to nothing there"
        ).into());
    }
    match namesakes.as_slice() {
        [only] => {
            let target = only.key();
            d.help = Some(format!("did you mean `{target}`?").into());
            d.fix = replace_scalar(ck, vs.object, node, &target)
                .map(|e| Fix::new(format!("use `{target}`"), Applicability::Unsafe, vec![e]));
        }
        _ => {
            let near = model
                .in_namespace(ns)
                .map(|g| (strsim::jaro_winkler(g.name, name), g))
                .filter(|(score, _)| *score > 0.85)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            d.help = Some(match near {
                Some((_, g)) => format!("did you mean `{}`?", g.key()).into(),
                None => {
                    format!("name the Gateway as `<namespace>/<name>`, or create `{ns}/{name}`")
                        .into()
                }
            });
        }
    }
    d
}
