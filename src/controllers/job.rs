//! The Job controller: runs pods from the template until `completions` succeeded, at most
//! `parallelism` at a time; a failed pod is replaced after the pod-failure backoff (10 s doubling
//! to 10 min) until `backoffLimit` failures, and `activeDeadlineSeconds` bounds the whole run.
//! Outcomes as upstream writes them: `SuccessCriteriaMet` then `Complete`, or `FailureTarget`
//! then `Failed`, with their events.

use k8s_openapi::api::batch::v1::Job;
use serde_json::{json, Value};

use super::indexed_job;
use super::job_util::{self as util, JobCounts, ManageAction};
use super::{workload, Controllers, Key, Request, JOB_CONTROLLER};
use crate::engine::{SimDuration, SimTime};
use crate::model::time::rfc3339;
use crate::model::{ClusterState, ContainerState, Event, EventType, ObjectRef, Pod};

/// Syncs one Job.
// K8S: pkg/controller/job/job_controller.go (syncJob, manageJob)
pub fn sync(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    now: SimTime,
    out: &mut Vec<Request>,
) {
    let Some((object, job)) = workload::load::<Job>(state, key) else {
        return;
    };
    if finished(&object.body) {
        return;
    }
    let spec = job.spec.clone().unwrap_or_default();
    let uid = workload::uid(&object);
    let counts = c.counts(&uid);
    // K8S: pkg/apis/batch/v1/defaults.go (both unset: 1 and 1; parallelism 1; backoffLimit 6)
    let parallelism = spec.parallelism.unwrap_or(1);
    let completions = spec.completions.or(spec.parallelism.is_none().then_some(1));
    let backoff_limit = spec.backoff_limit.unwrap_or(6);
    let start = object
        .body
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| rfc3339(now));
    let start_at = c.job_starts.entry(uid.clone()).or_insert(now).as_millis();
    let pods: Vec<&Pod> = state.pods_owned_by(&uid).map(|(_, p)| p).collect();
    let on_failure = spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.restart_policy.as_deref())
        == Some("OnFailure");
    let restarts = on_failure.then(|| {
        pods.iter()
            .filter(|p| workload::active_and_ready(p).0)
            .map(|p| p.status.restarts())
            .sum()
    });
    let deadline = spec.active_deadline_seconds;
    let past_deadline =
        util::past_active_deadline(deadline, Some(start_at), now.as_millis(), false);
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    let indexes = completions
        .filter(|_| indexed)
        .map(|n| (n, indexed_job::indexes(pods.iter().copied(), n)));
    // An Indexed Job counts each index once, however many of its pods succeeded.
    let succeeded = indexes
        .as_ref()
        .map_or(counts.succeeded, |(_, (done, _))| done.len() as i32);
    let mut status = workload::counts(&[
        ("active", counts.active.into()),
        ("ready", counts.ready.into()),
        ("succeeded", succeeded.into()),
        ("failed", counts.failed.into()),
    ]);
    status["startTime"] = json!(start);
    if let Some((_, (done, _))) = indexes.as_ref().filter(|(_, (done, _))| !done.is_empty()) {
        status["completedIndexes"] = json!(indexed_job::completed_text(done));
    }
    if let Some((reason, message)) =
        util::job_failure(counts.failed, backoff_limit, restarts, past_deadline)
    {
        for pod in pods.iter().filter(|p| workload::active_and_ready(p).0) {
            out.push(delete(pod));
        }
        status["conditions"] = conditions(
            &[util::COND_FAILURE_TARGET, util::COND_FAILED],
            reason,
            message,
            now,
        );
        record(
            state,
            key,
            EventType::Warning,
            reason,
            message.to_string(),
            now,
        );
        write(state, key, status);
        return;
    }
    if util::job_complete(completions, succeeded, counts.active) {
        let (reason, message) = (
            util::REASON_COMPLETIONS_REACHED,
            util::MSG_COMPLETIONS_REACHED,
        );
        status["conditions"] = conditions(
            &[util::COND_SUCCESS_CRITERIA_MET, util::COND_COMPLETE],
            reason,
            message,
            now,
        );
        status["completionTime"] = json!(rfc3339(now));
        record(
            state,
            key,
            EventType::Normal,
            util::EVENT_COMPLETED,
            util::MSG_JOB_COMPLETED.to_string(),
            now,
        );
        write(state, key, status);
        return;
    }
    // K8S: pkg/controller/job/backoff_utils.go (the backoff record: failures since the
    // latest success, timed from the latest of them)
    let finished_in = |phase| -> Vec<u64> {
        let finished = pods.iter().filter(|p| p.status.phase == phase);
        finished
            .filter_map(|p| finished_at(p))
            .map(SimTime::as_millis)
            .collect()
    };
    let record = util::new_backoff_record(
        util::BackoffRecord::default(),
        &finished_in(crate::model::PodPhase::Succeeded),
        &finished_in(crate::model::PodPhase::Failed),
    );
    let remaining = record.remaining_ms(now.as_millis());
    let job_counts = JobCounts {
        parallelism,
        completions,
        active: counts.active,
        succeeded,
        terminating: 0,
        only_replace_failed: false,
        suspended: spec.suspend.unwrap_or(false),
    };
    match util::manage_job(&job_counts, remaining) {
        ManageAction::Create(n) => {
            let slots: Vec<Option<i32>> = match &indexes {
                Some((completions, (done, running))) => {
                    indexed_job::first_pending(done, running, *completions, n as usize)
                        .into_iter()
                        .map(Some)
                        .collect()
                }
                None => vec![None; n as usize],
            };
            create(c, state, key, &object, &slots, out)
        }
        ManageAction::Delete(n) => {
            let active = pods.iter().filter(|p| workload::active_and_ready(p).0);
            for pod in active.rev().take(n as usize) {
                out.push(delete(pod));
            }
        }
        ManageAction::WaitBackoff(ms) => {
            c.timers
                .insert((now + SimDuration::from_millis(ms), key.clone()));
        }
        ManageAction::Nothing => {}
    }
    if let Some(seconds) = deadline {
        let at = SimTime::from_millis(start_at) + SimDuration::from_secs(seconds.max(0) as u64);
        if at > now {
            c.timers.insert((at, key.clone()));
        }
    }
    write(state, key, status);
}

