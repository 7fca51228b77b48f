use super::{hosts, input, ports, scoping, Rule, RuleMeta};

/// Every rule, sorted by code.
static RULES: &[&dyn Rule] = &[
    &input::invalid_yaml::InvalidYaml,
    &input::invalid_object::InvalidObject,
    &ports::port_name_without_protocol::PortNameWithoutProtocol,
    &ports::conflicting_port_protocols::ConflictingPortProtocols,
    &ports::catch_all_tcp_listener::CatchAllTcpListener,
    &ports::listener_conflict::ListenerConflict,
    &ports::shared_tcp_port::SharedTcpPort,
    &scoping::missing_sidecar_scope::MissingSidecarScope,
    &scoping::export_to_everywhere::ExportToEverywhere,
    &scoping::invalid_export_to::InvalidExportTo,
    &scoping::conflicting_sidecars::ConflictingSidecars,
    &scoping::invalid_sidecar_egress::InvalidSidecarEgress,
    &hosts::short_hostname::ShortHostname,
    &hosts::partial_hostname::PartialHostname,
    &hosts::host_resolves_elsewhere::HostResolvesElsewhere,
    &hosts::unknown_host::UnknownHost,
    &hosts::ip_address_host::IpAddressHost,
    &hosts::destination_port_required::DestinationPortRequired,
    &hosts::unknown_subset::UnknownSubset,
];

pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

pub fn metas() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta()).collect()
}

/// A rule by code (`MESH101`, case-insensitive) or name (`port-name-without-protocol`).
pub fn find(key: &str) -> Option<&'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(key) || m.name == key)
}
