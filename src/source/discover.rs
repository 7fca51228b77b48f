//! Turning the paths on the command line into [`Files`].
//!
//! Display names follow one convention: the path as the user wrote it, extended by the path
//! under it for walked files, with `.` components dropped and `/` as the separator. So walking
//! `manifests` or `./manifests/` gives `manifests/app.yaml`, walking `.` gives `app.yaml`, a
//! named `./app.yaml` shows as `app.yaml`, and absolute or `../` paths stay absolute or
//! parent-relative. Stdin is `-`.

mod display;
mod exclude;
mod read;
mod templates;
mod walk;

use super::{Files, SourceFile};
use display::display_path;
use exclude::Excludes;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// `--exclude` globs (globset syntax), matched against paths relative to the walked root and
    /// against the path as given.
    ///
    /// A path is excluded when a glob matches its path relative to the walked directory, its
    /// display name, or its file name alone (so `--exclude vendor` skips every `vendor`
    /// directory, as in `.gitignore`). `*` also matches `/`. A leading `./` and a trailing `/`
    /// in a glob are ignored. Excludes apply to named files as well, so a pre-commit hook that
    /// passes file names gets the same result as a directory walk; an excluded directory is not
    /// descended into.
    pub excludes: Vec<String>,
    /// The config file's `exclude` globs and its directory: they match paths relative to that
    /// directory (and file names), so they hold from any working directory and for absolute
    /// paths.
    pub config_excludes: Option<(PathBuf, Vec<String>)>,
    /// Bytes of input held at once, all files together; `None` is [`MAX_TOTAL_INPUT`].
    pub max_total_input: Option<u64>,
}

/// All inputs of a run together may hold this many bytes. Memory peaks at roughly ten times the
/// input (trees, index, findings), so this keeps a run within a few GiB on any input; inputs
/// past it are reported (MESH001) instead of being read, never left to the OOM killer.
pub const MAX_TOTAL_INPUT: u64 = 512 * 1024 * 1024;

/// Something that went wrong with an input that is not a file we can point into (a symlink
/// loop, an unreadable directory). Printed as a warning; linting goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Files,
    pub problems: Vec<InputProblem>,
    /// Inputs left out on purpose (Helm chart templates, other Go templates), each with how to
    /// lint it; printed as notes.
    pub skipped: Vec<String>,
}

/// Reads every input named by `paths`: files as given (any extension), directories walked
/// recursively for `*.yaml`, `*.yml`, `*.json` honouring `.gitignore` and `--exclude`, and `-`
/// from `stdin` (named `-`). No paths means `.`. Files come out in a stable order (walk order
/// sorted by path). A named path that does not exist is an `Err` (usage error, exit 2).
/// Binary files (a NUL byte in the first 8 KiB) and unreadable files are added through
/// `SourceFile::unreadable` so they are reported as MESH001; symlink loops and unreadable
/// directories become [`InputProblem`]s.
///
/// The order is the order of `paths`; the files of one directory are sorted by path. A file
/// reached twice (named twice, named and walked, or through a symlink) is read once, under the
/// first name it was reached by. An invalid `--exclude` glob is an `Err` as well.
pub fn discover(
    paths: &[String],
    opts: &WalkOptions,
    stdin: &mut dyn Read,
) -> Result<Discovery, String> {
    let excludes = Excludes::new(&opts.excludes, opts.config_excludes.as_ref())?;
    let default = [".".to_string()];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };

    let mut inputs = Inputs::default();
    let mut problems = Vec::new();
    let mut charts = Vec::new();
    for arg in paths {
        if arg == "-" {
            inputs.push_stdin();
            continue;
        }
        let path = Path::new(arg);
        let metadata = std::fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => format!("path `{arg}` does not exist"),
            _ => format!("cannot access `{arg}`: {err}"),
        })?;
        let name = display_path(path);
        if excludes.matches_named(&name, path) {
            continue;
        }
        if !metadata.is_dir() {
            if let Some(chart) = crate::source::templates::chart_of_file(path) {
                if !charts.contains(&chart) {
                    charts.push(chart);
                }
                continue;
            }
            // A named file that cannot even be opened is a usage error (exit 2, cli.md); one
            // found by walking a directory is reported and the walk goes on.
            if let Err(err) = std::fs::File::open(path) {
                return Err(format!("cannot read `{arg}`: {err}"));
            }
            // Not only regular files: `<(helm template …)` names a pipe.
            inputs.push_disk(name, path.to_path_buf());
            continue;
        }
        for found in walk::walk(path, &excludes, &mut problems, &mut charts) {
            inputs.push_disk(display_path(&found), found);
        }
    }

    let mut skipped: Vec<String> = charts.iter().map(|c| chart_note(c)).collect();
    let mut files = Files::default();
    for file in inputs.read(stdin, opts.max_total_input.unwrap_or(MAX_TOTAL_INPUT)) {
        match templates::skip_reason(&file) {
            Some(reason) => skipped.push(reason),
            None => {
                files.add(file);
            }
        }
    }
    Ok(Discovery {
        files,
        problems,
        skipped,
    })
}