/// Creates a pod from the template for each slot, labelled with the Job: named
/// `<job>-<5 characters>`, or for a completion index `<job>-<index>-<5 characters>`.
// K8S: pkg/controller/job/job_controller.go (manageJob), pkg/registry/batch/job/strategy.go
// (the controller-uid and job-name labels the API server adds to the template),
// indexed_job_utils.go (addCompletionIndexAnnotation, addCompletionIndexLabel)
fn create(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    object: &crate::model::cluster::StoredObject,
    slots: &[Option<i32>],
    out: &mut Vec<Request>,
) {
    let uid = workload::uid(object);
    let Some(template) = object.body.pointer("/spec/template").cloned() else {
        return;
    };
    let Some(spec) = c.template(&uid, &template, &key.2) else {
        return;
    };
    let mut labels: std::collections::BTreeMap<String, String> = template
        .pointer("/metadata/labels")
        .and_then(|l| serde_json::from_value(l.clone()).ok())
        .unwrap_or_default();
    for (k, v) in crate::apiserver::defaults::job_template_labels(&uid, &key.2) {
        labels.insert(k.to_string(), v);
    }
    let annotations: std::collections::BTreeMap<String, String> = template
        .pointer("/metadata/annotations")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    for slot in slots {
        let (mut labels, mut annotations) = (labels.clone(), annotations.clone());
        let (prefix, spec) = match *slot {
            Some(index) => {
                labels.insert(indexed_job::INDEX_ANNOTATION.into(), index.to_string());
                annotations.insert(indexed_job::INDEX_ANNOTATION.into(), index.to_string());
                let prefix = util::pod_generate_name_with_index(&key.2, index);
                let spec = indexed_job::spec_for_index(&spec, &key.2, index);
                (Some(prefix), std::sync::Arc::new(spec))
            }
            None => (None, std::sync::Arc::clone(&spec)),
        };
        c.create_pod(
            state,
            ("Job", object, prefix),
            (labels, annotations),
            spec,
            JOB_CONTROLLER,
            out,
        );
    }
}

fn delete(pod: &Pod) -> Request {
    Request::DeletePod {
        namespace: pod.meta.namespace.clone(),
        name: pod.meta.name.clone(),
    }
}

/// When the pod's last container finished.
fn finished_at(pod: &Pod) -> Option<SimTime> {
    pod.status
        .container_statuses
        .iter()
        .filter_map(|s| match s.state {
            ContainerState::Terminated { finished_at, .. } => Some(finished_at),
            _ => None,
        })
        .max()
}

/// Whether the Job already has its final condition.
fn finished(body: &Value) -> bool {
    body.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
            })
        })
}

/// The final conditions, each True with the same reason and message.
fn conditions(types: &[&str], reason: &str, message: &str, now: SimTime) -> Value {
    let stamp = rfc3339(now);
    Value::Array(
        types
            .iter()
            .map(|t| {
                json!({
                    "type": t,
                    "status": "True",
                    "reason": reason,
                    "message": message,
                    "lastProbeTime": stamp,
                    "lastTransitionTime": stamp,
                })
            })
            .collect(),
    )
}

fn write(state: &mut ClusterState, key: &Key, status: Value) {
    if let Some(object) = state.objects.get_mut(key) {
        workload::set_status(object, status);
    }
}

fn record(
    state: &mut ClusterState,
    key: &Key,
    type_: EventType,
    reason: &str,
    message: String,
    now: SimTime,
) {
    state.record_event(Event::new(
        ObjectRef::new("Job", &key.1, &key.2),
        type_,
        reason,
        message,
        JOB_CONTROLLER,
        now,
    ));
}
