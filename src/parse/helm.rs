//! `helm template` writes `# Source: <chart>/templates/<file>.yaml` before every document it
//! renders; mapping findings back to that path tells users which template to edit.

const MARKER: &str = "# Source: ";

/// `(offset, path)` of every `# Source:` comment line, in file order.
pub fn source_comments(text: &str) -> Vec<(u32, &str)> {
    // Found by searching for the marker, not by walking every line: most files have none.
    memchr::memmem::find_iter(text.as_bytes(), MARKER)
        .filter(|&at| at == 0 || text.as_bytes()[at - 1] == b'\n')
        .filter_map(|at| {
            let rest = &text[at + MARKER.len()..];
            let line = rest.split_once('\n').map_or(rest, |(line, _)| line);
            let path = line.trim_end_matches('\r').trim();
            (!path.is_empty()).then_some((at as u32, path))
        })
        .collect()
}

/// The path of the last `# Source:` comment starting before `offset`.
pub fn source_before<'t>(comments: &[(u32, &'t str)], offset: u32) -> Option<&'t str> {
    let i = comments.partition_point(|&(o, _)| o < offset);
    i.checked_sub(1).map(|i| comments[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_each_document_to_the_nearest_preceding_source() {
        let text = "---\n# Source: chart/templates/a.yaml\nkind: A\n---\n# Source: chart/templates/b.yaml\r\nkind: B\n";
        let comments = source_comments(text);
        assert_eq!(comments.len(), 2);
        let a = text.find("kind: A").unwrap() as u32;
        let b = text.find("kind: B").unwrap() as u32;
        assert_eq!(source_before(&comments, a), Some("chart/templates/a.yaml"));
        assert_eq!(source_before(&comments, b), Some("chart/templates/b.yaml"));
        assert_eq!(source_before(&comments, 0), None);
    }

    #[test]
    fn only_whole_comment_lines_count() {
        let text = "# Source: first.yaml\nx: 1 # Source: not-a-line.yaml\n  # Source: indented.yaml\n# Source: \n# Source: last.yaml";
        let paths: Vec<&str> = source_comments(text).into_iter().map(|(_, p)| p).collect();
        assert_eq!(paths, ["first.yaml", "last.yaml"]);
    }
}
