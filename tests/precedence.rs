//! Which findings survive: select/ignore precedence, suppression annotations by code, prefix
//! and name, and the per-rule counts of `--statistics`. Each case pins one decision, so a
//! changed comparison or dropped condition fails a test.

mod common;

use common::{mesh_lint, run_json};
use std::fs;
use tempfile::TempDir;

const WEB: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\n  namespace: shop\n  annotations: {ANN}\nspec:\n  ports:\n    - name: web\n      port: 80\n";
const VS: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: v\n  namespace: shop\nspec:\n  hosts: [s0.shop.svc.cluster.local]\n  http:\n    - route:\n        - destination:\n            host: s1\n        - destination:\n            host: s2.shop\n";

/// Ten `web` Services (MESH101), a short host (MESH301) and a partial host (MESH302).
fn mesh(annotation: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    let mut docs: Vec<String> = (0..10)
        .map(|i| {
            WEB.replace("{i}", &i.to_string())
                .replace("{ANN}", annotation)
        })
        .collect();
    docs.push(VS.to_owned());
    fs::write(dir.path().join("a.yaml"), docs.join("---\n")).unwrap();
    dir
}

/// Codes found, with how many of each, in code order.
fn found(dir: &TempDir, args: &[&str]) -> Vec<(String, usize)> {
    let path = dir.path().join("a.yaml");
    let mut all = args.to_vec();
    all.push(path.to_str().unwrap());
    let (_, report) = run_json(&all);
    let mut counts = std::collections::BTreeMap::new();
    // Only the port and host families: other rules may see the same objects.
    for code in common::codes(&report)
        .into_iter()
        .filter(|c| c.starts_with("MESH1") || c.starts_with("MESH3"))
    {
        *counts.entry(code).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

fn owned(expected: &[(&str, usize)]) -> Vec<(String, usize)> {
    expected.iter().map(|(c, n)| (c.to_string(), *n)).collect()
}

#[test]
fn the_most_specific_select_or_ignore_entry_wins() {
    let dir = mesh("{}");
    let all = owned(&[("MESH101", 10), ("MESH301", 1), ("MESH302", 1)]);
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, usize)]);
    let cases: &[Case] = &[
        (&[], &[("MESH101", 10), ("MESH301", 1), ("MESH302", 1)]),
        (
            &["--select", "ALL"],
            &[("MESH101", 10), ("MESH301", 1), ("MESH302", 1)],
        ),
        (&["--select", "MESH3"], &[("MESH301", 1), ("MESH302", 1)]),
        // A longer prefix beats a shorter one, whichever list it is in.
        (&["--select", "MESH3", "--ignore", "MESH30"], &[]),
        (
            &["--select", "MESH301", "--ignore", "MESH3"],
            &[("MESH301", 1)],
        ),
        (
            &["--select", "MESH30", "--ignore", "MESH3"],
            &[("MESH301", 1), ("MESH302", 1)],
        ),
        (&["--ignore", "MESH3"], &[("MESH101", 10)]),
        // On a tie the ignore wins.
        (&["--select", "MESH301", "--ignore", "MESH301"], &[]),
        (&["--select", "ALL", "--ignore", "ALL"], &[]),
        // A name is more specific than any code.
        (
            &["--select", "short-hostname", "--ignore", "MESH301"],
            &[("MESH301", 1)],
        ),
        (&["--select", "MESH301", "--ignore", "short-hostname"], &[]),
        (&["--ignore", "partial-hostname,MESH1"], &[("MESH301", 1)]),
        // Lists add up across flags and commas.
        (
            &["--select", "MESH101", "--select", "MESH302"],
            &[("MESH101", 10), ("MESH302", 1)],
        ),
    ];
    assert_eq!(found(&dir, &[]), all);
    for (args, expected) in cases {
        assert_eq!(found(&dir, args), owned(expected), "{args:?}");
    }
}

