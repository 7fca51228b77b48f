//! MESH304's ExternalName checks: where ExternalName Services are DNS aliases (Istio 1.21–1.23
//! by default, always from 1.24; `LintContext::external_name_is_alias`), a route to one works
//! only when its `externalName` is itself a Service or ServiceEntry, and a DestinationRule for
//! it applies to nothing (the Istio 1.21 upgrade notes, "ExternalName support changes").

use super::{entry_label, registry};
use crate::diagnostic::Diagnostic;
use crate::model::host_refs::{HostField, HostRef};
use crate::model::hosts::{split_service_fqdn, HostEntry, HostOwner};
use crate::rules::{Checker, RuleMeta};

pub fn check(
    ck: &Checker<'_, '_>,
    meta: &'static RuleMeta,
    r: &HostRef<'_>,
    entry: &HostEntry,
    client_ns: &str,
) -> Option<Diagnostic> {
    let HostOwner::Service(i) = entry.owner else {
        return None;
    };
    let svc = &ck.index.services[i];
    if svc.service_type() != "ExternalName" || !ck.cx.external_name_is_alias() {
        return None;
    }
    let target = svc
        .spec
        .external_name
        .map(|t| t.trim_end_matches('.'))
        .filter(|t| !t.is_empty())?;
    let version = ck.cx.istio_version;
    let svc_name = ck.index.objects[svc.object].qualified_name();
    if r.field == HostField::DestinationRuleHost {
        let mut d = ck.diagnostic(
            meta,
            r.object,
            r.node.span(),
            format!("DestinationRule for ExternalName Service `{svc_name}` applies to no traffic on Istio {version}"),
        );
        d.primary.message = "ExternalName alias".into();
        d.notes.push(format!(
            "from Istio 1.21 (by default; always from 1.24) an ExternalName Service is a DNS alias for `{target}`: traffic to it is the target's, and takes the target's DestinationRule"
        ).into());
        d.related.push(entry_label(
            ck,
            entry,
            format!("ExternalName for `{target}`"),
        ));
        d.help = Some(format!("write the DestinationRule for `{target}`").into());
        return Some(d);
    }
    if !r.field.is_destination() {
        return None;
    }
    let reg = registry(ck);
    if reg.lookup(target, client_ns).is_found() {
        return None;
    }
    // An in-cluster target in a namespace the inputs do not cover may well exist.
    let domain = &ck.cx.cluster_domain;
    if let Some((_, t)) = split_service_fqdn(target, domain) {
        let covered = ck
            .index
            .services_in(t)
            .any(|s| ck.index.objects[s.object].namespace_explicit);
        if !covered {
            return None;
        }
    }
    let mut d = ck.diagnostic(
        meta,
        r.object,
        r.node.span(),
        format!(
            "route to ExternalName Service `{svc_name}`, whose target `{target}` no Service or ServiceEntry defines"
        ),
    );
    d.primary.message = "alias of an unknown host".into();
    d.notes.push(format!(
        "on Istio {version} an ExternalName Service is a DNS alias: a VirtualService routing to it works only when `{target}` exists as a Service or ServiceEntry visible in `{client_ns}`; otherwise requests find no cluster and fail with 503"
    ).into());
    d.related.push(entry_label(
        ck,
        entry,
        format!("ExternalName for `{target}`"),
    ));
    d.help = Some(
        format!("add a ServiceEntry for `{target}` (or route to the Service it names)").into(),
    );
    Some(d)
}
