use super::plan;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Severity};
use crate::fix::FixedFile;
use crate::source::{FileId, Files, SourceFile};
use mesh_lint_yaml::Span;
use Applicability::{Display, Safe, Unsafe};

fn files(texts: &[&str]) -> Files {
    let mut files = Files::default();
    for (i, text) in texts.iter().enumerate() {
        files.add(SourceFile::from_bytes(
            format!("f{i}.yaml"),
            None,
            text.as_bytes().to_vec(),
        ));
    }
    files
}

fn edit(file: u32, start: u32, end: u32, content: &str) -> Edit {
    Edit {
        file: FileId(file),
        span: Span::new(start, end),
        content: content.to_string(),
    }
}

fn diag(applicability: Applicability, edits: Vec<Edit>) -> Diagnostic {
    let primary = Label::new(
        edits.first().map_or(FileId(0), |e| e.file),
        Span::default(),
        "",
    );
    Diagnostic::new("MESH999", "test", Severity::Warning, "test", primary).with_fix(Fix::new(
        "fix it",
        applicability,
        edits,
    ))
}

fn safe(edits: Vec<Edit>) -> Diagnostic {
    diag(Safe, edits)
}

/// The new texts of `plan(..., Safe, [])` on one file.
fn fixed_one(text: &str, diagnostics: &[Diagnostic]) -> FixedFile {
    let result = plan(&files(&[text]), diagnostics, Safe, &[]);
    assert_eq!(result.len(), 1, "{result:?}");
    result.into_iter().next().unwrap()
}

#[test]
fn edits_at_start_middle_and_end() {
    let text = "port: 80\nname: http\n";
    let fixed = fixed_one(
        text,
        &[
            safe(vec![edit(0, 0, 4, "targetPort")]),
            safe(vec![edit(0, 15, 19, "grpc")]),
            safe(vec![edit(0, 20, 20, "x: 1\n")]),
        ],
    );
    assert_eq!(fixed.new_text, "targetPort: 80\nname: grpc\nx: 1\n");
    assert_eq!((fixed.applied, fixed.skipped), (3, 0));
}

#[test]
fn insertions_and_deletions() {
    let fixed = fixed_one(
        "ab",
        &[
            safe(vec![edit(0, 1, 1, "-")]),
            safe(vec![edit(0, 0, 1, "")]),
        ],
    );
    assert_eq!(fixed.new_text, "-b");
}

#[test]
fn insertion_at_the_boundary_of_a_replacement_applies_both() {
    let fixed = fixed_one(
        "abc",
        &[
            safe(vec![edit(0, 1, 2, "B")]),
            safe(vec![edit(0, 1, 1, "<")]),
            safe(vec![edit(0, 2, 2, ">")]),
        ],
    );
    assert_eq!(fixed.new_text, "a<B>c");
    assert_eq!(fixed.applied, 3);
}

#[test]
fn an_overlapping_fix_is_skipped_and_counted() {
    let fixed = fixed_one(
        "0123456789",
        &[
            safe(vec![edit(0, 2, 5, "X")]),
            safe(vec![edit(0, 4, 7, "Y")]),
            safe(vec![edit(0, 7, 8, "Z")]),
        ],
    );
    assert_eq!(fixed.new_text, "01X56Z89");
    assert_eq!((fixed.applied, fixed.skipped), (2, 1));
}

#[test]
fn an_insertion_inside_a_replacement_overlaps() {
    let fixed = fixed_one(
        "0123",
        &[
            safe(vec![edit(0, 1, 3, "X")]),
            safe(vec![edit(0, 2, 2, "I")]),
        ],
    );
    assert_eq!(
        (fixed.new_text.as_str(), fixed.applied, fixed.skipped),
        ("0X3", 1, 1)
    );
}

#[test]
fn two_different_insertions_at_one_offset_overlap() {
    let fixed = fixed_one(
        "ab",
        &[
            safe(vec![edit(0, 1, 1, "1")]),
            safe(vec![edit(0, 1, 1, "2")]),
        ],
    );
    assert_eq!(
        (fixed.new_text.as_str(), fixed.applied, fixed.skipped),
        ("a1b", 1, 1)
    );
}

#[test]
fn identical_edits_from_two_findings_apply_once() {
    let same = || safe(vec![edit(0, 6, 7, "2")]);
    let fixed = fixed_one("port: 1\n", &[same(), same()]);
    assert_eq!(
        (fixed.new_text.as_str(), fixed.applied, fixed.skipped),
        ("port: 2\n", 2, 0)
    );

    let insert = || safe(vec![edit(0, 0, 0, "# x\n")]);
    assert_eq!(
        fixed_one("a: 1\n", &[insert(), insert()]).new_text,
        "# x\na: 1\n"
    );
}

