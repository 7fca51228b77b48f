//! Small helpers for building insertions that read as if a person had typed them. They look
//! only at the line being edited: scanning the whole file per finding is quadratic on large
//! inputs.

/// The line break used by the line holding byte `at`: `\r\n` if it ends with one, else `\n`.
pub fn line_ending_at(text: &str, at: usize) -> &'static str {
    let rest = &text.as_bytes()[at.min(text.len())..];
    match rest.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && rest[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Spaces as wide as the column of byte `at`, to align an inserted key with its sibling.
pub fn indent_at(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    " ".repeat(text[line_start..at].chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_and_indents_come_from_the_edited_line() {
        let text = "a: 1\r\n  - b: 2\nc: 3";
        assert_eq!(line_ending_at(text, 0), "\r\n");
        assert_eq!(line_ending_at(text, 8), "\n");
        assert_eq!(line_ending_at(text, 17), "\n");
        assert_eq!(indent_at(text, text.find("b:").unwrap()), "    ");
    }
}
