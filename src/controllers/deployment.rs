//! The Deployment controller: one ReplicaSet per pod template, named `<deployment>-<template
//! hash>`; RollingUpdate moves pods from the old ReplicaSets to the new one within maxSurge and
//! maxUnavailable, Recreate scales the old ones to zero first; revisions, `ScalingReplicaSet`
//! events and the Available/Progressing conditions as upstream writes them.

use k8s_openapi::api::apps::v1::Deployment;
use serde_json::{json, Value};

use super::rollout::{self, DeploymentSpec, IntOrPercent, Rs, Strategy};
use super::{names, workload, Controllers, Key, Request, DEPLOYMENT_CONTROLLER};
use crate::engine::{SimDuration, SimTime};
use crate::model::cluster::StoredObject;
use crate::model::time::{parse_rfc3339, rfc3339};
use crate::model::{ClusterState, Event, EventType, ObjectRef};

const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// The label that ties a ReplicaSet and its pods to one template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// One of the Deployment's ReplicaSets.
struct Owned {
    key: Key,
    rs: Rs,
    /// Its pod template in [`comparable`] form.
    template: Value,
    revision: i64,
    /// `status.replicas`, `readyReplicas`.
    current: i32,
    ready: i32,
}

/// Syncs one Deployment.
// K8S: pkg/controller/deployment/deployment_controller.go (syncDeployment)
pub fn sync(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    now: SimTime,
    out: &mut Vec<Request>,
) {
    let Some((object, deployment)) = workload::load::<Deployment>(state, key) else {
        return;
    };
    let d = spec_of(&deployment);
    let uid = workload::uid(&object);
    let Some(template) = object.body.pointer("/spec/template").cloned() else {
        return;
    };
    // K8S: pkg/controller/controller_utils.go (ComputeHash)
    let hash = names::pod_template_hash(&template.to_string(), None);
    let wanted = comparable(&template);
    let owned = owned_replica_sets(state, &key.1, &uid);
    // K8S: pkg/controller/deployment/util/deployment_util.go (FindNewReplicaSet: the oldest
    // ReplicaSet whose template is the Deployment's, EqualIgnoreHash)
    let (new, old): (Vec<&Owned>, Vec<&Owned>) = owned.iter().partition(|o| o.template == wanted);
    let new = new.first().copied();
    let max_revision = old.iter().map(|o| o.revision).max().unwrap_or(0);
    if is_paused(&object) {
        sync_paused(c, state, key, &d, &owned, new, now);
        let owned = owned_replica_sets(state, &key.1, &uid);
        let new = owned.iter().find(|o| o.template == wanted);
        write_status(c, state, key, &d, &owned, new, SyncKind::Paused, now);
        return;
    }
    let Some(new) = new else {
        let replicas = match &d.strategy {
            // K8S: pkg/controller/deployment/recreate.go: the new ReplicaSet waits at 0 until
            // the old pods are gone.
            Strategy::Recreate if old.iter().any(|o| o.current > 0 || o.rs.replicas > 0) => 0,
            _ => {
                let all: Vec<Rs> = old.iter().map(|o| o.rs.clone()).collect();
                let empty = Rs {
                    name: String::new(),
                    replicas: 0,
                    available: 0,
                    created_ms: now.as_millis(),
                };
                rollout::new_rs_new_replicas(&d, &all, &empty).unwrap_or(0)
            }
        };
        if matches!(d.strategy, Strategy::Recreate) {
            scale_old_to_zero(state, key, &old, &d, now);
        }
        set_annotation(state, key, REVISION, (max_revision + 1).to_string());
        let rs = new_replica_set(
            &object,
            &template,
            &hash,
            replicas,
            &d,
            max_revision + 1,
            now,
        );
        let name = rs.name.clone();
        if replicas > 0 {
            record(
                state,
                key,
                rollout::msg_created_scaled(&name, replicas),
                now,
            );
        }
        out.push(Request::CreateObject(rs));
        write_status(
            c,
            state,
            key,
            &d,
            &owned,
            None,
            SyncKind::Created(&name),
            now,
        );
        return;
    };
    // K8S: pkg/controller/deployment/sync.go (getNewReplicaSet: the new ReplicaSet takes the
    // next revision, which the Deployment's annotation repeats)
    let revision = if new.revision <= max_revision {
        set_annotation(state, &new.key, REVISION, (max_revision + 1).to_string());
        max_revision + 1
    } else {
        new.revision
    };
    set_annotation(state, key, REVISION, revision.to_string());
    match &d.strategy {
        Strategy::RollingUpdate { .. } => rolling(c, state, key, &d, new, &old, now),
        Strategy::Recreate => recreate(c, state, key, &d, new, &old, now),
    }
    let owned = owned_replica_sets(state, &key.1, &uid);
    let new = owned.iter().find(|o| o.template == wanted);
    write_status(c, state, key, &d, &owned, new, SyncKind::Rolling, now);
}

