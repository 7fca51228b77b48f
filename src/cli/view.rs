//! What `listeners` and `trace` share: reading the inputs with `check`'s settings and handing
//! the command the checker whose models the rules use.

use super::args::ModelArgs;
use super::{error, settings, EXIT_USAGE};
use crate::lint::with_checker;
use crate::rules::Checker;
use crate::source::discover;

/// Reads the inputs and runs `f` over the models; a usage error is reported and returned as
/// the exit status.
pub fn with_model<R>(args: &ModelArgs, f: impl FnOnce(&Checker<'_, '_>) -> R) -> Result<R, u8> {
    let settings = settings::resolve(&args.as_check()).map_err(|msg| {
        error(msg);
        EXIT_USAGE
    })?;
    let discovery =
        discover(&args.paths, &settings.walk, &mut std::io::stdin().lock()).map_err(|msg| {
            error(msg);
            EXIT_USAGE
        })?;
    for p in &discovery.problems {
        eprintln!("mesh-lint: warning: {}: {}", p.path, p.message);
    }
    let (answer, broken) = with_checker(&discovery.files, &settings.lint, f);
    if broken > 0 {
        eprintln!(
            "mesh-lint: warning: {broken} file{} did not parse completely; `mesh-lint check` shows where",
            if broken == 1 { "" } else { "s" }
        );
    }
    Ok(answer)
}

/// Prints a command's output and returns its exit status: the text on stdout (0), a usage
/// error on stderr (2), or the status `with_model` already reported.
pub fn print_output(out: Result<Result<String, String>, u8>) -> u8 {
    match out {
        Ok(Ok(text)) => {
            super::print_text(&text);
            0
        }
        Ok(Err(msg)) => {
            error(msg);
            EXIT_USAGE
        }
        Err(code) => code,
    }
}
