//! Command-line interface: argument parsing and the commands.

mod args;
mod check;
mod explain;
mod list;
mod settings;

pub use args::{CheckArgs, Cli, Command, FailOn};

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// Exit status 2: usage error, unreadable named path, bad config, internal error.
pub const EXIT_USAGE: u8 = 2;

pub fn main() -> ExitCode {
    crate::crash::install_hook();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let bin_name = program_name(argv.first());
    let mut cmd = Cli::command().bin_name(&bin_name).name(bin_name.clone());
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
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, &bin_name, &mut std::io::stdout());
            0
        }
    };
    ExitCode::from(code)
}

/// The program as invoked: `kubectl mesh-lint` when run as the kubectl plugin binary.
fn program_name(argv0: Option<&std::ffi::OsString>) -> String {
    let base = argv0
        .map(std::path::Path::new)
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("mesh-lint");
    match base.strip_prefix("kubectl-") {
        Some(plugin) => format!("kubectl {}", plugin.replace('_', "-")),
        None => base.to_owned(),
    }
}

/// Prints an error for the user on stderr, prefixed like every other message of ours.
pub(crate) fn error(msg: impl std::fmt::Display) {
    eprintln!("mesh-lint: error: {msg}");
}
