//! `mesh-lint check`: read, lint, optionally fix, report, and choose the exit status.

use super::args::CheckArgs;
use super::settings::{self, Settings};
use super::{error, EXIT_USAGE};
use crate::diagnostic::{Applicability, Severity};
use crate::fix;
use crate::lint::{lint, LintResult};
use crate::render::{self, Format, RenderContext, Summary};
use crate::rules;
use crate::source::{discover, FileId, Files};
use std::io::Write;

pub fn run(args: CheckArgs) -> u8 {
    let settings = match settings::resolve(&args) {
        Ok(s) => s,
        Err(msg) => {
            error(msg);
            return EXIT_USAGE;
        }
    };
    let mut discovery = match discover(&args.paths, &settings.walk, &mut std::io::stdin().lock()) {
        Ok(d) => d,
        Err(msg) => {
            error(msg);
            return EXIT_USAGE;
        }
    };
    for p in &discovery.problems {
        eprintln!("mesh-lint: warning: {}: {}", p.path, p.message);
    }
    for note in &discovery.skipped {
        eprintln!("mesh-lint: note: {note}");
    }
    if discovery.files.is_empty() && discovery.skipped.is_empty() {
        // A wrong path or an over-eager --exclude should not pass silently as "all clear".
        eprintln!(
            "mesh-lint: warning: no manifests found (*.yaml, *.yml, *.json) under the given paths"
        );
    }
    let mut result = lint(&discovery.files, &settings.lint);

    if args.fix || args.diff {
        let min = if args.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let relint = |files: &Files| lint(files, &settings.lint);
        let limits = &settings.lint.limits;
        let outcome = fix::until_stable(&mut discovery.files, min, result, limits, &relint);
        result = outcome.result;
        for (&id, &count) in &outcome.refused {
            eprintln!(
                "mesh-lint: warning: {count} fix{} to `{}` not applied: the fixed text would not parse as YAML, so the file is left as it was (a bug in a rule's fix; please report it)",
                if count == 1 { "" } else { "es" },
                discovery.files.get(id).name,
            );
        }
        if outcome.remaining > 0 {
            eprintln!(
                "mesh-lint: warning: {} more fix{} overlapped fixes applied in {} passes; run again to apply {}",
                outcome.remaining,
                if outcome.remaining == 1 { "" } else { "es" },
                fix::MAX_PASSES,
                if outcome.remaining == 1 { "it" } else { "them" },
            );
        }
        if args.diff {
            let mut out = std::io::stdout().lock();
            for (&id, old) in &outcome.originals {
                let new = discovery.files.get(id);
                let _ = write!(out, "{}", fix::unified_diff(&new.name, old, &new.text));
            }
            return u8::from(!outcome.originals.is_empty());
        }
        if let Err(msg) = write(&discovery.files, outcome.originals.keys()) {
            error(msg);
            return EXIT_USAGE;
        }
        // Stdin is never written, so its fixes do not count as applied.
        let n: usize = outcome
            .applied
            .iter()
            .filter(|(&id, _)| discovery.files.get(id).path.is_some())
            .map(|(_, n)| n)
            .sum();
        if n > 0 {
            eprintln!(
                "mesh-lint: fixed {n} finding{}",
                if n == 1 { "" } else { "s" }
            );
        }
    }
    report(&args, &settings, &discovery.files, &result)
}

/// Writes the fixed files in the encoding each was read in (UTF-16/UTF-32 with their BOM);
/// stdin's fixes are only shown by `--diff`.
fn write<'f>(files: &Files, changed: impl Iterator<Item = &'f FileId>) -> Result<(), String> {
    for &id in changed {
        let file = files.get(id);
        let _w = crate::crash::working_on(format!("writing the fixes of `{}`", file.name));
        let Some(path) = &file.path else {
            eprintln!(
                "mesh-lint: warning: fixes for stdin are not applied; use --diff to see them"
            );
            continue;
        };
        fix::write_atomically(path, file.encode(&file.text))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

fn report(args: &CheckArgs, settings: &Settings, files: &Files, result: &LintResult) -> u8 {
    let diagnostics = &result.diagnostics;
    let summary = Summary::tally(files.len(), result.objects, diagnostics);
    let stdout = std::io::stdout();
    let color = args.color.enabled();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let metas = rules::metas();
    let ctx = RenderContext {
        files,
        rules: &metas,
        summary,
        color,
        width,
        tool_version: env!("CARGO_PKG_VERSION"),
        unsafe_fixes: args.unsafe_fixes,
        github_step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(Into::into),
    };
    let _w = crate::crash::working_on("writing the report");
    // Standard output is line-buffered: unbuffered, a 68 MB JSON report is two million writes.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if args.statistics {
        render::statistics(diagnostics, &mut out)
    } else {
        render::render(
            args.format.unwrap_or(Format::Human),
            diagnostics,
            &ctx,
            &mut out,
        )
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            error(format!("cannot write the report: {e}"));
            return EXIT_USAGE;
        }
    }
    let parse_error = diagnostics.iter().any(|d| d.code == "MESH001");
    let failing = diagnostics
        .iter()
        .any(|d| settings::fails(settings.fail_on, d.severity));
    let parse_fails = parse_error && settings::fails(settings.fail_on, Severity::Error);
    u8::from(failing || parse_fails)
}
