//! Which namespaces' Sidecars import resources of a given namespace, as an inverted index over
//! Sidecar egress entries: by the namespace an entry names, plus the entries that name every
//! namespace (`*/...`). One entry per egress host; a lookup touches only the Sidecars that can
//! import from that namespace, so asking for every ServiceEntry of an 8,000-namespace mesh stays
//! linear (the scope model's namespace walk is per query).

use crate::model::scopes::Hosts;
use crate::model::sidecar_scope::Egress;
use crate::model::MeshIndex;
use mesh_lint_kube::istio::SidecarSpec;
use std::collections::HashMap;

pub(crate) struct Importers<'s> {
    /// Named namespace → (proxy namespace, Sidecar) whose egress names it.
    by_named: HashMap<&'s str, Vec<(&'s str, &'s SidecarSpec<'s>)>>,
    /// Sidecars with a `*/...` entry: they may import from any namespace.
    any: Vec<(&'s str, &'s SidecarSpec<'s>)>,
}

impl<'s> Importers<'s> {
    pub(crate) fn new(index: &'s MeshIndex<'_>) -> Self {
        let mut by_named: HashMap<&str, Vec<(&str, &SidecarSpec<'_>)>> = HashMap::new();
        let mut any = Vec::new();
        for sc in &index.sidecars {
            if index.objects[sc.object].is_shadowed() {
                continue;
            }
            let proxy_ns = index.objects[sc.object].ns();
            let mut named: Vec<&str> = Vec::new();
            let mut wildcard = false;
            for host in sc.spec.egress.iter().flat_map(|e| e.hosts.iter()) {
                match host.split_once('/').map(|(ns, _)| ns) {
                    Some("*") => wildcard = true,
                    Some(".") => named.push(proxy_ns),
                    Some(ns) if !ns.starts_with('~') => named.push(ns),
                    _ => {}
                }
            }
            if wildcard {
                any.push((proxy_ns, &sc.spec));
                continue;
            }
            named.sort_unstable();
            named.dedup();
            for ns in named {
                by_named.entry(ns).or_default().push((proxy_ns, &sc.spec));
            }
        }
        Importers { by_named, any }
    }

    /// Namespaces other than `owner` with a Sidecar whose egress imports `hosts` of `owner`
    /// on `port`, sorted and deduplicated.
    pub(crate) fn others(&self, owner: &str, hosts: Hosts<'_>, port: i32) -> Vec<&'s str> {
        let named = self.by_named.get(owner).into_iter().flatten();
        let mut out: Vec<&str> = named
            .chain(self.any.iter())
            .filter(|(proxy_ns, _)| *proxy_ns != owner)
            .filter(|(proxy_ns, spec)| Egress(Some(spec)).imports(proxy_ns, owner, hosts, port))
            .map(|(proxy_ns, _)| *proxy_ns)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LintContext;
    use crate::parse::parse_file;
    use crate::source::{FileId, SourceFile};
    use mesh_lint_yaml::Limits;

    fn sidecar(ns: &str, hosts: &str) -> String {
        format!(
            "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: s, namespace: {ns}}}\nspec:\n  egress: [{{hosts: [{hosts}]}}]\n"
        )
    }

    #[test]
    fn importers_by_named_namespace_and_wildcard() {
        let text = [
            sidecar("a", "\"./*\", \"shop/*\""),
            sidecar("b", "\"*/api.example.com\""),
            sidecar("c", "\"~/*\""),
            sidecar("d", "\"billing/*\""),
            sidecar("shop", "\"./*\""),
        ]
        .concat();
        let file = SourceFile::from_bytes("t.yaml".into(), None, text.into_bytes());
        let parsed = vec![parse_file(FileId(0), &file, &Limits::default())];
        let index = MeshIndex::build(&parsed, &LintContext::default(), &Limits::default());
        let importers = Importers::new(&index);
        let api = vec!["api.example.com".to_owned()];
        assert_eq!(
            importers.others("shop", Hosts::Built(&api), 443),
            vec!["a", "b"]
        );
        let other = vec!["other.example.com".to_owned()];
        assert_eq!(
            importers.others("shop", Hosts::Built(&other), 443),
            vec!["a"]
        );
        assert_eq!(
            importers.others("billing", Hosts::Built(&other), 443),
            vec!["d"]
        );
        assert!(importers
            .others("nowhere", Hosts::Built(&other), 443)
            .is_empty());
    }
}
