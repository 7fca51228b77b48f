//! Every output format over one hand-built set of findings on two small files: one with
//! multi-byte characters before a span, one with CRLF line breaks.

use mesh_lint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, ObjectId, Severity};
use mesh_lint::render::{render, statistics, Format, Position, RenderContext, Summary};
use mesh_lint::rules::{FixAvailability, RuleMeta, Subject};
use mesh_lint::source::{FileId, Files, SourceFile};
use mesh_lint_yaml::Span;

const SERVICE: &str = "# Zähler-Dienst für 東京\n\
apiVersion: v1\n\
kind: Service\n\
metadata:\n  name: app-ext\n  namespace: app\n  labels: {tëam: ops, app: zähler}\n\
spec:\n  selector:\n    app: zähler\n  ports:\n  - name: web\n    port: 80\n    targetPort: 8080\n";

const ROUTE: &str = "apiVersion: networking.istio.io/v1\r\n\
kind: VirtualService\r\n\
metadata:\r\n  name: app\r\n  namespace: app\r\n\
spec:\r\n  hosts:\r\n  - app-ext\r\n  http:\r\n  - route:\r\n    - destination:\r\n        host: app-ext\r\n        port:\r\n          number: 8080\r\n";

static PORT_NAME: RuleMeta = RuleMeta {
    code: "MESH101",
    name: "port-name-without-protocol",
    area: "ports",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    fix_kinds: "safe",
    subject: Subject::Object,
    istioctl: &[],
    opt_in: false,
    summary: "Service port name does not start with a protocol prefix",
    docs: "## What it does\n\nChecks that Service port names start with a protocol.\n\n## Why is this bad?\n\nIstio falls back to protocol sniffing.\n",
};

static DEST_PORT: RuleMeta = RuleMeta {
    code: "MESH202",
    name: "destination-port-not-found",
    area: "ports",
    severity: Severity::Error,
    fix: FixAvailability::None,
    fix_kinds: "",
    subject: Subject::Object,
    istioctl: &[],
    opt_in: false,
    summary: "A route sends traffic to a port the Service does not expose",
    docs: "## What it does\n\nFinds route destinations whose port is not on the Service.\n",
};

static RULES: [&RuleMeta; 2] = [&PORT_NAME, &DEST_PORT];

fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth}"))
        .0;
    Span::new(start as u32, (start + needle.len()) as u32)
}

fn object(kind: &str, name: &str) -> ObjectId {
    let api_version = if kind == "Service" {
        "v1"
    } else {
        "networking.istio.io/v1"
    };
    ObjectId {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: Some("app".into()),
        name: name.into(),
    }
}

struct Fixture {
    files: Files,
    diagnostics: Vec<Diagnostic>,
}

fn fixture() -> Fixture {
    let mut files = Files::default();
    let svc = files.add(SourceFile::from_bytes(
        "deploy/service.yaml".into(),
        None,
        SERVICE.as_bytes().to_vec(),
    ));
    let vs = files.add(SourceFile::from_bytes(
        "deploy/route.yaml".into(),
        None,
        ROUTE.as_bytes().to_vec(),
    ));

    let mut error = Diagnostic::new(
        "MESH202",
        "destination-port-not-found",
        Severity::Error,
        "route sends traffic to port `8080`, which Service `app-ext` does not expose",
        Label::new(vs, span_of(ROUTE, "8080", 0), "port `8080`"),
    )
    .with_related(Label::new(
        svc,
        span_of(SERVICE, "port: 80", 0),
        "Service `app-ext` exposes only port `80`",
    ))
    .with_note("Envoy has no cluster for an unknown port, so requests fail with 503 NR")
    .with_help("route to port `80`, or add port `8080` to the Service");
    error.object = Some(object("VirtualService", "app"));
    error.source = Some("app/templates/virtualservice.yaml".into());
    error.rule_page = true;

    let mut warning = Diagnostic::new(
        "MESH101",
        "port-name-without-protocol",
        Severity::Warning,
        "port name `web` has no protocol prefix",
        Label::new(svc, span_of(SERVICE, "web", 0), ""),
    )
    .with_note("Istio picks the protocol from the name prefix, else it sniffs")
    .with_fix(Fix::new(
        "rename the port to `http-web`",
        Applicability::Safe,
        vec![Edit {
            file: svc,
            span: span_of(SERVICE, "web", 0),
            content: "http-web".into(),
        }],
    ));
    warning.object = Some(object("Service", "app-ext"));

    // After multi-byte characters on the same line, so columns and byte offsets differ.
    let mut info = Diagnostic::new(
        "MESH405",
        "label-value-not-ascii",
        Severity::Info,
        "label value `zähler` is not ASCII",
        Label::new(svc, span_of(SERVICE, "zähler", 0), "this value"),
    );
    info.object = Some(object("Service", "app-ext"));

    // Several CRLF lines, with an unsafe fix.
    let route_start = span_of(ROUTE, "- route:", 0).start;
    let route_end = span_of(ROUTE, "8080", 0).end;
    let mut multi = Diagnostic::new(
        "MESH310",
        "route-without-timeout",
        Severity::Warning,
        "HTTP route has no `timeout`",
        Label::new(vs, Span::new(route_start, route_end), "this route"),
    )
    .with_fix(Fix::new(
        "add `timeout: 10s`",
        Applicability::Unsafe,
        vec![Edit {
            file: vs,
            span: Span::new(route_end, route_end),
            content: "\r\n    timeout: 10s".into(),
        }],
    ));
    multi.object = Some(object("VirtualService", "app"));

    let mut diagnostics = vec![error, warning, info, multi];
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Fixture { files, diagnostics }
}

