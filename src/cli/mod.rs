//! Command-line interface: argument parsing and the commands.

mod args;
mod check;
mod dns;
mod explain;
mod list;
mod settings;

pub use args::{CheckArgs, Cli, Command, FailOn};

use clap::{CommandFactory, FromArgMatches};
use std::path::Path;
use std::process::ExitCode;

/// Exit status 2: usage error, unreadable named path, bad config, internal error.
pub const EXIT_USAGE: u8 = 2;

pub fn main() -> ExitCode {
    crate::crash::install_hook();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let bin_name = program_name(argv.first());
    let cli = match parse(&bin_name, &argv) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            print_clap(&e);
            return ExitCode::from(code);
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

/// Parses `argv`. A subcommand written after flags (`mesh-lint -o json rules`) first parses
/// as a path to lint; when no such path exists, the subcommand is moved to the front and its
/// flags are parsed as its own, so flag placement works as users expect. A flag the
/// subcommand does not take is then clap's usage error naming it.
fn parse(bin_name: &str, argv: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    let as_written = parse_as_written(bin_name, argv);
    let misplaced = match &as_written {
        Ok(cli) => cli.command.is_none() && !cli.check.paths.is_empty(),
        Err(_) => true,
    };
    // The first word naming a subcommand that is not also a path to lint.
    let word_at = argv.iter().enumerate().skip(2).find_map(|(i, a)| {
        let word = a.to_str()?;
        (SUBCOMMANDS.contains(&word) && !Path::new(word).exists()).then_some(i)
    });
    let (true, Some(at)) = (misplaced, word_at) else {
        return as_written;
    };
    if let Ok(cli) = &as_written {
        // Only when the word was taken as the first path, not as some flag's value.
        if cli.check.paths.first().map(String::as_str) != argv[at].to_str() {
            return as_written;
        }
    }
    let mut reordered = vec![argv[0].clone(), argv[at].clone()];
    reordered.extend(argv[1..at].iter().cloned());
    reordered.extend(argv[at + 1..].iter().cloned());
    // On failure, the subcommand's own error says which flag it does not take.
    parse_as_written(bin_name, &reordered)
}

const SUBCOMMANDS: [&str; 4] = ["check", "explain", "rules", "completions"];

fn parse_as_written(bin_name: &str, argv: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command().bin_name(bin_name).name(bin_name.to_owned());
    let matches = cmd.try_get_matches_from_mut(argv)?;
    Cli::from_arg_matches(&matches)
}

/// Prints a clap error with our prefix (`mesh-lint: error: ...`), so usage errors read like
/// every other error of ours; help and version text are printed as clap formats them.
fn print_clap(e: &clap::Error) {
    if !e.use_stderr() {
        let _ = e.print();
        return;
    }
    let rendered = e.render().to_string();
    let rest = rendered.strip_prefix("error: ").unwrap_or(&rendered);
    eprint!("mesh-lint: error: {rest}");
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
