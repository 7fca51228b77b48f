//! Promises the README and `--help` make, each checked against the binary: exit codes whatever
//! the selection, usage errors for bad context values, config paths wherever mesh-lint runs,
//! flag placement, and input that is reported rather than silently changed.

mod common;

use common::{codes, mesh_lint, run_json};
use std::fs;
use std::path::Path;
use tempfile::TempDir;

/// A DestinationRule with a short host: MESH301 with a safe fix.
const DR_SHORT_HOST: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: shop\nspec:\n  ports:\n    - name: http\n      port: 9080\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\n  namespace: shop\nspec:\n  host: reviews\n";

const BROKEN: &str =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n    namespace: x\n";

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = mesh_lint().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_in(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["-o", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_in(dir, &all);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, json)
}

#[test]
fn a_yaml_error_counts_whatever_the_selection() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("broken.yaml"), BROKEN).unwrap();
    for sel in [
        &["--select", "MESH3"][..],
        &["--ignore", "MESH001"],
        &["--ignore", "invalid-yaml,MESH0"],
        &["--select", "MESH101", "--ignore", "ALL"],
    ] {
        let mut args = sel.to_vec();
        args.push("broken.yaml");
        let (code, report) = json_in(dir.path(), &args);
        assert_eq!(codes(&report), ["MESH001"], "{sel:?}");
        assert_eq!(code, 1, "{sel:?}: a YAML error fails the run");
    }
    // per-path-ignores cannot hide it either.
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "per-path-ignores: {\"*.yaml\": [MESH001]}\n",
    )
    .unwrap();
    let (code, report) = json_in(dir.path(), &["broken.yaml"]);
    assert_eq!((code, codes(&report)), (1, vec!["MESH001".to_owned()]));
    // Nor can a severity override.
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "severity: {MESH001: info}\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["broken.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(".mesh-lint.yaml:1:"), "{stderr}");
    assert!(stderr.contains("MESH001"), "{stderr}");
}

#[test]
fn context_values_must_be_dns_names() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("a.yaml"), "kind: ConfigMap\n").unwrap();
    for flags in [
        &["--cluster-domain", ""][..],
        &["--cluster-domain", "..."],
        &["--cluster-domain", "a..b"],
        &["--cluster-domain", "Cluster.Local"],
        &["-n", ""],
        &["-n", "Shop"],
        &["--namespace", "a.b"],
    ] {
        let mut args = flags.to_vec();
        args.push("a.yaml");
        let (code, stdout, stderr) = run_in(dir.path(), &args);
        assert_eq!(code, 2, "{flags:?}: {stderr}");
        assert!(stdout.is_empty(), "{flags:?}: {stdout}");
        assert!(stderr.starts_with("mesh-lint: error: --"), "{stderr}");
    }
    // A trailing dot is the FQDN form of a valid domain.
    let (code, _, stderr) = run_in(dir.path(), &["--cluster-domain", "corp.local.", "a.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    // The same check on the config file's values, at the value.
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "select: [MESH1]\nnamespace: ''\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["a.yaml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".mesh-lint.yaml:2:12: namespace"),
        "{stderr}"
    );
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "cluster-domain: '...'\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["a.yaml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(".mesh-lint.yaml:1:17: cluster-domain"),
        "{stderr}"
    );
}

/// A repository whose config ignores MESH101 under `legacy/` and excludes `vendor/`.
fn repo_with_config() -> TempDir {
    let dir = TempDir::new().unwrap();
    let web = "apiVersion: v1\nkind: Service\nmetadata:\n  name: NAME\n  namespace: shop\nspec:\n  ports:\n    - name: web\n      port: 9080\n";
    for (path, name) in [
        ("legacy/a.yaml", "legacy"),
        ("apps/b.yaml", "apps"),
        ("vendor/c.yaml", "vendor"),
    ] {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, web.replace("NAME", name)).unwrap();
    }
    // A short host in legacy/: MESH301 is not in its per-path-ignores and stays.
    let vs = "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: legacy-vs\n  namespace: shop\nspec:\n  hosts: [legacy]\n";
    let legacy = dir.path().join("legacy/a.yaml");
    let text = fs::read_to_string(&legacy).unwrap();
    fs::write(&legacy, text + vs).unwrap();
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "select: [MESH101, MESH301]\nper-path-ignores: {\"legacy/**\": [MESH101]}\nexclude: [\"vendor/**\"]\n",
    )
    .unwrap();
    dir
}

