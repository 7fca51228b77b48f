use super::{live_virtual_services, name_list, name_span, object_name, vs_scope, Rank, Vs};
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::model::hosts::resolve;
use crate::model::visibility::ExportScope;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Span;
use std::collections::{BTreeMap, BTreeSet, HashMap};

declare_rule! {
    /// ## What it does
    /// Reports VirtualServices bound to sidecars (`gateways` empty or listing `mesh`) that
    /// define the same host for the same proxies, judged the way istiod builds a sidecar's
    /// routes (`PushContext.initVirtualServices`, `SelectVirtualServices`): hosts resolved in
    /// each VirtualService's namespace, exportTo (and MeshConfig's
    /// `defaultVirtualServiceExportTo`) applied, and each VirtualService ranked for a proxy's
    /// namespace as *private* (in that namespace and exported to it), *exported* (from another
    /// namespace, exported to it by name) or *public* (`*`, the default):
    ///
    /// - two of equal rank for some namespace: which one that namespace's sidecars use
    ///   depends on which was created first — an **error**;
    /// - different ranks: the better-ranked one deterministically takes the host there and
    ///   the other's routes do not apply — a **warning**, on both, naming the namespaces.
    ///
    /// Hosts are compared exactly: `*.example.com` and `a.example.com` (or `*.com`) are
    /// different hosts, and Istio routes each name to the most specific one. Delegate
    /// VirtualServices (no `hosts`) and those bound only to gateways (which Istio merges) are
    /// not compared.
    ///
    /// ## Why is this bad?
    /// A sidecar gets one VirtualService per host. Of several it can see, istiod keeps the
    /// first in its order and drops the others' routes for that host ("duplicate domain"); for
    /// equal ranks the order is the creation time, so re-creating one (a Helm reinstall, a
    /// GitOps resync) silently swaps the routing. istioctl reports this as IST0109.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: ratings, namespace: foo}
    /// spec:
    ///   hosts: [ratings]
    ///   http: [{route: [{destination: {host: ratings}}]}]
    /// ---
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata: {name: ratings-canary, namespace: foo}
    /// spec:
    ///   hosts: [ratings.foo.svc.cluster.local]
    ///   http: [{route: [{destination: {host: ratings, subset: v2}}]}]
    /// ```
    ///
    /// Use instead: one VirtualService per host (merge the rules), or, for a deliberate
    /// per-namespace override, an override exported only to that namespace.
    ///
    /// ## Fix safety
    /// No fix: merging rules means choosing their order.
    ///
    /// ## References
    /// - Istio source: `pkg/config/analysis/analyzers/virtualservice/conflictingmeshgatewayhosts.go` (IST0109); `pilot/pkg/model/push_context.go` initVirtualServices; `pilot/pkg/model/virtualservice.go` SelectVirtualServices; `pilot/pkg/networking/core/httproute.go` (duplicate domains dropped)
    /// - istio-vet: `pkg/vetter/conflictingvirtualservicehost` (aspenmesh)
    /// - [Istio: split VirtualServices (gateways only)](https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services)
    pub static META = {
        code: "MESH308",
        name: "conflicting-mesh-virtual-services",
        area: "hosts",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: ["IST0109"],
        summary: "VirtualServices for sidecars that define the same host for the same proxies: creation order or rank decides which applies",
    };
}

pub struct ConflictingMeshVirtualServices;

struct Cand<'s, 'a> {
    vs: Vs<'s, 'a>,
    ns: String,
    scope: ExportScope,
}

impl Cand<'_, '_> {
    fn rank(&self, n: &str) -> Option<Rank> {
        Rank::of(&self.scope, &self.ns, n)
    }
}

/// What two VirtualServices for one host do to each other.
#[derive(Debug)]
enum Clash {
    /// Equal rank in these namespaces (`None`: every namespace).
    Undefined(Option<BTreeSet<String>>),
    /// `winner` (0: the first of the pair, 1: the second) takes the host in these namespaces.
    Shadow(usize, BTreeSet<String>),
}

