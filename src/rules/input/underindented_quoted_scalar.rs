use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix, Label, Severity};
use crate::parse::lenient::{one_line, LenientScalar};
use crate::rules::{Checker, Rule, RuleMeta};
use crate::source::FileId;
use mesh_lint_yaml::Span;

declare_rule! {
    /// ## What it does
    /// Reports a quoted scalar that spans lines whose continuation lines are indented no
    /// deeper than the line it starts on (its key). mesh-lint reads such a document as kubectl
    /// does and lints it; this finding only says that strict YAML parsers reject it.
    ///
    /// ## Why is this bad?
    /// Kubernetes reads manifests with go-yaml, which, like libyaml and PyYAML, does not check
    /// the indentation of a quoted scalar's continuation lines, so `kubectl apply` accepts the
    /// file. YAML 1.2 requires them to be indented deeper than the surrounding block (the
    /// `s-flow-line-prefix(n)` production), and strict parsers reject the whole document:
    /// other tools in the pipeline (editors' YAML language servers, strict linters, other
    /// languages' YAML libraries) may fail on it, or read a different document.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     description: "Routes canary traffic
    ///   to the new version"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     description: "Routes canary traffic
    ///       to the new version"
    /// ```
    ///
    /// ## Fix safety
    /// The fix moves every continuation line right by the same amount, so that the shallowest is
    /// two spaces deeper than the key and the lines keep their layout. It is **safe**:
    /// YAML folds a quoted scalar's line breaks and drops the indentation of its continuation
    /// lines, so the value stays exactly what kubectl reads today. A quoted *key* over several
    /// lines is rewritten on one line instead, folded the same way: YAML allows no implicit key
    /// that spans lines, however deep its continuation lines are (implicit keys are restricted
    /// to a single line in YAML 1.2).
    ///
    /// ## References
    /// - [YAML 1.2.2, 7.3 Flow Scalar Styles](https://yaml.org/spec/1.2.2/#73-flow-scalar-styles)
    /// - go-yaml's scanner (`yaml_parser_scan_flow_scalar` in `scannerc.go`) checks document
    ///   markers but not indentation inside quoted scalars
    /// - yaml-test-suite case QB6E ("Wrong indented multiline quoted scalar"), an error case
    ///   that go-yaml accepts
    pub static META = {
        code: "MESH003",
        name: "underindented-quoted-scalar",
        area: "input",
        severity: Warning,
        fix: Always,
        fix_kinds: "safe",
        subject: Object,
        istioctl: [],
        summary: "A multi-line quoted scalar indented no deeper than its key: kubectl reads it, strict YAML parsers reject it",
    };
}

pub struct UnderindentedQuotedScalar;

impl Rule for UnderindentedQuotedScalar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for parsed in ck.parsed {
            for doc in &parsed.documents {
                for s in doc.lenient() {
                    let mut d = finding(ck, parsed.file, s);
                    d.source = doc.source().map(Into::into);
                    out.push(d);
                }
            }
        }
    }
}

fn finding(ck: &Checker<'_, '_>, file: FileId, s: &LenientScalar) -> Diagnostic {
    let text = &ck.files.get(file).text;
    let first = s.shallow_lines.first().copied().unwrap_or(s.start);
    let line_end = text[first as usize..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| first as usize + i) as u32;
    let (key_line, _) = ck.files.get(file).line_col(s.start);
    let mut d = Diagnostic::new(
        META.code,
        META.name,
        Severity::Warning,
        format!(
            "quoted scalar continues on {} indented no deeper than its key (line {key_line})",
            if s.shallow_lines.len() == 1 {
                "a line".to_owned()
            } else {
                format!("{} lines", s.shallow_lines.len())
            }
        ),
        Label::new(
            file,
            Span::new(first, line_end.max(first)),
            "continuation line",
        ),
    );
    d.rule_page = true;
    d.related.push(Label::new(
        file,
        Span::new(s.start, s.start + 1),
        "the quoted scalar starts here",
    ));
    d.notes.push(
        "kubectl (go-yaml) reads this document, and so does mesh-lint; YAML 1.2 requires continuation lines deeper than the surrounding block, so strict parsers reject the whole document"
            .into(),
    );
    if is_key(text, s) {
        // A key written over several lines is no implicit key in YAML, however deep its lines
        // are: write it on one line, folded as go-yaml reads it.
        let span = Span::new(s.start, s.end);
        d.help = Some("write the key on one line; its value does not change".into());
        d.fix = Some(Fix::new(
            "write the key on one line",
            Applicability::Safe,
            vec![Edit {
                file,
                span,
                content: one_line(&text[span.range()]),
            }],
        ));
        return d;
    }
    // Every continuation line moves right by the same amount, so the shallowest ends two
    // spaces deeper than the key and the lines keep their layout (a JSON dashboard stays
    // readable).
    let indent_at = |line: u32| {
        text[line as usize..]
            .bytes()
            .take_while(|&b| b == b' ')
            .count()
    };
    let want = s.indent as usize + 2;
    let shallowest = s
        .shallow_lines
        .iter()
        .map(|&l| indent_at(l))
        .min()
        .unwrap_or(want);
    let shift = " ".repeat(want.saturating_sub(shallowest));
    let edits: Vec<Edit> = s
        .lines
        .iter()
        .map(|&line| Edit {
            file,
            span: Span::new(line, line),
            content: shift.clone(),
        })
        .collect();
    d.help = Some(format!(
        "indent the continuation lines deeper than the key (at least {want} spaces); the value does not change"
    ).into());
    d.fix = Some(Fix::new(
        "indent the continuation lines",
        Applicability::Safe,
        edits,
    ));
    d
}

/// True when the scalar is a mapping key: a `:` follows its closing quote.
fn is_key(text: &str, s: &LenientScalar) -> bool {
    text[s.end as usize..]
        .trim_start_matches([' ', '\t'])
        .starts_with(':')
}
