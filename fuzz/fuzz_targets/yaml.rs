//! mesh-lint-yaml against saphyr-parser on texts both accept: same documents, same shape, same
//! scalar values, styles and span text. See `tests/support/yaml_diff.rs`.
#![no_main]

#[path = "../../tests/support/yaml_diff.rs"]
#[allow(dead_code)] // shared with tests/properties.rs, which uses all of it
mod yaml_diff;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        yaml_diff::check_yaml(text);
    }
});