#[test]
fn a_fix_is_all_or_nothing_across_its_edits() {
    // The second fix's first edit is fine but its second overlaps the first fix's second.
    let fixed = fixed_one(
        "0123456789",
        &[
            safe(vec![edit(0, 0, 1, "Z"), edit(0, 6, 8, "X")]),
            safe(vec![edit(0, 2, 3, "A"), edit(0, 7, 9, "B")]),
        ],
    );
    assert_eq!(
        (fixed.new_text.as_str(), fixed.applied, fixed.skipped),
        ("Z12345X89", 1, 1)
    );
}

#[test]
fn a_fix_overlapping_itself_or_out_of_bounds_is_dropped() {
    let text = "héllo";
    let bad = [
        safe(vec![edit(0, 0, 3, "x"), edit(0, 2, 4, "y")]),
        safe(vec![edit(0, 4, 99, "x")]),
        safe(vec![edit(0, 2, 2, "x")]), // inside `é`
        safe(vec![edit(7, 0, 0, "x")]),
        safe(vec![]),
    ];
    assert_eq!(plan(&files(&[text]), &bad, Safe, &[]), vec![]);
}

/// Each bad edit alone, next to a good fix, so one check missing cannot hide behind another.
#[test]
fn each_kind_of_bad_edit_is_dropped_on_its_own() {
    let text = "héllo"; // `é` is bytes 1..3
    let good = safe(vec![edit(0, 5, 6, "O")]);
    for bad in [
        edit(0, 3, 1, "x"),  // reversed span, both ends on boundaries
        edit(0, 4, 99, "x"), // past the end
        edit(0, 2, 3, "x"),  // starts inside `é`
        edit(0, 0, 2, "x"),  // ends inside `é`
        edit(0, 2, 2, "x"),  // insertion inside `é`
        edit(7, 0, 0, "x"),  // no such file
    ] {
        let fixed = plan(
            &files(&[text]),
            &[safe(vec![bad.clone()]), good.clone()],
            Safe,
            &[],
        );
        assert_eq!(fixed.len(), 1, "{bad:?}");
        assert_eq!(fixed[0].new_text, "héllO", "{bad:?}");
        assert_eq!((fixed[0].applied, fixed[0].skipped), (1, 0), "{bad:?}");
    }
}

#[test]
fn adjacent_replacements_do_not_overlap() {
    let fixed = fixed_one(
        "abcd",
        &[
            safe(vec![edit(0, 1, 2, "B")]),
            safe(vec![edit(0, 2, 3, "C")]),
        ],
    );
    assert_eq!(fixed.new_text, "aBCd");
    assert_eq!((fixed.applied, fixed.skipped), (2, 0));
    // Whichever fix comes first.
    let fixed = fixed_one(
        "abcd",
        &[
            safe(vec![edit(0, 2, 3, "C")]),
            safe(vec![edit(0, 1, 2, "B")]),
        ],
    );
    assert_eq!(fixed.new_text, "aBCd");
    assert_eq!((fixed.applied, fixed.skipped), (2, 0));
    // Within one fix as well.
    let fixed = fixed_one(
        "abcd",
        &[safe(vec![edit(0, 1, 2, "B"), edit(0, 2, 3, "C")])],
    );
    assert_eq!(fixed.new_text, "aBCd");
}

#[test]
fn multi_file_fix_is_skipped_whole_when_a_file_is_blocked() {
    let files = files(&["a: 1\n", "b: 1\n", "c: 1\n"]);
    let diagnostics = [
        safe(vec![edit(0, 3, 4, "2"), edit(1, 3, 4, "2")]),
        safe(vec![edit(0, 0, 0, "# a\n"), edit(2, 0, 0, "# c\n")]),
    ];

    let result = plan(&files, &diagnostics, Safe, &[FileId(1)]);
    let expected = vec![
        FixedFile {
            file: FileId(0),
            new_text: "# a\na: 1\n".into(),
            applied: 1,
            skipped: 0,
        },
        FixedFile {
            file: FileId(2),
            new_text: "# c\nc: 1\n".into(),
            applied: 1,
            skipped: 0,
        },
    ];
    assert_eq!(result, expected);

    let result = plan(&files, &diagnostics, Safe, &[]);
    let texts: Vec<(FileId, &str)> = result
        .iter()
        .map(|f| (f.file, f.new_text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (FileId(0), "# a\na: 2\n"),
            (FileId(1), "b: 2\n"),
            (FileId(2), "# c\nc: 1\n")
        ]
    );
}

