//! Gateway proxies: the pods that serve Istio Gateways. A Gateway's `selector` picks them by
//! label in every namespace (`PILOT_SCOPE_GATEWAY_TO_NAMESPACE` is off by default), and pilot
//! applies Gateways only to gateway proxies, never to sidecars.
//!
//! The inputs hold some of them (gateway Deployments and Pods), Istio's installation creates
//! others (`istio-ingressgateway`…, [`super::installed`]), Istio deploys one per Gateway API
//! Gateway, and the rest live in charts the inputs do not hold: each selector that matches none
//! of the known ones stands for such unknown pods.

use super::installed::{InstalledGateway, INSTALLED, INSTALL_NAMESPACE};
use super::k8s::{KubeGateway, GATEWAY_NAME_LABEL};
use super::servers::Gateway;
use crate::model::{LintContext, MeshIndex, ServiceInfo, Workload};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Where a gateway proxy comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// A gateway workload of the inputs (index into [`MeshIndex::workloads`]).
    Workload(usize),
    /// A gateway Istio's installation creates, absent from the inputs.
    Installed(&'static InstalledGateway),
    /// The Deployment Istio creates for a Gateway API Gateway (index into the model's `kube`).
    Kube(usize),
    /// Pods outside the inputs that a Gateway selector names; `labels` is that selector.
    Unknown,
}

/// A Service port of a gateway workload and the port it reaches on the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortMapping {
    pub port: u32,
    pub target: u32,
    /// Index into [`MeshIndex::services`] (`None` for an installed gateway's Service).
    pub service: Option<usize>,
    /// Position in the Service's `spec.ports`.
    pub port_index: usize,
    /// Whether pilot translates a server port through it (not when the Service opts out).
    pub translate: bool,
}

#[derive(Debug)]
pub struct Proxy {
    pub kind: ProxyKind,
    /// `None` for unknown pods.
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// TCP ports of the Services that select the pods, in Service order; `None` when no
    /// Service of the inputs selects them (the Service may live elsewhere).
    pub services: Option<Vec<PortMapping>>,
}

impl Proxy {
    /// Whether a Gateway with `selector` applies to these pods (`SubsetOf`; an empty selector
    /// applies to every gateway proxy).
    pub fn selected_by(&self, selector: &BTreeMap<String, String>) -> bool {
        selector.iter().all(|(k, v)| self.labels.get(k) == Some(v))
    }

    /// `resolvePorts` for a Gateway selected by labels: a server port that is a Service port
    /// listens on the first such port's target port, any other port as written.
    pub fn resolve_port(&self, number: u32) -> u32 {
        self.services
            .iter()
            .flatten()
            .find(|m| m.translate && m.port == number)
            .map_or(number, |m| m.target)
    }

    /// Whether the Services of these pods are known (see [`Proxy::exposes`]).
    pub fn ports_known(&self) -> bool {
        match self.kind {
            ProxyKind::Installed(_) => true,
            ProxyKind::Unknown => false,
            _ => self.services.is_some(),
        }
    }

    /// Whether a Service (or the installed gateway's Service) makes `number` reachable: it is a
    /// Service port (translated to its target) or a target port. `None` when unknown.
    pub fn exposes(&self, number: u32) -> Option<bool> {
        match self.kind {
            ProxyKind::Installed(g) => Some(g.ports.contains(&number)),
            ProxyKind::Unknown => None,
            _ => self
                .services
                .as_ref()
                .map(|list| list.iter().any(|m| m.port == number || m.target == number)),
        }
    }
}

/// The annotation that makes a pod template a gateway (`inject.istio.io/templates: gateway`).
const TEMPLATES_ANNOTATION: &str = "inject.istio.io/templates";
/// A Service label opting out of gateway port translation (`DisableGatewayPortTranslationLabel`).
const NO_TRANSLATION_LABEL: &str = "experimental.istio.io/disable-gateway-port-translation";

