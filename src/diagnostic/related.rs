//! The other locations of a finding, at most [`MAX_RELATED`] of them. Thousands of objects on
//! one port would otherwise give each of thousands of findings thousands of labels: memory and
//! output quadratic in the input. Past the cap a label is counted, not kept, so the memory of a
//! finding stays bounded while the rule builds it; the pipeline then adds a note saying how
//! many were left out (see `lint`).

use super::Label;

/// Related locations kept per finding.
pub const MAX_RELATED: usize = 20;

/// Related labels in the order the rule added them; the first [`MAX_RELATED`] are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Related {
    labels: Vec<Label>,
    omitted: usize,
}

impl Related {
    pub fn push(&mut self, label: Label) {
        if self.labels.len() < MAX_RELATED {
            self.labels.push(label);
        } else {
            self.omitted += 1;
        }
    }

    /// Adds the label `make` builds, or only counts it once the cap is reached: a rule with
    /// thousands of related objects formats only the labels it keeps.
    pub fn push_with(&mut self, make: impl FnOnce() -> Label) {
        if self.labels.len() < MAX_RELATED {
            self.labels.push(make());
        } else {
            self.omitted += 1;
        }
    }

    /// The list as [`Related::push`] left it: `labels` kept (at most [`MAX_RELATED`]) and
    /// `omitted` counted.
    pub fn from_parts(labels: Vec<Label>, omitted: usize) -> Related {
        Related { labels, omitted }
    }

    /// Labels added past the cap and dropped.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

impl std::ops::Deref for Related {
    type Target = [Label];

    fn deref(&self) -> &[Label] {
        &self.labels
    }
}

impl<'a> IntoIterator for &'a Related {
    type Item = &'a Label;
    type IntoIter = std::slice::Iter<'a, Label>;

    fn into_iter(self) -> Self::IntoIter {
        self.labels.iter()
    }
}

impl Extend<Label> for Related {
    fn extend<I: IntoIterator<Item = Label>>(&mut self, labels: I) {
        for label in labels {
            self.push(label);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use mesh_lint_yaml::Span;

    #[test]
    fn labels_past_the_cap_are_counted_not_kept() {
        let mut related = Related::default();
        related.extend(
            (0..MAX_RELATED as u32 + 5)
                .map(|i| Label::new(FileId(0), Span::new(i, i), format!("label {i}"))),
        );
        assert_eq!(related.len(), MAX_RELATED);
        assert_eq!(related.omitted(), 5);
        assert_eq!(related[0].message, "label 0");
        assert_eq!((&related).into_iter().count(), MAX_RELATED);
    }

    #[test]
    fn labels_past_the_cap_are_not_built() {
        let mut related = Related::default();
        let mut built = 0;
        for i in 0..MAX_RELATED as u32 * 100 {
            related.push_with(|| {
                built += 1;
                Label::new(FileId(0), Span::new(i, i), format!("label {i}"))
            });
        }
        assert_eq!(built, MAX_RELATED);
        assert_eq!(related.omitted(), MAX_RELATED * 99);
    }
}
