//! Suppression by annotation on the object a finding is about: `mesh-lint.io/ignore` with codes,
//! prefixes, names or `*`; and istioctl's `galley.istio.io/analyze-suppress` for the IST codes
//! mesh-lint's rules cover, so existing suppressions keep working.

use crate::diagnostic::Diagnostic;
use crate::model::MeshIndex;

pub const IGNORE_ANNOTATION: &str = "mesh-lint.io/ignore";
const ISTIOCTL_ANNOTATION: &str = "galley.istio.io/analyze-suppress";

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
            || crate::rules::find(d.code)
                .is_some_and(|m| m.istioctl.iter().any(|c| c.eq_ignore_ascii_case(ist)))
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
    #[test]
    fn istioctl_codes_are_well_formed_and_listed_once_per_rule() {
        for m in crate::rules::metas() {
            let mut codes = m.istioctl.to_vec();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(
                codes.len(),
                m.istioctl.len(),
                "{}: an IST code twice",
                m.code
            );
            for code in m.istioctl {
                assert!(
                    code.starts_with("IST") && code.len() == 7,
                    "{}: {code}",
                    m.code
                );
            }
        }
    }
}
