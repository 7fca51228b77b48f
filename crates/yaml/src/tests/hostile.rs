//! Hostile inputs: each must return (an error or a result) without crashing, overflowing a
//! 2 MiB stack (what rayon workers get) or hanging.

use super::parse;
use crate::{Budget, ParseErrorKind};

fn on_small_stack<F: FnOnce() + Send + 'static>(f: F) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn first_error(text: &str) -> ParseErrorKind {
    let docs = parse(text);
    assert!(!docs.is_empty());
    docs[0].error.as_ref().expect("an error").kind
}

const DEEP: usize = 200_000;

#[test]
fn deep_block_sequences() {
    on_small_stack(|| {
        let text = "- ".repeat(DEEP) + "x\n";
        let kind = first_error(&text);
        assert!(matches!(
            kind,
            ParseErrorKind::TooDeep | ParseErrorKind::Syntax
        ));
    });
}

#[test]
fn deep_block_mappings() {
    on_small_stack(|| {
        // Indentation grows quadratically with depth, so 3,000 levels are already 4.5 MB.
        let text: String = (0..3_000)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        assert_eq!(first_error(&text), ParseErrorKind::TooDeep);
    });
}

#[test]
fn deep_flow_nesting() {
    on_small_stack(|| {
        let open = "[".repeat(DEEP);
        assert_eq!(first_error(&open), ParseErrorKind::TooDeep);
        let closed = open.clone() + &"]".repeat(DEEP);
        assert_eq!(first_error(&closed), ParseErrorKind::TooDeep);
        let maps = "{a: ".repeat(DEEP);
        assert_eq!(first_error(&maps), ParseErrorKind::TooDeep);
        // The depth error costs only its document.
        let docs = parse(&(closed + "\n---\nok: 1\n"));
        assert_eq!(docs.len(), 2);
        assert!(docs[1].error.is_none());
    });
}

fn laughs() -> String {
    let mut text = String::from("a0: &a0 lol\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn billion_laughs_stays_small_and_budget_stops_expansion() {
    on_small_stack(|| {
        let text = laughs();
        let docs = parse(&text);
        let doc = &docs[0];
        assert!(doc.error.is_none());
        assert!(doc.node_count() < 200, "{}", doc.node_count());
        let mut budget = Budget::new(1_000_000);
        let err = doc
            .root()
            .unwrap()
            .deserialize::<serde_value::Any>(&mut budget)
            .unwrap_err();
        assert!(err.budget_exceeded);
        assert_eq!(budget.remaining, 0);
    });
}

#[test]
fn wide_anchor_referenced_many_times() {
    on_small_stack(|| {
        let items = vec!["x"; 2_000].join(", ");
        let refs = vec!["*big"; 5_000].join(", ");
        let text = format!("big: &big [{items}]\nrefs: [{refs}]\n");
        let docs = parse(&text);
        assert!(docs[0].error.is_none());
        assert!(docs[0].node_count() < 8_000);
        let mut budget = Budget::new(1_000_000);
        let err = docs[0]
            .root()
            .unwrap()
            .deserialize::<serde_value::Any>(&mut budget)
            .unwrap_err();
        assert!(err.budget_exceeded);
        // Ignored fields are skipped without expanding anything.
        #[derive(serde::Deserialize)]
        struct OnlyBig {
            #[allow(dead_code)]
            big: Vec<String>,
        }
        let mut budget = Budget::new(10_000);
        assert!(docs[0]
            .root()
            .unwrap()
            .deserialize::<OnlyBig>(&mut budget)
            .is_ok());
    });
}

#[test]
fn chained_aliases_hit_the_depth_limit() {
    on_small_stack(|| {
        // Each level nests the previous one 100 deep, so effective depth grows past the limit.
        let mut text = String::new();
        for i in 0..5 {
            let inner = if i == 0 {
                "x".to_string()
            } else {
                format!("*d{}", i - 1)
            };
            text.push_str(&format!(
                "d{i}: &d{i} {}{inner}{}\n",
                "[".repeat(100),
                "]".repeat(100)
            ));
        }
        let docs = parse(&text);
        assert!(docs[0].error.is_none(), "{:?}", docs[0].error);
        let mut budget = Budget::new(1_000_000);
        let err = docs[0]
            .root()
            .unwrap()
            .deserialize::<serde_value::Any>(&mut budget)
            .unwrap_err();
        assert!(!err.budget_exceeded);
        assert!(err.message.contains("nesting"), "{}", err.message);
    });
}

/// A self-describing value for tests (like serde_json::Value), without the dependency.
mod serde_value {
    use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    #[derive(Debug)]
    pub struct Any;

    impl<'de> Deserialize<'de> for Any {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(AnyVisitor)
        }
    }

    struct AnyVisitor;

    impl<'de> Visitor<'de> for AnyVisitor {
        type Value = Any;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("anything")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_str<E>(self, _: &str) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_unit<E>(self) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Any, A::Error> {
            while seq.next_element::<Any>()?.is_some() {}
            Ok(Any)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
            while map.next_entry::<Any, Any>()?.is_some() {}
            let _ = IgnoredAny;
            Ok(Any)
        }
    }
}

/// Throughput on Helm-like manifests; run with
/// `cargo test -p mesh-lint-yaml --release -- --ignored --nocapture throughput`.
#[test]
#[ignore]
fn throughput() {
    let doc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-{i}\n  labels:\n    app.kubernetes.io/name: web\n    tier: \"frontend\"\n  annotations:\n    sidecar.istio.io/inject: \"true\"\nspec:\n  selector:\n    app: web\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n    - name: grpc\n      port: 9090\n      targetPort: grpc\n  template: &t\n    containers:\n      - image: nginx:1.25\n        args: [--port, \"8080\", --verbose]\n        env:\n          - {name: A, value: b}\n  copy: *t\n---\n";
    let text: String = (0..40_000)
        .map(|i| doc.replace("{i}", &i.to_string()))
        .collect();
    let start = std::time::Instant::now();
    let docs = parse(&text);
    let secs = start.elapsed().as_secs_f64();
    assert!(docs.iter().all(|d| d.error.is_none()));
    println!(
        "{:.1} MB in {secs:.3}s: {:.1} MB/s",
        text.len() as f64 / 1e6,
        text.len() as f64 / 1e6 / secs
    );
}

#[test]
#[ignore]
fn throughput_events_only() {
    let doc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/name: web\n    tier: \"frontend\"\nspec:\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n---\n";
    let text = doc.repeat(60_000);
    let start = std::time::Instant::now();
    let mut src = crate::events::EventSource::new(&text, &crate::Limits::default());
    let mut n = 0;
    while let Some(Ok(_)) = src.next() {
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let docs = parse(&text);
    let tree_secs = start.elapsed().as_secs_f64();
    let mb = text.len() as f64 / 1e6;
    println!(
        "{n} events, {mb:.1} MB: events {:.1} MB/s, tree {:.1} MB/s ({} docs)",
        mb / secs,
        mb / tree_secs,
        docs.len()
    );
}
