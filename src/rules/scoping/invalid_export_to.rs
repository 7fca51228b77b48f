use super::is_dns1123_label;
use crate::diagnostic::{Applicability, Edit, Findings, Fix};
use crate::model::visibility::EXPORT_TO_ANNOTATION;
use crate::model::ObjectRef;
use crate::rules::{Checker, Rule, RuleMeta};
use mesh_lint_yaml::{Node, Span};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Reports `exportTo` values that Istio rejects or misreads, on ServiceEntries,
    /// VirtualServices and DestinationRules (`spec.exportTo`) and on Services (the
    /// `networking.istio.io/exportTo` annotation):
    ///
    /// - `~` (export to no namespace) on a VirtualService or DestinationRule: allowed only on
    ///   ServiceEntries and Services;
    /// - `*` or `~` combined with other entries;
    /// - duplicate entries, including `.` together with the resource's own namespace;
    /// - entries that are not `.`, `*`, `~` or a namespace name (a DNS-1123 label: lowercase
    ///   letters, digits and `-`);
    /// - a DestinationRule with a `workloadSelector` exported beyond its own namespace.
    ///
    /// ## Why is this bad?
    /// For ServiceEntries, VirtualServices and DestinationRules, Istio's validation rejects
    /// these lists: `kubectl apply` fails while the validating webhook runs, and the resource
    /// never takes effect. The Service annotation is not validated at all: istiod splits it at
    /// commas and uses what it gets, so a `*` among other entries exports the Service to every
    /// namespace, and a name with capitals or dots matches no namespace, silently.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: orders
    ///   namespace: shop
    /// spec:
    ///   exportTo: ["~", "orders"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   exportTo: [".", "orders"]
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the corrected list drops duplicates and what Istio rejects, which may not
    /// be what was meant.
    ///
    /// ## Notes
    /// Spaces around the annotation's comma-separated entries are harmless: istiod trims
    /// each entry (`ConvertService`), so mesh-lint does not report them.
    ///
    /// ## References
    /// - Istio source: `pkg/config/validation/validation.go` validateExportTo; `pkg/config/visibility/visibility.go` Instance.Validate; `pilot/pkg/serviceregistry/kube/conversion.go` ConvertService (annotation); `pilot/pkg/model/push_context.go` setDestinationRules (a DestinationRule with a selector is forced private)
    /// - [Istio: VirtualService `exportTo`](https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService)
    /// - [Istio: `networking.istio.io/exportTo`](https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo)
    pub static META = {
        code: "MESH203",
        name: "invalid-export-to",
        area: "scoping",
        severity: Error,
        fix: Sometimes,
        fix_kinds: "display",
        subject: Object,
        istioctl: [],
        summary: "exportTo values Istio rejects or misreads: `~` on routing rules, `*`/`~` with others, duplicates, bad names",
    };
}

pub struct InvalidExportTo;

impl Rule for InvalidExportTo {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let ix = ck.index;
        let specs = ix
            .service_entries
            .iter()
            .map(|o| (o.object, o.spec_node, Kind::ServiceEntry))
            .chain(
                ix.virtual_services
                    .iter()
                    .map(|o| (o.object, o.spec_node, Kind::Rule)),
            )
            .chain(ix.destination_rules.iter().map(|o| {
                let with_selector = o.spec.workload_selector.is_some();
                (
                    o.object,
                    o.spec_node,
                    Kind::DestinationRule { with_selector },
                )
            }));
        for (object, spec_node, kind) in specs {
            if spec_node.id() == ix.objects[object].node.id() {
                continue;
            }
            let Some(list) = spec_node.get("exportTo").filter(|l| !l.is_null()) else {
                continue;
            };
            let entries: Vec<Entry<'_>> = list
                .items()
                .filter_map(|n| {
                    Some(Entry {
                        text: n.as_str()?,
                        span: n.span(),
                    })
                })
                .collect();
            check_list(ck, object, kind, list, &entries, out);
        }
        for svc in &ix.services {
            check_annotation(ck, svc.object, out);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ServiceEntry,
    /// VirtualService.
    Rule,
    DestinationRule {
        with_selector: bool,
    },
    /// A Service's annotation: not validated by Istio, only misread.
    Service,
}

struct Entry<'t> {
    text: &'t str,
    span: Span,
}

