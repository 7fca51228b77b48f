//! Single-thread parse throughput of every file in a directory:
//! `cargo run --release -p mesh-lint-yaml --example parse_files DIR`.

use mesh_lint_yaml::{parse_stream, Limits};
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            texts.push(text);
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let limits = Limits::default();
    for _ in 0..3 {
        let start = Instant::now();
        let docs: Vec<_> = texts.iter().map(|t| parse_stream(t, &limits)).collect();
        let nodes: usize = docs.iter().flatten().map(|d| d.node_count()).sum();
        let secs = start.elapsed().as_secs_f64();
        drop(docs);
        println!(
            "{} files, {:.1} MB, {nodes} nodes: {secs:.3} s, {:.1} MB/s",
            texts.len(),
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs
        );
    }
}