fn context<'a>(fx: &'a Fixture) -> RenderContext<'a> {
    RenderContext {
        files: &fx.files,
        rules: &RULES,
        summary: Summary::tally(fx.files.len(), 2, &fx.diagnostics),
        color: false,
        width: 100,
        tool_version: "0.1.0",
        unsafe_fixes: false,
        github_step_summary: None,
    }
}

fn output(format: Format, diagnostics: &[Diagnostic], ctx: &RenderContext<'_>) -> String {
    let mut out = Vec::new();
    render(format, diagnostics, ctx, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8 output")
}

#[test]
fn concise_snapshot() {
    let fx = fixture();
    insta::assert_snapshot!(output(Format::Concise, &fx.diagnostics, &context(&fx)));
}

#[test]
fn concise_clean() {
    let fx = fixture();
    let mut ctx = context(&fx);
    ctx.summary = Summary::tally(2, 2, &[]);
    assert_eq!(output(Format::Concise, &[], &ctx), "All checks passed!\n");
}

#[test]
fn concise_with_unsafe_fixes_marks_them() {
    let fx = fixture();
    let mut ctx = context(&fx);
    ctx.unsafe_fixes = true;
    let out = output(Format::Concise, &fx.diagnostics, &ctx);
    assert!(out.contains("MESH310 [*] HTTP route"), "{out}");
    assert!(
        out.contains("[*] 2 fixable with --fix --unsafe-fixes."),
        "{out}"
    );
    assert!(!out.contains("more fix"), "{out}");
}

#[test]
fn human_snapshot() {
    let fx = fixture();
    insta::assert_snapshot!(output(Format::Human, &fx.diagnostics, &context(&fx)));
}

#[test]
fn human_clean() {
    let fx = fixture();
    let mut ctx = context(&fx);
    ctx.summary = Summary::tally(2, 2, &[]);
    assert_eq!(
        output(Format::Human, &[], &ctx),
        "All checks passed: 2 files, 2 objects.\n"
    );
}

#[test]
fn human_handles_empty_files_and_points_at_eof() {
    let mut files = Files::default();
    let empty = files.add(SourceFile::from_bytes(
        "empty.yaml".into(),
        None,
        Vec::new(),
    ));
    let text = "a: 1\nb: 2\n";
    let full = files.add(SourceFile::from_bytes(
        "eof.yaml".into(),
        None,
        text.as_bytes().to_vec(),
    ));
    let end = text.len() as u32;
    let diagnostics = vec![
        Diagnostic::new(
            "MESH001",
            "invalid-yaml",
            Severity::Error,
            "empty",
            Label::new(empty, Span::new(0, 0), ""),
        ),
        Diagnostic::new(
            "MESH001",
            "invalid-yaml",
            Severity::Error,
            "at eof",
            Label::new(full, Span::new(end, end), "here"),
        ),
        // Out of range spans must not panic either.
        Diagnostic::new(
            "MESH001",
            "invalid-yaml",
            Severity::Error,
            "past eof",
            Label::new(full, Span::new(end + 5, end + 9), ""),
        ),
    ];
    let ctx = RenderContext {
        files: &files,
        rules: &[],
        summary: Summary::tally(2, 0, &diagnostics),
        color: false,
        width: 80,
        tool_version: "0.1.0",
        unsafe_fixes: false,
        github_step_summary: None,
    };
    insta::assert_snapshot!(output(Format::Human, &diagnostics, &ctx));
}

#[test]
fn json_snapshot() {
    let fx = fixture();
    let out = output(Format::Json, &fx.diagnostics, &context(&fx));
    assert!(out.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    insta::assert_json_snapshot!(value);
}

#[test]
fn json_positions_are_one_based_scalar_columns_and_byte_offsets() {
    let fx = fixture();
    let value: serde_json::Value =
        serde_json::from_str(&output(Format::Json, &fx.diagnostics, &context(&fx))).unwrap();
    let info = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MESH405")
        .unwrap();
    let offset = SERVICE.find("zähler").unwrap();
    // `  labels: {tëam: ops, app: ` is 27 characters but 28 bytes.
    assert_eq!(
        info["start"],
        serde_json::json!({ "line": 7, "column": 28, "offset": offset })
    );
    assert_eq!(
        info["end"],
        serde_json::json!({ "line": 7, "column": 34, "offset": offset + "zähler".len() })
    );
    let error = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MESH202")
        .unwrap();
    // CRLF counts as one line break.
    assert_eq!(error["start"]["line"], 14);
    assert_eq!(error["start"]["column"], 19);
    assert_eq!(error["related"][0]["file"], "deploy/service.yaml");
    assert_eq!(error["source"], "app/templates/virtualservice.yaml");
    assert_eq!(
        value["summary"],
        serde_json::json!({ "files": 2, "objects": 2, "error": 1, "warning": 2, "info": 1 })
    );
}

#[test]
fn position_of_counts_characters() {
    let fx = fixture();
    let file = fx.files.get(FileId(0));
    let offset = SERVICE.find("fü").unwrap() as u32 + 1;
    assert_eq!(
        Position::of(file, offset),
        Position {
            line: 1,
            column: 18,
            offset
        }
    );
}

#[test]
fn sarif_snapshot() {
    let fx = fixture();
    let value: serde_json::Value =
        serde_json::from_str(&output(Format::Sarif, &fx.diagnostics, &context(&fx))).unwrap();
    insta::assert_json_snapshot!(value);
}

#[test]
fn sarif_structure() {
    let fx = fixture();
    let value: serde_json::Value =
        serde_json::from_str(&output(Format::Sarif, &fx.diagnostics, &context(&fx))).unwrap();
    assert_eq!(value["version"], "2.1.0");
    assert!(value["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &value["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for rule in rules {
        for key in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
            "defaultConfiguration",
        ] {
            assert!(!rule[key].is_null(), "rule lacks {key}: {rule}");
        }
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key} in {region}");
        }
        assert!(result["partialFingerprints"]["meshLint/v1"].is_string());
    }
    let error = results.iter().find(|r| r["ruleId"] == "MESH202").unwrap();
    assert_eq!(error["ruleIndex"], 1);
    assert_eq!(error["level"], "error");
    assert_eq!(
        error["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy/service.yaml"
    );
    let info = results.iter().find(|r| r["ruleId"] == "MESH405").unwrap();
    assert_eq!(info["level"], "note");
    assert!(
        info.get("ruleIndex").is_none(),
        "MESH405 is not among the registered rules"
    );
}

#[test]
fn sarif_always_has_results() {
    let fx = fixture();
    let value: serde_json::Value =
        serde_json::from_str(&output(Format::Sarif, &[], &context(&fx))).unwrap();
    assert_eq!(value["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_fingerprints_ignore_edits_above() {
    let fx = fixture();
    let before: serde_json::Value =
        serde_json::from_str(&output(Format::Sarif, &fx.diagnostics, &context(&fx))).unwrap();
    // The same finding after three lines were inserted at the top of the file.
    let shifted_text = format!("# a\n# b\n# c\n{SERVICE}");
    let mut files = Files::default();
    let svc = files.add(SourceFile::from_bytes(
        "deploy/service.yaml".into(),
        None,
        shifted_text.clone().into_bytes(),
    ));
    let warning = fx.diagnostics.iter().find(|d| d.code == "MESH101").unwrap();
    let mut moved = warning.clone();
    moved.primary = Label::new(svc, span_of(&shifted_text, "web", 0), "");
    moved.fix = None;
    let ctx = RenderContext {
        files: &files,
        ..context(&fx)
    };
    let after: serde_json::Value =
        serde_json::from_str(&output(Format::Sarif, &[moved], &ctx)).unwrap();
    let key = |v: &serde_json::Value, code: &str| {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == code)
            .unwrap()["partialFingerprints"]["meshLint/v1"]
            .clone()
    };
    assert_eq!(key(&before, "MESH101"), key(&after, "MESH101"));
    assert_ne!(key(&before, "MESH101"), key(&before, "MESH310"));
}

#[test]
fn github_snapshot() {
    let fx = fixture();
    insta::assert_snapshot!(output(Format::Github, &fx.diagnostics, &context(&fx)));
}

#[test]
fn github_orders_by_severity_and_omits_columns_on_multi_line_spans() {
    let fx = fixture();
    let out = output(Format::Github, &fx.diagnostics, &context(&fx));
    let kinds: Vec<&str> = out.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(kinds, ["::error", "::warning", "::warning", "::notice"]);
    let multi = out.lines().find(|l| l.contains("MESH310")).unwrap();
    assert!(
        multi.starts_with("::warning file=deploy/route.yaml,line=10,endLine=14,title="),
        "{multi}"
    );
    assert!(!multi.contains("col="), "{multi}");
    let single = out.lines().find(|l| l.contains("MESH101")).unwrap();
    assert!(
        single.contains(",line=12,endLine=12,col=11,endColumn=14,"),
        "{single}"
    );
}

#[test]
fn github_escapes_data_and_properties() {
    let mut files = Files::default();
    let file = files.add(SourceFile::from_bytes(
        "dir,x/a:b%.yaml".into(),
        None,
        b"a: 1\n".to_vec(),
    ));
    let d = Diagnostic::new(
        "MESH001",
        "invalid-yaml",
        Severity::Error,
        "100% bad\r\nreally: yes, bad",
        Label::new(file, Span::new(0, 1), ""),
    );
    let ctx = RenderContext {
        files: &files,
        rules: &[],
        summary: Summary::tally(1, 0, std::slice::from_ref(&d)),
        color: false,
        width: 80,
        tool_version: "0.1.0",
        unsafe_fixes: false,
        github_step_summary: None,
    };
    let out = output(Format::Github, &[d], &ctx);
    assert_eq!(
        out,
        "::error file=dir%2Cx/a%3Ab%25.yaml,line=1,endLine=1,col=1,endColumn=2,title=MESH001 invalid-yaml::100%25 bad%0D%0Areally: yes, bad\n"
    );
}

#[test]
fn github_appends_step_summary() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.md");
    std::fs::write(&path, "earlier step\n").unwrap();
    let ctx = RenderContext {
        github_step_summary: Some(path.clone()),
        ..context(&fx)
    };
    output(Format::Github, &fx.diagnostics, &ctx);
    let summary = std::fs::read_to_string(&path).unwrap();
    assert!(
        summary.starts_with("earlier step\n## mesh-lint\n"),
        "{summary}"
    );
    insta::assert_snapshot!(summary);
}

#[test]
fn statistics_most_frequent_first() {
    let fx = fixture();
    let mut diagnostics = fx.diagnostics.clone();
    diagnostics.extend(
        fx.diagnostics
            .iter()
            .filter(|d| d.code == "MESH405")
            .cloned(),
    );
    diagnostics.extend(
        fx.diagnostics
            .iter()
            .filter(|d| d.code == "MESH405")
            .cloned(),
    );
    diagnostics.extend(
        fx.diagnostics
            .iter()
            .filter(|d| d.code == "MESH101")
            .cloned(),
    );
    let mut out = Vec::new();
    statistics(&diagnostics, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "3\tMESH405\t\tlabel-value-not-ascii\n\
         2\tMESH101\t[*]\tport-name-without-protocol\n\
         1\tMESH202\t\tdestination-port-not-found\n\
         1\tMESH310\t\troute-without-timeout\n"
    );
}

/// 5,000 findings in one ~1 MB file: quadratic rendering would take minutes here.
#[test]
fn human_rendering_is_linear() {
    let line = format!("key: {}\n", "x".repeat(200));
    let text = line.repeat(5_000);
    let mut files = Files::default();
    let file = files.add(SourceFile::from_bytes(
        "big.yaml".into(),
        None,
        text.into_bytes(),
    ));
    let diagnostics: Vec<Diagnostic> = (0..5_000u32)
        .map(|i| {
            let start = i * line.len() as u32;
            Diagnostic::new(
                "MESH101",
                "port-name-without-protocol",
                Severity::Warning,
                "msg",
                Label::new(file, Span::new(start, start + 3), "key"),
            )
        })
        .collect();
    let ctx = RenderContext {
        files: &files,
        rules: &RULES,
        summary: Summary::tally(1, 5_000, &diagnostics),
        color: false,
        width: 80,
        tool_version: "0.1.0",
        unsafe_fixes: false,
        github_step_summary: None,
    };
    let out = output(Format::Human, &diagnostics, &ctx);
    assert!(out.contains("big.yaml:5000:1"));
}

#[test]
fn human_with_color_links_the_code() {
    let fx = fixture();
    let ctx = RenderContext {
        color: true,
        ..context(&fx)
    };
    let out = output(Format::Human, &fx.diagnostics, &ctx);
    assert!(
        out.contains(&format!("\u{1b}]8;;{}", DEST_PORT.url())),
        "{out}"
    );
    assert!(out.contains("\u{1b}["), "expected ANSI styles");
}
