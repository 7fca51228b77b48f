//! Files into documents: one span-keeping parse per YAML document, each document tagged with
//! its Helm template path and whether invalid UTF-8 damaged it.

mod helm;
pub mod lenient;
pub mod load;

use crate::source::{FileId, SourceFile};
use mesh_lint_yaml::{parse_shared, Document, Limits};
use rayon::prelude::*;
use std::sync::Arc;

/// One YAML document of a file, ready for the model.
#[derive(Debug)]
pub struct ParsedDocument {
    pub doc: Document,
    /// What only some documents have, boxed: every document of a run is kept until the report,
    /// and these fields took 52 of its 184 bytes.
    extra: Option<Box<DocumentExtra>>,
}

#[derive(Debug, Default)]
struct DocumentExtra {
    /// The Helm template path from the nearest preceding `# Source:` comment.
    source: Option<Box<str>>,
    /// Offset of the first invalid UTF-8 byte inside this document; the document is reported,
    /// not linted.
    invalid_utf8_at: Option<u32>,
    /// Where alias expansion exceeds the node budget (an alias bomb); reported, not linted.
    alias_overflow: Option<mesh_lint_yaml::Span>,
    /// Quoted scalars that only go-yaml's leniency reads (see [`lenient`]): the document failed
    /// strict parsing and was read as kubectl reads it (MESH003).
    lenient: Box<[lenient::LenientScalar]>,
}

impl ParsedDocument {
    /// True when the document can be linted: it parsed and its text is intact.
    pub fn is_usable(&self) -> bool {
        self.doc.error.is_none()
            && self.invalid_utf8_at().is_none()
            && self.alias_overflow().is_none()
    }

    /// The Helm template path from the nearest preceding `# Source:` comment.
    pub fn source(&self) -> Option<&str> {
        self.extra.as_ref()?.source.as_deref()
    }

    /// Offset of the first invalid UTF-8 byte inside this document; the document is reported,
    /// not linted.
    pub fn invalid_utf8_at(&self) -> Option<u32> {
        self.extra.as_ref()?.invalid_utf8_at
    }

    /// Where alias expansion exceeds the node budget (an alias bomb); reported, not linted.
    pub fn alias_overflow(&self) -> Option<mesh_lint_yaml::Span> {
        self.extra.as_ref()?.alias_overflow
    }

    /// Quoted scalars that only go-yaml's leniency reads (see [`lenient`]): the document failed
    /// strict parsing and was read as kubectl reads it (MESH003).
    pub fn lenient(&self) -> &[lenient::LenientScalar] {
        self.extra.as_ref().map_or(&[], |e| &e.lenient)
    }
}

#[derive(Debug)]
pub struct ParsedFile {
    pub file: FileId,
    pub documents: Vec<ParsedDocument>,
}

impl ParsedFile {
    /// True when some document of the file failed; `--fix` never touches such a file.
    pub fn has_errors(&self) -> bool {
        self.documents.iter().any(|d| !d.is_usable())
    }
}

pub fn parse_file(id: FileId, file: &SourceFile, limits: &Limits) -> ParsedFile {
    if file.unreadable.is_some() {
        return ParsedFile {
            file: id,
            documents: Vec::new(),
        };
    }
    let sources = helm::source_comments(&file.text);
    let documents = with_leniency(&file.text, parse_chunked(&file.text, limits, CHUNK), limits)
        .into_iter()
        .map(|(doc, lenient)| {
            let anchor = doc.root().map_or(doc.span.start, |r| r.span().start);
            let source = helm::source_before(&sources, anchor.max(doc.span.start)).map(Box::from);
            let invalid_utf8_at = first_in(&file.invalid_utf8, doc.span.start, doc.span.end);
            let alias_overflow = doc.expanded_size(limits.max_expanded_nodes).err();
            let extra = DocumentExtra {
                source,
                invalid_utf8_at,
                alias_overflow,
                lenient: lenient.into_boxed_slice(),
            };
            let rare = extra.source.is_some()
                || extra.invalid_utf8_at.is_some()
                || extra.alias_overflow.is_some()
                || !extra.lenient.is_empty();
            ParsedDocument {
                doc,
                extra: rare.then(|| Box::new(extra)),
            }
        })
        .collect();
    ParsedFile {
        file: id,
        documents,
    }
}

