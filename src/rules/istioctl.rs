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
        differs: "Every deprecated VirtualService and DestinationRule field, as info with a safe rewrite while pilot still reads it, as a warning once it is ignored (`consecutiveErrors`); objects and CRDs of removed APIs (RBAC v1alpha1, authentication Policy, Mixer: MESH413); Sidecar `egressProxy` only where pilot ignores it (mode not ALLOW_ANY); Lightstep and OpenCensus tracing providers (MESH714), version-aware: an error from the release whose istiod stopped configuring them (1.27, 1.23), a warning while only deprecated",
    },
    Covered {
        code: "IST0101",
        name: "ReferencedResourceNotFound",
        differs: "Destination hosts resolved as pilot does (short names in the rule's namespace, exportTo, Istio's own Services per installed piece); unplaced objects satisfy short hosts; subsets checked against every DestinationRule in Istio's lookup order; Gateway selectors, credentialNames and VirtualService gateways (MESH503, MESH504, MESH507), Sidecar and Telemetry selectors and AuthorizationPolicy source namespaces (MESH601, MESH602) judged where the inputs show what was meant, or everywhere with `--complete-inputs`",
    },
    Covered {
        code: "IST0102",
        name: "NamespaceNotInjected",
        differs: "Only Namespaces in the inputs, not system or root, reported only when the inputs show it is meant for the mesh (namespaces beside it labelled, Istio config for its proxies, sidecar annotations on its workloads) and not when its workloads all decide injection themselves; names the workloads left without a sidecar",
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
        code: "IST0109",
        name: "ConflictingMeshGatewayVirtualServiceHosts",
        differs: "Ranks VirtualServices per proxy namespace as istiod does (private, exported by name, public): equal ranks are an error (creation order decides), different ranks a warning naming which one wins; a wildcard and a narrower host are not a conflict (the most specific wins); VirtualServices merged on one gateway host whose routes overlap are MESH314 (istio-vet's check)",
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
        code: "IST0127",
        name: "NoMatchingWorkloadsFound",
        differs: "Pod templates, WorkloadEntries and Kubernetes Gateways count, not only Pods; also RequestAuthentication, PeerAuthentication (a root-namespace selector, which Istio ignores), EnvoyFilter; reported only when the inputs show what the selector meant (a typo, another version of the app, the same labels in another namespace of the same file), never for workloads kept in other manifests",
    },
    Covered {
        code: "IST0128",
        name: "NoServerCertificateVerificationDestinationLevel",
        differs: "Version-aware: up to 1.20 no verification; from 1.21 the OS CA bundle verifies public hosts, so only in-cluster hosts are reported; insecureSkipVerify honoured; credentialName without workloadSelector reported as what it is (sidecars get no TLS at all); subsets' traffic policies too",
    },
    Covered {
        code: "IST0129",
        name: "NoServerCertificateVerificationPortLevel",
        differs: "As IST0128, per port (also subsets' port-level settings)",
    },
    Covered {
        code: "IST0130",
        name: "VirtualServiceUnreachableRule",
        differs: "Compares matches condition by condition (a missing method is any method, regexes and header values are compared, sourceLabels and gateways honoured), so also rules whose matches are all narrower than earlier ones; points at the rule and the match that takes its requests",
    },
    Covered {
        code: "IST0131",
        name: "VirtualServiceIneffectiveMatch",
        differs: "Same comparison as MESH309; a match shadowed by an earlier rule is a warning, one redundant within its own rule info",
    },
    Covered {
        code: "IST0132",
        name: "VirtualServiceHostNotFoundInGateway",
        differs: "Also a host that none of the VirtualService's Gateways serves; `ns/host` server hosts admit only that namespace; a missing Gateway is reported once, by MESH507, which therefore also covers istioctl's IST0132 for it",
    },
    Covered {
        code: "IST0134",
        name: "ServiceEntryAddressesRequired",
        differs: "Follows pilot: `resolution: NONE` without addresses is passthrough (ORIGINAL_DST), reported only when a targetPort or DestinationRule changes the traffic; victims found by targetPort across the mesh",
    },
    Covered {
        code: "IST0135",
        name: "DeprecatedAnnotation",
        differs: "Info, on objects and every workload kind's pod template, not on pods nobody injects (except the injection switch itself); the legacy `sidecar.istio.io/inject` opt-in is MESH409's; names the replacement",
    },
    Covered {
        code: "IST0136",
        name: "AlphaAnnotation",
        differs: "Opt-in like istioctl's AlphaAnalyzer (which `analyze` leaves out): one info per object, on every workload kind's pod template; skips keys Istio writes itself (checking for real injection, not a missing `istio-init`), misplaced, deprecated, unknown and version-dropped keys, and pods nobody injects",
    },
    Covered {
        code: "IST0137",
        name: "DeploymentConflictingPorts",
        differs: "Same as IST0116, on the targetPort level",
    },
    Covered {
        code: "IST0138",
        name: "GatewayDuplicateCertificate",
        differs: "Judged per gateway pod and port, for servers that terminate HTTPS (the 404 comes from HTTP/2 connection reuse); every server after the first is reported, not only the Gateway with the smaller selector",
    },
    Covered {
        code: "IST0140",
        name: "IngressRouteRulesNotAffected",
        differs: "Hosts resolved in each VirtualService's namespace; names what the gateway skips (subsets, splits, retries, faults, mirroring, rewrites...), not only subsets; one finding per gateway route and service",
    },
    Covered {
        code: "IST0144",
        name: "InvalidApplicationUID",
        differs: "Also GID 1337 and init containers, at the field's position",
    },
    Covered {
        code: "IST0145",
        name: "ConflictingGateways",
        differs: "Replays pilot's mergeGateways per gateway pod: protocol clashes, second TCP servers and duplicate TLS hosts, with Service port translation and which server istiod keeps; HTTP servers sharing a host are not reported (pilot merges them)",
    },
    Covered {
        code: "IST0146",
        name: "ImageAutoWithoutInjectionWarning",
        differs: "Every workload kind, decided by mesh-lint's injection model (namespace and pod labels, injector policy, host network) instead of requiring the webhook configuration in the inputs; error, with a fix that labels the pod template for the `object.` webhook",
    },
    Covered {
        code: "IST0147",
        name: "ImageAutoWithoutInjectionError",
        differs: "A Pod manifest is judged like any workload (it is injected on creation if a webhook selects it); only a Pod exported from a cluster (status, uid) with `image: auto` is reported whatever its labels",
    },
    Covered {
        code: "IST0148",
        name: "NamespaceInjectionEnabledByDefault",
        differs: "Points at the `enableNamespacesByDefault` setting in the IstioOperator or injector ConfigMap, and names the workloads it injects",
    },
    Covered {
        code: "IST0149",
        name: "JwtClaimBasedRoutingWithoutRequestAuthN",
        differs: "Gateway proxies found among every workload kind; RequestAuthentications in the proxies' or root namespace; claim routing on sidecars (which istiod rejects) reported too; a warning when the inputs hold no RequestAuthentication at all",
    },
    Covered {
        code: "IST0150",
        name: "ExternalNameServiceTypeInvalidPortName",
        differs: "Version-aware: ExternalName is a DNS alias from Istio 1.21, a catch-all listener before",
    },
    Covered {
        code: "IST0151",
        name: "EnvoyFilterUsesRelativeOperation",
        differs: "Reports relative patches whose target is not there: none named (REPLACE/REMOVE skipped), HTTP filters outside the connection manager, or a filter another EnvoyFilter adds later or in creation order (priorities and root-namespace order compared); a relative patch on a filter istiod generates (the router) is not reported; a filter inserted after the router is MESH705, which Envoy rejects outright",
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
        code: "IST0161",
        name: "InvalidGatewayCredential",
        differs: "Also MUTUAL servers without a CA (`ca.crt` or `<name>-cacert`); the expiry date is named; Secrets created by cert-manager, SealedSecrets or ExternalSecrets are not judged",
    },
    Covered {
        code: "IST0162",
        name: "GatewayPortNotDefinedOnService",
        differs: "Without the gateway workloads in the inputs, Istio's installed gateways are assumed with the Service ports of every install profile; a workload without a Service in the inputs is not judged",
    },
    Covered {
        code: "IST0165",
        name: "ReferencedInternalGateway",
        differs: "Names the Gateway API Gateway and listener to route to with an HTTPRoute",
    },
    Covered {
        code: "IST0166",
        name: "IneffectiveSelector",
        differs: "Follows pilot: a waypoint ignores selectors (warning), other Gateway API gateways apply them while ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY is on, the default (info); also the pods Istio deploys for Gateways of the inputs; from Istio 1.20",
    },
    Covered {
        code: "IST0167",
        name: "IneffectivePolicy",
        differs: "Sidecars in ambient namespaces (MESH204)",
    },
    Covered {
        code: "IST0173",
        name: "DestinationRuleSubsetNotSelectPods",
        differs: "Only the endpoints of the host's own Service (istioctl matches Pods of every namespace); pod templates and WorkloadEntries; node topology and controller-added labels not compared; silent when the Service's workloads are not in the inputs",
    },
    Covered {
        code: "IST0174",
        name: "UnknownDestinationRuleHost",
        differs: "Hosts resolved with exportTo and ServiceEntries; unplaced objects are not errors",
    },
    Covered {
        code: "IST0177",
        name: "ConflictingServiceEntryProtocol",
        differs: "Protocols compared as Istio parses them (`http` = `HTTP`); exportTo `~` hides; says which ServiceEntry a namespace's proxies use when Istio's order decides it",
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
        why: "running pods: a Pod manifest gets its proxy when created, so only the cluster shows one that was created without it (before its namespace was labelled, or past a failing webhook)",
    },
    Uncovered {
        code: "IST0106",
        name: "SchemaValidationError",
        why: "full CRD schema validation is kubeconform's job; mesh-lint validates the fields its rules read (MESH002)",
    },
    Uncovered {
        code: "IST0126",
        name: "UnknownMeshNetworksServiceRegistry",
        why: "`meshNetworks` `fromRegistry` names cluster IDs: istiod's CLUSTER_ID and the remote clusters of the `istio/multiCluster` Secrets that `istioctl create-remote-secret` creates in the cluster, which repositories do not hold; offline every remote registry would look unknown",
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
pub const NOT_YET: &[Uncovered] = &[];

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
