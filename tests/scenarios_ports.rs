//! The Ports-and-protocols issue's Done-when items, through the binary, on the scenarios in
//! `testdata/scenarios/` (the seeds' Hazelcast mesh and its remedies, Kafka, ArgoCD).

mod common;

use common::{mesh_lint, run, run_json};
use serde_json::Value;
use std::fs;
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

fn lint(args: &[&str]) -> (i32, Value) {
    run_json(args)
}

#[test]
fn externalname_on_1_20_is_an_error_on_the_port_naming_the_victim() {
    let (exit, report) = lint(&["--istio-version", "1.20", "testdata/scenarios/hazelcast"]);
    assert_eq!(exit, 1);
    let found = findings(&report, "MESH103");
    assert_eq!(found.len(), 1, "{report:#}");
    let d = &found[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "testdata/scenarios/hazelcast/app/app-ext.yaml");
    assert_eq!(d["start"]["line"], 17);
    assert_eq!(d["start"]["column"], 13);
    assert_eq!(d["object"]["name"], "app-ext");
    let related = d["related"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(
        related[0]["file"],
        "testdata/scenarios/hazelcast/manager/hazelcast.yaml"
    );
    assert_eq!(related[0]["start"]["line"], 37);
    assert!(d["notes"].to_string().contains("manager/hazelcast"));
}

#[test]
fn human_report_shows_both_files() {
    let (_, out, _) = run(&[
        "--color",
        "never",
        "--istio-version",
        "1.20",
        "testdata/scenarios/hazelcast",
    ]);
    assert!(
        out.contains("testdata/scenarios/hazelcast/app/app-ext.yaml:17:13"),
        "{out}"
    );
    assert!(
        out.contains("testdata/scenarios/hazelcast/manager/hazelcast.yaml:37:13"),
        "{out}"
    );
    assert!(out.contains("MESH103"), "{out}");
}

#[test]
fn externalname_versions_and_alias_flag() {
    for (version, expected) in [("1.19", 1), ("1.20", 1), ("1.21", 0), ("1.24", 0)] {
        let (_, report) = lint(&["--istio-version", version, "testdata/scenarios/hazelcast"]);
        assert_eq!(
            findings(&report, "MESH103").len(),
            expected,
            "Istio {version}"
        );
    }
    let (_, report) = lint(&["testdata/scenarios/hazelcast"]);
    assert!(findings(&report, "MESH103").is_empty(), "default version");

    // 1.22 with ENABLE_EXTERNAL_NAME_ALIAS=false from the config file.
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "external-name-alias: false\n",
    )
    .unwrap();
    let scenario = common::root().join("testdata/scenarios/hazelcast");
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(["-o", "json", "--istio-version", "1.22"])
        .arg(&scenario)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&report, "MESH103").len(),
        1,
        "1.22 with the alias off"
    );
}

#[test]
fn version_is_read_from_an_istiod_image() {
    let dir = TempDir::new().unwrap();
    let scenario = common::root().join("testdata/scenarios/hazelcast");
    fs::write(
        dir.path().join("istiod.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: istiod\n  namespace: istio-system\nspec:\n  template:\n    spec:\n      containers:\n        - name: discovery\n          image: docker.io/istio/pilot:1.20.3\n",
    )
    .unwrap();
    let out = mesh_lint()
        .args(["-o", "json"])
        .arg(&scenario)
        .arg(dir.path().join("istiod.yaml"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&report, "MESH103").len(), 1);
}

#[test]
fn address_less_serviceentry_reports_on_every_version() {
    for version in ["1.18", "1.20", "1.24", "1.30"] {
        let (_, report) = lint(&[
            "--istio-version",
            version,
            "testdata/scenarios/hazelcast-serviceentry",
        ]);
        let found = findings(&report, "MESH103");
        assert_eq!(found.len(), 1, "Istio {version}");
        assert_eq!(found[0]["severity"], "error");
        assert_eq!(found[0]["object"]["kind"], "ServiceEntry");
    }
}

#[test]
fn remedies_leave_no_error_on_any_version() {
    for scenario in [
        "hazelcast-exportto",
        "hazelcast-no-port",
        "hazelcast-virtualservice",
        "hazelcast-workload-sidecar",
        "hazelcast-serviceentry-passthrough",
    ] {
        for version in ["1.19", "1.20", "1.30"] {
            let path = format!("testdata/scenarios/{scenario}");
            let (_, report) = lint(&[
                "--istio-version",
                version,
                "--select",
                "MESH103,MESH104",
                &path,
            ]);
            let diagnostics = report["diagnostics"].as_array().unwrap();
            // exportTo leaves the catch-all in `app`'s own sidecars, a workload Sidecar leaves
            // it in the other proxies of `manager`: a warning, never an error.
            let allowed = |d: &serde_json::Value| {
                matches!(
                    scenario,
                    "hazelcast-exportto" | "hazelcast-workload-sidecar"
                ) && d["code"] == "MESH103"
                    && d["severity"] == "warning"
            };
            assert!(
                diagnostics.iter().all(allowed),
                "{scenario} on {version}: {report:#}"
            );
        }
    }
}

/// The workload Sidecar clears the error only on versions where the ExternalName port is a
/// catch-all at all, and only for the pods it selects.
#[test]
fn workload_sidecar_scopes_the_pod_ip_talkers() {
    let (_, report) = lint(&[
        "--istio-version",
        "1.20",
        "testdata/scenarios/hazelcast-workload-sidecar",
    ]);
    let found = findings(&report, "MESH103");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["severity"], "warning");
    assert!(found[0]["related"].as_array().unwrap().is_empty());
}

