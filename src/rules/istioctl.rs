//! Parity with `istioctl analyze`: for every message code istioctl can print, whether mesh-lint
//! covers it (the rules declare it in `istioctl: [...]`), leaves it out because it describes a
//! live cluster, or does not cover it yet. The README's parity table is generated from here and
//! a test keeps the three lists and the rules' declarations consistent.

use super::RuleMeta;

/// A code some rule covers, and what mesh-lint does better or differently.
pub struct Covered {
    pub code: &'static str,
    pub name: &'static str,
    pub differs: &'static str,
}

/// A code mesh-lint does not check, and why.
pub struct Uncovered {
    pub code: &'static str,
    pub name: &'static str,
    pub why: &'static str,
}

pub const COVERED: &[Covered] = &[
    Covered {
        code: "IST0002",
        name: "Deprecated",
        differs: "Lightstep and OpenCensus tracing providers (MESH714), version-aware: an error from the release whose istiod stopped configuring them (1.27, 1.23), a warning while only deprecated",
    },
    Covered {
        code: "IST0101",
        name: "ReferencedResourceNotFound",
        differs: "Destination hosts resolved as pilot does (short names in the rule's namespace, exportTo, Istio's own Services per installed piece); unplaced objects satisfy short hosts; subsets checked against every DestinationRule in Istio's lookup order",
    },
    Covered {
        code: "IST0107",
        name: "MisplacedAnnotation",
        differs: "Also reads Jobs, CronJobs, StatefulSets and DaemonSets; the fix moves the annotation onto the pod template",
    },
    Covered {
        code: "IST0108",
        name: "UnknownAnnotation",
        differs: "Names the nearest known annotation; the catalogue is generated from istio/api",
    },
    Covered {
        code: "IST0110",
        name: "ConflictingSidecarWorkloadSelectors",
        differs: "Two Sidecars are reported only when a workload in the inputs is selected by both; copies of one object never conflict",
    },
    Covered {
        code: "IST0111",
        name: "MultipleSidecarsWithoutWorkloadSelectors",
        differs: "Points at both Sidecars' positions",
    },
    Covered {
        code: "IST0112",
        name: "VirtualServiceDestinationPortSelectorRequired",
        differs: "Lists the Service's ports and offers them as the fix",
    },
    Covered {
        code: "IST0116",
        name: "DeploymentAssociatedToMultipleServices",
        differs: "Reports the Service port to change, resolving named targetPorts through the pod template, with the workload named",
    },
    Covered {
        code: "IST0118",
        name: "PortNameIsNotUnderNamingConvention",
        differs: "Severity follows what Istio will do (error when sniffing breaks a server-first protocol); appProtocol and evident names are honoured; a fix names the port",
    },
    Covered {
        code: "IST0123",
        name: "NamespaceMultipleInjectionLabels",
        differs: "Also namespace-vs-pod and annotation contradictions, with which one wins",
    },
    Covered {
        code: "IST0125",
        name: "InvalidAnnotation",
        differs: "Checks values against each annotation's type, ProxyConfig included",
    },
    Covered {
        code: "IST0134",
        name: "ServiceEntryAddressesRequired",
        differs: "Follows pilot: `resolution: NONE` without addresses is passthrough (ORIGINAL_DST), reported only when a targetPort or DestinationRule changes the traffic; victims found by targetPort across the mesh",
    },
    Covered {
        code: "IST0135",
        name: "DeprecatedAnnotation",
        differs: "Reported as info with the replacement",
    },
    Covered {
        code: "IST0137",
        name: "DeploymentConflictingPorts",
        differs: "Same as IST0116, on the targetPort level",
    },
    Covered {
        code: "IST0144",
        name: "InvalidApplicationUID",
        differs: "Also GID 1337 and init containers, at the field's position",
    },
    Covered {
        code: "IST0150",
        name: "ExternalNameServiceTypeInvalidPortName",
        differs: "Version-aware: ExternalName is a DNS alias from Istio 1.21, a catch-all listener before",
    },
    Covered {
        code: "IST0151",
        name: "EnvoyFilterUsesRelativeOperation",
        differs: "Reports relative patches whose target is not there: none named (REPLACE/REMOVE skipped), HTTP filters outside the connection manager, or a filter another EnvoyFilter adds later or in creation order (priorities and root-namespace order compared); a relative patch on a filter istiod generates (the router) is not reported",
    },
    Covered {
        code: "IST0152",
        name: "EnvoyFilterUsesReplaceOperationIncorrectly",
        differs: "Follows istiod's patch code per version: REPLACE is also valid on LISTENER_FILTER, and on VIRTUAL_HOST only from 1.14",
    },
    Covered {
        code: "IST0153",
        name: "EnvoyFilterUsesAddOperationIncorrectly",
        differs: "ADD on HTTP_ROUTE is applied (istiod since 1.8) and not reported; INSERT_* counted as the ADD istiod runs; BOOTSTRAP patches reported as ignored from 1.21",
    },
    Covered {
        code: "IST0154",
        name: "EnvoyFilterUsesRemoveOperationIncorrectly",
        differs: "REMOVE on HTTP_ROUTE is applied by istiod and not reported",
    },
    Covered {
        code: "IST0155",
        name: "EnvoyFilterUsesRelativeOperationWithProxyVersion",
        differs: "Reports the patches whose `proxyVersion` matches no proxy of the mesh's Istio version (the upgrade hazard IST0155 warns about, when it has happened), whatever the operation",
    },
    Covered {
        code: "IST0157",
        name: "InvalidTelemetryProvider",
        differs: "Follows istiod's merge: an entry without providers inherits the previous entry's or the default ones; its `filter` is never used (1.15+), which istioctl misses when MeshConfig names a default provider; unknown provider names checked by MESH712 when MeshConfig is known",
    },
    Covered {
        code: "IST0159",
        name: "ConflictingTelemetryWorkloadSelectors",
        differs: "Workloads from pod templates (not only Pods) with a proxy; two Telemetries conflict only when both set the same section; copies of one object never conflict",
    },
    Covered {
        code: "IST0160",
        name: "MultipleTelemetriesWithoutWorkloadSelectors",
        differs: "`selector: {}` counts as namespace-wide, as istiod treats it; points at both Telemetries",
    },
    Covered {
        code: "IST0167",
        name: "IneffectivePolicy",
        differs: "Sidecars in ambient namespaces (MESH204)",
    },
    Covered {
        code: "IST0174",
        name: "UnknownDestinationRuleHost",
        differs: "Hosts resolved with exportTo and ServiceEntries; unplaced objects are not errors",
    },
];

