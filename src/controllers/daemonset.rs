//! The DaemonSet controller: one pod on every node whose labels match the template's node
//! selector and affinity and whose NoSchedule/NoExecute taints the pod tolerates (with the
//! tolerations every daemon pod gets); pods are pinned by node affinity and placed by the
//! scheduler, and follow the nodes as they change.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{workload, Controllers, Key, Request};
use crate::engine::SimTime;
use crate::model::node::TaintEffect;
use crate::model::{ClusterState, Event, EventType, ObjectRef};

/// The controller's name, the source of its events.
pub const DAEMONSET_CONTROLLER: &str = "daemonset-controller";

/// The tolerations the controller adds to every daemon pod.
// K8S: pkg/controller/daemon/util/daemonset_util.go (AddOrUpdateDaemonPodTolerations)
const DAEMON_TOLERATIONS: &[(&str, &str)] = &[
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
];

/// Syncs one DaemonSet: a pod for each eligible node without one, none on the others.
// K8S: pkg/controller/daemon/daemon_controller.go (manage, podsShouldBeOnNode),
// pkg/controller/daemon/util (NodeShouldRunDaemonPod)
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
    let uid = workload::uid(&object);
    let Some(mut template) = object.body.pointer("/spec/template").cloned() else {
        return;
    };
    let tolerations = template["spec"]["tolerations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut with_daemon = tolerations;
    for (k, effect) in DAEMON_TOLERATIONS {
        with_daemon.push(json!({"key": k, "operator": "Exists", "effect": effect}));
    }
    template["spec"]["tolerations"] = json!(with_daemon);
    let Some(base) = c.template(&uid, &template, &key.2) else {
        return;
    };
    // K8S: pkg/controller/daemon/daemon_controller.go (NodeShouldRunDaemonPod: an untolerated
    // NoSchedule taint keeps new pods off a node, only NoExecute removes the running one)
    let nodes_where = |effects: &[TaintEffect]| -> Vec<String> {
        state
            .nodes()
            .iter()
            .filter(|node| base.matches_node(node) && base.tolerates_taints(node, effects))
            .map(|node| node.meta.name.clone())
            .collect()
    };
    let eligible = nodes_where(&[TaintEffect::NoSchedule, TaintEffect::NoExecute]);
    let may_stay = nodes_where(&[TaintEffect::NoExecute]);
    // Each node's active daemon pods, with whether each is ready.
    let mut on_node: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for (_, pod) in state.pods_owned_by(&uid) {
        let (active, ready) = workload::active_and_ready(pod);
        if active {
            let node = target_node(pod).unwrap_or_default();
            on_node
                .entry(node)
                .or_default()
                .push((pod.meta.name.clone(), ready));
        }
    }
    // K8S: daemon_controller.go (updateDaemonSetStatus: counts over the nodes that should run it)
    let ready = on_node
        .iter()
        .filter(|(node, _)| eligible.contains(node))
        .filter(|(_, pods)| pods.first().is_some_and(|(_, ready)| *ready))
        .count() as i64;
    let labels: BTreeMap<String, String> = template
        .pointer("/metadata/labels")
        .and_then(|l| serde_json::from_value(l.clone()).ok())
        .unwrap_or_default();
    let annotations: BTreeMap<String, String> = template
        .pointer("/metadata/annotations")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    for node in &eligible {
        if on_node.contains_key(node) {
            continue;
        }
        let mut pinned = template.clone();
        // K8S: pkg/controller/daemon/util/daemonset_util.go (ReplaceDaemonSetPodNodeNameNodeAffinity)
        pinned["spec"]["affinity"]["nodeAffinity"] = json!({
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{
                "matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]
            }]}
        });
        let Ok(api) = serde_json::from_value::<k8s_openapi::api::core::v1::PodTemplateSpec>(pinned)
        else {
            return;
        };
        let Some(spec) = api
            .spec
            .and_then(|s| crate::manifest::pod_from_template(&s, &key.2).ok())
        else {
            return;
        };
        c.create_pod(
            state,
            ("DaemonSet", &object),
            (labels.clone(), annotations.clone()),
            std::sync::Arc::new(spec),
            DAEMONSET_CONTROLLER,
            out,
        );
    }
    let mut misscheduled = 0;
    for (node, pods) in &on_node {
        misscheduled += i64::from(!eligible.contains(node));
        let keep = usize::from(may_stay.contains(node));
        for (name, _) in pods.iter().skip(keep) {
            record(
                state,
                key,
                "SuccessfulDelete",
                format!("Deleted pod: {name}"),
                now,
            );
            out.push(Request::DeletePod {
                namespace: key.1.clone(),
                name: name.clone(),
            });
        }
    }
    let current = on_node.keys().filter(|n| eligible.contains(n)).count() as i64;
    let generation = workload::generation(&object);
    let mut status = workload::counts(&[
        ("currentNumberScheduled", current),
        ("numberReady", ready),
        ("numberAvailable", ready),
        ("updatedNumberScheduled", current),
        ("numberMisscheduled", misscheduled),
        ("observedGeneration", generation),
    ]);
    status["desiredNumberScheduled"] = Value::from(eligible.len());
    status["currentNumberScheduled"] = Value::from(current);
    status["numberMisscheduled"] = Value::from(misscheduled);
    status["numberReady"] = Value::from(ready);
    if let Some(object) = state.objects.get_mut(key) {
        workload::set_status(object, status);
    }
}

/// The node a daemon pod is bound to, or pinned to by its node affinity.
fn target_node(pod: &crate::model::Pod) -> Option<String> {
    if let Some(node) = &pod.node_name {
        return Some(node.clone());
    }
    let affinity = pod.spec.api.affinity.as_ref()?.node_affinity.as_ref()?;
    let terms = &affinity
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    let field = terms.first()?.match_fields.as_ref()?.first()?;
    field.values.as_ref()?.first().cloned()
}

fn record(state: &mut ClusterState, key: &Key, reason: &str, message: String, now: SimTime) {
    state.record_event(Event::new(
        ObjectRef::new("DaemonSet", &key.1, &key.2),
        EventType::Normal,
        reason,
        message,
        DAEMONSET_CONTROLLER,
        now,
    ));
}
