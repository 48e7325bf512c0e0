//! The ReplicaSet controller: as many active pods as `spec.replicas`, created from the template
//! with `<name>-<5 random characters>` names, surplus ones deleted in upstream's order, and the
//! status counts written back.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::ReplicaSet;
use serde_json::Value;

use super::pod_rank::{self, PodRank, RelatedPod};
use super::{workload, Controllers, Key, Request, REPLICASET_CONTROLLER};
use crate::engine::{SimDuration, SimTime};
use crate::model::{ClusterState, PodSpec};

/// At most this many pods are created or deleted in one sync.
// K8S: pkg/controller/replicaset/replica_set.go (BurstReplicas)
pub const BURST_REPLICAS: i32 = 500;

/// Syncs one ReplicaSet: creates or deletes pods toward `spec.replicas`, then writes its status.
// K8S: pkg/controller/replicaset/replica_set.go (syncReplicaSet, manageReplicas)
pub fn sync(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    now: SimTime,
    out: &mut Vec<Request>,
) {
    let Some((object, rs)) = workload::load::<ReplicaSet>(state, key) else {
        return;
    };
    let uid = workload::uid(&object);
    let wanted = rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let template_json = object.body.pointer("/spec/template").cloned();
    let counts = c.counts(&uid);
    let diff = counts.active.saturating_sub(wanted);
    if diff < 0 {
        let Some(spec) = template_json.and_then(|t| c.template(&uid, &t, &key.2)) else {
            return;
        };
        let template = rs.spec.and_then(|s| s.template).and_then(|t| t.metadata);
        let meta = template
            .map(|m| {
                (
                    m.labels.unwrap_or_default(),
                    m.annotations.unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        for _ in 0..(-diff).min(BURST_REPLICAS) {
            c.create_pod(
                state,
                ("ReplicaSet", &object, None),
                meta.clone(),
                Arc::clone(&spec),
                REPLICASET_CONTROLLER,
                out,
            );
        }
        if -diff > BURST_REPLICAS {
            c.dirty.insert(key.clone());
        }
    } else if diff > 0 {
        let names = pods_to_delete(state, &uid, diff.min(BURST_REPLICAS) as usize, now);
        let kind = ("ReplicaSet", key);
        Controllers::delete_pods(state, kind, names, REPLICASET_CONTROLLER, now, out);
    }
    write_status(c, state, key, &uid, now);
}

/// Writes `status` from the pod counts; a change wakes the owning Deployment.
// K8S: pkg/controller/replicaset/replica_set_utils.go (calculateStatus)
fn write_status(c: &mut Controllers, state: &mut ClusterState, key: &Key, uid: &str, now: SimTime) {
    let counts = c.counts(uid);
    let Some(object) = state.objects.get(key) else {
        return;
    };
    let min_ready = object
        .body
        .pointer("/spec/minReadySeconds")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let available = if min_ready == 0 {
        counts.ready
    } else {
        let pods = state.pods_owned_by(uid).map(|(_, p)| p);
        let (available, next) = workload::available(pods, SimDuration::from_secs(min_ready), now);
        if let Some(at) = next {
            c.timers.insert((at, key.clone()));
        }
        available
    };
    let Some(object) = state.objects.get_mut(key) else {
        return;
    };
    let generation = workload::generation(object);
    let mut status = workload::counts(&[
        ("fullyLabeledReplicas", counts.active.into()),
        ("readyReplicas", counts.ready.into()),
        ("availableReplicas", available.into()),
        ("observedGeneration", generation),
    ]);
    status["replicas"] = Value::from(counts.active);
    if let Some(conditions) = object.body.pointer("/status/conditions") {
        status["conditions"] = conditions.clone();
    }
    if workload::set_status(object, status) {
        if let Some((kind, name)) = workload::owner_of(object) {
            c.dirty.insert((kind, key.1.clone(), name));
        }
    }
}

/// The condition a ReplicaSet carries while its pods cannot be created.
pub const REPLICA_FAILURE: &str = "ReplicaFailure";

/// After a sync's creates were tried: a refusal (`error`, the API server's message) sets the
/// `ReplicaFailure` condition (`FailedCreate`) unless one is there already; a sync without one
/// removes it. A change wakes the owning Deployment, which shows the condition too.
// K8S: pkg/controller/replicaset/replica_set_utils.go (calculateStatus: ReplicaFailure)
pub(super) fn note_failure(
    c: &mut Controllers,
    state: &mut ClusterState,
    key: &Key,
    error: Option<&str>,
    now: SimTime,
) {
    let Some(object) = state.objects.get_mut(key) else {
        return;
    };
    let mut conditions: Vec<Value> = object
        .body
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let present = conditions.iter().any(|c| c["type"] == REPLICA_FAILURE);
    match (error, present) {
        (Some(message), false) => conditions.push(serde_json::json!({
            "type": REPLICA_FAILURE,
            "status": "True",
            "reason": "FailedCreate",
            "message": message,
            "lastTransitionTime": crate::model::time::rfc3339(now),
        })),
        (None, true) => conditions.retain(|c| c["type"] != REPLICA_FAILURE),
        _ => return,
    }
    if conditions.is_empty() {
        if let Some(status) = object.body.get_mut("status").and_then(Value::as_object_mut) {
            status.remove("conditions");
        }
    } else {
        object.body["status"]["conditions"] = Value::Array(conditions);
    }
    if let Some((kind, name)) = workload::owner_of(object) {
        c.dirty.insert((kind, key.1.clone(), name));
    }
}

/// A ReplicaSet's `ReplicaFailure` condition, if it has one.
pub(super) fn failure_condition(object: &crate::model::cluster::StoredObject) -> Option<&Value> {
    object
        .body
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == REPLICA_FAILURE)
}

/// The names of the `diff` active pods to delete first.
fn pods_to_delete(state: &ClusterState, uid: &str, diff: usize, now: SimTime) -> Vec<String> {
    let active: Vec<&crate::model::Pod> = state
        .pods_owned_by(uid)
        .map(|(_, p)| p)
        .filter(|p| workload::active_and_ready(p).0)
        .collect();
    let ranks: Vec<PodRank> = active.iter().map(|p| rank(p)).collect();
    let nodes: Vec<&str> = active
        .iter()
        .map(|p| p.node_name.as_deref().unwrap_or(""))
        .collect();
    let related: Vec<RelatedPod> = nodes
        .iter()
        .map(|n| RelatedPod {
            node: n.to_string(),
            active: true,
        })
        .collect();
    pod_rank::get_pods_to_delete(&ranks, &nodes, &related, diff, now.as_millis())
        .into_iter()
        .map(|i| active[i].meta.name.clone())
        .collect()
}

/// What the deletion order compares for one pod.
fn rank(pod: &crate::model::Pod) -> PodRank {
    use crate::model::PodPhase as P;
    let ready = pod.status.condition("Ready").filter(|c| c.status == "True");
    PodRank {
        uid: pod.meta.uid.clone(),
        assigned: pod.node_name.is_some(),
        phase: match pod.status.phase {
            P::Pending => pod_rank::PodPhase::Pending,
            P::Running => pod_rank::PodPhase::Running,
            P::Succeeded => pod_rank::PodPhase::Succeeded,
            P::Failed => pod_rank::PodPhase::Failed,
            P::Unknown => pod_rank::PodPhase::Unknown,
        },
        ready: ready.is_some(),
        ready_since_ms: ready.map(|c| c.last_transition.as_millis()),
        restarts: pod.status.restarts(),
        sidecar_restarts: 0,
        deletion_cost: pod_rank::deletion_cost_from_annotation(
            pod.meta
                .annotations
                .get("controller.kubernetes.io/pod-deletion-cost")
                .map(String::as_str),
        ),
        created_ms: pod.meta.creation.as_millis(),
        node_pods_of_same_owner: 0,
    }
}

impl Controllers {
    /// The pod spec of a ReplicaSet's template, converted once and shared by its pods.
    pub(super) fn template(
        &mut self,
        uid: &str,
        template: &Value,
        name: &str,
    ) -> Option<Arc<PodSpec>> {
        if let Some((seen, spec)) = self.templates.get(uid) {
            if seen == template {
                return Some(Arc::clone(spec));
            }
        }
        let api: k8s_openapi::api::core::v1::PodTemplateSpec =
            serde_json::from_value(template.clone()).ok()?;
        let spec =
            crate::manifest::pod_from_template(&api.spec?, &format!("replicaset/{name}")).ok()?;
        let spec = Arc::new(spec);
        self.templates
            .insert(uid.to_string(), (template.clone(), Arc::clone(&spec)));
        Some(spec)
    }
}