/// Codes that need a live cluster or describe the tool itself.
pub const OUT_OF_SCOPE: &[Uncovered] = &[
    Uncovered {
        code: "IST0001",
        name: "InternalError",
        why: "istioctl's own failures; mesh-lint reports its own as a crash report (exit 2)",
    },
    Uncovered {
        code: "IST0103",
        name: "PodMissingProxy",
        why: "running pods: whether a proxy was injected is known only in the cluster",
    },
    Uncovered {
        code: "IST0106",
        name: "SchemaValidationError",
        why: "full CRD schema validation is kubeconform's job; mesh-lint validates the fields its rules read (MESH002)",
    },
    Uncovered {
        code: "IST0133",
        name: "SchemaWarning",
        why: "as IST0106",
    },
    Uncovered {
        code: "IST0139",
        name: "InvalidWebhook",
        why: "the installed webhook configurations and control-plane Services of a cluster",
    },
    Uncovered {
        code: "IST0141",
        name: "InsufficientPermissions",
        why: "the caller's RBAC permissions in a cluster",
    },
    Uncovered {
        code: "IST0142",
        name: "UnsupportedKubernetesVersion",
        why: "the cluster's Kubernetes version",
    },
    Uncovered {
        code: "IST0143",
        name: "LocalhostListener",
        why: "the sockets a running application listens on",
    },
    Uncovered {
        code: "IST0156",
        name: "UnsupportedGatewayAPIVersion",
        why: "the Gateway API CRDs installed in the cluster",
    },
    Uncovered {
        code: "IST0158",
        name: "PodsIstioProxyImageMismatchInNamespace",
        why: "the proxy images of running pods",
    },
    Uncovered {
        code: "IST0163",
        name: "InvalidExternalControlPlaneConfig",
        why: "the webhook configuration of an external control plane in the cluster",
    },
    Uncovered {
        code: "IST0164",
        name: "ExternalControlPlaneAddressIsNotAHostname",
        why: "as IST0163",
    },
    Uncovered {
        code: "IST0168",
        name: "UnknownUpgradeCompatibility",
        why: "istioctl's upgrade precheck against a running control plane",
    },
    Uncovered {
        code: "IST0169",
        name: "UpdateIncompatibility",
        why: "as IST0168",
    },
    Uncovered {
        code: "IST0170",
        name: "MultiClusterInconsistentService",
        why: "Services as they exist in several clusters at once",
    },
    Uncovered {
        code: "IST0171",
        name: "NegativeConditionStatus",
        why: "status conditions written by controllers in a cluster; manifests carry no status",
    },
    Uncovered {
        code: "IST0172",
        name: "FutureUnsupportedGatewayAPIVersion",
        why: "as IST0156",
    },
    Uncovered {
        code: "IST0175",
        name: "JwksUriFetchUnrestricted",
        why: "istiod's environment (BLOCKED_CIDRS_IN_JWKS_URIS) in the running deployment",
    },
    Uncovered {
        code: "IST0176",
        name: "GatewayAPICRDVersionBelowMinimum",
        why: "as IST0156",
    },
];

