//! `mesh-lint listeners`: the table, JSON or graph of a sidecar's outbound listeners.

use super::args::{GraphKind, ListenersArgs, ViewFormat};
use super::view::{print_output, with_model};
use crate::proxy::find_workload;
use crate::proxy::graph::{self, GraphFormat};
use crate::proxy::listeners::{outbound, ListenerRow, Proxy};
use crate::rules::Checker;
use serde::Serialize;
use std::fmt::Write as _;

/// `-o json`: the document documented in docs/proxy-view.md.
#[derive(Serialize)]
pub struct ListenersDoc {
    pub namespace: String,
    pub workload: Option<String>,
    pub istio_version: String,
    pub listeners: Vec<ListenerRow>,
}

pub fn run(args: &ListenersArgs) -> u8 {
    print_output(with_model(&args.model, |ck| render(ck, args)))
}

/// The command's whole output for `args` over the models of `ck`.
pub fn render(ck: &Checker<'_, '_>, args: &ListenersArgs) -> Result<String, String> {
    if let Some(kind) = args.graph {
        let format = match kind {
            GraphKind::Dot => GraphFormat::Dot,
            GraphKind::Mermaid => GraphFormat::Mermaid,
        };
        return Ok(graph::render(ck, args.port, format));
    }
    let ns = args.namespace.as_deref().unwrap_or("default");
    super::dns::check_label(ns).map_err(|why| format!("`--namespace` `{ns}` {why}"))?;
    let workload = match &args.workload {
        Some(name) => Some(
            find_workload(ck.index, ns, name)
                .ok_or_else(|| format!("no workload named `{name}` in namespace `{ns}`"))?,
        ),
        None => None,
    };
    let proxy = Proxy {
        namespace: ns,
        workload: workload.map(|w| &ck.index.workloads[w]),
    };
    let rows = outbound(ck, &proxy, args.port);
    if args.format == ViewFormat::Json {
        let doc = ListenersDoc {
            namespace: ns.to_owned(),
            workload: args.workload.clone(),
            istio_version: ck.cx.istio_version.to_string(),
            listeners: rows,
        };
        return serde_json::to_string_pretty(&doc)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string());
    }
    Ok(table(&rows))
}

fn table(rows: &[ListenerRow]) -> String {
    let header = ["ADDRESS", "PORT", "MATCH", "DESTINATION", "SOURCE"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let mut dest = r.destination.clone();
            if r.catch_all {
                dest.push_str(" [catch-all]");
            }
            if r.conflict.is_some() {
                dest.push_str(" [conflict: dropped]");
            }
            if r.filtered_by.is_some() {
                dest.push_str(" [filtered by Sidecar]");
            }
            let source = r.source.as_ref().map_or_else(
                || "(every sidecar)".to_owned(),
                |o| format!("{}:{}", o.file, o.line),
            );
            [
                r.address.clone(),
                r.port.to_string(),
                r.matches.clone(),
                dest,
                source,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    let mut line = |fields: [&str; 5]| {
        let mut l = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i + 1 == fields.len() {
                l.push_str(f);
            } else {
                let _ = write!(l, "{f:<w$}  ", w = widths[i]);
            }
        }
        s.push_str(l.trim_end());
        s.push('\n');
    };
    line(header);
    for row in &cells {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    let mut notes = String::new();
    for r in rows {
        let at = r.source.as_ref().map(|o| o.describe()).unwrap_or_default();
        if r.catch_all && r.is_live() {
            let _ = writeln!(
                notes,
                "catch-all: `0.0.0.0:{}` from {at} takes every destination IP on port {} that no `address:{}` listener takes ({})",
                r.port, r.port, r.port, r.why
            );
        }
        if let Some(c) = &r.conflict {
            let _ = writeln!(notes, "conflict: `{}` from {at} {c}", r.destination);
        }
        if let Some(sc) = &r.filtered_by {
            let _ = writeln!(
                notes,
                "filtered: `{}` from {at} is not imported by the egress of Sidecar {}",
                r.destination,
                sc.describe()
            );
        }
    }
    if !notes.is_empty() {
        s.push('\n');
        s.push_str(&notes);
    }
    s
}
