use super::{is_namespace_wide, name_span};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix};
use crate::model::injection::{Mode, Reason, State};
use crate::model::ObjectRef;
use crate::rules::yaml_edit::line_ending_at;
use crate::rules::{Checker, Model, Rule, RuleMeta};
use mesh_lint_yaml::Span;
use std::collections::{BTreeMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Reports a namespace that has sidecar-injected workloads but no Sidecar resource, while
    /// the MeshConfig root namespace (`rootNamespace`, default `istio-system`) has no
    /// selector-less Sidecar to serve as the mesh-wide default. One finding per namespace: on
    /// its Namespace object when the inputs hold it, else on its first injected workload.
    ///
    /// Injection is decided per workload as Istio's injector decides it: the namespace's
    /// `istio-injection` / `istio.io/rev` labels, the pod template's `sidecar.istio.io/inject`
    /// label, `hostNetwork`, and so on. When a namespace's Namespace object is not among the
    /// inputs, nothing is known about it and it is not reported (a partial repository, a Helm
    /// chart without namespaces), unless a pod template opts in with `sidecar.istio.io/inject:
    /// "true"` or the config file's `injection` key says the namespace is injected
    /// (`injection.namespaces.<ns>: sidecar` or `injection.default: sidecar`).
    ///
    /// ## Why is this bad?
    /// Without a Sidecar, istiod programs every proxy with listeners, routes and clusters for
    /// every Service, ServiceEntry and VirtualService exported to its namespace, which by
    /// default is the whole mesh (egress `*/*`). Proxy memory, CPU and push times grow with
    /// the mesh, not with what the workload calls, and one team's ServiceEntry or ExternalName
    /// Service changes the listeners of every other team's proxies (the Hazelcast outage). A
    /// Sidecar that imports only the namespace itself and the control plane bounds this.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     istio-injection: enabled
    /// ```
    ///
    /// Use instead: add
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: Sidecar
    /// metadata:
    ///   name: default
    ///   namespace: shop
    /// spec:
    ///   egress:
    ///     - hosts:
    ///         - "./*"
    ///         - "istio-system/*"
    /// ```
    ///
    /// or one selector-less Sidecar in the root namespace, which applies to every namespace
    /// without its own (with `./*` meaning the workload's own namespace).
    ///
    /// ## Fix safety
    /// Display only: the Sidecar shown imports the namespace itself and the root namespace;
    /// add the other namespaces its workloads call before applying it, or their traffic leaves
    /// the mesh's routing (it becomes passthrough or, with `REGISTRY_ONLY`, is blocked).
    ///
    /// A namespace whose only Sidecars have a `workloadSelector` is reported when an injected
    /// workload is selected by none of them: its proxies fall back to the whole mesh too.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/push_context.go` initSidecarScopes (root-namespace default: the first Sidecar there whose `workloadSelector` is nil); `pilot/pkg/model/sidecar.go` DefaultSidecarScopeForNamespace; injection: `pkg/kube/inject/inject.go` injectRequired
    /// - [Istio: Sidecar](https://istio.io/latest/docs/reference/config/networking/sidecar/)
    /// - [Istio: Reducing the scope of configuration](https://istio.io/latest/docs/ops/best-practices/performance-and-scalability/)
    pub static META = {
        code: "MESH201",
        name: "missing-sidecar-scope",
        area: "scoping",
        severity: Warning,
        fix: Always,
        fix_kinds: "display",
        subject: Mesh,
        istioctl: [],
        summary: "A namespace with sidecar-injected workloads and neither a Sidecar nor a root-namespace default",
    };
}

pub struct MissingSidecarScope;

impl Rule for MissingSidecarScope {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Scopes]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let root = ck.cx.mesh_config.root_namespace();
        let ix = ck.index;
        // The scope model's Sidecar index: the root default is the first Sidecar there whose
        // workloadSelector is absent.
        let sidecars = &ck.scopes().sidecars;
        if sidecars.mesh_default().0.is_some() {
            return;
        }
        // Namespaces with a Sidecar for every workload: one without selector (or `{}`).
        let namespace_wide: HashSet<&str> = ix
            .sidecars
            .iter()
            .filter(|s| !ix.objects[s.object].is_shadowed() && is_namespace_wide(&s.spec))
            .map(|s| ix.objects[s.object].ns())
            .collect();
        let inj = ck.injection();
        // The first unscoped injected workload of each namespace, and how many there are.
        let mut first: BTreeMap<&str, (usize, State, usize)> = BTreeMap::new();
        for (wi, w) in ix.workloads.iter().enumerate() {
            let ns = ix.objects[w.object].ns();
            if namespace_wide.contains(ns) || ix.objects[w.object].is_shadowed() {
                continue;
            }
            // A namespace with only selector Sidecars: the workloads none selects are unscoped.
            if sidecars.has_own(ns) && sidecars.for_workload(ns, &w.labels).0.is_some() {
                continue;
            }
            let state = inj.workload(w);
            // Only on evidence: the built-in assumption for a namespace the inputs do not
            // show is not enough (a partial repository, a chart without namespaces). The same
            // test for the first workload and for the count, so input order cannot change it.
            if state.mode != Mode::Sidecar || matches!(state.reason, Reason::Assumed(_)) {
                continue;
            }
            first
                .entry(ns)
                .and_modify(|entry| entry.2 += 1)
                .or_insert((wi, state, 1));
        }
        for (ns, (wi, state, count)) in first {
            out.push(report(ck, ns, root, wi, &state, count));
        }
    }
}

