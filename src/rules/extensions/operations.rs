//! Which patch operations istiod applies to which `applyTo`, per Istio version, as
//! `pilot/pkg/networking/core/envoyfilter/` (listener_patch.go, rc_patch.go, cluster_patch.go,
//! extension_configuration_patch.go) and `pilot/pkg/model/envoyfilter.go` do. An operation
//! outside the list is skipped without a word: validation accepts it, istiod ignores it.

use crate::model::IstioVersion;

/// The `applyTo` values whose INSERT_* operations position the new element; istiod turns
/// INSERT_BEFORE/AFTER/FIRST on every other kind into ADD (convertToEnvoyFilterWrapper).
const POSITIONED: [&str; 4] = [
    "HTTP_FILTER",
    "NETWORK_FILTER",
    "HTTP_ROUTE",
    "LISTENER_FILTER",
];

pub const INSERTS: [&str; 3] = ["INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST"];

/// The operation istiod runs for `op` on `apply_to`: INSERT_* becomes ADD where nothing is
/// positioned.
pub fn effective(apply_to: &str, op: &str) -> &'static str {
    if INSERTS.contains(&op) && !POSITIONED.contains(&apply_to) {
        return "ADD";
    }
    ALL_OPS.iter().find(|o| **o == op).copied().unwrap_or("")
}

const ALL_OPS: [&str; 8] = [
    "MERGE",
    "ADD",
    "REMOVE",
    "INSERT_BEFORE",
    "INSERT_AFTER",
    "INSERT_FIRST",
    "REPLACE",
    "MERGE_AND_REPLACE_LIST",
];

/// Whether `op` is an operation of the API in `v` (MERGE_AND_REPLACE_LIST came in 1.31).
pub fn exists(op: &str, v: IstioVersion) -> bool {
    match op {
        "MERGE_AND_REPLACE_LIST" => v.at_least(1, 31),
        _ => ALL_OPS.contains(&op),
    }
}

/// Why nothing at all is applied for `apply_to` in `v`, when that is so.
pub fn kind_ignored(apply_to: &str, v: IstioVersion) -> Option<&'static str> {
    match apply_to {
        "BOOTSTRAP" if v.at_least(1, 21) => Some(
            "istiod stopped applying BOOTSTRAP patches in Istio 1.21, when the experimental BOOTSTRAP_XDS_AGENT was removed",
        ),
        "LISTENER_FILTER" if !v.at_least(1, 17) => {
            Some("istiod patches listener filters from Istio 1.17")
        }
        "EXTENSION_CONFIG" if !v.at_least(1, 9) => {
            Some("istiod serves EXTENSION_CONFIG patches from Istio 1.9")
        }
        _ => None,
    }
}

/// The operations istiod applies to `apply_to` in `v`, in the API's order; `None` for a value
/// that is not an `applyTo` mesh-lint knows.
pub fn applied(apply_to: &str, v: IstioVersion) -> Option<Vec<&'static str>> {
    let merge_list = v.at_least(1, 31);
    let mut ops: Vec<&'static str> = match apply_to {
        "LISTENER" | "FILTER_CHAIN" | "CLUSTER" => vec!["MERGE", "ADD", "REMOVE"],
        "NETWORK_FILTER" | "HTTP_FILTER" => vec![
            "MERGE",
            "ADD",
            "REMOVE",
            "INSERT_BEFORE",
            "INSERT_AFTER",
            "INSERT_FIRST",
            "REPLACE",
        ],
        "LISTENER_FILTER" => {
            let mut ops = vec![];
            if v.at_least(1, 27) {
                ops.push("MERGE");
            }
            ops.extend([
                "ADD",
                "REMOVE",
                "INSERT_BEFORE",
                "INSERT_AFTER",
                "INSERT_FIRST",
                "REPLACE",
            ]);
            ops
        }
        "ROUTE_CONFIGURATION" => vec!["MERGE"],
        "VIRTUAL_HOST" if v.at_least(1, 14) => vec!["MERGE", "ADD", "REMOVE", "REPLACE"],
        "VIRTUAL_HOST" => vec!["MERGE", "ADD", "REMOVE"],
        "HTTP_ROUTE" => vec![
            "MERGE",
            "ADD",
            "REMOVE",
            "INSERT_BEFORE",
            "INSERT_AFTER",
            "INSERT_FIRST",
        ],
        "EXTENSION_CONFIG" => vec!["ADD"],
        "BOOTSTRAP" => vec!["MERGE"],
        _ => return None,
    };
    let list_merging = matches!(
        apply_to,
        "LISTENER"
            | "FILTER_CHAIN"
            | "CLUSTER"
            | "ROUTE_CONFIGURATION"
            | "VIRTUAL_HOST"
            | "HTTP_ROUTE"
    );
    if merge_list && list_merging {
        ops.push("MERGE_AND_REPLACE_LIST");
    }
    if kind_ignored(apply_to, v).is_some() {
        ops.clear();
    }
    Some(ops)
}

/// Where istiod decides, for the notes.
pub fn source_file(apply_to: &str) -> &'static str {
    match apply_to {
        "ROUTE_CONFIGURATION" | "VIRTUAL_HOST" | "HTTP_ROUTE" => "rc_patch.go",
        "CLUSTER" => "cluster_patch.go",
        "EXTENSION_CONFIG" => "extension_configuration_patch.go",
        "BOOTSTRAP" => "the agent's bootstrap patching (removed)",
        _ => "listener_patch.go",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: IstioVersion = IstioVersion::LATEST;

    fn ok(apply_to: &str, op: &str, v: IstioVersion) -> bool {
        let op = effective(apply_to, op);
        applied(apply_to, v).unwrap().contains(&op)
    }

    #[test]
    fn pilot_table() {
        assert!(!ok("ROUTE_CONFIGURATION", "ADD", V));
        assert!(!ok("ROUTE_CONFIGURATION", "REMOVE", V));
        assert!(ok("ROUTE_CONFIGURATION", "MERGE", V));
        // istioctl reports these two; istiod has applied them since 1.8 and 1.3.
        assert!(ok("HTTP_ROUTE", "ADD", V));
        assert!(ok("HTTP_ROUTE", "REMOVE", V));
        assert!(!ok("HTTP_ROUTE", "REPLACE", V));
        assert!(!ok("CLUSTER", "REPLACE", V));
        assert!(
            ok("CLUSTER", "INSERT_AFTER", V),
            "INSERT_* is ADD on clusters"
        );
        assert!(ok("VIRTUAL_HOST", "REPLACE", V));
        assert!(!ok("VIRTUAL_HOST", "REPLACE", IstioVersion::new(1, 13)));
        assert!(ok("LISTENER_FILTER", "REPLACE", V));
        assert!(!ok("LISTENER_FILTER", "MERGE", IstioVersion::new(1, 26)));
        assert!(!ok("LISTENER_FILTER", "ADD", IstioVersion::new(1, 16)));
        assert!(!ok("BOOTSTRAP", "MERGE", V));
        assert!(ok("BOOTSTRAP", "MERGE", IstioVersion::new(1, 20)));
        assert!(!ok("EXTENSION_CONFIG", "MERGE", V));
        assert!(!ok(
            "HTTP_FILTER",
            "MERGE_AND_REPLACE_LIST",
            IstioVersion::new(1, 31)
        ));
        assert!(ok(
            "CLUSTER",
            "MERGE_AND_REPLACE_LIST",
            IstioVersion::new(1, 31)
        ));
        assert!(!exists("MERGE_AND_REPLACE_LIST", V));
        assert!(applied("SOMETHING", V).is_none());
    }
}
