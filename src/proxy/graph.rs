//! `mesh-lint listeners --graph`: which namespaces' sidecars get which wildcard
//! `0.0.0.0:port` chains, and from which resources. One node per wildcard listener chain, one
//! per resource, one per audience; audiences come from [`crate::model::scopes::Seen`] and are
//! summarised (a few names and the count), never listed per namespace.

use super::{cluster_name, Origin};
use crate::model::listeners::WildcardMatch;
use crate::model::scopes::thousands;
use crate::rules::Checker;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// One wildcard chain: its listener, its resource and the namespaces that get it.
struct Edge {
    listener: String,
    chain: String,
    resource: String,
    audience: String,
    catch_all: bool,
}

fn edges(ck: &Checker<'_, '_>, port: Option<i32>) -> Vec<Edge> {
    let model = ck.listeners();
    let scopes = ck.scopes();
    let mut out = Vec::new();
    for l in model.all.iter().filter(|l| l.is_wildcard()) {
        if port.is_some_and(|p| p != l.port) {
            continue;
        }
        let subject = model.subject(ck.index, l);
        let seen = scopes.seen_by(vec![subject]);
        let count = seen.count();
        if count == 0 {
            continue;
        }
        let names = seen.describe(3).replace('`', "");
        let origin = Origin::of(ck, l.object, l.label_node(ck.index).map(|n| n.span()));
        let chain = match l.bind {
            crate::model::listeners::Bind::Wildcard(WildcardMatch::None) => "ALL".to_owned(),
            crate::model::listeners::Bind::Wildcard(WildcardMatch::Passthrough) => {
                "ALL (ORIGINAL_DST: reaches what was dialled)".to_owned()
            }
            crate::model::listeners::Bind::Wildcard(WildcardMatch::Sni) => {
                format!(
                    "SNI: {}",
                    subject.hosts.iter().collect::<Vec<_>>().join(", ")
                )
            }
            crate::model::listeners::Bind::Wildcard(WildcardMatch::Host) => {
                format!(
                    "Host: {}",
                    subject.hosts.iter().collect::<Vec<_>>().join(", ")
                )
            }
            _ => "Destination IP".to_owned(),
        };
        out.push(Edge {
            listener: format!("0.0.0.0:{}", l.port),
            chain: format!(
                "{chain} → {}",
                cluster_name(l.port, "", subject.hosts.first().unwrap_or(""))
            ),
            resource: format!(
                "{} {}/{}\\n{}:{}",
                origin.kind, origin.namespace, origin.name, origin.file, origin.line
            ),
            audience: format!(
                "{} namespace{}: {names}",
                thousands(count),
                if count == 1 { "" } else { "s" }
            ),
            catch_all: l.is_catch_all(),
        });
    }
    out
}

pub fn render(ck: &Checker<'_, '_>, port: Option<i32>, format: GraphFormat) -> String {
    let edges = edges(ck, port);
    let mut s = String::new();
    match format {
        GraphFormat::Dot => {
            s.push_str(
                "digraph listeners {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
            );
            for (i, e) in edges.iter().enumerate() {
                let style = if e.catch_all {
                    ", color=red, fontcolor=red, penwidth=2"
                } else {
                    ""
                };
                let tag = if e.catch_all { "\\nCATCH-ALL" } else { "" };
                let _ = writeln!(s, "  r{i} [label=\"{}\", shape=note];", e.resource);
                let _ = writeln!(
                    s,
                    "  l{i} [label=\"{}\\n{}{tag}\"{style}];",
                    e.listener, e.chain
                );
                let _ = writeln!(s, "  n{i} [label=\"{}\", shape=ellipse];", e.audience);
                let _ = writeln!(s, "  r{i} -> l{i} [label=\"creates\"];");
                let _ = writeln!(s, "  l{i} -> n{i} [label=\"pushed to\"{style}];");
            }
            s.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            s.push_str("flowchart LR\n");
            for (i, e) in edges.iter().enumerate() {
                let tag = if e.catch_all { "<br/>CATCH-ALL" } else { "" };
                let _ = writeln!(
                    s,
                    "  r{i}[\"{}\"] -->|creates| l{i}[\"{}<br/>{}{tag}\"]",
                    e.resource.replace("\\n", "<br/>"),
                    e.listener,
                    e.chain
                );
                let _ = writeln!(s, "  l{i} -->|pushed to| n{i}([\"{}\"])", e.audience);
                if e.catch_all {
                    let _ = writeln!(s, "  class l{i} catchall");
                }
            }
            s.push_str("  classDef catchall stroke:#d00,stroke-width:3px,color:#d00\n");
        }
    }
    s
}