#[test]
fn the_config_lists_and_the_flags_combine() {
    let dir = mesh("{}");
    fs::write(
        dir.path().join(".mesh-lint.yaml"),
        "select: [MESH3]\nignore: [MESH302]\n",
    )
    .unwrap();
    let in_dir = |args: &[&str]| {
        let mut all = vec!["-o", "json"];
        all.extend_from_slice(args);
        let out = mesh_lint()
            .current_dir(dir.path())
            .args(all)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        common::codes(&report)
    };
    assert_eq!(in_dir(&["a.yaml"]), ["MESH301"]);
    // --select replaces the config's select; both ignores apply.
    assert_eq!(in_dir(&["--select", "MESH1,MESH3", "a.yaml"]).len(), 11);
    assert_eq!(
        in_dir(&["--ignore", "MESH301", "a.yaml"]),
        Vec::<String>::new()
    );
}

#[test]
fn annotations_suppress_by_code_prefix_name_and_istioctl_code() {
    let cases: &[(&str, usize)] = &[
        ("{}", 10),
        ("{mesh-lint.io/ignore: MESH101}", 0),
        ("{mesh-lint.io/ignore: mesh101}", 0),
        ("{mesh-lint.io/ignore: MESH1}", 0),
        ("{mesh-lint.io/ignore: MESH10}", 0),
        ("{mesh-lint.io/ignore: MESH}", 0),
        ("{mesh-lint.io/ignore: '*'}", 0),
        ("{mesh-lint.io/ignore: port-name-without-protocol}", 0),
        ("{mesh-lint.io/ignore: Port-Name-Without-Protocol}", 0),
        ("{mesh-lint.io/ignore: 'MESH301, MESH101'}", 0),
        // Not this rule: another code, another name, too short a prefix, empty entries.
        ("{mesh-lint.io/ignore: MESH102}", 10),
        ("{mesh-lint.io/ignore: MESH3}", 10),
        ("{mesh-lint.io/ignore: short-hostname}", 10),
        ("{mesh-lint.io/ignore: MES}", 10),
        ("{mesh-lint.io/ignore: 'MESH1011'}", 10),
        ("{mesh-lint.io/ignore: ', ,'}", 10),
        ("{other.io/ignore: MESH101}", 10),
        // istioctl's annotation, for the IST codes our rules cover.
        ("{galley.istio.io/analyze-suppress: IST0118}", 0),
        ("{galley.istio.io/analyze-suppress: ist0118}", 0),
        ("{galley.istio.io/analyze-suppress: 'IST0101, IST0118'}", 0),
        ("{galley.istio.io/analyze-suppress: '*'}", 0),
        ("{galley.istio.io/analyze-suppress: IST0101}", 10),
        ("{galley.istio.io/analyze-suppress: MESH101}", 10),
    ];
    for (annotation, expected) in cases {
        let dir = mesh(annotation);
        let got = found(&dir, &[]);
        let n = got
            .iter()
            .find(|(c, _)| c == "MESH101")
            .map_or(0, |(_, n)| *n);
        assert_eq!(n, *expected, "{annotation}");
        // The VirtualService is not annotated: its findings stay.
        assert!(got.iter().any(|(c, _)| c == "MESH301"), "{annotation}");
    }
}

#[test]
fn statistics_count_each_rule_and_mark_safe_fixes() {
    let dir = mesh("{}");
    let out = mesh_lint()
        .current_dir(dir.path())
        .args(["--statistics", "--select", "MESH1,MESH3", "a.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "10\tMESH101\t\tport-name-without-protocol\n 1\tMESH301\t[*]\tshort-hostname\n 1\tMESH302\t\tpartial-hostname\n"
    );
    // Only findings at or above --fail-on decide the exit status, as in every format.
    let out = mesh_lint()
        .current_dir(dir.path())
        .args([
            "--statistics",
            "--select",
            "MESH301",
            "--fail-on",
            "error",
            "a.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "1\tMESH301\t[*]\tshort-hostname\n"
    );
}
