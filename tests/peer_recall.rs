//! Recall per istioctl code: every message istioctl analyze's own test cases expect
//! (`shared/corpus/istioctl-analyze/cases.json`) whose code a mesh-lint rule declares
//! (`mesh-lint rules --format json`, `"istioctl"`) must be found by one of those rules on the
//! same resource. A finding counts for a resource when it is about that object, or when its
//! message names it as ``Kind `ns/name` ``. Deliberate differences are listed with their reason;
//! the rest must reach 95%.

mod common;

use common::{root, run};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Flags a case needs to describe the installation istioctl's test assumes.
const CASE_ARGS: &[(&str, &[&str])] = &[
    // ExternalName Services open listeners only up to Istio 1.20 (IST0150).
    (
        "ExternalNameServiceTypeInvalidPortName",
        &["--istio-version", "1.20"],
    ),
    // istioctl runs its AlphaAnalyzer only on request; MESH411 is opt-in likewise (IST0136).
    ("alpha", &["--select", "MESH411"]),
    // istioctl's harness: a namespace not among the inputs has no labels (IST0146/IST0147).
    (
        "Detect `image: auto` in non-injected pods",
        &["--config", "tests/peer/istioctl-harness.mesh-lint.yaml"],
    ),
];

/// `(case, code, resource)` that mesh-lint does not report on purpose, with the reason.
const DELIBERATE: &[(&str, &str, &str, &str)] = &[
    (
        "ServiceEntry Addresses Required Lowercase Protocol",
        "IST0134",
        "ServiceEntry default/address-missing-lowercase",
        "unset resolution is NONE, whose cluster is ORIGINAL_DST (pilot `convertResolution`): connections still reach the address they dialled; MESH103 reports it only when a targetPort or DestinationRule changes that traffic",
    ),
    (
        "ServiceEntry Addresses Required Uppercase Protocol",
        "IST0134",
        "ServiceEntry default/address-missing-uppercase",
        "as address-missing-lowercase",
    ),
    (
        "alpha",
        "IST0136",
        "Deployment default/fortio-deploy",
        "its only Istio annotation is deprecated (MESH412) and misplaced on the Deployment (MESH402): Istio never reads it there, so its feature phase is moot",
    ),
    (
        "deprecation",
        "IST0002",
        "Sidecar default/no-selector",
        "istioctl wrong: pilot reads `outboundTrafficPolicy.egressProxy` in ALLOW_ANY mode (`httproute.go`, `listener_builder.go :: buildOutboundCatchAllNetworkFiltersOnly`) and istio/api does not deprecate it; MESH412 reports it only with another mode, where it is ignored",
    ),
    (
        "virtualServiceConflictingMeshGatewayHostsWithExportTo",
        "IST0109",
        "VirtualService foo/productpage-d",
        "`*.productpage.d` and `*.d` are different hosts, not one host defined twice: pilot routes each name to the most specific (`MostSpecificHostMatch`, Envoy's longest domain suffix), so nothing depends on creation order",
    ),
    (
        "virtualServiceConflictingMeshGatewayHostsWithExportTo",
        "IST0109",
        "VirtualService bar/productpage-d",
        "as foo/productpage-d",
    ),
    (
        "EnvoyFilterUsesRelativeOperation",
        "IST0151",
        "EnvoyFilter bookinfo/test-relative-1",
        "INSERT_BEFORE `envoy.filters.http.router` without priority: istiod generates the router in every HTTP connection manager and no EnvoyFilter of the inputs adds or removes it, so the order of EnvoyFilters cannot change whether the patch applies (MESH702 reports relative patches whose target another EnvoyFilter adds)",
    ),
    (
        "EnvoyFilterUsesRemoveOperation",
        "IST0151",
        "EnvoyFilter bookinfo/test-remove-1",
        "REMOVE of network filter `...InternalAddressConfig`, which neither istiod nor an EnvoyFilter of the inputs adds: whether it is ever there depends on EnvoyFilters kept elsewhere, and priority on this one would not change that",
    ),
    (
        "EnvoyFilterUsesAddOperation",
        "IST0153",
        "EnvoyFilter bookinfo/test-auth-3",
        "istioctl wrong: istiod applies ADD to HTTP_ROUTE since Istio 1.8 (`rc_patch.go` patchHTTPRoutes appends the route)",
    ),
    (
        "EnvoyFilterUsesRemoveOperation",
        "IST0154",
        "EnvoyFilter bookinfo/test-remove-3",
        "istioctl wrong: istiod applies REMOVE to HTTP_ROUTE (`rc_patch.go` patchHTTPRoute drops the matched route)",
    ),
];

fn corpus() -> PathBuf {
    root().join("../shared/corpus/istioctl-analyze")
}

