//! Files into documents: one span-keeping parse per YAML document, each document tagged with
//! its Helm template path and whether invalid UTF-8 damaged it.

mod helm;

use crate::source::{FileId, SourceFile};
use mesh_lint_yaml::{parse_stream, Document, Limits};

/// One YAML document of a file, ready for the model.
#[derive(Debug)]
pub struct ParsedDocument {
    pub doc: Document,
    /// The Helm template path from the nearest preceding `# Source:` comment.
    pub source: Option<String>,
    /// Offset of the first invalid UTF-8 byte inside this document; the document is reported,
    /// not linted.
    pub invalid_utf8_at: Option<u32>,
    /// Where alias expansion exceeds the node budget (an alias bomb); reported, not linted.
    pub alias_overflow: Option<mesh_lint_yaml::Span>,
}

impl ParsedDocument {
    /// True when the document can be linted: it parsed and its text is intact.
    pub fn is_usable(&self) -> bool {
        self.doc.error.is_none() && self.invalid_utf8_at.is_none() && self.alias_overflow.is_none()
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
    let documents = parse_stream(&file.text, limits)
        .into_iter()
        .map(|doc| {
            let anchor = doc.root().map_or(doc.span.start, |r| r.span().start);
            let source =
                helm::source_before(&sources, anchor.max(doc.span.start)).map(str::to_owned);
            let invalid_utf8_at = first_in(&file.invalid_utf8, doc.span.start, doc.span.end);
            let alias_overflow = doc.expanded_size(limits.max_expanded_nodes).err();
            ParsedDocument {
                doc,
                source,
                invalid_utf8_at,
                alias_overflow,
            }
        })
        .collect();
    ParsedFile {
        file: id,
        documents,
    }
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
