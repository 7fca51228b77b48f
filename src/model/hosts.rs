//! Host resolution exactly as istiod does it (§3), and a registry of every host the inputs
//! define (§2.3's host index, without the analyzer's quirks).
//!
//! - A dot-free host in a VirtualService or DestinationRule is expanded with the namespace of
//!   the *rule*: `reviews` in `frontend` is `reviews.frontend.svc.<domain>` (§3.1).
//! - Any dotted host, a wildcard, `*` and IP addresses are used literally.
//! - Kubernetes Services are known as `name.ns.svc.<domain>`; ServiceEntry hosts literally
//!   (including wildcards), never expanded (§3.2). Each entry carries its exportTo scope
//!   (§4.3: the Service annotation or `spec.exportTo`, else the MeshConfig default).

use super::key_index::KeyIndex;
use super::visibility::{export_scope, ExportKind, ExportScope};
use super::{LintContext, MeshIndex, ObjectRef};
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

/// The syntactic form of a host string, which decides how Istio reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostForm {
    Empty,
    /// `*`: every host.
    Star,
    Ip,
    /// `*.example.com`: literal.
    Wildcard,
    /// No dot: expanded with the rule's namespace.
    Short,
    /// At least one dot: literal.
    Dotted,
}

pub fn classify(host: &str) -> HostForm {
    if host.is_empty() {
        HostForm::Empty
    } else if host == "*" {
        HostForm::Star
    } else if is_ip(host) {
        HostForm::Ip
    } else if host.starts_with('*') {
        HostForm::Wildcard
    } else if !host.contains('.') {
        HostForm::Short
    } else {
        HostForm::Dotted
    }
}

/// An IPv4/IPv6 address, optionally with a CIDR suffix.
pub fn is_ip(host: &str) -> bool {
    let addr = host.split_once('/').map_or(host, |(a, _)| a);
    addr.parse::<IpAddr>().is_ok()
}

/// `ResolveShortnameToFQDN` (§3.1): only dot-free names are expanded.
pub fn resolve(host: &str, rule_ns: &str, domain: &str) -> String {
    if classify(host) != HostForm::Short {
        return host.to_owned();
    }
    let mut out = host.to_owned();
    if !rule_ns.is_empty() {
        out.push('.');
        out.push_str(rule_ns);
    }
    if !domain.is_empty() {
        out.push_str(".svc.");
        out.push_str(domain);
    }
    out
}

pub fn service_fqdn(name: &str, ns: &str, domain: &str) -> String {
    format!("{name}.{ns}.svc.{domain}")
}

/// Whether `host` is [`service_fqdn`] of `name`, `ns` and `domain`, without building it.
fn is_service_host(host: &str, name: &str, ns: &str, domain: &str) -> bool {
    let rest = host.strip_prefix(name).and_then(|r| r.strip_prefix('.'));
    let rest = rest
        .and_then(|r| r.strip_prefix(ns))
        .and_then(|r| r.strip_prefix(".svc."));
    rest == Some(domain)
}

/// `name.ns.svc.<domain>` split into `(name, ns)`; `None` for any other host.
pub fn split_service_fqdn<'h>(host: &'h str, domain: &str) -> Option<(&'h str, &'h str)> {
    let rest = host.strip_suffix(domain)?.strip_suffix(".svc.")?;
    let (name, ns) = rest.split_once('.')?;
    (!name.is_empty() && !ns.is_empty() && !ns.contains('.')).then_some((name, ns))
}

/// Istio's `host.Name.Matches` for a concrete or wildcard `host` against a registry `entry`
/// that may itself be a wildcard (`*.eu.example.com` matches `a.eu.example.com`).
pub fn host_matches(entry: &str, host: &str) -> bool {
    if entry == host || entry == "*" {
        return true;
    }
    match entry.strip_prefix('*') {
        Some(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
        None => false,
    }
}

/// What defines a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostOwner {
    /// Index into [`MeshIndex::services`].
    Service(usize),
    /// Index into [`MeshIndex::service_entries`] and the host's position in `spec.hosts`.
    ServiceEntry(usize, usize),
}

/// A host and what defines it. Texts are borrowed from the index where it has them: only a
/// Service's host is built (`name.namespace.svc.<domain>`).
#[derive(Clone, Debug)]
pub struct HostEntry<'i> {
    pub host: Cow<'i, str>,
    pub owner: HostOwner,
    pub object: ObjectRef,
    /// The owner's namespace.
    pub namespace: &'i str,
    pub scope: ExportScope,
    /// Port numbers with their names, in declaration order.
    pub ports: Box<[(u32, Option<&'i str>)]>,
}

impl HostEntry<'_> {
    pub fn is_visible_in(&self, ns: &str) -> bool {
        self.scope.is_visible_in(ns)
    }
}

