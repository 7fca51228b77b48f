//! What a port evidently carries, independent of its name: the target container's port name,
//! a well-known image listening on that port, or a well-known port number. Used to decide
//! whether a fix can name the protocol, and whether sniffing would stall a server-first protocol.

use crate::model::protocol::{convert_protocol, PortSpec, Protocol};
use crate::model::ServicePortView;
use crate::model::{ContainerView, IstioVersion, MeshIndex, ObjectRef, ServiceInfo};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use mesh_lint_kube::k8s_openapi;
use mesh_lint_yaml::Span;

/// A protocol the inputs show, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// The protocol to declare (`tcp` for opaque and server-first protocols).
    pub protocol: Protocol,
    /// The application protocol in words ("MySQL", "HTTP").
    pub what: &'static str,
    /// The server speaks first (MySQL, SMTP, NATS...): sniffing waits for client bytes forever.
    pub server_first: bool,
    /// Why we believe it, e.g. "container port `mysql` of Deployment db/mariadb".
    pub because: String,
    /// The workload object and node the evidence comes from, for a secondary label.
    pub at: Option<(ObjectRef, Span)>,
}

struct Known {
    protocol: Protocol,
    what: &'static str,
    server_first: bool,
}

const fn k(protocol: Protocol, what: &'static str, server_first: bool) -> Known {
    Known {
        protocol,
        what,
        server_first,
    }
}

/// Well-known default ports. Server-first ones are where sniffing stalls (§1.4).
fn known_port(port: i32) -> Option<Known> {
    use Protocol::{Http, Https, Tcp};
    Some(match port {
        21 => k(Tcp, "FTP", true),
        22 => k(Tcp, "SSH", true),
        80 => k(Http, "HTTP", false),
        110 => k(Tcp, "POP3", true),
        143 => k(Tcp, "IMAP", true),
        443 => k(Https, "TLS", false),
        587 | 2525 => k(Tcp, "SMTP", true),
        1883 => k(Tcp, "MQTT", false),
        2181 => k(Tcp, "ZooKeeper", false),
        // 3306 and 27017 are never sniffed as a Service port (Istio's well-known TCP ports),
        // but they are evidence as a target port behind an unnamed port.
        3306 | 3307 => k(Tcp, "MySQL", true),
        4222 => k(Tcp, "NATS", true),
        5432 => k(Tcp, "PostgreSQL", false),
        5672 => k(Tcp, "AMQP", false),
        5701 => k(Tcp, "Hazelcast", false),
        5900 => k(Tcp, "VNC", true),
        6379 => k(Tcp, "Redis", false),
        9042 => k(Tcp, "Cassandra", false),
        9092 => k(Tcp, "Kafka", false),
        11211 => k(Tcp, "Memcached", false),
        27017 => k(Tcp, "MongoDB", false),
        _ => return None,
    })
}

/// Images whose protocol on their default port is known. Matched on the image's last path
/// segment without tag, so `docker.io/bitnami/mariadb:11` is `mariadb`.
fn known_image(image: &str, port: i32) -> Option<Known> {
    use Protocol::{Grpc, Http, Tcp};
    let repo = image.rsplit('/').next().unwrap_or(image);
    let repo = repo.split(['@', ':']).next().unwrap_or(repo);
    Some(match (repo, port) {
        ("mysql" | "mariadb" | "percona" | "percona-server", 3306) => k(Tcp, "MySQL", true),
        ("postgres" | "postgresql" | "postgis", 5432) => k(Tcp, "PostgreSQL", false),
        ("redis" | "valkey" | "redis-stack-server", 6379) => k(Tcp, "Redis", false),
        ("memcached", 11211) => k(Tcp, "Memcached", false),
        ("mongo" | "mongodb", 27017) => k(Tcp, "MongoDB", false),
        ("nats", 4222) => k(Tcp, "NATS", true),
        ("zookeeper" | "cp-zookeeper", 2181) => k(Tcp, "ZooKeeper", false),
        ("kafka" | "cp-kafka" | "cp-server", 9092) => k(Tcp, "Kafka", false),
        ("hazelcast" | "hazelcast-enterprise", 5701) => k(Tcp, "Hazelcast", false),
        ("rabbitmq", 5672) => k(Tcp, "AMQP", false),
        ("rabbitmq", 15672) => k(Http, "HTTP", false),
        ("elasticsearch" | "opensearch", 9200) => k(Http, "HTTP", false),
        ("elasticsearch" | "opensearch", 9300) => k(Tcp, "Elasticsearch transport", false),
        ("cassandra", 9042) => k(Tcp, "Cassandra", false),
        ("etcd", 2379) => k(Grpc, "gRPC", false),
        ("postfix" | "exim" | "mailhog" | "mailpit", 25 | 587 | 1025 | 2525) => {
            k(Tcp, "SMTP", true)
        }
        ("nginx" | "httpd" | "caddy" | "traefik", 80 | 8080) => k(Http, "HTTP", false),
        ("prometheus", 9090) => k(Http, "HTTP", false),
        ("grafana", 3000) => k(Http, "HTTP", false),
        _ => return None,
    })
}

