//! How big a document would be with every alias expanded, computed without expanding it.
//!
//! Kubernetes' decoder expands aliases and rejects documents that alias excessively; a linter
//! that keeps aliases as references must still tell such a document apart, even when no typed
//! view ever reads the aliased field. One memoised post-order walk over the arena, linear in
//! nodes plus edges and free of recursion.

use crate::parse::Document;
use crate::span::Span;
use crate::tree::Tree;

const UNKNOWN: u64 = u64::MAX;

impl Document {
    /// The number of nodes the document expands to, or the span of the first node whose
    /// expansion exceeds `cap`. A failed or empty document has size 0.
    pub fn expanded_size(&self, cap: usize) -> Result<usize, Span> {
        let tree = &self.tree;
        let Some(root) = tree.root else { return Ok(0) };
        // Without aliases every node is reached once from the root: no walk needed.
        if !tree.aliases && tree.nodes.len() <= cap {
            return Ok(tree.nodes.len());
        }
        expanded(tree, root, cap as u64).map(|n| n as usize)
    }
}

fn expanded(tree: &Tree, root: u32, cap: u64) -> Result<u64, Span> {
    let mut size = vec![UNKNOWN; tree.nodes.len()];
    let mut stack = vec![(root, false)];
    while let Some((id, children_done)) = stack.pop() {
        let id = tree.resolve(id);
        if size[id as usize] != UNKNOWN {
            continue;
        }
        if !children_done {
            stack.push((id, true));
            stack.extend(tree.children(id).map(|c| (c, false)));
            continue;
        }
        // A child still unknown here would be a cycle, which the builder already rejects.
        let total = tree.children(id).fold(1u64, |acc, c| {
            let child = size[tree.resolve(c) as usize];
            acc.saturating_add(if child == UNKNOWN { 0 } else { child })
        });
        if total > cap {
            return Err(tree.span(id));
        }
        size[id as usize] = total;
    }
    Ok(size[tree.resolve(root) as usize])
}

#[cfg(test)]
mod tests {
    use crate::{parse_stream, Limits};

    #[test]
    fn counts_aliases_as_their_expansion() {
        let docs = parse_stream("a: &x [1, 2]\nb: *x\nc: *x\n", &Limits::default());
        // root + 3 keys + 3 times the 3-node sequence
        assert_eq!(docs[0].expanded_size(1000), Ok(13));
    }

    #[test]
    fn billion_laughs_is_caught_at_the_exploding_node() {
        let mut text = String::from("l0: &l0 [a, a, a, a, a, a, a, a, a]\n");
        for i in 1..9 {
            text.push_str(&format!(
                "l{i}: &l{i} [{}]\n",
                vec![format!("*l{}", i - 1); 9].join(", ")
            ));
        }
        let docs = parse_stream(&text, &Limits::default());
        let span = docs[0].expanded_size(1_000_000).unwrap_err();
        assert!(
            text[span.range()].starts_with("[*l"),
            "{}",
            &text[span.range()]
        );
    }
}
