//! Where a host reference is used from: the namespaces whose proxies apply the rule holding it.
//! A VirtualService bound to `mesh` is applied by the sidecars of the namespaces it is
//! exported to; one bound to a gateway by that gateway's proxies, which see only what is
//! exported to their own namespace (`DefaultSidecarScopeForGateway`). A DestinationRule is
//! applied in its own namespace and the namespaces it is exported to, and mesh-wide from the
//! root namespace (the last step of `PushContext.destinationRule`).

use crate::model::host_refs::{HostField, HostRef};
use crate::model::routing::MESH_GATEWAY;
use crate::model::visibility::{export_scope, ExportKind, ExportScope};
use crate::rules::Checker;

/// A namespace whose proxies apply the rule, and the gateway they serve, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub ns: String,
    pub gateway: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Clients {
    Namespaces(Vec<Client>),
    /// A root-namespace DestinationRule exported beyond it: every namespace may use it.
    MeshWide,
}

pub fn clients(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Clients {
    let obj = &ck.index.objects[r.object];
    let own = obj.ns();
    let sidecar = |ns: &str| Client {
        ns: ns.to_owned(),
        gateway: None,
    };
    if r.field == HostField::DestinationRuleHost {
        return destination_rule_clients(ck, r, own);
    }
    let routing = ck.routing();
    let Some(vs) = routing.virtual_service_of(r.object) else {
        return Clients::Namespaces(vec![sidecar(own)]);
    };
    let mut out = Vec::new();
    if routing.binds_mesh(vs) {
        let explicit = ck.index.virtual_services[vs].spec.export_to.as_deref();
        let (scope, _) = export_scope(
            obj,
            explicit,
            ExportKind::VirtualService,
            &ck.cx.mesh_config,
        );
        match scope {
            ExportScope::All => out.push(sidecar(own)),
            ExportScope::None => {}
            ExportScope::Namespaces(set) => out.extend(set.iter().map(|n| sidecar(n))),
        }
    }
    for gw in routing
        .gateways_of(vs)
        .iter()
        .filter(|g| *g != MESH_GATEWAY)
    {
        for ns in routing.gateway_proxy_namespaces(gw) {
            let client = Client {
                ns,
                gateway: Some(gw.clone()),
            };
            if !out.contains(&client) {
                out.push(client);
            }
        }
    }
    Clients::Namespaces(out)
}

fn destination_rule_clients(ck: &Checker<'_, '_>, r: &HostRef<'_>, own: &str) -> Clients {
    let sidecar = |ns: &str| Client {
        ns: ns.to_owned(),
        gateway: None,
    };
    let Some(dr) = ck
        .routing()
        .destination_rule_of(r.object)
        .map(|i| &ck.index.destination_rules[i])
    else {
        return Clients::Namespaces(vec![sidecar(own)]);
    };
    if dr.spec.workload_selector.is_some() {
        return Clients::Namespaces(vec![sidecar(own)]);
    }
    let export: Vec<&str> = dr.spec.export_to.iter().flatten().copied().collect();
    let private_only = export.len() == 1 && (export[0] == "." || export[0] == own);
    let default_private = export.is_empty()
        && ck
            .cx
            .mesh_config
            .default_destination_rule_export_to
            .as_ref()
            .is_some_and(|l| l.iter().any(|e| e == "."));
    let root = ck.cx.mesh_config.root_namespace();
    if own == root && !private_only && !default_private && !export.contains(&"~") {
        return Clients::MeshWide;
    }
    let mut out = Vec::new();
    if export.is_empty() || export.iter().any(|e| matches!(*e, "*" | ".") || *e == own) {
        out.push(sidecar(own));
    }
    for ns in export {
        if !matches!(ns, "*" | "." | "~") && ns != own {
            out.push(sidecar(ns));
        }
    }
    Clients::Namespaces(out)
}
