//! `discover` against real directories.

use super::*;
use std::fs;
use std::io::Cursor;

/// A temporary tree; paths given to `discover` are absolute, names are checked relative to it.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let tree = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        for (path, text) in files {
            tree.write(path, text.as_bytes());
        }
        tree
    }

    fn write(&self, path: &str, bytes: &[u8]) {
        let full = self.dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, bytes).unwrap();
    }

    fn path(&self, rel: &str) -> String {
        display_path(&self.dir.path().join(rel))
    }

    fn discover(&self, paths: &[&str], excludes: &[&str]) -> Result<Discovery, String> {
        let paths: Vec<String> = paths
            .iter()
            .map(|p| {
                if *p == "-" {
                    p.to_string()
                } else {
                    self.path(p)
                }
            })
            .collect();
        let opts = WalkOptions {
            excludes: excludes.iter().map(|e| e.to_string()).collect(),
            ..WalkOptions::default()
        };
        discover(&paths, &opts, &mut Cursor::new(Vec::new()))
    }

    /// Names relative to the tree root, in discovery order.
    fn names(&self, discovery: &Discovery) -> Vec<String> {
        let root = format!("{}/", self.path("."));
        discovery
            .files
            .iter()
            .map(|(_, f)| f.name.strip_prefix(&root).unwrap_or(&f.name).to_string())
            .collect()
    }

    fn found(&self, paths: &[&str], excludes: &[&str]) -> Vec<String> {
        let discovery = self.discover(paths, excludes).unwrap();
        assert_eq!(discovery.problems, vec![]);
        self.names(&discovery)
    }
}

#[test]
fn walks_recursively_for_manifest_extensions_sorted_by_path() {
    let tree = Tree::new(&[
        ("b.yaml", "b: 1"),
        ("a/z.yml", "z: 1"),
        ("a/deep/er/x.json", "{}"),
        ("a.yaml", "a: 1"),
        ("README.md", "# no"),
        ("chart/values.YAML", "v: 1"),
        ("noext", "n: 1"),
    ]);
    assert_eq!(
        tree.found(&["."], &[]),
        [
            "a/deep/er/x.json",
            "a/z.yml",
            "a.yaml",
            "b.yaml",
            "chart/values.YAML"
        ]
    );
}

#[test]
fn named_files_are_read_whatever_their_extension_in_the_given_order() {
    let tree = Tree::new(&[("notes.txt", "kind: Service"), ("b.yaml", "b: 1")]);
    assert_eq!(
        tree.found(&["notes.txt", "b.yaml"], &[]),
        ["notes.txt", "b.yaml"]
    );
    let discovery = tree.discover(&["notes.txt"], &[]).unwrap();
    let (_, file) = discovery.files.iter().next().unwrap();
    assert_eq!(&*file.text, "kind: Service");
    assert_eq!(
        file.path.as_deref(),
        Some(tree.dir.path().join("notes.txt").as_path())
    );
}

#[test]
fn display_names_follow_the_path_as_written() {
    let tree = Tree::new(&[("manifests/app.yaml", "a: 1")]);
    let root = tree.path(".");
    let with_dot = format!("{root}/./manifests/");
    let discovery = discover(
        &[with_dot],
        &WalkOptions::default(),
        &mut Cursor::new(Vec::new()),
    )
    .unwrap();
    let names: Vec<&str> = discovery
        .files
        .iter()
        .map(|(_, f)| f.name.as_str())
        .collect();
    assert_eq!(names, [format!("{root}/manifests/app.yaml")]);
}

#[test]
fn gitignore_is_honoured_without_a_git_directory() {
    let tree = Tree::new(&[
        (".gitignore", "generated/\n*.tmp.yaml\n"),
        ("generated/out.yaml", "g: 1"),
        ("keep.yaml", "k: 1"),
        ("drop.tmp.yaml", "d: 1"),
        ("sub/.ignore", "local.yaml\n"),
        ("sub/local.yaml", "l: 1"),
        ("sub/other.yaml", "o: 1"),
    ]);
    assert!(!tree.dir.path().join(".git").exists());
    assert_eq!(tree.found(&["."], &[]), ["keep.yaml", "sub/other.yaml"]);
}

