use crate::diagnostic::{Diagnostic, Findings, Label, Severity};
use crate::rules::{Checker, Rule, RuleMeta};
use crate::source::FileId;
use mesh_lint_yaml::{ParseErrorKind, Span};

declare_rule! {
    /// ## What it does
    /// Reports YAML that cannot be read: syntax errors, invalid UTF-8, duplicate mapping keys,
    /// nesting deeper than the depth budget, alias expansion beyond the node budget, and files
    /// that are binary or unreadable. The finding points at the exact position.
    ///
    /// ## Why is this bad?
    /// `kubectl apply` rejects such a document (or, for duplicate keys, other tools silently keep
    /// one of the values), so nothing in it reaches the cluster as written. mesh-lint cannot
    /// check it either; it skips only the broken document and keeps linting every other
    /// document and file.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: reviews
    ///     namespace: bookinfo   # indented under `name`
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: reviews
    ///   namespace: bookinfo
    /// ```
    ///
    /// ## Fix safety
    /// No fix: only the author knows what the document should say.
    ///
    /// ## References
    /// - [YAML 1.2.2 specification](https://yaml.org/spec/1.2.2/)
    pub static META = {
        code: "MESH001",
        name: "invalid-yaml",
        area: "input",
        severity: Error,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "A YAML document that does not parse: syntax, invalid UTF-8, duplicate keys, depth or alias budget",
    };
}

pub struct InvalidYaml;

const NOT_LINTED: &str = "this document is not linted; the other documents and files are";

impl Rule for InvalidYaml {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for id in ck.parsed.iter().map(|p| p.file) {
            let file = ck.files.get(id);
            if let Some(reason) = &file.unreadable {
                out.push(
                    finding(
                        id,
                        Span::new(0, 0),
                        format!("cannot lint `{}`: {reason}", file.name),
                    )
                    .with_note("mesh-lint lints UTF-8 YAML text within its size budgets; nothing in this file was checked")
                    .with_help("exclude it with `--exclude`, remove it from the manifest set, or lint it in a run of its own"),
                );
            }
        }
        for parsed in ck.parsed {
            let file = ck.files.get(parsed.file);
            for doc in &parsed.documents {
                if let Some(at) = doc.invalid_utf8_at() {
                    let mut d = finding(
                        parsed.file,
                        Span::new(at, at + 1),
                        "invalid UTF-8 in YAML document",
                    );
                    d.primary.message = "not UTF-8".into();
                    out.push(
                        d
                            .with_note(format!("YAML must be UTF-8; the byte at offset {at} is not part of a valid character; {NOT_LINTED}"))
                            .with_help("re-save the file as UTF-8"),
                    );
                } else if let Some(span) = doc.alias_overflow() {
                    let mut d = finding(parsed.file, span, "YAML aliases expand beyond the node budget")
                        .with_note(format!(
                            "expanded, this document would exceed {} nodes; Kubernetes' decoder rejects documents that alias excessively, and tools that expand them run out of memory (\"billion laughs\"); {NOT_LINTED}",
                            mesh_lint_yaml::Limits::default().max_expanded_nodes
                        ))
                        .with_help("write the repeated values out, or nest fewer aliases");
                    d.primary.message = "expands past the budget here".into();
                    d.source = doc.source().map(Into::into);
                    out.push(d);
                } else if let Some(err) = &doc.doc.error {
                    out.push(syntax_finding(
                        parsed.file,
                        err.kind,
                        err.span,
                        &err.message,
                        doc.source().map(str::to_owned),
                    ));
                }
                for dup in &doc.doc.duplicate_keys {
                    let mut d = finding(parsed.file, dup.second, format!("duplicate key `{}`", dup.key))
                        .with_related(Label::new(parsed.file, dup.first, "first defined here"))
                        .with_note("kubectl reads the file but keeps only the last value, without a word (go-yaml through sigs.k8s.io/yaml); strict YAML parsers reject the mapping and other tools keep the first value, so what the cluster gets depends on the tool")
                        .with_help(format!("keep one `{}` entry", dup.key));
                    d.primary.message = "defined again here".into();
                    d.source = doc.source().map(Into::into);
                    out.push(d);
                }
            }
            if let Some(at) = crate::parse::stray_invalid_utf8(file, parsed) {
                out.push(
                    finding(
                        parsed.file,
                        Span::new(at, at + 1),
                        "invalid UTF-8 outside any document",
                    )
                    .with_note(format!(
                        "the byte at offset {at} is not part of a valid UTF-8 character"
                    ))
                    .with_help("re-save the file as UTF-8"),
                );
            }
        }
        for inv in ck.index.invalid.iter().filter(|i| i.budget_exceeded) {
            let mut d = ck.diagnostic(
                &META,
                inv.object,
                inv.span,
                "YAML aliases expand beyond the node budget",
            );
            d.notes.push(format!("expanding the aliases of this object visits more nodes than mesh-lint allows ({}); a document like this (\"billion laughs\") exhausts memory in tools that expand it", inv.message).into());
            d.help = Some("write the repeated values out, or use fewer nested aliases".into());
            out.push(d);
        }
    }
}

fn finding(file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
    let mut d = Diagnostic::new(
        META.code,
        META.name,
        Severity::Error,
        message,
        Label::new(file, span, ""),
    );
    d.rule_page = true;
    d
}

fn syntax_finding(
    file: FileId,
    kind: ParseErrorKind,
    span: Span,
    message: &str,
    source: Option<String>,
) -> Diagnostic {
    let help = match kind {
        ParseErrorKind::Syntax => {
            "fix the syntax at this position; `kubectl apply` rejects this document too"
        }
        ParseErrorKind::TooDeep => {
            "Kubernetes manifests never need this depth; check for runaway brackets or indentation"
        }
        ParseErrorKind::TooLarge => {
            "split it into several documents; no Kubernetes object comes near this size"
        }
        ParseErrorKind::BadAlias => {
            "define the anchor (`&name`) before its alias (`*name`), outside the aliased node"
        }
    };
    let msg = crate::parse::load::parse_error_message(kind, message);
    let mut d = finding(file, span, msg)
        .with_note(NOT_LINTED)
        .with_help(help);
    d.primary.message = "here".into();
    d.source = source.map(Into::into);
    d
}
