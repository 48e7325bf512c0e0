//! Where a pod may run: tolerations, node and pod affinity, and the taint effects nodes and
//! tolerations name.

use k8s_openapi::api::core::v1 as core;

use super::field::{BadValue, Error, ErrorList, Path};
use super::meta::{label_name, label_selector, operator_and_values};
use super::names::{label_value, NameRule};

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// A toleration's taint effect, when it names one.
// K8S: pkg/apis/core/validation/validation.go (validateTaintEffect)
fn taint_effect(effect: &str, path: &Path) -> ErrorList {
    match effect {
        e if EFFECTS.contains(&e) => Vec::new(),
        other => vec![Error::not_supported(
            path.clone(),
            BadValue::Str(other.into()),
            EFFECTS,
        )],
    }
}

/// Tolerations: a key (or `Exists` for all keys), a value that fits the operator, a known
/// effect, and `tolerationSeconds` only with `NoExecute`.
// K8S: validation.go (ValidateTolerations)
pub fn tolerations(list: &[core::Toleration], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, t) in list.iter().enumerate() {
        let at = path.index(i);
        let key = t.key.as_deref().unwrap_or_default();
        let operator = t.operator.as_deref().unwrap_or_default();
        let value = t.value.as_deref().unwrap_or_default();
        let effect = t.effect.as_deref().unwrap_or_default();
        if !key.is_empty() {
            errs.extend(label_name(key, &at.child("key")));
        }
        if key.is_empty() && operator != "Exists" {
            errs.push(Error::invalid(
                at.child("operator"),
                BadValue::Str(operator.into()),
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            errs.push(Error::invalid(
                at.child("effect"),
                BadValue::Str(effect.into()),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match operator {
            "Equal" | "" => {
                let msgs = label_value(value);
                if !msgs.is_empty() {
                    errs.push(Error::invalid(
                        at.child("operator"),
                        BadValue::Str(value.into()),
                        &msgs.join(";"),
                    ));
                }
            }
            "Exists" if !value.is_empty() => errs.push(Error::invalid(
                at.child("operator"),
                BadValue::Str(value.into()),
                "value must be empty when `operator` is 'Exists'",
            )),
            "Exists" => {}
            other => errs.push(Error::not_supported(
                at.child("operator"),
                BadValue::Str(other.into()),
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() {
            errs.extend(taint_effect(effect, &at.child("effect")));
        }
    }
    errs
}

/// Node affinity's terms and pod (anti-)affinity's terms.
// K8S: validation.go (validateAffinity, validateNodeAffinity, validatePodAffinity,
// validatePodAntiAffinity)
pub fn affinity(affinity: &core::Affinity, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(node) = &affinity.node_affinity {
        let at = path.child("nodeAffinity");
        if let Some(required) = &node.required_during_scheduling_ignored_during_execution {
            errs.extend(node_selector(
                required,
                &at.child("requiredDuringSchedulingIgnoredDuringExecution"),
            ));
        }
        let preferred = at.child("preferredDuringSchedulingIgnoredDuringExecution");
        for (i, term) in node
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            errs.extend(weight(term.weight, &preferred.index(i)));
            errs.extend(node_selector_term(
                &term.preference,
                false,
                &preferred.index(i).child("preference"),
            ));
        }
    }
    let pod_terms = [
        (
            "podAffinity",
            affinity.pod_affinity.as_ref().map(|a| {
                (
                    &a.required_during_scheduling_ignored_during_execution,
                    &a.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
        (
            "podAntiAffinity",
            affinity.pod_anti_affinity.as_ref().map(|a| {
                (
                    &a.required_during_scheduling_ignored_during_execution,
                    &a.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
    ];
    for (field, terms) in pod_terms {
        let Some((required, preferred)) = terms else {
            continue;
        };
        let at = path.child(field);
        for (i, term) in required.iter().flatten().enumerate() {
            errs.extend(pod_affinity_term(
                term,
                &at.child("requiredDuringSchedulingIgnoredDuringExecution")
                    .index(i),
            ));
        }
        let weighted = at.child("preferredDuringSchedulingIgnoredDuringExecution");
        for (i, term) in preferred.iter().flatten().enumerate() {
            errs.extend(weight(term.weight, &weighted.index(i)));
            errs.extend(pod_affinity_term(
                &term.pod_affinity_term,
                &weighted.index(i).child("podAffinityTerm"),
            ));
        }
    }
    errs
}

fn weight(weight: i32, path: &Path) -> ErrorList {
    if (1..=100).contains(&weight) {
        Vec::new()
    } else {
        vec![Error::invalid(
            path.child("weight"),
            BadValue::Int(weight.into()),
            "must be in the range 1-100",
        )]
    }
}

// K8S: validation.go (validatePodAffinityTerm)
fn pod_affinity_term(term: &core::PodAffinityTerm, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(selector) = &term.label_selector {
        errs.extend(label_selector(selector, &path.child("labelSelector")));
    }
    if let Some(selector) = &term.namespace_selector {
        errs.extend(label_selector(selector, &path.child("namespaceSelector")));
    }
    for name in term.namespaces.iter().flatten() {
        for msg in NameRule::Label.check(name, false) {
            errs.push(Error::invalid(
                path.child("namespace"),
                BadValue::Str(name.clone()),
                &msg,
            ));
        }
    }
    if term.topology_key.is_empty() {
        errs.push(Error::required(
            path.child("topologyKey"),
            "can not be empty",
        ));
    }
    errs.extend(label_name(&term.topology_key, &path.child("topologyKey")));
    errs
}

/// A required node selector: at least one term.
// K8S: validation.go (ValidateNodeSelector)
fn node_selector(selector: &core::NodeSelector, path: &Path) -> ErrorList {
    let terms = path.child("nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        return vec![Error::required(
            terms,
            "must have at least one node selector term",
        )];
    }
    selector
        .node_selector_terms
        .iter()
        .enumerate()
        .flat_map(|(i, term)| node_selector_term(term, true, &terms.index(i)))
        .collect()
}

/// A term's expressions (values checked as label values in required terms only) and fields.
// K8S: validation.go (ValidateNodeSelectorTerm, ValidateNodeSelectorRequirement,
// ValidateNodeFieldSelectorRequirement)
fn node_selector_term(term: &core::NodeSelectorTerm, check_values: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (j, req) in term.match_expressions.iter().flatten().enumerate() {
        let at = path.child("matchExpressions").index(j);
        let values = req.values.as_deref().unwrap_or_default();
        errs.extend(operator_and_values(&req.operator, values, true, &at));
        errs.extend(label_name(&req.key, &at.child("key")));
        if check_values {
            for (k, value) in values.iter().enumerate() {
                for msg in label_value(value) {
                    errs.push(Error::invalid(
                        at.child("values").index(k),
                        BadValue::Str(value.clone()),
                        &msg,
                    ));
                }
            }
        }
    }
    for (j, req) in term.match_fields.iter().flatten().enumerate() {
        let at = path.child("matchFields").index(j);
        let values = req.values.as_deref().unwrap_or_default();
        match req.operator.as_str() {
            "In" | "NotIn" if values.len() != 1 => errs.push(Error::required(
                at.child("values"),
                "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
            )),
            "In" | "NotIn" => {}
            other => errs.push(Error::invalid(
                at.child("operator"),
                BadValue::Str(other.into()),
                "not a valid selector operator",
            )),
        }
        if req.key != "metadata.name" {
            errs.push(Error::invalid(
                at.child("key"),
                BadValue::Str(req.key.clone()),
                "not a valid field selector key",
            ));
        } else {
            for (k, v) in values.iter().enumerate() {
                for msg in NameRule::Subdomain.check(v, false) {
                    errs.push(Error::invalid(
                        at.child("values").index(k),
                        BadValue::Str(v.clone()),
                        &msg,
                    ));
                }
            }
        }
    }
    errs
}
