//! The Hosts issue's done-when items (MESH301–MESH307) through the binary, the Helm scenario
//! on stdin with and without `-n`, and `--fix` on a copy. Agreement with istioctl analyze's
//! IST0101 (VirtualService hosts and subsets), IST0112 and IST0174 cases is in
//! `peer_istioctl.rs`.

mod common;

use common::{mesh_lint, root, run_json};
use serde_json::Value;
use std::fs;
use tempfile::TempDir;

fn with_code<'r>(report: &'r Value, code: &str) -> Vec<&'r Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

fn stdin_json(args: &[&str], input: &str) -> Value {
    let out = mesh_lint()
        .args(["-o", "json"])
        .args(args)
        .arg("-")
        .write_stdin(input)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn short_host_in_destinationrule_gets_a_safe_fqdn_fix() {
    let file = "testdata/MESH301-short-hostname/invalid-destinationrule.yaml";
    let (code, report) = run_json(&[file]);
    assert_eq!(code, 1);
    let found = with_code(&report, "MESH301");
    assert_eq!(found.len(), 1, "{report:#}");
    let d = found[0];
    assert_eq!(d["file"], file);
    assert_eq!(d["object"]["kind"], "DestinationRule");
    assert_eq!(d["object"]["namespace"], "bookinfo");
    assert_eq!(
        (d["start"]["line"].as_u64(), d["start"]["column"].as_u64()),
        (Some(19), Some(9))
    );
    assert_eq!(d["end"]["column"], 16);
    assert_eq!(d["fix"]["applicability"], "safe");
    let edits = d["fix"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["content"], "reviews.bookinfo.svc.cluster.local");
    assert_eq!(edits[0]["start"], d["start"]);
    assert_eq!(edits[0]["end"], d["end"]);
    // The secondary label points at the Service.
    assert_eq!(d["related"][0]["start"]["line"], 4);
    assert!(d["notes"][0]
        .as_str()
        .unwrap()
        .contains("namespace of the rule"));
}

#[test]
fn fix_writes_the_fqdn_keeps_quotes_and_relints_clean() {
    let dir = TempDir::new().unwrap();
    let src = root().join("testdata/MESH301-short-hostname/invalid-virtualservice-quoted.yaml");
    let original = fs::read_to_string(&src).unwrap();
    let path = dir.path().join("vs.yaml");
    fs::write(&path, &original).unwrap();
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(["-o", "concise", "--fix", "vs.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = fs::read_to_string(&path).unwrap();
    let fqdn = "ratings.bookinfo.svc.cluster.local";
    let expected = original
        .replace("hosts: [\"ratings\"]", &format!("hosts: [\"{fqdn}\"]"))
        .replace("host: 'ratings'", &format!("host: '{fqdn}'"))
        .replace("host: ratings\n", &format!("host: {fqdn}\n"));
    assert_eq!(fixed, expected);
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(["-o", "json", "vs.yaml"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(with_code(&report, "MESH301").is_empty(), "{report:#}");
}

#[test]
fn partial_host_is_mesh302() {
    let (_, report) = run_json(&["testdata/MESH302-partial-hostname/invalid-name-namespace.yaml"]);
    let found = with_code(&report, "MESH302");
    let d = found
        .iter()
        .find(|d| d["object"]["kind"] == "DestinationRule")
        .expect("MESH302 on the DestinationRule");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["fix"]["applicability"], "unsafe");
    assert_eq!(
        d["fix"]["edits"][0]["content"],
        "ratings.bookinfo.svc.cluster.local"
    );
    assert!(with_code(&report, "MESH301").is_empty());
}

#[test]
fn short_host_in_other_namespace_is_mesh303_on_host_and_destination() {
    let file = "testdata/MESH303-host-resolves-elsewhere/invalid-frontend.yaml";
    let (code, report) = run_json(&[file]);
    assert_eq!(code, 1);
    let found = with_code(&report, "MESH303");
    let lines: Vec<_> = found
        .iter()
        .map(|d| d["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        vec![18, 22],
        "hosts entry and destination.host: {report:#}"
    );
    for d in found {
        assert_eq!(d["object"]["namespace"], "frontend");
        assert_eq!(d["fix"]["applicability"], "unsafe");
        assert_eq!(
            d["fix"]["edits"][0]["content"],
            "reviews.bookinfo.svc.cluster.local"
        );
        assert_eq!(
            d["related"][0]["start"]["line"], 4,
            "label on Service bookinfo/reviews"
        );
    }
    // Neither MESH301 (no Service in frontend) nor MESH304 (a candidate exists).
    assert!(with_code(&report, "MESH301").is_empty());
    assert!(with_code(&report, "MESH304").is_empty());
}

#[test]
fn several_candidates_get_help_but_no_edit() {
    let (_, report) =
        run_json(&["testdata/MESH303-host-resolves-elsewhere/invalid-two-candidates.yaml"]);
    let d = with_code(&report, "MESH303")[0];
    assert!(d["fix"].is_null());
    let help = d["help"].as_str().unwrap();
    assert!(
        help.contains("cache.team-a.svc.cluster.local")
            && help.contains("cache.team-b.svc.cluster.local")
    );
    assert_eq!(d["related"].as_array().unwrap().len(), 2);
}

#[test]
fn helm_output_on_stdin_without_namespace_gets_display_fixes_only_with_n() {
    let input =
        fs::read_to_string(root().join("testdata/scenarios/helm-hosts/rendered.yaml")).unwrap();
    for (args, ns) in [(vec![], "default"), (vec!["-n", "bookinfo"], "bookinfo")] {
        let report = stdin_json(&args, &input);
        let found = with_code(&report, "MESH301");
        assert_eq!(found.len(), 3, "{args:?}: {report:#}");
        let dr = found
            .iter()
            .find(|d| d["object"]["kind"] == "DestinationRule")
            .unwrap();
        assert_eq!(dr["file"], "-");
        assert_eq!(dr["source"], "reviews/templates/destinationrule.yaml");
        assert_eq!(dr["object"]["namespace"], ns);
        for d in &found {
            if args.is_empty() {
                // `default` is a guess: no edit writes it into the chart's output.
                assert!(d["fix"].is_null(), "{d:#}");
                assert!(d["help"]
                    .as_str()
                    .unwrap()
                    .contains("reviews.<namespace>.svc"));
            } else {
                assert_eq!(
                    d["fix"]["applicability"], "display",
                    "{args:?}: never safe without a written namespace"
                );
                assert_eq!(
                    d["fix"]["edits"][0]["content"],
                    format!("reviews.{ns}.svc.cluster.local")
                );
            }
            assert!(d["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains("no `metadata.namespace`")));
        }
        assert!(with_code(&report, "MESH303").is_empty());
        assert!(with_code(&report, "MESH307").is_empty());
    }
}

#[test]
fn cluster_domain_comes_from_istiod_args_unless_a_flag_sets_it() {
    let input = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n  namespace: istio-system\nspec:\n  template:\n    spec:\n      containers:\n        - name: discovery\n          image: docker.io/istio/pilot:1.24.2\n          args:\n            - discovery\n            - --domain\n            - corp.internal\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: bookinfo\nspec:\n  ports:\n    - name: http\n      port: 9080\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\n  namespace: bookinfo\nspec:\n  host: reviews\n";
    let report = stdin_json(&[], input);
    let d = with_code(&report, "MESH301")[0];
    assert_eq!(
        d["fix"]["edits"][0]["content"],
        "reviews.bookinfo.svc.corp.internal"
    );
    let report = stdin_json(&["--cluster-domain", "example.org"], input);
    let d = with_code(&report, "MESH301")[0];
    assert_eq!(
        d["fix"]["edits"][0]["content"],
        "reviews.bookinfo.svc.example.org"
    );
}

/// A gateway's proxies see only what is exported to their namespace; exporting the Service
/// there is the remedy. The gateway proxies' namespace comes from the Gateway's selector when
/// the inputs hold the gateway workload.
#[test]
fn gateway_destinations_are_judged_from_the_gateway_namespace() {
    let mesh = |export: &str| {
        format!(
            "apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: public, namespace: shop}}
spec:
  selector: {{istio: ingressgateway}}
  servers: [{{port: {{number: 80, name: http, protocol: HTTP}}, hosts: [shop.example.com]}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: istio-ingressgateway, namespace: ingress}}
spec:
  selector: {{matchLabels: {{istio: ingressgateway}}}}
  template:
    metadata: {{labels: {{istio: ingressgateway}}}}
    spec: {{containers: [{{name: istio-proxy, image: istio/proxyv2:1.26.0}}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: shop, namespace: shop}}
spec:
  hosts: [shop.example.com]
  gateways: [public]
  http: [{{route: [{{destination: {{host: web.shop.svc.cluster.local}}}}]}}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations: {{networking.istio.io/exportTo: \"{export}\"}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80}}]
"
        )
    };
    // The Gateway lives in `shop`, but its proxies run in `ingress`, which `.` does not reach.
    let report = stdin_json(&["--select", "MESH304"], &mesh("."));
    let found = with_code(&report, "MESH304");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(found[0]["message"].as_str().unwrap().contains("`ingress`"));
    // The remedy: export the Service to the gateway's namespace too.
    let report = stdin_json(&["--select", "MESH304"], &mesh(".,ingress"));
    assert!(with_code(&report, "MESH304").is_empty(), "{report:#}");
}

/// MESH307 says which DestinationRule Istio picks; exporting the defining rule to the client
/// namespace (and dropping the shadowing one) is the remedy.
#[test]
fn subset_lookup_follows_istios_destination_rule_order() {
    let file = "testdata/MESH307-unknown-subset/invalid-shadowed-by-client-namespace.yaml";
    let (_, report) = run_json(&["--select", "MESH307", file]);
    let found = with_code(&report, "MESH307");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(found[0]["notes"]
        .to_string()
        .contains("Istio picks `front/reviews-timeouts`"));
    let text = fs::read_to_string(root().join(file)).unwrap();
    let remedied = text.replace(
        "    - {name: v1, labels: {version: v1}}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService",
        "    - {name: v1, labels: {version: v1}}\n    - {name: v2, labels: {version: v2}}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService",
    );
    assert_ne!(text, remedied);
    let report = stdin_json(&["--select", "MESH307"], &remedied);
    assert!(with_code(&report, "MESH307").is_empty(), "{report:#}");
}

/// Issue 9.2: a tutorial pins its VirtualService to `tutorial` and applies the Service and
/// DestinationRule with `kubectl -n tutorial`. Nothing there is an error, with or without `-n`,
/// and no edit writes `default` into a file.
#[test]
fn unplaced_objects_beside_placed_ones_are_not_errors() {
    let dir = "testdata/scenarios/tutorial-unplaced";
    for args in [vec![dir], vec!["-n", "tutorial", dir]] {
        let (_, report) = run_json(&args);
        for code in ["MESH303", "MESH304", "MESH307"] {
            assert!(with_code(&report, code).is_empty(), "{args:?}: {report:#}");
        }
        for d in report["diagnostics"].as_array().unwrap() {
            let edits = d["fix"]["edits"].as_array().cloned().unwrap_or_default();
            assert!(
                edits
                    .iter()
                    .all(|e| !e["content"].as_str().unwrap().contains(".default.")),
                "{d:#}"
            );
        }
    }
    // Pinned everywhere to different namespaces, the same routes are errors again.
    let input = fs::read_to_string(root().join(dir).join("routing.yaml")).unwrap()
        + "\n---\n"
        + &fs::read_to_string(root().join(dir).join("apply-with-n.yaml"))
            .unwrap()
            .replace("metadata:\n", "metadata:\n  namespace: shop\n");
    let report = stdin_json(&[], &input);
    assert_eq!(with_code(&report, "MESH303").len(), 3, "{report:#}");
    assert_eq!(with_code(&report, "MESH307").len(), 2, "{report:#}");
}
