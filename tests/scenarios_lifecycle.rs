//! The Workload-lifecycle issue's Done-when items, through the binary: the scenario mesh in
//! `testdata/scenarios/lifecycle/` (every MESH4xx rule but the opt-in MESH411 once in
//! `broken/`, nothing in its `remedied/` twin) and small meshes written to a temporary
//! directory.

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

fn codes(report: &Value) -> Vec<String> {
    let mut c: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

/// Lints `dir` (run from the repository root for relative paths elsewhere).
fn lint_dir(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all: Vec<&str> = Vec::new();
    all.extend_from_slice(args);
    let d = dir.to_str().unwrap();
    all.push(d);
    run_json(&all)
}

const DEPLOYMENT_HOLD_ON_METADATA: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
  annotations:
    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'
    team: payments
spec:
  selector:
    matchLabels:
      app: checkout
  template:
    metadata:
      labels:
        app: checkout
      annotations:
        proxy.istio.io/config: '{\"concurrency\": 2}'
    spec:
      containers:
      - name: checkout
        image: shop/checkout:1.4
";

#[test]
fn scenario_fires_every_rule_once_and_its_twin_is_silent() {
    let (exit, report) = run_json(&["--select", "MESH4", "testdata/scenarios/lifecycle/broken"]);
    assert_eq!(exit, 1);
    // MESH411 is opt-in: `MESH4` does not select it.
    let expected: Vec<String> = (401..=415)
        .filter(|n| *n != 411)
        .map(|n| format!("MESH{n}"))
        .collect();
    assert_eq!(codes(&report), expected, "{report:#}");

    let (exit, report) = run_json(&["--select", "MESH4", "testdata/scenarios/lifecycle/remedied"]);
    assert_eq!((exit, codes(&report)), (0, vec![]), "{report:#}");
}

#[test]
fn hold_on_deployment_metadata_is_misplaced_and_not_held_and_the_fix_moves_it() {
    let (_, report) = run_json(&[
        "testdata/scenarios/lifecycle/broken/shop/checkout.yaml",
        "--native-sidecars",
        "false",
    ]);
    let misplaced = findings(&report, "MESH402");
    assert_eq!(misplaced.len(), 1, "{report:#}");
    assert_eq!(misplaced[0]["start"]["line"], 8);
    assert_eq!(misplaced[0]["start"]["column"], 5);
    assert_eq!(misplaced[0]["object"]["kind"], "Deployment");
    let hold = findings(&report, "MESH401");
    assert_eq!(hold.len(), 1, "{report:#}");
    assert_eq!(hold[0]["object"]["name"], "checkout");
    assert!(hold[0]["related"]
        .to_string()
        .contains("only on the pod template"));

    // The fix moves the annotation into the pod template, merged with what is there.
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("checkout.yaml");
    fs::write(&path, DEPLOYMENT_HOLD_ON_METADATA).unwrap();
    let out = mesh_lint()
        .args(["--fix", "--unsafe-fixes", "--native-sidecars", "false"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.code().is_some());
    let fixed = fs::read_to_string(&path).unwrap();
    assert_eq!(
        fixed,
        DEPLOYMENT_HOLD_ON_METADATA
            .replace(
                "    proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n",
                ""
            )
            .replace(
                "'{\"concurrency\": 2}'",
                "'{\"holdApplicationUntilProxyStarts\": true, \"concurrency\": 2}'"
            )
    );
    let (exit, report) = lint_dir(dir.path(), &["--native-sidecars", "false"]);
    assert_eq!((exit, codes(&report)), (0, vec![]), "{report:#}");
}

#[test]
fn fix_creates_the_template_annotation_when_missing() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("d.yaml");
    let text = DEPLOYMENT_HOLD_ON_METADATA.replace(
        "      annotations:\n        proxy.istio.io/config: '{\"concurrency\": 2}'\n",
        "",
    );
    fs::write(&path, &text).unwrap();
    mesh_lint()
        .args(["--fix", "--unsafe-fixes", "--native-sidecars", "false"])
        .arg(&path)
        .output()
        .unwrap();
    let fixed = fs::read_to_string(&path).unwrap();
    assert!(
        fixed.contains("    metadata:\n      annotations:\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n      labels:\n"),
        "{fixed}"
    );
    let (exit, report) = lint_dir(dir.path(), &["--native-sidecars", "false"]);
    assert_eq!((exit, codes(&report)), (0, vec![]), "{report:#}");
}

#[test]
fn misspelt_hold_field_is_invalid_and_names_the_field() {
    let (_, report) =
        run_json(&["testdata/MESH403-invalid-istio-annotation/invalid-proxy-config-typo.yaml"]);
    let found = findings(&report, "MESH403");
    assert_eq!(found.len(), 1, "{report:#}");
    let d = &found[0];
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `holdApplicationUntilProxyStarts`"));
    // Points at the misspelt key inside the annotation's value.
    assert_eq!(d["start"]["line"], 11);
    assert_eq!(d["start"]["column"], 34);
    assert_eq!(d["fix"]["applicability"], "display");
}

const PROBED_API: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: {istio-injection: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: payments}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations:
        sidecar.istio.io/rewriteAppHTTPProbers: \"false\"
    spec:
      containers:
      - name: api
        image: payments/api:7
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
";

const STRICT_NAMESPACE: &str = "\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: payments}
spec:
  mtls: {mode: STRICT}
";

#[test]
fn probe_rewrite_off_is_an_error_only_under_strict_mtls() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("api.yaml"), PROBED_API).unwrap();
    let (_, report) = lint_dir(dir.path(), &["--select", "MESH404"]);
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");

    fs::write(dir.path().join("mtls.yaml"), STRICT_NAMESPACE).unwrap();
    let (exit, report) = lint_dir(dir.path(), &["--select", "MESH404"]);
    let found = findings(&report, "MESH404");
    assert_eq!((exit, found.len()), (1, 1), "{report:#}");
    assert_eq!(found[0]["severity"], "error");
    assert!(found[0]["related"].to_string().contains("mtls.yaml"));

    // A mesh-wide STRICT policy in the root namespace counts; one with a selector there does not.
    fs::write(
        dir.path().join("mtls.yaml"),
        STRICT_NAMESPACE.replace("namespace: payments", "namespace: istio-system"),
    )
    .unwrap();
    let (_, report) = lint_dir(dir.path(), &["--select", "MESH404"]);
    assert_eq!(findings(&report, "MESH404").len(), 1, "{report:#}");
    fs::write(
        dir.path().join("mtls.yaml"),
        STRICT_NAMESPACE
            .replace("namespace: payments", "namespace: istio-system")
            .replace("spec:\n", "spec:\n  selector: {matchLabels: {app: api}}\n"),
    )
    .unwrap();
    let (_, report) = lint_dir(dir.path(), &["--select", "MESH404"]);
    assert_eq!(findings(&report, "MESH404").len(), 0, "{report:#}");
}