/// Whether `spec.paused` is set: `kubectl rollout pause`.
pub fn is_paused(object: &StoredObject) -> bool {
    object.body.pointer("/spec/paused") == Some(&json!(true))
}

/// A paused Deployment: no new ReplicaSet and no rollout step, only scaling. With one active
/// ReplicaSet (or none, then the newest) that one takes `spec.replicas`; a saturated new one
/// sends the old ones to zero.
// K8S: pkg/controller/deployment/sync.go (sync, scale; FindActiveOrLatest)
// DEVIATION: with several active ReplicaSets (a rollout paused midway) a replica change is not
// spread proportionally across them; they keep their sizes until the rollout resumes.
fn sync_paused(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    d: &DeploymentSpec,
    owned: &[Owned],
    new: Option<&Owned>,
    now: SimTime,
) {
    let active: Vec<&Owned> = owned.iter().filter(|o| o.rs.replicas > 0).collect();
    let target = match active[..] {
        [one] => Some(one),
        [] => new.or(owned.last()),
        _ => None,
    };
    if let Some(rs) = target {
        if rs.rs.replicas != d.replicas {
            scale(c, state, key, rs, d.replicas, d, now);
        }
        return;
    }
    if let Some(new) = new.filter(|n| n.rs.replicas == d.replicas && n.rs.available == d.replicas) {
        for o in active.iter().filter(|o| o.key != new.key) {
            scale(c, state, key, o, 0, d, now);
        }
    }
}

/// What this sync did, for the Progressing condition.
enum SyncKind<'a> {
    /// A new ReplicaSet, named, was just created.
    Created(&'a str),
    /// A rollout step (or none needed).
    Rolling,
    /// `spec.paused`.
    Paused,
}

/// One step of a rolling update: grow the new ReplicaSet within maxSurge, or else shrink the
/// old ones within maxUnavailable.
// K8S: pkg/controller/deployment/rolling.go (rolloutRolling)
fn rolling(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    d: &DeploymentSpec,
    new: &Owned,
    old: &[&Owned],
    now: SimTime,
) {
    let all: Vec<Rs> = old
        .iter()
        .map(|o| o.rs.clone())
        .chain([new.rs.clone()])
        .collect();
    if let Ok(Some(size)) = rollout::reconcile_new_replica_set(d, &all, &new.rs) {
        scale(c, state, key, new, size, d, now);
        return;
    }
    let old_rs: Vec<Rs> = old.iter().map(|o| o.rs.clone()).collect();
    let plan = rollout::reconcile_old_replica_sets(d, &old_rs, &new.rs);
    for planned in &plan.old {
        if let Some(o) = old.iter().find(|o| o.rs.name == planned.name) {
            if planned.replicas != o.rs.replicas {
                scale(c, state, key, o, planned.replicas, d, now);
            }
        }
    }
}

/// Recreate: old ReplicaSets to zero, and only once their pods are gone, the new one up.
// K8S: pkg/controller/deployment/recreate.go (rolloutRecreate)
fn recreate(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    d: &DeploymentSpec,
    new: &Owned,
    old: &[&Owned],
    now: SimTime,
) {
    if scale_old_to_zero(state, key, old, d, now) {
        for o in old {
            c.dirty.insert(o.key.clone());
        }
        return;
    }
    if old.iter().any(|o| o.current > 0) {
        return;
    }
    if new.rs.replicas != d.replicas {
        scale(c, state, key, new, d.replicas, d, now);
    }
}

/// Scales every old ReplicaSet that still has replicas to 0; says whether any was.
fn scale_old_to_zero(
    state: &mut ClusterState,
    key: &Key,
    old: &[&Owned],
    d: &DeploymentSpec,
    now: SimTime,
) -> bool {
    let mut scaled = false;
    for o in old.iter().filter(|o| o.rs.replicas > 0) {
        resize(state, key, o, 0, d, now);
        scaled = true;
    }
    scaled
}

