//! `mesh-lint check`: read, lint, optionally fix, report, and choose the exit status.

use super::args::{CheckArgs, ColorChoice};
use super::settings::{self, Settings};
use super::{error, EXIT_USAGE};
use crate::diagnostic::{Applicability, Severity};
use crate::fix;
use crate::lint::{lint, LintResult};
use crate::render::{self, Format, RenderContext, Summary};
use crate::rules;
use crate::source::{discover, Files, SourceFile};
use std::io::{IsTerminal, Write};

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
        let planned = fix::plan(&discovery.files, &result.diagnostics, min, &result.blocked);
        if args.diff {
            let mut out = std::io::stdout().lock();
            for f in &planned {
                let file = discovery.files.get(f.file);
                let _ = write!(
                    out,
                    "{}",
                    fix::unified_diff(&file.name, &file.text, &f.new_text)
                );
            }
            return u8::from(!planned.is_empty());
        }
        match apply(&mut discovery.files, planned) {
            Ok(0) => {}
            Ok(n) => {
                eprintln!(
                    "mesh-lint: fixed {n} finding{}",
                    if n == 1 { "" } else { "s" }
                );
                // Re-lint what was written so the report shows what is left.
                result = lint(&discovery.files, &settings.lint);
            }
            Err(msg) => {
                error(msg);
                return EXIT_USAGE;
            }
        }
    }
    report(&args, &settings, &discovery.files, &result)
}

/// Writes the fixed files and swaps their new text into `files`; returns the fixes applied.
fn apply(files: &mut Files, planned: Vec<fix::FixedFile>) -> Result<usize, String> {
    let mut applied = 0;
    for f in planned {
        let file = files.get(f.file);
        let _w = crate::crash::working_on(format!("writing the fixes of `{}`", file.name));
        let Some(path) = file.path.clone() else {
            eprintln!(
                "mesh-lint: warning: fixes for stdin are not applied; use --diff to see them"
            );
            continue;
        };
        // Written back in the encoding it was read in (UTF-16/UTF-32 with their BOM).
        let bytes = file.encode(&f.new_text);
        fix::write_atomically(&path, &bytes)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        let name = file.name.clone();
        files.replace(f.file, SourceFile::decode(name, Some(path), bytes));
        applied += f.applied;
    }
    Ok(applied)
}

fn report(args: &CheckArgs, settings: &Settings, files: &Files, result: &LintResult) -> u8 {
    let diagnostics = &result.diagnostics;
    let summary = Summary::tally(files.len(), result.objects, diagnostics);
    let stdout = std::io::stdout();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
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
    let mut out = stdout.lock();
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
