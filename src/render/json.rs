//! `-o json`: one document on stdout, exactly the schema of cli.md.

use super::{Position, RenderContext};
use crate::diagnostic::{Diagnostic, Label, ObjectId};
use crate::source::Files;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    source: Option<&'a str>,
    start: Position,
    end: Position,
    object: Option<&'a ObjectId>,
    related: Vec<Related<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    url: Option<&'a str>,
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
    applicability: &'a str,
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

fn range(files: &Files, label: &Label) -> (Position, Position) {
    let file = files.get(label.file);
    (
        Position::of(file, label.span.start),
        Position::of(file, label.span.end),
    )
}

fn convert<'a>(d: &'a Diagnostic, files: &'a Files) -> JsonDiagnostic<'a> {
    let (start, end) = range(files, &d.primary);
    let related = d
        .related
        .iter()
        .map(|l| {
            let (start, end) = range(files, l);
            Related {
                file: &files.get(l.file).name,
                start,
                end,
                message: &l.message,
            }
        })
        .collect();
    let fix = d.fix.as_ref().map(|f| JsonFix {
        applicability: f.applicability.as_str(),
        title: &f.title,
        edits: f
            .edits
            .iter()
            .map(|e| {
                let file = files.get(e.file);
                JsonEdit {
                    file: &file.name,
                    start: Position::of(file, e.span.start),
                    end: Position::of(file, e.span.end),
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
        file: &files.get(d.primary.file).name,
        source: d.source.as_deref(),
        start,
        end,
        object: d.object.as_ref(),
        related,
        notes: &d.notes,
        help: d.help.as_deref(),
        fix,
        url: d.url.as_deref(),
    }
}

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let s = &ctx.summary;
    let report = Report {
        version: 1,
        tool: Tool {
            name: "mesh-lint",
            version: ctx.tool_version,
        },
        diagnostics: diagnostics.iter().map(|d| convert(d, ctx.files)).collect(),
        summary: JsonSummary {
            files: s.files,
            objects: s.objects,
            error: s.error,
            warning: s.warning,
            info: s.info,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}