/// Resizes a ReplicaSet and wakes it.
fn scale(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    rs: &Owned,
    size: i32,
    d: &DeploymentSpec,
    now: SimTime,
) {
    resize(state, key, rs, size, d, now);
    c.dirty.insert(rs.key.clone());
}

/// Writes the new size and the desired/max annotations, with a `ScalingReplicaSet` event.
// K8S: pkg/controller/deployment/sync.go (scaleReplicaSet, SetReplicasAnnotations)
fn resize(
    state: &mut ClusterState,
    key: &Key,
    rs: &Owned,
    size: i32,
    d: &DeploymentSpec,
    now: SimTime,
) {
    let Some(object) = state.objects.get_mut(&rs.key) else {
        return;
    };
    object.body["spec"]["replicas"] = json!(size);
    let annotations = &mut object.body["metadata"]["annotations"];
    annotations[DESIRED_REPLICAS] = json!(d.replicas.to_string());
    annotations[MAX_REPLICAS] = json!(d.replicas.saturating_add(rollout::max_surge(d)).to_string());
    bump_generation(object);
    record(
        state,
        key,
        rollout::msg_scaled(&rs.rs.name, rs.rs.replicas, size),
        now,
    );
}

/// The ReplicaSets of the Deployment (by controller uid), oldest first.
fn owned_replica_sets(state: &ClusterState, namespace: &str, uid: &str) -> Vec<Owned> {
    let mut owned: Vec<Owned> = state
        .objects
        .iter()
        .filter(|((kind, ns, _), o)| {
            kind == "ReplicaSet" && ns == namespace && workload::controller_uid(o) == Some(uid)
        })
        .map(|(key, o)| {
            let int = |path: &str| o.body.pointer(path).and_then(Value::as_i64).unwrap_or(0) as i32;
            Owned {
                key: key.clone(),
                rs: Rs {
                    name: o.name.clone(),
                    replicas: int("/spec/replicas"),
                    available: int("/status/availableReplicas"),
                    created_ms: o.creation.as_millis(),
                },
                template: comparable(&o.body["spec"]["template"]),
                revision: o
                    .body
                    .pointer(&format!(
                        "/metadata/annotations/{}",
                        REVISION.replace('/', "~1")
                    ))
                    .and_then(Value::as_str)
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0),
                current: int("/status/replicas"),
                ready: int("/status/readyReplicas"),
            }
        })
        .collect();
    owned.sort_by(|a, b| rollout::by_creation(&a.rs, &b.rs));
    owned
}

/// A pod template as Go's semantic equality sees it, for EqualIgnoreHash: with the defaults
/// both stored templates have upstream (kubectl's `rollout undo` sends them explicitly),
/// without the `pod-template-hash` label, and without nulls and empty maps or lists (a Go
/// struct cannot tell them from absent fields: `rollout undo` sends `creationTimestamp: null`).
// K8S: pkg/controller/deployment/util/deployment_util.go (EqualIgnoreHash) and
// staging/src/k8s.io/apimachinery/third_party/forked/golang/reflect/deep_equal.go (empty and
// nil maps and slices are equal)
fn comparable(template: &Value) -> Value {
    let mut template = template.clone();
    crate::apiserver::defaults::pod_template(&mut template);
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH);
    }
    strip_empty(&mut template);
    template
}

/// Removes nulls and empty objects and arrays, innermost first.
fn strip_empty(value: &mut Value) {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    };
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(strip_empty);
            map.retain(|_, v| !empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(strip_empty),
        _ => {}
    }
}