fn linted_services(report: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let name = d["object"]["name"].as_str().unwrap();
            format!("{} {name}", d["code"].as_str().unwrap())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn config_paths_are_relative_to_the_config_file() {
    let repo = repo_with_config();
    let root = repo.path();
    let abs = |p: &str| root.join(p).to_str().unwrap().to_owned();
    let cases: Vec<(std::path::PathBuf, Vec<String>)> = vec![
        (root.to_path_buf(), vec![".".into()]),
        (root.to_path_buf(), vec![abs("")]),
        (
            root.join("legacy"),
            vec![".".into(), "../apps".into(), "../vendor".into()],
        ),
        (root.join("apps"), vec!["..".into()]),
        (
            root.join("apps"),
            vec![abs("legacy/a.yaml"), abs("apps/b.yaml"), abs("vendor")],
        ),
        (
            std::env::temp_dir(),
            vec![abs(""), "--config".into(), abs(".mesh-lint.yaml")],
        ),
    ];
    for (cwd, args) in cases {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, report) = json_in(&cwd, &argv);
        assert_eq!(
            linted_services(&report),
            ["MESH101 apps", "MESH301 legacy-vs"],
            "from {} with {args:?}",
            cwd.display()
        );
        assert_eq!(code, 1);
    }
}

#[test]
fn subcommands_work_after_flags() {
    let (code, report) = run_json(&["rules"]);
    assert_eq!(code, 0);
    let (code2, out, _) = common::run(&["rules", "--format", "json"]);
    let report2: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((code2, &report2), (0, &report));
    assert!(report.as_array().is_some_and(|r| r.len() > 5), "{report}");
    let out = mesh_lint()
        .args(["--color", "never", "explain", "MESH101"])
        .output()
        .unwrap();
    // `--color` is a flag of `check`: the message says `explain` does not take it.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mesh-lint: error: unexpected argument '--color'"),
        "{stderr}"
    );
    assert!(stderr.contains("mesh-lint explain"), "{stderr}");
    // `check` after flags is the same as without it.
    let (code, report) = run_json(&["--select", "MESH101", "check", "testdata/demo"]);
    assert_eq!(code, 1);
    assert!(codes(&report).iter().all(|c| c == "MESH101"), "{report}");
    // A directory named like a subcommand is still a path to lint.
    let dir = TempDir::new().unwrap();
    fs::create_dir(dir.path().join("rules")).unwrap();
    fs::write(dir.path().join("rules/x.yaml"), BROKEN).unwrap();
    let (code, report) = json_in(dir.path(), &["--fail-on", "error", "rules"]);
    assert_eq!((code, codes(&report)), (1, vec!["MESH001".to_owned()]));
}

