//! The workload kinds' own rules around their pod templates: a selector that selects the
//! template, the restart policy the controller needs, and the template checked as a pod spec.

use k8s_openapi::api::batch::v1::JobSpec;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::field::{BadValue, Error, ErrorList, Path};
use super::{meta, non_negative, pod};
use crate::apiserver::limits;
use crate::model::label_selector::Selector;

/// The kinds whose controller keeps pods running from one template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Deployment,
    ReplicaSet,
    DaemonSet,
    StatefulSet,
}

/// A Deployment's, ReplicaSet's, DaemonSet's or StatefulSet's spec (template defaulted).
// K8S: pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec, ValidateReplicaSetSpec,
// ValidateDaemonSetSpec, ValidateStatefulSetSpec, ValidatePodTemplateSpecForReplicaSet)
// DEVIATION: an empty selector (`selector: {}`), update strategies and the other counters
// are not checked.
pub fn workload(
    kind: Workload,
    replicas: Option<i32>,
    selector: Option<&LabelSelector>,
    template: &core::PodTemplateSpec,
) -> ErrorList {
    let spec = Path::new(&["spec"]);
    let mut errs = ErrorList::new();
    if kind != Workload::DaemonSet {
        errs.extend(non_negative(
            replicas.unwrap_or(1).into(),
            &spec.child("replicas"),
        ));
        errs.extend(limits::pod_count(replicas, &spec.child("replicas")));
    }
    let template_path = spec.child("template");
    match selector {
        None => errs.push(Error::required(spec.child("selector"), "")),
        Some(selector) => {
            errs.extend(meta::label_selector(selector, &spec.child("selector")));
            let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
            let selects = Selector::parse(Some(selector))
                .map(|s| s.is_empty() || s.matches(&labels.cloned().unwrap_or_default()));
            if selects == Ok(false) {
                errs.push(Error::invalid(
                    template_path.child("metadata").child("labels"),
                    meta::go_map(labels),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
    errs.extend(pod_template(template, &template_path));
    let spec_path = template_path.child("spec");
    let pod_spec = template.spec.as_ref();
    let restart = pod_spec
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or_default();
    if restart != "Always" {
        errs.push(Error::not_supported(
            spec_path.child("restartPolicy"),
            BadValue::Str(restart.into()),
            &["Always"],
        ));
    }
    if pod_spec.is_some_and(|s| s.active_deadline_seconds.is_some()) {
        errs.push(Error::forbidden(
            spec_path.child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in ReplicaSet is not Supported",
        ));
    }
    errs
}

/// A Job's spec at `path` (`spec`, or `spec.jobTemplate.spec` in a CronJob), template defaulted.
// K8S: pkg/apis/batch/validation/validation.go (validateJobSpec, ValidateJobTemplateSpec)
// DEVIATION: success and failure policies, backoff limits per index and pod replacement
// policies are not checked.
pub fn job(spec: &JobSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (field, value) in [
        ("parallelism", spec.parallelism),
        ("completions", spec.completions),
        ("backoffLimit", spec.backoff_limit),
    ] {
        if let Some(v) = value {
            errs.extend(non_negative(v.into(), &path.child(field)));
        }
    }
    for (field, value) in [
        ("parallelism", spec.parallelism),
        ("completions", spec.completions),
    ] {
        errs.extend(limits::pod_count(value, &path.child(field)));
    }
    if let Some(deadline) = spec.active_deadline_seconds.filter(|d| *d <= 0) {
        errs.push(Error::invalid(
            path.child("activeDeadlineSeconds"),
            BadValue::Int(deadline),
            "must be greater than zero",
        ));
    }
    match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") => {}
        Some("Indexed") if spec.completions.is_none() => errs.push(Error::required(
            path.child("completions"),
            "when completion mode is Indexed",
        )),
        Some("Indexed") => {}
        Some(other) => errs.push(Error::not_supported(
            path.child("completionMode"),
            BadValue::Str(other.into()),
            &["NonIndexed", "Indexed"],
        )),
    }
    let template_path = path.child("template");
    errs.extend(pod_template(&spec.template, &template_path));
    let restart = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or_default();
    if !matches!(restart, "OnFailure" | "Never") {
        errs.push(Error::not_supported(
            template_path.child("spec").child("restartPolicy"),
            BadValue::Str(restart.into()),
            &["OnFailure", "Never"],
        ));
    }
    errs
}

/// A pod template: its labels and annotations, and its spec as a pod's.
// K8S: pkg/apis/core/validation/validation.go (ValidatePodTemplateSpec: labels and annotations
// are named on the template's path, `spec.template.labels`)
fn pod_template(template: &core::PodTemplateSpec, path: &Path) -> ErrorList {
    let metadata = template.metadata.clone().unwrap_or_default();
    let mut errs = meta::labels(metadata.labels.as_ref(), &path.child("labels"));
    errs.extend(meta::annotations(
        metadata.annotations.as_ref(),
        &path.child("annotations"),
    ));
    if let Some(spec) = &template.spec {
        errs.extend(pod::spec(spec, &path.child("spec")));
    }
    errs
}
