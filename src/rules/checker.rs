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
        }
    }

    /// Every host the inputs define, with its exportTo scope (§3, §4).
    pub fn hosts(&self) -> &HostRegistry<'c> {
        self.hosts
            .get_or_init(|| HostRegistry::build(self.index, self.cx))
    }

    /// Every host-bearing field of VirtualServices, DestinationRules and ServiceEntries.
    pub fn host_refs(&self) -> &[HostRef<'a>] {
        self.host_refs.get_or_init(|| host_refs(self.index))
    }

    /// The outbound listener each Service and ServiceEntry port produces (§6).
    pub fn listeners(&self) -> &Listeners {
        self.listeners
            .get_or_init(|| Listeners::build(self.index, self.cx))
    }

    /// Visibility queries: exportTo scopes against the Sidecar egress index (§4, §5).
    pub fn scopes(&self) -> &Scopes<'c> {
        self.scopes.get_or_init(|| Scopes::new(self.index, self.cx))
    }

    /// VirtualServices by host and gateway, DestinationRules in Istio's lookup order.
    pub fn routing(&self) -> &Routing<'c> {
        self.routing
            .get_or_init(|| Routing::build(self.index, self.cx))
    }

    /// Workload label sets by namespace and label, for selectors (policies, subsets).
    pub fn workload_labels(&self) -> &WorkloadLabels<'c> {
        self.workload_labels
            .get_or_init(|| WorkloadLabels::build(self.index))
    }

    /// Istio Gateways with their servers, the gateway proxies they apply to, Gateway API
    /// Gateways and the Secrets gateways read.
    pub fn gateways(&self) -> &Gateways<'a> {
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
