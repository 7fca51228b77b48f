//! Separate meshes in one repository (`meshes: ["envs/*"]`): each directory matching a glob is
//! linted on its own, so objects of `envs/dev` and `envs/prod` never meet; files under no such
//! directory (and stdin) form one more mesh.

use crate::parse::ParsedFile;
use crate::source::Files;
use globset::GlobMatcher;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A glob of mesh directories and the absolute directory it is relative to (the config file's
/// for `meshes:`, the current one for `--mesh`).
#[derive(Clone, Debug)]
pub struct MeshGlob {
    pub matcher: GlobMatcher,
    pub base: PathBuf,
}

/// Groups the parsed files by mesh, each group in input order. One group when no globs are
/// given.
pub fn split(files: &Files, parsed: Vec<ParsedFile>, globs: &[MeshGlob]) -> Vec<Vec<ParsedFile>> {
    if globs.is_empty() {
        return vec![parsed];
    }
    let mut groups: BTreeMap<Option<PathBuf>, Vec<ParsedFile>> = BTreeMap::new();
    for p in parsed {
        let key = files
            .get(p.file)
            .path
            .as_deref()
            .and_then(|path| mesh_of(path, globs));
        groups.entry(key).or_default().push(p);
    }
    groups.into_values().collect()
}

/// The outermost directory above `path` that a glob matches, relative to the glob's base.
pub fn mesh_of(path: &Path, globs: &[MeshGlob]) -> Option<PathBuf> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    globs.iter().find_map(|g| {
        let rel = path.strip_prefix(&g.base).ok()?;
        let mut dir = PathBuf::new();
        let parents = rel.parent()?.components();
        for c in parents {
            dir.push(c);
            if g.matcher.is_match(&dir) {
                return Some(g.base.join(&dir));
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use globset::Glob;

    #[test]
    fn files_belong_to_the_outermost_matching_directory() {
        let globs = [MeshGlob {
            matcher: Glob::new("envs/*").unwrap().compile_matcher(),
            base: PathBuf::from("/repo"),
        }];
        let mesh = |p: &str| mesh_of(Path::new(p), &globs);
        assert_eq!(
            mesh("/repo/envs/dev/app/svc.yaml"),
            Some(PathBuf::from("/repo/envs/dev"))
        );
        assert_eq!(
            mesh("/repo/envs/prod/svc.yaml"),
            Some(PathBuf::from("/repo/envs/prod"))
        );
        assert_eq!(mesh("/repo/base/svc.yaml"), None);
        assert_eq!(mesh("/elsewhere/envs/dev/svc.yaml"), None);
        // A file directly in `envs/` is in no environment.
        assert_eq!(mesh("/repo/envs/common.yaml"), None);
    }
}
