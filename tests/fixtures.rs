//! Every `testdata/<CODE>-<name>/invalid*.yaml` must produce that rule (its report is a
//! snapshot); every `valid*.yaml` must produce neither that rule nor an input error.

mod common;

use common::{codes, fixture_args, root, run, run_json};
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
