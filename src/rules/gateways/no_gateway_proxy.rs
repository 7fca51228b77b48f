use super::{gateway_name, proxy_label, proxy_words, selector_span};
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::gateways::proxies::ProxyKind;
use crate::model::gateways::servers::{selector_text, Gateway};
use crate::model::gateways::Gateways;
use crate::model::{Workload, COMPLETE_INPUTS_NOTE};
use crate::rules::{Checker, Model, Rule, RuleMeta};
use std::collections::{BTreeMap, HashMap};

declare_rule! {
    /// ## What it does
    /// Reports a Gateway whose `selector` matches no gateway proxy:
    ///
    /// - it matches only workloads of the inputs that run a sidecar (an error: pilot applies
    ///   Gateways to gateway proxies only);
    /// - it matches nothing known (the gateway workloads of the inputs, Istio's installed
    ///   gateways `istio: ingressgateway`, `istio: egressgateway`, `istio: eastwestgateway`,
    ///   the pods of Gateway API Gateways), and either the inputs hold gateway workloads
    ///   (Deployments or Pods running the gateway proxy) or the selector is one typo away from
    ///   the labels of a workload or gateway: the same value under another key, or a value at
    ///   most two edits away. The near miss is named.
    ///
    /// Otherwise the selector may name a gateway installed elsewhere (the `istio/gateway` Helm
    /// chart labels its pods `istio: <release>`), so nothing is reported; istioctl (IST0101),
    /// which sees the cluster, reports it. With `--complete-inputs` (config
    /// `complete-inputs: true`) the inputs are the whole cluster, and it is reported too.
    ///
    /// ## Why is this bad?
    /// A Gateway configures the proxies its selector picks, in any namespace. Selecting none,
    /// its servers open no listener anywhere and every VirtualService bound to it is dead.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Gateway
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {istio: ingress-gateway}
    ///   servers:
    ///     - port: {number: 80, name: http, protocol: HTTP}
    ///       hosts: ["shop.example.com"]
    /// ```
    ///
    /// Use instead: the labels of the gateway pods (`istio: ingressgateway`).
    ///
    /// ## Fix safety
    /// No fix: which gateway was meant is a decision.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/push_context.go` mergeGateways (a Gateway's selector against the proxy's labels, for router proxies only); istioctl `pkg/config/analysis/analyzers/gateway/gateway.go` and `secret.go` (IST0101 "Referenced selector not found")
    /// - [Istio: Gateway selector](https://istio.io/latest/docs/reference/config/networking/gateway/#Gateway)
    pub static META = {
        code: "MESH503",
        name: "gateway-selects-no-proxy",
        area: "gateways",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0101"],
        summary: "A Gateway selector that matches no gateway proxy: only sidecars, or none of the gateway workloads of the inputs",
    };
}

pub struct NoGatewayProxy;

impl Rule for NoGatewayProxy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Scopes, Model::Gateways]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let model = ck.gateways();
        let mut lookup: Option<Lookup<'_>> = None;
        for (gi, gw) in model.gateways.iter().enumerate() {
            if gw.selector.is_empty() || model.known_proxies(gi).next().is_some() {
                continue;
            }
            let sidecars = model.workloads_matching(&ck.index.workloads, &gw.selector);
            if !sidecars.is_empty() {
                out.push(only_sidecars(ck, gw, &sidecars));
                continue;
            }
            let lookup = lookup.get_or_insert_with(|| Lookup::new(ck, model));
            let near = lookup.near_miss(&gw.selector);
            if near.is_some() || model.has_gateway_workloads() {
                out.push(no_match(ck, model, gw, near));
            } else if ck.cx.complete_inputs {
                let mut d = no_match(ck, model, gw, near);
                d.notes.push(COMPLETE_INPUTS_NOTE.into());
                out.push(d);
            }
        }
    }
}

fn only_sidecars(ck: &Checker<'_, '_>, gw: &Gateway<'_>, sidecars: &[&Workload<'_>]) -> Diagnostic {
    let first = &ck.index.objects[sidecars[0].object];
    let what = format!("{} `{}`", first.kind, first.qualified_name());
    let more = match sidecars.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    let mut d = ck.diagnostic(
        &META,
        gw.object,
        selector_span(ck, gw),
        format!(
            "the selector of {} matches only workloads that are not gateway proxies: {what}{more}",
            gateway_name(gw)
        ),
    );
    d.severity = Severity::Error;
    d.primary.message = "selects no gateway proxy".into();
    for w in sidecars.iter().take(3) {
        d.related.push(ck.label(
            w.object,
            labels_span(ck, w),
            "an application workload, not a gateway",
        ));
    }
    d.notes.push(
        "pilot applies Gateways only to gateway proxies (router pods running `proxy router`); a sidecar ignores them, so these servers open no listener".into(),
    );
    d.help = Some(
        "select the gateway's pods (e.g. `istio: ingressgateway`), and bind the VirtualService to `mesh` for traffic between sidecars".into(),
    );
    d
}

fn labels_span(ck: &Checker<'_, '_>, w: &Workload<'_>) -> mesh_lint_yaml::Span {
    w.template_node
        .at_keys("metadata.labels")
        .map_or_else(|| super::name_span(ck, w.object), |n| n.span())
}

/// Pods a selector nearly matches.
#[derive(Clone, Copy)]
enum Near {
    Proxy(usize),
    Workload(usize),
}