/// Whether a workload of the inputs is a gateway proxy: the gateway injection template, a
/// Gateway API gateway's pods, a container running `proxy router`, or an `istio-proxy`
/// container written in the manifest that does not run as a sidecar (`istioctl kube-inject`
/// output runs `proxy sidecar`).
pub fn is_gateway_workload(w: &Workload<'_>) -> bool {
    if w.annotation(TEMPLATES_ANNOTATION)
        .is_some_and(|t| t.split(',').any(|x| x.trim() == "gateway"))
        || w.labels.contains_key(GATEWAY_NAME_LABEL)
    {
        return true;
    }
    let Some(containers) = w.template_node.at_keys("spec.containers") else {
        return false;
    };
    containers.items().any(|c| {
        let named = c.get("name").and_then(|n| n.as_str()) == Some("istio-proxy");
        let arg = |word: &str| {
            c.get("args")
                .is_some_and(|a| a.items().any(|x| x.as_str() == Some(word)))
        };
        // `pilot-agent proxy router` is a gateway whatever its container is called.
        (named && !arg("sidecar")) || arg("router")
    })
}

/// The known gateway proxies: gateway workloads of the inputs, Gateway API deployments, and
/// the installation's gateways that the inputs do not define themselves.
pub fn known(index: &MeshIndex<'_>, cx: &LintContext, kube: &[KubeGateway<'_>]) -> Vec<Proxy> {
    let mut out = Vec::new();
    let by_object: HashMap<usize, usize> =
        index.workloads.iter().map(|w| (w.object, w.id)).collect();
    for w in &index.workloads {
        let o = &index.objects[w.object];
        if o.is_shadowed() {
            continue;
        }
        // A pod template without labels cannot be applied on its own (a Deployment's selector
        // must match them): it is a kustomize patch over an earlier copy, whose labels,
        // containers and Services the merged object keeps.
        let base = (w.labels.is_empty())
            .then(|| {
                index
                    .copies_of(w.object)
                    .iter()
                    .rev()
                    .filter_map(|c| by_object.get(c).map(|&id| &index.workloads[id]))
                    .find(|c| !c.labels.is_empty())
            })
            .flatten();
        if !is_gateway_workload(w) && !base.is_some_and(is_gateway_workload) {
            continue;
        }
        let (w, services) = match base {
            Some(b) => (
                b,
                service_ports(
                    index,
                    b,
                    index
                        .services_in(o.ns())
                        .filter(|s| b.matches(&s.selector())),
                ),
            ),
            None => (w, service_ports(index, w, index.services_selecting(w))),
        };
        out.push(Proxy {
            kind: ProxyKind::Workload(w.id),
            namespace: Some(o.ns().to_owned()),
            labels: w.labels.to_map(),
            services,
        });
    }
    for (i, gw) in kube.iter().enumerate() {
        if gw.kind.is_none() {
            continue;
        }
        let own = out.iter().any(|p| {
            p.namespace.as_deref() == Some(gw.ns.as_str())
                && p.labels.get(GATEWAY_NAME_LABEL).map(String::as_str) == Some(gw.name)
        });
        if own {
            continue;
        }
        let services = gw
            .ports
            .iter()
            .map(|&p| PortMapping {
                port: p,
                target: p,
                service: None,
                port_index: 0,
                translate: true,
            })
            .collect();
        out.push(Proxy {
            kind: ProxyKind::Kube(i),
            namespace: Some(gw.ns.clone()),
            labels: gw.pod_labels(),
            services: Some(services),
        });
    }
    let v = (cx.istio_version.major, cx.istio_version.minor);
    for g in INSTALLED.iter().filter(|g| g.since <= v) {
        if defined_by_inputs(index, &out, g) {
            continue;
        }
        out.push(Proxy {
            kind: ProxyKind::Installed(g),
            namespace: Some(INSTALL_NAMESPACE.to_owned()),
            labels: g
                .labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            // Ports as written: installs translate differently (80→8080 for istioctl's,
            // 80→80 for the `istio/gateway` chart).
            services: None,
        });
    }
    out
}

/// The installation's gateway is in the inputs when a gateway workload carries its identity
/// label, or its Service is written into the installation's namespace.
fn defined_by_inputs(index: &MeshIndex<'_>, found: &[Proxy], g: &InstalledGateway) -> bool {
    let (k, v) = g.identity();
    let workload = found.iter().any(|p| {
        matches!(p.kind, ProxyKind::Workload(_)) && p.labels.get(k).map(String::as_str) == Some(v)
    });
    workload
        || index.services_in(INSTALL_NAMESPACE).any(|s| {
            let o = &index.objects[s.object];
            o.namespace_explicit && o.name == g.name
        })
}

