use super::{error, EXIT_USAGE};
use crate::rules;

/// `mesh-lint explain <CODE|NAME>`: the rule's documentation as Markdown, ruff style.
pub fn run(key: &str) -> u8 {
    let Some(meta) = rules::find(key) else {
        error(format!(
            "{} (`mesh-lint rules` lists them)",
            rules::not_a_rule(key)
        ));
        return EXIT_USAGE;
    };
    super::print_text(&render(meta));
    0
}

pub fn render(meta: &rules::RuleMeta) -> String {
    format!("{}{}\n", body(meta), meta.url())
}

/// The title, severity, fix availability and documentation, shared with the rule's page.
pub(super) fn body(meta: &rules::RuleMeta) -> String {
    let fix = match meta.fix {
        rules::FixAvailability::None => "No fix is available.".to_owned(),
        rules::FixAvailability::Always => format!("Fix is always available ({}).", meta.fix_kinds),
        rules::FixAvailability::Sometimes => {
            format!("Fix is sometimes available ({}).", meta.fix_kinds)
        }
    };
    let istioctl = match meta.istioctl {
        [] => String::new(),
        codes => format!(" Covers istioctl analyze's {}.", codes.join(", ")),
    };
    let opt_in = if meta.opt_in {
        format!(
            " Opt-in: runs only with `--select {}` (or its name).",
            meta.code
        )
    } else {
        String::new()
    };
    format!(
        "# {} ({})\n\nSeverity: {}. {}{}{}\n\n{}\n",
        meta.name,
        meta.code,
        meta.severity.as_str(),
        fix,
        istioctl,
        opt_in,
        meta.docs_markdown().trim_end(),
    )
}
