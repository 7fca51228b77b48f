//! Fuzzer bytes as the mesh generator's choices (structure-aware fuzzing): libFuzzer mutates
//! the choices, so it explores meshes rather than YAML syntax.

use crate::mesh_gen::Choices;
use arbitrary::Unstructured;

pub struct Arb<'a>(pub Unstructured<'a>);

impl Choices for Arb<'_> {
    fn below(&mut self, n: usize) -> usize {
        // Exhausted input keeps choosing the first option: small inputs give small meshes.
        self.0.choose_index(n).unwrap_or(0)
    }
}