fn no_match(
    ck: &Checker<'_, '_>,
    model: &Gateways<'_>,
    gw: &Gateway<'_>,
    near: Option<Near>,
) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        gw.object,
        selector_span(ck, gw),
        format!(
            "the selector `{}` of {} matches no gateway proxy",
            gw.selector_text(),
            gateway_name(gw)
        ),
    );
    d.primary.message = "no gateway pods have these labels".into();
    // Gateway workloads of the inputs first, then the installed and Gateway API ones.
    let mut known: Vec<usize> = (0..model.proxies.len())
        .filter(|&p| model.proxies[p].kind != ProxyKind::Unknown)
        .collect();
    known.sort_by_key(|&p| !matches!(model.proxies[p].kind, ProxyKind::Workload(_)));
    for &p in known
        .iter()
        .filter(|&&p| matches!(model.proxies[p].kind, ProxyKind::Workload(_)))
        .take(3)
    {
        if let Some(l) = proxy_label(
            ck,
            model,
            p,
            "a gateway workload of the inputs, not selected",
        ) {
            d.related.push(l);
        }
    }
    let more = match known.len() {
        0..=3 => String::new(),
        n => format!(" and {} more", n - 3),
    };
    let names = known
        .iter()
        .take(3)
        .map(|&p| {
            format!(
                "{} (`{}`)",
                proxy_words(ck, model, p),
                key_labels(&model.proxies[p].labels)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    d.notes.push(format!(
        "the gateway pods known from the inputs and Istio's installation: {names}{more}; a Gateway that selects none opens no listener and its VirtualServices are dead"
    ).into());
    d.help = Some(match near {
        Some(Near::Proxy(p)) => format!(
            "did you mean the labels of {} (`{}`)?",
            proxy_words(ck, model, p),
            key_labels(&model.proxies[p].labels)
        )
        .into(),
        Some(Near::Workload(w)) => {
            let w = &ck.index.workloads[w];
            let o = &ck.index.objects[w.object];
            d.related
                .push(ck.label(w.object, labels_span(ck, w), "labels close to the selector"));
            format!(
                "did you mean the labels of {} `{}` (`{}`)?",
                o.kind,
                o.qualified_name(),
                key_labels(&w.labels.to_map())
            )
            .into()
        }
        None => "select the labels of the gateway pods, or add the gateway workload to the inputs"
            .into(),
    });
    d
}

/// The labels gateways are usually selected by (`istio`, `app`), else the first two.
fn key_labels(labels: &BTreeMap<String, String>) -> String {
    let usual: BTreeMap<String, String> = labels
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "istio" | "app"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if usual.is_empty() {
        let first: BTreeMap<String, String> = labels
            .iter()
            .take(2)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        return selector_text(&first);
    }
    selector_text(&usual)
}

/// A label set of a gateway proxy (a map) or of a workload (sorted pairs).
#[derive(Clone, Copy)]
enum LabelsRef<'m> {
    Map(&'m BTreeMap<String, String>),
    Sorted(&'m crate::model::Labels<'m>),
}

impl<'m> LabelsRef<'m> {
    fn get(self, key: &str) -> Option<&'m str> {
        match self {
            LabelsRef::Map(m) => m.get(key).map(String::as_str),
            LabelsRef::Sorted(l) => l.get(key),
        }
    }

    fn iter(self) -> Box<dyn Iterator<Item = (&'m str, &'m str)> + 'm> {
        match self {
            LabelsRef::Map(m) => Box::new(m.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            LabelsRef::Sorted(l) => Box::new(l.iter()),
        }
    }
}

/// Label sets of the known gateway pods and the workloads of the inputs, by key and by
/// value, to find a selector that is one typo away from one of them.
struct Lookup<'m> {
    sets: Vec<(LabelsRef<'m>, Near)>,
    by_key: HashMap<&'m str, Vec<usize>>,
    by_value: HashMap<&'m str, Vec<usize>>,
}

impl<'m> Lookup<'m> {
    fn new(ck: &'m Checker<'_, '_>, model: &'m Gateways<'_>) -> Lookup<'m> {
        let mut sets: Vec<(LabelsRef<'m>, Near)> = (0..model.proxies.len())
            .filter(|&p| model.proxies[p].kind != ProxyKind::Unknown)
            .map(|p| (LabelsRef::Map(&model.proxies[p].labels), Near::Proxy(p)))
            .collect();
        for w in &ck.index.workloads {
            if !ck.index.objects[w.object].is_shadowed() {
                sets.push((LabelsRef::Sorted(&w.labels), Near::Workload(w.id)));
            }
        }
        let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_value: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (labels, _)) in sets.iter().enumerate() {
            for (k, v) in labels.iter() {
                by_key.entry(k).or_default().push(i);
                by_value.entry(v).or_default().push(i);
            }
        }
        Lookup {
            sets,
            by_key,
            by_value,
        }
    }

    /// A label set that the selector matches but for one entry, whose value it carries under
    /// another key or whose value is at most two edits away (`ingress-gateway`).
    fn near_miss(&self, selector: &BTreeMap<String, String>) -> Option<Near> {
        for (k, v) in selector {
            let others_match = |labels: LabelsRef<'_>| {
                selector
                    .iter()
                    .filter(|(k2, _)| *k2 != k)
                    .all(|(k2, v2)| labels.get(k2) == Some(v2))
            };
            let same_value = self.by_value.get(v.as_str()).into_iter().flatten();
            let close_value = self
                .by_key
                .get(k.as_str())
                .into_iter()
                .flatten()
                .filter(|&&i| {
                    self.sets[i].0.get(k).is_some_and(|lv| {
                        lv != v && v.len() >= 4 && strsim::osa_distance(lv, v) <= 2
                    })
                });
            if let Some(&i) = same_value
                .chain(close_value)
                .find(|&&i| others_match(self.sets[i].0))
            {
                return Some(self.sets[i].1);
            }
        }
        None
    }
}
