//! Issue 9: repositories as teams lay them out, linted as `kubectl apply` would see them:
//! several environments, copies of one object, Helm charts, encodings and YAML that kubectl
//! accepts but strict parsers reject.

mod common;

use common::{codes, root, run, run_json};
use serde_json::Value;

fn with_code<'r>(report: &'r Value, code: &str) -> Vec<&'r Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

const ENVS: &str = "testdata/scenarios/environments";

/// Without `meshes:`, dev and prod are one set of files: each identity is one object (the later
/// file wins), copies are linted for what they hold, and different objects of the two
/// environments still meet (the two catch-all ServiceEntries on 5432).
#[test]
fn copies_of_one_object_are_one_object() {
    let (_, report) = run_json(&["--config", "/dev/null", ENVS]);
    // Never a conflict of an object with its own copy.
    for d in report["diagnostics"].as_array().unwrap() {
        let message = d["message"].as_str().unwrap();
        assert!(
            !message.contains("`shop/frontend` is also used by Service `shop/frontend`"),
            "{d:#}"
        );
    }
    assert!(with_code(&report, "MESH105").is_empty(), "{report:#}");
    // The dev VirtualService's `canary` route is replaced by prod's: no MESH307 on it.
    assert!(with_code(&report, "MESH307").is_empty(), "{report:#}");
    // Per-object findings on both copies, each with a note naming the other file.
    let mesh101 = with_code(&report, "MESH101");
    assert_eq!(mesh101.len(), 2, "{report:#}");
    let note = |d: &Value, file: &str| {
        d["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains(file))
    };
    let dev = mesh101
        .iter()
        .find(|d| d["file"].as_str().unwrap().contains("/dev/"))
        .unwrap();
    assert!(note(dev, "envs/prod/frontend.yaml"), "{dev:#}");
    let prod = mesh101
        .iter()
        .find(|d| d["file"].as_str().unwrap().contains("/prod/"))
        .unwrap();
    assert!(note(prod, "envs/dev/frontend.yaml"), "{prod:#}");
    // Different identities of the two environments do meet without `meshes:`.
    assert_eq!(with_code(&report, "MESH104").len(), 1, "{report:#}");
}

/// With `meshes: ["envs/*"]` (the scenario's config file) or `--mesh`, each environment is
/// linted on its own: no finding relates dev to prod, and no copy notes appear.
#[test]
fn meshes_split_a_repository_by_environment() {
    let config = format!("{ENVS}/.mesh-lint.yaml");
    let glob = format!("{ENVS}/envs/*");
    for args in [
        vec!["--config", config.as_str(), ENVS],
        vec!["--config", "/dev/null", "--mesh", glob.as_str(), ENVS],
    ] {
        let (_, report) = run_json(&args);
        assert!(
            with_code(&report, "MESH104").is_empty(),
            "{args:?}: {report:#}"
        );
        assert!(
            with_code(&report, "MESH307").is_empty(),
            "{args:?}: {report:#}"
        );
        assert_eq!(
            with_code(&report, "MESH103").len(),
            4,
            "{args:?}: {report:#}"
        );
        for d in report["diagnostics"].as_array().unwrap() {
            let notes = d["notes"].to_string();
            assert!(!notes.contains("is also defined"), "{d:#}");
            assert!(!notes.contains("defined again later"), "{d:#}");
        }
    }
    // Run from inside the repository, the config file is found and its globs are relative to it.
    let out = common::mesh_lint()
        .current_dir(root().join(ENVS))
        .args(["-o", "json", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(with_code(&report, "MESH104").is_empty(), "{report:#}");
    assert_eq!(codes(&report).len(), 6, "{report:#}");
    let _ = run;
}
