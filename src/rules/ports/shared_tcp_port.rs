use crate::diagnostic::{Diagnostic, Findings};
use crate::model::listeners::{Bind, ListenerSource, PortListener};
use crate::model::protocol::ListenerClass;
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports Services (different names or namespaces) with TCP-class ports of the same
    /// number: `tcp`, `tls`, `https`, `mongo`, `mysql`, `redis`, and unnamed ports on 25, 53,
    /// 3306 and 27017. Sniffed (unnamed) ports are not counted, nor ExternalName Services
    /// (MESH103 covers those), nor UDP. One finding per port item after the first, pointing at the
    /// first Service using the number.
    ///
    /// This is **info** and off the fail path by default: the default `--fail-on warning`
    /// ignores info findings; `--fail-on info` (or `fail-on: info`, or a severity override in
    /// the config) makes them fail the run.
    ///
    /// ## Why is this bad?
    /// Harmless while clients use Service names: each ClusterIP Service gets its own
    /// `VIP:port` listener. Fragile when clients reach pods by IP (smart clients such as
    /// Hazelcast and Kafka learn member addresses) and a catch-all listener on that port
    /// appears later (MESH103): then pod-IP traffic on the number is captured
    /// (Istio source: `pilot/pkg/serviceregistry/{kube,serviceentry}/conversion.go`; ENABLE_EXTERNAL_NAME_ALIAS, `pilot/pkg/features/pilot.go`).
    ///
    /// ## Example
    /// ```yaml
    /// # in namespace manager
    ///   ports: [{name: tcp-hazelcast, port: 5701}]
    /// # in namespace app
    ///   ports: [{name: tcp-hazelcast, port: 5701}]
    /// ```
    ///
    /// Use instead: keep it, knowingly, or give each cluster its own port number; declare
    /// StatefulSet peers behind a headless Service, whose per-endpoint listeners win over a
    /// wildcard.
    ///
    /// ## Fix safety
    /// No fix.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/serviceregistry/{kube,serviceentry}/conversion.go`; ENABLE_EXTERNAL_NAME_ALIAS, `pilot/pkg/features/pilot.go`
    pub static META = {
        code: "MESH105",
        name: "shared-tcp-port",
        area: "ports",
        severity: Info,
        fix: None,
        fix_kinds: "",
        subject: Mesh,
        istioctl: [],
        summary: "Different TCP-class Services using the same port number (info, off the fail path)",
    };
}

pub struct SharedTcpPort;

impl Rule for SharedTcpPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::Listeners]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        let listeners = ck.listeners();
        for l in listeners.all.iter().filter(|l| counts(l)) {
            let first = listeners.on_port(l.port).find(|f| counts(f));
            let Some(first) = first.filter(|f| f.object != l.object) else {
                continue;
            };
            out.extend(report(ck, l, first));
        }
    }
}

/// ClusterIP and headless Service ports; ExternalName ports are MESH103's business.
fn counts(l: &PortListener) -> bool {
    matches!(l.bind, Bind::Vip | Bind::PerEndpoint)
        && matches!(l.source, ListenerSource::Service(_))
        && l.class == ListenerClass::Tcp
}

fn report(ck: &Checker<'_, '_>, l: &PortListener, first: &PortListener) -> Option<Diagnostic> {
    let node = l.label_node(ck.index)?;
    let me = &ck.index.objects[l.object];
    let other = &ck.index.objects[first.object];
    let mut d = ck.diagnostic(
        &META,
        l.object,
        node.span(),
        format!(
            "TCP port {} of Service `{}` is also used by Service `{}`",
            l.port,
            me.qualified_name(),
            other.qualified_name()
        ),
    );
    d.primary.message = format!("TCP {}", l.port);
    if let Some(n) = first.label_node(ck.index) {
        d.related
            .push(ck.label(first.object, n.span(), format!("TCP {} here too", l.port)));
    }
    d.notes.push(format!(
        "fine while clients use Service names; if clients reach pods by IP on {} and a catch-all listener on that port appears (an ExternalName Service on Istio ≤1.20, a ServiceEntry without addresses), that traffic is captured (see MESH103)",
        l.port
    ).into());
    d.help = Some(
        "nothing to change while clients use Service names; for peers that talk pod to pod (Hazelcast, Kafka, ZooKeeper), put them behind a headless Service, whose per-endpoint listeners win over a catch-all, or give each cluster its own port"
            .into(),
    );
    Some(d)
}
