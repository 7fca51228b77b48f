//! A finding in a few bytes: while the rules run, every finding of a large mesh is held at the
//! same time as the trees, the index and the models, and as a [`Diagnostic`] one took about
//! 600 bytes (a 320-byte struct and its strings and lists, each allocated with spare room).
//! Packed, it is its own strings once plus a byte or two per field; the texts findings share
//! (notes, help, fix titles, object kinds and names) are one entry of the list's [`Table`].

use super::{Applicability, Diagnostic, Edit, Fix, Label, ObjectId, Related, Severity, Text};
use crate::source::FileId;
use mesh_lint_yaml::Span;
use std::collections::HashMap;
use std::sync::Arc;

/// What the packed findings of one list share: their rules' codes and names, and their texts.
#[derive(Default)]
pub(super) struct Table {
    rules: Vec<(&'static str, &'static str)>,
    texts: Vec<Text>,
    ids: HashMap<Text, u32>,
}

impl Table {
    fn rule(&mut self, code: &'static str, name: &'static str) -> u32 {
        let found = self.rules.iter().position(|&r| r == (code, name));
        let i = found.unwrap_or_else(|| {
            self.rules.push((code, name));
            self.rules.len() - 1
        });
        i as u32
    }

    fn text(&mut self, text: &Text) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(Arc::clone(text));
        self.ids.insert(Arc::clone(text), id);
        id
    }
}

const RULE_PAGE: u8 = 1;
const HELP: u8 = 2;
const FIX: u8 = 4;
const OBJECT: u8 = 8;
const NAMESPACE: u8 = 16;
const SOURCE: u8 = 32;
const SUBJECT: u8 = 64;

/// Appends `d` to `out`, its shared texts entered in `table`.
pub(super) fn pack(d: &Diagnostic, table: &mut Table, out: &mut Vec<u8>) {
    let flags = [
        (d.rule_page, RULE_PAGE),
        (d.help.is_some(), HELP),
        (d.fix.is_some(), FIX),
        (d.object.is_some(), OBJECT),
        (
            d.object.as_ref().is_some_and(|o| o.namespace.is_some()),
            NAMESPACE,
        ),
        (d.source.is_some(), SOURCE),
        (d.subject.is_some(), SUBJECT),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .fold(0, |acc, (_, bit)| acc | bit);
    let mut w = Writer(out);
    w.uint(u64::from(table.rule(d.code, d.name)));
    w.byte(d.severity as u8);
    w.byte(flags);
    w.str(&d.message);
    w.label(&d.primary);
    w.uint(d.related.len() as u64);
    d.related.iter().for_each(|l| w.label(l));
    w.uint(d.related.omitted() as u64);
    w.uint(d.notes.len() as u64);
    d.notes.iter().for_each(|n| w.text(table, n));
    if let Some(help) = &d.help {
        w.text(table, help);
    }
    if let Some(fix) = &d.fix {
        w.text(table, &fix.title);
        w.byte(fix.applicability as u8);
        w.uint(fix.edits.len() as u64);
        for edit in &fix.edits {
            w.place(edit.file, edit.span);
            w.str(&edit.content);
        }
    }
    if let Some(id) = &d.object {
        w.text(table, &id.api_version);
        w.text(table, &id.kind);
        if let Some(ns) = &id.namespace {
            w.text(table, ns);
        }
        w.text(table, &id.name);
    }
    if let Some(source) = &d.source {
        w.text(table, source);
    }
    if let Some(subject) = d.subject {
        w.uint(subject as u64);
    }
}

/// Reads the finding that starts at `*pos` in `buf` and moves `*pos` past it.
pub(super) fn unpack(buf: &[u8], pos: &mut usize, table: &Table) -> Diagnostic {
    let mut r = Reader { buf, pos, table };
    let (code, name) = table.rules[r.uint()];
    let severity = match r.byte() {
        0 => Severity::Info,
        1 => Severity::Warning,
        _ => Severity::Error,
    };
    let flags = r.byte();
    let message = r.string();
    let mut d = Diagnostic::new(code, name, severity, message, r.label());
    let related = (0..r.uint()).map(|_| r.label()).collect();
    d.related = Related::from_parts(related, r.uint());
    d.notes = (0..r.uint()).map(|_| r.text()).collect();
    if flags & HELP != 0 {
        d.help = Some(r.text());
    }
    if flags & FIX != 0 {
        let title = r.text();
        let applicability = match r.byte() {
            0 => Applicability::Display,
            1 => Applicability::Unsafe,
            _ => Applicability::Safe,
        };
        let edits = (0..r.uint())
            .map(|_| {
                let (file, span) = r.place();
                Edit {
                    file,
                    span,
                    content: r.string(),
                }
            })
            .collect();
        d.fix = Some(Fix::new(title, applicability, edits));
    }
    if flags & OBJECT != 0 {
        d.object = Some(ObjectId {
            api_version: r.text(),
            kind: r.text(),
            namespace: (flags & NAMESPACE != 0).then(|| r.text()),
            name: r.text(),
        });
    }
    if flags & SOURCE != 0 {
        d.source = Some(r.text());
    }
    if flags & SUBJECT != 0 {
        d.subject = Some(r.uint());
    }
    d.rule_page = flags & RULE_PAGE != 0;
    d
}

struct Writer<'o>(&'o mut Vec<u8>);

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    /// LEB128: seven bits a byte, most numbers here in one or two.
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn text(&mut self, table: &mut Table, text: &Text) {
        self.uint(u64::from(table.text(text)));
    }

    fn place(&mut self, file: FileId, span: Span) {
        self.uint(u64::from(file.0));
        self.uint(u64::from(span.start));
        self.uint(u64::from(span.end - span.start));
    }

    fn label(&mut self, label: &Label) {
        self.place(label.file, label.span);
        self.str(&label.message);
    }
}

struct Reader<'b, 'p> {
    buf: &'b [u8],
    pos: &'p mut usize,
    table: &'b Table,
}

impl Reader<'_, '_> {
    fn byte(&mut self) -> u8 {
        let b = self.buf[*self.pos];
        *self.pos += 1;
        b
    }

    fn uint(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        loop {
            let b = self.byte();
            n |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    fn u32(&mut self) -> u32 {
        // Every number packed as a `u32` was one.
        self.uint() as u32
    }

    fn string(&mut self) -> String {
        let len = self.uint();
        let bytes = &self.buf[*self.pos..*self.pos + len];
        *self.pos += len;
        // Packed from a `String`: valid UTF-8, so this copies and replaces nothing.
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn text(&mut self) -> Text {
        Arc::clone(&self.table.texts[self.uint()])
    }

    fn place(&mut self) -> (FileId, Span) {
        let file = FileId(self.u32());
        let start = self.u32();
        let len = self.u32();
        (file, Span::new(start, start + len))
    }

    fn label(&mut self) -> Label {
        let (file, span) = self.place();
        Label {
            file,
            span,
            message: self.string(),
        }
    }
}
