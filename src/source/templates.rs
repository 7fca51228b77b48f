//! Go templates among the manifests: Helm chart templates and other `{{ … }}` files are not
//! YAML until rendered, so they are skipped with a note saying how to lint them, never
//! reported as invalid YAML.
//!
//! `{{` inside a quoted scalar, a block scalar or a comment is data (Prometheus alert texts,
//! Grafana legends, Argo CD ApplicationSet parameters, istio's injection template) and does
//! not make a file a template.

use std::path::{Path, PathBuf};

/// The chart directory when `dir` is a chart's `templates/` directory (a `Chart.yaml` beside
/// it).
pub fn chart_of_templates_dir(dir: &Path) -> Option<PathBuf> {
    if dir.file_name()? != "templates" {
        return None;
    }
    let chart = dir.parent()?;
    ["Chart.yaml", "Chart.yml"]
        .iter()
        .any(|n| chart.join(n).is_file())
        .then(|| chart.to_path_buf())
}

/// The chart whose `templates/` directory holds `file`, if any.
pub fn chart_of_file(file: &Path) -> Option<PathBuf> {
    file.ancestors().skip(1).find_map(chart_of_templates_dir)
}

/// Where Go template syntax is, as YAML would read it: a `{{` outside quoted scalars, block
/// scalars and comments.
#[derive(Debug, PartialEq, Eq)]
pub struct TemplateUse {
    /// 1-based line of the first such `{{`.
    pub line: u32,
    /// True when some `{{` starts a node (a line of its own, a value, a list item): YAML reads
    /// that as a flow mapping, so the file is a template even if it happens to parse.
    pub starts_node: bool,
}

/// Scans `text` for Go template actions outside strings and comments.
pub fn find_template_syntax(text: &str) -> Option<TemplateUse> {
    if !text.contains("{{") {
        return None;
    }
    let mut found: Option<TemplateUse> = None;
    // Indentation of the line that opened a block scalar: deeper lines are its content.
    let mut block: Option<usize> = None;
    let mut quote: Option<u8> = None;
    for (i, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let blank = line.trim().is_empty();
        if let Some(b) = block {
            if blank || indent > b {
                continue;
            }
            block = None;
        }
        let mut last_token: Option<u8> = None; // the last non-space byte before the cursor
        let mut j = 0;
        let mut content_end = bytes.len();
        while j < bytes.len() {
            let c = bytes[j];
            if let Some(q) = quote {
                if q == b'"' && c == b'\\' {
                    j += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                        j += 2;
                        continue;
                    }
                    quote = None;
                    last_token = Some(c);
                }
                j += 1;
                continue;
            }
            let node_start = matches!(last_token, None | Some(b':' | b'-' | b'[' | b',' | b'?'));
            if c == b'#' && (j == 0 || bytes[j - 1] == b' ' || bytes[j - 1] == b'\t') {
                content_end = j;
                break;
            }
            if (c == b'"' || c == b'\'') && node_start {
                quote = Some(c);
            } else if c == b'{' && bytes.get(j + 1) == Some(&b'{') {
                let hit = found.get_or_insert(TemplateUse {
                    line: i as u32 + 1,
                    starts_node: false,
                });
                hit.starts_node |= node_start;
                j += 2;
                last_token = Some(b'{');
                continue;
            }
            if c != b' ' && c != b'\t' {
                // `-` and `:` are indicators only before a space (or the line end); inside a
                // plain scalar (`app-{{`, `http://{{`) they are text.
                let indicator = matches!(bytes.get(j + 1), None | Some(b' ' | b'\t'));
                last_token = match c {
                    b'-' | b':' if !indicator => Some(b'a'),
                    _ => Some(c),
                };
            }
            j += 1;
        }
        if quote.is_none() && opens_block_scalar(&line[..content_end]) {
            block = Some(indent);
        }
    }
    found
}

/// A line ending in a block scalar header (`key: |`, `- >-`, `|2+`).
fn opens_block_scalar(content: &str) -> bool {
    let content = content.trim_end();
    let Some(pos) = content.rfind(['|', '>']) else {
        return false;
    };
    let indicators = &content[pos + 1..];
    if !indicators
        .chars()
        .all(|c| c == '+' || c == '-' || c.is_ascii_digit())
        || indicators.len() > 2
    {
        return false;
    }
    let before = content[..pos].trim_end();
    before.is_empty() || before.ends_with(':') || before.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Option<(u32, bool)> {
        find_template_syntax(text).map(|t| (t.line, t.starts_node))
    }

    #[test]
    fn actions_outside_strings_are_templates() {
        assert_eq!(
            line("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"),
            Some((4, true))
        );
        assert_eq!(
            line("{{- if .Values.enabled }}\napiVersion: v1\n{{- end }}\n"),
            Some((1, true))
        );
        assert_eq!(
            line("metadata:\n  name: app-{{ .Release.Name }}\n"),
            Some((2, false))
        );
        assert_eq!(line("ports:\n  - {{ toYaml . }}\n"), Some((2, true)));
    }

    #[test]
    fn data_in_strings_blocks_and_comments_is_not() {
        let data = "\
# {{ a comment }}
spec:
  message: '{{ $labels.job }} is down'
  other: \"{{ .Value }}\"
  argo: 'istio-control-{{revision}}'
  dashboard: |
    {\"legend\": \"{{ pod }}\"}
    {{- define \"resources\" }}
  folded: >-
    x {{ y }}
  multi: \"first line
    {{ second }} line\"
  after: plain # {{ trailing comment }}
";
        assert_eq!(line(data), None);
    }

    #[test]
    fn block_scalars_end_at_the_next_key() {
        let text = "a: |\n  {{ data }}\nb: {{ template }}\n";
        assert_eq!(line(text), Some((3, true)));
        let list = "- |\n  {{ data }}\n- name: x\n";
        assert_eq!(line(list), None);
    }
}
