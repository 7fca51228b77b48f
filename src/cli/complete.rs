//! Dynamic completion in Cobra's `__complete` protocol, which kubectl speaks to plugins: kubectl
//! runs `kubectl_complete-mesh_lint` (or a shim calling `kubectl-mesh_lint __complete`) with the
//! plugin's words so far and the word being completed, and reads one candidate per line
//! (`value<TAB>description`) followed by `:<directive>`. See `pluginCompletion` in kubectl's
//! `pkg/cmd/plugin/plugin_completion.go` and Cobra's `ShellCompDirective`.
//!
//! Written against clap's `Command` introspection rather than clap_complete's dynamic engine:
//! that engine is behind unstable features outside semver, and it lists files itself where the
//! protocol wants the shell to do it (directive 0 with no candidates).

use super::args::Cli;
use crate::rules;
use clap::{Arg, ArgAction, Command, CommandFactory};

/// The hidden first argument that asks for completions instead of a lint run, as in Cobra.
pub const COMMAND: &str = "__complete";

/// Cobra's `ShellCompDirective` bits that we use.
pub mod directive {
    /// Let the shell complete file names when there is no candidate.
    pub const DEFAULT: u32 = 0;
    /// No candidate and no file completion either.
    pub const NO_FILE_COMP: u32 = 4;
}

/// Candidates (`value` or `value\tdescription`) and the directive for the shell.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Completions {
    pub candidates: Vec<String>,
    pub directive: u32,
}

impl Completions {
    /// The protocol's output: one candidate per line, then `:<directive>`.
    pub fn to_protocol(&self) -> String {
        let mut out = String::new();
        for c in &self.candidates {
            out.push_str(c);
            out.push('\n');
        }
        out.push_str(&format!(":{}\n", self.directive));
        out
    }

    fn values(candidates: Vec<String>) -> Self {
        Completions {
            candidates,
            directive: directive::NO_FILE_COMP,
        }
    }

    fn files() -> Self {
        Completions {
            candidates: Vec::new(),
            directive: directive::DEFAULT,
        }
    }
}

/// `kubectl_complete-mesh_lint WORD... CURRENT`: prints the completions and exits 0.
pub fn main() -> std::process::ExitCode {
    let words: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    super::print_text(&complete(&words).to_protocol());
    std::process::ExitCode::SUCCESS
}

/// Completes the last of `words` (the word under the cursor, possibly empty) given the ones
/// before it, as they follow `mesh-lint` on the command line.
pub fn complete(words: &[String]) -> Completions {
    let (current, before) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", words),
    };
    let mut root = Cli::command();
    // Built, so that the generated `--help` and `--version` are among the arguments.
    root.build();
    let state = scan(&root, before);
    if let Some(arg) = state.pending {
        return values_of(arg, "", current);
    }
    if !state.after_double_dash {
        if let Some(rest) = current.strip_prefix("--") {
            if let Some((name, value)) = rest.split_once('=') {
                return match find_long(state.cmd, name) {
                    Some(arg) => values_of(arg, &current[..current.len() - value.len()], value),
                    None => Completions::values(Vec::new()),
                };
            }
        }
        if current.starts_with('-') {
            return Completions::values(flags(state.cmd, &state.used, current));
        }
    }
    positional(&root, &state, current)
}

/// Where the words before the cursor leave us.
struct Scan<'c> {
    cmd: &'c Command,
    /// An option that still waits for its value: the cursor's word is that value.
    pending: Option<&'c Arg>,
    after_double_dash: bool,
    positionals: usize,
    /// Ids of the options already given, so that single-use flags are not offered again.
    used: Vec<String>,
}

