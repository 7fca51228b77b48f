//! Istio's protocol selection for Kubernetes Service ports (`ConvertProtocol`, §1.1–1.2).

use super::IstioVersion;
use crate::model::ServicePortView;

/// What Istio decides a port carries (`protocol.Instance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Grpc,
    GrpcWeb,
    Http,
    HttpProxy,
    Http2,
    Https,
    Tls,
    Mongo,
    Redis,
    Mysql,
    /// Unrecognised: the sidecar sniffs the first bytes ("auto").
    Unsupported,
}

/// The listener class a protocol gets (`ModelProtocolToListenerProtocol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListenerClass {
    Http,
    Tcp,
    /// Both a TCP and an HTTP chain behind protocol detection.
    Sniffed,
    /// UDP: no listener at all.
    None,
}

impl Protocol {
    /// `protocol.Parse`: exact, case-insensitive.
    pub fn parse(name: &str) -> Protocol {
        // Case-insensitive without a lowercased copy: every port of every Service comes here.
        const NAMES: [(&str, Protocol); 12] = [
            ("tcp", Protocol::Tcp),
            ("udp", Protocol::Udp),
            ("grpc", Protocol::Grpc),
            ("grpc-web", Protocol::GrpcWeb),
            ("http", Protocol::Http),
            ("http_proxy", Protocol::HttpProxy),
            ("http2", Protocol::Http2),
            ("https", Protocol::Https),
            ("tls", Protocol::Tls),
            ("mongo", Protocol::Mongo),
            ("redis", Protocol::Redis),
            ("mysql", Protocol::Mysql),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(Protocol::Unsupported, |&(_, p)| p)
    }

    pub fn listener_class(self) -> ListenerClass {
        match self {
            Protocol::Http
            | Protocol::Http2
            | Protocol::HttpProxy
            | Protocol::Grpc
            | Protocol::GrpcWeb => ListenerClass::Http,
            Protocol::Tcp
            | Protocol::Https
            | Protocol::Tls
            | Protocol::Mongo
            | Protocol::Redis
            | Protocol::Mysql => ListenerClass::Tcp,
            Protocol::Udp => ListenerClass::None,
            Protocol::Unsupported => ListenerClass::Sniffed,
        }
    }

    /// The name Istio's docs use, as a port-name prefix or `appProtocol` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Grpc => "grpc",
            Protocol::GrpcWeb => "grpc-web",
            Protocol::Http => "http",
            Protocol::HttpProxy => "http_proxy",
            Protocol::Http2 => "http2",
            Protocol::Https => "https",
            Protocol::Tls => "tls",
            Protocol::Mongo => "mongo",
            Protocol::Redis => "redis",
            Protocol::Mysql => "mysql",
            Protocol::Unsupported => "unknown",
        }
    }
}

/// Ports Istio treats as TCP when their name says nothing (server-first protocols).
pub const WELL_KNOWN_TCP_PORTS: [i32; 4] = [25, 53, 3306, 27017];

/// The inputs of `ConvertProtocol` for one Service port.
#[derive(Clone, Copy, Debug)]
pub struct PortSpec<'a> {
    pub port: i32,
    pub name: Option<&'a str>,
    /// The L4 protocol (`TCP` when unset).
    pub l4: Option<&'a str>,
    pub app_protocol: Option<&'a str>,
}

impl<'a> PortSpec<'a> {
    /// The inputs of `ConvertProtocol` for a Kubernetes Service port.
    pub fn of(port: &'a ServicePortView<'a>) -> PortSpec<'a> {
        PortSpec {
            port: port.port,
            name: port.name,
            l4: port.protocol,
            app_protocol: port.app_protocol,
        }
    }
}