fn clash(a: &Cand<'_, '_>, b: &Cand<'_, '_>) -> Option<Clash> {
    let namespaces: BTreeSet<String> = match (&a.scope, &b.scope) {
        (ExportScope::None, _) | (_, ExportScope::None) => return None,
        (ExportScope::All, ExportScope::All) => return Some(Clash::Undefined(None)),
        (ExportScope::All, ExportScope::Namespaces(s))
        | (ExportScope::Namespaces(s), ExportScope::All) => s.clone(),
        (ExportScope::Namespaces(x), ExportScope::Namespaces(y)) => {
            x.intersection(y).cloned().collect()
        }
    };
    let mut undefined = BTreeSet::new();
    let mut won: [BTreeSet<String>; 2] = Default::default();
    for n in namespaces {
        let (Some(ra), Some(rb)) = (a.rank(&n), b.rank(&n)) else {
            continue;
        };
        match ra.cmp(&rb) {
            std::cmp::Ordering::Equal => {
                undefined.insert(n);
            }
            std::cmp::Ordering::Less => {
                won[0].insert(n);
            }
            std::cmp::Ordering::Greater => {
                won[1].insert(n);
            }
        }
    }
    if !undefined.is_empty() {
        return Some(Clash::Undefined(Some(undefined)));
    }
    let [w0, w1] = won;
    if !w0.is_empty() {
        Some(Clash::Shadow(0, w0))
    } else if !w1.is_empty() {
        Some(Clash::Shadow(1, w1))
    } else {
        None
    }
}

/// One conflict as seen from one VirtualService.
struct Seen {
    host: String,
    own_host: Span,
    other: usize,
    other_host: Span,
    /// `Some(true)`: this one wins there; `Some(false)`: the other does; `None`: undefined.
    wins: Option<bool>,
    namespaces: Option<BTreeSet<String>>,
}

impl Rule for ConflictingMeshVirtualServices {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Routing]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let routing = ck.routing();
        let domain = &ck.cx.cluster_domain;
        let mut cands: Vec<Cand<'_, '_>> = Vec::new();
        // Resolved host -> (candidate, host item span).
        let mut by_host: HashMap<String, Vec<(usize, Span)>> = HashMap::new();
        for (i, vs) in live_virtual_services(ck) {
            if !routing.binds_mesh(i) || vs.spec.hosts.is_empty() {
                continue;
            }
            let object = &ck.index.objects[vs.object];
            let scope = vs_scope(ck, vs);
            let c = cands.len();
            let items: Vec<_> = vs
                .spec_node
                .get("hosts")
                .into_iter()
                .flat_map(|h| h.items())
                .collect();
            let mut own: BTreeSet<String> = BTreeSet::new();
            for (h, host) in vs.spec.hosts.iter().enumerate() {
                let resolved = resolve(host, object.ns(), domain);
                if !own.insert(resolved.clone()) {
                    continue;
                }
                let span = items
                    .get(h)
                    .map_or_else(|| name_span(ck, vs.object), |n| n.span());
                by_host.entry(resolved).or_default().push((c, span));
            }
            cands.push(Cand {
                vs,
                ns: object.ns().to_owned(),
                scope,
            });
        }
        let mut seen: BTreeMap<usize, Vec<Seen>> = BTreeMap::new();
        let mut hosts: Vec<(&String, &Vec<(usize, Span)>)> =
            by_host.iter().filter(|(_, v)| v.len() > 1).collect();
        hosts.sort();
        for (host, list) in hosts {
            for (x, &(a, sa)) in list.iter().enumerate() {
                for &(b, sb) in &list[x + 1..] {
                    let Some(c) = clash(&cands[a], &cands[b]) else {
                        continue;
                    };
                    let (wins_a, namespaces) = match c {
                        Clash::Undefined(ns) => (None, ns),
                        Clash::Shadow(w, ns) => (Some(w == 0), Some(ns)),
                    };
                    seen.entry(a).or_default().push(Seen {
                        host: host.clone(),
                        own_host: sa,
                        other: b,
                        other_host: sb,
                        wins: wins_a,
                        namespaces: namespaces.clone(),
                    });
                    seen.entry(b).or_default().push(Seen {
                        host: host.clone(),
                        own_host: sb,
                        other: a,
                        other_host: sa,
                        wins: wins_a.map(|w| !w),
                        namespaces,
                    });
                }
            }
        }
        for (c, list) in seen {
            out.push(report(ck, &cands, c, &list));
        }
    }
}

