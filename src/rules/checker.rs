use super::RuleMeta;
use crate::diagnostic::{Diagnostic, Label};
use crate::model::gateways::Gateways;
use crate::model::host_refs::{host_refs, HostRef};
use crate::model::hosts::HostRegistry;
use crate::model::injection::Mode;
use crate::model::listeners::Listeners;
use crate::model::routing::Routing;
use crate::model::scopes::Scopes;
use crate::model::selectors::WorkloadLabels;
use crate::model::{LintContext, MeshIndex, ObjectRef, Workload};
use crate::parse::ParsedFile;
use crate::source::Files;
use mesh_lint_yaml::Span;
use std::sync::OnceLock;

/// What a rule may read: the inputs, the index, the context, and the models that depend on
/// the context. Each model is built on first use (once, whichever rule asks first), so a run
/// whose selected rules need none of them costs parse plus index.
pub struct Checker<'c, 'a> {
    pub files: &'c Files,
    pub parsed: &'a [ParsedFile],
    pub index: &'c MeshIndex<'a>,
    pub cx: &'c LintContext,
    hosts: OnceLock<HostRegistry<'c>>,
    host_refs: OnceLock<Vec<HostRef<'a>>>,
    listeners: OnceLock<Listeners>,
    scopes: OnceLock<Scopes<'c>>,
    routing: OnceLock<Routing<'c>>,
    workload_labels: OnceLock<WorkloadLabels<'c>>,
    gateways: OnceLock<Gateways<'a>>,
    /// Per workload (by [`Workload::id`]), its pods' data-plane mode: a dozen rules ask it of
    /// every workload, and the full decision (with its reason) is only needed for a finding.
    injection_modes: OnceLock<Box<[Mode]>>,
    /// Set by [`Checker::release_models`]: from then on only rules that read kept models run.
    released: bool,
}

/// A model of the [`Checker`], for [`Rule::models`](super::Rule::models).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    Hosts,
    HostRefs,
    Listeners,
    Scopes,
    Routing,
    WorkloadLabels,
    Gateways,
}

impl Model {
    /// Kept for every rule of a run: small (the scope index is a few bytes per Sidecar host,
    /// the host references one record per host field) and read by the rules whose findings are
    /// most numerous, MESH201 and MESH202 (one per exported object). The other models are
    /// dropped once the rules that read them are done, so at a 92,000-object mesh their 26 MB
    /// and the 35 MB of those findings are not held at the same time.
    pub fn kept(self) -> bool {
        matches!(self, Model::Scopes | Model::HostRefs)
    }
}

/// Which lazily built models a run needed, and their sizes (for tests and `--verbose`-style
/// reports; nothing here is timed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelStats {
    pub hosts: Option<usize>,
    pub host_refs: Option<usize>,
    /// [`Listeners::size`] when built.
    pub listeners: Option<usize>,
    /// Sidecar egress host entries indexed, when the scope index was built.
    pub scopes: Option<usize>,
    pub routing: bool,
}

impl ModelStats {
    /// The stats of `self`, with those of `later` for the models `self` did not build.
    pub fn or(self, later: ModelStats) -> ModelStats {
        ModelStats {
            hosts: self.hosts.or(later.hosts),
            host_refs: self.host_refs.or(later.host_refs),
            listeners: self.listeners.or(later.listeners),
            scopes: self.scopes.or(later.scopes),
            routing: self.routing || later.routing,
        }
    }

    /// Adds another mesh's models (a run split by `meshes:` builds one set per mesh).
    pub fn absorb(&mut self, other: ModelStats) {
        fn add(a: &mut Option<usize>, b: Option<usize>) {
            if let Some(b) = b {
                *a = Some(a.unwrap_or(0) + b);
            }
        }
        add(&mut self.hosts, other.hosts);
        add(&mut self.host_refs, other.host_refs);
        add(&mut self.listeners, other.listeners);
        add(&mut self.scopes, other.scopes);
        self.routing |= other.routing;
    }
}

impl<'c, 'a> Checker<'c, 'a> {
    pub fn new(
        files: &'c Files,
        parsed: &'a [ParsedFile],
        index: &'c MeshIndex<'a>,
        cx: &'c LintContext,
    ) -> Self {
        Checker {
            files,
            parsed,
            index,
            cx,
            hosts: OnceLock::new(),
            host_refs: OnceLock::new(),
            listeners: OnceLock::new(),
            scopes: OnceLock::new(),
            routing: OnceLock::new(),
            workload_labels: OnceLock::new(),
            gateways: OnceLock::new(),
            injection_modes: OnceLock::new(),
            released: false,
        }
    }

    /// Drops every model that is not [`Model::kept`]; the rules that read them have run.
    pub fn release_models(&mut self) {
        self.hosts = OnceLock::new();
        self.listeners = OnceLock::new();
        self.routing = OnceLock::new();
        self.workload_labels = OnceLock::new();
        self.gateways = OnceLock::new();
        self.released = true;
    }

    /// Stops a debug build when a rule reads a released model without declaring it in
    /// [`Rule::models`](super::Rule::models): the model would be built a second time.
    fn reading(&self, model: Model) {
        debug_assert!(
            model.kept() || !self.released,
            "a rule read the {model:?} model without declaring it in `Rule::models`"
        );
    }