/// Each document with the quoted scalars read leniently in it. When some document fails
/// strict parsing, the scalars that [`lenient::normalise`] rewrites in the failed documents
/// are rewritten in a copy of the whole text, which is parsed again as a whole (so a document
/// boundary means what it meant before); its documents replace the first parse's. Documents
/// that fail for another reason fail again, as before.
fn with_leniency(
    text: &str,
    docs: Vec<Document>,
    limits: &Limits,
) -> Vec<(Document, Vec<lenient::LenientScalar>)> {
    let plain = |docs: Vec<Document>| docs.into_iter().map(|d| (d, Vec::new())).collect();
    if docs.iter().all(|d| d.error.is_none()) {
        return plain(docs);
    }
    let mut patched: Option<Vec<u8>> = None;
    let mut scalars = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let syntax = doc
            .error
            .as_ref()
            .is_some_and(|e| e.kind == mesh_lint_yaml::ParseErrorKind::Syntax);
        if !syntax {
            continue;
        }
        let start = doc.span.start as usize;
        let end = docs
            .get(i + 1)
            .map_or(text.len(), |d| d.span.start as usize)
            .max(start);
        let Some((region, found)) = lenient::normalise(text, start, end) else {
            continue;
        };
        let bytes = patched.get_or_insert_with(|| text.as_bytes().to_vec());
        bytes[start..end].copy_from_slice(region.as_bytes());
        scalars.extend(found);
    }
    let Some(patched) = patched.and_then(|b| String::from_utf8(b).ok()) else {
        return plain(docs);
    };
    mesh_lint_yaml::parse_stream(&patched, limits)
        .into_iter()
        .map(|d| {
            let mine = if d.error.is_none() {
                scalars
                    .iter()
                    .filter(|s| d.span.start <= s.start && s.start <= d.span.end)
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            (d, mine)
        })
        .collect()
}

/// Texts larger than this are split into chunks of about this size at document boundaries and
/// parsed in parallel: one large Helm render on stdin should use every core too.
const CHUNK: usize = 1 << 20;

/// Parses `text` as [`mesh_lint_yaml::parse_stream`] does, in parallel chunks when it is larger
/// than `chunk`; the documents share `text`. Chunks end before a line starting with `---` (plus
/// a space, tab or line end): the YAML spec forbids that marker at column 0 inside any content,
/// so it always starts a document.
fn parse_chunked(text: &Arc<str>, limits: &Limits, chunk: usize) -> Vec<Document> {
    // Small texts (nearly all) need no scan for document markers.
    let ranges = if text.len() <= chunk {
        Vec::new()
    } else {
        document_chunks(text, chunk)
    };
    if ranges.len() < 2 {
        return parse_shared(text, 0..text.len(), limits);
    }
    let parts: Vec<Vec<Document>> = ranges
        .into_par_iter()
        .map(|r| parse_shared(text, r, limits))
        .collect();
    parts.into_iter().flatten().collect()
}

