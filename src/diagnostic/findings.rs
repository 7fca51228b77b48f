//! Where a rule puts its findings while it runs.

use super::{Diagnostic, Text};
use std::collections::HashSet;
use std::sync::Arc;

/// How many findings one chunk holds; a chunk is allocated once at this size.
const CHUNK: usize = 256;

/// A rule's findings, in order. Each finding's repeated texts are shared as it is pushed (see
/// [`Text`]), so a rule with 24,000 findings holds its notes once, not first 24,000 times and
/// then once; and the findings sit in fixed chunks rather than one `Vec` that doubles, so a
/// long list never holds twice its size while it grows.
#[derive(Default)]
pub struct Findings {
    chunks: Vec<Vec<Diagnostic>>,
    texts: Interner,
}

impl Findings {
    pub fn push(&mut self, mut d: Diagnostic) {
        self.texts.intern_diagnostic(&mut d);
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(d),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(d);
                self.chunks.push(chunk);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Vec::is_empty)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.chunks.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Diagnostic> {
        self.chunks.iter_mut().flatten()
    }

    /// Keeps the findings `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Diagnostic) -> bool) {
        for chunk in &mut self.chunks {
            chunk.retain(&mut keep);
        }
    }

    /// Drops what only pushing needed: the table of shared texts.
    pub fn finish(&mut self) {
        self.texts = Interner::default();
    }
}

impl Extend<Diagnostic> for Findings {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        iter.into_iter().for_each(|d| self.push(d));
    }
}

impl IntoIterator for Findings {
    type Item = Diagnostic;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<Diagnostic>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

/// Shares equal texts among findings (see [`Text`]).
#[derive(Default)]
struct Interner {
    texts: HashSet<Text>,
}

impl Interner {
    fn intern(&mut self, text: &mut Text) {
        match self.texts.get(&**text) {
            Some(shared) => *text = Arc::clone(shared),
            None => {
                self.texts.insert(Arc::clone(text));
            }
        }
    }

    /// Interns every repeated text of `d`.
    fn intern_diagnostic(&mut self, d: &mut Diagnostic) {
        d.notes.iter_mut().for_each(|n| self.intern(n));
        if let Some(help) = &mut d.help {
            self.intern(help);
        }
        if let Some(fix) = &mut d.fix {
            self.intern(&mut fix.title);
        }
        if let Some(source) = &mut d.source {
            self.intern(source);
        }
        if let Some(id) = &mut d.object {
            self.intern(&mut id.api_version);
            self.intern(&mut id.kind);
            if let Some(ns) = &mut id.namespace {
                self.intern(ns);
            }
        }
    }
}
