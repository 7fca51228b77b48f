use super::args::RulesFormat;
use crate::rules::{self, FixAvailability, RuleMeta};
use serde::Serialize;

/// `mesh-lint rules`: every rule as a table, Markdown (the README's table) or JSON.
pub fn run(format: RulesFormat) -> u8 {
    let metas = rules::metas();
    let out = match format {
        RulesFormat::Table => table(&metas),
        RulesFormat::Markdown => markdown(&metas),
        RulesFormat::Json => json(&metas),
    };
    super::print_text(&out);
    0
}

fn fix_text(m: &RuleMeta) -> &'static str {
    match m.fix {
        FixAvailability::None => "",
        _ => m.fix_kinds,
    }
}

pub fn table(metas: &[&RuleMeta]) -> String {
    let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(4);
    let mut out = format!(
        "{:<8} {:<width$} {:<8} {:<15} SUMMARY\n",
        "CODE", "NAME", "SEVERITY", "FIX"
    );
    for m in metas {
        out += &format!(
            "{:<8} {:<width$} {:<8} {:<15} {}\n",
            m.code,
            m.name,
            m.severity.as_str(),
            fix_text(m),
            m.summary
        );
    }
    out
}

/// The rules table in the README is this output (a test keeps them in sync).
pub fn markdown(metas: &[&RuleMeta]) -> String {
    let mut out =
        String::from("| code | name | severity | fix | summary |\n|---|---|---|---|---|\n");
    for m in metas {
        let fix = if fix_text(m).is_empty() {
            "none"
        } else {
            fix_text(m)
        };
        out += &format!(
            "| {} | `{}` | {} | {} | {} |\n",
            m.code,
            m.name,
            m.severity.as_str(),
            fix,
            m.summary
        );
    }
    out
}

fn json(metas: &[&RuleMeta]) -> String {
    #[derive(Serialize)]
    struct Entry<'a> {
        code: &'a str,
        name: &'a str,
        area: &'a str,
        severity: &'a str,
        fix: FixAvailability,
        fix_kinds: &'a str,
        summary: &'a str,
        /// The istioctl analyze codes the rule covers.
        istioctl: &'a [&'a str],
        /// Runs only when selected by code or name.
        opt_in: bool,
        url: String,
        explanation: String,
    }
    let entries: Vec<Entry> = metas
        .iter()
        .map(|m| Entry {
            code: m.code,
            name: m.name,
            area: m.area,
            severity: m.severity.as_str(),
            fix: m.fix,
            fix_kinds: m.fix_kinds,
            summary: m.summary,
            istioctl: m.istioctl,
            opt_in: m.opt_in,
            url: m.url(),
            explanation: m.docs_markdown(),
        })
        .collect();
    serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n"
}
