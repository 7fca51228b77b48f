//! Display names: paths as the user would write them, always with `/`.

use std::path::{Component, Path};

/// `path` without `.` components, joined with `/`; `.` when nothing is left.
pub(super) fn display_path(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => out.push('/'),
            Component::ParentDir | Component::Normal(_) => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&component.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::display_path;
    use std::path::Path;

    #[test]
    fn drops_dot_components_and_trailing_slashes() {
        let cases = [
            (".", "."),
            ("./", "."),
            ("./app.yaml", "app.yaml"),
            ("manifests/", "manifests"),
            ("./manifests//app.yaml", "manifests/app.yaml"),
            ("manifests/./base/app.yaml", "manifests/base/app.yaml"),
            ("../shared/app.yaml", "../shared/app.yaml"),
            ("/abs/app.yaml", "/abs/app.yaml"),
            ("/", "/"),
        ];
        for (input, expected) in cases {
            assert_eq!(display_path(Path::new(input)), expected, "{input}");
        }
    }
}
