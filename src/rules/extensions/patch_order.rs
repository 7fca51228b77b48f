//! MESH702's order check: a patch relative to a filter that another EnvoyFilter of the
//! inputs adds, for proxies both reach, and the order istiod applies the two in
//! (`pilot/pkg/model/push_context.go` EnvoyFilters: priority, root namespace first, creation
//! time, then `name.namespace`; the patches of one EnvoyFilter in list order).

use super::envoy_filter::{generated_by_istio, EnvoyFilter, Patch};
use super::operations::effective;
use super::{qualified, same_namespace};
use crate::diagnostic::{Diagnostic, Findings, Severity};
use crate::rules::{Checker, RuleMeta};
use std::collections::HashMap;

/// A patch that puts a named filter in place: `(filter, patch)` positions.
type Provider = (usize, usize);

/// How a provider's patch runs relative to the dependent patch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Order {
    Before,
    CreationTime,
    After,
}

pub fn check(
    ck: &Checker<'_, '_>,
    meta: &'static RuleMeta,
    filters: &[EnvoyFilter<'_>],
    out: &mut Findings,
) {
    let providers = providers(filters);
    if providers.is_empty() {
        return;
    }
    let root = ck.cx.mesh_config.root_namespace();
    for (fi, ef) in filters.iter().enumerate() {
        for patch in &ef.patches {
            let Some((apply_to, anchor)) = relative_anchor(patch) else {
                continue;
            };
            let Some(candidates) = providers.get(&(apply_to, anchor)) else {
                continue;
            };
            let mut orders: Vec<(Order, Provider)> = Vec::new();
            for &(pf, pp) in candidates {
                let other = &filters[pf];
                let other_patch = &other.patches[pp];
                if pf == fi && pp == patch.index {
                    continue;
                }
                let overlap = pf == fi
                    || (compatible(patch, other_patch) && same_proxies(ck, root, ef, other));
                if !overlap {
                    continue;
                }
                orders.push((
                    order(root, ck, (fi, ef, patch.index), (pf, other, pp)),
                    (pf, pp),
                ));
            }
            orders.sort();
            let Some(&(first, provider)) = orders.first() else {
                continue;
            };
            if first == Order::Before {
                continue;
            }
            out.push(report(
                ck,
                meta,
                filters,
                (fi, patch),
                provider,
                first,
                anchor,
            ));
        }
    }
}

/// Every `(applyTo, name)` a patch of the inputs adds, outside those istiod generates.
fn providers<'a>(filters: &[EnvoyFilter<'a>]) -> HashMap<(&'a str, &'a str), Vec<Provider>> {
    let mut out: HashMap<(&str, &str), Vec<Provider>> = HashMap::new();
    for (fi, ef) in filters.iter().enumerate() {
        for patch in &ef.patches {
            let (Some((apply_to, _)), Some((op, _)), Some((name, _))) =
                (patch.apply_to(), patch.operation(), patch.value_name())
            else {
                continue;
            };
            let adds = matches!(
                effective(apply_to, op),
                "ADD" | "INSERT_BEFORE" | "INSERT_AFTER" | "INSERT_FIRST" | "REPLACE"
            );
            let kind = matches!(
                apply_to,
                "HTTP_FILTER" | "NETWORK_FILTER" | "LISTENER_FILTER"
            );
            if adds && kind && !generated_by_istio(apply_to, name) {
                out.entry((apply_to, name))
                    .or_default()
                    .push((fi, patch.index));
            }
        }
    }
    out
}

/// The filter a relative operation needs, when an EnvoyFilter rather than istiod may add it.
fn relative_anchor<'a>(patch: &Patch<'a>) -> Option<(&'a str, &'a str)> {
    let (apply_to, _) = patch.apply_to()?;
    let (op, _) = patch.operation()?;
    // istiod merges into HTTP and network filters after every EnvoyFilter's insertions and
    // removals (patchHTTPFilters then mergeHTTPFilter, patchNetworkFilters then
    // patchNetworkFilter): such a MERGE does not depend on the order. Listener filters are
    // patched in one pass.
    let sequential = match op {
        "INSERT_BEFORE" | "INSERT_AFTER" | "REPLACE" | "REMOVE" => true,
        "MERGE" => apply_to == "LISTENER_FILTER",
        _ => false,
    };
    if !sequential {
        return None;
    }
    let (anchor, _) = patch.anchor()?;
    (!generated_by_istio(apply_to, anchor)).then_some((apply_to, anchor))
}

/// Patch contexts and ports that can meet on one listener.
fn compatible(a: &Patch<'_>, b: &Patch<'_>) -> bool {
    let (ca, cb) = (a.context(), b.context());
    let context = ca == cb || ca == "ANY" || cb == "ANY";
    let (pa, pb) = (a.port(), b.port());
    context && (pa == 0 || pb == 0 || pa == pb)
}