/// One finding per problem, as `validateExportTo` reports them.
fn check_list(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    kind: Kind,
    field: Node<'_>,
    entries: &[Entry<'_>],
    out: &mut Findings,
) {
    let obj = &ck.index.objects[object];
    let own = obj.ns();
    let what = obj.kind;
    let mut seen: HashMap<&str, &Entry<'_>> = HashMap::new();
    let mut found = Vec::new();
    for e in entries {
        let key = if e.text == "." { own } else { e.text };
        if let Some(first) = seen.get(key) {
            if kind == Kind::Service {
                continue; // duplicates in the annotation are harmless
            }
            let message = if key != e.text || key != first.text {
                format!("`.` and `{own}` in `exportTo` are the same namespace")
            } else {
                format!("duplicate `exportTo` entry `{}`", e.text)
            };
            let mut d = ck.diagnostic(&META, object, e.span, message);
            d.primary.message = "duplicate".into();
            d.help = Some(if key != e.text || key != first.text {
                format!("list each namespace once; `.` already means `{own}`").into()
            } else {
                "list each namespace once".to_owned().into()
            });
            d.related
                .push(ck.label(object, first.span, "first listed here"));
            found.push(d);
            continue;
        }
        match e.text {
            "." | "*" => {}
            "~" if matches!(kind, Kind::ServiceEntry | Kind::Service) => {}
            "~" => {
                let mut d = ck.diagnostic(
                    &META,
                    object,
                    e.span,
                    format!("`exportTo` `~` (no namespace) is not allowed on a {what}"),
                );
                d.primary.message = "allowed only on ServiceEntries and Services".into();
                d.help = Some(
                    format!(
                    "to keep the {what} to its own namespace, write `.`; to disable it, delete it"
                )
                    .into(),
                );
                found.push(d);
                continue;
            }
            name if !is_dns1123_label(name) => {
                let mut d = ck.diagnostic(
                    &META,
                    object,
                    e.span,
                    format!("`exportTo` entry `{name}` is not a namespace name"),
                );
                d.primary.message = "not `.`, `*`, `~` or a DNS-1123 label".into();
                if kind == Kind::Service {
                    d.notes.push(
                        "the annotation is not validated; istiod keeps the entry and it matches no namespace, so the Service is silently not exported there".into(),
                    );
                }
                d.help = Some(
                    "namespace names are lowercase letters, digits and `-`; separate several with commas in the annotation, or list them as items".into(),
                );
                found.push(d);
                continue;
            }
            _ => {}
        }
        seen.insert(key, e);
    }
    let has = |t: &str| entries.iter().any(|e| e.text == t);
    let kept_public = seen.contains_key("*");
    if kept_public && entries.len() > 1 {
        let mut d = ck.diagnostic(
            &META,
            object,
            field.span(),
            "`exportTo` combines `*` (every namespace) with other entries",
        );
        d.primary.message = "`*` must stand alone".into();
        if kind == Kind::Service {
            d.notes.push("istiod reads any list holding `*` as every namespace, so the other entries do not narrow it".into());
        }
        d.help = Some("write `*` alone to export everywhere, or list only the namespaces".into());
        found.push(d);
    }
    if seen.contains_key("~") && entries.len() > 1 {
        let mut d = ck.diagnostic(
            &META,
            object,
            field.span(),
            "`exportTo` combines `~` (no namespace) with other entries",
        );
        d.primary.message = "`~` must stand alone".into();
        d.help = Some("write `~` alone to hide it, or list only the namespaces".into());
        found.push(d);
    }
    if let Kind::DestinationRule {
        with_selector: true,
    } = kind
    {
        let beyond = !seen.is_empty() && (!seen.contains_key(own) || seen.len() > 1);
        if beyond {
            let mut d = ck.diagnostic(
                &META,
                object,
                field.span(),
                "a DestinationRule with a `workloadSelector` is exported beyond its namespace",
            );
            d.primary.message = "only `.` is allowed here".into();
            d.notes.push("a DestinationRule with a workloadSelector applies only to the selected workloads of its own namespace; istiod forces it private at runtime".into());
            d.help = Some("set `exportTo: [\".\"]` or drop `exportTo`".into());
            found.push(d);
        }
    }
    if found.is_empty() {
        return;
    }
    let fix = corrected(ck, object, kind, field, entries, own, has("*"));
    for mut d in found {
        if kind != Kind::Service {
            d.notes.push(format!(
                "Istio's validation rejects this {what}: `kubectl apply` fails while the validating webhook runs, and istiod does not use it"
            ).into());
        }
        if d.fix.is_none() {
            d.fix = fix.clone();
        }
        out.push(d);
    }
}

/// A display fix: the list without duplicates and without what Istio rejects here.
fn corrected(
    ck: &Checker<'_, '_>,
    object: ObjectRef,
    kind: Kind,
    field: Node<'_>,
    entries: &[Entry<'_>],
    own: &str,
    has_public: bool,
) -> Option<Fix> {
    if has_public || kind == Kind::Service {
        return None;
    }
    let mut kept: Vec<&str> = Vec::new();
    for e in entries {
        let key = if e.text == "." { own } else { e.text };
        let valid = matches!(e.text, "." | "*")
            || (e.text == "~" && kind == Kind::ServiceEntry)
            || is_dns1123_label(e.text);
        let dup = kept
            .iter()
            .any(|k| (if *k == "." { own } else { k }) == key);
        if valid && !dup {
            kept.push(e.text);
        }
    }
    if kept.len() > 1 && kept.contains(&"~") {
        kept.retain(|k| *k != "~");
    }
    if let Kind::DestinationRule {
        with_selector: true,
    } = kind
    {
        kept = vec!["."];
    }
    if kept.is_empty() {
        kept.push(".");
    }
    let list = kept
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let edit = Edit {
        file: ck.index.objects[object].file,
        span: field.span(),
        content: format!("[{list}]"),
    };
    Some(Fix::new(
        format!("write `exportTo: [{list}]`"),
        Applicability::Display,
        vec![edit],
    ))
}

/// The Service annotation, split at commas like istiod (entries trimmed).
fn check_annotation(ck: &Checker<'_, '_>, object: ObjectRef, out: &mut Findings) {
    let obj = &ck.index.objects[object];
    let Some(value) = obj
        .node
        .at_keys("metadata.annotations")
        .and_then(|a| a.get(EXPORT_TO_ANNOTATION))
    else {
        return;
    };
    let Some(text) = value.as_str() else { return };
    // Point at the whole value: offsets inside a quoted or folded scalar are not reliable.
    let entries: Vec<Entry<'_>> = text
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| Entry {
            text: e,
            span: value.span(),
        })
        .collect();
    check_list(ck, object, Kind::Service, value, &entries, out);
}
