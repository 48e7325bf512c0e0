//! Indexed Jobs (`completionMode: Indexed`): each pod carries a completion index from 0 to
//! `completions - 1`, in its name, an annotation, a label, its hostname and the
//! `JOB_COMPLETION_INDEX` variable; the Job is complete when every index has succeeded once.

use std::collections::BTreeSet;

use crate::model::{Pod, PodPhase, PodSpec};

/// The annotation (and label) holding a pod's completion index.
// K8S: staging/src/k8s.io/api/batch/v1/types.go (JobCompletionIndexAnnotation)
pub const INDEX_ANNOTATION: &str = "batch.kubernetes.io/job-completion-index";
/// The variable every container of an indexed pod gets.
// K8S: pkg/controller/job/indexed_job_utils.go (completionIndexEnvName)
const INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// The pod's completion index, if it has a valid one below `completions`.
// K8S: pkg/controller/job/indexed_job_utils.go (getCompletionIndex)
pub fn index_of(pod: &Pod, completions: i32) -> Option<i32> {
    let index: i32 = pod.meta.annotations.get(INDEX_ANNOTATION)?.parse().ok()?;
    (0..completions).contains(&index).then_some(index)
}

/// The indexes that succeeded, and those an active pod is working on.
pub fn indexes<'a>(
    pods: impl Iterator<Item = &'a Pod>,
    completions: i32,
) -> (BTreeSet<i32>, BTreeSet<i32>) {
    let mut succeeded = BTreeSet::new();
    let mut active = BTreeSet::new();
    for pod in pods {
        let Some(index) = index_of(pod, completions) else {
            continue;
        };
        if pod.status.phase == PodPhase::Succeeded {
            succeeded.insert(index);
        } else if super::workload::active_and_ready(pod).0 {
            active.insert(index);
        }
    }
    (succeeded, active)
}

/// The first `n` indexes that neither succeeded nor run, lowest first.
// K8S: pkg/controller/job/indexed_job_utils.go (firstPendingIndexes)
pub fn first_pending(
    succeeded: &BTreeSet<i32>,
    active: &BTreeSet<i32>,
    completions: i32,
    n: usize,
) -> Vec<i32> {
    (0..completions)
        .filter(|i| !succeeded.contains(i) && !active.contains(i))
        .take(n)
        .collect()
}

/// `status.completedIndexes`: runs of consecutive indexes as `first-last`, single ones alone,
/// joined by commas (`0-2,5`).
// K8S: pkg/controller/job/indexed_job_utils.go (orderedIntervals.String)
pub fn completed_text(succeeded: &BTreeSet<i32>) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &index in succeeded {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == index => *last = index,
            _ => runs.push((index, index)),
        }
    }
    let text: Vec<String> = runs
        .iter()
        .map(|&(first, last)| match first == last {
            true => first.to_string(),
            false => format!("{first}-{last}"),
        })
        .collect();
    text.join(",")
}

/// The template's pod spec for one index: its containers get `JOB_COMPLETION_INDEX` (upstream
/// reads it from the annotation through the downward API, which gives the same value) and the
/// pod its hostname `<job>-<index>`.
// K8S: pkg/controller/job/indexed_job_utils.go (addCompletionIndexEnvVariables,
// setHostnameForIndexedPod... via podGenerateNameWithIndex's `<job>-<index>`)
pub fn spec_for_index(template: &PodSpec, job: &str, index: i32) -> PodSpec {
    let mut spec = template.clone();
    for container in spec.containers.iter_mut().chain(&mut spec.init_containers) {
        container
            .env
            .insert(INDEX_ENV.to_string(), index.to_string());
    }
    let var = k8s_openapi::api::core::v1::EnvVar {
        name: INDEX_ENV.to_string(),
        value_from: Some(k8s_openapi::api::core::v1::EnvVarSource {
            field_ref: Some(k8s_openapi::api::core::v1::ObjectFieldSelector {
                field_path: format!("metadata.annotations['{INDEX_ANNOTATION}']"),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let api = &mut spec.api;
    for container in api
        .containers
        .iter_mut()
        .chain(api.init_containers.iter_mut().flatten())
    {
        container.env.get_or_insert_with(Vec::new).push(var.clone());
    }
    api.hostname = Some(format!("{job}-{index}"));
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_indexes_read_as_upstream_prints_them() {
        let set = |v: &[i32]| v.iter().copied().collect::<BTreeSet<i32>>();
        assert_eq!(completed_text(&set(&[])), "");
        assert_eq!(completed_text(&set(&[3])), "3");
        assert_eq!(completed_text(&set(&[0, 1])), "0-1");
        assert_eq!(completed_text(&set(&[0, 1, 2, 5, 7, 8])), "0-2,5,7-8");
    }

    #[test]
    fn pending_indexes_skip_the_done_and_the_running() {
        let succeeded: BTreeSet<i32> = [0, 2].into();
        let active: BTreeSet<i32> = [1].into();
        assert_eq!(first_pending(&succeeded, &active, 6, 2), vec![3, 4]);
        assert_eq!(first_pending(&succeeded, &active, 4, 5), vec![3]);
    }
}