/// Every host the inputs define. Built once per run (after context detection, since the
/// cluster domain and MeshConfig defaults can come from the inputs).
#[derive(Debug, Default)]
pub struct HostRegistry<'i> {
    pub domain: String,
    pub entries: Vec<HostEntry<'i>>,
    /// Entries by their (non-wildcard) host.
    exact: KeyIndex,
    wildcards: Vec<usize>,
    /// Service name → Service entries in every namespace (for MESH303 candidates).
    by_service_name: KeyIndex,
    /// DestinationRules (indices into [`MeshIndex::destination_rules`]) by their host resolved
    /// in their own namespace; wildcard hosts apart, matched on lookup.
    rules_exact: HashMap<String, Vec<usize>>,
    rules_wildcard: Vec<(String, usize)>,
    /// DestinationRules by the Service name their host names (`reviews` for `reviews` and for
    /// `reviews.ns.svc.<domain>`): where `kubectl -n` could still place them.
    rules_by_name: HashMap<String, Vec<usize>>,
}

/// The result of looking a resolved host up from a rule's namespace.
#[derive(Debug, Default)]
pub struct Lookup<'r, 'i> {
    pub visible: Vec<&'r HostEntry<'i>>,
    /// Entries that match but are not exported to the rule's namespace.
    pub hidden: Vec<&'r HostEntry<'i>>,
}

impl<'r, 'i> Lookup<'r, 'i> {
    pub fn is_found(&self) -> bool {
        !self.visible.is_empty()
    }

    /// The most specific visible entry: an exact match before a wildcard.
    pub fn best(&self) -> Option<&'r HostEntry<'i>> {
        self.visible
            .iter()
            .copied()
            .min_by_key(|e| e.host.starts_with('*'))
    }
}