#[test]
fn a_broken_mesh_config_is_a_usage_error_at_its_position() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("a.yaml"), "kind: ConfigMap\n").unwrap();
    let cases = [
        ("rootNamespace: istio-system\n  bad: [\n", "mesh.yaml:2:"),
        ("rootNamespace: a\nrootNamespace: b\n", "mesh.yaml:2:1: duplicate key"),
        ("rootNamespace: a\n---\nrootNamespace: b\n", "mesh.yaml:3:1: a second YAML document"),
        ("rootNamespace: [a]\n", "mesh.yaml:1:16: not a MeshConfig"),
        (
            "extensionProviders:\n  - otel\n",
            "mesh.yaml:2:5: not a MeshConfig: `extensionProviders[0]`: invalid type: string \"otel\", expected an extension provider mapping",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  mesh: |\n    rootNamespace: x\n      bad: [\n",
            "mesh.yaml:4:9: data.mesh, line 2",
        ),
    ];
    for (text, expected) in cases {
        fs::write(dir.path().join("mesh.yaml"), text).unwrap();
        let (code, stdout, stderr) = run_in(dir.path(), &["--mesh-config", "mesh.yaml", "a.yaml"]);
        assert_eq!(code, 2, "{text}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(expected),
            "{text}: expected {expected}, got {stderr}"
        );
    }
    fs::write(dir.path().join("mesh.yaml"), "rootNamespace: mesh-root\n").unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["--mesh-config", "mesh.yaml", "a.yaml"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn config_value_errors_name_file_line_and_column() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("a.yaml"), "kind: ConfigMap\n").unwrap();
    let cases = [
        (
            "select: [MESH101]\nignore: [MESH9]\n",
            ".mesh-lint.yaml:2:1: ignore: no rule `MESH9`",
        ),
        (
            "severity:\n  MESH10: error\n",
            ".mesh-lint.yaml:2:3: severity: no rule `MESH10`; did you mean `MESH101`?",
        ),
        (
            "fail-on: sometimes\n",
            ".mesh-lint.yaml:1:10: fail-on `sometimes` is not one of: error, warning, info, never",
        ),
        (
            "istio-version: latest\n",
            ".mesh-lint.yaml:1:16: istio-version",
        ),
        (
            "per-path-ignores: {\"a/**\": [nope]}\n",
            ".mesh-lint.yaml:1:20: per-path-ignores: no rule `nope`",
        ),
        (
            "select: [MESH1]\nselect: [MESH3]\n",
            ".mesh-lint.yaml:2:1: duplicate key `select`",
        ),
    ];
    for (text, expected) in cases {
        fs::write(dir.path().join(".mesh-lint.yaml"), text).unwrap();
        let (code, _, stderr) = run_in(dir.path(), &["a.yaml"]);
        assert_eq!(code, 2, "{text}");
        assert!(
            stderr.starts_with(&format!("mesh-lint: error: {expected}")),
            "{text}: expected {expected}, got {stderr}"
        );
    }
    // Config values read like flags: fail-on and rule names are case-insensitive.
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "fail-on: Error\nignore: [Port-Name-Without-Protocol]\nseverity: {mesh101: error}\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["a.yaml"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn rule_names_are_case_insensitive_and_explain_suggests() {
    let (code, out, _) = common::run(&["explain", "Port-Name-Without-Protocol"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("# port-name-without-protocol (MESH101)"),
        "{out}"
    );
    let (code, _, err) = common::run(&["explain", "port-name-without-protcol"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "mesh-lint: error: no rule `port-name-without-protcol`; did you mean `port-name-without-protocol`? (`mesh-lint rules` lists them)\n"
    );
    let (code, _, err) = common::run(&["explain", "zzz"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "mesh-lint: error: no rule `zzz` (`mesh-lint rules` lists them)\n"
    );
    let (code, r) = run_json(&[
        "--select",
        "SHORT-HOSTNAME",
        "testdata/MESH301-short-hostname",
    ]);
    assert_eq!(code, 1);
    assert!(codes(&r).iter().all(|c| c == "MESH301") && !codes(&r).is_empty());
}

#[test]
fn out_of_range_ports_are_invalid_objects_not_port_zero() {
    let dir = TempDir::new().unwrap();
    let se = |name: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  hosts: [{name}.example.com]\n  ports:\n    - number: 4294967295\n      name: tcp\n      protocol: TCP\n  resolution: DNS\n"
        )
    };
    fs::write(
        dir.path().join("se.yaml"),
        format!("{}---\n{}", se("a"), se("b")),
    )
    .unwrap();
    let (code, report) = json_in(dir.path(), &["se.yaml"]);
    // Before: two port-0 catch-all listeners (MESH103) conflicting with each other (MESH104).
    assert_eq!(codes(&report), ["MESH002", "MESH002"], "{report}");
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["start"]["line"], 9, "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("spec.ports[0].number"),
        "{d}"
    );
}

#[test]
fn fix_never_rewrites_a_file_holding_invalid_utf8() {
    let dir = TempDir::new().unwrap();
    let mut bytes = b"# caf\xe9 (Latin-1, outside any document)\n".to_vec();
    bytes.extend_from_slice(DR_SHORT_HOST.as_bytes());
    fs::write(dir.path().join("a.yaml"), &bytes).unwrap();
    let (code, report) = json_in(dir.path(), &["--select", "MESH301", "a.yaml"]);
    assert_eq!(codes(&report), ["MESH001", "MESH301"], "{report}");
    let (code2, _, stderr) = run_in(dir.path(), &["--fix", "--select", "MESH301", "a.yaml"]);
    assert_eq!((code, code2), (1, 1), "{stderr}");
    assert_eq!(fs::read(dir.path().join("a.yaml")).unwrap(), bytes);
}

