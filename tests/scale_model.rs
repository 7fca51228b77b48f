//! The mesh model's design, guarded without timing: a many-namespace mesh is linted in-process
//! and the sizes the models expose must be linear in the ports, never namespaces × ports; a
//! run whose selected rules need no model builds none.

use mesh_lint::lint::{lint, LintOptions};
use mesh_lint::model::listeners::Listeners;
use mesh_lint::model::scopes::Scopes;
use mesh_lint::model::{LintContext, MeshIndex};
use mesh_lint::parse::parse_file;
use mesh_lint::rules::{metas, ModelStats, RuleSelection, Selector};
use mesh_lint::source::{Files, SourceFile};
use mesh_lint_yaml::Limits;

/// Ports per namespace in [`mesh`]: two on each of two Services.
const PORTS_PER_NS: usize = 4;

/// One file per namespace: a Namespace, two Services of two ports each (every Service exported
/// everywhere, Istio's default); a ServiceEntry without addresses (a catch-all on 5701, seen by
/// every namespace) in every 100th namespace and a Sidecar in every 10th.
fn mesh(namespaces: usize) -> (Files, usize) {
    let mut files = Files::default();
    let mut ports = 0;
    for i in 0..namespaces {
        let ns = format!("team-{i:05}");
        let mut text = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");
        for svc in ["api", "cache"] {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {svc}\n  namespace: {ns}\nspec:\n  selector:\n    app: {svc}\n  ports:\n    - name: http\n      port: 80\n    - name: tcp-cluster\n      port: 5701\n"
            ));
            ports += 2;
        }
        if i % 100 == 0 {
            text.push_str(&format!(
                "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ext\n  namespace: {ns}\nspec:\n  hosts: [ext-{i}.example.com]\n  resolution: DNS\n  ports:\n    - number: 5701\n      name: tcp\n      protocol: TCP\n"
            ));
            ports += 1;
        }
        if i % 10 == 0 {
            text.push_str(&format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: default\n  namespace: {ns}\nspec:\n  egress:\n    - hosts: [\"./*\", \"istio-system/*\"]\n"
            ));
        }
        files.add(SourceFile::from_bytes(
            format!("{ns}.yaml"),
            None,
            text.into_bytes(),
        ));
    }
    (files, ports)
}

fn select(code: &str) -> RuleSelection {
    let rules = metas();
    RuleSelection {
        select: Some(vec![Selector::parse(code, &rules).unwrap()]),
        ..RuleSelection::default()
    }
}

/// The index, listener model and scope answers of one file holding `text`, handed to `f`.
fn with_scopes<R>(text: String, f: impl FnOnce(&MeshIndex<'_>, &Listeners, &Scopes<'_>) -> R) -> R {
    let mut files = Files::default();
    let id = files.add(SourceFile::from_bytes(
        "mesh.yaml".into(),
        None,
        text.into_bytes(),
    ));
    let limits = Limits::default();
    let parsed = vec![parse_file(id, files.get(id), &limits)];
    let cx = LintContext::default();
    let index = MeshIndex::build(&parsed, &cx, &limits);
    let listeners = Listeners::build(&index, &cx);
    let scopes = Scopes::new(&index, &cx);
    f(&index, &listeners, &scopes)
}