impl<'i> HostRegistry<'i> {
    pub fn build(index: &'i MeshIndex<'_>, cx: &LintContext) -> HostRegistry<'i> {
        let mc = &cx.mesh_config;
        let mut reg = HostRegistry {
            domain: cx.cluster_domain.clone(),
            ..HostRegistry::default()
        };
        // Shadowed copies (an identity defined again later) are not separate hosts.
        let live = |object: ObjectRef| !index.objects[object].is_shadowed();
        // One entry per Service and per ServiceEntry host, at most: sized once.
        let se_hosts = index.service_entries.iter().map(|s| s.spec.hosts.len());
        reg.entries
            .reserve_exact(index.services.len() + se_hosts.sum::<usize>());
        for (i, svc) in index
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| live(s.object))
        {
            let object = &index.objects[svc.object];
            let (scope, _) = export_scope(object, None, ExportKind::Service, mc);
            let ports = svc
                .spec
                .ports
                .iter()
                .map(|p| (p.port.max(0) as u32, p.name))
                .collect();
            let entry = HostEntry {
                host: Cow::Owned(service_fqdn(object.name, object.ns(), &reg.domain)),
                owner: HostOwner::Service(i),
                object: svc.object,
                namespace: object.ns(),
                scope,
                ports,
            };
            reg.by_service_name.push(object.name, reg.entries.len());
            reg.push(entry);
        }
        for (i, se) in index
            .service_entries
            .iter()
            .enumerate()
            .filter(|(_, s)| live(s.object))
        {
            let object = &index.objects[se.object];
            let explicit = se.spec.export_to.as_deref();
            let (scope, _) = export_scope(object, explicit, ExportKind::Service, mc);
            let ports: Box<[_]> = se.spec.ports.iter().map(|p| (p.number, p.name)).collect();
            for (h, host) in se.spec.hosts.iter().enumerate() {
                reg.push(HostEntry {
                    host: Cow::Borrowed(host),
                    owner: HostOwner::ServiceEntry(i, h),
                    object: se.object,
                    namespace: object.ns(),
                    scope: scope.clone(),
                    ports: ports.clone(),
                });
            }
        }
        for (i, dr) in index
            .destination_rules
            .iter()
            .enumerate()
            .filter(|(_, d)| live(d.object))
        {
            let resolved = resolve(dr.spec.host, index.objects[dr.object].ns(), &reg.domain);
            let name = match classify(dr.spec.host) {
                HostForm::Short => Some(dr.spec.host),
                _ => split_service_fqdn(dr.spec.host, &reg.domain).map(|(n, _)| n),
            };
            if let Some(name) = name {
                reg.rules_by_name
                    .entry(name.to_owned())
                    .or_default()
                    .push(i);
            }
            if resolved.starts_with('*') {
                reg.rules_wildcard.push((resolved, i));
            } else {
                reg.rules_exact.entry(resolved).or_default().push(i);
            }
        }
        reg.exact.seal();
        reg.by_service_name.seal();
        reg.entries.shrink_to_fit();
        reg
    }

    /// DestinationRules whose host (resolved in the rule's own namespace) matches the resolved
    /// `host`, in input order.
    pub fn destination_rules_for(&self, host: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self.rules_exact.get(host).cloned().unwrap_or_default();
        out.extend(
            self.rules_wildcard
                .iter()
                .filter(|(entry, _)| host_matches(entry, host))
                .map(|&(_, i)| i),
        );
        out.sort_unstable();
        out
    }

    /// DestinationRules whose host names Service `name` in some namespace (short or FQDN).
    pub fn destination_rules_named(&self, name: &str) -> &[usize] {
        self.rules_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    fn push(&mut self, entry: HostEntry<'i>) {
        let id = self.entries.len();
        if entry.host.starts_with('*') {
            self.wildcards.push(id);
        } else {
            self.exact.push(&*entry.host, id);
        }
        self.entries.push(entry);
    }

    /// Every entry matching the resolved `host`, split by visibility from `from_ns`.
    pub fn lookup(&self, host: &str, from_ns: &str) -> Lookup<'_, 'i> {
        let mut out = Lookup::default();
        let matching: Vec<usize> = if host.starts_with('*') {
            // A wildcard host (a DestinationRule for `*.ns.svc.cluster.local`) applies to every
            // entry it covers or that covers it; such lookups are rare, so one scan is fine.
            (0..self.entries.len())
                .filter(|&i| {
                    let e = &self.entries[i].host;
                    host_matches(host, e) || host_matches(e, host)
                })
                .collect()
        } else {
            let exact = self.exact_entries(host);
            let wild = self
                .wildcards
                .iter()
                .copied()
                .filter(|&i| host_matches(&self.entries[i].host, host));
            exact.chain(wild).collect()
        };
        for i in matching {
            let e = &self.entries[i];
            if e.is_visible_in(from_ns) {
                out.visible.push(e);
            } else {
                out.hidden.push(e);
            }
        }
        out
    }

    /// The Service `name` in namespace `ns`, if the inputs define it.
    pub fn service(&self, name: &str, ns: &str) -> Option<&HostEntry<'i>> {
        self.services_named(name).find(|e| e.namespace == ns)
    }

    /// Services called `name`, in any namespace, in input order.
    pub fn services_named<'s: 'n, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s HostEntry<'i>> + 'n {
        self.by_service_name
            .candidates(name)
            .map(|i| &self.entries[i])
            .filter(move |e| is_service_host(&e.host, name, e.namespace, &self.domain))
    }

    /// Whether any ServiceEntry defines exactly this literal host.
    pub fn has_literal(&self, host: &str) -> bool {
        self.exact_entries(host).next().is_some()
    }

    /// The entries whose host is exactly `host`, in input order.
    fn exact_entries<'s>(&'s self, host: &'s str) -> impl Iterator<Item = usize> + 's {
        self.exact
            .candidates(host)
            .filter(move |&i| self.entries[i].host == host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dot_free_hosts_are_expanded_with_the_rule_namespace() {
        let d = "cluster.local";
        assert_eq!(
            resolve("reviews", "bookinfo", d),
            "reviews.bookinfo.svc.cluster.local"
        );
        assert_eq!(resolve("reviews.bookinfo", "x", d), "reviews.bookinfo");
        assert_eq!(resolve("*.foo", "x", d), "*.foo");
        assert_eq!(resolve("*", "x", d), "*");
        assert_eq!(resolve("10.0.0.1", "x", d), "10.0.0.1");
        assert_eq!(resolve("::1", "x", d), "::1");
        assert_eq!(resolve("", "x", d), "");
    }

    #[test]
    fn forms() {
        assert_eq!(classify("reviews"), HostForm::Short);
        assert_eq!(classify("reviews.bookinfo"), HostForm::Dotted);
        assert_eq!(classify("*.example.com"), HostForm::Wildcard);
        assert_eq!(classify("10.1.2.3"), HostForm::Ip);
        assert_eq!(classify("10.1.2.0/24"), HostForm::Ip);
        assert_eq!(classify("fe80::1"), HostForm::Ip);
    }

    #[test]
    fn service_fqdn_splits_only_under_the_domain() {
        let d = "cluster.local";
        assert_eq!(
            split_service_fqdn("a.b.svc.cluster.local", d),
            Some(("a", "b"))
        );
        assert_eq!(split_service_fqdn("a.b.svc.example.org", d), None);
        assert_eq!(split_service_fqdn("a.b.c.svc.cluster.local", d), None);
        assert_eq!(split_service_fqdn("b.svc.cluster.local", d), None);
    }

    #[test]
    fn wildcards_match_suffixes() {
        assert!(host_matches("*.eu.example.com", "a.eu.example.com"));
        assert!(host_matches("*.eu.example.com", "a.b.eu.example.com"));
        assert!(host_matches("*.eu.example.com", "*.eu.example.com"));
        assert!(!host_matches("*.eu.example.com", "eu.example.com"));
        assert!(host_matches("*", "anything"));
        assert!(!host_matches("a.example.com", "b.example.com"));
    }
}