/// Byte ranges covering `text`, each at least `chunk` long (but the last), split only where a
/// line starts with a document marker. Directives (`%YAML 1.2`) belong to the document after
/// them: when a document end marker (`...`) is followed only by directives, comments and blank
/// lines before the `---`, the split goes right after the `...`, so the directives stay with
/// their document. (Without a `...` before them, directives are an error in any case.)
fn document_chunks(text: &str, chunk: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    // The start of the line after the last `...`, while only directives, comments and blank
    // lines followed it.
    let mut after_end: Option<usize> = None;
    let bytes = text.as_bytes();
    while line_start < bytes.len() {
        let line_end = memchr_newline(bytes, line_start);
        let line = &bytes[line_start..line_end];
        if is_marker(line, b"---") {
            let split = after_end.unwrap_or(line_start);
            if split - start >= chunk {
                ranges.push(start..split);
                start = split;
            }
            after_end = None;
        } else if is_marker(line, b"...") {
            after_end = Some(line_end);
        } else if !(line.starts_with(b"%") || line.starts_with(b"#") || is_blank(line)) {
            after_end = None;
        }
        line_start = line_end;
    }
    ranges.push(start..text.len());
    ranges
}

/// Whether `line` starts with the document marker `marker` followed by a space, tab or line
/// end: the YAML spec forbids that at column 0 inside any content.
fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    line.starts_with(marker)
        && matches!(
            line.get(marker.len()),
            None | Some(b' ' | b'\t' | b'\r' | b'\n')
        )
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The offset just past the next `\n` at or after `from`, or the end.
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i + 1)
}

/// The first of the sorted `offsets` within `start..=end`.
fn first_in(offsets: &[u32], start: u32, end: u32) -> Option<u32> {
    let i = offsets.partition_point(|&o| o < start);
    offsets.get(i).copied().filter(|&o| o <= end)
}

