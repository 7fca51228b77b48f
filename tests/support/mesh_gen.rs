//! Small meshes built from a stream of choices: the structure-aware half of the property test
//! and of the `lint` and `fix` fuzz targets. Raw bytes rarely make a Service whose port a
//! VirtualService routes to; these shapes do, so cross-resource rules and their fixes run.
//!
//! Every value comes from a small pool (names, namespaces, ports, protocols, hosts) so objects
//! collide on purpose: the same port on many Services, hosts that resolve elsewhere, subsets
//! that exist or not. Layout varies too (block or flow style, quoting, CRLF, Helm `# Source:`).

/// A source of choices: the property test uses a seeded xorshift, the fuzzers `arbitrary`.
pub trait Choices {
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize;

    fn pick<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        pool[self.below(pool.len())]
    }

    fn chance(&mut self, in_four: usize) -> bool {
        self.below(4) < in_four
    }
}

/// xorshift64*: tiny, deterministic, good enough to pick from pools.
pub struct XorShift(pub u64);

impl Choices for XorShift {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

const NAMES: &[&str] = &["reviews", "ratings", "db", "cart", "web"];
const NAMESPACES: &[&str] = &["shop", "bookinfo", "default", "istio-system"];
const PORTS: &[&str] = &["80", "443", "3306", "5432", "8080", "9080", "15006"];
const PORT_NAMES: &[&str] = &[
    "http", "http-web", "web", "tcp", "grpc", "mysql", "tls", "redis", "https", "db", "tcp-pg",
    "h2c", "udp",
];
const APP_PROTOCOLS: &[&str] = &[
    "http",
    "kubernetes.io/h2c",
    "mysql",
    "tcp",
    "https",
    "bogus",
];
const HOSTS: &[&str] = &[
    "reviews",
    "reviews.shop",
    "reviews.shop.svc",
    "reviews.shop.svc.cluster.local",
    "ratings.bookinfo.svc.cluster.local",
    "db.example.com",
    "*.example.com",
    "10.0.0.1",
    "*",
    "web.default",
];
const SUBSETS: &[&str] = &["v1", "v2", "canary"];

/// One to three files of manifests.
pub fn mesh(c: &mut impl Choices) -> Vec<(String, Vec<u8>)> {
    let files = 1 + c.below(3);
    let mut out: Vec<(String, String)> = (0..files)
        .map(|i| (format!("gen/f{i}.yaml"), String::new()))
        .collect();
    let objects = 1 + c.below(8);
    for _ in 0..objects {
        let doc = object(c);
        let file = &mut out[c.below(files)].1;
        if c.chance(1) {
            file.push_str(&format!(
                "# Source: chart/templates/{}.yaml\n",
                c.pick(NAMES)
            ));
        }
        file.push_str("---\n");
        file.push_str(&doc);
    }
    let crlf = c.chance(1);
    out.into_iter()
        .map(|(name, text)| {
            let text = if crlf {
                text.replace('\n', "\r\n")
            } else {
                text
            };
            (name, text.into_bytes())
        })
        .collect()
}

fn object(c: &mut impl Choices) -> String {
    match c.below(8) {
        0 | 1 => service(c),
        2 => workload(c),
        3 => service_entry(c),
        4 => virtual_service(c),
        5 => destination_rule(c),
        6 => sidecar(c),
        _ => gateway(c),
    }
}

fn metadata(c: &mut impl Choices, kind: &str, api: &str) -> String {
    let mut s = format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {}\n",
        c.pick(NAMES)
    );
    if !c.chance(1) {
        s.push_str(&format!("  namespace: {}\n", c.pick(NAMESPACES)));
    }
    if c.chance(1) {
        s.push_str("  annotations:\n    mesh-lint.io/ignore: \"MESH101\"\n");
    }
    s
}

fn quoted(c: &mut impl Choices, v: &str) -> String {
    match c.below(6) {
        0 => format!("\"{v}\""),
        1 => format!("'{v}'"),
        _ => v.to_owned(),
    }
}

fn service(c: &mut impl Choices) -> String {
    let mut s = metadata(c, "Service", "v1");
    s.push_str("spec:\n");
    if c.chance(1) {
        s.push_str("  type: ExternalName\n  externalName: db.example.com\n");
    }
    if c.chance(1) {
        s.push_str("  clusterIP: None\n");
    }
    s.push_str(&format!(
        "  selector:\n    app: {}\n  ports:\n",
        c.pick(NAMES)
    ));
    for _ in 0..1 + c.below(3) {
        if c.chance(1) {
            let name = c.pick(PORT_NAMES);
            let port = c.pick(PORTS);
            s.push_str(&format!("    - {{name: {name}, port: {port}}}\n"));
            continue;
        }
        let port = c.pick(PORTS);
        s.push_str("    - ");
        if !c.chance(1) {
            let name = c.pick(PORT_NAMES);
            s.push_str(&format!("name: {}\n      ", quoted(c, name)));
        }
        s.push_str(&format!("port: {port}\n"));
        if c.chance(1) {
            s.push_str(&format!("      targetPort: {}\n", c.pick(PORTS)));
        }
        if c.chance(1) {
            s.push_str(&format!("      appProtocol: {}\n", c.pick(APP_PROTOCOLS)));
        }
        if c.chance(1) {
            s.push_str("      protocol: TCP\n");
        }
    }
    s
}