/// Codes that can be checked offline and have no rule yet.
pub const NOT_YET: &[Uncovered] = &[
    Uncovered {
        code: "IST0102",
        name: "NamespaceNotInjected",
        why: "",
    },
    Uncovered {
        code: "IST0109",
        name: "ConflictingMeshGatewayVirtualServiceHosts",
        why: "",
    },
    Uncovered {
        code: "IST0126",
        name: "UnknownMeshNetworksServiceRegistry",
        why: "",
    },
    Uncovered {
        code: "IST0127",
        name: "NoMatchingWorkloadsFound",
        why: "",
    },
    Uncovered {
        code: "IST0128",
        name: "NoServerCertificateVerificationDestinationLevel",
        why: "",
    },
    Uncovered {
        code: "IST0129",
        name: "NoServerCertificateVerificationPortLevel",
        why: "",
    },
    Uncovered {
        code: "IST0130",
        name: "VirtualServiceUnreachableRule",
        why: "",
    },
    Uncovered {
        code: "IST0131",
        name: "VirtualServiceIneffectiveMatch",
        why: "",
    },
    Uncovered {
        code: "IST0132",
        name: "VirtualServiceHostNotFoundInGateway",
        why: "",
    },
    Uncovered {
        code: "IST0136",
        name: "AlphaAnnotation",
        why: "",
    },
    Uncovered {
        code: "IST0138",
        name: "GatewayDuplicateCertificate",
        why: "",
    },
    Uncovered {
        code: "IST0140",
        name: "IngressRouteRulesNotAffected",
        why: "",
    },
    Uncovered {
        code: "IST0145",
        name: "ConflictingGateways",
        why: "",
    },
    Uncovered {
        code: "IST0146",
        name: "ImageAutoWithoutInjectionWarning",
        why: "",
    },
    Uncovered {
        code: "IST0147",
        name: "ImageAutoWithoutInjectionError",
        why: "",
    },
    Uncovered {
        code: "IST0148",
        name: "NamespaceInjectionEnabledByDefault",
        why: "",
    },
    Uncovered {
        code: "IST0149",
        name: "JwtClaimBasedRoutingWithoutRequestAuthN",
        why: "",
    },
    Uncovered {
        code: "IST0161",
        name: "InvalidGatewayCredential",
        why: "",
    },
    Uncovered {
        code: "IST0162",
        name: "GatewayPortNotDefinedOnService",
        why: "",
    },
    Uncovered {
        code: "IST0165",
        name: "ReferencedInternalGateway",
        why: "",
    },
    Uncovered {
        code: "IST0166",
        name: "IneffectiveSelector",
        why: "",
    },
    Uncovered {
        code: "IST0173",
        name: "DestinationRuleSubsetNotSelectPods",
        why: "",
    },
    Uncovered {
        code: "IST0177",
        name: "ConflictingServiceEntryProtocol",
        why: "",
    },
];

/// The rules that declare `code`, in catalogue order.
pub fn rules_for<'m>(metas: &[&'m RuleMeta], code: &str) -> Vec<&'m str> {
    metas
        .iter()
        .filter(|m| m.istioctl.contains(&code))
        .map(|m| m.code)
        .collect()
}

/// The README's parity table: every istioctl code, in code order, with mesh-lint's rules and
/// what differs, or why there is no rule.
pub fn markdown(metas: &[&RuleMeta]) -> String {
    let mut rows: Vec<(&str, String)> = Vec::new();
    for c in COVERED {
        let rules = rules_for(metas, c.code).join(", ");
        rows.push((
            c.code,
            format!("| {} {} | {rules} | {} |", c.code, c.name, c.differs),
        ));
    }
    for c in OUT_OF_SCOPE {
        rows.push((
            c.code,
            format!("| {} {} | out of scope | {} |", c.code, c.name, c.why),
        ));
    }
    for c in NOT_YET {
        let why = if c.why.is_empty() { "" } else { c.why };
        rows.push((
            c.code,
            format!("| {} {} | not yet | {why} |", c.code, c.name),
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::from(
        "| istioctl code | mesh-lint | what mesh-lint does better or differently |\n|---|---|---|\n",
    );
    for (_, row) in rows {
        out += &row;
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn lists_agree_with_the_rules() {
        let metas = crate::rules::metas();
        let declared: BTreeSet<&str> = metas.iter().flat_map(|m| m.istioctl).copied().collect();
        let covered: BTreeSet<&str> = COVERED.iter().map(|c| c.code).collect();
        assert_eq!(
            declared, covered,
            "COVERED must list exactly the codes rules declare"
        );
        let mut all: Vec<&str> = COVERED
            .iter()
            .map(|c| c.code)
            .chain(OUT_OF_SCOPE.iter().map(|c| c.code))
            .chain(NOT_YET.iter().map(|c| c.code))
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a code is in two lists");
        for c in OUT_OF_SCOPE {
            assert!(!c.why.is_empty(), "{}: say why", c.code);
        }
    }
}
