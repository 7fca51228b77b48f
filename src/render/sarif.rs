//! `-o sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

use super::{Position, RenderContext};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::rules::RuleMeta;
use crate::source::{FileId, SourceFile};
use mesh_lint_yaml::Span;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/mesh-lint/mesh-lint";
/// GitHub truncates rule descriptions longer than this.
const DESCRIPTION_LIMIT: usize = 1024;
/// Our key in `partialFingerprints`; bump the version if the hashed inputs change.
const FINGERPRINT_KEY: &str = "meshLint/v1";

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rule_index: HashMap<&str, usize> = ctx
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            // Our columns count Unicode scalar values, not SARIF's default UTF-16 code units.
            column_kind: "unicodeCodePoints",
            results: Results {
                diagnostics,
                ctx,
                rule_index: &rule_index,
                fingerprints: RefCell::new(Fingerprints::default()),
            },
            tool: json!({ "driver": {
                "name": "mesh-lint",
                "informationUri": INFORMATION_URI,
                "version": ctx.tool_version,
                "rules": ctx.rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
            }}),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The log, its fields in the order `json!` would sort them (serde_json's maps are sorted), so
/// the output is the same as when the whole log was one `Value`.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    results: Results<'a>,
    tool: Value,
}

/// The results, each built and written in turn: as one `Value` the results of a large run
/// took over a gigabyte.
struct Results<'a> {
    diagnostics: &'a [Diagnostic],
    ctx: &'a RenderContext<'a>,
    rule_index: &'a HashMap<&'a str, usize>,
    fingerprints: RefCell<Fingerprints>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fingerprints = self.fingerprints.borrow_mut();
        serializer.collect_seq(
            self.diagnostics
                .iter()
                .map(|d| result(d, self.ctx, self.rule_index, &mut fingerprints)),
        )
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(r: &RuleMeta) -> Value {
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": { "text": truncate(r.summary) },
        "fullDescription": { "text": truncate(&full_description(r)) },
        "help": { "text": r.docs, "markdown": r.docs },
        "helpUri": r.url(),
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": ["istio", r.area],
            "problem.severity": match r.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
        },
    })
}

/// The "What it does" paragraph of the docs, else the summary.
fn full_description(r: &RuleMeta) -> String {
    let what = r
        .docs
        .split("\n## ")
        .find_map(|section| {
            section
                .trim_start_matches("## ")
                .strip_prefix("What it does")
        })
        .map(str::trim)
        .filter(|s| !s.is_empty());
    what.unwrap_or(r.summary).to_string()
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= DESCRIPTION_LIMIT {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(DESCRIPTION_LIMIT - 1).collect();
    cut.push('…');
    cut
}

fn result(
    d: &Diagnostic,
    ctx: &RenderContext<'_>,
    rule_index: &HashMap<&str, usize>,
    fingerprints: &mut Fingerprints,
) -> Value {
    let file = ctx.files.get(d.primary.file);
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": { "text": d.message },
        "locations": [{ "physicalLocation": physical_location(file, d.primary.span) }],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprints.next(d, file) },
    });
    let Value::Object(obj) = &mut result else {
        return result;
    };
    if let Some(&i) = rule_index.get(d.code) {
        obj.insert("ruleIndex".into(), json!(i));
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "physicalLocation": physical_location(ctx.files.get(l.file), l.span),
                    "message": { "text": if l.message.is_empty() { "related location" } else { &l.message } },
                })
            })
            .collect();
        obj.insert("relatedLocations".into(), Value::Array(related));
    }
    if let Some(fix) = d.fix.as_ref().filter(|f| !f.edits.is_empty()) {
        obj.insert("fixes".into(), json!([sarif_fix(fix, ctx)]));
    }
    result
}

fn physical_location(file: &SourceFile, span: Span) -> Value {
    json!({ "artifactLocation": { "uri": uri(&file.name) }, "region": region(file, span) })
}

fn region(file: &SourceFile, span: Span) -> Value {
    let start = Position::of(file, span.start);
    let end = Position::of(file, span.end);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        // SARIF's endColumn is the column after the region, which is what `end` already is.
        "endColumn": end.column,
        "byteOffset": start.offset,
        "byteLength": end.offset - start.offset,
    })
}

fn sarif_fix(fix: &Fix, ctx: &RenderContext<'_>) -> Value {
    // Group edits by file, keeping the order in which files first appear.
    let mut changes: Vec<(FileId, Vec<Value>)> = Vec::new();
    for edit in &fix.edits {
        let file = ctx.files.get(edit.file);
        let replacement = json!({ "deletedRegion": region(file, edit.span), "insertedContent": { "text": edit.content } });
        match changes.iter_mut().find(|(id, _)| *id == edit.file) {
            Some((_, replacements)) => replacements.push(replacement),
            None => changes.push((edit.file, vec![replacement])),
        }
    }
    let artifact_changes: Vec<Value> = changes
        .into_iter()
        .map(|(id, replacements)| {
            json!({ "artifactLocation": { "uri": uri(&ctx.files.get(id).name) }, "replacements": replacements })
        })
        .collect();
    json!({
        "description": { "text": fix.title },
        "artifactChanges": artifact_changes,
        "properties": { "applicability": fix.applicability.as_str(), "safe": fix.applicability == Applicability::Safe },
    })
}

/// The file name as a relative URI reference: forward slashes, reserved bytes percent-encoded.
fn uri(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fingerprints that survive edits elsewhere in the file: they hash what the finding is about
/// (rule, file, object kind/namespace/name, the primary span's text), never line numbers.
/// Identical findings get an occurrence number so they stay distinct.
#[derive(Default)]
struct Fingerprints {
    seen: HashMap<u64, u32>,
}

impl Fingerprints {
    fn next(&mut self, d: &Diagnostic, file: &SourceFile) -> String {
        let mut h = Fnv1a::new();
        h.write(d.code.as_bytes());
        h.write(file.name.as_bytes());
        if let Some(object) = &d.object {
            // Not apiVersion: moving from v1beta1 to v1 should not reopen every alert.
            h.write(object.kind.as_bytes());
            h.write(object.namespace.as_deref().unwrap_or("").as_bytes());
            h.write(object.name.as_bytes());
        }
        let text = file.text.get(d.primary.span.range()).unwrap_or("");
        h.write(text.as_bytes());
        let hash = h.finish();
        let n = self.seen.entry(hash).or_insert(0);
        *n += 1;
        format!("{hash:016x}:{n}")
    }
}

/// 64-bit FNV-1a; each field is followed by a 0xff separator byte (never valid UTF-8).
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain(std::iter::once(&0xff)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::{uri, Fnv1a};

    #[test]
    fn fnv1a_matches_reference_vector() {
        // FNV-1a 64 of "a" is af63dc4c8601ec8c; ours appends a separator, so hash the raw form.
        let mut h = Fnv1a::new();
        h.0 ^= u64::from(b'a');
        h.0 = h.0.wrapping_mul(0x0000_0100_0000_01b3);
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn uris_use_forward_slashes_and_percent_encoding() {
        assert_eq!(uri("deploy\\my app/ä.yaml"), "deploy/my%20app/%C3%A4.yaml");
        assert_eq!(uri("-"), "-");
    }
}
