//! `discover` with no paths walks the current directory. This is its own test binary with a
//! single test because it changes the process's working directory.

use mesh_lint::source::{discover, WalkOptions};
use std::io::Cursor;

#[test]
fn no_paths_walks_the_current_directory_without_a_dot_prefix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/app.yaml"), "a: 1").unwrap();
    std::fs::write(dir.path().join("top.yml"), "t: 1").unwrap();
    std::env::set_current_dir(dir.path()).unwrap();

    let discovery = discover(&[], &WalkOptions::default(), &mut Cursor::new(Vec::new())).unwrap();

    let names: Vec<&str> = discovery
        .files
        .iter()
        .map(|(_, f)| f.name.as_str())
        .collect();
    assert_eq!(names, ["sub/app.yaml", "top.yml"]);
    let (_, first) = discovery.files.iter().next().unwrap();
    assert_eq!(
        first.path.as_deref(),
        Some(std::path::Path::new("./sub/app.yaml"))
    );
}
