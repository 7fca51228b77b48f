//! `--select`/`--ignore` and the config's lists: codes, code prefixes (`MESH1`), names, `ALL`.

use super::RuleMeta;
use crate::diagnostic::Severity;
use std::collections::HashMap;

/// The rule no selection turns off: invalid YAML.
pub const ALWAYS_ON: &str = "MESH001";

/// One entry of a select or ignore list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    All,
    /// A code or code prefix, upper-cased (`MESH1`, `MESH101`).
    Code(String),
    Name(String),
}

impl Selector {
    /// Parses one entry; an entry that matches no rule is an error naming it.
    pub fn parse(raw: &str, rules: &[&'static RuleMeta]) -> Result<Selector, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("all") {
            return Ok(Selector::All);
        }
        let upper = raw.to_ascii_uppercase();
        if rules.iter().any(|m| m.code.starts_with(&upper)) && upper.starts_with("MESH") {
            return Ok(Selector::Code(upper));
        }
        if let Some(m) = rules.iter().find(|m| m.name.eq_ignore_ascii_case(raw)) {
            return Ok(Selector::Name(m.name.to_owned()));
        }
        Err(format!(
            "{} (use a code like MESH101, a prefix like MESH1, or a name; `mesh-lint rules` lists them)",
            super::not_a_rule(raw)
        ))
    }

    pub fn parse_list(
        raw: &[String],
        rules: &[&'static RuleMeta],
    ) -> Result<Vec<Selector>, String> {
        raw.iter()
            .flat_map(|s| s.split(','))
            .filter(|s| !s.trim().is_empty())
            .map(|s| Selector::parse(s, rules))
            .collect()
    }

    /// Whether the entry names the rule itself (its full code or its name), which an opt-in
    /// rule needs to run.
    /// True when the entry is the rule's own code or name, not a prefix.
    pub fn names(&self, meta: &RuleMeta) -> bool {
        match self {
            Selector::All => false,
            Selector::Code(code) => code == meta.code,
            Selector::Name(name) => name == meta.name,
        }
    }

    pub fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Code(prefix) => meta.code.starts_with(prefix.as_str()),
            Selector::Name(name) => meta.name == name,
        }
    }

    /// How specific the selector is: a longer code prefix beats a shorter one (ruff's rule).
    fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Code(c) => c.len(),
            Selector::Name(_) => usize::MAX,
        }
    }
}

/// Which rules run and at what severity.
#[derive(Clone, Debug, Default)]
pub struct RuleSelection {
    /// `None` means every rule.
    pub select: Option<Vec<Selector>>,
    pub ignore: Vec<Selector>,
    pub severity: HashMap<&'static str, Severity>,
}

impl RuleSelection {
    /// A rule runs when the most specific matching entry of select/ignore is a select; with no
    /// select list every rule is selected at specificity 0. An opt-in rule is selected only by
    /// an entry naming it (full code or name). MESH001 always runs: a document
    /// that does not parse was not linted at all, so it must never pass as clean (ruff treats
    /// syntax errors the same way).
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        if meta.code == ALWAYS_ON {
            return true;
        }
        let best = |list: &[Selector]| {
            list.iter()
                .filter(|s| s.matches(meta))
                .map(Selector::specificity)
                .max()
        };
        let selected = match &self.select {
            _ if meta.opt_in => self.select.as_ref().and_then(|list| {
                list.iter()
                    .filter(|s| s.names(meta))
                    .map(Selector::specificity)
                    .max()
            }),
            None => Some(0),
            Some(list) => best(list),
        };
        let Some(selected) = selected else {
            return false;
        };
        best(&self.ignore).is_none_or(|ignored| ignored < selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{FixAvailability, Subject};

    fn meta(code: &'static str, name: &'static str, opt_in: bool) -> RuleMeta {
        RuleMeta {
            code,
            name,
            area: "lifecycle",
            severity: Severity::Info,
            fix: FixAvailability::None,
            fix_kinds: "",
            subject: Subject::Object,
            istioctl: &[],
            opt_in,
            summary: "",
            docs: "",
        }
    }

    fn selection(select: Option<&[&str]>, ignore: &[&str]) -> RuleSelection {
        let entry = |s: &&str| match *s {
            "ALL" => Selector::All,
            s if s.starts_with("MESH") => Selector::Code(s.to_owned()),
            s => Selector::Name(s.to_owned()),
        };
        RuleSelection {
            select: select.map(|l| l.iter().map(entry).collect()),
            ignore: ignore.iter().map(entry).collect(),
            ..RuleSelection::default()
        }
    }

    #[test]
    fn opt_in_rules_run_only_when_named() {
        let alpha = meta("MESH411", "alpha-istio-annotation", true);
        let deprecated = meta("MESH412", "deprecated-istio-config", false);
        assert!(!selection(None, &[]).enabled(&alpha));
        assert!(selection(None, &[]).enabled(&deprecated));
        assert!(!selection(Some(&["MESH4"]), &[]).enabled(&alpha));
        assert!(selection(Some(&["MESH4"]), &[]).enabled(&deprecated));
        assert!(!selection(Some(&["ALL"]), &[]).enabled(&alpha));
        assert!(selection(Some(&["MESH411"]), &[]).enabled(&alpha));
        assert!(selection(Some(&["alpha-istio-annotation"]), &[]).enabled(&alpha));
        assert!(!selection(Some(&["MESH411"]), &["MESH411"]).enabled(&alpha));
    }
}
