//! YAML that kubectl accepts and strict YAML 1.2 parsers reject, read as kubectl reads it.
//!
//! Kubernetes reads manifests with go-yaml, which (like libyaml and PyYAML) does not check the
//! indentation of a quoted scalar's continuation lines:
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     description: "a long text
//!   that goes on here"          # indented no deeper than its key
//! ```
//!
//! granit, following the spec, rejects the document. When a document fails, this module
//! rewrites each such scalar in a copy of the text as the one-line scalar go-yaml reads (the
//! same folded value, in the same quote style), padded with spaces after the closing quote so
//! every byte offset outside the scalar stays where it was, and parses the copy again. The
//! fast path never comes here: only a document that failed strictly is re-read.

/// A quoted scalar that only a lenient parser reads, as found in the original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LenientScalar {
    /// The scalar, quotes included.
    pub start: u32,
    pub end: u32,
    /// Start of each continuation line that is indented no deeper than the scalar's line.
    pub shallow_lines: Vec<u32>,
    /// Start of every continuation line that is not empty (the shallow ones included).
    pub lines: Vec<u32>,
    /// The indentation of the line the scalar starts on.
    pub indent: u32,
}

/// The text `text[range]` with every under-indented multi-line quoted scalar rewritten on one
/// line (same length), and the scalars rewritten; `None` when there is none.
pub fn normalise(text: &str, start: usize, end: usize) -> Option<(String, Vec<LenientScalar>)> {
    let region = &text[start..end];
    let scalars: Vec<LenientScalar> = quoted_scalars(region)
        .into_iter()
        .filter(|s| !s.shallow_lines.is_empty())
        .collect();
    if scalars.is_empty() {
        return None;
    }
    let mut out = region.as_bytes().to_vec();
    for s in &scalars {
        let (a, b) = (s.start as usize, s.end as usize);
        let one_line = one_line(&region[a..b]);
        // Never longer: folding only removes bytes. Checked all the same.
        if one_line.len() > b - a {
            return None;
        }
        out[a..a + one_line.len()].copy_from_slice(one_line.as_bytes());
        out[a + one_line.len()..b].fill(b' ');
    }
    let patched = String::from_utf8(out).ok()?;
    let shifted = scalars
        .into_iter()
        .map(|s| LenientScalar {
            start: s.start + start as u32,
            end: s.end + start as u32,
            shallow_lines: s.shallow_lines.iter().map(|&l| l + start as u32).collect(),
            lines: s.lines.iter().map(|&l| l + start as u32).collect(),
            indent: s.indent,
        })
        .collect();
    Some((patched, shifted))
}

/// A multi-line quoted scalar (quotes included) as the one-line scalar with the same value:
/// line breaks fold as YAML folds them (one break is a space, each further empty line a `\n`,
/// an escaped break in double quotes nothing), continuation lines lose their indentation.
pub(crate) fn one_line(raw: &str) -> String {
    let quote = raw.as_bytes()[0];
    let body = &raw[1..raw.len() - 1];
    let mut out = String::with_capacity(raw.len());
    out.push(quote as char);
    let lines: Vec<&str> = body.split('\n').collect();
    let mut empty_run = 0;
    for (i, line) in lines.iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let first = i == 0;
        let last = i == lines.len() - 1;
        let mut piece = if first {
            line
        } else {
            line.trim_start_matches([' ', '\t'])
        };
        if !last {
            piece = piece.trim_end_matches([' ', '\t']);
        }
        if !first && piece.is_empty() && !last {
            empty_run += 1;
            continue;
        }
        if !first {
            let escaped_break = quote == b'"' && ends_with_odd_backslashes(&out);
            if escaped_break {
                out.pop();
            } else if empty_run == 0 {
                out.push(' ');
            } else if quote == b'"' {
                (0..empty_run).for_each(|_| out.push_str("\\n"));
            } else {
                // Single quotes have no escapes: a paragraph break becomes a space.
                out.push(' ');
            }
        }
        empty_run = 0;
        out.push_str(piece);
    }
    out.push(quote as char);
    out
}

