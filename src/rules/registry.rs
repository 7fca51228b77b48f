use super::{hosts, input, lifecycle, ports, Rule, RuleMeta};

/// Every rule, sorted by code.
static RULES: &[&dyn Rule] = &[
    &input::invalid_yaml::InvalidYaml,
    &input::invalid_object::InvalidObject,
    &ports::port_name_without_protocol::PortNameWithoutProtocol,
    &ports::conflicting_port_protocols::ConflictingPortProtocols,
    &ports::catch_all_tcp_listener::CatchAllTcpListener,
    &ports::listener_conflict::ListenerConflict,
    &ports::shared_tcp_port::SharedTcpPort,
    &hosts::short_hostname::ShortHostname,
    &hosts::partial_hostname::PartialHostname,
    &hosts::host_resolves_elsewhere::HostResolvesElsewhere,
    &hosts::unknown_host::UnknownHost,
    &hosts::ip_address_host::IpAddressHost,
    &hosts::destination_port_required::DestinationPortRequired,
    &hosts::unknown_subset::UnknownSubset,
    &lifecycle::hold_until_proxy_missing::HoldUntilProxyMissing,
    &lifecycle::misplaced_annotation::MisplacedAnnotation,
    &lifecycle::invalid_istio_annotation::InvalidIstioAnnotation,
    &lifecycle::probe_rewrite_disabled::ProbeRewriteDisabled,
    &lifecycle::reserved_port::ReservedPort,
    &lifecycle::job_never_completes::JobNeverCompletes,
    &lifecycle::proxy_uid_conflict::ProxyUidConflict,
    &lifecycle::unknown_istio_annotation::UnknownIstioAnnotation,
    &lifecycle::injection_conflict::InjectionConflict,
    &lifecycle::privileged_proxy::PrivilegedProxy,
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