/// The new ReplicaSet for the template: the template with the hash label added to its labels
/// and selector, owned by the Deployment, at the next revision.
// K8S: pkg/controller/deployment/sync.go (getNewReplicaSet)
fn new_replica_set(
    deployment: &StoredObject,
    template: &Value,
    hash: &str,
    replicas: i32,
    d: &DeploymentSpec,
    revision: i64,
    now: SimTime,
) -> StoredObject {
    let name = format!("{}-{hash}", deployment.name);
    let mut template = template.clone();
    template["metadata"]["labels"][POD_TEMPLATE_HASH] = json!(hash);
    let labels = template["metadata"]["labels"].clone();
    let mut selector = deployment
        .body
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or_else(|| json!({}));
    selector["matchLabels"][POD_TEMPLATE_HASH] = json!(hash);
    let owner = workload::owner_reference(deployment);
    let mut body = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": deployment.namespace,
            "labels": labels,
            "annotations": {
                REVISION: revision.to_string(),
                DESIRED_REPLICAS: d.replicas.to_string(),
                MAX_REPLICAS: d.replicas.saturating_add(rollout::max_surge(d)).to_string(),
            },
            "ownerReferences": [{
                "apiVersion": owner.api_version,
                "kind": owner.kind,
                "name": owner.name,
                "uid": owner.uid,
                "controller": true,
                "blockOwnerDeletion": true,
            }],
            "generation": 1,
        },
        "spec": {
            "replicas": replicas,
            "selector": selector,
            "template": template,
        },
    });
    // K8S: pkg/controller/deployment/sync.go (getNewReplicaSet copies minReadySeconds, which
    // the API omits when zero)
    if let Some(min_ready) = deployment.body.pointer("/spec/minReadySeconds") {
        body["spec"]["minReadySeconds"] = min_ready.clone();
    }
    StoredObject {
        kind: "ReplicaSet".into(),
        api_version: "apps/v1".into(),
        namespace: deployment.namespace.clone(),
        name,
        creation: now,
        body,
    }
}