fn ends_with_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Every quoted scalar that spans lines, outside comments and block scalars, with its
/// continuation lines indented no deeper than the line it starts on.
fn quoted_scalars(text: &str) -> Vec<LenientScalar> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let mut line_start = 0;
    let mut block: Option<usize> = None;
    let mut last_token: Option<u8> = None;
    let mut last_dash = 0;
    while i < bytes.len() {
        if i == line_start {
            let indent = bytes[i..].iter().take_while(|&&b| b == b' ').count();
            let rest = &bytes[i + indent..];
            let blank = matches!(rest.first(), None | Some(b'\n' | b'\r'));
            if let Some(b) = block {
                if blank || indent > b {
                    i = next_line(bytes, i);
                    line_start = i;
                    continue;
                }
                block = None;
            }
            last_token = None;
        }
        let c = bytes[i];
        match c {
            b'\n' => {
                let line = &text[line_start..i];
                if opens_block_scalar(strip_comment(line)) {
                    block = Some(indent_of(line));
                }
                i += 1;
                line_start = i;
                continue;
            }
            b'#' if i == line_start || matches!(bytes[i - 1], b' ' | b'\t') => {
                // On to the line break, which the next turn handles.
                match bytes[i..].iter().position(|&b| b == b'\n') {
                    Some(p) => i += p,
                    None => break,
                }
                continue;
            }
            b'"' | b'\'' if node_start(last_token) => {
                // The block the scalar lives in: a mapping value's key column, or the column of
                // the `-` of a sequence item.
                let indent = match last_token {
                    Some(b'-') => last_dash - line_start,
                    _ => key_column(&text[line_start..]),
                } as u32;
                let Some(end) = closing_quote(bytes, i) else {
                    break;
                };
                let lines: Vec<u32> = continuation_lines(bytes, i, end)
                    .into_iter()
                    .map(|l| l as u32)
                    .collect();
                let shallow_lines = lines
                    .iter()
                    .copied()
                    .filter(|&l| indent_of(&text[l as usize..]) as u32 <= indent)
                    .collect();
                found.push(LenientScalar {
                    start: i as u32,
                    end: end as u32 + 1,
                    shallow_lines,
                    lines,
                    indent,
                });
                // The scalar's last line is now the current line.
                line_start = text[..=end].rfind('\n').map_or(line_start, |p| p + 1);
                last_token = Some(c);
                i = end + 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            b'-' | b':' | b'?' => {
                let indicator =
                    matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
                last_token = Some(if indicator { c } else { b'a' });
                if indicator && c == b'-' {
                    last_dash = i;
                }
            }
            _ => last_token = Some(c),
        }
        i += 1;
    }
    found
}

fn node_start(last: Option<u8>) -> bool {
    matches!(last, None | Some(b':' | b'-' | b'?' | b'[' | b'{' | b','))
}

/// The offset of the quote closing the scalar opened at `open`.
fn closing_quote(bytes: &[u8], open: usize) -> Option<usize> {
    let q = bytes[open];
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q == b'"' => i += 2,
            b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == q => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Starts of the lines after the first inside `open..=close`.
fn continuation_lines(bytes: &[u8], open: usize, close: usize) -> Vec<usize> {
    (open..close)
        .filter(|&i| bytes[i] == b'\n')
        .map(|i| i + 1)
        .filter(|&l| {
            // Empty lines inside the scalar have no indentation to speak of.
            let rest = &bytes[l..=close];
            let content = rest.iter().position(|&b| b != b' ' && b != b'\t');
            content.is_some_and(|p| !matches!(rest[p], b'\n' | b'\r'))
        })
        .collect()
}

fn next_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p + 1)
}

/// The column of the first key on a line: after its indentation and any `- ` item markers.
fn key_column(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut i = indent_of(line);
    while bytes.get(i) == Some(&b'-') && matches!(bytes.get(i + 1), Some(b' ' | b'\t')) {
        i += 1;
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
    }
    i
}

fn indent_of(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let at = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')));
    at.map_or(line, |i| &line[..i])
}