/// Invalid UTF-8 bytes that fall in no document (between documents, in comments): still worth
/// an error, since the file is not what its author thinks.
pub fn stray_invalid_utf8(file: &SourceFile, parsed: &ParsedFile) -> Option<u32> {
    file.invalid_utf8.iter().copied().find(|&o| {
        !parsed
            .documents
            .iter()
            .any(|d| d.doc.span.start <= o && o <= d.doc.span.end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesh_lint_yaml::parse_stream;

    /// Chunked and whole parses must agree on every document's span, error and root.
    #[test]
    fn chunked_parsing_matches_a_whole_parse() {
        let mut text = String::from("\u{feff}# Source: c/a.yaml\n");
        for i in 0..300 {
            text.push_str(&format!(
                "---\nkind: Service\nmetadata:\n  name: s{i}\ndata: |\n  ---not a marker\n  x\n"
            ));
            if i % 50 == 7 {
                text.push_str("---\nbroken: [\n");
            }
        }
        let limits = Limits::default();
        let whole = parse_stream(&text, &limits);
        let chunked = parse_chunked(&Arc::from(text.as_str()), &limits, 1000);
        assert!(document_chunks(&text, 1000).len() > 10);
        assert_eq!(whole.len(), chunked.len());
        for (a, b) in whole.iter().zip(&chunked) {
            assert_eq!(a.span, b.span);
            assert_eq!(a.error, b.error);
            assert_eq!(a.root().map(|r| r.span()), b.root().map(|r| r.span()));
            let name = |d: &Document| {
                d.root()
                    .and_then(|r| r.at_keys("metadata.name"))
                    .map(|n| (n.span(), n.as_str().map(str::to_owned)))
            };
            assert_eq!(name(a), name(b));
        }
    }

    /// A directive before `---` stays with its document wherever the chunk boundary falls.
    #[test]
    fn directives_stay_with_their_document() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("kind: Service\nmetadata:\n  name: s{i}\n...\n"));
            if i % 3 == 0 {
                text.push_str(
                    "# the next one is YAML 1.2\n%YAML 1.2\n%TAG ! tag:example.com,2000:\n\n",
                );
            }
            text.push_str("---\n");
        }
        text.push_str("kind: Service\n");
        let limits = Limits::default();
        let whole = parse_stream(&text, &limits);
        assert!(whole.iter().all(|d| d.error.is_none()));
        let shared: Arc<str> = Arc::from(text.as_str());
        for chunk in 1..200 {
            let chunked = parse_chunked(&shared, &limits, chunk);
            let errors: Vec<_> = chunked.iter().filter_map(|d| d.error.as_ref()).collect();
            assert!(errors.is_empty(), "chunk {chunk}: {errors:?}");
            assert_eq!(chunked.len(), whole.len(), "chunk {chunk}");
            for (a, b) in whole.iter().zip(&chunked) {
                assert_eq!(a.span, b.span, "chunk {chunk}");
            }
        }
    }

    /// kubectl's go-yaml reads a quoted scalar whose continuation lines are indented no deeper
    /// than its key; the document is read with the same value and the other documents as they
    /// were.
    #[test]
    fn underindented_quoted_scalars_are_read_as_kubectl_reads_them() {
        let text = "a: 1\n---\nmetadata:\n  annotations:\n    description: \"Splits traffic\n  between   \n\n  versions\"\n    other: 'it''s\n  ok'\n---\nb: [\n";
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.as_bytes().to_vec());
        let parsed = parse_file(crate::source::FileId(0), &file, &Limits::default());
        assert_eq!(parsed.documents.len(), 3);
        let doc = &parsed.documents[1];
        assert!(doc.is_usable());
        let root = doc.doc.root().unwrap();
        let value = |path: &str| {
            root.at_keys(path)
                .and_then(|n| n.as_str())
                .map(str::to_owned)
        };
        assert_eq!(
            value("metadata.annotations.description").as_deref(),
            Some("Splits traffic between\nversions")
        );
        assert_eq!(
            value("metadata.annotations.other").as_deref(),
            Some("it's ok")
        );
        assert_eq!(doc.lenient().len(), 2);
        // Offsets are those of the file: the key after the scalar is where it is in `text`.
        let other = root
            .at_keys("metadata.annotations")
            .unwrap()
            .get_entry("other")
            .unwrap()
            .0;
        assert_eq!(other.span().start as usize, text.find("other").unwrap());
        // A document broken in another way stays broken.
        assert!(parsed.documents[0].is_usable() && !parsed.documents[2].is_usable());
    }

    /// The lenient reading never turns another error into a document: a node after a scalar
    /// document without `---` stays an error (found by the property test).
    #[test]
    fn leniency_keeps_document_boundaries() {
        let text = "# c\nstray words\n# c\nkind: X\nmetadata:\n  d: \"a\n  b\"\n";
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.as_bytes().to_vec());
        let parsed = parse_file(crate::source::FileId(0), &file, &Limits::default());
        assert!(parsed.has_errors());
        assert!(parsed.documents.iter().all(|d| d.lenient().is_empty()));
    }

    /// The value kubectl reads (`tests/kubectl_yaml.rs` checks kubectl against the same text).
    pub(crate) const DASHBOARD_VALUE: &str = r#"{ "annotations": { "list": [] }, "title": "Sock Shop \\ Resources", "rows": [ {"legend": "{{pod}}"} ] }"#;

    #[test]
    fn a_dashboard_in_an_underindented_scalar_reads_as_kubectl_reads_it() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/MESH003-underindented-quoted-scalar/invalid-grafana-dashboard.yaml"
        );
        let bytes = std::fs::read(path).unwrap();
        let file = SourceFile::from_bytes("d.yaml".into(), None, bytes);
        let parsed = parse_file(crate::source::FileId(0), &file, &Limits::default());
        assert!(parsed.documents.iter().all(|d| d.is_usable()));
        let root = parsed.documents[0].doc.root().unwrap();
        let value = root.at_keys("data").and_then(|d| d.get("sock-shop.json"));
        assert_eq!(value.and_then(|v| v.as_str()), Some(DASHBOARD_VALUE));
    }

    #[test]
    fn chunks_split_only_at_document_markers() {
        let text = "a: 1\n---\nb: 2\n--- \nc: 3\n---x\n";
        let ranges = document_chunks(text, 1);
        let starts: Vec<&str> = ranges.iter().map(|r| &text[r.start..r.start + 3]).collect();
        assert_eq!(starts, ["a: ", "---", "---"]);
    }
}
