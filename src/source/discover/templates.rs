//! Whether a read input is a Go template to skip rather than YAML to lint.

use crate::source::templates::find_template_syntax;
use crate::source::SourceFile;
use mesh_lint_yaml::{parse_stream, Limits};

/// Why `file` is skipped, as a note with how to lint it; `None` to lint it. A file is a
/// template when `{{` outside strings and comments starts a node, or appears anywhere such and
/// the file does not parse as YAML. Stdin is normally rendered output (`helm template … |`),
/// so there only the second counts: one odd value must not drop a whole release.
pub(super) fn skip_reason(file: &SourceFile) -> Option<String> {
    if file.unreadable.is_some() {
        return None;
    }
    let found = find_template_syntax(&file.text)?;
    let decisive = found.starts_node && file.path.is_some();
    if !decisive
        && parse_stream(&file.text, &Limits::default())
            .iter()
            .all(|d| d.error.is_none())
    {
        return None;
    }
    Some(format!(
        "skipped `{}`: Go template syntax (`{{{{` at line {}) outside strings and comments, not YAML until rendered; render it and lint the output on stdin (`<renderer> | mesh-lint -`, as with `helm template <chart> | mesh-lint -`)",
        file.name, found.line
    ))
}