/// TCP ports of the Services selecting `w`, with target ports resolved through the pod
/// template; `None` when no Service of the inputs selects it. A Service labelled to opt out of
/// port translation still exposes its ports, but pilot does not translate through it.
fn service_ports<'s, 'a: 's>(
    index: &MeshIndex<'a>,
    w: &Workload<'a>,
    services: impl Iterator<Item = &'s ServiceInfo<'a>>,
) -> Option<Vec<PortMapping>> {
    let mut out = Vec::new();
    let mut any = false;
    for svc in services {
        any = true;
        let translate = !index.objects[svc.object]
            .labels
            .contains_key(NO_TRANSLATION_LABEL);
        let ports = svc.spec.ports.iter();
        for (i, p) in ports.enumerate() {
            if p.protocol.is_some_and(|p| p != "TCP") {
                continue;
            }
            let target = w.container_port(p);
            let (Ok(port), Some(Ok(target))) = (u32::try_from(p.port), target.map(u32::try_from))
            else {
                continue;
            };
            out.push(PortMapping {
                port,
                target,
                service: Some(svc.id),
                port_index: i,
                translate,
            });
        }
    }
    any.then_some(out)
}

/// Which proxies each Gateway applies to, and each proxy's Gateways in istiod's order.
pub struct Selection {
    pub applies_to: Vec<Vec<usize>>,
    pub on_proxy: Vec<Vec<usize>>,
}

/// Adds an unknown proxy for each distinct selector that matches none of `proxies`, then
/// matches every Gateway against every proxy through a label index.
pub fn select(gateways: &[Gateway<'_>], proxies: &mut Vec<Proxy>) -> Selection {
    let mut unknown: HashSet<BTreeMap<String, String>> = HashSet::new();
    {
        let idx = LabelIndex::new(proxies);
        for gw in gateways {
            if gw.selector.is_empty() || idx.any_match(proxies, &gw.selector) {
                continue;
            }
            if unknown.insert(gw.selector.clone()) {
                proxies.push(Proxy {
                    kind: ProxyKind::Unknown,
                    namespace: None,
                    labels: gw.selector.clone(),
                    services: None,
                });
            }
        }
    }
    let idx = LabelIndex::new(proxies);
    let mut applies_to = Vec::with_capacity(gateways.len());
    let mut on_proxy = vec![Vec::new(); proxies.len()];
    for (gi, gw) in gateways.iter().enumerate() {
        let matched = idx.matches(proxies, &gw.selector);
        for &p in &matched {
            on_proxy[p].push(gi);
        }
        applies_to.push(matched);
    }
    // istiod orders Gateways by creation time, then name, then namespace
    // (`configCompareByCreationTime`); objects applied together share a creation second.
    for list in &mut on_proxy {
        list.sort_by(|&a, &b| {
            (gateways[a].name, &gateways[a].ns).cmp(&(gateways[b].name, &gateways[b].ns))
        });
    }
    Selection {
        applies_to,
        on_proxy,
    }
}

/// Proxies by one label, so a selector is a lookup plus a filter.
struct LabelIndex {
    by_label: HashMap<(String, String), Vec<usize>>,
    all: Vec<usize>,
}

impl LabelIndex {
    fn new(proxies: &[Proxy]) -> LabelIndex {
        let mut by_label: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, p) in proxies.iter().enumerate() {
            for (k, v) in &p.labels {
                by_label.entry((k.clone(), v.clone())).or_default().push(i);
            }
        }
        LabelIndex {
            by_label,
            all: (0..proxies.len()).collect(),
        }
    }

    fn candidates(&self, selector: &BTreeMap<String, String>) -> &[usize] {
        if selector.is_empty() {
            return &self.all;
        }
        selector
            .iter()
            .map(|(k, v)| {
                self.by_label
                    .get(&(k.clone(), v.clone()))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|l| l.len())
            .unwrap_or(&[])
    }

    fn matches(&self, proxies: &[Proxy], selector: &BTreeMap<String, String>) -> Vec<usize> {
        self.candidates(selector)
            .iter()
            .copied()
            .filter(|&p| proxies[p].selected_by(selector))
            .collect()
    }

    fn any_match(&self, proxies: &[Proxy], selector: &BTreeMap<String, String>) -> bool {
        self.candidates(selector)
            .iter()
            .any(|&p| proxies[p].selected_by(selector))
    }
}
