//! Kubernetes' name rules for the context values that end up in host names: a namespace is an
//! RFC 1123 label, the cluster domain an RFC 1123 subdomain (what `kubelet --cluster-domain`
//! and the API server accept). A value outside them would make fixes write hosts like
//! `reviews.shop` that Istio does not resolve.

/// `Err` says why `ns` is not a namespace name.
pub fn check_label(ns: &str) -> Result<(), String> {
    if ns.is_empty() {
        return Err("is empty".into());
    }
    if ns.len() > 63 {
        return Err(format!(
            "is {} characters long; at most 63 are allowed",
            ns.len()
        ));
    }
    if let Some(c) = ns
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "contains `{c}`; only lowercase letters, digits and `-` are allowed"
        ));
    }
    if ns.starts_with('-') || ns.ends_with('-') {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// The cluster domain without a trailing `.` (the FQDN form), or why it is not a domain.
pub fn check_domain(domain: &str) -> Result<String, String> {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    if d.is_empty() {
        return Err("is empty".into());
    }
    if d.len() > 253 {
        return Err(format!(
            "is {} characters long; at most 253 are allowed",
            d.len()
        ));
    }
    for label in d.split('.') {
        check_label(label).map_err(|why| {
            if label.is_empty() {
                "has an empty label (two dots in a row, or a leading dot)".to_owned()
            } else {
                format!("label `{label}` {why}")
            }
        })?;
    }
    Ok(d.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_rfc1123_labels() {
        for ok in ["default", "a", "shop-1", "0abc", &"a".repeat(63)] {
            assert_eq!(check_label(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Shop", "a.b", "-a", "a-", "a_b", " ", &"a".repeat(64)] {
            assert!(check_label(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn domains_are_rfc1123_subdomains() {
        assert_eq!(
            check_domain("cluster.local").as_deref(),
            Ok("cluster.local")
        );
        assert_eq!(
            check_domain("cluster.local.").as_deref(),
            Ok("cluster.local")
        );
        assert_eq!(check_domain("corp").as_deref(), Ok("corp"));
        for bad in [
            "",
            ".",
            "...",
            "a..b",
            ".a",
            "a_b.local",
            "Cluster.local",
            "a.-b",
        ] {
            assert!(check_domain(bad).is_err(), "{bad:?}");
        }
    }
}
