//! Checks on the rule catalogue itself: codes, docs, fixtures, generated text.

mod common;

use common::{root, run};
use mesh_lint::rules;

const SECTIONS: [&str; 5] = [
    "What it does",
    "Why is this bad?",
    "Example",
    "Fix safety",
    "References",
];

#[test]
fn codes_are_unique_sorted_and_well_formed() {
    let metas = rules::metas();
    let codes: Vec<&str> = metas.iter().map(|m| m.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        codes, sorted,
        "codes must be unique and sorted in the registry"
    );
    for m in &metas {
        assert!(
            m.code.len() == 7
                && m.code.starts_with("MESH")
                && m.code[4..].chars().all(|c| c.is_ascii_digit()),
            "{}",
            m.code
        );
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is not kebab-case",
            m.name
        );
        assert!(
            [
                "input",
                "ports",
                "scoping",
                "hosts",
                "lifecycle",
                "gateways",
                "security",
                "extensions"
            ]
            .contains(&m.area),
            "{}: area {}",
            m.code,
            m.area
        );
        assert!(!m.summary.is_empty());
    }
    let mut names: Vec<&str> = metas.iter().map(|m| m.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), metas.len(), "names must be unique");
}

#[test]
fn every_rule_documents_the_sections_in_order() {
    for m in rules::metas() {
        let found = m.doc_sections();
        let wanted: Vec<String> = SECTIONS.iter().map(|s| s.to_string()).collect();
        let present: Vec<String> = found
            .iter()
            .filter(|s| wanted.contains(s))
            .cloned()
            .collect();
        assert_eq!(present, wanted, "{}: sections {found:?}", m.code);
        assert!(
            m.docs_markdown().contains("Use instead:"),
            "{}: no `Use instead:` example",
            m.code
        );
    }
}

#[test]
fn every_rule_has_fixtures() {
    for m in rules::metas() {
        let dir = root()
            .join("testdata")
            .join(format!("{}-{}", m.code, m.name));
        assert!(dir.is_dir(), "missing fixture folder {}", dir.display());
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("invalid")),
            "{}: no invalid*.yaml",
            m.code
        );
        assert!(
            names.iter().any(|n| n.starts_with("valid")),
            "{}: no valid*.yaml",
            m.code
        );
    }
}

#[test]
fn readme_rules_table_is_generated_from_the_registry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README has the rules markers")
        + "<!-- rules:start -->\n".len();
    let end = readme.find("<!-- rules:end -->").unwrap();
    let (_, table, _) = run(&["rules", "--format", "markdown"]);
    assert_eq!(
        &readme[start..end],
        table,
        "README rules table is stale; regenerate with: UPDATE_GENERATED=1 cargo test --test generated"
    );
}

#[test]
fn explain_prints_every_rule() {
    for m in rules::metas() {
        let (code, out, _) = run(&["explain", m.code]);
        assert_eq!(code, 0);
        assert!(
            out.starts_with(&format!("# {} ({})", m.name, m.code)),
            "{out}"
        );
        let (code, by_name, _) = run(&["explain", m.name]);
        assert_eq!(code, 0);
        assert_eq!(out, by_name);
    }
}