fn report(
    ck: &Checker<'_, '_>,
    ns: &str,
    root: &str,
    wi: usize,
    state: &State,
    count: usize,
) -> Diagnostic {
    let ix = ck.index;
    let workload = &ix.workloads[wi];
    let wobj = &ix.objects[workload.object];
    let namespace_object = ix.namespaces.get(ns).and_then(|n| n.object);
    let subject = namespace_object.unwrap_or(workload.object);
    let workloads = if count == 1 {
        format!("{} `{}` is", wobj.kind, wobj.name)
    } else {
        format!("{count} workloads are")
    };
    let only_selectors = ck.scopes().sidecars.has_own(ns);
    let message = if only_selectors {
        format!("namespace `{ns}` has only Sidecars with a workloadSelector, and {workloads} sidecar-injected there without one selecting it")
    } else {
        format!("namespace `{ns}` has no Sidecar resource, and {workloads} sidecar-injected there")
    };
    let mut d = ck.diagnostic(&META, subject, name_span(ck, subject), message);
    d.primary.message = "its proxies receive configuration for the whole mesh".into();
    if namespace_object.is_some() {
        d.related.push(ck.label(
            workload.object,
            name_span(ck, workload.object),
            format!("{} `{}` is sidecar-injected", wobj.kind, wobj.name),
        ));
    }
    if let Some((obj, span)) = state.evidence {
        if obj != subject || namespace_object.is_none() {
            d.related
                .push(ck.label(obj, span, "injected because of this"));
        }
    }
    d.notes.push(format!(
        "without a Sidecar in `{ns}` or a selector-less default in the root namespace `{root}`, every proxy in `{ns}` gets listeners, routes and clusters for everything exported to it from every namespace (egress `*/*`): its memory and push time grow with the mesh, and another team's ServiceEntry or ExternalName Service changes its listeners"
    ).into());
    if state.assumed {
        d.notes.push(ck.injection().assumption_note(ns).into());
    } else {
        d.notes
            .push(format!("injected because {}", state.reason).into());
    }
    if ns == root {
        d.notes.push(format!(
            "`{ns}` is the root namespace: a Sidecar without workloadSelector here becomes the default for every namespace without its own; to scope only these workloads, give it a `workloadSelector`"
        ).into());
    }
    d.help = Some(format!(
        "add a Sidecar to `{ns}` importing only what its workloads call, e.g. `egress: [{{hosts: [\"./*\", \"{root}/*\"]}}]`, or one selector-less Sidecar in `{root}` as the mesh-wide default"
    ).into());
    d.fix = Some(Fix::new(
        format!("add Sidecar `{ns}/default` importing `./*` and `{root}/*`"),
        Applicability::Display,
        append_sidecar(ck, subject, ns, root).into_iter().collect(),
    ));
    d
}

/// A new document after `object`'s own, holding the suggested Sidecar; none when the object
/// is an item of a `List`, where a document cannot be inserted.
fn append_sidecar(ck: &Checker<'_, '_>, object: ObjectRef, ns: &str, root: &str) -> Option<Edit> {
    let obj = &ck.index.objects[object];
    let text = &ck.files.get(obj.file).text;
    let end = obj.node.span().end as usize;
    let rest = text.get(end..)?;
    let rest_trimmed = rest.trim_start();
    let at_document_end = rest_trimmed.is_empty()
        || rest_trimmed.starts_with("---")
        || rest_trimmed.starts_with("...")
        || rest_trimmed.starts_with('#');
    if !at_document_end {
        return None;
    }
    let eol = line_ending_at(text, end);
    let lines = [
        "---".to_owned(),
        "apiVersion: networking.istio.io/v1".to_owned(),
        "kind: Sidecar".to_owned(),
        "metadata:".to_owned(),
        "  name: default".to_owned(),
        format!("  namespace: {ns}"),
        "spec:".to_owned(),
        "  egress:".to_owned(),
        "    - hosts:".to_owned(),
        "        - \"./*\"".to_owned(),
        format!("        - \"{root}/*\""),
    ];
    let mut content = String::new();
    for line in lines {
        content.push_str(eol);
        content.push_str(&line);
    }
    Some(Edit {
        file: obj.file,
        span: Span::new(end as u32, end as u32),
        content,
    })
}