#[test]
fn hidden_files_and_directories_are_skipped() {
    let tree = Tree::new(&[
        (".github/workflow.yaml", "w: 1"),
        (".hidden.yaml", "h: 1"),
        ("shown.yaml", "s: 1"),
    ]);
    assert_eq!(tree.found(&["."], &[]), ["shown.yaml"]);
}

#[test]
fn excludes_match_files_and_prune_directories() {
    let tree = Tree::new(&[
        ("charts/a/templates/x.yaml", "x: 1"),
        ("base/kustomization.yaml", "k: 1"),
        ("kustomization.yaml", "k: 1"),
        ("base/app.yaml", "a: 1"),
        ("vendor/v.yaml", "v: 1"),
        ("app.yaml", "a: 1"),
    ]);
    assert_eq!(
        tree.found(&["."], &["charts/**", "**/kustomization.yaml", "vendor"]),
        ["app.yaml", "base/app.yaml"]
    );
}

#[test]
fn excludes_also_match_the_display_name_and_named_files() {
    let tree = Tree::new(&[
        ("manifests/app.yaml", "a: 1"),
        ("manifests/skip.yaml", "s: 1"),
    ]);
    let display_glob = format!("{}/manifests/skip.yaml", tree.path("."));
    assert_eq!(
        tree.found(&["manifests"], &[&display_glob]),
        ["manifests/app.yaml"]
    );
    assert_eq!(
        tree.found(&["manifests/skip.yaml"], &["**/skip.yaml"]),
        Vec::<String>::new()
    );
}

#[cfg(unix)]
#[test]
fn an_excluded_directory_is_not_descended_into() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new(&[("app.yaml", "a: 1"), ("locked/x.yaml", "x: 1")]);
    let locked = tree.dir.path().join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Without pruning, the walk would try to list `locked` (a problem unless we are root) or
    // find `locked/x.yaml` (when we are).
    let by_name = tree.found(&["."], &["locked"]);
    let by_contents = tree.found(&["."], &["locked/**"]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(by_name, ["app.yaml"]);
    assert_eq!(by_contents, ["app.yaml"]);
}

#[test]
fn an_invalid_glob_is_an_error() {
    let tree = Tree::new(&[("a.yaml", "a: 1")]);
    let err = tree.discover(&["."], &["[oops"]).unwrap_err();
    assert!(
        err.contains("--exclude") && err.contains("`[oops`"),
        "{err}"
    );
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let err = discover(
        &["no/such/dir".to_string()],
        &WalkOptions::default(),
        &mut Cursor::new(Vec::new()),
    )
    .unwrap_err();
    assert_eq!(err, "path `no/such/dir` does not exist");
}

#[test]
fn dash_reads_stdin_once_in_its_place() {
    let tree = Tree::new(&[("a.yaml", "a: 1")]);
    let paths = ["-".to_string(), tree.path("a.yaml"), "-".to_string()];
    let mut stdin = Cursor::new(b"kind: Service\n".to_vec());
    let discovery = discover(&paths, &WalkOptions::default(), &mut stdin).unwrap();
    let files: Vec<_> = discovery
        .files
        .iter()
        .map(|(_, f)| (f.name.clone(), f.path.clone(), f.text.to_string()))
        .collect();
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0],
        ("-".to_string(), None, "kind: Service\n".to_string())
    );
    assert_eq!(files[1].2, "a: 1");
}

#[test]
fn the_same_file_is_read_once() {
    let tree = Tree::new(&[("m/a.yaml", "a: 1"), ("m/b.yaml", "b: 1")]);
    let dotted = format!("{}/./m/a.yaml", tree.path("."));
    let dotted = dotted.as_str();
    let discovery = discover(
        &[
            tree.path("m/a.yaml"),
            dotted.to_string(),
            tree.path("m"),
            tree.path("m"),
        ],
        &WalkOptions::default(),
        &mut Cursor::new(Vec::new()),
    )
    .unwrap();
    assert_eq!(tree.names(&discovery), ["m/a.yaml", "m/b.yaml"]);
}

