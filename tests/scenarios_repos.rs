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
    // Two copies of one Sidecar are one Sidecar, not two conflicting ones.
    assert!(with_code(&report, "MESH204").is_empty(), "{report:#}");
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
        .args(["-o", "json", "--ignore", "MESH2", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(with_code(&report, "MESH104").is_empty(), "{report:#}");
    assert_eq!(codes(&report).len(), 6, "{report:#}");
}

const CHART_REPO: &str = "testdata/scenarios/repo-with-chart";

/// A repository-wide run (the pre-commit hook) over a repository holding a Helm chart and a
/// Go-template file: never MESH001 on them, one note each on stderr saying how to lint them,
/// and everything else (including `{{ }}` in strings) linted.
#[test]
fn helm_charts_and_go_templates_are_skipped_with_a_note() {
    let (_, stdout, stderr) = run(&["-o", "json", CHART_REPO]);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        !codes(&report)
            .iter()
            .any(|c| c == "MESH001" || c == "MESH002"),
        "{report:#}"
    );
    assert_eq!(codes(&report), ["MESH101"], "{report:#}");
    // The alert texts' `{{ }}` are data: that file is read (2 objects: Service + PrometheusRule).
    assert_eq!(report["summary"]["objects"], 2, "{report:#}");
    let notes: Vec<&str> = stderr.lines().collect();
    assert_eq!(notes.len(), 2, "{stderr}");
    assert!(notes.contains(&format!(
        "mesh-lint: note: skipped the templates of Helm chart `{CHART_REPO}/charts/podinfo` (Go templates are not YAML until rendered); lint them with `helm template {CHART_REPO}/charts/podinfo | mesh-lint -`"
    ).as_str()), "{stderr}");
    assert!(
        notes[1].contains("hack/service-template.yaml`: Go template syntax (`{{` at line 5)"),
        "{stderr}"
    );
    // Naming a template file (a pre-commit hook passing file names) skips it the same way.
    let named = format!("{CHART_REPO}/charts/podinfo/templates/service.yaml");
    let (code, stdout, stderr) = run(&["-o", "concise", &named]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stderr.contains("helm template"), "{stderr}");
    assert!(!stderr.contains("no manifests found"), "{stderr}");
}

/// Windows PowerShell 5 `>` writes UTF-16LE with a BOM; others write UTF-16BE or UTF-32. Such
/// files are decoded (positions are those of the decoded text) and `--fix` writes them back in
/// their encoding.
#[test]
fn utf16_and_utf32_files_are_decoded_and_fixed_in_their_encoding() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: bookinfo\nspec:\n  ports:\n    - name: http\n      port: 9080\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\n  namespace: bookinfo\nspec:\n  host: reviews # é\n";
    type Encode = fn(&str) -> Vec<u8>;
    let encodings: [(&str, Encode); 3] = [
        ("utf16le", |t| {
            let mut b = vec![0xFF, 0xFE];
            t.encode_utf16().for_each(|u| b.extend(u.to_le_bytes()));
            b
        }),
        ("utf16be", |t| {
            let mut b = vec![0xFE, 0xFF];
            t.encode_utf16().for_each(|u| b.extend(u.to_be_bytes()));
            b
        }),
        ("utf32le", |t| {
            let mut b = vec![0xFF, 0xFE, 0, 0];
            t.chars().for_each(|c| b.extend((c as u32).to_le_bytes()));
            b
        }),
    ];
    for (name, encode) in encodings {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, encode(text)).unwrap();
        let p = path.to_str().unwrap();
        let (_, report) = run_json(&["--select", "MESH3", p]);
        assert_eq!(codes(&report), ["MESH301"], "{name}: {report:#}");
        let d = &report["diagnostics"][0];
        assert_eq!(
            (d["start"]["line"].as_u64(), d["start"]["column"].as_u64()),
            (Some(17), Some(9)),
            "{name}"
        );
        let (code, _, stderr) = run(&["--fix", p]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let fixed = text.replace(
            "host: reviews #",
            "host: reviews.bookinfo.svc.cluster.local #",
        );
        assert_eq!(std::fs::read(&path).unwrap(), encode(&fixed), "{name}");
    }
}

/// A document that kubectl accepts but strict YAML rejects (continuation lines of a quoted
/// scalar at its key's indentation) is linted, warned about once as MESH003 (never MESH001),
/// and `--fix` re-indents it so that strict parsers read it too, with the same value.
#[test]
fn yaml_kubectl_accepts_is_linted_and_fixed() {
    let fixture =
        "testdata/MESH003-underindented-quoted-scalar/invalid-rollout-virtualservice.yaml";
    let (_, report) = run_json(&[fixture]);
    let found = codes(&report);
    assert!(!found.iter().any(|c| c == "MESH001"), "{report:#}");
    assert_eq!(
        found.iter().filter(|c| *c == "MESH003").count(),
        1,
        "{report:#}"
    );
    // The document's objects are linted: its routes are checked.
    assert!(found.iter().any(|c| c == "MESH304"), "{report:#}");
    let d = with_code(&report, "MESH003")[0];
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        (d["start"]["line"].as_u64(), d["start"]["column"].as_u64()),
        (Some(10), Some(1))
    );

    let dir = tempfile::TempDir::new().unwrap();
    let copy = dir.path().join("vs.yaml");
    std::fs::copy(root().join(fixture), &copy).unwrap();
    let p = copy.to_str().unwrap();
    let (_, _, stderr) = run(&["--fix", "--select", "MESH003", p]);
    assert!(stderr.contains("fixed 1 finding"), "{stderr}");
    let fixed = std::fs::read_to_string(&copy).unwrap();
    assert!(fixed.contains("canary\n      Services while"), "{fixed}");
    let (code, report) = run_json(&["--select", "MESH001,MESH003", p]);
    assert_eq!(code, 0, "{report:#}");
}

