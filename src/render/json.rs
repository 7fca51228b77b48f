//! `-o json`: the versioned schema of `cli.md`, built from serde structs.

use super::{text, Position, RenderContext};
use crate::diagnostic::{Diagnostic, Label, ObjectId};
use crate::source::{FileId, Files};
use mesh_lint_yaml::Span;
use serde::Serialize;
use std::io::{self, Write};

/// Bump when a field changes meaning or disappears; adding fields keeps the version.
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    diagnostics: Diagnostics<'a>,
    summary: JsonSummary,
}

/// The findings, each converted as it is written: a large run has tens of thousands, and a
/// list of their JSON views would only add to the peak.
struct Diagnostics<'a> {
    list: &'a [Diagnostic],
    ctx: &'a RenderContext<'a>,
}

impl Serialize for Diagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.list.iter().map(|d| diagnostic(d, self.ctx)))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    source: Option<&'a str>,
    start: Position,
    end: Position,
    object: Option<&'a ObjectId>,
    related: Vec<Related<'a>>,
    notes: &'a [crate::diagnostic::Text],
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    url: Option<String>,
}

#[derive(Serialize)]
struct Related<'a> {
    file: &'a str,
    start: Position,
    end: Position,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'static str,
    title: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: &'a str,
    start: Position,
    end: Position,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    objects: usize,
    error: usize,
    warning: usize,
    info: usize,
}

/// File name plus start and end positions of a span.
fn locate(files: &Files, file: FileId, span: Span) -> (&str, Position, Position) {
    let f = files.get(file);
    (
        &f.name,
        Position::of(f, span.start),
        Position::of(f, span.end),
    )
}

fn related<'a>(files: &'a Files, label: &'a Label) -> Related<'a> {
    let (file, start, end) = locate(files, label.file, label.span);
    Related {
        file,
        start,
        end,
        message: &label.message,
    }
}

fn diagnostic<'a>(d: &'a Diagnostic, ctx: &RenderContext<'a>) -> JsonDiagnostic<'a> {
    let (file, start, end) = locate(ctx.files, d.primary.file, d.primary.span);
    let fix = d.fix.as_ref().map(|fix| JsonFix {
        applicability: fix.applicability.as_str(),
        title: &fix.title,
        edits: fix
            .edits
            .iter()
            .map(|e| {
                let (file, start, end) = locate(ctx.files, e.file, e.span);
                JsonEdit {
                    file,
                    start,
                    end,
                    content: &e.content,
                }
            })
            .collect(),
    });
    JsonDiagnostic {
        code: d.code,
        name: d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        file,
        source: d.source.as_deref(),
        start,
        end,
        object: d.object.as_ref(),
        related: d.related.iter().map(|l| related(ctx.files, l)).collect(),
        notes: &d.notes,
        help: d.help.as_deref(),
        fix,
        url: text::url_of(d, ctx),
    }
}

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let s = &ctx.summary;
    let doc = Document {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "mesh-lint",
            version: ctx.tool_version,
        },
        diagnostics: Diagnostics {
            list: diagnostics,
            ctx,
        },
        summary: JsonSummary {
            files: s.files,
            objects: s.objects,
            error: s.error,
            warning: s.warning,
            info: s.info,
        },
    };
    // Pretty, like the example in cli.md: people read it as often as scripts do.
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