/// `ConvertProtocol` as of `version` (the `kubernetes.io/*` values arrived in 1.19 and 1.24).
pub fn convert_protocol(spec: PortSpec<'_>, version: IstioVersion) -> Protocol {
    if spec.l4 == Some("UDP") {
        return Protocol::Udp;
    }
    let name = match spec.app_protocol {
        Some(app) => app,
        None => spec.name.unwrap_or(""),
    };
    if spec.app_protocol.is_some() {
        match name {
            "kubernetes.io/h2c" if version.at_least(1, 19) => return Protocol::Http2,
            "kubernetes.io/ws" if version.at_least(1, 24) => return Protocol::Http,
            "kubernetes.io/wss" if version.at_least(1, 24) => return Protocol::Https,
            _ => {}
        }
    }
    if name.len() >= 8 && name.is_char_boundary(8) && name[..8].eq_ignore_ascii_case("grpc-web") {
        return Protocol::GrpcWeb;
    }
    let prefix = name.split('-').next().unwrap_or("");
    let parsed = Protocol::parse(prefix);
    if parsed == Protocol::Unsupported && WELL_KNOWN_TCP_PORTS.contains(&spec.port) {
        return Protocol::Tcp;
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(port: i32, name: Option<&str>, app: Option<&str>, v: (u32, u32)) -> Protocol {
        convert_protocol(
            PortSpec {
                port,
                name,
                l4: None,
                app_protocol: app,
            },
            IstioVersion::new(v.0, v.1),
        )
    }

    /// `protocol.Parse`: every name Istio knows, in any case; anything else is unsupported.
    #[test]
    fn parses_every_protocol_name() {
        let names = [
            ("tcp", Protocol::Tcp),
            ("udp", Protocol::Udp),
            ("grpc", Protocol::Grpc),
            ("grpc-web", Protocol::GrpcWeb),
            ("http", Protocol::Http),
            ("http_proxy", Protocol::HttpProxy),
            ("http2", Protocol::Http2),
            ("https", Protocol::Https),
            ("tls", Protocol::Tls),
            ("mongo", Protocol::Mongo),
            ("redis", Protocol::Redis),
            ("mysql", Protocol::Mysql),
        ];
        for (name, protocol) in names {
            assert_eq!(Protocol::parse(name), protocol, "{name}");
            assert_eq!(Protocol::parse(&name.to_uppercase()), protocol, "{name}");
        }
        for name in ["", "h2c", "sctp", "http-web", "grpcweb", "thrift"] {
            assert_eq!(Protocol::parse(name), Protocol::Unsupported, "{name}");
        }
    }

    #[test]
    fn follows_convert_protocol() {
        let latest = (1, 30);
        assert_eq!(conv(80, Some("http-web"), None, latest), Protocol::Http);
        assert_eq!(conv(80, Some("web"), None, latest), Protocol::Unsupported);
        assert_eq!(conv(80, Some("HTTP"), None, latest), Protocol::Http);
        assert_eq!(conv(80, Some("http-"), None, latest), Protocol::Http);
        assert_eq!(conv(80, Some("-http"), None, latest), Protocol::Unsupported);
        assert_eq!(
            conv(80, Some("http2foo"), None, latest),
            Protocol::Unsupported
        );
        assert_eq!(
            conv(80, Some("grpc-webfoo"), None, latest),
            Protocol::GrpcWeb
        );
        assert_eq!(
            conv(80, Some("GRPC-WEBSOCKET"), None, latest),
            Protocol::GrpcWeb
        );
        assert_eq!(
            conv(80, Some("http-web"), Some("foo.com/bar"), latest),
            Protocol::Unsupported
        );
        assert_eq!(conv(80, None, Some("http-foo"), latest), Protocol::Http);
        assert_eq!(conv(3306, None, None, latest), Protocol::Tcp);
        assert_eq!(conv(3306, Some("http"), None, latest), Protocol::Http);
        assert_eq!(conv(3307, None, None, latest), Protocol::Unsupported);
    }

    #[test]
    fn kubernetes_app_protocols_depend_on_version() {
        assert_eq!(
            conv(80, None, Some("kubernetes.io/h2c"), (1, 18)),
            Protocol::Unsupported
        );
        assert_eq!(
            conv(80, None, Some("kubernetes.io/h2c"), (1, 19)),
            Protocol::Http2
        );
        assert_eq!(
            conv(80, None, Some("kubernetes.io/ws"), (1, 23)),
            Protocol::Unsupported
        );
        assert_eq!(
            conv(80, None, Some("kubernetes.io/ws"), (1, 24)),
            Protocol::Http
        );
        assert_eq!(
            conv(443, None, Some("kubernetes.io/wss"), (1, 24)),
            Protocol::Https
        );
        assert_eq!(
            conv(443, None, Some("kubernetes.io/wss"), (1, 23)),
            Protocol::Unsupported
        );
    }

    #[test]
    fn udp_short_circuits() {
        let spec = PortSpec {
            port: 53,
            name: Some("http"),
            l4: Some("UDP"),
            app_protocol: None,
        };
        assert_eq!(convert_protocol(spec, IstioVersion::LATEST), Protocol::Udp);
        let sctp = PortSpec {
            port: 80,
            name: Some("http"),
            l4: Some("SCTP"),
            app_protocol: None,
        };
        assert_eq!(convert_protocol(sctp, IstioVersion::LATEST), Protocol::Http);
    }
}
