//! A panic is reported as a bug in mesh-lint, names the file being linted, and exits 2.
//! The trigger (`MESH_LINT_DEBUG_PANIC`) exists only in debug builds, as `cargo test` makes.
#![cfg(debug_assertions)]

mod common;

use common::mesh_lint;
use std::fs;
use tempfile::TempDir;

fn run_with_trigger(trigger: &str, args: &[&str]) -> (i32, String) {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("b.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
    )
    .unwrap();
    let out = mesh_lint()
        .current_dir(dir.path())
        .env("MESH_LINT_DEBUG_PANIC", trigger)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_panic_prints_a_short_bug_report_naming_the_file_and_exits_2() {
    for format in ["human", "json"] {
        let (code, stderr) = run_with_trigger("b.yaml", &["-o", format, "."]);
        assert_eq!(code, 2, "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(
            lines[0].starts_with("mesh-lint: internal error: this is a bug in mesh-lint"),
            "{stderr}"
        );
        assert_eq!(lines[1], "  while parsing `b.yaml`", "{stderr}");
        assert!(
            lines[2].starts_with("  panic: MESH_LINT_DEBUG_PANIC"),
            "{stderr}"
        );
        assert!(lines[3].contains("please report it"), "{stderr}");
        assert_eq!(lines.len(), 4, "short, and no backtrace hint: {stderr}");
    }
}

#[test]
fn the_trigger_does_nothing_for_other_files() {
    let (code, stderr) = run_with_trigger("c.yaml", &["."]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}
