//! The Job controller: runs pods from the template until `completions` succeeded, at most
//! `parallelism` at a time; a failed pod is replaced after the pod-failure backoff (10 s doubling
//! to 10 min) until `backoffLimit` failures, and `activeDeadlineSeconds` bounds the whole run.
//! Outcomes as upstream writes them: `SuccessCriteriaMet` then `Complete`, or `FailureTarget`
//! then `Failed`, with their events.

use k8s_openapi::api::batch::v1::Job;
use serde_json::{json, Value};

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
    let Some(object) = state.objects.get(key).cloned() else {
        return;
    };
    let Ok(job) = serde_json::from_value::<Job>(object.body.clone()) else {
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
    let mut status = workload::counts(&[
        ("active", counts.active.into()),
        ("ready", counts.ready.into()),
        ("succeeded", counts.succeeded.into()),
        ("failed", counts.failed.into()),
    ]);
    status["startTime"] = json!(start);
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
    if util::job_complete(completions, counts.succeeded, counts.active) {
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
    // DEVIATION: the backoff counts every failure of the Job, not only those since its last
    // success (upstream's backoff record).
    let last_failure = pods
        .iter()
        .filter(|p| p.status.phase == crate::model::PodPhase::Failed)
        .filter_map(|p| finished_at(p))
        .max();
    let remaining = util::remaining_backoff_ms(
        counts.failed,
        last_failure.map(SimTime::as_millis),
        now.as_millis(),
        util::DEFAULT_POD_FAILURE_BACKOFF_MS,
        util::MAX_POD_FAILURE_BACKOFF_MS,
    );
    let job_counts = JobCounts {
        parallelism,
        completions,
        active: counts.active,
        succeeded: counts.succeeded,
        terminating: 0,
        only_replace_failed: false,
        suspended: spec.suspend.unwrap_or(false),
    };
    match util::manage_job(&job_counts, remaining) {
        ManageAction::Create(n) => create(c, state, key, &object, n, out),
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
        let at = SimTime::ZERO + SimDuration::from_millis(start_at + seconds.max(0) as u64 * 1000);
        if at > now {
            c.timers.insert((at, key.clone()));
        }
    }
    write(state, key, status);
}

/// Creates `n` pods from the template, named `<job>-<5 characters>` and labelled with the Job.
// K8S: pkg/controller/job/job_controller.go (manageJob), pkg/registry/batch/job/strategy.go
// (the controller-uid and job-name labels the API server adds to the template)
fn create(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    object: &crate::model::cluster::StoredObject,
    n: i32,
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
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &key.2),
        ("controller-uid", &uid),
        ("job-name", &key.2),
    ] {
        labels.insert(k.to_string(), v.clone());
    }
    let annotations: std::collections::BTreeMap<String, String> = template
        .pointer("/metadata/annotations")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    for _ in 0..n {
        c.create_pod(
            state,
            ("Job", object),
            (labels.clone(), annotations.clone()),
            std::sync::Arc::clone(&spec),
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