#[test]
fn a_binary_file_is_unreadable_with_the_nul_offset() {
    let tree = Tree::new(&[]);
    tree.write("image.yaml", b"abc\0def");
    let discovery = tree.discover(&["."], &[]).unwrap();
    let (_, file) = discovery.files.iter().next().unwrap();
    assert_eq!(
        file.unreadable.as_deref(),
        Some("binary file (NUL byte at offset 3)")
    );
}

#[test]
fn invalid_utf8_is_a_normal_file_with_the_bad_offsets() {
    let tree = Tree::new(&[]);
    tree.write("latin1.yaml", b"name: caf\xe9\n");
    let discovery = tree.discover(&["."], &[]).unwrap();
    let (_, file) = discovery.files.iter().next().unwrap();
    assert_eq!(file.unreadable, None);
    assert_eq!(file.invalid_utf8, [9]);
    assert_eq!(&*file.text, "name: caf?\n");
}

#[cfg(unix)]
#[test]
fn symlinked_directories_are_walked() {
    let tree = Tree::new(&[("real/app.yaml", "a: 1")]);
    fs::create_dir(tree.dir.path().join("walk")).unwrap();
    std::os::unix::fs::symlink(
        tree.dir.path().join("real"),
        tree.dir.path().join("walk/linked"),
    )
    .unwrap();
    assert_eq!(tree.found(&["walk"], &[]), ["walk/linked/app.yaml"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_a_problem_not_a_hang() {
    let tree = Tree::new(&[("a/app.yaml", "a: 1")]);
    std::os::unix::fs::symlink("..", tree.dir.path().join("a/loop")).unwrap();

    let discovery = tree.discover(&["."], &[]).unwrap();
    assert_eq!(tree.names(&discovery), ["a/app.yaml"]);
    assert_eq!(discovery.problems.len(), 1, "{:?}", discovery.problems);
    let problem = &discovery.problems[0];
    assert_eq!(problem.path, tree.path("a/loop"));
    assert_eq!(
        problem.message,
        format!(
            "symlink loop: points back to `{}`; not followed",
            tree.path(".")
        )
    );

    // Walking `a`, the link leaves the walk and comes back one level down, where the walker
    // catches it; the file seen again through the link is read once.
    let discovery = tree.discover(&["a"], &[]).unwrap();
    assert_eq!(tree.names(&discovery), ["a/app.yaml"]);
    assert_eq!(discovery.problems.len(), 1, "{:?}", discovery.problems);
    assert!(discovery.problems[0].message.starts_with("symlink loop"));
}

#[cfg(unix)]
#[test]
fn a_broken_symlink_is_a_problem() {
    let tree = Tree::new(&[("ok.yaml", "a: 1")]);
    std::os::unix::fs::symlink("missing.yaml", tree.dir.path().join("dangling.yaml")).unwrap();
    let discovery = tree.discover(&["."], &[]).unwrap();
    assert_eq!(tree.names(&discovery), ["ok.yaml"]);
    assert_eq!(discovery.problems.len(), 1, "{:?}", discovery.problems);
    assert_eq!(discovery.problems[0].path, tree.path("dangling.yaml"));
    assert!(
        discovery.problems[0].message.starts_with("broken symlink"),
        "{:?}",
        discovery.problems
    );
}

/// Whether permission bits stop us reading; not when running as root (or with CAP_DAC_*).
#[cfg(unix)]
fn permissions_are_enforced(path: &std::path::Path) -> bool {
    fs::read(path).is_err()
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_becomes_an_unreadable_source_file() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new(&[("secret.yaml", "s: 1")]);
    let path = tree.dir.path().join("secret.yaml");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    let enforced = permissions_are_enforced(&path);
    let discovery = tree.discover(&["."], &[]).unwrap();
    let (_, file) = discovery.files.iter().next().unwrap();
    if enforced {
        let reason = file.unreadable.as_deref().unwrap();
        assert!(
            reason.starts_with("cannot read: ") && reason.contains("ermission denied"),
            "{reason}"
        );
    } else {
        // Root reads through mode 000; the file is then simply linted.
        assert_eq!((file.unreadable.as_deref(), &*file.text), (None, "s: 1"));
    }
}

/// A read error we can cause even as root: reading `/proc/self/mem` at offset 0 fails with EIO.
#[cfg(target_os = "linux")]
#[test]
fn a_read_error_on_a_named_file_is_an_unreadable_source_file() {
    let discovery = discover(
        &["/proc/self/mem".to_string()],
        &WalkOptions::default(),
        &mut Cursor::new(Vec::new()),
    )
    .unwrap();
    let (_, file) = discovery.files.iter().next().unwrap();
    assert_eq!(file.name, "/proc/self/mem");
    let reason = file.unreadable.as_deref().unwrap();
    assert!(reason.starts_with("cannot read: "), "{reason}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_a_problem() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new(&[("ok.yaml", "a: 1"), ("locked/x.yaml", "x: 1")]);
    let locked = tree.dir.path().join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let enforced = fs::read_dir(&locked).is_err();
    let discovery = tree.discover(&["."], &[]).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    if enforced {
        assert_eq!(tree.names(&discovery), ["ok.yaml"]);
        assert_eq!(discovery.problems.len(), 1, "{:?}", discovery.problems);
        assert_eq!(discovery.problems[0].path, tree.path("locked"));
    } else {
        assert_eq!(tree.names(&discovery), ["locked/x.yaml", "ok.yaml"]);
        assert_eq!(discovery.problems, vec![]);
    }
}

#[test]
fn inputs_past_the_total_budget_are_reported_not_read() {
    let tree = Tree::new(&[
        ("a.yaml", "a: 1\n"),        // 5 bytes
        ("b.yaml", "b: 12345678\n"), // 12 bytes: does not fit after a and stdin
        ("c.yaml", "c: 3\n"),        // 5 bytes: still fits
    ]);
    let paths = ["-".to_string(), tree.path(".")];
    let opts = WalkOptions {
        max_total_input: Some(16),
        ..WalkOptions::default()
    };
    let mut stdin = Cursor::new(b"s: 1\n".to_vec()); // 5 bytes
    let discovery = discover(&paths, &opts, &mut stdin).unwrap();
    let files: Vec<(String, Option<String>, String)> = discovery
        .files
        .iter()
        .map(|(_, f)| (f.name.clone(), f.unreadable.clone(), f.text.to_string()))
        .collect();
    assert_eq!(files.len(), 4);
    assert_eq!(files[0], ("-".into(), None, "s: 1\n".into()));
    assert_eq!(files[1].2, "a: 1\n");
    let reason = files[2].1.as_deref().unwrap();
    assert!(
        reason.starts_with("not read: the inputs of this run exceed 16 bytes"),
        "{reason}"
    );
    assert_eq!(files[2].2, "", "an over-budget file is not held");
    assert_eq!(
        (files[3].1.as_deref(), files[3].2.as_str()),
        (None, "c: 3\n")
    );
}

#[test]
fn stdin_larger_than_the_budget_is_dropped_after_reading() {
    let opts = WalkOptions {
        max_total_input: Some(4),
        ..WalkOptions::default()
    };
    let mut stdin = Cursor::new(b"kind: Service\n".to_vec());
    let discovery = discover(&["-".to_string()], &opts, &mut stdin).unwrap();
    let (_, file) = discovery.files.iter().next().unwrap();
    assert_eq!(&*file.text, "");
    assert!(file
        .unreadable
        .as_deref()
        .unwrap()
        .contains("exceed 4 bytes"));
}
