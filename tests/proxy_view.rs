//! `mesh-lint listeners` and `mesh-lint trace` (docs/proxy-view.md): the Hazelcast outage on
//! 1.20 and its absence on 1.24, a TCP ServiceEntry, a headless peer, a scoping Sidecar; the
//! JSON output against the documented schemas.

mod common;

use common::run;
use serde_json::Value;

const HAZELCAST: &str = "testdata/scenarios/hazelcast";

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn trace(dir: &str, version: &str, from: &str, to: &str) -> String {
    ok(&[
        "trace",
        dir,
        "--istio-version",
        version,
        "--from",
        from,
        "--to",
        to,
        "--color",
        "never",
    ])
}

fn trace_json(dir: &str, version: &str, from: &str, to: &str) -> Value {
    let out = ok(&[
        "trace",
        dir,
        "--istio-version",
        version,
        "--from",
        from,
        "--to",
        to,
        "-o",
        "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn listeners_json(dir: &str, version: &str, ns: &str) -> Value {
    let out = ok(&[
        "listeners",
        dir,
        "--istio-version",
        version,
        "--namespace",
        ns,
        "-o",
        "json",
    ]);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn hazelcast_member_traffic_lands_on_the_external_name_on_1_20() {
    let out = trace(
        HAZELCAST,
        "1.20",
        "manager/hazelcast",
        "pod:manager/hazelcast-0:5701",
    );
    insta::assert_snapshot!(out);
    let t = trace_json(
        HAZELCAST,
        "1.20",
        "manager/hazelcast",
        "pod:manager/hazelcast-0:5701",
    );
    assert_eq!(t["cluster"], "outbound|5701||app-ext.app.svc.cluster.local");
    let listener = &t["steps"][2];
    assert_eq!(listener["verdict"], "diverted");
    let files: Vec<&str> = listener["origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"testdata/scenarios/hazelcast/app/app-ext.yaml"));
    assert!(files.contains(&"testdata/scenarios/hazelcast/manager/hazelcast.yaml"));
    assert!(t["reaches"]
        .as_str()
        .unwrap()
        .starts_with("`hazelcast.partner.example.com:5701`"));
}

#[test]
fn hazelcast_member_traffic_reaches_the_pod_on_1_24() {
    let out = trace(
        HAZELCAST,
        "1.24",
        "manager/hazelcast",
        "pod:manager/hazelcast-0:5701",
    );
    insta::assert_snapshot!(out);
    let t = trace_json(
        HAZELCAST,
        "1.24",
        "manager/hazelcast",
        "pod:manager/hazelcast-0:5701",
    );
    assert_eq!(t["cluster"], "PassthroughCluster");
    assert!(t["reaches"]
        .as_str()
        .unwrap()
        .contains("manager/hazelcast-0"));
}

#[test]
fn listeners_show_the_external_name_catch_all_on_1_20_only() {
    let at_20 = ok(&[
        "listeners",
        HAZELCAST,
        "--istio-version",
        "1.20",
        "--namespace",
        "manager",
    ]);
    insta::assert_snapshot!(at_20);
    let l = listeners_json(HAZELCAST, "1.20", "manager");
    let catch_alls: Vec<&Value> = l["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["catch_all"] == true)
        .collect();
    assert_eq!(catch_alls.len(), 1);
    assert_eq!(catch_alls[0]["source"]["name"], "app-ext");
    assert_eq!(catch_alls[0]["source"]["line"], 17);
    let l = listeners_json(HAZELCAST, "1.24", "manager");
    assert!(l["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["catch_all"] == false));
}

#[test]
fn tcp_service_entry_without_addresses_takes_pod_traffic_on_its_port() {
    let dir = "testdata/proxy-view/se-tcp";
    insta::assert_snapshot!(ok(&[
        "listeners",
        dir,
        "--namespace",
        "shop",
        "--port",
        "6379"
    ]));
    let t = trace_json(dir, "1.24", "shop/cart", "pod:shop/redis-0:6379");
    assert_eq!(t["cluster"], "outbound|6379||cache.example.net");
    assert_eq!(t["steps"][2]["verdict"], "diverted");
    // Its DestinationRule (TLS origination) applies to the diverted connection.
    assert!(t["steps"][4]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "TLS mode `SIMPLE`"));
    // Through the Service's VIP, the VIP listener takes it.
    let t = trace_json(dir, "1.24", "shop/cart", "redis:6379");
    assert_eq!(t["cluster"], "outbound|6379||redis.shop.svc.cluster.local");
    assert_eq!(t["steps"][2]["verdict"], "ok");
}

#[test]
fn headless_peers_get_per_endpoint_listeners_before_the_catch_all() {
    let dir = "testdata/proxy-view/headless";
    let out = trace(dir, "1.20", "data/kafka", "pod:data/kafka-1:9092");
    insta::assert_snapshot!(out);
    let t = trace_json(dir, "1.20", "data/kafka", "pod:data/kafka-1:9092");
    assert_eq!(
        t["cluster"],
        "outbound|9092||kafka-headless.data.svc.cluster.local"
    );
    assert!(t["reaches"].as_str().unwrap().contains("as dialled"));
}

#[test]
fn a_sidecar_scopes_the_catch_all_away() {
    let dir = "testdata/proxy-view/sidecar-scope";
    let l = listeners_json(dir, "1.20", "manager");
    let filtered: Vec<&Value> = l["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["filtered_by"].is_null())
        .collect();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0]["filtered_by"]["kind"], "Sidecar");
    assert_eq!(filtered[0]["source"]["name"], "app-ext");
    let t = trace_json(
        dir,
        "1.20",
        "manager/hazelcast",
        "pod:manager/hazelcast-0:5701",
    );
    assert_eq!(t["cluster"], "PassthroughCluster");
}

#[test]
fn registry_only_sends_unmatched_traffic_to_the_black_hole() {
    let dir = tempfile::TempDir::new().unwrap();
    let mesh = dir.path().join("mesh.yaml");
    std::fs::write(&mesh, "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n").unwrap();
    let out = ok(&[
        "trace",
        HAZELCAST,
        "--istio-version",
        "1.24",
        "--mesh-config",
        mesh.to_str().unwrap(),
        "--from",
        "manager/hazelcast",
        "--to",
        "pod:manager/hazelcast-0:5701",
        "-o",
        "json",
    ]);
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["cluster"], "BlackHoleCluster");

    // A Sidecar's outboundTrafficPolicy overrides MeshConfig's.
    let sidecar = dir.path().join("sidecar.yaml");
    std::fs::write(
        &sidecar,
        "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: default\n  namespace: manager\nspec:\n  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\n",
    )
    .unwrap();
    let out = ok(&[
        "trace",
        HAZELCAST,
        sidecar.to_str().unwrap(),
        "--istio-version",
        "1.24",
        "--from",
        "manager/hazelcast",
        "--to",
        "pod:manager/hazelcast-0:5701",
        "-o",
        "json",
    ]);
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["cluster"], "BlackHoleCluster");
}

#[test]
fn graph_draws_the_catch_all_and_who_gets_it() {
    let dot = ok(&[
        "listeners",
        HAZELCAST,
        "--istio-version",
        "1.20",
        "--graph",
        "dot",
    ]);
    insta::assert_snapshot!(dot);
    assert!(dot.contains("CATCH-ALL") && dot.contains("app, manager"));
    let mermaid = ok(&[
        "listeners",
        HAZELCAST,
        "--istio-version",
        "1.24",
        "--graph",
        "mermaid",
    ]);
    assert!(!mermaid.contains("CATCH-ALL"), "{mermaid}");
}

#[test]
fn bad_targets_are_usage_errors() {
    let (code, _, err) = run(&[
        "trace",
        HAZELCAST,
        "--from",
        "manager",
        "--to",
        "pod:manager/nothing-0:5701",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no workload"), "{err}");
    let (code, _, err) = run(&["trace", HAZELCAST, "--from", "manager", "--to", "hazelcast"]);
    assert_eq!(code, 2);
    assert!(err.contains("no port"), "{err}");
}

/// The schema blocks of docs/proxy-view.md, in order: listeners, trace.
fn schemas() -> Vec<Value> {
    let doc = std::fs::read_to_string(common::root().join("docs/proxy-view.md")).unwrap();
    doc.split("```json")
        .skip(1)
        .map(|b| serde_json::from_str(b.split("```").next().unwrap()).unwrap())
        .collect()
}

/// A validator for the keywords the documented schemas use.
fn validate(value: &Value, schema: &Value, root: &Value, path: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return validate(value, &root["$defs"][name], root, path);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types.contains(&actual) {
            errors.push(format!("{path}: {actual} is not {types:?}"));
            return errors;
        }
        if actual == "null" {
            return errors;
        }
    }
    if let Some(e) = schema["enum"].as_array() {
        if !e.contains(value) {
            errors.push(format!("{path}: {value} not in {e:?}"));
        }
    }
    if let Value::Object(map) = value {
        for req in schema["required"].as_array().into_iter().flatten() {
            if !map.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{path}: missing {req}"));
            }
        }
        for (k, v) in map {
            match schema["properties"].get(k) {
                Some(s) => errors.extend(validate(v, s, root, &format!("{path}.{k}"))),
                None if schema["additionalProperties"] == false => {
                    errors.push(format!("{path}: unexpected {k}"))
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            errors.extend(validate(v, s, root, &format!("{path}[{i}]")));
        }
    }
    errors
}

#[test]
fn json_output_matches_the_documented_schemas() {
    let schemas = schemas();
    assert_eq!(schemas.len(), 2);
    let mut listeners = vec![
        listeners_json(HAZELCAST, "1.20", "manager"),
        listeners_json("testdata/proxy-view/sidecar-scope", "1.20", "manager"),
        listeners_json("testdata/proxy-view/headless", "1.20", "data"),
    ];
    listeners.push(listeners_json("testdata/proxy-view/se-tcp", "1.24", "shop"));
    for l in &listeners {
        let errors = validate(l, &schemas[0], &schemas[0], "$");
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let traces = [
        trace_json(
            HAZELCAST,
            "1.20",
            "manager/hazelcast",
            "pod:manager/hazelcast-0:5701",
        ),
        trace_json(
            HAZELCAST,
            "1.24",
            "manager",
            "hazelcast.manager.svc.cluster.local:5701",
        ),
        trace_json(
            "testdata/proxy-view/se-tcp",
            "1.24",
            "shop/cart",
            "pod:shop/redis-0:6379",
        ),
    ];
    for t in &traces {
        let errors = validate(t, &schemas[1], &schemas[1], "$");
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The validator does reject what the schema forbids.
    let mut bad = traces[0].clone();
    bad["steps"][0]["verdict"] = "maybe".into();
    assert!(!validate(&bad, &schemas[1], &schemas[1], "$").is_empty());
}

#[test]
fn iptables_exclusions_let_the_connection_bypass_the_sidecar() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("client.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: client\n  namespace: manager\nspec:\n  selector:\n    matchLabels: {app: client}\n  template:\n    metadata:\n      labels: {app: client}\n      annotations:\n        traffic.sidecar.istio.io/excludeOutboundPorts: \"5701,9000\"\n        traffic.sidecar.istio.io/excludeOutboundIPRanges: \"10.8.0.0/16\"\n    spec:\n      containers:\n        - name: client\n          image: example/client:1\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let json = |to: &str| -> Value {
        let out = ok(&[
            "trace",
            HAZELCAST,
            file,
            "--istio-version",
            "1.20",
            "--from",
            "manager/client",
            "--to",
            to,
            "-o",
            "json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let t = json("pod:manager/hazelcast-0:5701");
    assert_eq!(t["steps"][1]["verdict"], "end");
    assert!(t["cluster"].is_null());
    assert!(t["steps"][1]["notes"][0]
        .as_str()
        .unwrap()
        .contains("excludeOutboundPorts"));
    let t = json("10.8.1.2:6000");
    assert!(t["steps"][1]["notes"][0]
        .as_str()
        .unwrap()
        .contains("10.8.0.0/16"));
    let t = json("10.9.1.2:6000");
    assert_eq!(t["cluster"], "PassthroughCluster");
}

#[test]
fn http_traffic_without_a_virtual_host_takes_the_catch_all_virtual_host() {
    let t: Value = serde_json::from_str(&ok(&[
        "trace",
        "testdata/demo",
        "--from",
        "bookinfo",
        "--to",
        "ratings:9080",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        t["cluster"],
        "outbound|9080||ratings.bookinfo.svc.cluster.local"
    );
    assert_eq!(
        t["steps"][2]["title"],
        "listener `0.0.0.0:9080`, filter chain `Host: ratings.bookinfo.svc.cluster.local` → `outbound|9080||ratings.bookinfo.svc.cluster.local`"
    );
    // An address no listener of the port has, on a port only HTTP services use.
    let t: Value = serde_json::from_str(&ok(&[
        "trace",
        "testdata/demo",
        "--from",
        "bookinfo",
        "--to",
        "10.0.0.9:9080",
        "-o",
        "json",
    ]))
    .unwrap();
    assert!(t["cluster"].is_null());
    assert!(t["reaches"].as_str().unwrap().contains("HTTP listener"));
}

#[test]
fn a_passthrough_service_entry_is_no_hijack() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("se.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: members\n  namespace: app\nspec:\n  hosts: [members.example.internal]\n  resolution: NONE\n  ports:\n    - number: 5701\n      name: tcp-hazelcast\n      protocol: TCP\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let out = ok(&[
        "listeners",
        HAZELCAST,
        file,
        "--istio-version",
        "1.24",
        "--namespace",
        "manager",
        "-o",
        "json",
    ]);
    let l: Value = serde_json::from_str(&out).unwrap();
    let row = l["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"]["name"] == "members")
        .unwrap();
    assert_eq!(row["address"], "0.0.0.0");
    assert_eq!(row["catch_all"], false);
    let out = ok(&[
        "trace",
        HAZELCAST,
        file,
        "--istio-version",
        "1.24",
        "--from",
        "manager/hazelcast",
        "--to",
        "pod:manager/hazelcast-0:5701",
        "-o",
        "json",
    ]);
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["cluster"], "outbound|5701||members.example.internal");
    assert_eq!(t["steps"][2]["verdict"], "ok");
    assert!(t["reaches"].as_str().unwrap().contains("as dialled"), "{t}");
}

#[test]
fn a_workload_sidecar_applies_to_its_workload_only() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("sidecar.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata:\n  name: hazelcast\n  namespace: manager\nspec:\n  workloadSelector:\n    labels: {app: hazelcast}\n  egress:\n    - hosts: [\"./*\"]\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let filtered = |extra: &[&str]| -> usize {
        let mut args = vec![
            "listeners",
            HAZELCAST,
            file,
            "--istio-version",
            "1.20",
            "--namespace",
            "manager",
            "-o",
            "json",
        ];
        args.extend_from_slice(extra);
        let l: Value = serde_json::from_str(&ok(&args)).unwrap();
        l["listeners"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["filtered_by"]["name"] == "hazelcast")
            .count()
    };
    assert_eq!(filtered(&[]), 0);
    assert_eq!(filtered(&["--workload", "hazelcast"]), 1);
    let out = ok(&[
        "trace",
        HAZELCAST,
        file,
        "--istio-version",
        "1.20",
        "--from",
        "manager/hazelcast",
        "--to",
        "pod:manager/hazelcast-0:5701",
        "-o",
        "json",
    ]);
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["cluster"], "PassthroughCluster");
}

#[test]
fn graph_summarises_thousands_of_namespaces() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("namespaces.yaml");
    let text: String = (0..3000)
        .map(|i| format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-{i:04}\n---\n"))
        .collect();
    std::fs::write(&file, text).unwrap();
    let dot = ok(&[
        "listeners",
        HAZELCAST,
        file.to_str().unwrap(),
        "--istio-version",
        "1.20",
        "--graph",
        "dot",
    ]);
    assert!(
        dot.contains("3,002 namespaces: app, manager, team-0000 and 2,999 more"),
        "{dot}"
    );
    assert!(dot.lines().count() < 20, "one node per namespace: {dot}");
}

/// The proxy's namespace is a namespace name, as `check`'s `-n` is.
#[test]
fn namespaces_of_the_proxy_view_must_be_namespace_names() {
    for args in [
        &["listeners", "testdata/demo", "--namespace", ""][..],
        &["listeners", "testdata/demo", "--namespace", "X_Y"],
        &["trace", "testdata/demo", "--from", "X_Y", "--to", "cart:80"],
    ] {
        let (code, stdout, stderr) = common::run(args);
        assert_eq!(code, 2, "{args:?}: {stdout}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains("namespace"), "{args:?}: {stderr}");
    }
}

/// A request with no particular headers takes the first route without match conditions; the
/// conditional routes before it are named, not followed.
#[test]
fn the_route_step_takes_the_first_unconditional_route() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("reviews.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {app: reviews}\n  ports: [{name: http, port: 9080}]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - match: [{headers: {end-user: {exact: jason}}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n  - route: [{destination: {host: reviews, subset: v1}}]\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews\n  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: v2, labels: {version: v2}}\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let t = trace_json(path, "1.24", "shop", "reviews:9080");
    assert_eq!(
        t["cluster"], "outbound|9080|v1|reviews.shop.svc.cluster.local",
        "{t:#}"
    );
    let route = t["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "route")
        .unwrap();
    let notes = route["notes"].to_string();
    assert!(
        notes.contains("1 route(s) before it with match conditions"),
        "{notes}"
    );
}

/// `--to` names resolve as a pod's DNS resolver would: `ratings.bookinfo` and
/// `ratings.bookinfo.svc` find the Service through the search domains.
#[test]
fn partial_names_resolve_through_the_search_domains() {
    for to in [
        "ratings:9080",
        "ratings.bookinfo:9080",
        "ratings.bookinfo.svc:9080",
        "ratings.bookinfo.svc.cluster.local:9080",
    ] {
        let t: Value = serde_json::from_str(&ok(&[
            "trace",
            "testdata/demo",
            "--from",
            "bookinfo",
            "--to",
            to,
            "-o",
            "json",
        ]))
        .unwrap();
        assert_eq!(
            t["cluster"], "outbound|9080||ratings.bookinfo.svc.cluster.local",
            "{to}: {t:#}"
        );
    }
}

/// Of two chains without a match on one port, Istio keeps the service private to the proxy's
/// namespace over a public one, whatever their order (`servicesExportedToNamespace`).
#[test]
fn a_private_service_entry_wins_the_conflict_over_a_public_one() {
    let dir = tempfile::TempDir::new().unwrap();
    let entry = |name: &str, export: &str| {
        format!("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: db}}\nspec:\n  hosts: [{name}.example.com]\n  location: MESH_EXTERNAL\n  resolution: DNS\n{export}  ports: [{{number: 5432, name: tcp, protocol: TCP}}]\n")
    };
    let text = format!(
        "{}---\n{}",
        entry("public", ""),
        entry("private", "  exportTo: [\".\"]\n")
    );
    std::fs::write(dir.path().join("se.yaml"), text).unwrap();
    let path = dir.path().to_str().unwrap();
    let rows: Value = serde_json::from_str(&ok(&[
        "listeners",
        path,
        "--namespace",
        "db",
        "--port",
        "5432",
        "-o",
        "json",
    ]))
    .unwrap();
    let rows = rows["listeners"].as_array().unwrap().clone();
    let live: Vec<&Value> = rows
        .iter()
        .filter(|r| r["port"] == 5432 && r["conflict"].is_null())
        .collect();
    assert_eq!(live.len(), 1, "{rows:#?}");
    assert!(
        live[0]["destination"].as_str().unwrap().contains("private"),
        "{rows:#?}"
    );
}
