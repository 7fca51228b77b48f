//! The Secrets gateways read their certificates from: Secret objects of the inputs, and the
//! objects that create Secrets (cert-manager Certificates, SealedSecrets, ExternalSecrets), by
//! namespace and name. Repositories rarely hold Secrets, so a credential is judged missing only
//! in a namespace whose Secrets the inputs clearly hold.

use super::cert::{self, CertProblem};
use crate::model::{MeshIndex, ObjectRef};
use mesh_lint_yaml::Node;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What provides a Secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// A `v1` Secret.
    Secret(ObjectRef),
    /// An object that creates it (cert-manager Certificate `spec.secretName`, SealedSecret,
    /// ExternalSecret `spec.target.name`): its content is not in the inputs.
    Created(ObjectRef),
}

impl SecretSource {
    pub fn object(self) -> ObjectRef {
        match self {
            SecretSource::Secret(o) | SecretSource::Created(o) => o,
        }
    }
}

#[derive(Debug, Default)]
pub struct Secrets {
    /// `(namespace, name)` of placed objects (`metadata.namespace` written).
    placed: HashMap<(String, String), SecretSource>,
    /// Objects without `metadata.namespace`: placed wherever they are applied.
    unplaced: HashMap<String, SecretSource>,
    /// Namespaces with at least one placed Secret or Secret-creating object.
    namespaces: HashSet<String>,
    /// Namespaces of the placed objects by Secret name.
    by_name: HashMap<String, Vec<String>>,
}

impl Secrets {
    pub fn build(index: &MeshIndex<'_>) -> Secrets {
        let mut out = Secrets::default();
        let sources = [
            ("Secret", ""),
            ("Certificate", "cert-manager.io"),
            ("SealedSecret", "bitnami.com"),
            ("ExternalSecret", "external-secrets.io"),
        ];
        for (kind, group) in sources {
            for (id, o) in index.by_kind(kind) {
                if o.group() != group || o.is_shadowed() {
                    continue;
                }
                let (name, source) = match kind {
                    "Secret" => (o.name, SecretSource::Secret(id)),
                    "Certificate" => (
                        o.node
                            .at_keys("spec.secretName")
                            .and_then(|n| n.as_str())
                            .unwrap_or(""),
                        SecretSource::Created(id),
                    ),
                    "ExternalSecret" => (
                        o.node
                            .at_keys("spec.target.name")
                            .and_then(|n| n.as_str())
                            .unwrap_or(o.name),
                        SecretSource::Created(id),
                    ),
                    _ => (o.name, SecretSource::Created(id)),
                };
                if name.is_empty() {
                    continue;
                }
                if o.namespace_explicit {
                    out.namespaces.insert(o.ns().to_owned());
                    out.by_name
                        .entry(name.to_owned())
                        .or_default()
                        .push(o.ns().to_owned());
                    out.placed
                        .entry((o.ns().to_owned(), name.to_owned()))
                        .or_insert(source);
                } else {
                    out.unplaced.entry(name.to_owned()).or_insert(source);
                }
            }
        }
        out
    }

    /// Whether the inputs clearly hold namespace `ns`'s Secrets.
    pub fn holds_namespace(&self, ns: &str) -> bool {
        self.namespaces.contains(ns)
    }

    /// The Secret `ns/name`, or one named `name` placed nowhere yet.
    pub fn find(&self, ns: &str, name: &str) -> Option<SecretSource> {
        self.placed
            .get(&(ns.to_owned(), name.to_owned()))
            .or_else(|| self.unplaced.get(name))
            .copied()
    }

    /// Placed Secrets named `name` in other namespaces than `ns`, for help texts.
    pub fn elsewhere(&self, ns: &str, name: &str) -> Vec<(String, SecretSource)> {
        let mut out: Vec<(String, SecretSource)> = self
            .by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter(|n| *n != ns)
            .filter_map(|n| {
                let src = self.placed.get(&(n.clone(), name.to_owned()))?;
                Some((n.clone(), *src))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}

/// A gateway Secret's content: `data` (base64) overlaid with `stringData`, as the API server
/// stores it, with the node of each key for pointing.
pub struct SecretData<'a> {
    pub values: BTreeMap<&'a str, (Option<Vec<u8>>, Node<'a>)>,
}

impl<'a> SecretData<'a> {
    pub fn read(object: Node<'a>) -> SecretData<'a> {
        let mut values = BTreeMap::new();
        if let Some(data) = object.get("data") {
            for (k, v) in data.entries() {
                let Some(key) = k.as_str() else { continue };
                let decoded = v.as_str().and_then(cert::base64);
                values.insert(key, (decoded, k));
            }
        }
        if let Some(data) = object.get("stringData") {
            for (k, v) in data.entries() {
                let Some(key) = k.as_str() else { continue };
                let text = v.as_str().map(|s| s.as_bytes().to_vec());
                values.insert(key, (text, k));
            }
        }
        SecretData { values }
    }

    fn value(&self, key: &str) -> Option<&[u8]> {
        self.values.get(key).and_then(|(v, _)| v.as_deref())
    }

    fn has_value(&self, a: &str, b: &str) -> bool {
        [a, b]
            .iter()
            .all(|k| self.value(k).is_some_and(|v| !v.is_empty()))
    }

    /// The node of key `key`, if present.
    pub fn key_node(&self, key: &str) -> Option<Node<'a>> {
        self.values.get(key).map(|(_, n)| *n)
    }

    /// Whether a value could not be decoded (not base64): the API server rejects such a
    /// Secret, and nothing can be said about its certificate here.
    pub fn undecodable(&self) -> bool {
        self.values.values().any(|(v, _)| v.is_none())
    }

    /// Whether the Secret carries a CA bundle for client certificates (`ca.crt` or `cacert`).
    pub fn has_ca(&self) -> bool {
        ["ca.crt", "cacert"]
            .iter()
            .any(|k| self.value(k).is_some_and(|v| !v.is_empty()))
    }
}

/// Why a gateway cannot use a Secret (`pilot/pkg/credentials/kube/secrets.go` ExtractCertInfo,
/// then `ValidateCertificate`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialProblem {
    /// Neither `tls.crt`/`tls.key` nor `cert`/`key` hold values; the keys it has.
    MissingKeys(Vec<String>),
    /// The certificate key (`tls.crt` or `cert`) and what is wrong with it.
    BadCertificate(&'static str, CertProblem),
}

/// Checks a Secret's content as istiod does before serving it to a gateway.
pub fn check_credential(data: &SecretData<'_>, now: i64) -> Result<(), CredentialProblem> {
    let cert_key = if data.has_value("cert", "key") {
        "cert"
    } else if data.has_value("tls.crt", "tls.key") {
        "tls.crt"
    } else {
        let keys = data.values.keys().map(|k| (*k).to_owned()).collect();
        return Err(CredentialProblem::MissingKeys(keys));
    };
    let pem = data.value(cert_key).unwrap_or_default();
    cert::validate(pem, now).map_err(|p| CredentialProblem::BadCertificate(cert_key, p))
}
