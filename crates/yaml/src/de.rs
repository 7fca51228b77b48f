use crate::node::Node;
use crate::span::Span;

mod access;
mod deserializer;

use deserializer::{Ctx, De};

/// Counts nodes visited while deserializing; shared across calls to bound one document.
#[derive(Clone, Debug)]
pub struct Budget {
    pub remaining: usize,
}

impl Budget {
    pub fn new(max_nodes: usize) -> Self {
        Budget {
            remaining: max_nodes,
        }
    }
}

/// A value that did not fit the target type, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeError {
    /// The span of the innermost node that did not fit.
    pub span: Span,
    /// Dotted path from the deserialized root to that node, e.g. `spec.ports[0].port`; empty at
    /// the root.
    pub path: String,
    /// What was expected and found, e.g. "invalid type: string \"http\", expected i32".
    pub message: String,
    /// True when the expansion budget ran out (alias bomb).
    pub budget_exceeded: bool,
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DeError {}

impl serde::de::Error for DeError {
    /// Serde's message; the span and path are filled in by the nearest enclosing node as the
    /// error propagates outward.
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError {
            span: Span::default(),
            path: String::new(),
            message: msg.to_string(),
            budget_exceeded: false,
        }
    }
}

pub(crate) fn deserialize<'a, T: serde::Deserialize<'a>>(
    node: Node<'a>,
    budget: &mut Budget,
) -> Result<T, DeError> {
    let mut ctx = Ctx {
        remaining: budget.remaining,
        depth: 0,
        path: Vec::new(),
        located: false,
    };
    let result = T::deserialize(De {
        node,
        ctx: &mut ctx,
    });
    budget.remaining = ctx.remaining;
    result
}
