//! A multimap from keys (strings, tuples of them) to positions, as one sorted list of `(key hash, position)` pairs.
//!
//! Models keyed by host or name (hundreds of thousands of keys in a large mesh) held a
//! `HashMap<String, Vec<usize>>`: a copy of every key, a list per key and a bucket, some 150
//! bytes for a key that names one position. Here a pair is 16 bytes. A hash only names
//! candidates: the caller keeps those whose own key is the one asked for, so a collision costs
//! a comparison, never a wrong answer.

use std::hash::{DefaultHasher, Hash, Hasher};

#[derive(Debug, Default)]
pub struct KeyIndex {
    pairs: Vec<(u64, u32)>,
    sorted: bool,
}

impl KeyIndex {
    pub fn push(&mut self, key: &(impl Hash + ?Sized), position: usize) {
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        self.pairs.push((hash(key), position));
        self.sorted = false;
    }

    /// Sorts the pairs (positions of one key stay in ascending order); call once the last key
    /// is in, before any lookup.
    pub fn seal(&mut self) {
        self.pairs.sort_unstable();
        self.pairs.shrink_to_fit();
        self.sorted = true;
    }

    /// Positions whose key may be `key`, ascending: every position pushed with `key`, and
    /// rarely one of another key with the same hash.
    pub fn candidates(&self, key: &(impl Hash + ?Sized)) -> impl Iterator<Item = usize> + '_ {
        debug_assert!(
            self.sorted || self.pairs.is_empty(),
            "KeyIndex read before seal"
        );
        let h = hash(key);
        let start = self.pairs.partition_point(|p| p.0 < h);
        let len = self.pairs[start..].partition_point(|p| p.0 == h);
        self.pairs[start..start + len].iter().map(|p| p.1 as usize)
    }
}

/// A fixed-key hash, the same in every run.
fn hash(key: &(impl Hash + ?Sized)) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::KeyIndex;

    #[test]
    fn finds_every_position_of_a_key_in_order() {
        let mut index = KeyIndex::default();
        for (i, key) in ["a", "b", "a", "c", "a"].iter().enumerate() {
            index.push(key, i);
        }
        index.seal();
        assert_eq!(index.candidates("a").collect::<Vec<_>>(), [0, 2, 4]);
        assert_eq!(index.candidates("c").collect::<Vec<_>>(), [3]);
        assert_eq!(index.candidates("d").count(), 0);
    }
}
