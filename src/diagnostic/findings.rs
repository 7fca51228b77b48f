//! Where a rule puts its findings while it runs.

use super::packed::{pack, unpack, Table};
use super::Diagnostic;

/// Bytes one chunk of packed findings is allocated with (a larger finding gets a chunk of its
/// own size).
const CHUNK: usize = 32 * 1024;

/// A rule's findings, in order, packed (see [`super::packed`]): a large mesh's findings are
/// held while the rules run, when the trees, the index and the models are too, and packed they
/// take a third of the memory. The packed bytes sit in fixed chunks rather than one `Vec` that
/// doubles, so a long list never holds twice its size while it grows.
#[derive(Default)]
pub struct Findings {
    chunks: Vec<Vec<u8>>,
    len: usize,
    table: Table,
}

impl Findings {
    pub fn push(&mut self, d: Diagnostic) {
        let mut packed = Vec::new();
        pack(&d, &mut self.table, &mut packed);
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= packed.len());
        if !fits {
            self.chunks
                .push(Vec::with_capacity(CHUNK.max(packed.len())));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.extend_from_slice(&packed);
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The findings, unpacked one by one.
    pub fn iter(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        let table = &self.table;
        self.chunks.iter().flat_map(move |chunk| {
            let mut pos = 0;
            std::iter::from_fn(move || (pos < chunk.len()).then(|| unpack(chunk, &mut pos, table)))
        })
    }

    /// Keeps the findings `keep` accepts, in order, with the changes it made to them. Each
    /// chunk is freed once read, so the list never holds much more than its size.
    pub fn retain_mut(&mut self, mut keep: impl FnMut(&mut Diagnostic) -> bool) {
        let old = std::mem::take(&mut self.chunks);
        self.len = 0;
        for chunk in old {
            let mut pos = 0;
            while pos < chunk.len() {
                let mut d = unpack(&chunk, &mut pos, &self.table);
                if keep(&mut d) {
                    self.push(d);
                }
            }
        }
    }

    /// Keeps the findings `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Diagnostic) -> bool) {
        self.retain_mut(|d| keep(d));
    }
}

impl Extend<Diagnostic> for Findings {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        iter.into_iter().for_each(|d| self.push(d));
    }
}

impl IntoIterator for Findings {
    type Item = Diagnostic;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            chunks: self.chunks.into_iter(),
            chunk: Vec::new(),
            pos: 0,
            table: self.table,
        }
    }
}

/// The findings of a list, unpacked in order; each chunk is freed once read.
pub struct IntoIter {
    chunks: std::vec::IntoIter<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    table: Table,
}

impl Iterator for IntoIter {
    type Item = Diagnostic;

    fn next(&mut self) -> Option<Diagnostic> {
        while self.pos >= self.chunk.len() {
            self.chunk = self.chunks.next()?;
            self.pos = 0;
        }
        Some(unpack(&self.chunk, &mut self.pos, &self.table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, Edit, Fix, Label, ObjectId, Severity};
    use crate::source::FileId;
    use mesh_lint_yaml::Span;
    use std::sync::Arc;

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

    /// Every field set, with values that take several bytes packed.
    fn full(i: u32) -> Diagnostic {
        let mut d = Diagnostic::new(
            "MESH103",
            "catch-all-tcp-listener",
            [Severity::Info, Severity::Warning, Severity::Error][i as usize % 3],
            format!("message {i} with `ünïcode`"),
            Label::new(FileId(i), Span::new(i * 1000, i * 1000 + 300), "primary"),
        )
        .with_note(format!("note {i}"))
        .with_note("shared note")
        .with_help("help")
        .with_fix(Fix::new(
            "title",
            [
                Applicability::Display,
                Applicability::Unsafe,
                Applicability::Safe,
            ][i as usize % 3],
            vec![Edit {
                file: FileId(7),
                span: Span::new(u32::MAX - 5, u32::MAX),
                content: "a: b\n".into(),
            }],
        ));
        for j in 0..crate::diagnostic::MAX_RELATED as u32 + 3 {
            d.related.push(Label::new(
                FileId(j),
                Span::new(j, j + 2),
                format!("related {j}"),
            ));
        }
        d.object = Some(ObjectId {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: (i % 2 == 0).then(|| Arc::from("ns")),
            name: format!("svc-{i}").into(),
        });
        d.source = Some("templates/svc.yaml".into());
        d.rule_page = i % 2 == 1;
        d.subject = Some(i as usize * 100_000);
        d
    }

    fn same(a: &Diagnostic, b: &Diagnostic) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn a_packed_finding_reads_back_as_it_was_pushed() {
        let mut out = Findings::default();
        out.extend((0..6).map(full));
        out.push(finding(1));
        let back: Vec<Diagnostic> = out.iter().collect();
        assert_eq!(back.len(), 7);
        assert!((0..6).all(|i| same(&back[i], &full(i as u32))));
        assert!(same(&back[6], &finding(1)));
        assert_eq!(back[0].related.omitted(), 3);
    }

    #[test]
    fn pushed_findings_share_equal_texts_and_keep_their_order() {
        let mut out = Findings::default();
        out.extend((0..3000).map(finding));
        assert_eq!(out.len(), 3000);
        let all: Vec<Diagnostic> = out.iter().collect();
        assert!(all
            .windows(2)
            .all(|w| w[0].primary.span < w[1].primary.span));
        assert!(Arc::ptr_eq(&all[0].notes[0], &all[2999].notes[0]));
        let (h0, h2) = (all[0].help.as_ref(), all[2].help.as_ref());
        assert!(h0.zip(h2).is_some_and(|(a, b)| Arc::ptr_eq(a, b)));
        assert_ne!(all[0].help, all[1].help);
        // Chunks are allocated at their size once, and filled.
        assert!(out.chunks.len() > 1);
        assert!(out.chunks.iter().all(|c| c.capacity() == CHUNK));
        out.retain(|d| d.primary.span.start % 2 == 0);
        assert_eq!(out.len(), 1500);
        out.retain_mut(|d| {
            d.severity = Severity::Error;
            true
        });
        let kept: Vec<Diagnostic> = out.into_iter().collect();
        assert_eq!(kept.len(), 1500);
        assert!(kept.iter().all(|d| d.severity == Severity::Error));
        assert!(kept.iter().all(|d| d.primary.span.start % 2 == 0));
    }

    #[test]
    fn a_finding_larger_than_a_chunk_gets_its_own() {
        let mut out = Findings::default();
        let mut big = finding(0);
        big.message = "x".repeat(CHUNK * 2);
        out.push(finding(1));
        out.push(big);
        out.push(finding(2));
        let back: Vec<Diagnostic> = out.into_iter().collect();
        assert_eq!(back[1].message.len(), CHUNK * 2);
        assert_eq!(back[2].message, "finding 2");
    }
}