const JOB_PORT_GID: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: ops}
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {app: backup}
        spec:
          restartPolicy: OnFailure
          securityContext: {runAsGroup: 1337}
          containers:
          - name: backup
            image: ops/backup:5
            ports: [{containerPort: 15090}]
";

#[test]
fn cronjob_reserved_port_and_gid_in_an_injected_namespace() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("backup.yaml"), JOB_PORT_GID).unwrap();
    let rules = ["--select", "MESH405,MESH406,MESH407"];
    let (_, report) = lint_dir(
        dir.path(),
        &[rules[0], rules[1], "--native-sidecars", "false"],
    );
    assert_eq!(
        codes(&report),
        ["MESH405", "MESH406", "MESH407"],
        "{report:#}"
    );
    assert_eq!(findings(&report, "MESH406")[0]["severity"], "warning");

    // Native sidecars end with the Job: forced by istiod, or per pod from 1.24.
    let (_, report) = lint_dir(
        dir.path(),
        &[rules[0], rules[1], "--native-sidecars", "true"],
    );
    assert!(findings(&report, "MESH406").is_empty(), "{report:#}");
    let native = JOB_PORT_GID.replace(
        "          labels: {app: backup}\n",
        "          labels: {app: backup}\n          annotations: {sidecar.istio.io/nativeSidecar: \"true\"}\n",
    );
    fs::write(dir.path().join("backup.yaml"), &native).unwrap();
    let (_, report) = lint_dir(dir.path(), &[rules[0], rules[1], "--istio-version", "1.24"]);
    assert!(findings(&report, "MESH406").is_empty(), "{report:#}");
    // Before 1.24 the annotation does not exist: still a classic sidecar.
    let (_, report) = lint_dir(dir.path(), &[rules[0], rules[1], "--istio-version", "1.23"]);
    assert_eq!(findings(&report, "MESH406").len(), 1, "{report:#}");

    // 1.27+ with istiod's default `auto`: not a certainty, so info.
    fs::write(dir.path().join("backup.yaml"), JOB_PORT_GID).unwrap();
    let (_, report) = lint_dir(dir.path(), &[rules[0], rules[1]]);
    assert_eq!(findings(&report, "MESH406")[0]["severity"], "info");

    // None of them in a namespace labelled `istio-injection: disabled`.
    fs::write(
        dir.path().join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ops\n  labels: {istio-injection: disabled}\n",
    )
    .unwrap();
    let (exit, report) = lint_dir(
        dir.path(),
        &["--select", "MESH4", "--native-sidecars", "false"],
    );
    assert_eq!((exit, codes(&report)), (0, vec![]), "{report:#}");
}

/// `--fix --unsafe-fixes --native-sidecars false` on `input` (one Deployment) gives `output`.
fn fixed(input: &str) -> String {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("w.yaml");
    fs::write(&path, input).unwrap();
    mesh_lint()
        .args(["--fix", "--unsafe-fixes", "--native-sidecars", "false"])
        .arg(&path)
        .output()
        .unwrap();
    let out = fs::read_to_string(&path).unwrap();
    let (exit, report) = lint_dir(
        dir.path(),
        &["--native-sidecars", "false", "--select", "MESH4"],
    );
    assert_eq!((exit, codes(&report)), (0, vec![]), "{out}\n{report:#}");
    out
}

