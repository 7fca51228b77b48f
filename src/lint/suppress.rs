//! Suppression by annotation on the object a finding is about: `mesh-lint.io/ignore` with codes,
//! prefixes, names or `*`; and istioctl's `galley.istio.io/analyze-suppress` for the IST codes
//! mesh-lint's rules cover, so existing suppressions keep working.

use crate::diagnostic::Diagnostic;
use crate::model::MeshIndex;

pub const IGNORE_ANNOTATION: &str = "mesh-lint.io/ignore";
const ISTIOCTL_ANNOTATION: &str = "galley.istio.io/analyze-suppress";

/// istioctl analyze codes and the mesh-lint rules that report the same problem. Only rules
/// that exist are listed (a test checks it): a rule added later adds its IST codes here.
const IST_EQUIVALENTS: &[(&str, &[&str])] = &[
    ("IST0101", &["MESH304", "MESH307"]),
    ("IST0107", &["MESH402"]),
    ("IST0108", &["MESH408"]),
    ("IST0110", &["MESH204"]),
    ("IST0111", &["MESH204"]),
    ("IST0112", &["MESH306"]),
    ("IST0116", &["MESH102"]),
    ("IST0118", &["MESH101"]),
    ("IST0123", &["MESH409"]),
    ("IST0125", &["MESH403"]),
    ("IST0134", &["MESH103"]),
    ("IST0135", &["MESH408"]),
    ("IST0137", &["MESH102"]),
    ("IST0144", &["MESH407"]),
    ("IST0150", &["MESH101", "MESH103"]),
    ("IST0167", &["MESH204"]),
    ("IST0174", &["MESH304"]),
];

pub fn is_suppressed(d: &Diagnostic, index: &MeshIndex<'_>) -> bool {
    let Some(object) = d.subject else {
        return false;
    };
    let annotations = &index.objects[object].annotations;
    if let Some(value) = annotations.get(IGNORE_ANNOTATION) {
        if value
            .split(',')
            .map(str::trim)
            .any(|entry| matches_entry(entry, d))
        {
            return true;
        }
    }
    let Some(value) = annotations.get(ISTIOCTL_ANNOTATION) else {
        return false;
    };
    value.split(',').map(str::trim).any(|ist| {
        ist == "*"
            || IST_EQUIVALENTS
                .iter()
                .any(|(code, ours)| code.eq_ignore_ascii_case(ist) && ours.contains(&d.code))
    })
}

fn matches_entry(entry: &str, d: &Diagnostic) -> bool {
    if entry.is_empty() {
        return false;
    }
    entry == "*"
        || entry.eq_ignore_ascii_case(d.name)
        || (entry.len() >= 4 && d.code.starts_with(&entry.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::IST_EQUIVALENTS;

    #[test]
    fn ist_equivalents_name_existing_rules_once() {
        let mut ist: Vec<&str> = IST_EQUIVALENTS.iter().map(|(code, _)| *code).collect();
        let n = ist.len();
        ist.sort();
        ist.dedup();
        assert_eq!(ist.len(), n, "an IST code listed twice");
        for (code, ours) in IST_EQUIVALENTS {
            assert!(code.starts_with("IST") && code.len() == 7, "{code}");
            assert!(!ours.is_empty(), "{code}");
            for rule in *ours {
                assert!(
                    crate::rules::find(rule).is_some_and(|m| m.code == *rule),
                    "{code} maps to {rule}, which is not a rule"
                );
            }
        }
    }
}
