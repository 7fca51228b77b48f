//! Command-line interface: argument parsing and the commands.

mod args;
mod check;
pub mod complete;
pub mod docs;
mod explain;
mod list;
mod settings;

pub use args::{CheckArgs, Cli, Command, FailOn};

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// Exit status 2: usage error, unreadable named path, bad config, internal error.
pub const EXIT_USAGE: u8 = 2;

pub fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Cobra's hidden completion command, for a `kubectl_complete-mesh_lint` shim that runs
    // `kubectl-mesh_lint __complete "$@"`. Taken before clap so no path is ever mistaken for it.
    if argv.get(1).is_some_and(|a| a == complete::COMMAND) {
        let words: Vec<String> = argv[2..]
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        print!("{}", complete::complete(&words).to_protocol());
        return ExitCode::SUCCESS;
    }
    let exe = executable_name(argv.first());
    let mut cmd = command(&exe);
    let matches = match cmd.try_get_matches_from_mut(argv) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let code = match cli.command {
        None => check::run(cli.check),
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Explain { rule }) => explain::run(&rule),
        Some(Command::Rules { format }) => list::run(format),
        Some(Command::Completions { shell }) => {
            print!("{}", completion_script(shell, &exe));
            0
        }
    };
    ExitCode::from(code)
}

/// The name of the executable, which is what a shell completes: `mesh-lint` or
/// `kubectl-mesh_lint` (whatever the file is called, as long as it is one word).
fn executable_name(argv0: Option<&std::ffi::OsString>) -> String {
    argv0
        .map(std::path::Path::new)
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_whitespace))
        .unwrap_or("mesh-lint")
        .to_owned()
}

/// The clap command as help and errors show it: `kubectl mesh-lint` for the plugin binary.
pub fn command(executable: &str) -> clap::Command {
    let shown = match executable.strip_prefix("kubectl-") {
        Some(plugin) => format!("kubectl {}", plugin.replace('_', "-")),
        None => executable.to_owned(),
    };
    Cli::command().bin_name(&shown).name(shown)
}

/// The completion script for `shell`, completing the executable `executable` (clap_complete
/// needs a one-word name: a shell cannot register completion for `kubectl mesh-lint`).
pub fn completion_script(shell: clap_complete::Shell, executable: &str) -> String {
    let mut cmd = Cli::command().name(executable.to_owned());
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, executable, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Prints an error for the user on stderr, prefixed like every other message of ours.
pub(crate) fn error(msg: impl std::fmt::Display) {
    eprintln!("mesh-lint: error: {msg}");
}
