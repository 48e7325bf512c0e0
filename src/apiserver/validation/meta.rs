//! Metadata every object carries: its name, namespace, labels, annotations and finalizers, and
//! the label selectors the workload kinds use.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::field::{go_quote, BadValue, Error, ErrorList, Path};
use super::names::{label_value, qualified_name, NameRule};

/// An object's metadata on creation, after the server has filled in the namespace.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMetaAccessor),
// pkg/apis/core/validation/validation.go (ValidateObjectMeta: finalizer names)
// DEVIATION: a name still to be generated from `generateName` is not checked itself (kubesim
// generates it when the object is created); a namespace on a cluster-scoped kind is ignored, as
// the server clears it.
pub fn object_meta(meta: &ObjectMeta, namespaced: bool, rule: NameRule, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let generate = meta.generate_name.as_deref().unwrap_or_default();
    if !generate.is_empty() {
        for msg in rule.check(generate, true) {
            errs.push(Error::invalid(
                path.child("generateName"),
                BadValue::Str(generate.into()),
                &msg,
            ));
        }
    }
    match meta.name.as_deref().unwrap_or_default() {
        "" if generate.is_empty() => errs.push(Error::required(
            path.child("name"),
            "name or generateName is required",
        )),
        "" => {}
        name => {
            for msg in rule.check(name, false) {
                errs.push(Error::invalid(
                    path.child("name"),
                    BadValue::Str(name.into()),
                    &msg,
                ));
            }
        }
    }
    if let Some(namespace) = meta
        .namespace
        .as_deref()
        .filter(|n| namespaced && !n.is_empty())
    {
        for msg in NameRule::Label.check(namespace, false) {
            errs.push(Error::invalid(
                path.child("namespace"),
                BadValue::Str(namespace.into()),
                &msg,
            ));
        }
    }
    errs.extend(labels(meta.labels.as_ref(), &path.child("labels")));
    errs.extend(annotations(
        meta.annotations.as_ref(),
        &path.child("annotations"),
    ));
    errs.extend(finalizers(
        meta.finalizers.as_deref().unwrap_or_default(),
        &path.child("finalizers"),
    ));
    errs
}

/// Label keys are qualified names and values label values; errors name the map, not the key.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateLabels)
// DEVIATION: labels are checked in key order (upstream walks a Go map).
pub fn labels(labels: Option<&BTreeMap<String, String>>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (key, value) in labels.into_iter().flatten() {
        errs.extend(label_name(key, path));
        for msg in label_value(value) {
            errs.push(Error::invalid(
                path.clone(),
                BadValue::Str(value.clone()),
                &msg,
            ));
        }
    }
    errs
}

/// A label key (also a toleration's, a taint's, a selector requirement's).
pub fn label_name(key: &str, path: &Path) -> ErrorList {
    qualified_name(key)
        .into_iter()
        .map(|msg| Error::invalid(path.clone(), BadValue::Str(key.into()), &msg))
        .collect()
}

/// Annotation keys are qualified names in any case; all of them fit in 256 KiB.
// K8S: objectmeta.go (ValidateAnnotations, TotalAnnotationSizeLimitB)
pub fn annotations(annotations: Option<&BTreeMap<String, String>>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut size = 0;
    for (key, value) in annotations.into_iter().flatten() {
        for msg in qualified_name(&key.to_lowercase()) {
            errs.push(Error::invalid(
                path.clone(),
                BadValue::Str(key.clone()),
                &msg,
            ));
        }
        size += key.len() + value.len();
    }
    if size > 256 * 1024 {
        errs.push(Error::too_long(path.clone(), 256 * 1024));
    }
    errs
}

/// Finalizers are qualified names; one without a `/` must be a standard one.
// K8S: objectmeta.go (ValidateFinalizers), validation.go (validateKubeFinalizerName,
// pkg/apis/core/helper IsStandardFinalizerName)
fn finalizers(finalizers: &[String], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for f in finalizers {
        for msg in qualified_name(f) {
            errs.push(Error::invalid(path.clone(), BadValue::Str(f.clone()), &msg));
        }
    }
    for (i, f) in finalizers.iter().enumerate() {
        if !f.contains('/') && !matches!(f.as_str(), "kubernetes" | "orphan" | "foregroundDeletion")
        {
            errs.push(Error::invalid(
                path.index(i),
                BadValue::Str(f.clone()),
                "name is neither a standard finalizer name nor is it fully qualified",
            ));
        }
    }
    errs
}