/// IST code -> the mesh-lint rules that declare it.
fn declared() -> BTreeMap<String, BTreeSet<String>> {
    let (code, stdout, _) = run(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rules.as_array().unwrap() {
        for ist in r["istioctl"].as_array().unwrap() {
            out.entry(ist.as_str().unwrap().to_owned())
                .or_default()
                .insert(r["code"].as_str().unwrap().to_owned());
        }
    }
    out
}

/// `Kind ns/name` as istioctl's harness names it (no namespace: `default`, as `-n` applies).
fn expected_key(e: &serde_json::Value) -> String {
    let kind = e["kind"].as_str().unwrap();
    let ns = match e["namespace"].as_str().filter(|n| !n.is_empty()) {
        _ if kind == "Namespace" || kind == "MutatingWebhookConfiguration" => "",
        Some(ns) => ns,
        None => "default",
    };
    format!("{kind} {ns}/{}", e["resourceName"].as_str().unwrap())
}

fn lint(case: &serde_json::Value) -> Vec<serde_json::Value> {
    let data = corpus().join("testdata");
    let path = |v: &serde_json::Value| data.join(v.as_str().unwrap()).display().to_string();
    let inputs: Vec<String> = case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(path)
        .collect();
    let mesh_config = case["meshConfig"]
        .as_str()
        .map(|_| path(&case["meshConfig"]));
    // istioctl's harness input is the whole cluster: what it does not hold does not exist.
    let mut argv: Vec<&str> = vec!["-o", "json", "--fail-on", "never", "--complete-inputs"];
    if let Some(m) = &mesh_config {
        argv.extend(["--mesh-config", m.as_str()]);
    }
    let name = case["name"].as_str().unwrap();
    for (case_name, args) in CASE_ARGS {
        if *case_name == name {
            argv.extend_from_slice(args);
        }
    }
    argv.extend(inputs.iter().map(String::as_str));
    let (code, stdout, stderr) = run(&argv);
    assert_eq!(code, 0, "{name}: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    report["diagnostics"].as_array().unwrap().clone()
}

/// Whether `d` is about the resource `key` (`Kind ns/name`).
fn names(d: &serde_json::Value, key: &str) -> bool {
    let o = &d["object"];
    let own = format!(
        "{} {}/{}",
        o["kind"].as_str().unwrap_or("?"),
        o["namespace"].as_str().unwrap_or(""),
        o["name"].as_str().unwrap_or("?")
    );
    let bare = own.replacen(" /", " default/", 1);
    if own == key || bare == key {
        return true;
    }
    let (kind, qualified) = key.split_once(' ').unwrap_or((key, ""));
    let message = d["message"].as_str().unwrap_or("");
    message.contains(&format!("{kind} `{qualified}`"))
        || message.contains(&format!("{kind} `{}`", qualified.trim_start_matches('/')))
}

#[test]
fn recall_per_istioctl_code() {
    let Ok(text) = std::fs::read_to_string(corpus().join("cases.json")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have shared/ beside the repository"
        );
        eprintln!("peer suite not run: {} not found", corpus().display());
        return;
    };
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let declared = declared();
    // code -> (expected, found, deliberate)
    let mut per_code: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut missed = Vec::new();
    let mut stale = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let wanted: Vec<(&str, String)> = case["expected"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                let code = e["code"].as_str()?;
                declared.contains_key(code).then(|| (code, expected_key(e)))
            })
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let found = lint(case);
        for (code, key) in wanted {
            let entry = per_code.entry(code.to_owned()).or_default();
            entry.0 += 1;
            let rules = &declared[code];
            let hit = found
                .iter()
                .any(|d| rules.contains(d["code"].as_str().unwrap_or("")) && names(d, &key));
            let deliberate = DELIBERATE
                .iter()
                .any(|(c, ist, r, _)| *c == name && *ist == code && *r == key);
            if hit {
                entry.1 += 1;
                if deliberate {
                    stale.push(format!("{name}: {code} {key}"));
                }
                continue;
            }
            if DELIBERATE
                .iter()
                .any(|(c, ist, r, _)| *c == name && *ist == code && *r == key)
            {
                entry.2 += 1;
                continue;
            }
            missed.push(format!("{name}: {code} {key} (rules {rules:?})"));
        }
    }
    let (mut expected, mut hits, mut deliberate) = (0, 0, 0);
    println!("code     found/expected (deliberate)  rules");
    for (code, (e, f, d)) in &per_code {
        println!("{code}  {f:>3}/{e:<3} ({d})  {:?}", declared[code]);
        expected += e;
        hits += f;
        deliberate += d;
    }
    println!(
        "overall: {hits}/{expected} found, {deliberate} deliberate differences, recall {:.1}% ({:.1}% of the rest)",
        100.0 * hits as f64 / expected.max(1) as f64,
        100.0 * hits as f64 / (expected - deliberate).max(1) as f64
    );
    for m in &missed {
        println!("missed: {m}");
    }
    assert!(expected > 0, "no mapped code in the peer cases");
    assert!(
        hits * 100 >= (expected - deliberate) * 95,
        "recall {hits}/{} below 95%; missed:\n{}",
        expected - deliberate,
        missed.join("\n")
    );
    // Every deliberate difference must still be one: a rule that starts reporting it should
    // take it off the list.
    assert!(
        stale.is_empty(),
        "found, so no longer deliberate differences:\n{}",
        stale.join("\n")
    );
    for (case, code, resource, why) in DELIBERATE {
        assert!(!why.is_empty(), "{case}: {resource}: say why");
        assert!(
            declared.contains_key(*code),
            "{case}: {code} is no longer mapped"
        );
    }
}

/// Every code istioctl can print is in the parity table exactly once: covered, out of scope
/// or not yet.
#[test]
fn parity_table_lists_every_istioctl_code() {
    let Ok(text) = std::fs::read_to_string(corpus().join("messages.json")) else {
        return;
    };
    let messages: serde_json::Value = serde_json::from_str(&text).unwrap();
    let istioctl: BTreeSet<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["code"].as_str())
        .collect();
    use mesh_lint::rules::istioctl::{COVERED, NOT_YET, OUT_OF_SCOPE};
    let ours: BTreeSet<&str> = COVERED
        .iter()
        .map(|c| c.code)
        .chain(OUT_OF_SCOPE.iter().map(|c| c.code))
        .chain(NOT_YET.iter().map(|c| c.code))
        .collect();
    assert_eq!(istioctl, ours);
}