#[test]
fn listener_model_is_linear_in_ports() {
    let mut per_port = Vec::new();
    for namespaces in [300, 3000] {
        let (files, ports) = mesh(namespaces);
        let result = lint(&files, &LintOptions::default());
        let size = result
            .models
            .listeners
            .expect("the port rules build listeners");
        assert!(ports >= namespaces * PORTS_PER_NS);
        // Per port its listener and its pod port, one host per Service: no list of
        // namespaces anywhere.
        assert!(
            size <= 3 * ports,
            "{namespaces} namespaces: listener model holds {size} entries for {ports} ports"
        );
        // The Sidecar index holds what the Sidecars say, not what every namespace sees.
        let sidecar_hosts = result.models.scopes.expect("catch-alls ask for scopes");
        assert_eq!(sidecar_hosts, 2 * namespaces.div_ceil(10));
        per_port.push(size as f64 / ports as f64);
        // The catch-alls are seen everywhere: each reports its victims; the notes name a few
        // namespaces and count the rest instead of listing thousands.
        let mesh103: Vec<_> = result
            .diagnostics
            .iter()
            .filter(|d| d.code == "MESH103")
            .collect();
        assert_eq!(mesh103.len(), namespaces.div_ceil(100));
        let longest = mesh103
            .iter()
            .flat_map(|d| d.notes.iter())
            .map(|n| n.len())
            .max()
            .unwrap_or(0);
        assert!(longest < 1000, "a note of {longest} bytes");
        assert!(mesh103
            .iter()
            .flat_map(|d| d.notes.iter())
            .any(|n| n.contains(" more")));
    }
    // The same cost per port at 300 and at 3,000 namespaces.
    assert!(
        (per_port[0] - per_port[1]).abs() < 0.05,
        "entries per port: {per_port:?}"
    );
}

#[test]
fn rules_that_need_no_model_build_none() {
    let (files, _) = mesh(50);
    for code in ["MESH001", "MESH002", "MESH101", "MESH102"] {
        let opts = LintOptions {
            selection: select(code),
            ..LintOptions::default()
        };
        let result = lint(&files, &opts);
        assert_eq!(result.models, ModelStats::default(), "{code} built a model");
    }
    let opts = LintOptions {
        selection: select("MESH301"),
        ..LintOptions::default()
    };
    let models = lint(&files, &opts).models;
    assert!(models.host_refs.is_some() && models.listeners.is_none());
}