/// The Deployment's status: counts summed over its ReplicaSets, and the Available and
/// Progressing conditions.
// K8S: pkg/controller/deployment/sync.go (calculateStatus), progress.go (syncRolloutStatus)
#[allow(clippy::too_many_arguments)]
fn write_status(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    d: &DeploymentSpec,
    owned: &[Owned],
    new: Option<&Owned>,
    progress: SyncKind<'_>,
    now: SimTime,
) {
    // K8S: pkg/controller/deployment/sync.go (getReplicaFailures: the new ReplicaSet's first),
    // pkg/controller/deployment/util (ReplicaSetToDeploymentCondition)
    let failure = new
        .into_iter()
        .chain(owned)
        .find_map(|o| super::replicaset::failure_condition(state.objects.get(&o.key)?))
        .map(|c| {
            json!({
                "type": c["type"],
                "status": c["status"],
                "reason": c["reason"],
                "message": c["message"],
                "lastTransitionTime": c["lastTransitionTime"],
                "lastUpdateTime": c["lastTransitionTime"],
            })
        });
    let Some(object) = state.objects.get_mut(key) else {
        return;
    };
    let sum = |f: fn(&Owned) -> i32| owned.iter().map(f).sum::<i32>();
    let total = sum(|o| o.rs.replicas);
    let available = sum(|o| o.rs.available);
    let updated = new.map_or(0, |n| n.current);
    let generation = workload::generation(object);
    let mut status = workload::counts(&[
        ("observedGeneration", generation),
        ("replicas", sum(|o| o.current).into()),
        ("updatedReplicas", updated.into()),
        ("readyReplicas", sum(|o| o.ready).into()),
        ("availableReplicas", available.into()),
        ("unavailableReplicas", (total - available).max(0).into()),
    ]);
    let old = object.body.get("status").cloned().unwrap_or(Value::Null);
    let (available_status, available_reason, available_message) =
        if available >= rollout::min_available(d) {
            (
                "True",
                rollout::MIN_REPLICAS_AVAILABLE,
                rollout::MSG_MIN_AVAILABLE,
            )
        } else {
            (
                "False",
                rollout::MIN_REPLICAS_UNAVAILABLE,
                rollout::MSG_MIN_UNAVAILABLE,
            )
        };
    let created = match progress {
        SyncKind::Created(name) => Some(name),
        _ => None,
    };
    let new_name = new.map(|n| n.rs.name.as_str()).or(created);
    let previous = old
        .get("conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
        .cloned();
    let counts = StatusCounts::of(&status);
    // K8S: pkg/controller/deployment/util/deployment_util.go (DeploymentComplete)
    let complete = counts.updated == i64::from(d.replicas)
        && counts.replicas == i64::from(d.replicas)
        && counts.available == i64::from(d.replicas);
    let progressing = match (progress, previous) {
        // K8S: pkg/controller/deployment/sync.go (checkPausedConditions: Unknown while paused)
        (SyncKind::Paused, _) => Some(condition(
            &old,
            "Progressing",
            "Unknown",
            rollout::PAUSED_REASON,
            rollout::MSG_PAUSED.to_string(),
            now,
        )),
        (SyncKind::Created(name), _) => Some(condition(
            &old,
            "Progressing",
            "True",
            rollout::NEW_RS_REASON,
            rollout::msg_new_rs_created(name),
            now,
        )),
        (SyncKind::Rolling, Some(current)) => {
            // K8S: sync.go (checkPausedConditions: a resumed Deployment says so first)
            let current = if current["reason"] == rollout::PAUSED_REASON {
                condition(
                    &old,
                    "Progressing",
                    "Unknown",
                    rollout::RESUMED_REASON,
                    rollout::MSG_RESUMED.to_string(),
                    now,
                )
            } else {
                current
            };
            // K8S: progress.go (syncRolloutStatus: a finished rollout keeps its condition)
            let finished = counts.replicas == counts.updated
                && current["reason"] == rollout::NEW_RS_AVAILABLE_REASON;
            let deadline = progress_deadline(object).filter(|_| !finished);
            let next = deadline.and_then(|deadline| {
                let step = Step {
                    counts,
                    before: StatusCounts::of(&old),
                    complete,
                    deadline,
                };
                step.condition(&key.2, &current, new_name, now)
            });
            let next = next.unwrap_or(current);
            let stuck = next["reason"] == rollout::TIMED_OUT_REASON;
            if let (Some(deadline), false, false) = (deadline, complete, stuck) {
                // K8S: progress.go (requeueStuckDeployment: a second after the deadline)
                let last_update = next["lastUpdateTime"].as_str().and_then(parse_rfc3339);
                let at = last_update.unwrap_or(now) + deadline + SimDuration::from_secs(1);
                c.timers.insert((at.max(now), key.clone()));
            }
            Some(next)
        }
        (SyncKind::Rolling, None) => None,
    };
    let mut conditions = vec![condition(
        &old,
        "Available",
        available_status,
        available_reason,
        available_message.to_string(),
        now,
    )];
    conditions.extend(progressing);
    status["conditions"] = json!(conditions);
    if let (Some(failure), Some(conditions)) = (failure, status["conditions"].as_array_mut()) {
        conditions.push(failure);
    }
    workload::set_status(object, status);
}

/// `spec.progressDeadlineSeconds`: 600 by default, none when set to the largest int32.
// K8S: pkg/apis/apps/v1/defaults.go, deployment_util.go (HasProgressDeadline)
fn progress_deadline(object: &StoredObject) -> Option<SimDuration> {
    let seconds = object.body.pointer("/spec/progressDeadlineSeconds");
    match seconds.and_then(Value::as_i64).unwrap_or(600) {
        s if s == i64::from(i32::MAX) => None,
        s => Some(SimDuration::from_secs(s.max(0) as u64)),
    }
}

/// The status counts that tell whether a rollout moves.
#[derive(Debug, Clone, Copy)]
struct StatusCounts {
    replicas: i64,
    updated: i64,
    ready: i64,
    available: i64,
}

impl StatusCounts {
    fn of(status: &Value) -> StatusCounts {
        let int = |field: &str| status.get(field).and_then(Value::as_i64).unwrap_or(0);
        StatusCounts {
            replicas: int("replicas"),
            updated: int("updatedReplicas"),
            ready: int("readyReplicas"),
            available: int("availableReplicas"),
        }
    }

    /// Whether `self` moved on from `before`: more pods updated, ready or available, or fewer
    /// old ones left.
    // K8S: pkg/controller/deployment/util/deployment_util.go (DeploymentProgressing)
    fn beyond(&self, before: &StatusCounts) -> bool {
        self.updated > before.updated
            || self.replicas.saturating_sub(self.updated)
                < before.replicas.saturating_sub(before.updated)
            || self.ready > before.ready
            || self.available > before.available
    }
}

/// One sync of a rollout that runs under a progress deadline.
struct Step {
    counts: StatusCounts,
    before: StatusCounts,
    complete: bool,
    deadline: SimDuration,
}

impl Step {
    /// The Progressing condition after this sync, when it changes: complete, moving (its
    /// update time restarts the deadline), or stuck past the deadline.
    // K8S: pkg/controller/deployment/progress.go (syncRolloutStatus), deployment_util.go
    // (DeploymentTimedOut: last update + deadline strictly before now; SetDeploymentCondition:
    // the same status and reason keep the condition, the same status its transition time)
    fn condition(
        &self,
        deployment: &str,
        current: &Value,
        new_rs: Option<&str>,
        now: SimTime,
    ) -> Option<Value> {
        let stamp = json!(rfc3339(now));
        let make = |status: &str, reason: &str, message: String| {
            let transition = if current["status"] == status {
                current["lastTransitionTime"].clone()
            } else {
                stamp.clone()
            };
            json!({
                "type": "Progressing",
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": transition,
                "lastUpdateTime": stamp,
            })
        };
        let unchanged = |reason: &str| current["reason"] == reason;
        if self.complete {
            let reason = rollout::NEW_RS_AVAILABLE_REASON;
            return (!unchanged(reason)).then(|| {
                make(
                    "True",
                    reason,
                    rollout::msg_rs_progressed(deployment, new_rs),
                )
            });
        }
        if self.counts.beyond(&self.before) {
            let message = rollout::msg_rs_progressing(deployment, new_rs);
            return Some(make("True", rollout::RS_UPDATED_REASON, message));
        }
        let last_update = current["lastUpdateTime"].as_str().and_then(parse_rfc3339)?;
        let reason = rollout::TIMED_OUT_REASON;
        (last_update + self.deadline < now && !unchanged(reason))
            .then(|| make("False", reason, rollout::msg_timed_out(deployment, new_rs)))
    }
}

/// A Deployment condition; its transition time moves only when its status does, its update
/// time when anything does.
fn condition(
    old: &Value,
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    now: SimTime,
) -> Value {
    let previous = old
        .get("conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_));
    let same_status = previous.is_some_and(|p| p["status"] == status);
    let unchanged =
        same_status && previous.is_some_and(|p| p["reason"] == reason && p["message"] == message);
    let stamp = json!(rfc3339(now));
    let transition = match previous {
        Some(p) if same_status => p["lastTransitionTime"].clone(),
        _ => stamp.clone(),
    };
    let update = match previous {
        Some(p) if unchanged => p["lastUpdateTime"].clone(),
        _ => stamp,
    };
    json!({
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
        "lastUpdateTime": update,
    })
}

/// What the rollout arithmetic reads from the Deployment, with the API defaults.
// K8S: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment: 1 replica, RollingUpdate 25%/25%)
fn spec_of(deployment: &Deployment) -> DeploymentSpec {
    let spec = deployment.spec.clone().unwrap_or_default();
    let int_or_percent = |v: Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        match v {
            Some(IntOrString::Int(i)) => IntOrPercent::Int(i),
            Some(IntOrString::String(s)) => IntOrPercent::Str(s),
            None => IntOrPercent::Str("25%".into()),
        }
    };
    let strategy = spec.strategy.unwrap_or_default();
    let strategy = match strategy.type_.as_deref() {
        Some("Recreate") => Strategy::Recreate,
        _ => {
            let rolling = strategy.rolling_update.unwrap_or_default();
            Strategy::RollingUpdate {
                max_surge: int_or_percent(rolling.max_surge),
                max_unavailable: int_or_percent(rolling.max_unavailable),
            }
        }
    };
    DeploymentSpec {
        replicas: spec.replicas.unwrap_or(1),
        strategy,
    }
}

fn set_annotation(state: &mut ClusterState, key: &Key, name: &str, value: String) {
    if let Some(object) = state.objects.get_mut(key) {
        object.body["metadata"]["annotations"][name] = json!(value);
    }
}

/// `metadata.generation` + 1: the spec changed.
pub fn bump_generation(object: &mut StoredObject) {
    let next = workload::generation(object) + 1;
    object.body["metadata"]["generation"] = json!(next);
}

/// Records a `ScalingReplicaSet` event on the Deployment.
fn record(state: &mut ClusterState, key: &Key, message: String, now: SimTime) {
    state.record_event(Event::new(
        ObjectRef::new("Deployment", &key.1, &key.2),
        EventType::Normal,
        rollout::SCALING_RS_EVENT,
        message,
        DEPLOYMENT_CONTROLLER,
        now,
    ));
}
