//! Every `testdata/<CODE>-<name>/invalid*.yaml` must produce that rule (its report is a
//! snapshot, and so is the file after `--fix --unsafe-fixes` when a fix applies: clippy's
//! `.fixed` practice); every `valid*.yaml` must produce neither that rule nor an input error.
//! The fixes the fixtures get are what each rule's `fix` and `fix_kinds` promise.

mod common;

use common::{codes, fixture_args, mesh_lint, root, run, run_json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixture_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("testdata"))
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let code = name.split('-').next()?.to_owned();
            let is_rule = code.starts_with("MESH") && code.len() == 7 && e.path().is_dir();
            is_rule.then(|| (code, e.path()))
        })
        .collect();
    dirs.sort();
    dirs
}

fn fixtures(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .collect();
    files.sort();
    files
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_str()
        .unwrap()
        .replace('\\', "/")
}

#[test]
fn invalid_fixtures_report_their_rule() {
    for (code, dir) in fixture_dirs() {
        for path in fixtures(&dir, "invalid") {
            let file = rel(&path);
            let mut args: Vec<String> = fixture_args(&path);
            args.extend(["--select".into(), code.clone(), file.clone()]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let (exit, report) = run_json(&argv);
            let found = codes(&report);
            assert!(
                found.contains(&code),
                "{file}: expected {code}, got {found:?}"
            );
            assert_eq!(exit, 1, "{file}: findings must fail the run");

            let mut human = vec!["--color", "never"];
            human.extend_from_slice(&argv);
            let (_, stdout, _) = run(&human);
            let name = file
                .trim_start_matches("testdata/")
                .replace(['/', '.'], "__");
            insta::assert_snapshot!(name, stdout);
        }
    }
}

#[test]
fn valid_fixtures_are_silent() {
    for (code, dir) in fixture_dirs() {
        for path in fixtures(&dir, "valid") {
            let file = rel(&path);
            let mut args: Vec<String> = fixture_args(&path);
            let select = format!("{code},MESH001,MESH002");
            args.extend(["--select".into(), select, file.clone()]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let (exit, report) = run_json(&argv);
            assert_eq!(
                codes(&report),
                Vec::<String>::new(),
                "{file} must produce nothing"
            );
            assert_eq!(exit, 0, "{file}");
        }
    }
}

/// `--fix --unsafe-fixes` on a copy of each invalid fixture: the fixed text is a snapshot
/// beside the report, it still parses, and no finding with an applicable fix is left.
#[test]
fn fixed_fixtures_are_snapshots_and_lint_clean_of_applied_fixes() {
    for (code, dir) in fixture_dirs() {
        for path in fixtures(&dir, "invalid") {
            let file = rel(&path);
            let original = std::fs::read(&path).unwrap();
            let tmp = tempfile::TempDir::new().unwrap();
            let base = path.file_name().unwrap().to_str().unwrap().to_owned();
            std::fs::write(tmp.path().join(&base), &original).unwrap();
            let mut args: Vec<String> = fixture_args(&path);
            args.extend(["--select".into(), code.clone(), base.clone()]);
            let fix = mesh_lint()
                .current_dir(tmp.path())
                .args(["--fix", "--unsafe-fixes", "-o", "json"])
                .args(&args)
                .output()
                .unwrap();
            let fixed = std::fs::read(tmp.path().join(&base)).unwrap();
            let name = file
                .trim_start_matches("testdata/")
                .replace(['/', '.'], "__");
            if fixed == original {
                continue;
            }
            let fixed = String::from_utf8(fixed).unwrap();
            insta::assert_snapshot!(format!("{name}.fixed"), fixed);
            // The report printed after fixing is the re-lint of the fixed file.
            let report: serde_json::Value = serde_json::from_slice(&fix.stdout).unwrap();
            let left: Vec<&serde_json::Value> = report["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["fix"]["applicability"]
                        .as_str()
                        .is_some_and(|a| a != "display")
                })
                .collect();
            assert!(left.is_empty(), "{file}: fixes left after --fix: {left:?}");
            let found = codes(&report);
            assert!(
                !found.iter().any(|c| c == "MESH001" || c == "MESH002"),
                "{file}: the fix broke the file: {found:?}"
            );
            // Line ends stay the file's: no CR added to an LF file, no bare LF in a CRLF file.
            let crlf = |t: &[u8]| t.windows(2).filter(|w| w == b"\r\n").count();
            let lf = |t: &[u8]| t.iter().filter(|&&b| b == b'\n').count();
            let (f, o) = (fixed.as_bytes(), &original[..]);
            if crlf(o) == 0 {
                assert_eq!(crlf(f), 0, "{file}: the fix added CRLF line ends");
            }
            if crlf(o) == lf(o) {
                assert_eq!(
                    crlf(f),
                    lf(f),
                    "{file}: the fix added a bare LF to a CRLF file"
                );
            }
        }
    }
}

/// What `fix` and `fix_kinds` say (in `explain`, `rules`, SARIF and the README) matches the
/// fixes the rule's fixtures actually get.
#[test]
fn fix_kinds_match_the_fixes_rules_emit() {
    let mut seen: BTreeMap<String, (BTreeSet<String>, usize, usize)> = BTreeMap::new();
    for (code, dir) in fixture_dirs() {
        let entry = seen.entry(code.clone()).or_default();
        for path in fixtures(&dir, "invalid") {
            let file = rel(&path);
            let mut args: Vec<String> = fixture_args(&path);
            args.extend(["--select".into(), code.clone(), file.clone()]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let (_, report) = run_json(&argv);
            for d in report["diagnostics"].as_array().unwrap() {
                if d["code"] != code.as_str() {
                    continue;
                }
                entry.2 += 1;
                if let Some(a) = d["fix"]["applicability"].as_str() {
                    entry.0.insert(a.to_owned());
                    entry.1 += 1;
                }
            }
        }
    }
    for meta in mesh_lint::rules::metas() {
        let Some((kinds, with_fix, total)) = seen.get(meta.code) else {
            panic!("{} has no fixtures", meta.code);
        };
        let promised: BTreeSet<String> = meta
            .fix_kinds
            .split('/')
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(
            &promised, kinds,
            "{}: fix_kinds `{}`",
            meta.code, meta.fix_kinds
        );
        use mesh_lint::rules::FixAvailability::*;
        match meta.fix {
            None => assert_eq!(*with_fix, 0, "{}", meta.code),
            Always => assert_eq!(with_fix, total, "{}: fix: Always", meta.code),
            Sometimes => assert!(*with_fix > 0, "{}: fix: Sometimes", meta.code),
        }
    }
}
