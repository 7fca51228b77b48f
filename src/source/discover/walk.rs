//! Walking one named directory.

use super::display::display_path;
use super::exclude::Excludes;
use super::InputProblem;
use crate::source::templates::chart_of_templates_dir;
use ignore::{DirEntry, WalkBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The manifest files under `root`, sorted by path. Walk errors (symlink loops, unreadable
/// directories, broken symlinks, bad ignore files) go to `problems` and the walk goes on.
///
/// Filtering is ripgrep's default: `.gitignore` (also outside a git repository), `.ignore`,
/// git's exclude files, hidden files and directories skipped. Symlinks are followed so
/// symlinked directories are linted; the walker detects loops.
///
/// The `templates/` directory of a Helm chart (a `Chart.yaml` beside it) is not descended
/// into: its chart directory goes to `charts`, to be linted rendered.
pub(super) fn walk(
    root: &Path,
    excludes: &Excludes,
    problems: &mut Vec<InputProblem>,
    charts: &mut Vec<PathBuf>,
) -> Vec<PathBuf> {
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(true)
        .require_git(false)
        .follow_links(true)
        .threads(1);
    let skipped = Arc::new(Mutex::new(Vec::new()));
    {
        let excludes = excludes.clone();
        let root = root.to_path_buf();
        let skipped = Arc::clone(&skipped);
        builder.filter_entry(move |entry| {
            if !excludes.is_empty() && is_excluded(entry, &root, &excludes) {
                return false;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            match is_dir
                .then(|| chart_of_templates_dir(entry.path()))
                .flatten()
            {
                Some(chart) => {
                    if let Ok(mut list) = skipped.lock() {
                        list.push(chart);
                    }
                    false
                }
                None => true,
            }
        });
    }

    let mut found = Vec::new();
    for result in builder.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(err) => {
                problems.push(problem(&err, root));
                continue;
            }
        };
        // With `follow_links` the file type is the target's, so symlinked files count and
        // fifos or sockets that happen to end in `.yaml` are not opened (they could block).
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        if entry.depth() > 0 && is_file && has_manifest_extension(entry.path()) {
            found.push(entry.into_path());
        }
    }
    found.sort();
    if let Ok(mut list) = skipped.lock() {
        list.sort();
        charts.append(&mut list);
    }
    found
}

fn is_excluded(entry: &DirEntry, root: &Path, excludes: &Excludes) -> bool {
    let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    excludes.matches(
        entry.path(),
        &display_path(relative),
        &display_path(entry.path()),
        is_dir,
    )
}

fn has_manifest_extension(path: &Path) -> bool {
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return false;
    };
    MANIFEST_EXTENSIONS
        .iter()
        .any(|m| ext.eq_ignore_ascii_case(m))
}

fn problem(err: &ignore::Error, root: &Path) -> InputProblem {
    let (path, message) = describe(err);
    InputProblem {
        path: display_path(path.unwrap_or(root)),
        message,
    }
}

/// The path an error is about and a message that does not repeat it.
fn describe(err: &ignore::Error) -> (Option<&Path>, String) {
    match err {
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe(err)
        }
        ignore::Error::WithPath { path, err } => (Some(path), describe(err).1),
        ignore::Error::Loop { ancestor, child } => (
            Some(child),
            format!(
                "symlink loop: points back to `{}`; not followed",
                display_path(ancestor)
            ),
        ),
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => (
            None,
            format!("broken symlink or file removed during the walk: {io}"),
        ),
        ignore::Error::Io(io) => (None, format!("cannot read: {io}")),
        ignore::Error::Partial(errs) => {
            let path = errs.iter().find_map(|e| describe(e).0);
            let messages: Vec<String> = errs.iter().map(|e| describe(e).1).collect();
            (path, messages.join("; "))
        }
        other => (None, other.to_string()),
    }
}
