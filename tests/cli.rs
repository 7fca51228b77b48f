//! The command-line contract (cli.md): commands, formats, positions, stdin, exit codes, fixes.

mod common;

use common::{codes, mesh_lint, run, run_json};
use predicates::str::contains;
use std::fs;
use tempfile::TempDir;

const WEB_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: bookinfo\nspec:\n  ports:\n    - name: web\n      port: 9080\n";
const OK_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: ratings\n  namespace: bookinfo\nspec:\n  ports:\n    - name: http\n      port: 9080\n";

/// A directory with the `web` Service in `manifests/nested/reviews.yaml` and a clean file.
fn mesh_dir() -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join("manifests/nested")).unwrap();
    fs::write(dir.path().join("manifests/ratings.yaml"), OK_SERVICE).unwrap();
    fs::write(
        dir.path().join("manifests/nested/reviews.yaml"),
        WEB_SERVICE,
    )
    .unwrap();
    dir
}

fn in_dir(dir: &TempDir, args: &[&str]) -> (i32, String, String) {
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn web_port_is_reported_at_the_port_item_in_every_format() {
    let dir = mesh_dir();
    let (code, json, _) = in_dir(&dir, &["-o", "json", "manifests"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "MESH101");
    assert_eq!(d["file"], "manifests/nested/reviews.yaml");
    assert_eq!(d["start"]["line"], 8);
    assert_eq!(d["start"]["column"], 13);
    assert_eq!(d["start"]["offset"], WEB_SERVICE.find("web").unwrap());
    assert_eq!(d["object"]["kind"], "Service");
    assert_eq!(d["object"]["namespace"], "bookinfo");
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["warning"], 1);

    let (code, concise, _) = in_dir(&dir, &["-o", "concise", "manifests"]);
    assert_eq!(code, 1);
    assert!(
        concise.contains("manifests/nested/reviews.yaml:8:13: MESH101"),
        "{concise}"
    );

    let (code, human, _) = in_dir(&dir, &["--color", "never", "manifests"]);
    assert_eq!(code, 1);
    assert!(
        human.contains("manifests/nested/reviews.yaml:8:13"),
        "{human}"
    );
    assert!(human.contains("MESH101"), "{human}");
}

#[test]
fn exit_status_is_the_same_in_every_format() {
    let dir = mesh_dir();
    for format in ["human", "concise", "json", "sarif", "github"] {
        let (code, _, _) = in_dir(&dir, &["-o", format, "manifests"]);
        assert_eq!(code, 1, "{format}");
        let (code, _, _) = in_dir(&dir, &["-o", format, "--fail-on", "error", "manifests"]);
        assert_eq!(code, 0, "{format} --fail-on error");
        let (code, _, _) = in_dir(&dir, &["-o", format, "manifests/ratings.yaml"]);
        assert_eq!(code, 0, "{format} clean");
    }
}

#[test]
fn fail_on_levels() {
    let dir = mesh_dir();
    assert_eq!(in_dir(&dir, &["--fail-on", "never", "manifests"]).0, 0);
    assert_eq!(in_dir(&dir, &["--fail-on", "info", "manifests"]).0, 1);
    assert_eq!(in_dir(&dir, &["--fail-on", "warning", "manifests"]).0, 1);
    fs::write(dir.path().join("manifests/broken.yaml"), "a: [\n").unwrap();
    // A parse error counts as an error even when warnings do not fail the run.
    assert_eq!(in_dir(&dir, &["--fail-on", "error", "manifests"]).0, 1);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["does/not/exist.yaml"]).0, 2);
    assert_eq!(run(&["--select", "NOPE123", "testdata/demo"]).0, 2);
    assert_eq!(run(&["--istio-version", "latest", "testdata/demo"]).0, 2);
    assert_eq!(run(&["--format", "xml", "testdata/demo"]).0, 2);
    assert_eq!(run(&["explain", "MESH999"]).0, 2);
    let (code, _, stderr) = run(&["does/not/exist.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does/not/exist.yaml"), "{stderr}");
}