/// Container port names that name an application protocol Istio does not parse.
fn known_port_name(name: &str) -> Option<Known> {
    use Protocol::{Http, Tcp};
    let name = name.to_ascii_lowercase();
    let head = name.split('-').next().unwrap_or("");
    Some(match head {
        "mariadb" | "mysqlx" => k(Tcp, "MySQL", true),
        "smtp" | "smtps" | "submission" => k(Tcp, "SMTP", true),
        "nats" => k(Tcp, "NATS", true),
        "ftp" => k(Tcp, "FTP", true),
        "ssh" => k(Tcp, "SSH", true),
        "imap" | "pop3" => k(Tcp, "mail", true),
        "postgres" | "postgresql" | "pg" => k(Tcp, "PostgreSQL", false),
        "amqp" => k(Tcp, "AMQP", false),
        "kafka" | "broker" => k(Tcp, "Kafka", false),
        "zookeeper" | "zk" => k(Tcp, "ZooKeeper", false),
        "hazelcast" | "hz" => k(Tcp, "Hazelcast", false),
        "memcached" | "memcache" => k(Tcp, "Memcached", false),
        "web" | "metrics" | "prometheus" | "health" | "healthz" => k(Http, "HTTP", false),
        _ => return None,
    })
}

/// The evidence for `port` of `svc`, strongest first: the target container port's name, then
/// a well-known image on the target port, then the target or service port number.
pub fn for_port(
    index: &MeshIndex<'_>,
    svc: &ServiceInfo<'_>,
    port: &ServicePortView<'_>,
    version: IstioVersion,
) -> Option<Evidence> {
    let mut image_evidence = None;
    for w in index.selected_workloads(svc) {
        let containers = w.containers.iter();
        for (ci, c) in containers.enumerate() {
            let Some((cport_index, number, name)) = target_container_port(c, port) else {
                continue;
            };
            let at = container_port_span(w, ci, cport_index).map(|s| (w.object, s));
            let owner = index.objects[w.object].qualified_name();
            let kind = index.objects[w.object].kind;
            if let Some(name) = name {
                let spec = PortSpec {
                    port: number,
                    name: Some(name),
                    l4: None,
                    app_protocol: None,
                };
                let parsed = convert_protocol(spec, version);
                if parsed != Protocol::Unsupported {
                    let because = format!("container port `{name}` of {kind} {owner}");
                    // A protocol name says how to declare the port, not whether the server
                    // speaks first: `mysql` does, and so does a MySQL image behind `tcp-db`.
                    let image = c.image.and_then(|img| known_image(img, number));
                    if let Some(known) = image.filter(|k| k.server_first) {
                        let because = format!("{because}, image `{}`", c.image.unwrap_or(""));
                        return Some(evidence(known, because, at));
                    }
                    let (what, server_first) = match parsed {
                        Protocol::Mysql => ("MySQL", true),
                        p if p.listener_class() == crate::model::protocol::ListenerClass::Http => {
                            ("HTTP", false)
                        }
                        _ => ("TCP", false),
                    };
                    return Some(Evidence {
                        protocol: parsed,
                        what,
                        server_first,
                        because,
                        at,
                    });
                }
                if let Some(known) = known_port_name(name) {
                    let because = format!("container port `{name}` of {kind} {owner}");
                    return Some(evidence(known, because, at));
                }
            }
            if image_evidence.is_none() {
                if let Some(known) = c.image.and_then(|img| known_image(img, number)) {
                    let because = format!(
                        "image `{}` listens on {number} in {kind} {owner}",
                        c.image.unwrap_or("")
                    );
                    image_evidence = Some(evidence(known, because, at));
                }
            }
        }
    }
    if image_evidence.is_some() {
        return image_evidence;
    }
    let target = match &port.target_port {
        Some(IntOrString::Int(n)) => *n,
        _ => port.port,
    };
    known_port(target)
        .map(|known| {
            evidence(
                known,
                format!("port {target} is {}'s well-known port", known_what(target)),
                None,
            )
        })
        .or_else(|| {
            known_port(port.port).map(|known| {
                evidence(
                    known,
                    format!(
                        "port {} is {}'s well-known port",
                        port.port,
                        known_what(port.port)
                    ),
                    None,
                )
            })
        })
}

