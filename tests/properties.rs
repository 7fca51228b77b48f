//! The fuzz targets' properties on the stable toolchain, with a fixed seed and a small budget,
//! so CI guards them without nightly (see `tests/support/props.rs` for the properties):
//!
//! - mutants of every fixture under `testdata/` (byte flips, YAML tokens inserted, lines
//!   duplicated or re-indented, ranges deleted, splices from another fixture), alone and next
//!   to an intact fixture;
//! - small generated meshes (`tests/support/mesh_gen.rs`);
//! - every input a fuzzer ever crashed on, kept in `tests/fuzz-regressions/`.
//!
//! `MESH_LINT_PROPTEST_CASES` and `MESH_LINT_PROPTEST_SEED` run more or other cases locally; a
//! failure prints the seed and case to reproduce it.

#[path = "support/mesh_gen.rs"]
mod mesh_gen;
#[path = "support/props.rs"]
mod props;
#[path = "support/yaml_diff.rs"]
mod yaml_diff;

use mesh_gen::{Choices, XorShift};
use props::Input;
use std::path::{Path, PathBuf};

const DEFAULT_SEED: u64 = 0x6d65_7368_6c69_6e74;
const DEFAULT_CASES: usize = 100;

fn cases() -> usize {
    std::env::var("MESH_LINT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn seed() -> u64 {
    std::env::var("MESH_LINT_PROPTEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn fixtures() -> Vec<Input> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    yaml_files(&root.join("testdata"), &mut paths);
    assert!(paths.len() > 20, "testdata/ fixtures missing");
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            Some((name, bytes))
        })
        .collect()
}

/// Tokens that change YAML structure more often than random bytes do.
const TOKENS: &[&str] = &[
    ": ",
    "- ",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "\"",
    "'",
    "\t",
    "#",
    "|\n",
    ">-\n",
    "? ",
    "!!str ",
    "!!binary ",
    "\r\n",
    "\n",
    "  ",
    "é",
    "\u{feff}",
    "null",
    "~",
    "0x1F",
    "1e3",
    "name: http\n",
    "port: 80\n",
    "kind: Service\n",
    "apiVersion: v1\n",
    "namespace: shop\n",
    "host: reviews\n",
    "ports:\n",
    "\\u0000",
];

fn mutate(rng: &mut XorShift, bytes: &mut Vec<u8>, donor: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = if len == 0 { 0 } else { rng.below(len + 1) };
        match rng.below(7) {
            0 if len > 0 => {
                let i = at.min(len - 1);
                bytes[i] = b" :-#{}[]\"'\n\tax0|>&*!%@`"[rng.below(23)];
            }
            1 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                bytes.drain(at.min(end)..end);
            }
            2 => {
                let token = rng.pick(TOKENS);
                bytes.splice(at..at, token.bytes());
            }
            3 => {
                // Duplicate the line holding `at` (a repeated key, a second list item).
                let start = bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let end = bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(len, |i| at + i + 1);
                let line = bytes[start..end].to_vec();
                bytes.splice(end..end, line);
            }
            4 => {
                // Re-indent the line holding `at` by one space either way.
                let start = bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                if rng.chance(2) && bytes.get(start) == Some(&b' ') {
                    bytes.remove(start);
                } else {
                    bytes.insert(start, b' ');
                }
            }
            5 if len > 0 => bytes.truncate(at),
            _ if !donor.is_empty() => {
                let from = rng.below(donor.len());
                let end = (from + 1 + rng.below(64)).min(donor.len());
                bytes.splice(at..at, donor[from..end].iter().copied());
            }
            _ => {}
        }
    }
}

#[test]
fn mutated_fixtures_keep_the_lint_and_fix_properties() {
    let fixtures = fixtures();
    let seed = seed();
    let mut rng = XorShift(seed);
    let mut fixed = 0;
    for case in 0..cases() {
        let (name, original) = &fixtures[rng.below(fixtures.len())];
        let partner = &fixtures[rng.below(fixtures.len())];
        let mut bytes = original.clone();
        mutate(&mut rng, &mut bytes, &partner.1);
        let mutant: Input = (name.clone(), bytes);
        let run = std::panic::catch_unwind(|| {
            let changed = props::check_fix(std::slice::from_ref(&mutant));
            props::check_lint(&[mutant.clone(), partner.clone()]);
            changed
        });
        fixed += run.as_ref().copied().unwrap_or(0);
        if run.is_err() {
            panic!(
                "case {case} (MESH_LINT_PROPTEST_SEED={seed}) failed on a mutant of {name}:\n{}",
                String::from_utf8_lossy(&mutant.1)
            );
        }
    }
    assert!(fixed > 0, "no mutant had fixes to check");
}

#[test]
fn generated_meshes_keep_the_lint_and_fix_properties() {
    let seed = seed();
    let mut rng = XorShift(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut fixed = 0;
    for case in 0..cases() {
        let mesh = mesh_gen::mesh(&mut rng);
        let run = std::panic::catch_unwind(|| props::check_fix(&mesh));
        fixed += run.as_ref().copied().unwrap_or(0);
        if run.is_err() {
            let text: Vec<String> = mesh
                .iter()
                .map(|(n, b)| format!("# {n}\n{}", String::from_utf8_lossy(b)))
                .collect();
            panic!(
                "case {case} (MESH_LINT_PROPTEST_SEED={seed}) failed on:\n{}",
                text.join("\n")
            );
        }
    }
    assert!(
        fixed > cases() / 10,
        "only {fixed} generated meshes had fixes to check"
    );
}

/// Every input a fuzzer crashed on, minimized: `tests/fuzz-regressions/<target>-<what>.yaml`.
#[test]
fn fuzz_regressions_keep_the_properties() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut paths = Vec::new();
    yaml_files(&dir, &mut paths);
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        props::check_fix(&[(name, bytes)]);
    }
}

/// Our YAML trees against saphyr-parser on fixtures and their mutants that both accept.
#[test]
fn yaml_trees_match_the_reference_parser() {
    let fixtures = fixtures();
    for (name, bytes) in &fixtures {
        let text = String::from_utf8_lossy(bytes);
        if std::panic::catch_unwind(|| yaml_diff::check_yaml(&text)).is_err() {
            panic!("{name} differs from the reference parser");
        }
    }
    let seed = seed();
    let mut rng = XorShift(seed ^ 0x5851_f42d_4c95_7f2d);
    for case in 0..cases() * 4 {
        let (_, original) = &fixtures[rng.below(fixtures.len())];
        let donor = &fixtures[rng.below(fixtures.len())].1;
        let mut bytes = original.clone();
        mutate(&mut rng, &mut bytes, donor);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if std::panic::catch_unwind(|| yaml_diff::check_yaml(&text)).is_err() {
            panic!("case {case} (MESH_LINT_PROPTEST_SEED={seed}) differs from the reference parser:\n{text}");
        }
    }
}
