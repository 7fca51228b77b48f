//! Unified diffs for `--diff`.

use similar::TextDiff;

/// A unified diff (`--- a/name` / `+++ b/name`, 3 lines of context) of `old` to `new`.
///
/// Empty when the texts are equal. A last line without a line break is followed by
/// `\ No newline at end of file`, as `diff -u` and git print it. Line breaks are kept as they
/// are, so a CRLF file's diff lines end in CRLF.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a.yaml", "x: 1\n", "x: 1\n"), "");
    }

    #[test]
    fn one_changed_line_with_three_lines_of_context() {
        let old = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\n";
        let new = "a: 1\nb: 2\nc: 3\nd: 4\ne: 50\nf: 6\ng: 7\nh: 8\n";
        let expected = "\
--- a/m/app.yaml
+++ b/m/app.yaml
@@ -2,7 +2,7 @@
 b: 2
 c: 3
 d: 4
-e: 5
+e: 50
 f: 6
 g: 7
 h: 8
";
        assert_eq!(unified_diff("m/app.yaml", old, new), expected);
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let new = old.replace("l2\n", "L2\n").replace("l19\n", "L19\n");
        let diff = unified_diff("x", &old, &new);
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
    }

    #[test]
    fn missing_newline_at_end_of_file_is_marked() {
        let expected = "\
--- a/x
+++ b/x
@@ -1,2 +1,2 @@
 a: 1
-b: 2
\\ No newline at end of file
+b: 3
\\ No newline at end of file
";
        assert_eq!(unified_diff("x", "a: 1\nb: 2", "a: 1\nb: 3"), expected);

        let added = unified_diff("x", "a: 1", "a: 1\n");
        assert_eq!(
            added,
            "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a: 1\n\\ No newline at end of file\n+a: 1\n"
        );
    }

    #[test]
    fn crlf_line_breaks_are_kept() {
        let diff = unified_diff("w", "a: 1\r\nb: 2\r\n", "a: 1\r\nb: 3\r\n");
        assert!(diff.ends_with("-b: 2\r\n+b: 3\r\n"), "{diff:?}");
    }
}