/// Resolution NONE is passthrough on every version: no catch-all, no listener conflict.
#[test]
fn passthrough_serviceentry_is_no_hijack() {
    for version in ["1.18", "1.24", "1.30"] {
        let (_, report) = lint(&[
            "--istio-version",
            version,
            "testdata/scenarios/hazelcast-serviceentry-passthrough",
        ]);
        assert!(findings(&report, "MESH103").is_empty(), "{report:#}");
        assert!(findings(&report, "MESH104").is_empty(), "{report:#}");
    }
}

#[test]
fn headless_victims_are_no_error() {
    let (_, report) = lint(&["testdata/scenarios/kafka"]);
    let found = findings(&report, "MESH103");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "warning");
    assert!(found[0]["related"].as_array().unwrap().is_empty());
}

#[test]
fn argocd_multiplexed_port_is_mesh102() {
    let (_, report) = lint(&["testdata/scenarios/argocd"]);
    let found = findings(&report, "MESH102");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "error");
    assert_eq!(found[0]["start"]["line"], 34);
}

#[test]
fn shared_tcp_port_is_info_and_does_not_fail_by_default() {
    let (exit, report) = lint(&["--select", "MESH105", "testdata/MESH105-shared-tcp-port"]);
    assert_eq!(findings(&report, "MESH105")[0]["severity"], "info");
    assert_eq!(exit, 0);
    let (exit, _) = lint(&[
        "--select",
        "MESH105",
        "--fail-on",
        "info",
        "testdata/MESH105-shared-tcp-port",
    ]);
    assert_eq!(exit, 1);
}

/// The unsafe exportTo fix, applied to a copy, leaves the file free of that MESH103.
#[test]
fn export_to_fix_applies_once() {
    let cases = [
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-ext\n  namespace: app\nspec:\n  type: ExternalName\n  externalName: h.example.com\n  ports:\n    - name: tcp-h\n      port: 5701\n"),
        ("svc-annotated.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-ext\n  namespace: app\n  annotations:\n    team: x\nspec:\n  type: ExternalName\n  externalName: h.example.com\n  ports:\n    - name: tcp-h\n      port: 5701\n"),
        ("se.yaml", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: c\n  namespace: app\nspec:\n  hosts: [c.example.com]\n  resolution: DNS\n  ports:\n    - {number: 5701, name: tcp-c, protocol: TCP}\n"),
        ("se-flow.yaml", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: c, namespace: app}\nspec: {hosts: [c.example.com], exportTo: ['*'], resolution: DNS, ports: [{number: 5701, name: tcp-c}]}\n"),
    ];
    for (name, text) in cases {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();
        let (_, before) = lint(&["--istio-version", "1.20", "--select", "MESH103", path]);
        assert_eq!(findings(&before, "MESH103").len(), 1, "{name} before");
        let (_, _, stderr) = run(&[
            "--istio-version",
            "1.20",
            "--select",
            "MESH103",
            "--fix",
            "--unsafe-fixes",
            path,
        ]);
        let fixed = fs::read_to_string(path).unwrap();
        assert!(fixed.contains("exportTo"), "{name}: {fixed}\n{stderr}");
        let (_, after) = lint(&[
            "--istio-version",
            "1.20",
            "--select",
            "MESH001,MESH002,MESH103",
            path,
        ]);
        // What remains is the catch-all in the owner's own namespace: a warning with no fix left
        // to apply, so a second `--fix` changes nothing.
        for d in after["diagnostics"].as_array().unwrap() {
            assert_eq!(
                (&d["code"], &d["severity"]),
                (&"MESH103".into(), &"warning".into()),
                "{name}: {d:#}"
            );
            assert!(
                d["fix"].is_null(),
                "{name}: the fix must not apply twice: {d:#}"
            );
        }
        insta::assert_snapshot!(format!("export_to_fix__{name}"), fixed);
    }
}