/// Alternative files of one DestinationRule (bookinfo's `destination-rule-all.yaml` beside
/// `fault-injection-details-v1.yaml`): the last one is what `kubectl apply` of all would keep,
/// but a route to a subset that another alternative defines is not an error.
#[test]
fn a_subset_defined_by_an_alternative_copy_is_not_an_error() {
    let input = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: details\n  namespace: bookinfo\nspec:\n  host: details\n  subsets:\n    - name: v1\n      labels: {version: v1}\n    - name: v2\n      labels: {version: v2}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: details\n  namespace: bookinfo\nspec:\n  host: details\n  subsets:\n    - name: v1\n      labels: {version: v1}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: details\n  namespace: bookinfo\nspec:\n  hosts: [details]\n  http:\n    - route:\n        - destination:\n            host: details\n            subset: v2\n";
    let out = common::mesh_lint()
        .args(["-o", "json", "--select", "MESH307", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(codes(&report).is_empty(), "{report:#}");
    // A subset no copy defines still is.
    let out = common::mesh_lint()
        .args(["-o", "json", "--select", "MESH307", "-"])
        .write_stdin(input.replace("subset: v2", "subset: v3"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&report), ["MESH307"], "{report:#}");
}

/// On stdin (rendered output), a value that merely looks like a template action does not drop
/// the stream; a raw template piped in is skipped with the note.
#[test]
fn stdin_is_skipped_only_when_it_is_a_template_that_does_not_parse() {
    let rendered = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wf\n  namespace: ci\ndata:\n  odd: {{x}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ci\nspec:\n  ports:\n    - name: web\n      port: 80\n";
    let out = common::mesh_lint()
        .args(["-o", "json", "-"])
        .write_stdin(rendered)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(codes(&report).iter().any(|c| c == "MESH101"), "{report:#}");
    let raw = std::fs::read_to_string(
        root()
            .join(CHART_REPO)
            .join("charts/podinfo/templates/tests/grpc.yaml"),
    )
    .unwrap();
    let out = common::mesh_lint()
        .args(["-o", "json", "-"])
        .write_stdin(raw)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(codes(&report).is_empty(), "{report:#}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped `-`"));
}

/// A file that a kustomization lists as a patch is merged by kustomize, never applied alone:
/// a Service patch without ports must not replace the Service it patches.
#[test]
fn kustomize_patches_are_not_objects_of_their_own() {
    let dir = tempfile::TempDir::new().unwrap();
    let base = dir.path().join("app");
    std::fs::create_dir_all(base.join("patches")).unwrap();
    let write = |name: &str, text: &str| std::fs::write(base.join(name), text).unwrap();
    write(
        "app.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80}, {name: http-admin, port: 8080}]\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\nspec:\n  hosts: [web]\n  http: [{route: [{destination: {host: web}}]}]\n",
    );
    write(
        "patches/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: ClusterIP\n",
    );
    let lint = || {
        let (_, report) = run_json(&[
            "--fail-on",
            "never",
            "--select",
            "MESH306",
            base.to_str().unwrap(),
        ]);
        with_code(&report, "MESH306").len()
    };
    // Without the kustomization the patch is an object of its own and replaces the Service,
    // whose two ports the route must choose between.
    assert_eq!(lint(), 0);
    write(
        "kustomization.yaml",
        "resources: [app.yaml]\npatches:\n- path: patches/service.yaml\n",
    );
    assert_eq!(lint(), 1);
}

/// A copy that a later one replaces is checked only for what it holds itself: what it says
/// about other resources (an old host, say) is not what `kubectl apply` leaves in the cluster.
#[test]
fn a_replaced_copy_is_not_checked_against_other_resources() {
    let dir = tempfile::TempDir::new().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let dr = |host: &str| {
        format!("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: reviews, namespace: shop}}\nspec:\n  host: {host}\n")
    };
    std::fs::write(
        old.join("dr.yaml"),
        dr("reviews-old.shop.svc.cluster.local"),
    )
    .unwrap();
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\nspec:\n  selector: {app: reviews}\n  ports: [{name: http, port: 9080}]\n---\n";
    let current = format!("{service}{}", dr("reviews.shop.svc.cluster.local"));
    std::fs::write(new.join("dr.yaml"), current).unwrap();
    let args = |first: &std::path::Path, second: &std::path::Path| {
        let (_, report) = run_json(&[
            "--config",
            "/dev/null",
            "--select",
            "MESH3",
            first.to_str().unwrap(),
            second.to_str().unwrap(),
        ]);
        report
    };
    // `old` first: the current copy replaces it, and nothing is wrong.
    let report = args(&old, &new);
    assert!(with_code(&report, "MESH304").is_empty(), "{report}");
    // `new` first: the old copy is what the cluster keeps, and its host is unknown.
    let report = args(&new, &old);
    assert_eq!(with_code(&report, "MESH304").len(), 1, "{report}");
}