#[test]
fn fix_writes_a_file_named_without_a_directory() {
    let dir = TempDir::new().unwrap();
    let text = DR_SHORT_HOST;
    fs::write(dir.path().join("a.yaml"), text).unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["--fix", "--select", "MESH301", "a.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("fixed 1 finding"), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        text.replace("host: reviews", "host: reviews.shop.svc.cluster.local")
    );
}

/// A reader that goes away early (`mesh-lint rules | head -1`) is not a crash: every command
/// that prints stops quietly and exits 0, as `check` does.
#[cfg(unix)]
#[test]
fn a_closed_stdout_is_not_a_bug_report() {
    let bin = assert_cmd::cargo::cargo_bin("mesh-lint");
    let demo = common::root().join("testdata/demo");
    let listeners = format!("listeners '{}' --namespace shop -o json", demo.display());
    for args in [
        "rules --format json",
        "explain MESH101",
        "completions bash",
        listeners.as_str(),
    ] {
        let script = format!(
            "'{}' {args} 2>err | true; echo ${{PIPESTATUS[0]}}; cat err",
            bin.display()
        );
        let dir = tempfile::TempDir::new().unwrap();
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("bug"), "{args}: {text}");
        assert_eq!(text.lines().next(), Some("0"), "{args}: {text}");
    }
}

/// `--ignore MESH001` cannot silence YAML errors, and says so instead of doing nothing quietly;
/// a prefix such as `MESH0` is not taken as asking for it.
#[test]
fn ignoring_mesh001_by_name_warns_that_it_cannot_be() {
    let dir = TempDir::new().unwrap();
    let bad = dir.path().join("bad.yaml");
    fs::write(&bad, "a: [\n").unwrap();
    let bad = bad.to_str().unwrap();
    for (args, warned) in [
        (&["--ignore", "MESH001"][..], true),
        (&["--ignore", "invalid-yaml"], true),
        (&["--ignore", "MESH0"], false),
    ] {
        let out = mesh_lint().args(args).arg(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.contains("cannot be ignored"),
            warned,
            "{args:?}: {stderr}"
        );
    }
}

/// A finding that rests on MeshConfig says where that MeshConfig came from: the flag, the
/// config file's `mesh-config`, or the inputs.
#[test]
fn findings_name_where_mesh_config_came_from() {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("mesh.yaml"),
        "extensionProviders:\n  - name: otel-tracing\n    opentelemetry: {service: otel.obs.svc.cluster.local, port: 4317}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("telemetry.yaml"),
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: mesh-default, namespace: istio-system}\nspec:\n  tracing:\n    - providers: [{name: otel}]\n",
    )
    .unwrap();
    let origin_note = |report: &serde_json::Value| -> String {
        let d = &report["diagnostics"][0];
        assert_eq!(d["code"], "MESH712", "{report}");
        d["notes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n.as_str())
            .find(|n| n.starts_with("MeshConfig read from"))
            .unwrap_or_else(|| panic!("no origin note: {d}"))
            .to_owned()
    };
    let select = ["--select", "MESH712", "--fail-on", "never"];
    let mut args = select.to_vec();
    args.extend(["--mesh-config", "mesh.yaml", "telemetry.yaml"]);
    let (_, report) = json_in(dir.path(), &args);
    assert_eq!(origin_note(&report), "MeshConfig read from `--mesh-config`");
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "mesh-config: mesh.yaml\n",
    )
    .unwrap();
    let mut args = select.to_vec();
    args.push("telemetry.yaml");
    let (_, report) = json_in(dir.path(), &args);
    assert_eq!(
        origin_note(&report),
        "MeshConfig read from the config file's `mesh-config`"
    );
}

/// Invalid UTF-8 outside any document (here in a comment before `---`) is reported at that
/// byte, one byte wide, and the document after it is still linted.
#[test]
fn stray_invalid_utf8_is_reported_at_its_byte() {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("a.yaml"),
        b"# \xff note\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
    )
    .unwrap();
    let (code, report) = json_in(dir.path(), &["a.yaml"]);
    assert_eq!(code, 1);
    let d = &report["diagnostics"][0];
    assert_eq!(
        d["message"], "invalid UTF-8 outside any document",
        "{report}"
    );
    assert_eq!(
        (&d["start"]["offset"], &d["end"]["offset"]),
        (&2.into(), &3.into())
    );
    assert_eq!(report["summary"]["objects"], 1);
}
