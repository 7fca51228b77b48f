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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use crate::source::FileId;
    use mesh_lint_yaml::Span;

    fn finding(i: u32) -> Diagnostic {
        Diagnostic::new(
            "MESH202",
            "export-to-everywhere",
            Severity::Info,
            format!("finding {i}"),
            Label::new(FileId(0), Span::new(i, i + 1), ""),
        )
        .with_note(String::from("the same note"))
        .with_help(format!("help {}", i % 2))
    }

    #[test]
    fn pushed_findings_share_equal_texts_and_keep_their_order() {
        let mut out = Findings::default();
        out.extend((0..600).map(finding));
        out.finish();
        assert_eq!(out.len(), 600);
        let all: Vec<&Diagnostic> = out.iter().collect();
        assert!(all
            .windows(2)
            .all(|w| w[0].primary.span < w[1].primary.span));
        assert!(Arc::ptr_eq(&all[0].notes[0], &all[599].notes[0]));
        let (h0, h2) = (all[0].help.as_ref(), all[2].help.as_ref());
        assert!(h0.zip(h2).is_some_and(|(a, b)| Arc::ptr_eq(a, b)));
        assert_ne!(all[0].help, all[1].help);
        // Chunks are allocated at their size once: 600 findings in three chunks of 256.
        assert_eq!(out.chunks.len(), 3);
        assert!(out.chunks.iter().all(|c| c.capacity() == CHUNK));
        out.retain(|d| d.primary.span.start % 2 == 0);
        assert_eq!(out.into_iter().count(), 300);
    }
}