/// Whether some proxy gets both EnvoyFilters: namespaces (the root namespace's reach every
/// namespace) and selectors (none, one implying the other, or a workload of the inputs that
/// both select). Filters attached by `targetRefs` are left alone.
fn same_proxies<'c>(
    ck: &Checker<'c, '_>,
    root: &str,
    a: &EnvoyFilter<'_>,
    b: &EnvoyFilter<'_>,
) -> bool {
    if a.has_target_refs || b.has_target_refs {
        return false;
    }
    let (na, nb) = (
        ck.index.objects[a.object].ns(),
        ck.index.objects[b.object].ns(),
    );
    if na != nb && na != root && nb != root {
        return false;
    }
    if na == nb && !same_namespace(ck, a.object, b.object) {
        return false;
    }
    let implies = |x: &EnvoyFilter<'_>, y: &EnvoyFilter<'_>| {
        x.selector.iter().all(|(k, v)| y.selector.get(k) == Some(v))
    };
    if implies(a, b) || implies(b, a) {
        return true;
    }
    // Both select; a workload of the inputs selected by both, in the namespace they share
    // (any namespace when both are in the root namespace).
    let ns = if na == root { nb } else { na };
    let ns = (ns != root).then_some(ns);
    let found = ck
        .workload_labels()
        .select_workloads(ns, a.selector.iter().map(|(k, v)| (*k, *v)));
    found.iter().any(|&w| {
        let labels = &ck.index.workloads[w].labels;
        b.selector.iter().all(|(k, v)| labels.get(k) == Some(*v))
    })
}

fn order(
    root: &str,
    ck: &Checker<'_, '_>,
    (fi, f, pi): (usize, &EnvoyFilter<'_>, usize),
    (pf, p, pp): (usize, &EnvoyFilter<'_>, usize),
) -> Order {
    if fi == pf {
        return if pp < pi { Order::Before } else { Order::After };
    }
    if p.priority != f.priority {
        return if p.priority < f.priority {
            Order::Before
        } else {
            Order::After
        };
    }
    let in_root = |e: &EnvoyFilter<'_>| ck.index.objects[e.object].ns() == root;
    match (in_root(p), in_root(f)) {
        (true, false) => Order::Before,
        (false, true) => Order::After,
        _ => Order::CreationTime,
    }
}

fn report(
    ck: &Checker<'_, '_>,
    meta: &'static RuleMeta,
    filters: &[EnvoyFilter<'_>],
    (fi, patch): (usize, &Patch<'_>),
    (pf, pp): Provider,
    order: Order,
    anchor: &str,
) -> Diagnostic {
    let ef = &filters[fi];
    let other = &filters[pf];
    let other_patch = &other.patches[pp];
    let (op, _) = patch.operation().unwrap_or(("", patch.node));
    let span = patch.anchor().map_or(patch.node.span(), |(_, n)| n.span());
    let other_name = format!("`{}`", qualified(ck, other.object));
    let message = match order {
        Order::After if pf == fi => format!(
            "`{op}` relative to `{anchor}`, which only a later patch of this EnvoyFilter adds: the patch is never applied"
        ),
        Order::After => format!(
            "`{op}` relative to `{anchor}`, which EnvoyFilter {other_name} adds only after this one runs: the patch is never applied"
        ),
        _ => format!(
            "`{op}` relative to `{anchor}`, which EnvoyFilter {other_name} adds: whether it is there yet depends on which of the two was created first"
        ),
    };
    let mut d = ck.diagnostic(meta, ef.object, span, message);
    d.primary.message = format!("needs `{anchor}` in place");
    let label_span = other_patch
        .value_name()
        .map_or(other_patch.node.span(), |(_, n)| n.span());
    let label = if pf == fi {
        format!("added by patch {} of this EnvoyFilter", pp + 1)
    } else {
        format!("added by {other_name} (priority {})", other.priority)
    };
    d.related.push(ck.label(other.object, label_span, label));
    let why = match order {
        Order::After if pf == fi => "the patches of one EnvoyFilter run in list order".to_owned(),
        Order::After if other.priority != ef.priority => format!(
            "istiod applies EnvoyFilters in ascending `priority`: {other_name} has {}, this one {}",
            other.priority, ef.priority
        ),
        Order::After => "at the same priority istiod applies the root namespace's EnvoyFilters first, and this one is in the root namespace".to_owned(),
        _ => format!(
            "both have priority {} and are in the same namespace, so istiod applies the older first (then by name when created in the same second)",
            ef.priority
        ),
    };
    d.notes.push(format!(
        "{why}; a patch that finds no `{anchor}` is skipped without an error (`pilot/pkg/model/push_context.go` EnvoyFilters; istioctl IST0151)"
    ).into());
    if order == Order::CreationTime {
        d.severity = Severity::Warning;
    }
    d.help = Some(if pf == fi {
        format!("move this patch after the one that adds `{anchor}`").into()
    } else {
        format!(
            "give this EnvoyFilter a higher `priority` than {other_name} ({}), or move the patch into {other_name} after the one that adds `{anchor}`",
            other.priority
        ).into()
    });
    d
}