fn scan<'c>(root: &'c Command, words: &[String]) -> Scan<'c> {
    let mut st = Scan {
        cmd: root,
        pending: None,
        after_double_dash: false,
        positionals: 0,
        used: Vec::new(),
    };
    for word in words {
        if st.pending.take().is_some() {
            continue;
        }
        if st.after_double_dash {
            st.positionals += 1;
            continue;
        }
        if word == "--" {
            st.after_double_dash = true;
            continue;
        }
        if let Some(rest) = word.strip_prefix("--") {
            let (name, attached) = match rest.split_once('=') {
                Some((n, _)) => (n, true),
                None => (rest, false),
            };
            if let Some(arg) = find_long(st.cmd, name) {
                st.used.push(arg.get_id().to_string());
                if takes_value(arg) && !attached {
                    st.pending = Some(arg);
                }
            }
            continue;
        }
        if let Some(cluster) = word.strip_prefix('-').filter(|c| !c.is_empty()) {
            for (i, c) in cluster.char_indices() {
                let Some(arg) = st.cmd.get_arguments().find(|a| a.get_short() == Some(c)) else {
                    break;
                };
                st.used.push(arg.get_id().to_string());
                if takes_value(arg) {
                    // `-ojson` carries its value; `-o` takes the next word.
                    if i + c.len_utf8() == cluster.len() {
                        st.pending = Some(arg);
                    }
                    break;
                }
            }
            continue;
        }
        // The first plain word may name a subcommand; after that, words are operands.
        if std::ptr::eq(st.cmd, root) && st.positionals == 0 {
            if let Some(sub) = visible_subcommands(root).find(|s| s.get_name() == word) {
                st.cmd = sub;
                continue;
            }
        }
        st.positionals += 1;
    }
    st
}

fn positional(root: &Command, st: &Scan<'_>, current: &str) -> Completions {
    if std::ptr::eq(st.cmd, root) && st.positionals == 0 && !st.after_double_dash {
        let subs: Vec<String> = visible_subcommands(root)
            .filter(|s| s.get_name().starts_with(current))
            .map(|s| with_help(s.get_name(), s.get_about().map(|a| a.to_string())))
            .collect();
        // A word that names no subcommand is a path: the shell completes those.
        if !subs.is_empty() {
            return Completions::values(subs);
        }
    }
    let operand = st
        .cmd
        .get_positionals()
        .nth(st.positionals)
        .or_else(|| st.cmd.get_positionals().find(|a| is_repeatable(a)));
    match operand {
        Some(arg) => values_of(arg, "", current),
        None => Completions::values(Vec::new()),
    }
}

/// Candidates for an option's or operand's value; `prefix` is what precedes the value in the
/// word (`--format=`), kept so the shell replaces the whole word.
fn values_of(arg: &Arg, prefix: &str, value: &str) -> Completions {
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        let candidates = possible
            .iter()
            .filter(|p| !p.is_hide_set() && p.get_name().starts_with(value))
            .map(|p| {
                with_help(
                    &format!("{prefix}{}", p.get_name()),
                    p.get_help().map(|h| h.to_string()),
                )
            })
            .collect();
        return Completions::values(candidates);
    }
    match arg.get_id().as_str() {
        "select" | "ignore" => {
            // Comma-separated: complete the last item, keep the ones before it.
            let (done, item) = match value.rsplit_once(',') {
                Some((done, item)) => (format!("{prefix}{done},"), item),
                None => (prefix.to_owned(), value),
            };
            Completions::values(rule_candidates(&done, item))
        }
        "rule" => Completions::values(rule_candidates(prefix, value)),
        _ if is_path(arg) => Completions::files(),
        _ => Completions::values(Vec::new()),
    }
}

/// Rule codes (with the name and summary as description), and names once a word is started
/// that is not a code's beginning.
fn rule_candidates(prefix: &str, item: &str) -> Vec<String> {
    let metas = rules::metas();
    let mut out: Vec<String> = metas
        .iter()
        .filter(|m| m.code.starts_with(item))
        .map(|m| format!("{prefix}{}\t{}: {}", m.code, m.name, m.summary))
        .collect();
    if !item.is_empty() {
        out.extend(
            metas
                .iter()
                .filter(|m| m.name.starts_with(item))
                .map(|m| format!("{prefix}{}\t{}", m.name, m.code)),
        );
    }
    out
}

fn flags(cmd: &Command, used: &[String], current: &str) -> Vec<String> {
    let mut out = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if used.iter().any(|u| u == arg.get_id().as_str()) && !is_repeatable(arg) {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string());
        if let Some(long) = arg.get_long() {
            let flag = format!("--{long}");
            if flag.starts_with(current) {
                out.push(with_help(&flag, help.clone()));
            }
        }
        if let Some(short) = arg.get_short() {
            // Short flags only for a bare `-`, as Cobra does: `--f` should not list `-o`.
            if current == "-" {
                out.push(with_help(&format!("-{short}"), help));
            }
        }
    }
    out
}

fn with_help(value: &str, help: Option<String>) -> String {
    match help {
        Some(h) if !h.is_empty() => {
            // One line per candidate: the protocol is line-based.
            let first = h.lines().next().unwrap_or_default().trim_end_matches('.');
            format!("{value}\t{first}")
        }
        _ => value.to_owned(),
    }
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

fn find_long<'c>(cmd: &'c Command, name: &str) -> Option<&'c Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

