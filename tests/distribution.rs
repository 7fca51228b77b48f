//! The ways mesh-lint is distributed stay true to the code: the krew manifest (`plugin.yaml`),
//! the release archives `scripts/release.sh` builds, and the GitHub Action (`action.yml` and
//! the scripts its steps run).
#![cfg(unix)]

mod common;

use common::root;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The platforms krew users get, as (os, arch, Rust target, archive extension).
const PLATFORMS: [(&str, &str, &str, &str); 5] = [
    ("linux", "amd64", "x86_64-unknown-linux-musl", "tar.gz"),
    ("linux", "arm64", "aarch64-unknown-linux-musl", "tar.gz"),
    ("darwin", "amd64", "x86_64-apple-darwin", "tar.gz"),
    ("darwin", "arm64", "aarch64-apple-darwin", "tar.gz"),
    ("windows", "amd64", "x86_64-pc-windows-msvc", "zip"),
];
const VERSION: &str = env!("CARGO_PKG_VERSION");
const REPO: &str = "https://github.com/mesh-lint/mesh-lint";

fn yaml<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap();
    let docs = mesh_lint_yaml::parse_stream(&text, &Default::default());
    assert_eq!(docs.len(), 1, "{}: one document", path.display());
    let root = docs[0]
        .root()
        .unwrap_or_else(|| panic!("{}: {:?}", path.display(), docs[0].error));
    root.deserialize(&mut mesh_lint_yaml::Budget::new(100_000))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// The krew manifest's schema (krew's pkg/index types), closed: a misspelt field fails.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Plugin {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    version: String,
    homepage: String,
    short_description: String,
    description: String,
    caveats: String,
    platforms: Vec<Platform>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Platform {
    selector: Selector,
    uri: String,
    sha256: String,
    bin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Selector {
    match_labels: BTreeMap<String, String>,
}

fn manifest() -> Plugin {
    yaml(&root().join("plugin.yaml"))
}

#[test]
fn plugin_yaml_is_a_krew_manifest_for_this_version() {
    let p = manifest();
    assert_eq!(
        p.api_version,
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(p.kind, "Plugin");
    assert_eq!(
        p.metadata.name, "mesh-lint",
        "krew links kubectl-mesh_lint from it"
    );
    assert_eq!(
        p.spec.version,
        format!("v{VERSION}"),
        "plugin.yaml is for another version than Cargo.toml: scripts/release.sh bump sets both"
    );
    assert_eq!(p.spec.homepage, REPO);
    assert!(!p.spec.short_description.is_empty() && p.spec.short_description.len() < 60);
    assert!(!p.spec.description.is_empty());
    assert!(
        p.spec.caveats.contains("kubectl_complete-mesh_lint"),
        "the caveats say how to get completion"
    );
    assert_eq!(p.spec.platforms.len(), PLATFORMS.len());
    let zeros = "0".repeat(64);
    let unreleased = p.spec.platforms.iter().all(|pl| pl.sha256 == zeros);
    for ((os, arch, target, ext), pl) in PLATFORMS.iter().zip(&p.spec.platforms) {
        let labels: BTreeMap<String, String> = [("os", os), ("arch", arch)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pl.selector.match_labels, labels);
        assert_eq!(
            pl.uri,
            format!("{REPO}/releases/download/v{VERSION}/mesh-lint-v{VERSION}-{target}.{ext}")
        );
        let exe = if *os == "windows" { ".exe" } else { "" };
        assert_eq!(pl.bin, format!("kubectl-mesh_lint{exe}"));
        assert!(
            pl.sha256.len() == 64
                && pl
                    .sha256
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{target}: sha256 `{}`",
            pl.sha256
        );
        assert!(
            unreleased || pl.sha256 != zeros,
            "{target}: some checksums are filled and this one is not"
        );
    }
}

/// The committed file is what `release.sh` writes (checksums aside), so editing one without
/// the other fails here.
#[test]
fn plugin_yaml_is_what_the_release_script_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugin.yaml");
    let status = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .arg("manifest-unreleased")
        .env("MESH_LINT_MANIFEST", &out)
        .status()
        .unwrap();
    assert!(status.success());
    let without_sums = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.trim_start().starts_with("sha256:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let committed = std::fs::read_to_string(root().join("plugin.yaml")).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        without_sums(&committed),
        without_sums(&written),
        "plugin.yaml differs from scripts/release.sh's; run `scripts/release.sh manifest-unreleased`"
    );
}

/// `release.sh package` lays out an archive that krew installs as is, and `manifest` puts each
/// archive's checksum on its platform. Stand-in executables keep this fast; the real binaries
/// run side by side in tests/kubectl.rs.
#[test]
fn release_archives_and_manifest_checksums() {
    let tmp = tempfile::tempdir().unwrap();
    let bins = tmp.path().join("bins");
    let dist = tmp.path().join("dist");
    std::fs::create_dir(&bins).unwrap();
    for b in [
        "mesh-lint",
        "kubectl-mesh_lint",
        "kubectl_complete-mesh_lint",
    ] {
        for name in [b.to_owned(), format!("{b}.exe")] {
            let path = bins.join(name);
            std::fs::write(&path, "#!/bin/sh\necho stand-in\n").unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let release = |args: &[&str]| {
        let out = Command::new("bash")
            .arg(root().join("scripts/release.sh"))
            .args(args)
            .env("MESH_LINT_BIN_DIR", &bins)
            .env("MESH_LINT_DIST", &dist)
            .env("MESH_LINT_MANIFEST", tmp.path().join("plugin.yaml"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "release.sh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let linux = format!("mesh-lint-v{VERSION}-x86_64-unknown-linux-musl.tar.gz");
    release(&["package", "x86_64-unknown-linux-musl"]);
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(dist.join(&linux))
        .output()
        .unwrap();
    let listing = String::from_utf8(listing.stdout).unwrap();
    for f in [
        "kubectl-mesh_lint",
        "kubectl_complete-mesh_lint",
        "mesh-lint",
        "LICENSE",
        "README.md",
        "completions/mesh-lint.bash",
        "completions/_kubectl-mesh_lint",
        "man/mesh-lint.1",
    ] {
        assert!(listing.lines().any(|l| l == f), "{f} not in\n{listing}");
    }

    // The other platforms are built on their own runners; give them checksums to place.
    let mut expected = BTreeMap::new();
    for (i, (_, _, target, ext)) in PLATFORMS.iter().enumerate() {
        let name = format!("mesh-lint-v{VERSION}-{target}.{ext}");
        let sha = if name == linux {
            std::fs::read_to_string(dist.join(format!("{name}.sha256")))
                .unwrap()
                .trim()
                .to_owned()
        } else {
            let sha = format!("{i}").repeat(64);
            std::fs::write(dist.join(format!("{name}.sha256")), format!("{sha}\n")).unwrap();
            sha
        };
        expected.insert(target.to_string(), sha);
    }
    release(&["manifest", dist.to_str().unwrap()]);
    let filled: Plugin = yaml(&tmp.path().join("plugin.yaml"));
    for (pl, (_, _, target, _)) in filled.spec.platforms.iter().zip(PLATFORMS) {
        assert!(pl.uri.contains(target));
        assert_eq!(pl.sha256, expected[target], "{target}");
    }
    let sha = Command::new("sha256sum")
        .arg(dist.join(&linux))
        .output()
        .unwrap();
    let sha = String::from_utf8(sha.stdout).unwrap();
    assert!(sha.starts_with(&expected["x86_64-unknown-linux-musl"]));
}

// action.yml, closed over the keys we use.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Action {
    name: String,
    description: String,
    #[allow(dead_code)]
    author: String,
    #[allow(dead_code)]
    branding: BTreeMap<String, String>,
    inputs: BTreeMap<String, Input>,
    outputs: BTreeMap<String, Output>,
    runs: Runs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    description: String,
    #[allow(dead_code)]
    required: bool,
    #[allow(dead_code)]
    default: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Output {
    #[allow(dead_code)]
    description: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Runs {
    using: String,
    steps: Vec<BTreeMap<String, serde_json::Value>>,
}

/// Inputs reach the scripts only through `env:` (never spliced into `run:`, where a path with a
/// quote would become shell code), every `${{ inputs.X }}` names a declared input, and the
/// scripts the steps run exist.
#[test]
fn action_yml_declares_what_it_uses_and_keeps_inputs_out_of_scripts() {
    let action: Action = yaml(&root().join("action.yml"));
    assert_eq!(action.name, "mesh-lint");
    assert!(!action.description.is_empty());
    assert_eq!(action.runs.using, "composite");
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for used in text.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(action.inputs.contains_key(&name), "undeclared input {name}");
    }
    for (name, input) in &action.inputs {
        assert!(!input.description.is_empty(), "{name}");
        assert!(
            text.contains(&format!("inputs.{name}")),
            "input {name} is never used"
        );
    }
    for (name, out) in &action.outputs {
        assert!(out.value.contains("steps.lint.outputs."), "{name}");
    }
    let mut scripts = 0;
    for step in &action.runs.steps {
        let Some(run) = step.get("run").and_then(|r| r.as_str()) else {
            continue;
        };
        assert!(
            !run.contains("${{"),
            "expression spliced into a script: {run}"
        );
        if let Some(script) = run.strip_prefix("bash \"$GITHUB_ACTION_PATH/") {
            let script = script.trim_end_matches('"');
            assert!(root().join(script).is_file(), "{script} missing");
            scripts += 1;
        }
    }
    assert_eq!(
        scripts, 2,
        "the install and lint steps run scripts/action-*.sh"
    );
}

/// The action's lint step, run as the runner runs it: annotations on stdout, the job summary,
/// the SARIF file and the step outputs.
#[test]
fn action_lint_step_annotates_summarises_and_writes_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mesh-lint")).parent().unwrap();
    let run = |args: &str, sarif: &str| {
        let summary = tmp.path().join("summary.md");
        let outputs = tmp.path().join("outputs");
        let _ = std::fs::remove_file(&summary);
        let _ = std::fs::remove_file(&outputs);
        let out = Command::new("bash")
            .arg(root().join("scripts/action-run.sh"))
            .current_dir(root())
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .env("PATHS", "testdata/demo")
            .env("ARGS", args)
            .env("SARIF_FILE", sarif)
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            std::fs::read_to_string(&summary).unwrap_or_default(),
            std::fs::read_to_string(&outputs).unwrap_or_default(),
        )
    };
    let sarif = tmp.path().join("reports/mesh-lint.sarif");
    let (code, stdout, summary, outputs) = run("", sarif.to_str().unwrap());
    assert_eq!(
        code,
        Some(0),
        "findings are reported by the last step, not this one"
    );
    assert!(stdout.contains("::warning file=testdata/demo/"), "{stdout}");
    assert!(summary.contains("MESH101"), "{summary}");
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    assert!(
        outputs.contains(&format!("sarif-file={}\n", sarif.display())),
        "{outputs}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(report["version"], "2.1.0");
    assert!(!report["runs"][0]["results"].as_array().unwrap().is_empty());

    let (code, stdout, _, outputs) = run("--select MESH3 --fail-on error", "");
    assert_eq!(code, Some(0));
    assert!(
        !stdout.contains("MESH101"),
        "--select reached mesh-lint: {stdout}"
    );
    assert!(!outputs.contains("sarif-file"), "{outputs}");

    // A usage error fails this step itself.
    let (code, _, _, outputs) = run("--no-such-flag", "");
    assert_eq!(code, Some(2));
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
}

/// The action's install step against a stand-in `gh` serving archives that `release.sh`
/// packaged: the newest tag is resolved, the archive for the runner's platform is fetched,
/// checked against its `.sha256`, unpacked and put on `$GITHUB_PATH`; a tampered archive is
/// refused.
#[test]
fn action_install_step_verifies_and_unpacks_the_release() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let exec = |path: &Path, text: &str| {
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let bins = tmp.path().join("bins");
    std::fs::create_dir(&bins).unwrap();
    for b in [
        "mesh-lint",
        "kubectl-mesh_lint",
        "kubectl_complete-mesh_lint",
    ] {
        exec(&bins.join(b), "#!/bin/sh\necho \"stand-in $0 $*\"\n");
    }
    let tag = format!("v{VERSION}");
    let releases = tmp.path().join("releases").join(&tag);
    let out = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .args(["package", "x86_64-unknown-linux-musl"])
        .env("MESH_LINT_BIN_DIR", &bins)
        .env("MESH_LINT_DIST", &releases)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `gh release view ... --jq .tagName` and `gh release download TAG ... --dir D --pattern P...`
    let fake_bin = tmp.path().join("fake-bin");
    std::fs::create_dir(&fake_bin).unwrap();
    exec(
        &fake_bin.join("gh"),
        &format!(
            r#"#!/usr/bin/env bash
set -eu
[ "$1 $2" = "release view" ] && {{ echo {tag}; exit 0; }}
[ "$1 $2" = "release download" ] || exit 9
tag=$3; shift 3; dir=.; patterns=()
while [ $# -gt 0 ]; do
  case $1 in --dir) dir=$2; shift 2 ;; --pattern) patterns+=("$2"); shift 2 ;; *) shift ;; esac
done
for p in "${{patterns[@]}}"; do cp "{releases}/../$tag/$p" "$dir/"; done
"#,
            releases = releases.display()
        ),
    );
    let install = |runner_temp: &Path| {
        std::fs::create_dir_all(runner_temp).unwrap();
        let github_path = runner_temp.join("github_path");
        let out = Command::new("bash")
            .arg(root().join("scripts/action-install.sh"))
            .env(
                "PATH",
                format!("{}:{}", fake_bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("VERSION", "latest")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", runner_temp)
            .env("GITHUB_PATH", &github_path)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            std::fs::read_to_string(&github_path).unwrap_or_default(),
        )
    };
    let (code, stdout, github_path) = install(&tmp.path().join("runner1"));
    assert_eq!(code, Some(0), "{stdout}");
    let dest = github_path.trim();
    assert!(Path::new(dest).join("kubectl_complete-mesh_lint").is_file());
    assert!(
        stdout.contains("stand-in"),
        "ran the installed mesh-lint: {stdout}"
    );

    let archive = releases.join(format!("mesh-lint-{tag}-x86_64-unknown-linux-musl.tar.gz"));
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&archive, bytes).unwrap();
    let (code, stdout, github_path) = install(&tmp.path().join("runner2"));
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stdout.contains("::error::") && stdout.contains("sha256"),
        "{stdout}"
    );
    assert!(github_path.is_empty());
}
