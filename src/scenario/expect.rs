//! `spec.expect`: what `kubesim check` verifies, at an instant (`at`) or at every instant of a
//! span (`during: 3m..5m`), about a pod, a Deployment or the events recorded so far.

use serde::Deserialize;

use super::parse_instant;
use crate::engine::{SimDuration, SimTime};
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;

/// One `expect:` entry as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawExpectation {
    at: Option<String>,
    during: Option<String>,
    pod: Option<String>,
    deployment: Option<String>,
    job: Option<String>,
    daemonset: Option<String>,
    endpoints: Option<String>,
    event: Option<RawEvent>,
    phase: Option<String>,
    status: Option<String>,
    ready: Option<String>,
    restarts: Option<i32>,
    node: Option<String>,
    unschedulable: Option<String>,
    nominated: Option<String>,
    exists: Option<bool>,
    up_to_date: Option<i64>,
    available: Option<i64>,
    min_available: Option<i64>,
    max_replicas: Option<i64>,
    completions: Option<String>,
    failed: Option<i64>,
    addresses: Option<String>,
    desired: Option<i64>,
    progressing: Option<String>,
    why: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawEvent {
    reason: String,
    object: Option<String>,
    message: Option<String>,
    count: Option<u32>,
}

/// What an expectation is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Pod(String),
    Deployment(String),
    Job(String),
    DaemonSet(String),
    /// A Node (`node:` given without a pod).
    Node(String),
    /// A Service's Endpoints object.
    Endpoints(String),
    /// Events of this reason, optionally on one object (`deployment/web`) and with a message
    /// containing a text; `count` is how many occurrences (default: at least one).
    Events {
        reason: String,
        object: Option<String>,
        message: Option<String>,
        count: Option<u32>,
    },
}

/// One expectation, parsed.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub at: SimTime,
    /// With `during`, the check holds at every instant from `at` to `until`.
    pub until: Option<SimTime>,
    /// `file:line` of the entry, for failure messages.
    pub origin: String,
    pub namespace: String,
    pub subject: Subject,
    pub phase: Option<String>,
    pub status: Option<String>,
    /// `READY` column: `1/1` for a pod, `3/4` for a Deployment.
    pub ready: Option<String>,
    pub restarts: Option<i32>,
    pub node: Option<String>,
    /// The message of `PodScheduled=False` (the scheduler's FitError text).
    pub unschedulable: Option<String>,
    /// `status.nominatedNodeName` (`<none>` when unset), set by preemption.
    pub nominated: Option<String>,
    /// `false`: the object must be gone.
    pub exists: Option<bool>,
    /// Deployment `UP-TO-DATE` and `AVAILABLE` columns.
    pub up_to_date: Option<i64>,
    pub available: Option<i64>,
    /// Deployment bounds, for `during`: `status.availableReplicas` at least, `status.replicas`
    /// (pods not terminating) at most.
    pub min_available: Option<i64>,
    pub max_replicas: Option<i64>,
    /// Job `COMPLETIONS` column (`5/5`) and `status.failed`; a Job's `status` is its STATUS
    /// column.
    pub completions: Option<String>,
    pub failed: Option<i64>,
    /// The `ENDPOINTS` column of `kubectl get endpoints` (ready addresses only).
    pub addresses: Option<String>,
    /// DaemonSet `DESIRED` column.
    pub desired: Option<i64>,
    /// The reason of a Deployment's Progressing condition (`ProgressDeadlineExceeded`).
    pub progressing: Option<String>,
    /// What a failure of this entry means, in plain words (an exercise's broken variant fails
    /// it): `check` prints it under the failure.
    pub why: Option<String>,
}

/// Parses the entry at `path`.
pub(super) fn parse(
    e: &RawExpectation,
    src: Source<'_>,
    path: &[PathSeg],
    duration: SimDuration,
    origin: String,
) -> Result<Expectation, InputError> {
    let field = |name: &str| [path, &[PathSeg::key(name)]].concat();
    let (at, until) = match (&e.at, &e.during) {
        (Some(at), None) => (parse_instant(at, src, &field("at"), duration)?, None),
        (None, Some(span)) => {
            let Some((from, to)) = span.split_once("..") else {
                return Err(src
                    .error(&field("during"), format!("invalid span \"{span}\""))
                    .with_hint(Some("write `during: 3m..5m`".to_string())));
            };
            let from = parse_instant(from.trim(), src, &field("during"), duration)?;
            let to = parse_instant(to.trim(), src, &field("during"), duration)?;
            if to < from {
                return Err(src.error(
                    &field("during"),
                    format!("span \"{span}\" ends before it starts"),
                ));
            }
            (from, Some(to))
        }
        _ => {
            return Err(src.error(
                path,
                "each expect entry needs exactly one of `at:` or `during:`",
            ))
        }
    };
    let split = |name: &str| match name.split_once('/') {
        Some((ns, n)) => (ns.to_string(), n.to_string()),
        None => ("default".to_string(), name.to_string()),
    };
    let named = [
        (&e.pod, Subject::Pod as fn(String) -> Subject),
        (&e.deployment, Subject::Deployment),
        (&e.job, Subject::Job),
        (&e.daemonset, Subject::DaemonSet),
        (&e.endpoints, Subject::Endpoints),
    ];
    let mut subjects: Vec<(String, Subject)> = named
        .iter()
        .filter_map(|(name, make)| {
            let (ns, n) = split(name.as_ref()?);
            Some((ns, make(n)))
        })
        .collect();
    // `node:` is the subject only when nothing else is; beside `pod:` it is the pod's node.
    let node_subject = subjects.is_empty() && e.event.is_none();
    if let Some(node) = e.node.as_ref().filter(|_| node_subject) {
        subjects.push((String::new(), Subject::Node(node.clone())));
    }
    if let Some(ev) = &e.event {
        subjects.push((
            "default".to_string(),
            Subject::Events {
                reason: ev.reason.clone(),
                object: ev.object.clone(),
                message: ev.message.clone(),
                count: ev.count,
            },
        ));
    }
    let (namespace, subject) =
        match subjects.len() {
            1 => subjects.remove(0),
            _ => return Err(src.error(
                path,
                "each expect entry needs exactly one of `pod:`, `deployment:`, `job:`, `daemonset:`, `endpoints:`, `event:` or `node:`",
            )),
        };
    Ok(Expectation {
        at,
        until,
        origin,
        namespace,
        subject,
        phase: e.phase.clone(),
        status: e.status.clone(),
        ready: e.ready.clone(),
        restarts: e.restarts,
        node: e.node.clone().filter(|_| !node_subject),
        unschedulable: e.unschedulable.clone(),
        nominated: e.nominated.clone(),
        exists: e.exists,
        up_to_date: e.up_to_date,
        available: e.available,
        min_available: e.min_available,
        max_replicas: e.max_replicas,
        completions: e.completions.clone(),
        failed: e.failed,
        addresses: e.addresses.clone(),
        desired: e.desired,
        progressing: e.progressing.clone(),
        why: e.why.clone(),
    })
}