#[test]
fn helm_output_on_stdin_maps_to_templates() {
    let input = fs::read_to_string(common::root().join("testdata/helm/rendered.yaml")).unwrap();
    let out = mesh_lint()
        .args(["-o", "json", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "MESH101");
    assert_eq!(d["file"], "-");
    assert_eq!(d["source"], "shop/templates/service.yaml");
    assert_eq!(d["object"]["namespace"], "default");
}

#[test]
fn namespace_flag_defaults_objects_without_one() {
    let input = fs::read_to_string(common::root().join("testdata/helm/rendered.yaml")).unwrap();
    let out = mesh_lint()
        .args(["-o", "json", "-n", "shop", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["diagnostics"][0]["object"]["namespace"], "shop");
}

#[test]
fn select_and_ignore_by_code_prefix_and_name() {
    let (_, r) = run_json(&["testdata/demo"]);
    assert!(codes(&r).contains(&"MESH101".to_owned()));
    let (code, r) = run_json(&["--ignore", "MESH1", "testdata/demo"]);
    assert_eq!((code, codes(&r)), (0, vec![]));
    let (code, r) = run_json(&["--ignore", "port-name-without-protocol", "testdata/demo"]);
    assert_eq!((code, codes(&r)), (0, vec![]));
    let (_, r) = run_json(&["--select", "MESH1", "--ignore", "MESH0", "testdata/demo"]);
    assert!(!codes(&r).is_empty());
}

#[test]
fn config_file_is_found_upwards_and_unknown_keys_are_errors() {
    let dir = mesh_dir();
    fs::write(dir.path().join(".mesh-lint.yaml"), "ignore: [MESH101]\n").unwrap();
    let out = mesh_lint()
        .current_dir(dir.path().join("manifests"))
        .args(["-o", "json", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "ignore: [MESH101]\nseverty: {}\n",
    )
    .unwrap();
    let (code, _, stderr) = in_dir(&dir, &["manifests"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("severty") && stderr.contains(":2:1"),
        "{stderr}"
    );

    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "severity: {MESH101: error}\n",
    )
    .unwrap();
    let (code, json, _) = in_dir(&dir, &["-o", "json", "--fail-on", "error", "manifests"]);
    assert_eq!(code, 1);
    assert!(
        json.contains("\"severity\": \"error\"") || json.contains("\"severity\":\"error\""),
        "{json}"
    );
}

#[test]
fn fixes_apply_only_when_asked_and_keep_other_bytes() {
    let dir = TempDir::new().unwrap();
    let original = fs::read_to_string(common::root().join("testdata/demo/bookinfo.yaml")).unwrap();
    let path = dir.path().join("bookinfo.yaml");
    fs::write(&path, &original).unwrap();

    // MESH101's fix is unsafe: --fix alone leaves the file alone.
    let (code, _, _) = in_dir(&dir, &["--fix", "bookinfo.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(fs::read_to_string(&path).unwrap(), original);

    let (code, diff, _) = in_dir(&dir, &["--diff", "--unsafe-fixes", "bookinfo.yaml"]);
    assert_eq!(code, 1);
    assert!(diff.contains("+      appProtocol: http"), "{diff}");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        original,
        "--diff must not write"
    );

    let (code, _, stderr) = in_dir(&dir, &["--fix", "--unsafe-fixes", "bookinfo.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    let fixed = fs::read_to_string(&path).unwrap();
    let expected = original.replacen(
        "    - name: web\n",
        "    - name: web\n      appProtocol: http\n",
        1,
    );
    assert_eq!(fixed, expected);
}

#[test]
fn fix_never_touches_a_file_with_a_parse_error() {
    let dir = TempDir::new().unwrap();
    let text = format!(
        "{}---\nbroken: [\n",
        fs::read_to_string(common::root().join("testdata/demo/bookinfo.yaml")).unwrap()
    );
    fs::write(dir.path().join("x.yaml"), &text).unwrap();
    let (code, _, _) = in_dir(&dir, &["--fix", "--unsafe-fixes", "x.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(fs::read_to_string(dir.path().join("x.yaml")).unwrap(), text);
}

#[test]
fn statistics_counts_per_rule() {
    let (code, out, _) = run(&["--statistics", "testdata/demo"]);
    assert_eq!(code, 1);
    assert!(out.contains("MESH101"), "{out}");
}

#[test]
fn rules_command_formats() {
    let (code, table, _) = run(&["rules"]);
    assert_eq!(code, 0);
    assert!(table.contains("MESH101") && table.contains("port-name-without-protocol"));
    let (_, md, _) = run(&["rules", "--format", "markdown"]);
    assert!(md.starts_with("| code |"));
    let (_, json, _) = run(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.as_array().unwrap().iter().any(|r| r["code"] == "MESH101"
        && r["explanation"]
            .as_str()
            .unwrap()
            .contains("## What it does")));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, _) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(out.contains("mesh-lint"), "{shell}");
    }
}

#[test]
fn help_names_the_program_as_invoked() {
    mesh_lint()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Usage: mesh-lint"));
    let mut kubectl = assert_cmd::Command::cargo_bin("kubectl-mesh_lint").unwrap();
    kubectl
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Usage: kubectl mesh-lint"));
}

#[test]
fn suppression_annotation_silences_findings() {
    let (code, r) =
        run_json(&["testdata/MESH101-port-name-without-protocol/valid-suppressed.yaml"]);
    assert_eq!((code, codes(&r)), (0, vec![]));
}

#[test]
fn demo_has_findings_in_several_files() {
    let (code, r) = run_json(&["testdata/demo"]);
    assert_eq!(code, 1);
    let files: std::collections::BTreeSet<String> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_owned())
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    assert!(r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["severity"] == "error"));
}

#[test]
fn an_empty_directory_warns_that_nothing_was_linted() {
    let dir = TempDir::new().unwrap();
    let (code, _, stderr) = in_dir(&dir, &["."]);
    assert_eq!(code, 0);
    assert!(stderr.contains("no manifests found"), "{stderr}");
}