/// A line ending in a block scalar header (`key: |`, `- >-`, `|2+`).
fn opens_block_scalar(content: &str) -> bool {
    let content = content.trim_end();
    let Some(pos) = content.rfind(['|', '>']) else {
        return false;
    };
    let indicators = &content[pos + 1..];
    let valid = indicators.len() <= 2
        && indicators
            .chars()
            .all(|c| c == '+' || c == '-' || c.is_ascii_digit());
    let before = content[..pos].trim_end();
    valid && (before.is_empty() || before.ends_with(':') || before.ends_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patched(text: &str) -> Option<String> {
        normalise(text, 0, text.len()).map(|(t, _)| t)
    }

    #[test]
    fn shallow_continuations_become_one_line_of_the_same_length() {
        let text =
            "metadata:\n  annotations:\n    description: \"Foo bar\n  baz qux\"\n    next: 1\n";
        let out = patched(text).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(
            out,
            "metadata:\n  annotations:\n    description: \"Foo bar baz qux\"  \n    next: 1\n"
        );
    }

    #[test]
    fn folding_matches_go_yaml() {
        assert_eq!(one_line("\"a\nb\nc\""), "\"a b c\"");
        assert_eq!(one_line("'it''s\n  ok'"), "'it''s ok'");
        assert_eq!(one_line("\"a  \n\n  b\""), "\"a\\nb\"");
        assert_eq!(one_line("\"ab\\\n  cd\""), "\"abcd\"");
        assert_eq!(one_line("\"a\r\n b\""), "\"a b\"");
    }

    #[test]
    fn well_indented_scalars_comments_and_blocks_are_left_alone() {
        assert_eq!(patched("a: \"x\n   y\"\n"), None);
        assert_eq!(patched("# \"x\ny\"\na: 1\n"), None);
        assert_eq!(patched("a: |\n  \"x\n  y\"\nb: 1\n"), None);
        assert_eq!(patched("a: don't\nb: it's\n"), None);
    }

    #[test]
    fn the_block_is_the_key_column_or_the_item_dash() {
        // A mapping inside a list item: its keys are at column 4.
        let text = "a:\n  - name: \"x\n    y\"\n";
        assert_eq!(normalise(text, 0, text.len()).unwrap().1[0].indent, 4);
        // A list item scalar: deeper than the `-` is enough.
        assert_eq!(patched("a:\n- 'its\n ok'\n"), None);
        assert!(patched("a:\n- 'its\nok'\n").is_some());
    }

    #[test]
    fn a_comment_at_the_end_without_a_line_break_ends_the_scan() {
        assert_eq!(patched("a: 1 #"), None);
        assert_eq!(patched("#"), None);
        assert!(patched("a: \"x\ny\" #").is_some());
    }

    /// Every string of up to five characters from YAML's structural alphabet: the surface
    /// scanners (this one and the Go-template one) end, never panic, and a rewrite keeps the
    /// length.
    #[test]
    fn scanners_end_on_every_short_input() {
        const ALPHABET: [char; 12] = [
            '"', '\'', '#', '\n', ' ', ':', '-', '|', '{', 'a', '\\', 'é',
        ];
        let mut stack = vec![String::new()];
        let mut seen = 0;
        while let Some(text) = stack.pop() {
            seen += 1;
            if let Some((out, _)) = normalise(&text, 0, text.len()) {
                assert_eq!(out.len(), text.len(), "{text:?}");
            }
            let _ = crate::source::templates::find_template_syntax(&text);
            if text.chars().count() < 5 {
                stack.extend(ALPHABET.iter().map(|c| format!("{text}{c}")));
            }
        }
        assert_eq!(seen, (0..=5).map(|n| 12usize.pow(n)).sum::<usize>());
    }

    #[test]
    fn flow_and_list_items_count() {
        let text = "a:\n  - \"x\n  y\"\n  - [\"p\n q\"]\n";
        let (out, found) = normalise(text, 0, text.len()).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(out, "a:\n  - \"x y\"  \n  - [\"p q\" ]\n");
    }
}
