//! A `miette::SourceCode` that uses our line index instead of scanning from offset 0.
//!
//! miette's own impls (`str`, `Arc<str>`, `NamedSource`) walk the text byte by byte from the
//! start on every `read_span`, so n findings in one file cost O(n × file size). Here each call
//! costs two binary searches plus the bytes of the span and its context lines.

use crate::source::SourceFile;
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

pub(super) struct IndexedSource<'a> {
    file: &'a SourceFile,
}

impl<'a> IndexedSource<'a> {
    pub(super) fn new(file: &'a SourceFile) -> Self {
        IndexedSource { file }
    }

    /// 1-based line holding `offset`.
    fn line_of(&self, offset: usize) -> u32 {
        self.file.line_col(offset as u32).0
    }
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text: &str = &self.file.text;
        let index = self.file.line_index();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let (start_line, start_col) = self.file.line_col(start as u32);
        // The line of the last byte, so a span ending just after a line break stays on that line.
        let end_line = if span.is_empty() {
            start_line
        } else {
            self.line_of(end - 1)
        };
        let first = start_line
            .saturating_sub(context_lines_before as u32)
            .max(1);
        let last = end_line
            .saturating_add(context_lines_after as u32)
            .min(index.line_count());
        // Without leading context miette expects the data to begin at the span (like its own impls).
        let (data_start, column) = if context_lines_before == 0 {
            (start, start_col as usize - 1)
        } else {
            (index.line_start(first) as usize, 0)
        };
        let data_line = if context_lines_before == 0 {
            start_line
        } else {
            first
        };
        let data_end = if last < index.line_count() {
            index.line_start(last + 1) as usize
        } else {
            text.len()
        };
        let data_end = data_end.max(end);
        let contents = MietteSpanContents::new_named(
            self.file.name.clone(),
            &text.as_bytes()[data_start..data_end],
            SourceSpan::new(data_start.into(), data_end - data_start),
            data_line as usize - 1,
            column,
            (last - data_line + 1) as usize,
        );
        Ok(Box::new(contents))
    }
}
