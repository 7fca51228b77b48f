//! The Scoping issue's Done-when items, through the binary: Sidecar scope (MESH201), exportTo
//! defaults and validation (MESH202, MESH203), conflicting Sidecars (MESH204), and the
//! scenario of a root-namespace default Sidecar in a root namespace set by MeshConfig.

mod common;

use common::{mesh_lint, run_json};
use serde_json::Value;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

fn findings(report: &Value, code: &str) -> Vec<Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .cloned()
        .collect()
}

/// Lints `files` (name, text) written to a temporary directory; paths in the report are
/// relative to it.
fn lint_files(files: &[(&str, &str)], args: &[&str]) -> (i32, Value, TempDir) {
    let dir = TempDir::new().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let (code, report) = lint_in(dir.path(), args);
    (code, report, dir)
}

fn lint_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = mesh_lint()
        .current_dir(dir)
        .args(["-o", "json", "--fail-on", "info"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

const SHOP: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders, namespace: shop}
spec:
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders, tier: backend}}
    spec: {containers: [{name: orders, image: shop/orders:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec: {containers: [{name: cart, image: shop/cart:1}]}
";

#[test]
fn injected_namespace_without_sidecar_is_reported_once_on_its_namespace() {
    let (code, report, _dir) = lint_files(&[("shop.yaml", SHOP)], &["--select", "MESH201"]);
    assert_eq!(code, 1);
    let found = findings(&report, "MESH201");
    assert_eq!(found.len(), 1, "{report:#}");
    let d = &found[0];
    assert_eq!(d["object"]["kind"], "Namespace");
    assert_eq!(d["object"]["name"], "shop");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        (d["start"]["line"].as_u64(), d["start"]["column"].as_u64()),
        (Some(4), Some(9))
    );
    assert!(
        d["message"].as_str().unwrap().contains("2 workloads"),
        "{d:#}"
    );
    // The deciding label is cited, and the display fix holds the Sidecar to add.
    assert!(
        d["notes"].to_string().contains("istio-injection: enabled"),
        "{d:#}"
    );
    assert_eq!(d["fix"]["applicability"], "display");
}

#[test]
fn selector_less_sidecar_in_the_root_namespace_silences_it_everywhere() {
    let billing = "apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: billing}
spec:
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger, sidecar.istio.io/inject: \"true\"}}
    spec: {containers: [{name: ledger, image: ledger:1}]}
";
    let (_, report, _dir) = lint_files(
        &[("shop.yaml", SHOP), ("billing.yaml", billing)],
        &["--select", "MESH201"],
    );
    assert_eq!(findings(&report, "MESH201").len(), 2, "{report:#}");

    let root_default = "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  egress: [{hosts: [\"./*\", \"istio-system/*\"]}]
";
    let (code, report, _dir) = lint_files(
        &[
            ("shop.yaml", SHOP),
            ("billing.yaml", billing),
            ("default.yaml", root_default),
        ],
        &["--select", "MESH201"],
    );
    assert_eq!(
        (code, findings(&report, "MESH201").len()),
        (0, 0),
        "{report:#}"
    );

    // With a selector it is no default: it only scopes istio-system's own workloads.
    let with_selector = root_default.replace(
        "spec:\n",
        "spec:\n  workloadSelector: {labels: {app: istiod}}\n",
    );
    let (_, report, _dir) = lint_files(
        &[("shop.yaml", SHOP), ("default.yaml", &with_selector)],
        &["--select", "MESH201,MESH205"],
    );
    assert_eq!(findings(&report, "MESH201").len(), 1, "{report:#}");
    assert_eq!(findings(&report, "MESH205").len(), 1, "{report:#}");
}

#[test]
fn root_namespace_set_by_meshconfig_in_the_inputs() {
    let scenario = "testdata/scenarios/root-namespace-default";
    let (code, report) = run_json(&["--fail-on", "info", "--select", "MESH2", scenario]);
    assert_eq!(code, 0, "{report:#}");

    // The same Sidecar in istio-system is not the default once the root is istio-config.
    let dir = TempDir::new().unwrap();
    let platform = fs::read_to_string(format!("{scenario}/platform/istio.yaml")).unwrap();
    let moved = platform.replace(
        "  name: default\n  namespace: istio-config",
        "  name: default\n  namespace: istio-system",
    );
    assert_ne!(moved, platform);
    fs::write(dir.path().join("istio.yaml"), moved).unwrap();
    for team in ["shop", "billing"] {
        let text = fs::read_to_string(format!("{scenario}/teams/{team}.yaml")).unwrap();
        fs::write(dir.path().join(format!("{team}.yaml")), text).unwrap();
    }
    let (_, report) = lint_in(dir.path(), &["--select", "MESH201"]);
    let found = findings(&report, "MESH201");
    assert_eq!(found.len(), 2, "{report:#}");
    assert!(
        found[0]["notes"].to_string().contains("`istio-config`"),
        "{report:#}"
    );
}

const SERVICE_ENTRY: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: payments-api
  namespace: shop
spec:
  hosts:
    - api.payments.example
  ports:
    - number: 443
      name: tls
      protocol: TLS
  resolution: DNS
";

#[test]
fn serviceentry_without_export_to_is_a_warning_unless_meshconfig_says_dot() {
    let (code, report, dir) = lint_files(&[("se.yaml", SERVICE_ENTRY)], &["--select", "MESH202"]);
    assert_eq!(code, 1);
    let found = findings(&report, "MESH202");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["severity"], "warning");

    fs::write(
        dir.path().join("mesh.yaml"),
        "defaultServiceExportTo: [\".\"]\n",
    )
    .unwrap();
    let out = mesh_lint()
        .current_dir(dir.path())
        .args([
            "-o",
            "json",
            "--select",
            "MESH202",
            "--mesh-config",
            "mesh.yaml",
            "se.yaml",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&report, "MESH202").len(), 0, "{report:#}");
    assert_eq!(out.status.code(), Some(0));

    // The same from the `istio` ConfigMap among the inputs.
    let cm = "apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultServiceExportTo:
      - \".\"
";
    let (_, report, _dir) = lint_files(
        &[("se.yaml", SERVICE_ENTRY), ("istio.yaml", cm)],
        &["--select", "MESH202"],
    );
    assert_eq!(findings(&report, "MESH202").len(), 0, "{report:#}");
}

#[test]
fn unsafe_fix_adds_export_to_and_the_finding_is_gone() {
    let (_, _, dir) = lint_files(&[("se.yaml", SERVICE_ENTRY)], &["--select", "MESH202"]);
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(["--select", "MESH202", "--fix", "--unsafe-fixes", "se.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = fs::read_to_string(dir.path().join("se.yaml")).unwrap();
    assert_eq!(
        fixed,
        SERVICE_ENTRY.replace("spec:\n  hosts:", "spec:\n  exportTo: [\".\"]\n  hosts:")
    );
    let (code, report) = lint_in(dir.path(), &["--select", "MESH2"]);
    assert_eq!(
        (code, findings(&report, "MESH202").len()),
        (0, 0),
        "{report:#}"
    );
}

#[test]
fn none_and_a_namespace_on_a_virtualservice_is_an_error_at_that_field() {
    let vs = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: orders
  namespace: shop
spec:
  exportTo: [\"~\", \"orders\"]
  hosts: [orders.shop.svc.cluster.local]
";
    let (code, report, _dir) = lint_files(&[("vs.yaml", vs)], &["--select", "MESH203"]);
    assert_eq!(code, 1);
    let found = findings(&report, "MESH203");
    assert_eq!(found.len(), 1, "{report:#}");
    let d = &found[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["start"]["line"], 7);
    assert_eq!(d["start"]["column"], 14, "the `~` entry of exportTo");
    assert!(d["message"].as_str().unwrap().contains("`~`"));
}

const TWO_DEFAULTS: &str = "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: shop
spec:
  egress: [{hosts: [\"./*\"]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: legacy
  namespace: shop
spec:
  egress: [{hosts: [\"*/*\"]}]
";

#[test]
fn two_selector_less_sidecars_are_both_reported_each_pointing_at_the_other() {
    let (code, report, _dir) = lint_files(&[("sc.yaml", TWO_DEFAULTS)], &["--select", "MESH204"]);
    assert_eq!(code, 1);
    let found = findings(&report, "MESH204");
    assert_eq!(found.len(), 2, "{report:#}");
    let line = |d: &Value| d["start"]["line"].as_u64().unwrap();
    let related_line = |d: &Value| d["related"][0]["start"]["line"].as_u64().unwrap();
    assert_eq!(found[0]["object"]["name"], "default");
    assert_eq!(found[1]["object"]["name"], "legacy");
    assert_eq!(related_line(&found[0]), line(&found[1]));
    assert_eq!(related_line(&found[1]), line(&found[0]));
    assert!(found[0]["message"].as_str().unwrap().contains("`legacy`"));
    assert!(found[1]["message"].as_str().unwrap().contains("`default`"));
}

#[test]
fn two_sidecars_selecting_one_deployments_pod_template_are_reported() {
    let sidecars = "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: orders, namespace: shop}
spec:
  workloadSelector: {labels: {app: orders}}
  egress: [{hosts: [\"./*\"]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: backends, namespace: shop}
spec:
  workloadSelector: {labels: {tier: backend}}
  egress: [{hosts: [\"./*\"]}]
";
    let (code, report, _dir) = lint_files(
        &[("shop.yaml", SHOP), ("sc.yaml", sidecars)],
        &["--select", "MESH204"],
    );
    assert_eq!(code, 1);
    let found = findings(&report, "MESH204");
    assert_eq!(found.len(), 2, "{report:#}");
    for d in &found {
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains("Deployment `shop/orders`"),
            "{d:#}"
        );
        let files: Vec<&str> = d["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["file"].as_str().unwrap())
            .collect();
        assert!(
            files.contains(&"shop.yaml"),
            "the pod template is cited: {d:#}"
        );
    }
}

#[test]
fn injection_config_key_is_validated_and_used() {
    let billing = "apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: billing}
spec:
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec: {containers: [{name: ledger, image: ledger:1}]}
";
    // Unknown namespace, no config: nothing is known, nothing reported.
    let (_, report, dir) = lint_files(&[("billing.yaml", billing)], &["--select", "MESH201"]);
    assert_eq!(findings(&report, "MESH201").len(), 0, "{report:#}");

    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "injection:\n  namespaces:\n    billing: sidecar\n",
    )
    .unwrap();
    let (_, report) = lint_in(dir.path(), &["--select", "MESH201"]);
    let found = findings(&report, "MESH201");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0]["notes"]
            .to_string()
            .contains("injection.namespaces.billing: sidecar"),
        "{report:#}"
    );

    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "injection:\n  default: enabled\n",
    )
    .unwrap();
    let out = mesh_lint()
        .current_dir(dir.path())
        .arg(".")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("enabled") && stderr.contains(":2:12"),
        "{stderr}"
    );
}

#[test]
fn istioctl_suppressions_for_ist0111_silence_mesh204() {
    let suppressed = TWO_DEFAULTS.replacen(
        "  name: legacy\n",
        "  name: legacy\n  annotations:\n    galley.istio.io/analyze-suppress: IST0111\n",
        1,
    );
    let (_, report, _dir) = lint_files(&[("sc.yaml", &suppressed)], &["--select", "MESH204"]);
    let found = findings(&report, "MESH204");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["object"]["name"], "default");
}

#[test]
fn copies_of_one_sidecar_in_two_files_do_not_conflict() {
    // The same Sidecar in an overlay and in a rendered bundle: `kubectl apply` of both leaves
    // one object, so there is nothing to compete with.
    let one = "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: [\"./*\"]}]
";
    let (code, report, _dir) = lint_files(
        &[("a.yaml", one), ("b.yaml", one)],
        &["--select", "MESH204"],
    );
    assert_eq!(
        (code, findings(&report, "MESH204").len()),
        (0, 0),
        "{report:#}"
    );
}

/// A ServiceEntry imported through a Sidecar egress listener bound to its second port is
/// imported all the same: every port counts, not the first.
#[test]
fn serviceentry_imported_on_its_second_port_names_the_importer() {
    let se = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: api, namespace: payments}\nspec:\n  hosts: [api.example.com]\n  location: MESH_EXTERNAL\n  resolution: DNS\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 443, name: https, protocol: HTTPS}\n";
    let root = "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: istio-system}\nspec:\n  egress: [{hosts: [\"./*\", \"istio-system/*\"]}]\n";
    let web = "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: web, namespace: web}\nspec:\n  egress:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [\"payments/*\"]\n";
    let (_, report, _dir) = lint_files(
        &[("se.yaml", se), ("root.yaml", root), ("web.yaml", web)],
        &["--select", "MESH202"],
    );
    let found = findings(&report, "MESH202");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["severity"], "warning", "{report:#}");
    let notes = found[0]["notes"].to_string();
    assert!(notes.contains("`web`"), "{notes}");
}

/// MESH201 counts the workloads injected on evidence, whatever their order in the inputs.
#[test]
fn missing_sidecar_count_does_not_depend_on_input_order() {
    let plain = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: a}]}\n";
    let opted = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b, namespace: shop}\nspec:\n  selector: {matchLabels: {app: b}}\n  template:\n    metadata: {labels: {app: b, sidecar.istio.io/inject: \"true\"}}\n    spec: {containers: [{name: b, image: b}]}\n";
    let messages = |first: &str, second: &str| {
        let (_, report, _dir) = lint_files(
            &[("1.yaml", first), ("2.yaml", second)],
            &["--select", "MESH201"],
        );
        findings(&report, "MESH201")
            .iter()
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let forward = messages(plain, opted);
    assert_eq!(forward, messages(opted, plain));
    assert_eq!(forward.len(), 1, "{forward:?}");
    assert!(forward[0].contains('b'), "{forward:?}");
}
