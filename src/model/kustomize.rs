//! Kustomize patch files. A `kustomization.yaml` lists files under `patchesStrategicMerge`,
//! `patches` (`path:`) or `patchesJson6902`: kustomize merges them into the resources they
//! target, and `kubectl apply -k` never applies them on their own. Read as objects they would
//! replace the full object they patch (a Service patch without ports shadowing the Service),
//! so the index leaves them out; their YAML is still parsed and checked.

use crate::parse::ParsedFile;
use crate::source::{FileId, Files};
use mesh_lint_yaml::Node;
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The inputs that a kustomization among the inputs names as a patch.
pub fn patch_files(files: &Files, parsed: &[ParsedFile]) -> HashSet<FileId> {
    let mut wanted: HashSet<PathBuf> = HashSet::new();
    for p in parsed {
        let Some(path) = files.get(p.file).path.as_deref() else {
            continue;
        };
        let is_kustomization = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n));
        if !is_kustomization {
            continue;
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        for doc in p.documents.iter().filter(|d| d.is_usable()) {
            let Some(root) = doc.doc.root() else { continue };
            for patch in patch_paths(root) {
                wanted.insert(normalize(&dir.join(patch)));
            }
        }
    }
    if wanted.is_empty() {
        return HashSet::new();
    }
    files
        .iter()
        .filter(|(_, f)| {
            f.path
                .as_deref()
                .is_some_and(|p| wanted.contains(&normalize(p)))
        })
        .map(|(id, _)| id)
        .collect()
}

/// The file paths a kustomization lists as patches, as written.
fn patch_paths(root: Node<'_>) -> Vec<&str> {
    let mut out = Vec::new();
    for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
        for item in root.get(key).into_iter().flat_map(|n| n.items()) {
            // `patches` entries are mappings with `path:` (or an inline `patch:`); the older
            // `patchesStrategicMerge` entries are plain paths (or inline YAML, never a file).
            let path = item
                .as_str()
                .or_else(|| item.get("path").and_then(|p| p.as_str()));
            if let Some(path) = path.filter(|p| !p.contains('\n')) {
                out.push(path);
            }
        }
    }
    out
}

/// `a/b/../c/./d` as `a/c/d`, without touching the file system (inputs may be given relative).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::{Path, PathBuf};

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(normalize(Path::new("a/b/../c/./d")), PathBuf::from("a/c/d"));
        assert_eq!(
            normalize(Path::new("../x/../../y")),
            PathBuf::from("../../y")
        );
        assert_eq!(
            normalize(Path::new("./k/patches/s.yaml")),
            PathBuf::from("k/patches/s.yaml")
        );
    }
}
