use super::{
    extensions, gateways, hosts, input, lifecycle, ports, routing, scoping, security, Rule,
    RuleMeta,
};

/// Every rule, sorted by code.
static RULES: &[&dyn Rule] = &[
    &input::invalid_yaml::InvalidYaml,
    &input::invalid_object::InvalidObject,
    &input::underindented_quoted_scalar::UnderindentedQuotedScalar,
    &ports::port_name_without_protocol::PortNameWithoutProtocol,
    &ports::conflicting_port_protocols::ConflictingPortProtocols,
    &ports::catch_all_tcp_listener::CatchAllTcpListener,
    &ports::listener_conflict::ListenerConflict,
    &ports::shared_tcp_port::SharedTcpPort,
    &ports::conflicting_service_entry_protocols::ConflictingServiceEntryProtocols,
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
    &routing::conflicting_mesh_virtual_services::ConflictingMeshVirtualServices,
    &routing::unreachable_route::UnreachableRoute,
    &routing::redundant_route_match::RedundantRouteMatch,
    &routing::gateway_skips_mesh_routing::GatewaySkipsMeshRouting,
    &routing::jwt_claim_route_without_authn::JwtClaimRouteWithoutAuthn,
    &routing::conflicting_gateway_routes::ConflictingGatewayRoutes,
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
    &lifecycle::alpha_istio_annotation::AlphaIstioAnnotation,
    &lifecycle::deprecated_istio_config::DeprecatedIstioConfig,
    &lifecycle::removed_istio_api::RemovedIstioApi,
    &lifecycle::namespace_without_injection_label::NamespaceWithoutInjectionLabel,
    &lifecycle::image_auto_without_injection::ImageAutoWithoutInjection,
    &gateways::conflicting_servers::ConflictingServers,
    &gateways::port_not_exposed::PortNotExposed,
    &gateways::no_gateway_proxy::NoGatewayProxy,
    &gateways::unknown_credential::UnknownCredential,
    &gateways::invalid_credential::InvalidCredential,
    &gateways::duplicate_certificate::DuplicateCertificate,
    &gateways::unknown_gateway::UnknownGateway,
    &gateways::virtual_service_host::VirtualServiceHost,
    &gateways::internal_gateway_reference::InternalGatewayReference,
    &gateways::kubernetes_gateway_selector::KubernetesGatewaySelector,
    &gateways::ignored_credential::IgnoredCredential,
    &security::selector_matches_no_workload::SelectorMatchesNoWorkload,
    &security::unknown_source_namespace::UnknownSourceNamespace,
    &security::tls_without_ca_certificates::TlsWithoutCaCertificates,
    &security::subset_selects_no_pod::SubsetSelectsNoPod,
    &extensions::unsupported_patch_operation::UnsupportedPatchOperation,
    &extensions::relative_patch_target::RelativePatchTarget,
    &extensions::proxy_version_mismatch::ProxyVersionMismatch,
    &extensions::deprecated_filter_name::DeprecatedFilterName,
    &extensions::filter_after_terminal::FilterAfterTerminal,
    &extensions::telemetry_entry_without_provider::TelemetryEntryWithoutProvider,
    &extensions::unknown_telemetry_provider::UnknownTelemetryProvider,
    &extensions::conflicting_telemetries::ConflictingTelemetries,
    &extensions::deprecated_tracing_provider::DeprecatedTracingProvider,
];

pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

pub fn metas() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta()).collect()
}

/// A rule by code (`MESH101`) or name (`port-name-without-protocol`), case-insensitive.
pub fn find(key: &str) -> Option<&'static RuleMeta> {
    let key = key.trim();
    RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(key) || m.name.eq_ignore_ascii_case(key))
}

/// The error for a key that names no rule, with the nearest code or name when one is close
/// (as clap suggests subcommands): ``no rule `MESH10`; did you mean `MESH101`?``. Callers
/// add where the rules are listed.
pub fn not_a_rule(key: &str) -> String {
    let lower = key.trim().to_ascii_lowercase();
    // A code is compared by its digits: `MESH10` is one digit from `MESH101`, but `MESH999`
    // shares only the prefix with `MESH409` and gets no suggestion.
    if let Some(digits) = lower
        .strip_prefix("mesh")
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
    {
        let nearest = RULES
            .iter()
            .map(|r| r.meta().code)
            .filter(|code| strsim::osa_distance(digits, &code[4..]) <= 1)
            .min_by_key(|code| strsim::osa_distance(digits, &code[4..]));
        return match nearest {
            Some(code) => format!("no rule `{key}`; did you mean `{code}`?"),
            None => format!("no rule `{key}`"),
        };
    }
    let nearest = RULES
        .iter()
        .map(|r| r.meta())
        .flat_map(|m| [m.code, m.name])
        .map(|candidate| {
            (
                strsim::jaro(&lower, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .fold(None, |best: Option<(f64, &str)>, c| match best {
            Some(b) if b.0 >= c.0 => Some(b),
            _ => Some(c),
        });
    match nearest {
        Some((_, candidate)) => format!("no rule `{key}`; did you mean `{candidate}`?"),
        None => format!("no rule `{key}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::not_a_rule;

    #[test]
    fn codes_are_suggested_by_their_digits() {
        assert_eq!(
            not_a_rule("MESH10"),
            "no rule `MESH10`; did you mean `MESH101`?"
        );
        assert_eq!(
            not_a_rule("mesh4090"),
            "no rule `mesh4090`; did you mean `MESH409`?"
        );
        assert_eq!(not_a_rule("MESH999"), "no rule `MESH999`");
    }
}
