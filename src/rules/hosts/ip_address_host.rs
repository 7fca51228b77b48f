use crate::diagnostic::{Diagnostic, Findings};
use crate::model::host_refs::{HostField, HostRef};
use crate::model::hosts::{classify, HostForm};
use crate::rules::{Checker, Model, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an IP address (or CIDR) where a host name belongs: VirtualService `hosts` and
    /// route, mirror and mirrors destinations, DestinationRule `host`, ServiceEntry `hosts`.
    /// The `hosts` of a VirtualService bound only to gateways are left alone: a gateway
    /// matches them against what clients send, and an IP can be exactly that.
    ///
    /// ## Why is this bad?
    /// Istio routes by name: Services are known as `name.namespace.svc.<domain>`, ServiceEntry
    /// hosts by their names. An IP in these fields is used literally (`ResolveShortnameToFQDN` returns IPs unchanged), so it matches no
    /// Service, bypasses the per-host policies written for the name, and breaks as soon as the
    /// address changes (pod and ClusterIP addresses are not stable). ServiceEntry addresses
    /// belong in `addresses`, with a name in `hosts`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1
    /// kind: ServiceEntry
    /// metadata:
    ///   name: legacy-db
    ///   namespace: shop
    /// spec:
    ///   hosts: ["10.0.12.7"]
    ///   ports: [{number: 5432, name: tcp-postgres, protocol: TCP}]
    ///   resolution: STATIC
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// spec:
    ///   hosts: [legacy-db.shop.example.internal]
    ///   addresses: ["10.0.12.7"]
    ///   endpoints: [{address: 10.0.12.7}]
    /// ```
    ///
    /// ## Fix safety
    /// No fix: the right name is not in the manifests.
    ///
    /// ## References
    /// - Istio source: `pilot/pkg/model/config.go` ResolveShortnameToFQDN (IP addresses are returned unchanged)
    /// - [Istio: ServiceEntry `hosts` and `addresses`](https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry)
    pub static META = {
        code: "MESH305",
        name: "ip-address-host",
        area: "hosts",
        severity: Warning,
        fix: None,
        fix_kinds: "",
        subject: Object,
        istioctl: [],
        summary: "An IP address where a host name belongs",
    };
}

pub struct IpAddressHost;

impl Rule for IpAddressHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn models(&self) -> &'static [Model] {
        &[Model::HostRefs, Model::Routing]
    }

    fn check(&self, ck: &Checker<'_, '_>, out: &mut Findings) {
        for r in ck.host_refs() {
            // A gateway VirtualService matches what clients send; an IP can be exactly that.
            if classify(r.host) == HostForm::Ip && !super::is_gateway_host(ck, r) {
                out.push(report(ck, r));
            }
        }
    }
}

fn report(ck: &Checker<'_, '_>, r: &HostRef<'_>) -> Diagnostic {
    let mut d = ck.diagnostic(
        &META,
        r.object,
        r.node.span(),
        format!("{} `{}` is an IP address, not a host name", r.field, r.host),
    );
    d.primary.message = "IP address".into();
    d.notes.push(
        "Istio routes by name and uses an IP here literally: it matches no Kubernetes Service, skips the policies written for the Service's name, and breaks when the address changes"
            .into(),
    );
    d.help = Some(match r.field {
        HostField::ServiceEntryHost => {
            "give the ServiceEntry a name in `hosts` and put the address in `addresses` (and `endpoints` for STATIC resolution)".into()
        }
        _ => "use the host name of the Service or ServiceEntry (`name.namespace.svc.<domain>` for a Service)".into(),
    });
    d
}