fn workload(c: &mut impl Choices) -> String {
    let kind = c.pick(&["Deployment", "StatefulSet", "Pod"]);
    let mut s = metadata(c, kind, if kind == "Pod" { "v1" } else { "apps/v1" });
    let app = c.pick(NAMES);
    let container = format!(
        "containers:\n  - name: app\n    image: {}\n    ports:\n      - containerPort: {}\n",
        c.pick(&["mariadb:11", "nginx", "redis:7", "postgres:16"]),
        c.pick(PORTS)
    );
    if kind == "Pod" {
        s = s.replacen(
            "metadata:\n",
            &format!("metadata:\n  labels:\n    app: {app}\n"),
            1,
        );
        s.push_str("spec:\n");
        s.push_str(&indent(&container, 2));
        return s;
    }
    s.push_str(&format!(
        "spec:\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n"
    ));
    s.push_str(&indent(&container, 6));
    s
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

fn service_entry(c: &mut impl Choices) -> String {
    let mut s = metadata(c, "ServiceEntry", "networking.istio.io/v1");
    s.push_str(&format!("spec:\n  hosts: [{}]\n", c.pick(HOSTS)));
    if c.chance(2) {
        s.push_str("  addresses: [240.0.0.1]\n");
    }
    s.push_str(&format!(
        "  location: {}\n  resolution: {}\n  ports:\n",
        c.pick(&["MESH_EXTERNAL", "MESH_INTERNAL"]),
        c.pick(&["DNS", "STATIC", "NONE"])
    ));
    for _ in 0..1 + c.below(2) {
        s.push_str(&format!(
            "    - number: {}\n      name: {}\n      protocol: {}\n",
            c.pick(PORTS),
            c.pick(PORT_NAMES),
            c.pick(&["HTTP", "TCP", "TLS", "HTTPS", "GRPC", "MONGO"])
        ));
    }
    if c.chance(1) {
        s.push_str(&format!(
            "  exportTo: [\"{}\"]\n",
            c.pick(&[".", "*", "shop"])
        ));
    }
    s
}

fn destination(c: &mut impl Choices, pad: &str) -> String {
    let mut s = format!("{pad}destination:\n{pad}  host: {}\n", c.pick(HOSTS));
    if c.chance(2) {
        s.push_str(&format!("{pad}  subset: {}\n", c.pick(SUBSETS)));
    }
    if c.chance(2) {
        s.push_str(&format!(
            "{pad}  port:\n{pad}    number: {}\n",
            c.pick(PORTS)
        ));
    }
    s
}

fn virtual_service(c: &mut impl Choices) -> String {
    let mut s = metadata(c, "VirtualService", "networking.istio.io/v1");
    let host = c.pick(HOSTS);
    s.push_str(&format!("spec:\n  hosts:\n    - {}\n", quoted(c, host)));
    if c.chance(1) {
        s.push_str("  gateways: [mesh, istio-system/public]\n");
    }
    let section = c.pick(&["http", "tcp", "tls"]);
    s.push_str(&format!("  {section}:\n    - route:\n"));
    for _ in 0..1 + c.below(2) {
        s.push_str("        - ");
        s.push_str(destination(c, "          ").trim_start());
    }
    s
}

fn destination_rule(c: &mut impl Choices) -> String {
    let mut s = metadata(c, "DestinationRule", "networking.istio.io/v1");
    s.push_str(&format!("spec:\n  host: {}\n", c.pick(HOSTS)));
    if c.chance(3) {
        s.push_str("  subsets:\n");
        for _ in 0..1 + c.below(2) {
            s.push_str(&format!(
                "    - name: {}\n      labels:\n        version: {}\n",
                c.pick(SUBSETS),
                c.pick(SUBSETS)
            ));
        }
    }
    s
}

fn sidecar(c: &mut impl Choices) -> String {
    let mut s = metadata(c, "Sidecar", "networking.istio.io/v1");
    s.push_str(&format!(
        "spec:\n  egress:\n    - hosts: [\"./*\", \"{}/{}\"]\n",
        c.pick(&["istio-system", "shop", "*", "~"]),
        c.pick(HOSTS)
    ));
    s
}

fn gateway(c: &mut impl Choices) -> String {
    let mut s = metadata(c, "Gateway", "networking.istio.io/v1");
    s.push_str(&format!(
        "spec:\n  selector:\n    istio: ingressgateway\n  servers:\n    - port: {{number: {}, name: {}, protocol: {}}}\n      hosts: [\"{}\"]\n",
        c.pick(PORTS),
        c.pick(PORT_NAMES),
        c.pick(&["HTTP", "HTTPS", "TCP"]),
        c.pick(HOSTS)
    ));
    s
}
