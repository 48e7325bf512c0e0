//! A pod spec, whether in a pod or in a workload's pod template.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1 as core;

use super::container::{self, PodContext};
use super::field::{BadValue, Error, ErrorList, Path};
use super::meta;
use super::names::{self, inclusive_range_error, NameRule};
use super::scheduling;

/// The parts of a (defaulted) pod spec kubesim reads, in the order upstream checks them.
// K8S: pkg/apis/core/validation/validation.go (ValidatePodSpec)
// DEVIATION: the security context, DNS config, image pull secrets, readiness and scheduling
// gates, topology spread constraints and volume sources are not checked (kubesim does not
// simulate them).
pub fn spec(spec: &core::PodSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if spec.termination_grace_period_seconds.is_none() {
        errs.push(Error::required(
            path.child("terminationGracePeriodSeconds"),
            "",
        ));
    }
    let (volumes, volume_errs) = volume_names(
        spec.volumes.as_deref().unwrap_or_default(),
        &path.child("volumes"),
    );
    errs.extend(volume_errs);
    let pod = PodContext {
        volumes: &volumes,
        grace_period: spec.termination_grace_period_seconds,
    };
    errs.extend(container::containers(
        &spec.containers,
        &pod,
        &path.child("containers"),
    ));
    let init = spec.init_containers.as_deref().unwrap_or_default();
    errs.extend(container::init_containers(
        init,
        &spec.containers,
        &pod,
        &path.child("initContainers"),
    ));
    errs.extend(one_of(
        spec.restart_policy.as_deref(),
        &["Always", "OnFailure", "Never"],
        &path.child("restartPolicy"),
    ));
    errs.extend(one_of(
        spec.dns_policy.as_deref(),
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        &path.child("dnsPolicy"),
    ));
    errs.extend(meta::labels(
        spec.node_selector.as_ref(),
        &path.child("nodeSelector"),
    ));
    if let Some(affinity) = &spec.affinity {
        errs.extend(scheduling::affinity(affinity, &path.child("affinity")));
    }
    let named = [
        ("serviceAccountName", spec.service_account_name.as_deref()),
        ("nodeName", spec.node_name.as_deref()),
    ];
    for (field, value) in named {
        errs.extend(name(value, NameRule::Subdomain, &path.child(field)));
    }
    if let Some(deadline) = spec
        .active_deadline_seconds
        .filter(|d| !(1..=i64::from(i32::MAX)).contains(d))
    {
        errs.push(Error::invalid(
            path.child("activeDeadlineSeconds"),
            BadValue::Int(deadline),
            &inclusive_range_error(1, i32::MAX.into()),
        ));
    }
    for (field, value) in [
        ("hostname", spec.hostname.as_deref()),
        ("subdomain", spec.subdomain.as_deref()),
    ] {
        errs.extend(name(value, NameRule::Label, &path.child(field)));
    }
    let tolerations = spec.tolerations.as_deref().unwrap_or_default();
    errs.extend(scheduling::tolerations(
        tolerations,
        &path.child("tolerations"),
    ));
    errs.extend(name(
        spec.priority_class_name.as_deref(),
        NameRule::Subdomain,
        &path.child("priorityClassName"),
    ));
    errs
}

/// An enumerated field (already defaulted): empty is `Required`, anything else unknown is
/// `Unsupported`, listing the values in upstream's order.
fn one_of(value: Option<&str>, valid: &[&str], path: &Path) -> ErrorList {
    match value.unwrap_or_default() {
        "" => vec![Error::required(path.clone(), "")],
        v if valid.contains(&v) => Vec::new(),
        other => vec![Error::not_supported(
            path.clone(),
            BadValue::Str(other.into()),
            valid,
        )],
    }
}

/// A name-like field checked only when given.
fn name(value: Option<&str>, rule: NameRule, path: &Path) -> ErrorList {
    let value = value.unwrap_or_default();
    if value.is_empty() {
        return Vec::new();
    }
    let checked = rule.check(value, false);
    checked
        .iter()
        .map(|msg| Error::invalid(path.clone(), BadValue::Str(value.into()), msg))
        .collect()
}

/// The volumes' names: given, RFC 1123 labels, unique. Returns the names mounts may refer to.
// K8S: validation.go (ValidateVolumes: a volume with an error is not mountable)
fn volume_names(volumes: &[core::Volume], path: &Path) -> (BTreeSet<String>, ErrorList) {
    let mut known = BTreeSet::new();
    let mut errs = ErrorList::new();
    for (i, volume) in volumes.iter().enumerate() {
        let at = path.index(i).child("name");
        let mut found = ErrorList::new();
        if volume.name.is_empty() {
            found.push(Error::required(at.clone(), ""));
        } else {
            for msg in names::dns1123_label(&volume.name) {
                found.push(Error::invalid(
                    at.clone(),
                    BadValue::Str(volume.name.clone()),
                    &msg,
                ));
            }
        }
        if known.contains(&volume.name) {
            found.push(Error::duplicate(at, BadValue::Str(volume.name.clone())));
        }
        if found.is_empty() {
            known.insert(volume.name.clone());
        }
        errs.extend(found);
    }
    (known, errs)
}
