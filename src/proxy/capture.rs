//! Whether `istio-iptables` redirects an outbound connection to the sidecar's port 15001
//! (tools/istio-iptables: the `ISTIO_OUTPUT` chain returns early for traffic of the proxy's
//! own UID/GID 1337, for `excludeOutboundPorts`, and for destinations in
//! `excludeOutboundIPRanges` or outside `includeOutboundIPRanges`; `includeOutboundPorts`
//! captures a port whatever its address). The annotations are read from the pod template.

use crate::model::Workload;
use std::net::IpAddr;

/// The proxy's UID and GID; iptables never captures their traffic.
pub const PROXY_UID: i64 = 1337;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    Captured(String),
    /// Not captured: the connection leaves the pod directly, as dialled.
    Bypassed(String),
}

fn annotation<'w>(w: Option<&'w Workload<'_>>, key: &str) -> Option<&'w str> {
    w?.annotation(key)
}

fn list(v: Option<&str>) -> Vec<&str> {
    v.map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Whether `ip` lies in `cidr` (a CIDR or a single address).
pub fn in_cidr(ip: IpAddr, cidr: &str) -> bool {
    if cidr == "*" {
        return true;
    }
    let (net, bits) = cidr.split_once('/').unwrap_or((cidr, ""));
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    let (a, b, max): (u128, u128, u32) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a).into(), u32::from(b).into(), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.into(), b.into(), 128),
        _ => return false,
    };
    let bits: u32 = if bits.is_empty() {
        max
    } else {
        bits.parse().unwrap_or(max)
    }
    .min(max);
    if bits == 0 {
        return true;
    }
    let shift = max - bits;
    (a >> shift) == (b >> shift)
}

/// The UID a container runs as, from its securityContext or the pod's.
fn runs_as_proxy(w: &Workload<'_>) -> Option<String> {
    let (pod_uid, pod_gid) = (w.pod_run_as_user, w.pod_run_as_group);
    w.containers.iter().find_map(|c| {
        let uid = c.run_as_user.or(pod_uid);
        let gid = c.run_as_group.or(pod_gid);
        (uid == Some(PROXY_UID) || gid == Some(PROXY_UID)).then(|| c.name.to_owned())
    })
}

/// Whether a connection from `w`'s pods to `ip` (when known) on `port` is captured.
pub fn outbound(w: Option<&Workload<'_>>, ip: Option<IpAddr>, port: i32) -> Capture {
    if let Some(c) = w.and_then(runs_as_proxy) {
        return Capture::Bypassed(format!(
            "container `{c}` runs as UID/GID {PROXY_UID}, the proxy's own: iptables returns its \
             traffic unredirected (`-m owner --uid-owner 1337 -j RETURN`)"
        ));
    }
    let port_s = port.to_string();
    let key = "traffic.sidecar.istio.io/excludeOutboundPorts";
    if list(annotation(w, key)).contains(&port_s.as_str()) {
        return Capture::Bypassed(format!("port {port} is in `{key}`"));
    }
    let include_ports = "traffic.sidecar.istio.io/includeOutboundPorts";
    if list(annotation(w, include_ports)).contains(&port_s.as_str()) {
        return Capture::Captured(format!("port {port} is in `{include_ports}`"));
    }
    let exclude = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
    let include = "traffic.sidecar.istio.io/includeOutboundIPRanges";
    let excluded = list(annotation(w, exclude));
    let included = annotation(w, include).map(|v| list(Some(v)));
    let Some(ip) = ip else {
        if !excluded.is_empty() || included.is_some() {
            return Capture::Captured(format!(
                "captured unless the cluster assigns the destination an address in `{exclude}` \
                 or outside `{include}` (the address is not in the manifests)"
            ));
        }
        return Capture::Captured(
            "no exclusion annotation: every outbound TCP connection is redirected to 15001".into(),
        );
    };
    if let Some(c) = excluded.iter().find(|c| in_cidr(ip, c)) {
        return Capture::Bypassed(format!("{ip} is in `{c}` of `{exclude}`"));
    }
    if let Some(inc) = included {
        if !inc.iter().any(|c| in_cidr(ip, c)) {
            return Capture::Bypassed(format!("{ip} is outside `{include}`"));
        }
    }
    Capture::Captured(format!("{ip}:{port} is not excluded: redirected to 15001"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(in_cidr(ip, "10.0.0.0/8"));
        assert!(in_cidr(ip, "10.1.2.3"));
        assert!(!in_cidr(ip, "10.1.2.4/32"));
        assert!(in_cidr(ip, "0.0.0.0/0"));
        assert!(!in_cidr(ip, "192.168.0.0/16"));
        assert!(!in_cidr(ip, "::/0"));
    }
}
