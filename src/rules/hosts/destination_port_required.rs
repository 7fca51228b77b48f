use super::{entry_label, entry_name, registry, rule_ns};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Findings, Fix};
use crate::model::host_refs::HostRef;
use crate::model::hosts::{classify, resolve, HostForm};
use crate::rules::yaml_edit::{set_key, Place, Value};
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a route destination (http, tcp, tls, mirror, mirrors) without `port` whose host
    /// is a Service or ServiceEntry with more than one port.
    ///
    /// ## Why is this bad?
    /// Istio's API says a destination may leave out `port` only when the service exposes a
    /// single port. At runtime a sidecar then picks the port of the listener the request came
    /// in on, which works by accident when the listener port equals the service port, and
    /// sends traffic to the wrong or no port on gateways and when ports are remapped.
    /// istioctl reports the same as IST0112.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: VirtualService
    /// metadata:
    ///   name: reviews
    ///   namespace: bookinfo
    /// spec:
    ///   hosts: [reviews.bookinfo.svc.cluster.local]
    ///   http:
    ///     - route:
    ///         - destination:
    ///             host: reviews.bookinfo.svc.cluster.local
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    ///         - destination:
    ///             host: reviews.bookinfo.svc.cluster.local
    ///             port:
    ///               number: 9080
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the fix shows `port.number` set to the first port and lists all of them;
    /// which one is meant is for you to decide.
    ///
    /// ## References
    /// - Istio source: istioctl's analyzers under `pkg/config/analysis/analyzers/` (IST0112, `GetDestinationCluster` at runtime)
    /// - [Istio: Destination `port`](https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination)
    pub static META = {
        code: "MESH306",
        name: "destination-port-required",
        area: "hosts",
        severity: Warning,
        fix: Always,
        fix_kinds: "display",
        subject: Mesh,
        istioctl: ["IST0112"],
        summary: "A route destination without `port` to a Service with more than one port",
    };
}

pub struct DestinationPortRequired;

impl Rule for DestinationPortRequired {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Hosts, Model::HostRefs]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        super::check_each_ref(ck, out, check);
    }
}

fn check(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Option<Diagnostic> {
    if !r.field.is_destination() || r.port().is_some() {
        return None;
    }
    if !matches!(classify(r.host), HostForm::Short | HostForm::Dotted) {
        return None;
    }
    let ns = rule_ns(ck, r);
    let resolved = resolve(r.host, ns, &ck.cx.cluster_domain);
    let reg = registry(ck);
    let found = reg.lookup(&resolved, ns);
    let entry = found.best()?;
    let mut numbers: Vec<u32> = entry.ports.iter().map(|(n, _)| *n).collect();
    numbers.dedup();
    if numbers.len() < 2 {
        return None;
    }
    let listed = entry
        .ports
        .iter()
        .map(|(n, name)| match name {
            Some(name) => format!("{n} ({name})"),
            None => n.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = ck.diagnostic(
        &META,
        r.object,
        r.node.span(),
        format!(
            "destination `{}` has no `port`, but {} has {} ports",
            r.host,
            entry_name(ck, entry),
            entry.ports.len()
        ),
    );
    d.primary.message = "no `port` selected".into();
    d.notes.push(
        "a destination may leave out `port` only when the service has a single port; otherwise sidecars use the port the request arrived on, which breaks on gateways and remapped ports (istioctl IST0112)"
            .into(),
    );
    d.related
        .push(entry_label(ck, entry, format!("ports: {listed}")));
    d.help = Some(format!("set `port.number` to one of: {listed}").into());
    d.fix = insert_port(ck, r, numbers[0]).map(|e| {
        Fix::new(
            format!("select a port (one of {listed})"),
            Applicability::Display,
            vec![e],
        )
    });
    Some(d)
}

/// Inserts `port: {number: N}` before the destination's `host` key, aligned with it.
fn insert_port(ck: &Checker<'_, '_>, r: &HostRef<'_>, number: u32) -> Option<Edit> {
    let value = Value::entry("number", Value::inline(number.to_string()));
    set_key(
        ck,
        r.object,
        r.destination?,
        "port",
        &value,
        Place::Before("host"),
    )
}