fn where_words(namespaces: &Option<BTreeSet<String>>) -> String {
    match namespaces {
        None => "in every namespace".into(),
        Some(s) => {
            let names: Vec<String> = s.iter().take(3).map(|n| format!("`{n}`")).collect();
            let more = s.len().saturating_sub(3);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let word = if s.len() == 1 {
                "namespace"
            } else {
                "namespaces"
            };
            format!("in {word} {}{tail}", names.join(", "))
        }
    }
}

fn report(ck: &Checker<'_, '_>, cands: &[Cand<'_, '_>], c: usize, list: &[Seen]) -> Diagnostic {
    let me = &cands[c];
    let first_undefined = list.iter().find(|s| s.wins.is_none());
    let main = first_undefined.unwrap_or(&list[0]);
    // The others of equal rank, each once, in order.
    let mut others: Vec<String> = Vec::new();
    for s in list.iter().filter(|s| s.wins.is_none()) {
        let n = format!(
            "`{}`",
            ck.index.objects[cands[s.other].vs.object].qualified_name()
        );
        if !others.contains(&n) {
            others.push(n);
        }
    }
    let mut hosts: Vec<&str> = list.iter().map(|s| s.host.as_str()).collect();
    hosts.dedup();
    let host_words = match hosts.len() {
        1 => format!("host `{}`", hosts[0]),
        n => format!("host `{}` (and {} more)", hosts[0], n - 1),
    };
    let me_name = object_name(ck, me.vs.object);
    let other = &cands[main.other];
    let other_name = object_name(ck, other.vs.object);
    let message = match main.wins {
        None => format!(
            "VirtualServices `{}` and {} define the same {host_words} for sidecars {}: which one applies depends on which was created first",
            ck.index.objects[me.vs.object].qualified_name(),
            name_list(&others),
            where_words(&main.namespaces)
        ),
        Some(true) => format!(
            "{me_name} takes {host_words} from {other_name} for sidecars {}",
            where_words(&main.namespaces)
        ),
        Some(false) => format!(
            "{me_name}'s routes for {host_words} do not apply {}: {other_name} takes the host there",
            where_words(&main.namespaces)
        ),
    };
    let mut d = ck.diagnostic(&META, me.vs.object, main.own_host, message);
    if first_undefined.is_none() {
        d.severity = Severity::Warning;
    }
    d.primary.message = "also defined by another VirtualService for sidecars".into();
    for s in list {
        let words = match s.wins {
            None => "defines the same host for the same sidecars".to_owned(),
            Some(true) => format!("loses the host to this one {}", where_words(&s.namespaces)),
            Some(false) => format!("takes the host {}", where_words(&s.namespaces)),
        };
        d.related
            .push(ck.label(cands[s.other].vs.object, s.other_host, words));
    }
    d.notes.push(
        "a sidecar gets one VirtualService per host: istiod orders those it can see (private to the proxy's namespace, then exported to it by name, then exported everywhere; oldest first within each) and drops the later ones' routes for a host already taken (istioctl IST0109)"
            .into(),
    );
    if let (Some(w), Some(ns)) = (main.wins, &main.namespaces) {
        let (winner, loser) = if w { (me, other) } else { (other, me) };
        let n = ns.iter().next().map(String::as_str).unwrap_or("");
        if let (Some(rw), Some(rl)) = (winner.rank(n), loser.rank(n)) {
            d.notes.push(
                format!(
                    "for proxies in `{n}`, {} is {} and {} is {}",
                    object_name(ck, winner.vs.object),
                    rw.words(),
                    object_name(ck, loser.vs.object),
                    rl.words()
                )
                .into(),
            );
        }
    }
    d.help = Some(match main.wins {
        None => "merge them into one VirtualService (the rules' order decides), or give each its own host".into(),
        Some(_) => "if this is a deliberate per-namespace override, keep it; otherwise merge the VirtualServices into one".into(),
    });
    d
}
