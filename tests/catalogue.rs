//! Every Istio annotation or label key written in a rule's source is one Istio defines: the
//! catalogue (generated from istio/api, `src/model/catalogue/`) must know it. A rule that
//! names a key Istio does not have would check for something that never happens.

mod common;

use common::root;
use mesh_lint::model::catalogue;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Quoted strings of the form `<domain ending in istio.io>/<name>` in `text`.
fn istio_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (i, piece) in text.split('"').enumerate() {
        // Odd pieces are inside quotes (good enough for source without escaped quotes in keys).
        if i % 2 == 0 || piece.contains([' ', '{', '`', '\\']) {
            continue;
        }
        let Some((domain, name)) = piece.split_once('/') else {
            continue;
        };
        let istio = domain == "istio.io" || domain.ends_with(".istio.io");
        if istio && !name.is_empty() && !domain.starts_with("internal.") {
            keys.push(piece.to_owned());
        }
    }
    keys
}

#[test]
fn keys_named_in_rules_and_the_model_are_in_the_catalogue() {
    let mut files = Vec::new();
    rust_files(&root().join("src/rules"), &mut files);
    rust_files(&root().join("src/model"), &mut files);
    let mut checked = 0;
    let mut missing = Vec::new();
    for file in files {
        if file.ends_with("generated.rs") || file.parent().is_some_and(|p| p.ends_with("catalogue"))
        {
            continue; // the catalogue itself
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Test modules name made-up keys on purpose.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for key in istio_keys(code) {
            checked += 1;
            if catalogue::annotation(&key).is_none() && catalogue::label(&key).is_none() {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
    }
    assert!(checked > 0, "no keys found: the scan is broken");
    assert!(
        missing.is_empty(),
        "keys Istio does not define:\n{}",
        missing.join("\n")
    );
}