fn chart_note(chart: &Path) -> String {
    let name = display_path(chart);
    let name = if name.is_empty() {
        ".".to_owned()
    } else {
        name
    };
    format!(
        "skipped the templates of Helm chart `{name}` (Go templates are not YAML until rendered); lint them with `helm template {name} | mesh-lint -`"
    )
}

enum Input {
    Stdin,
    Disk { name: String, path: PathBuf },
}

/// The inputs in order, each file once.
#[derive(Default)]
struct Inputs {
    list: Vec<Input>,
    seen: HashSet<Option<PathBuf>>,
}

impl Inputs {
    fn push_stdin(&mut self) {
        if self.seen.insert(None) {
            self.list.push(Input::Stdin);
        }
    }

    fn push_disk(&mut self, name: String, path: PathBuf) {
        // Canonical paths catch `a.yaml` vs `./a.yaml`, a file both named and walked, and
        // symlinks to the same file; if that fails the file is being removed under us and the
        // read will say so.
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.seen.insert(Some(key)) {
            self.list.push(Input::Disk { name, path });
        }
    }

    /// Reads stdin first (it is not `Send`), the files in parallel, and keeps the order.
    ///
    /// At most `budget` bytes are held, decided in input order so the result does not depend on
    /// timing: a file whose size (from its metadata) does not fit in what is left is not read,
    /// and one that turns out bigger than announced (a pipe, stdin, a growing file) is dropped
    /// after reading. Either way it becomes an unreadable file naming the budget; later files
    /// that still fit are read.
    fn read(self, stdin: &mut dyn Read, budget: u64) -> Vec<SourceFile> {
        let mut stdin_file = self.seen.contains(&None).then(|| read::read_stdin(stdin));
        let mut announced = stdin_file.as_ref().map_or(0, |f| f.text.len() as u64);
        let planned: Vec<(Input, bool)> = self
            .list
            .into_iter()
            .map(|input| {
                let size = match &input {
                    Input::Stdin => 0,
                    Input::Disk { path, .. } => std::fs::metadata(path).map_or(0, |m| m.len()),
                };
                let fits = announced.saturating_add(size) <= budget;
                if fits {
                    announced += size;
                }
                (input, fits)
            })
            .collect();
        let disk: Vec<Option<SourceFile>> = planned
            .into_par_iter()
            .map(|(input, fits)| match input {
                Input::Stdin => None,
                Input::Disk { name, path } if fits => Some(read::read_path(name, path)),
                Input::Disk { name, path } => Some(over_budget(name, Some(path), budget)),
            })
            .collect();
        let mut files = Vec::new();
        let mut held: u64 = 0;
        for file in disk {
            let Some(file) = file.or_else(|| stdin_file.take()) else {
                continue;
            };
            let size = file.text.len() as u64;
            if held.saturating_add(size) > budget {
                files.push(over_budget(file.name, file.path, budget));
                continue;
            }
            held += size;
            files.push(file);
        }
        files
    }
}

fn over_budget(name: String, path: Option<PathBuf>, budget: u64) -> SourceFile {
    let reason = format!(
        "not read: the inputs of this run exceed {budget} bytes held at once; lint the manifests in several runs or `--exclude` what is not a manifest"
    );
    SourceFile::unreadable(name, path, reason)
}

#[cfg(test)]
mod tests;
