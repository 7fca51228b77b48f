//! Fixes on any input: bytes outside the edits unchanged, the fixed file still parses, a second
//! pass changes nothing. Runs on the bytes alone, next to a small mesh, and on a generated mesh
//! (which has many fixable findings). Properties: `tests/support/props.rs`.
#![no_main]

#[path = "../../tests/support/mesh_gen.rs"]
#[allow(dead_code)] // shared with tests/properties.rs, which uses all of it
mod mesh_gen;
#[path = "../../tests/support/props.rs"]
#[allow(dead_code)] // shared with tests/properties.rs, which uses all of it
mod props;
mod choices;

use libfuzzer_sys::fuzz_target;

const MESH: &str = include_str!("../../testdata/demo/shop.yaml");

fuzz_target!(|data: &[u8]| {
    let fuzzed = ("fuzz.yaml".to_string(), data.to_vec());
    props::check_fix(std::slice::from_ref(&fuzzed));
    props::check_fix(&[fuzzed, ("shop.yaml".to_string(), MESH.as_bytes().to_vec())]);
    let mesh = mesh_gen::mesh(&mut choices::Arb(arbitrary::Unstructured::new(data)));
    props::check_fix(&mesh);
});
