//! `mesh-lint trace`: one connection's path through a sidecar, as miette reports per step
//! (with the manifest lines responsible) or as JSON.

use super::args::{TraceArgs, ViewFormat};
use super::view::{print_output, with_model};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::proxy::trace::{parse_to, trace, Request, Trace, Verdict};
use crate::render::{human_reports, RenderContext, Summary};
use crate::rules::{self, Checker};
use std::fmt::Write as _;

pub fn run(args: &TraceArgs) -> u8 {
    let color = args.color.enabled();
    print_output(with_model(&args.model, |ck| render(ck, args, color)))
}

pub fn render(ck: &Checker<'_, '_>, args: &TraceArgs, color: bool) -> Result<String, String> {
    let (from_ns, from_workload) = match args.from.split_once('/') {
        Some((ns, w)) => (ns, Some(w)),
        None => (args.from.as_str(), None),
    };
    super::dns::check_label(from_ns)
        .map_err(|why| format!("`--from` namespace `{from_ns}` {why}"))?;
    let (target, port) = parse_to(&args.to)?;
    let req = Request {
        from_ns,
        from_workload,
        target,
        port,
        to_text: &args.to,
    };
    let t = trace(ck, &req)?;
    if args.format == ViewFormat::Json {
        return serde_json::to_string_pretty(&t)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string());
    }
    human(ck, &t, color)
}

fn human(ck: &Checker<'_, '_>, t: &Trace, color: bool) -> Result<String, String> {
    let mut s = format!(
        "trace {} → {} (Istio {})\n\n",
        t.from, t.to, t.istio_version
    );
    let metas = rules::metas();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let ctx = RenderContext {
        files: ck.files,
        rules: &metas,
        summary: Summary::default(),
        color,
        width,
        tool_version: env!("CARGO_PKG_VERSION"),
        unsafe_fixes: false,
        github_step_summary: None,
    };
    for (i, step) in t.steps.iter().enumerate() {
        let title = format!("{}. {}: {}", i + 1, step.step, step.title);
        let Some(first) = step.origins.first() else {
            let _ = writeln!(s, "  {title}");
            for n in &step.notes {
                let _ = writeln!(s, "    - {n}");
            }
            s.push('\n');
            continue;
        };
        let file = ck.index.objects[first.object].file;
        let severity = match step.verdict {
            Verdict::Diverted => Severity::Warning,
            _ => Severity::Info,
        };
        let mut d = Diagnostic::new("", "", severity, title, Label::new(file, first.span, ""));
        for o in &step.origins[1..] {
            let f = ck.index.objects[o.object].file;
            let name = if o.namespace.is_empty() {
                o.name.clone()
            } else {
                format!("{}/{}", o.namespace, o.name)
            };
            d = d.with_related(Label::new(f, o.span, format!("{} {name}", o.kind)));
        }
        d.notes = step.notes.iter().map(|n| n.as_str().into()).collect();
        let mut buf = Vec::new();
        human_reports(&[d], &ctx, &mut buf).map_err(|e| e.to_string())?;
        s.push_str(&String::from_utf8_lossy(&buf));
    }
    let _ = writeln!(s, "Reaches: {}", t.reaches);
    if let Some(c) = &t.cluster {
        let _ = writeln!(s, "Cluster: {c}");
    }
    Ok(s)
}
