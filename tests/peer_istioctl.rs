//! The peer suite: istioctl analyze's own analyzer test cases (`shared/corpus/istioctl-analyze`)
//! run through mesh-lint for the analyzers whose ground mesh-lint's rules cover. A case agrees
//! when mesh-lint flags the same resources, as many times, as istioctl expects. Differences
//! mesh-lint makes on purpose are listed with their reason, so the table stays honest.

mod common;

use common::{root, run};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// istioctl analyzer → the mesh-lint flags that cover it.
const MAPPINGS: &[(&str, &[&str])] = &[
    // IST0118/IST0150. IST0150's ExternalName hazard only exists up to Istio 1.20 (§6.4), and
    // its `tcp`-named port is MESH103's catch-all listener, not a naming problem.
    (
        "service.PortNameAnalyzer",
        &["--select", "MESH101", "--istio-version", "1.20"],
    ),
];

/// `(case, resource)` pairs where mesh-lint deliberately disagrees, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "ExternalNameServiceTypeInvalidPortName",
    "Service nginx-ns3/nginx-svc3",
    "a port named exactly `tcp` declares its protocol; the hazard istioctl means is the catch-all listener (MESH103)",
)];

fn corpus() -> PathBuf {
    root().join("../shared/corpus/istioctl-analyze")
}

type Resources = BTreeMap<String, usize>;

fn expected(case: &serde_json::Value) -> Resources {
    let mut out = Resources::new();
    for e in case["expected"].as_array().unwrap() {
        let ns = e["namespace"].as_str().unwrap_or("");
        let key = format!(
            "{} {}/{}",
            e["kind"].as_str().unwrap(),
            ns,
            e["resourceName"].as_str().unwrap()
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

fn flagged(case: &serde_json::Value, args: &[&str]) -> Resources {
    let inputs: Vec<String> = case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            corpus()
                .join("testdata")
                .join(i.as_str().unwrap())
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut argv: Vec<&str> = vec!["-o", "json", "--fail-on", "never"];
    argv.extend_from_slice(args);
    argv.extend(inputs.iter().map(String::as_str));
    let (code, stdout, stderr) = run(&argv);
    assert_eq!(code, 0, "{}: {stderr}", case["name"]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut out = Resources::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let o = &d["object"];
        // istioctl's harness applies no default namespace; compare namespace-less objects bare.
        let ns = o["namespace"].as_str().unwrap_or("");
        let key = format!(
            "{} {}/{}",
            o["kind"].as_str().unwrap_or("?"),
            ns,
            o["name"].as_str().unwrap_or("?")
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

#[test]
fn agrees_with_istioctl_analyze_where_rules_overlap() {
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(corpus().join("cases.json")).expect("shared/ beside the repo"),
    )
    .unwrap();
    let mut report = Vec::new();
    let mut disagreements = Vec::new();
    for case in &cases {
        let analyzers: Vec<&str> = case["analyzers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        let Some((_, args)) = MAPPINGS.iter().find(|(a, _)| analyzers.contains(a)) else {
            continue;
        };
        let name = case["name"].as_str().unwrap();
        let want = expected(case);
        let mut got = flagged(case, args);
        let mut want = want;
        for (case_name, resource, _why) in KNOWN_DIFFERENCES {
            if *case_name == name {
                want.remove(*resource);
                got.remove(*resource);
            }
        }
        let agree = want == got;
        report.push(format!("{} {name}", if agree { "agree" } else { "DIFFER" }));
        if !agree {
            disagreements.push(format!("{name}: istioctl {want:?}, mesh-lint {got:?}"));
        }
    }
    println!("{}", report.join("\n"));
    assert!(!report.is_empty(), "no peer case ran");
    assert!(
        disagreements.is_empty(),
        "disagreements:\n{}",
        disagreements.join("\n")
    );
}