const HEAD: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: shop\n";

#[test]
fn hold_fix_keeps_each_value_style() {
    let spec = "spec:\n  selector: {matchLabels: {app: w}}\n  template:\n";
    let tail = "    spec:\n      containers: [{name: w, image: w:1}]\n";
    // Double-quoted JSON: the inserted field is escaped for the quotes.
    let input = format!(
        "{HEAD}{spec}    metadata:\n      labels: {{app: w}}\n      annotations:\n        proxy.istio.io/config: \"{{\\\"concurrency\\\": 2}}\"\n{tail}"
    );
    assert!(fixed(&input).contains(
        "proxy.istio.io/config: \"{\\\"holdApplicationUntilProxyStarts\\\": true, \\\"concurrency\\\": 2}\""
    ));
    // An empty JSON object.
    let input = format!(
        "{HEAD}{spec}    metadata:\n      labels: {{app: w}}\n      annotations:\n        proxy.istio.io/config: '{{}}'\n{tail}"
    );
    assert!(fixed(&input)
        .contains("proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'"));
    // Quoted YAML (not JSON) becomes one flow mapping with both fields.
    let input = format!(
        "{HEAD}{spec}    metadata:\n      labels: {{app: w}}\n      annotations:\n        proxy.istio.io/config: 'concurrency: 2'\n{tail}"
    );
    assert!(fixed(&input).contains(
        "proxy.istio.io/config: '{\"concurrency\": 2, \"holdApplicationUntilProxyStarts\": true}'"
    ));
    // Flow-style template metadata without annotations.
    let input = format!("{HEAD}{spec}    metadata: {{labels: {{app: w}}}}\n{tail}");
    assert!(fixed(&input).contains(
        "metadata: {annotations: {proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'}, labels: {app: w}}"
    ));
    // CRLF line endings stay CRLF.
    let input = format!("{HEAD}{spec}    metadata:\n      labels:\n        app: w\n{tail}")
        .replace('\n', "\r\n");
    let out = fixed(&input);
    assert!(out.contains(
        "    metadata:\r\n      annotations:\r\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\r\n      labels:\r\n"
    ), "{out:?}");
    assert!(!out.replace("\r\n", "").contains('\n'));
}

#[test]
fn misplaced_annotations_and_labels_move_into_the_template() {
    let input = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: shop\n  labels:\n    app: w\n    sidecar.istio.io/inject: \"true\"\n  annotations:\n    sidecar.istio.io/proxyCPU: 500m\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata:\n      labels:\n        app: w\n      annotations:\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n    spec:\n      containers: [{name: w, image: w:1}]\n";
    let out = fixed(input);
    assert_eq!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: shop\n  labels:\n    app: w\nspec:\n  selector: {matchLabels: {app: w}}\n  template:\n    metadata:\n      labels:\n        sidecar.istio.io/inject: \"true\"\n        app: w\n      annotations:\n        sidecar.istio.io/proxyCPU: 500m\n        proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'\n    spec:\n      containers: [{name: w, image: w:1}]\n"
    );
}

/// MESH414 takes a labelled Namespace as evidence of intent only in its own directory: a team's
/// directory that labels nothing says nothing about mesh membership, whatever another
/// directory of the repository does.
#[test]
fn unlabelled_namespaces_are_judged_by_their_own_directory() {
    let dir = TempDir::new().unwrap();
    let ns = |name: &str, labels: &str| {
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n{labels}")
    };
    let deployment = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ledger, namespace: payments}\nspec:\n  selector: {matchLabels: {app: ledger}}\n  template:\n    metadata: {labels: {app: ledger}}\n    spec:\n      containers: [{name: ledger, image: payments/ledger:1}]\n";
    fs::create_dir_all(dir.path().join("shop")).unwrap();
    fs::create_dir_all(dir.path().join("payments")).unwrap();
    fs::write(
        dir.path().join("shop/ns.yaml"),
        ns("shop", "  labels: {istio-injection: enabled}\n"),
    )
    .unwrap();
    let payments = format!("{}{deployment}", ns("payments", ""));
    fs::write(dir.path().join("payments/ns.yaml"), &payments).unwrap();
    let (_, report) = lint_dir(dir.path(), &["--select", "MESH414", "--fail-on", "never"]);
    assert!(findings(&report, "MESH414").is_empty(), "{report}");
    // The same two files in one directory: `payments` is the one left out.
    fs::write(dir.path().join("shop/payments.yaml"), &payments).unwrap();
    fs::remove_file(dir.path().join("payments/ns.yaml")).unwrap();
    let (_, report) = lint_dir(dir.path(), &["--select", "MESH414", "--fail-on", "never"]);
    assert_eq!(findings(&report, "MESH414").len(), 1, "{report}");
}
