//! Hostile input: each case must finish (no hang, no crash, no unbounded memory), report MESH001
//! where the YAML is invalid, and still report the valid file next to it. The timeout is a
//! safety net against hangs, not a speed assertion.

mod common;

use common::mesh_lint;
use std::fs;
use std::time::Duration;
use tempfile::TempDir;

const VALID: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: still-linted\nspec:\n  ports:\n    - name: web\n      port: 80\n";

/// Lints `name` (holding `bytes`) next to a valid file; returns the JSON report.
fn lint_with(name: &str, bytes: &[u8]) -> serde_json::Value {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("valid.yaml"), VALID).unwrap();
    fs::write(dir.path().join(name), bytes).unwrap();
    lint_dir(&dir)
}

fn lint_dir(dir: &TempDir) -> serde_json::Value {
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(["-o", "json", "."])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn findings(report: &serde_json::Value, file: &str) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == file)
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_contained(report: &serde_json::Value, file: &str) {
    assert!(
        findings(report, file).contains(&"MESH001".to_owned()),
        "{file}: {report:#}"
    );
    assert_eq!(
        findings(report, "valid.yaml"),
        vec!["MESH101"],
        "{report:#}"
    );
}

#[test]
fn deep_block_nesting() {
    let text = "- ".repeat(200_000) + "x\n";
    assert_contained(&lint_with("deep.yaml", text.as_bytes()), "deep.yaml");
}

#[test]
fn deep_mapping_nesting() {
    // Block mappings need growing indentation, so 3,000 levels (4.5 MB) stand in for 200k.
    let mut text = String::new();
    for depth in 0..3_000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    assert_contained(&lint_with("deepmap.yaml", text.as_bytes()), "deepmap.yaml");
}

#[test]
fn deep_flow_nesting_closed_and_unclosed() {
    let closed = "[".repeat(200_000) + &"]".repeat(200_000);
    assert_contained(&lint_with("flow.yaml", closed.as_bytes()), "flow.yaml");
    let unclosed = "[".repeat(200_000);
    assert_contained(&lint_with("open.yaml", unclosed.as_bytes()), "open.yaml");
    let maps = "{a: ".repeat(200_000);
    assert_contained(&lint_with("maps.yaml", maps.as_bytes()), "maps.yaml");
}

/// Nine anchors, each referencing the previous nine times: 9^9 nodes if expanded.
fn billion_laughs(prefix: &str) -> String {
    let mut text = String::from(prefix);
    text.push_str("    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        text.push_str(&format!("    l{i}: &l{i} [{refs}]\n"));
    }
    text
}

#[test]
fn alias_bomb_in_a_field_mesh_lint_reads() {
    let text =
        billion_laughs("apiVersion: v1\nkind: Service\nmetadata:\n  name: bomb\nspec:\n  bomb:\n");
    assert_contained(&lint_with("bomb.yaml", text.as_bytes()), "bomb.yaml");
}

#[test]
fn alias_bomb_in_an_unread_kind_stays_cheap() {
    let text = billion_laughs(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  x: y\nextra:\n",
    );
    let report = lint_with("bomb.yaml", text.as_bytes());
    assert_eq!(findings(&report, "valid.yaml"), vec!["MESH101"]);
}

#[test]
fn binary_file_with_a_yaml_name() {
    let mut bytes = vec![0x7f, b'E', b'L', b'F', 0, 0, 1, 2];
    bytes.extend((0..4096u32).map(|i| (i * 31 % 251) as u8));
    assert_contained(&lint_with("binary.yaml", &bytes), "binary.yaml");
}

#[test]
fn invalid_utf8_keeps_the_other_documents() {
    let mut bytes =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: \"\xff\xfe\"\n---\n"
            .to_vec();
    bytes.extend_from_slice(VALID.replace("still-linted", "after").as_bytes());
    let report = lint_with("latin.yaml", &bytes);
    let found = findings(&report, "latin.yaml");
    assert!(
        found.contains(&"MESH001".to_owned()) && found.contains(&"MESH101".to_owned()),
        "{found:?}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_does_not_hang() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("valid.yaml"), VALID).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("sub/loop")).unwrap();
    let report = lint_dir(&dir);
    assert_eq!(findings(&report, "valid.yaml"), vec!["MESH101"]);
}

#[test]
fn crlf_positions_match_the_file_on_disk() {
    let text = VALID.replace('\n', "\r\n");
    let report = lint_with("crlf.yaml", text.as_bytes());
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "crlf.yaml")
        .unwrap();
    assert_eq!(d["start"]["line"], 7);
    assert_eq!(d["start"]["column"], 13);
    assert_eq!(d["start"]["offset"], text.find("web").unwrap());
}
