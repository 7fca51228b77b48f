//! Paths relative to a directory other than the working directory: globs in the config file
//! are written relative to the config file, so they must match the same files whether
//! mesh-lint runs from the repository root, a subdirectory, or is given absolute paths.

use std::path::{Component, Path, PathBuf};

/// `path` relative to `dir`, with `/` separators, when `path` lies under `dir`. Both are made
/// absolute against the working directory and `.`/`..` are resolved lexically (without
/// following symlinks, like the paths the user typed).
pub fn relative_to(dir: &Path, path: &Path) -> Option<String> {
    let path = lexical_absolute(path)?;
    let rest = path.strip_prefix(dir).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// `path` made absolute, with `.` and `..` resolved without touching the file system.
pub fn lexical_absolute(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_the_directory_are_relative_to_it() {
        let dir = Path::new("/repo");
        assert_eq!(
            relative_to(dir, Path::new("/repo/legacy/a.yaml")).as_deref(),
            Some("legacy/a.yaml")
        );
        assert_eq!(
            relative_to(dir, Path::new("/repo/sub/../legacy/./a.yaml")).as_deref(),
            Some("legacy/a.yaml")
        );
        assert_eq!(relative_to(dir, Path::new("/elsewhere/a.yaml")), None);
        assert_eq!(relative_to(dir, Path::new("/repository/a.yaml")), None);
    }

    #[test]
    fn relative_paths_start_at_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        let rel = relative_to(&cwd, Path::new("a/../b/c.yaml"));
        assert_eq!(rel.as_deref(), Some("b/c.yaml"));
    }
}