    /// Every host the inputs define, with its exportTo scope (§3, §4).
    pub fn hosts(&self) -> &HostRegistry<'c> {
        self.reading(Model::Hosts);
        self.hosts
            .get_or_init(|| HostRegistry::build(self.index, self.cx))
    }

    /// Every host-bearing field of VirtualServices, DestinationRules and ServiceEntries.
    pub fn host_refs(&self) -> &[HostRef<'a>] {
        self.reading(Model::HostRefs);
        self.host_refs.get_or_init(|| host_refs(self.index))
    }

    /// The outbound listener each Service and ServiceEntry port produces (§6).
    pub fn listeners(&self) -> &Listeners {
        self.reading(Model::Listeners);
        self.listeners
            .get_or_init(|| Listeners::build(self.index, self.cx))
    }

    /// Visibility queries: exportTo scopes against the Sidecar egress index (§4, §5).
    pub fn scopes(&self) -> &Scopes<'c> {
        self.reading(Model::Scopes);
        self.scopes.get_or_init(|| Scopes::new(self.index, self.cx))
    }

    /// VirtualServices by host and gateway, DestinationRules in Istio's lookup order.
    pub fn routing(&self) -> &Routing<'c> {
        self.reading(Model::Routing);
        self.routing
            .get_or_init(|| Routing::build(self.index, self.cx))
    }

    /// Workload label sets by namespace and label, for selectors (policies, subsets).
    pub fn workload_labels(&self) -> &WorkloadLabels<'c> {
        self.reading(Model::WorkloadLabels);
        self.workload_labels
            .get_or_init(|| WorkloadLabels::build(self.index))
    }

    /// Istio Gateways with their servers, the gateway proxies they apply to, Gateway API
    /// Gateways and the Secrets gateways read.
    pub fn gateways(&self) -> &Gateways<'a> {
        self.reading(Model::Gateways);
        self.gateways
            .get_or_init(|| Gateways::build(self.index, self.cx))
    }

    pub fn stats(&self) -> ModelStats {
        ModelStats {
            hosts: self.hosts.get().map(|h| h.entries.len()),
            host_refs: self.host_refs.get().map(Vec::len),
            listeners: self.listeners.get().map(Listeners::size),
            scopes: self.scopes.get().map(|s| s.sidecars.host_entries()),
            routing: self.routing.get().is_some(),
        }
    }
}

impl Checker<'_, '_> {
    /// A finding on `object` at `span`, with the rule's code, name, default severity and URL,
    /// the object's identity and Helm source filled in.
    pub fn diagnostic(
        &self,
        meta: &'static RuleMeta,
        object: ObjectRef,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let obj = &self.index.objects[object];
        let mut d = Diagnostic::new(
            meta.code,
            meta.name,
            meta.severity,
            message,
            Label::new(obj.file, span, ""),
        );
        d.object = Some(obj.id());
        d.source = obj.source.map(Into::into);
        d.rule_page = true;
        d.subject = Some(object);
        d
    }

    /// A label pointing into another object (wherever its file is).
    pub fn label(&self, object: ObjectRef, span: Span, message: impl Into<String>) -> Label {
        Label::new(self.index.objects[object].file, span, message)
    }
}

impl<'c, 'a> Checker<'c, 'a> {
    /// Injection state per namespace and workload (§8), computed on demand.
    pub fn injection(&self) -> crate::model::injection::Injection<'c, 'a> {
        self.index.injection(self.cx)
    }

    /// The data-plane mode of `w`'s pods, [`Injection::workload`]'s `mode`, decided once.
    ///
    /// [`Injection::workload`]: crate::model::injection::Injection::workload
    pub fn injection_mode(&self, w: &Workload<'_>) -> Mode {
        self.injection_modes.get_or_init(|| {
            let injection = self.injection();
            self.index
                .workloads
                .iter()
                .map(|w| injection.workload(w).mode)
                .collect()
        })[w.id]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_checker(f: impl FnOnce(&mut Checker<'_, '_>)) {
        let (files, index, cx) = (
            Files::default(),
            MeshIndex::default(),
            LintContext::default(),
        );
        f(&mut Checker::new(&files, &[], &index, &cx));
    }

    #[test]
    fn released_models_are_dropped_and_kept_ones_stay() {
        with_checker(|ck| {
            ck.hosts();
            ck.scopes();
            ck.release_models();
            let stats = ck.stats();
            assert_eq!(stats.hosts, None);
            assert!(stats.scopes.is_some());
            ck.host_refs();
        });
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "without declaring it")]
    fn a_released_model_read_again_stops_a_debug_build() {
        with_checker(|ck| {
            ck.release_models();
            ck.listeners();
        });
    }

    /// The memory design of `lint`: the rules that report once per namespace or per exported
    /// object run after the larger models are dropped.
    #[test]
    fn the_rules_with_the_most_findings_read_only_kept_models() {
        for code in ["MESH201", "MESH202"] {
            let rule = crate::rules::all().iter().find(|r| r.meta().code == code);
            assert!(rule.is_some_and(|r| r.models().iter().all(|m| m.kept())));
        }
    }
}