fn known_what(port: i32) -> &'static str {
    known_port(port).map_or("", |k| k.what)
}

fn evidence(known: Known, because: String, at: Option<(ObjectRef, Span)>) -> Evidence {
    Evidence {
        protocol: known.protocol,
        what: known.what,
        server_first: known.server_first,
        because,
        at,
    }
}

/// The container port a Service port reaches: by name for a named targetPort, else by number.
fn target_container_port<'c>(
    c: &'c ContainerView,
    port: &ServicePortView<'_>,
) -> Option<(usize, i32, Option<&'c str>)> {
    let ports = &c.ports;
    let found = match &port.target_port {
        Some(IntOrString::String(name)) => ports.iter().position(|p| p.name == Some(name.as_str())),
        Some(IntOrString::Int(n)) => ports.iter().position(|p| p.container_port == *n),
        None => ports.iter().position(|p| p.container_port == port.port),
    }?;
    let p = &ports[found];
    Some((found, p.container_port, p.name))
}

fn container_port_span(
    w: &crate::model::Workload<'_>,
    container: usize,
    port: usize,
) -> Option<Span> {
    let node = w
        .template_node
        .at_keys("spec.containers")?
        .items()
        .nth(container)?;
    let port = node.get("ports")?.items().nth(port)?;
    Some(port.get("name").unwrap_or(port).span())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every well-known port, with what it carries and whether the server speaks first: the
    /// fixes name these protocols and MESH101 escalates the server-first ones to errors.
    #[test]
    fn well_known_ports_are_recognised() {
        let table: &[(i32, &str, bool)] = &[
            (21, "FTP", true),
            (22, "SSH", true),
            (80, "HTTP", false),
            (110, "POP3", true),
            (143, "IMAP", true),
            (443, "TLS", false),
            (587, "SMTP", true),
            (2525, "SMTP", true),
            (1883, "MQTT", false),
            (2181, "ZooKeeper", false),
            (3306, "MySQL", true),
            (3307, "MySQL", true),
            (4222, "NATS", true),
            (5432, "PostgreSQL", false),
            (5672, "AMQP", false),
            (5701, "Hazelcast", false),
            (5900, "VNC", true),
            (6379, "Redis", false),
            (9042, "Cassandra", false),
            (9092, "Kafka", false),
            (11211, "Memcached", false),
            (27017, "MongoDB", false),
        ];
        for &(port, what, server_first) in table {
            let known = known_port(port).unwrap_or_else(|| panic!("{port} not known"));
            assert_eq!(
                (known.what, known.server_first),
                (what, server_first),
                "{port}"
            );
        }
        for port in [0, 8080, 8443, 9090, 15001, 65535] {
            assert!(known_port(port).is_none(), "{port}");
        }
    }

    #[test]
    fn port_names_and_images_are_recognised() {
        let names: &[(&str, &str)] = &[
            ("mariadb", "MySQL"),
            ("mysqlx", "MySQL"),
            ("smtp", "SMTP"),
            ("smtps", "SMTP"),
            ("submission", "SMTP"),
            ("nats", "NATS"),
            ("ftp", "FTP"),
            ("ssh", "SSH"),
            ("imap", "mail"),
            ("pop3", "mail"),
            ("postgres", "PostgreSQL"),
            ("postgresql", "PostgreSQL"),
            ("pg", "PostgreSQL"),
            ("amqp", "AMQP"),
            ("kafka", "Kafka"),
            ("broker", "Kafka"),
            ("zookeeper", "ZooKeeper"),
            ("zk", "ZooKeeper"),
            ("hazelcast", "Hazelcast"),
            ("hz", "Hazelcast"),
            ("memcached", "Memcached"),
            ("memcache", "Memcached"),
            ("web", "HTTP"),
            ("metrics", "HTTP"),
            ("prometheus", "HTTP"),
            ("health", "HTTP"),
            ("healthz", "HTTP"),
            // The part before the first dash, in any case.
            ("Kafka-Internal", "Kafka"),
        ];
        for &(name, what) in names {
            let known = known_port_name(name).unwrap_or_else(|| panic!("{name} not known"));
            assert_eq!(known.what, what, "{name}");
        }
        for name in ["grpc", "tcp", "client", "internal-kafka"] {
            assert!(known_port_name(name).is_none(), "{name}");
        }
        let images: &[(&str, i32, &str)] = &[
            ("mysql", 3306, "MySQL"),
            ("docker.io/bitnami/mariadb:11", 3306, "MySQL"),
            ("percona", 3306, "MySQL"),
            ("percona-server", 3306, "MySQL"),
            ("postgres:16", 5432, "PostgreSQL"),
            ("postgresql", 5432, "PostgreSQL"),
            ("postgis", 5432, "PostgreSQL"),
            ("redis", 6379, "Redis"),
            ("valkey", 6379, "Redis"),
            ("redis-stack-server", 6379, "Redis"),
            ("memcached", 11211, "Memcached"),
            ("mongo", 27017, "MongoDB"),
            ("mongodb", 27017, "MongoDB"),
            ("nats", 4222, "NATS"),
            ("zookeeper", 2181, "ZooKeeper"),
            ("cp-zookeeper", 2181, "ZooKeeper"),
            ("kafka", 9092, "Kafka"),
            ("cp-kafka", 9092, "Kafka"),
            ("cp-server", 9092, "Kafka"),
            ("hazelcast", 5701, "Hazelcast"),
            ("hazelcast-enterprise", 5701, "Hazelcast"),
            ("rabbitmq", 5672, "AMQP"),
            ("rabbitmq", 15672, "HTTP"),
            ("elasticsearch", 9200, "HTTP"),
            ("opensearch", 9200, "HTTP"),
            ("elasticsearch", 9300, "Elasticsearch transport"),
            ("opensearch", 9300, "Elasticsearch transport"),
            ("cassandra", 9042, "Cassandra"),
            ("etcd", 2379, "gRPC"),
            ("postfix", 25, "SMTP"),
            ("exim", 587, "SMTP"),
            ("mailhog", 1025, "SMTP"),
            ("mailpit", 2525, "SMTP"),
            ("nginx", 80, "HTTP"),
            ("httpd", 8080, "HTTP"),
            ("caddy", 80, "HTTP"),
            ("traefik", 8080, "HTTP"),
            ("prometheus", 9090, "HTTP"),
            ("grafana", 3000, "HTTP"),
            ("registry.example.com/team/redis@sha256:abc", 6379, "Redis"),
        ];
        for &(image, port, what) in images {
            let known =
                known_image(image, port).unwrap_or_else(|| panic!("{image}:{port} not known"));
            assert_eq!(known.what, what, "{image}:{port}");
        }
        // The image's default port only: elsewhere it is no evidence.
        for (image, port) in [("redis", 6380), ("nginx", 443), ("myredis", 6379)] {
            assert!(known_image(image, port).is_none(), "{image}:{port}");
        }
    }
}
