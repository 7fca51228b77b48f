//! `--exclude` globs.

use crate::source::anchored::relative_to;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// The compiled `--exclude` globs; see `WalkOptions::excludes` for what they match.
#[derive(Clone, Debug)]
pub(super) struct Excludes {
    set: GlobSet,
    /// The config file's globs, matched relative to its directory.
    anchored: Option<(PathBuf, GlobSet)>,
}

impl Excludes {
    /// Compiles the globs; an invalid one is a usage error naming it.
    pub(super) fn new(
        patterns: &[String],
        config: Option<&(PathBuf, Vec<String>)>,
    ) -> Result<Excludes, String> {
        let set = glob_set(patterns, "--exclude")?;
        let anchored = match config {
            Some((dir, patterns)) => Some((dir.clone(), glob_set(patterns, "config: exclude")?)),
            None => None,
        };
        Ok(Excludes { set, anchored })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.set.is_empty() && self.anchored.as_ref().is_none_or(|(_, set)| set.is_empty())
    }

    /// A path named on the command line, by its display name.
    pub(super) fn matches_named(&self, display: &str, path: &Path) -> bool {
        self.matches(path, display, display, false)
    }

    /// A path found while walking: relative to the walked root and as displayed.
    ///
    /// A directory is also tried with a trailing `/`, so `charts/**` prunes `charts` itself
    /// instead of descending into it and dropping every file.
    /// The config file's globs see the path relative to the config file's directory instead.
    pub(super) fn matches(&self, path: &Path, relative: &str, display: &str, is_dir: bool) -> bool {
        let file_name = Path::new(display).file_name().map(|n| n.to_string_lossy());
        let hit = |set: &GlobSet, paths: &[&str]| {
            paths.iter().any(|p| set.is_match(p))
                || file_name
                    .as_ref()
                    .is_some_and(|name| set.is_match(name.as_ref()))
                || (is_dir && paths.iter().any(|p| set.is_match(format!("{p}/"))))
        };
        if !self.set.is_empty() && hit(&self.set, &[relative, display]) {
            return true;
        }
        let Some((dir, set)) = &self.anchored else {
            return false;
        };
        !set.is_empty()
            && relative_to(dir, path).is_some_and(|rel| !rel.is_empty() && hit(set, &[&rel]))
    }
}

fn glob_set(patterns: &[String], what: &str) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(normalize(pattern))
            .map_err(|err| format!("invalid {what} glob `{pattern}`: {}", err.kind()))?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|err| format!("invalid {what} globs: {err}"))
}

/// Display names never start with `./` or end with `/`, so a glob written that way could never
/// match; users write both (`./charts/`) and mean the obvious thing.
fn normalize(pattern: &str) -> &str {
    let mut pattern = pattern;
    while let Some(rest) = pattern.strip_prefix("./") {
        pattern = rest;
    }
    let trimmed = pattern.trim_end_matches('/');
    if trimmed.is_empty() {
        pattern
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::Excludes;
    use std::path::Path;

    fn excludes(patterns: &[&str]) -> Excludes {
        Excludes::new(
            &patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            None,
        )
        .unwrap()
    }

    #[test]
    fn matches_relative_display_and_file_name() {
        let ex = excludes(&["charts/**", "**/kustomization.yaml", "vendor"]);
        assert!(ex.matches(
            Path::new("manifests/charts/a/b.yaml"),
            "charts/a/b.yaml",
            "manifests/charts/a/b.yaml",
            false
        ));
        assert!(ex.matches(
            Path::new("manifests/charts"),
            "charts",
            "manifests/charts",
            true
        ));
        assert!(!ex.matches(
            Path::new("manifests/charts"),
            "charts",
            "manifests/charts",
            false
        ));
        assert!(ex.matches(
            Path::new("manifests/kustomization.yaml"),
            "kustomization.yaml",
            "manifests/kustomization.yaml",
            false
        ));
        assert!(ex.matches(
            Path::new("manifests/base/kustomization.yaml"),
            "base/kustomization.yaml",
            "manifests/base/kustomization.yaml",
            false
        ));
        assert!(ex.matches(
            Path::new("manifests/x/vendor"),
            "x/vendor",
            "manifests/x/vendor",
            false
        ));
        assert!(!ex.matches(
            Path::new("manifests/app.yaml"),
            "app.yaml",
            "manifests/app.yaml",
            false
        ));
        assert!(ex.matches_named("kustomization.yaml", Path::new("kustomization.yaml")));
    }

    #[test]
    fn leading_dot_slash_and_trailing_slash_are_ignored() {
        let ex = excludes(&["./charts/"]);
        assert!(ex.matches(
            Path::new("manifests/charts"),
            "charts",
            "manifests/charts",
            false
        ));
    }

    #[test]
    fn invalid_glob_names_the_glob() {
        let err = Excludes::new(&["ok/**".to_string(), "bad[".to_string()], None).unwrap_err();
        assert!(err.contains("`bad[`"), "{err}");
    }

    #[test]
    fn no_globs_match_nothing() {
        assert!(!excludes(&[]).matches(Path::new("a.yaml"), "a.yaml", "a.yaml", false));
    }
}
