//! Shared helpers for the integration tests: run the binary from the repository root.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mesh-lint` run from the repository root, with colour off and a fixed width, and no config
/// file discovery surprises (the repository has no `.mesh-lint.yaml`).
pub fn mesh_lint() -> Command {
    let mut cmd = Command::cargo_bin("mesh-lint").expect("binary builds");
    cmd.current_dir(root())
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// Runs the binary and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = mesh_lint().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs with `-o json` and parses the report.
pub fn run_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["-o", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(&all);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, json)
}

pub fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Flags a fixture asks for on its first line: `# mesh-lint-args: --istio-version 1.20`.
pub fn fixture_args(path: &Path) -> Vec<String> {
    let text = std::fs::read(path).unwrap();
    let first = String::from_utf8_lossy(&text)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    first
        .strip_prefix("# mesh-lint-args:")
        .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}