#[test]
fn multi_file_fix_is_skipped_whole_when_it_overlaps_in_one_file() {
    let files = files(&["a: 1\n", "b: 1\n"]);
    // Fixes are taken by first edit: the first one wins file 1, so the second is dropped in
    // file 0 too.
    let diagnostics = [
        safe(vec![edit(0, 0, 1, "A"), edit(1, 3, 4, "9")]),
        safe(vec![edit(0, 3, 4, "2"), edit(1, 3, 4, "2")]),
    ];
    let result = plan(&files, &diagnostics, Safe, &[]);
    let expected = vec![
        FixedFile {
            file: FileId(0),
            new_text: "A: 1\n".into(),
            applied: 1,
            skipped: 1,
        },
        FixedFile {
            file: FileId(1),
            new_text: "b: 9\n".into(),
            applied: 1,
            skipped: 1,
        },
    ];
    assert_eq!(result, expected);
}

#[test]
fn unreadable_files_are_never_edited() {
    let mut files = files(&["a: 1\n"]);
    let binary = files.add(SourceFile::unreadable(
        "b.bin".into(),
        None,
        "binary file".into(),
    ));
    let diagnostics = [safe(vec![edit(binary.0, 0, 0, "x")])];
    assert_eq!(plan(&files, &diagnostics, Safe, &[]), vec![]);
}

#[test]
fn applicability_filtering() {
    let files = files(&["abc"]);
    let diagnostics = [
        diag(Safe, vec![edit(0, 0, 1, "A")]),
        diag(Unsafe, vec![edit(0, 1, 2, "B")]),
        diag(Display, vec![edit(0, 2, 3, "C")]),
    ];
    let text = |min| {
        plan(&files, &diagnostics, min, &[])
            .pop()
            .map(|f| f.new_text)
    };
    assert_eq!(text(Safe).as_deref(), Some("Abc"));
    assert_eq!(text(Unsafe).as_deref(), Some("ABc"));
    assert_eq!(
        text(Display).as_deref(),
        Some("ABc"),
        "display fixes are never applied"
    );
}

#[test]
fn unchanged_files_are_left_out() {
    let files = files(&["a: 1\n", "b: 1\n"]);
    let diagnostics = [
        safe(vec![edit(0, 3, 4, "1")]),
        safe(vec![edit(1, 3, 4, "2")]),
    ];
    let result = plan(&files, &diagnostics, Safe, &[]);
    assert_eq!(
        result.iter().map(|f| f.file).collect::<Vec<_>>(),
        [FileId(1)]
    );
}

#[test]
fn bytes_outside_the_edits_are_preserved_in_crlf_and_multibyte_text() {
    let text =
        "# café ☕ 日本\r\nkind: Service\r\nmetadata:\r\n  name: größe\r\n  namespace: ns\r\n";
    let name = text.find("größe").unwrap() as u32;
    let ns = text.find("ns\r\n").unwrap() as u32;
    let fixed = fixed_one(
        text,
        &[
            safe(vec![edit(
                0,
                name,
                name + "größe".len() as u32,
                "grösse-😀",
            )]),
            safe(vec![edit(0, ns, ns + 2, "prod")]),
        ],
    );

    let mut expected = text.as_bytes().to_vec();
    expected.splice(ns as usize..ns as usize + 2, *b"prod");
    expected.splice(
        name as usize..name as usize + "größe".len(),
        "grösse-😀".bytes(),
    );
    assert_eq!(fixed.new_text.as_bytes(), &expected[..]);
    assert!(fixed
        .new_text
        .starts_with("# café ☕ 日本\r\nkind: Service\r\nmetadata:\r\n  name: "));
    assert!(fixed.new_text.ends_with("\r\n  namespace: prod\r\n"));
}

#[test]
fn fixes_are_taken_in_position_order_not_diagnostic_order() {
    // The later diagnostic starts first, so it wins the overlap.
    let fixed = fixed_one(
        "0123456789",
        &[
            safe(vec![edit(0, 4, 6, "L")]),
            safe(vec![edit(0, 2, 5, "E")]),
        ],
    );
    assert_eq!(fixed.new_text, "01E56789");
}
