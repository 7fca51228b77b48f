use super::{parse, root};
use crate::Budget;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(untagged)]
enum IntOrString {
    Int(i32),
    Str(String),
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Port {
    name: Option<String>,
    port: i32,
    target_port: Option<IntOrString>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Meta {
    name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Spec {
    ports: Vec<Port>,
    selector: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Service {
    metadata: Meta,
    spec: Spec,
}

fn de<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, crate::DeError> {
    let docs = parse(text);
    root(&docs[0]).deserialize(&mut Budget::new(10_000))
}

const SERVICE: &str = "\
metadata:
  name: 80
  labels: {app: web, tier: 1}
  unknown: [ignored]
spec:
  ports:
    - name: http
      port: 80
      targetPort: 8080
    - port: 443
      targetPort: https
    - port: 9000
      targetPort: \"9000\"
";

#[test]
fn nested_structs_options_vecs_and_maps() {
    let svc: Service = de(SERVICE).unwrap();
    assert_eq!(svc.metadata.name, "80");
    assert_eq!(svc.metadata.labels["tier"], "1");
    assert_eq!(svc.spec.selector, None);
    let p = &svc.spec.ports;
    assert_eq!(
        p[0],
        Port {
            name: Some("http".into()),
            port: 80,
            target_port: Some(IntOrString::Int(8080))
        }
    );
    assert_eq!(p[1].target_port, Some(IntOrString::Str("https".into())));
    assert_eq!(p[2].target_port, Some(IntOrString::Str("9000".into())));
}

#[test]
fn type_error_deep_in_a_sequence_has_span_and_path() {
    let text = SERVICE.replace("port: 443", "port: http");
    let err = de::<Service>(&text).unwrap_err();
    assert_eq!(err.path, "spec.ports[1].port");
    assert_eq!(&text[err.span.range()], "http");
    assert_eq!(err.message, "invalid type: string \"http\", expected i32");
    assert!(!err.budget_exceeded);
}

#[test]
fn quoted_number_is_not_an_integer() {
    let err = de::<Port>("port: \"80\"\n").unwrap_err();
    assert_eq!(err.path, "port");
    assert!(err.message.contains("string \"80\""), "{}", err.message);
}

#[test]
fn missing_field_points_at_the_mapping() {
    let text = "metadata:\n  labels: {}\nspec: {ports: []}\n";
    let err = de::<Service>(text).unwrap_err();
    assert_eq!(err.path, "metadata");
    assert_eq!(&text[err.span.range()], "labels: {}");
    assert!(err.message.contains("missing field `name`"));
}

#[test]
fn odd_keys_are_bracketed_in_paths() {
    let text = "annotations:\n  sidecar.istio.io/inject: [no]\n";
    let err = de::<BTreeMap<String, BTreeMap<String, String>>>(text).unwrap_err();
    assert_eq!(err.path, "annotations[\"sidecar.istio.io/inject\"]");
    assert_eq!(&text[err.span.range()], "[no]");
}

#[test]
fn any_uses_the_core_schema() {
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum V {
        Null(()),
        Bool(bool),
        Int(i64),
        Float(f64),
        Str(String),
    }
    let vals: Vec<V> = de("[~, true, 0x10, 1.5, .inf, 'true', text, -.INF]").unwrap();
    assert_eq!(vals[0], V::Null(()));
    assert_eq!(vals[1], V::Bool(true));
    assert_eq!(vals[2], V::Int(16));
    assert_eq!(vals[3], V::Float(1.5));
    assert_eq!(vals[4], V::Float(f64::INFINITY));
    assert_eq!(vals[5], V::Str("true".into()));
    assert_eq!(vals[6], V::Str("text".into()));
    assert_eq!(vals[7], V::Float(f64::NEG_INFINITY));
    let nan: f64 = de(".nan").unwrap();
    assert!(nan.is_nan());
    let f: f64 = de("3").unwrap();
    assert_eq!(f, 3.0);
}

#[test]
fn enums_from_scalars_and_single_entry_maps() {
    #[derive(Debug, Deserialize, PartialEq)]
    enum Action {
        Allow,
        Deny(String),
        Route { host: String },
    }
    let acts: Vec<Action> = de("[Allow, {Deny: why}, {Route: {host: h}}]").unwrap();
    assert_eq!(
        acts,
        [
            Action::Allow,
            Action::Deny("why".into()),
            Action::Route { host: "h".into() }
        ]
    );
    assert!(de::<Action>("Nope").is_err());
}

#[test]
fn merges_aliases_and_duplicates_in_deserialize() {
    let text = "base: &b {name: base, port: 1}\nsvc:\n  <<: *b\n  port: 2\n  port: 3\n";
    let docs = parse(text);
    let svc = root(&docs[0]).get("svc").unwrap();
    let port: Port = svc.deserialize(&mut Budget::new(100)).unwrap();
    assert_eq!(port.name.as_deref(), Some("base"));
    assert_eq!(port.port, 2);
}

#[test]
fn nulls_options_units_and_newtypes() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Wrapper(u16);
    #[derive(Debug, Deserialize, PartialEq)]
    struct S {
        a: Option<i32>,
        b: Option<i32>,
        c: Vec<i32>,
        d: Wrapper,
        e: (),
    }
    let s: S = de("a:\nb: 5\nc:\nd: 7\ne: ~\n").unwrap();
    assert_eq!(
        s,
        S {
            a: None,
            b: Some(5),
            c: vec![],
            d: Wrapper(7),
            e: ()
        }
    );
    let err = de::<u8>("300").unwrap_err();
    assert!(err.message.contains("300"), "{}", err.message);
}

#[test]
fn budget_counts_every_visit() {
    let docs = parse("[1, 2, 3]\n");
    let mut budget = Budget::new(3);
    let err = root(&docs[0])
        .deserialize::<Vec<i32>>(&mut budget)
        .unwrap_err();
    assert!(err.budget_exceeded);
    assert_eq!(err.path, "[2]");
    let mut budget = Budget::new(4);
    assert!(root(&docs[0]).deserialize::<Vec<i32>>(&mut budget).is_ok());
    assert_eq!(budget.remaining, 0);
}

#[test]
fn boolean_fields_take_the_yaml_1_1_words_kubectl_reads() {
    let vals: Vec<bool> = de("[yes, On, Y, no, OFF, n, true]").unwrap();
    assert_eq!(vals, [true, true, true, false, false, false, true]);
    // Quoted, they are strings, as in go-yaml; and string fields keep the word.
    assert!(de::<bool>("'yes'").is_err());
    let words: Vec<String> = de("[yes, off]").unwrap();
    assert_eq!(words, ["yes", "off"]);
}
