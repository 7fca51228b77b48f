//! Pathological cross-resource fan-out (hundreds of objects on one port) stays linear: every
//! finding keeps at most MAX_RELATED related locations and says how many it left out.

use mesh_lint::diagnostic::MAX_RELATED;
use mesh_lint::lint::{lint, LintOptions};
use mesh_lint::render::{self, Format, RenderContext, Summary};
use mesh_lint::rules;
use mesh_lint::source::{Files, SourceFile};

/// `catch_alls` ServiceEntries without addresses and `http` HTTP Services, all on port 5432.
fn one_port(catch_alls: usize, http: usize) -> Files {
    let mut text = String::new();
    for i in 0..catch_alls {
        text.push_str(&format!(
            "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db-{i}, namespace: shop}}\nspec:\n  hosts: [db-{i}.example.com]\n  resolution: DNS\n  ports: [{{number: 5432, name: tcp-pg, protocol: TCP}}]\n"
        ));
    }
    for i in 0..http {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: web-{i}, namespace: shop}}\nspec:\n  selector: {{app: web-{i}}}\n  ports: [{{name: http, port: 5432}}]\n"
        ));
    }
    let mut files = Files::default();
    files.add(SourceFile::from_bytes(
        "fan.yaml".into(),
        None,
        text.into_bytes(),
    ));
    files
}

#[test]
fn related_locations_are_capped_with_a_note_saying_how_many_were_left_out() {
    let files = one_port(1, MAX_RELATED + 7);
    let result = lint(&files, &LintOptions::default());
    let capped: Vec<_> = result
        .diagnostics
        .iter()
        .filter(|d| d.related.omitted() > 0)
        .collect();
    assert!(
        !capped.is_empty(),
        "the catch-all's finding names every HTTP port"
    );
    for d in capped {
        assert_eq!(d.related.len(), MAX_RELATED);
        let note =
            format!("7 more related locations are not shown (at most {MAX_RELATED} per finding)");
        assert!(d.notes.iter().any(|n| **n == *note), "{:?}", d.notes);
    }
}

#[test]
fn output_grows_linearly_with_objects_on_one_port() {
    let size = |n: usize| {
        let files = one_port(n, n);
        let result = lint(&files, &LintOptions::default());
        assert!(result
            .diagnostics
            .iter()
            .all(|d| d.related.len() <= MAX_RELATED));
        let metas = rules::metas();
        let ctx = RenderContext {
            files: &files,
            rules: &metas,
            summary: Summary::tally(files.len(), result.objects, &result.diagnostics),
            color: false,
            width: 100,
            tool_version: "0",
            unsafe_fixes: false,
            github_step_summary: None,
        };
        let mut out = Vec::new();
        render::render(Format::Json, &result.diagnostics, &ctx, &mut out).unwrap();
        out.len()
    };
    let (small, large) = (size(40), size(160));
    // Quadratic growth would be 16x; linear is 4x (plus a constant).
    assert!(
        large < small * 6,
        "{small} bytes for 40+40 objects, {large} for 160+160"
    );
}
