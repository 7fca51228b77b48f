//! Turning the paths on the command line into [`Files`].

use super::Files;
use std::io::Read;

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// `--exclude` globs (globset syntax), matched against paths relative to the walked root and
    /// against the path as given.
    pub excludes: Vec<String>,
}

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
}

/// Reads every input named by `paths`: files as given (any extension), directories walked
/// recursively for `*.yaml`, `*.yml`, `*.json` honouring `.gitignore` and `--exclude`, and `-`
/// from `stdin` (named `-`). No paths means `.`. Files come out in a stable order (walk order
/// sorted by path). A named path that does not exist is an `Err` (usage error, exit 2).
/// Binary files (a NUL byte in the first 8 KiB) and unreadable files are added through
/// `SourceFile::unreadable` so they are reported as MESH001; symlink loops and unreadable
/// directories become [`InputProblem`]s.
pub fn discover(
    paths: &[String],
    opts: &WalkOptions,
    stdin: &mut dyn Read,
) -> Result<Discovery, String> {
    todo!("{paths:?} {opts:?} {:p}", stdin)
}
