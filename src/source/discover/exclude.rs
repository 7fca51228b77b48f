//! `--exclude` globs.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::Path;

/// The compiled `--exclude` globs; see `WalkOptions::excludes` for what they match.
#[derive(Clone, Debug)]
pub(super) struct Excludes {
    set: GlobSet,
}

impl Excludes {
    /// Compiles the globs; an invalid one is a usage error naming it.
    pub(super) fn new(patterns: &[String]) -> Result<Excludes, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let normalized = normalize(pattern);
            let glob = Glob::new(normalized)
                .map_err(|err| format!("invalid --exclude glob `{pattern}`: {}", err.kind()))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|err| format!("invalid --exclude globs: {err}"))?;
        Ok(Excludes { set })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// A path named on the command line, by its display name.
    pub(super) fn matches_named(&self, display: &str) -> bool {
        self.matches(display, display, false)
    }

    /// A path found while walking: relative to the walked root and as displayed.
    ///
    /// A directory is also tried with a trailing `/`, so `charts/**` prunes `charts` itself
    /// instead of descending into it and dropping every file.
    pub(super) fn matches(&self, relative: &str, display: &str, is_dir: bool) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let file_name = Path::new(display).file_name().map(|n| n.to_string_lossy());
        let found = self.set.is_match(relative)
            || self.set.is_match(display)
            || file_name.is_some_and(|name| self.set.is_match(name.as_ref()));
        found
            || (is_dir
                && (self.set.is_match(format!("{relative}/"))
                    || self.set.is_match(format!("{display}/"))))
    }
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

    fn excludes(patterns: &[&str]) -> Excludes {
        Excludes::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn matches_relative_display_and_file_name() {
        let ex = excludes(&["charts/**", "**/kustomization.yaml", "vendor"]);
        assert!(ex.matches("charts/a/b.yaml", "manifests/charts/a/b.yaml", false));
        assert!(ex.matches("charts", "manifests/charts", true));
        assert!(!ex.matches("charts", "manifests/charts", false));
        assert!(ex.matches("kustomization.yaml", "manifests/kustomization.yaml", false));
        assert!(ex.matches(
            "base/kustomization.yaml",
            "manifests/base/kustomization.yaml",
            false
        ));
        assert!(ex.matches("x/vendor", "manifests/x/vendor", false));
        assert!(!ex.matches("app.yaml", "manifests/app.yaml", false));
        assert!(ex.matches_named("kustomization.yaml"));
    }

    #[test]
    fn leading_dot_slash_and_trailing_slash_are_ignored() {
        let ex = excludes(&["./charts/"]);
        assert!(ex.matches("charts", "manifests/charts", false));
    }

    #[test]
    fn invalid_glob_names_the_glob() {
        let err = Excludes::new(&["ok/**".to_string(), "bad[".to_string()]).unwrap_err();
        assert!(err.contains("`bad[`"), "{err}");
    }

    #[test]
    fn no_globs_match_nothing() {
        assert!(!excludes(&[]).matches("a.yaml", "a.yaml", false));
    }
}
