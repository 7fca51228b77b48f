//! The only module that talks to the event parser (granit-parser). Everything else sees our own
//! event type, so the parser can be swapped (saphyr-parser is the fallback; it reports char
//! offsets, convert them).

use crate::node::ScalarStyle;
use crate::parse::{Limits, ParseError, ParseErrorKind};
use crate::span::Span;
use granit_parser::{ErrorKind, Event as GEvent, Parser, ScanError, StrInput, StructureStyle};
use std::borrow::Cow;

/// What happened, without the parser's own types.
#[derive(Debug)]
pub(crate) enum EventKind<'a> {
    StreamStart,
    StreamEnd,
    /// Its span is the `---` marker, or the first content byte of an implicit document.
    DocumentStart,
    DocumentEnd,
    Scalar {
        value: Cow<'a, str>,
        style: ScalarStyle,
        anchor: usize,
        /// The tag as written, e.g. `!!str`.
        tag: Option<&'a str>,
    },
    SequenceStart {
        flow: bool,
        anchor: usize,
        tag: Option<&'a str>,
    },
    SequenceEnd,
    MappingStart {
        flow: bool,
        anchor: usize,
        tag: Option<&'a str>,
    },
    MappingEnd,
    /// A resolved alias to the node with this anchor id.
    Alias(usize),
    /// Anything a tree builder does not need (comments, anchor metadata).
    Other,
}

#[derive(Debug)]
pub(crate) struct Event<'a> {
    pub kind: EventKind<'a>,
    pub span: Span,
}

/// A pull source of events over one whole input text.
pub(crate) struct EventSource<'a> {
    text: &'a str,
    parser: Parser<'a, StrInput<'a>>,
}

impl<'a> EventSource<'a> {
    pub fn new(text: &'a str, limits: &Limits) -> Self {
        let mut options = granit_parser::options! {
            flow_nesting_limit: limits.max_depth,
            block_nesting_limit: limits.max_depth,
        };
        options.set_emit_comments(false);
        EventSource {
            text,
            parser: Parser::new_from_str_with_options(text, options),
        }
    }

    /// The next event; `None` once the stream is exhausted or after an error (see [`Self::recover`]).
    pub fn next(&mut self) -> Option<Result<Event<'a>, ParseError>> {
        let result = self.parser.next_event()?;
        Some(match result {
            Ok((event, span)) => Ok(Event {
                kind: self.convert(event, &span),
                span: self.span(&span),
            }),
            Err(err) => Err(self.error(&err)),
        })
    }

    /// Abandons the current document and positions the source at the next one. `Ok(false)` at
    /// the end of the stream.
    pub fn recover(&mut self) -> Result<bool, ParseError> {
        self.parser
            .proceed_next_document()
            .map_err(|e| self.error(&e))
    }

    fn convert(&self, event: GEvent<'a>, span: &granit_parser::Span) -> EventKind<'a> {
        match event {
            GEvent::StreamStart => EventKind::StreamStart,
            GEvent::StreamEnd => EventKind::StreamEnd,
            GEvent::DocumentStart(..) => EventKind::DocumentStart,
            GEvent::DocumentEnd => EventKind::DocumentEnd,
            GEvent::Alias(id) => EventKind::Alias(id),
            GEvent::Scalar(value, style, anchor, tag) => EventKind::Scalar {
                value,
                style: convert_style(style),
                anchor,
                tag: tag.and(self.tag_text(span)),
            },
            GEvent::SequenceStart(style, anchor, tag) => EventKind::SequenceStart {
                flow: style == StructureStyle::Flow,
                anchor,
                tag: tag.and(self.tag_text(span)),
            },
            GEvent::SequenceEnd => EventKind::SequenceEnd,
            GEvent::MappingStart(style, anchor, tag) => EventKind::MappingStart {
                flow: style == StructureStyle::Flow,
                anchor,
                tag: tag.and(self.tag_text(span)),
            },
            GEvent::MappingEnd => EventKind::MappingEnd,
            _ => EventKind::Other,
        }
    }

    fn tag_text(&self, span: &granit_parser::Span) -> Option<&'a str> {
        let tag = span.tag_span()?;
        self.text.get(byte(&tag.start)..byte(&tag.end))
    }

    fn span(&self, span: &granit_parser::Span) -> Span {
        Span::new(byte(&span.start) as u32, byte(&span.end) as u32)
    }

    fn error(&self, err: &ScanError) -> ParseError {
        let at = byte(err.marker()).min(self.text.len()) as u32;
        let kind = match err.kind() {
            ErrorKind::RecursionLimitExceeded => ParseErrorKind::TooDeep,
            ErrorKind::UnknownAnchor => ParseErrorKind::BadAlias,
            _ => ParseErrorKind::Syntax,
        };
        ParseError {
            kind,
            span: Span::new(at, at),
            message: err.info(),
        }
    }
}

/// `new_from_str` guarantees byte offsets; a missing one would be a parser bug, and pointing at
/// the start is better than panicking in a linter.
fn byte(marker: &granit_parser::Marker) -> usize {
    marker.byte_offset().unwrap_or(0)
}

fn convert_style(style: granit_parser::ScalarStyle) -> ScalarStyle {
    match style {
        granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        granit_parser::ScalarStyle::Literal => ScalarStyle::Literal,
        granit_parser::ScalarStyle::Folded => ScalarStyle::Folded,
        _ => ScalarStyle::Plain,
    }
}
