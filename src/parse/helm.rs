//! `helm template` writes `# Source: <chart>/templates/<file>.yaml` before every document it
//! renders; mapping findings back to that path tells users which template to edit.

const MARKER: &str = "# Source: ";

/// `(offset, path)` of every `# Source:` comment line, in file order.
pub fn source_comments(text: &str) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix(MARKER) {
            let path = path.trim_end_matches(['\n', '\r']).trim();
            if !path.is_empty() {
                out.push((offset as u32, path));
            }
        }
        offset += line.len();
    }
    out
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
}
