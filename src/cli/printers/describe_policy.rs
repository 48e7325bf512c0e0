//! `kubectl describe` for the namespace policies admission enforces: ResourceQuotas (used
//! against hard) and LimitRanges (each item's bounds and defaults).

use std::fmt::Write;

use serde_json::Value;

use super::table::describe_text;
use crate::model::cluster::StoredObject;
use crate::model::resources::list_from_json;
use crate::model::Quantity;

/// `kubectl describe quota NAME`.
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeQuota)
pub fn quota(object: &StoredObject) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "Name:\t{}", object.name);
    let _ = writeln!(w, "Namespace:\t{}", object.namespace);
    let mut scopes: Vec<&str> = object
        .body
        .pointer("/spec/scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !scopes.is_empty() {
        scopes.sort();
        let _ = writeln!(w, "Scopes:\t{}", scopes.join(", "));
        for help in scopes.iter().filter_map(|s| scope_help(s)) {
            let _ = writeln!(w, " * {help}");
        }
    }
    let _ = writeln!(w, "Resource\tUsed\tHard");
    let _ = writeln!(w, "--------\t----\t----");
    let hard = list_from_json(object.body.pointer("/status/hard"));
    let used = list_from_json(object.body.pointer("/status/used"));
    for (name, hard_q) in &hard {
        let mut used_q = used.get(name).cloned().unwrap_or_default();
        // A used amount in another format is shown in the hard one's, from its whole value.
        if used_q.format() != hard_q.format() {
            used_q = Quantity::from_value(used_q.value(), hard_q.format());
        }
        let _ = writeln!(w, "{name}\t{used_q}\t{hard_q}");
    }
    describe_text(&out)
}

// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (helpTextForResourceQuotaScope)
fn scope_help(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "Terminating" => "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
        "NotTerminating" => "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
        "BestEffort" => "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
        "NotBestEffort" => "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
        _ => return None,
    })
}

/// `kubectl describe limitrange NAME`: a row per item and resource, `-` where unset.
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeLimitRange,
// describeLimitRangeSpec)
// DEVIATION: an item's resources are listed in name order; upstream walks a Go map.
pub fn limit_range(object: &StoredObject) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "Name:\t{}", object.name);
    let _ = writeln!(w, "Namespace:\t{}", object.namespace);
    let _ = writeln!(
        w,
        "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio"
    );
    let _ = writeln!(
        w,
        "----\t--------\t---\t---\t---------------\t-------------\t-----------------------"
    );
    let items = object
        .body
        .pointer("/spec/limits")
        .and_then(Value::as_array);
    for item in items.into_iter().flatten() {
        let columns = [
            "min",
            "max",
            "defaultRequest",
            "default",
            "maxLimitRequestRatio",
        ]
        .map(|field| list_from_json(item.get(field)));
        let mut names: Vec<&String> = columns.iter().flat_map(|l| l.keys()).collect();
        names.sort();
        names.dedup();
        let type_ = item["type"].as_str().unwrap_or_default();
        for name in names {
            let cells = columns
                .iter()
                .map(|l| l.get(name).map_or("-".to_string(), Quantity::to_string))
                .collect::<Vec<_>>()
                .join("\t");
            let _ = writeln!(w, "{type_}\t{name}\t{cells}");
        }
    }
    describe_text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(kind: &str, body: Value) -> StoredObject {
        StoredObject {
            kind: kind.into(),
            api_version: "v1".into(),
            namespace: "dev".into(),
            name: "x".into(),
            creation: crate::engine::SimTime::ZERO,
            body,
        }
    }

    #[test]
    fn quota_lists_used_against_hard_in_the_hard_format() {
        let q = object(
            "ResourceQuota",
            json!({"status": {"hard": {"requests.memory": "10Gi", "pods": "3"},
                              "used": {"requests.memory": "0", "pods": "2"}}}),
        );
        assert_eq!(
            quota(&q),
            "Name:            x\nNamespace:       dev\nResource         Used  Hard\n--------         ----  ----\npods             2     3\nrequests.memory  0     10Gi\n"
        );
    }

    #[test]
    fn limit_range_rows_show_dashes_where_unset() {
        let l = object(
            "LimitRange",
            json!({"spec": {"limits": [{"type": "Container", "max": {"memory": "3Gi"},
                "default": {"memory": "3Gi"}, "defaultRequest": {"memory": "3Gi"},
                "min": {"cpu": "100m"}}]}}),
        );
        assert_eq!(
            limit_range(&l),
            "Name:       x\nNamespace:  dev\n\
             Type        Resource  Min   Max  Default Request  Default Limit  Max Limit/Request Ratio\n\
             ----        --------  ---   ---  ---------------  -------------  -----------------------\n\
             Container   cpu       100m  -    -                -              -\n\
             Container   memory    -     3Gi  3Gi              3Gi            -\n"
        );
    }
}