/// The lazy answers agree with a walk over every namespace, whatever mix of exportTo lists,
/// root default, namespace and workload Sidecars decides them: one proxy of a namespace must
/// see every subject.
#[test]
fn seen_counts_agree_with_a_walk_over_every_namespace() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: n{i:02}}}\nspec: {{ports: [{{name: tcp, port: 7000}}]}}\n"
        ));
        // Every 4th namespace imports only itself; every 6th imports n00 explicitly too.
        if i % 4 == 0 {
            text.push_str(&format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: d, namespace: n{i:02}}}\nspec: {{egress: [{{hosts: [\"./*\"]}}]}}\n"
            ));
        } else if i % 6 == 0 {
            text.push_str(&format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: d, namespace: n{i:02}}}\nspec: {{egress: [{{hosts: [\"./*\", \"n00/*\"]}}]}}\n"
            ));
        }
        // Workload Sidecars: every 5th namespace's imports n01 and its own; every 7th's any
        // namespace's e.example.com; n39's has no egress (imports everything).
        if i % 5 == 0 {
            text.push_str(&format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: w, namespace: n{i:02}}}\nspec: {{workloadSelector: {{labels: {{app: w}}}}, egress: [{{hosts: [\"./*\", \"n01/*\"]}}]}}\n"
            ));
        } else if i % 7 == 0 {
            text.push_str(&format!(
                "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: w, namespace: n{i:02}}}\nspec: {{workloadSelector: {{labels: {{app: w}}}}, egress: [{{hosts: [\"*/e.example.com\"]}}]}}\n"
            ));
        } else if i == 39 {
            text.push_str("---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: w, namespace: n39}\nspec: {workloadSelector: {labels: {app: w}}}\n");
        }
    }
    // A ServiceEntry exported to a list, in n01.
    text.push_str("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: e, namespace: n01}\nspec: {hosts: [e.example.com], exportTo: [n00, n04, n05, n06, n09], resolution: DNS, ports: [{number: 7000, name: tcp, protocol: TCP}]}\n");
    // No mesh default; one importing each namespace's own resources and n00 (judged per
    // namespace); one importing n00 and n01 only (judged once for every namespace).
    for root_default in [None, Some(r#""./*", "n00/*""#), Some(r#""n00/*", "n01/*""#)] {
        let mut input = text.clone();
        if let Some(hosts) = root_default {
            input.push_str(&format!("---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: default, namespace: istio-system}}\nspec: {{egress: [{{hosts: [{hosts}]}}]}}\n"));
        }
        with_scopes(input, |index, listeners, scopes| {
            let all: Vec<_> = listeners.all.iter().collect();
            for a in &all {
                for b in all.iter().step_by(5) {
                    let subjects = vec![listeners.subject(index, a), listeners.subject(index, b)];
                    let seen = scopes.seen_by(subjects.clone());
                    let walked: Vec<&str> = index
                        .namespaces
                        .keys()
                        .map(String::as_str)
                        .filter(|ns| subjects.iter().all(|s| s.scope.is_visible_in(ns)))
                        .filter(|ns| {
                            scopes.sidecars.egresses(ns).any(|egress| {
                                subjects
                                    .iter()
                                    .all(|s| egress.imports(ns, s.owner_ns, s.hosts, s.port))
                            })
                        })
                        .collect();
                    let listed: Vec<&str> = seen.iter().collect();
                    assert_eq!(listed, walked, "root default {root_default:?}");
                    assert_eq!(seen.count(), walked.len());
                    assert_eq!(seen.any(), !walked.is_empty());
                }
            }
        });
    }
}

/// "Which namespaces see this listener" judges the namespaces whose Sidecars may import it, not
/// every namespace with a Sidecar: on a mesh where every namespace has a workload Sidecar (and
/// the root a `./*` default), each answer judges a handful of namespaces however many there
/// are. Before the Sidecar index kept its egress inverted, each judged all of them, and
/// `listeners --graph` on 8,000 such namespaces took half a minute.
#[test]
fn seen_judges_importers_not_every_namespace_with_a_sidecar() {
    let namespaces = 3000;
    // scripts/gen-namespaces.py's mesh: each namespace's workload Sidecar imports its own
    // namespace, the next one and istio-system.
    let mut text = String::from("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: istio-system}\nspec:\n  egress: [{hosts: [\"./*\", \"istio-system/*\"]}]\n");
    for i in 0..namespaces {
        let next = (i + 1) % namespaces;
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: app, namespace: team-{i}}}\nspec: {{selector: {{app: app}}, ports: [{{name: http, port: 80}}]}}\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: ext, namespace: team-{i}}}\nspec: {{hosts: [api{i}.example.com], ports: [{{number: 443, name: tls, protocol: TLS}}], resolution: DNS}}\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: web, namespace: team-{i}}}\nspec:\n  workloadSelector: {{labels: {{tier: web}}}}\n  egress: [{{hosts: [\"./*\", \"team-{next}/*\", \"istio-system/*\"]}}]\n"
        ));
    }
    with_scopes(text, |index, listeners, scopes| {
        assert!(listeners.all.len() >= 2 * namespaces);
        let mut judged = 0;
        for l in &listeners.all {
            let seen = scopes.seen_by(vec![listeners.subject(index, l)]);
            judged += seen.judged_namespaces();
            // Its own namespace (the root default's `./*`) and the previous one (its Sidecar
            // names this one).
            assert_eq!(seen.count(), 2, "{:?}", seen.describe(3));
        }
        assert!(
            judged <= 3 * listeners.all.len(),
            "{judged} namespaces judged for {} listeners",
            listeners.all.len()
        );
    });
}

/// Exported everywhere is not seen anywhere when the root default Sidecar imports elsewhere
/// and no namespace imports it itself: `any` must say so without a namespace to show.
#[test]
fn seen_by_nobody_when_every_sidecar_imports_elsewhere() {
    let mut text = String::from("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: istio-system}\nspec: {egress: [{hosts: [\"n00/*\"]}]}\n");
    for i in 1..4 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: n{i:02}}}\nspec: {{ports: [{{name: tcp, port: 7000}}]}}\n"
        ));
    }
    with_scopes(text, |index, listeners, scopes| {
        assert_eq!(listeners.all.len(), 3);
        for l in &listeners.all {
            let seen = scopes.seen_by(vec![listeners.subject(index, l)]);
            assert!(!seen.any());
            assert_eq!(seen.count(), 0);
        }
    });
}