/// A label selector's labels and expressions (values must be label values too).
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
// (ValidateLabelSelector, ValidateLabelSelectorRequirement)
pub fn label_selector(selector: &LabelSelector, path: &Path) -> ErrorList {
    let mut errs = labels(selector.match_labels.as_ref(), &path.child("matchLabels"));
    for (i, expr) in selector.match_expressions.iter().flatten().enumerate() {
        let at = path.child("matchExpressions").index(i);
        let values = expr.values.as_deref().unwrap_or_default();
        errs.extend(operator_and_values(&expr.operator, values, false, &at));
        errs.extend(label_name(&expr.key, &at.child("key")));
        for (j, value) in values.iter().enumerate() {
            for msg in label_value(value) {
                errs.push(Error::invalid(
                    at.child("values").index(j),
                    BadValue::Str(value.clone()),
                    &msg,
                ));
            }
        }
    }
    errs
}

/// A selector requirement's operator and the values it needs; `Gt` and `Lt` (one number)
/// only where `numeric` (node selectors).
// K8S: meta/v1/validation/validation.go (ValidateLabelSelectorRequirement),
// pkg/apis/core/validation/validation.go (ValidateNodeSelectorRequirement)
pub fn operator_and_values(
    operator: &str,
    values: &[String],
    numeric: bool,
    at: &Path,
) -> ErrorList {
    let error = match operator {
        "In" | "NotIn" if values.is_empty() => Error::required(
            at.child("values"),
            "must be specified when `operator` is 'In' or 'NotIn'",
        ),
        "Exists" | "DoesNotExist" if !values.is_empty() => Error::forbidden(
            at.child("values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
        "Gt" | "Lt" if numeric && values.len() != 1 => Error::required(
            at.child("values"),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
        ),
        "In" | "NotIn" | "Exists" | "DoesNotExist" => return Vec::new(),
        "Gt" | "Lt" if numeric => return Vec::new(),
        other => Error::invalid(
            at.child("operator"),
            BadValue::Str(other.into()),
            "not a valid selector operator",
        ),
    };
    vec![error]
}

/// A label map as Go's `%#v` prints it: `map[string]string{"app":"web"}`, or `(nil)`.
pub fn go_map(labels: Option<&BTreeMap<String, String>>) -> BadValue {
    let Some(labels) = labels else {
        return BadValue::Printed("map[string]string(nil)".into());
    };
    let entries: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
        .collect();
    BadValue::Printed(format!("map[string]string{{{}}}", entries.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: serde_json::Value) -> ObjectMeta {
        serde_json::from_value(json).unwrap()
    }

    fn messages(errs: ErrorList) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn names_namespaces_and_labels() {
        let path = Path::new(&["metadata"]);
        assert_eq!(
            messages(object_meta(
                &meta(serde_json::json!({})),
                true,
                NameRule::Subdomain,
                &path
            )),
            ["metadata.name: Required value: name or generateName is required"]
        );
        let bad = meta(
            serde_json::json!({"name": "Bad_Name", "namespace": "Dev", "labels": {"app": "a b"}, "finalizers": ["custom"]}),
        );
        let errs = messages(object_meta(&bad, true, NameRule::Subdomain, &path));
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].starts_with(
            "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
        ));
        assert!(errs[1]
            .starts_with("metadata.namespace: Invalid value: \"Dev\": a lowercase RFC 1123 label"));
        assert!(
            errs[2].starts_with("metadata.labels: Invalid value: \"a b\": a valid label must be")
        );
        assert_eq!(errs[3], "metadata.finalizers[0]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified");
        let generated = meta(serde_json::json!({"generateName": "web-"}));
        assert!(object_meta(&generated, true, NameRule::Subdomain, &path).is_empty());
    }

    #[test]
    fn selectors_and_how_values_print() {
        let selector: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In"}, {"key": "x", "operator": "Like", "values": ["a"]}]
        }))
        .unwrap();
        assert_eq!(
            messages(label_selector(&selector, &Path::new(&["spec", "selector"]))),
            [
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.selector.matchExpressions[1].operator: Invalid value: \"Like\": not a valid selector operator",
            ]
        );
        let labels: BTreeMap<String, String> =
            [("b".into(), "2".into()), ("a".into(), "1".into())].into();
        assert_eq!(
            go_map(Some(&labels)).to_string(),
            "map[string]string{\"a\":\"1\", \"b\":\"2\"}"
        );
        assert_eq!(go_map(None).to_string(), "map[string]string(nil)");
    }
}
