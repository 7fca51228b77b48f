//! Command-line interface: argument parsing and the commands.

mod args;
mod check;
pub mod complete;
mod dns;
pub mod docs;
mod explain;
mod list;
mod listeners;
mod settings;
mod trace;
mod view;

pub use args::{CheckArgs, Cli, Command, FailOn};

use clap::{CommandFactory, FromArgMatches};
use std::path::Path;
use std::process::ExitCode;

/// Exit status 2: usage error, unreadable named path, bad config, internal error.
pub const EXIT_USAGE: u8 = 2;

pub fn main() -> ExitCode {
    crate::memory::configure();
    crate::crash::install_hook();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Cobra's hidden completion command, for a `kubectl_complete-mesh_lint` shim that runs
    // `kubectl-mesh_lint __complete "$@"`. Taken before clap so no path is ever mistaken for it.
    if argv.get(1).is_some_and(|a| a == complete::COMMAND) {
        let words: Vec<String> = argv[2..]
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        print_text(&complete::complete(&words).to_protocol());
        return ExitCode::SUCCESS;
    }
    let exe = executable_name(argv.first());
    let cli = match parse(&exe, &argv) {
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
        Some(Command::Listeners(args)) => listeners::run(&args),
        Some(Command::Trace(args)) => trace::run(&args),
        Some(Command::Completions { shell }) => {
            print_text(&completion_script(shell, &exe));
            0
        }
    };
    ExitCode::from(code)
}

/// Parses `argv`. A subcommand written after flags (`mesh-lint -o json rules`) first parses
/// as a path to lint; when no such path exists, the subcommand is moved to the front and its
/// flags are parsed as its own, so flag placement works as users expect. A flag the
/// subcommand does not take is then clap's usage error naming it.
fn parse(exe: &str, argv: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    let as_written = parse_as_written(exe, argv);
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
    parse_as_written(exe, &reordered)
}

const SUBCOMMANDS: [&str; 6] = [
    "check",
    "explain",
    "rules",
    "listeners",
    "trace",
    "completions",
];

fn parse_as_written(exe: &str, argv: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    let mut cmd = command(exe);
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

/// Writes a command's output to stdout. A reader that went away (`mesh-lint rules | head`) is
/// not an error of ours: the rest is dropped quietly, as `check` does with its report.
pub(crate) fn print_text(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            error(format!("cannot write the output: {e}"));
        }
    }
}