fn is_repeatable(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append | ArgAction::Count)
        || arg.get_num_args().is_some_and(|n| n.max_values() > 1)
}

/// Values that are files: by value hint, or by value name (`FILE`, `PATH`).
fn is_path(arg: &Arg) -> bool {
    use clap::ValueHint::{AnyPath, DirPath, FilePath};
    matches!(arg.get_value_hint(), AnyPath | DirPath | FilePath)
        || arg
            .get_value_names()
            .is_some_and(|names| names.iter().any(|n| n == "FILE" || n == "PATH"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    fn values(c: &Completions) -> Vec<&str> {
        c.candidates
            .iter()
            .map(|c| c.split('\t').next().unwrap_or(c))
            .collect()
    }

    #[test]
    fn empty_word_offers_subcommands() {
        let c = complete(&words(&[""]));
        assert_eq!(
            values(&c),
            [
                "check",
                "explain",
                "rules",
                "listeners",
                "trace",
                "completions"
            ],
            "{c:?}"
        );
        assert_eq!(c.directive, directive::NO_FILE_COMP);
    }

    #[test]
    fn a_word_naming_no_subcommand_is_a_path() {
        assert_eq!(complete(&words(&["testd"])), Completions::files());
        assert_eq!(complete(&words(&["check", ""])), Completions::files());
        assert_eq!(complete(&words(&["--", "ch"])), Completions::files());
    }

    #[test]
    fn flags_of_the_command_in_use() {
        let c = complete(&words(&["--f"]));
        assert_eq!(values(&c), ["--format", "--fail-on", "--fix"]);
        let c = complete(&words(&["rules", "--"]));
        assert!(values(&c).contains(&"--format"), "{c:?}");
        assert!(!values(&c).contains(&"--select"), "{c:?}");
        let c = complete(&words(&["-"]));
        assert!(values(&c).contains(&"-o") && values(&c).contains(&"-n"));
    }

    #[test]
    fn a_subcommand_after_flags_is_still_the_command_in_use() {
        // `mesh-lint -o json rules` runs `rules` (flags move to the subcommand).
        let c = complete(&words(&["-o", "json", "rules", "--"]));
        assert!(values(&c).contains(&"--help"), "{c:?}");
        assert!(!values(&c).contains(&"--select"), "{c:?}");
        let c = complete(&words(&["-o", "json", "ex"]));
        assert_eq!(values(&c), ["explain"]);
    }

    #[test]
    fn flags_given_once_are_not_offered_again_but_repeatable_ones_are() {
        let c = complete(&words(&["--fix", "--exclude", "a", "--"]));
        assert!(!values(&c).contains(&"--fix"));
        assert!(values(&c).contains(&"--exclude"));
    }

    #[test]
    fn format_values_after_the_flag_attached_or_not() {
        let all = ["human", "concise", "json", "sarif", "github"];
        assert_eq!(values(&complete(&words(&["-o", ""]))), all);
        assert_eq!(values(&complete(&words(&["--format", "j"]))), ["json"]);
        assert_eq!(
            values(&complete(&words(&["--format=s"]))),
            ["--format=sarif"]
        );
        // `-ojson` carries its value, so the next word is a path again.
        assert_eq!(complete(&words(&["-ojson", "te"])), Completions::files());
    }

    #[test]
    fn rule_codes_and_names_for_select_ignore_and_explain() {
        let c = complete(&words(&["--select", "MESH10"]));
        assert!(values(&c).contains(&"MESH101"), "{c:?}");
        assert!(c.candidates.iter().all(|v| v.starts_with("MESH10")));
        let c = complete(&words(&["--ignore", "MESH101,MESH30"]));
        assert!(values(&c).contains(&"MESH101,MESH301"), "{c:?}");
        let c = complete(&words(&["explain", "short"]));
        assert_eq!(values(&c), ["short-hostname"]);
    }

    #[test]
    fn files_for_file_options_and_nothing_for_free_text() {
        assert_eq!(
            complete(&words(&["--mesh-config", ""])),
            Completions::files()
        );
        assert_eq!(complete(&words(&["-n", ""])), Completions::values(vec![]));
    }

    #[test]
    fn protocol_output_ends_with_the_directive() {
        let c = Completions::values(vec!["a\tb".into()]);
        assert_eq!(c.to_protocol(), "a\tb\n:4\n");
    }
}
