//! `--statistics`: one line per rule, flake8/ruff style.

use crate::diagnostic::{Applicability, Diagnostic};
use std::collections::HashMap;
use std::io::{self, Write};

struct RuleCount {
    code: &'static str,
    name: &'static str,
    count: usize,
    safe_fix: bool,
}

pub(super) fn render(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    let mut by_code: HashMap<&'static str, RuleCount> = HashMap::new();
    for d in diagnostics {
        let entry = by_code.entry(d.code).or_insert(RuleCount {
            code: d.code,
            name: d.name,
            count: 0,
            safe_fix: false,
        });
        entry.count += 1;
        entry.safe_fix |= d
            .fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe);
    }
    let mut rows: Vec<RuleCount> = by_code.into_values().collect();
    // Ties by code so the order does not depend on hashing.
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    let width = rows.first().map_or(1, |r| r.count.to_string().len());
    for row in rows {
        let marker = if row.safe_fix { "[*]" } else { "" };
        writeln!(
            out,
            "{:>width$}\t{}\t{}\t{}",
            row.count, row.code, marker, row.name
        )?;
    }
    Ok(())
}
