//! The DaemonSet controller: one pod on every node whose labels match the template's node
//! selector and affinity and whose NoSchedule/NoExecute taints the pod tolerates (with the
//! tolerations every daemon pod gets); pods are pinned by node affinity and placed by the
//! scheduler, and follow the nodes as they change.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{names, workload, Controllers, Key, Request};
use crate::engine::{SimDuration, SimTime};
use crate::model::cluster::StoredObject;
use crate::model::node::TaintEffect;
use crate::model::{ClusterState, PodPhase};

/// The controller's name, the source of its events.
pub const DAEMONSET_CONTROLLER: &str = "daemonset-controller";

/// The label naming the template revision a daemon pod was made from.
// K8S: staging/src/k8s.io/api/apps/v1/types.go (DefaultDaemonSetUniqueLabelKey)
pub const REVISION_HASH: &str = "controller-revision-hash";
/// The deprecated label carrying the DaemonSet's generation when the pod was made.
// K8S: staging/src/k8s.io/api/apps/v1/types.go (DeprecatedTemplateGeneration)
const TEMPLATE_GENERATION: &str = "pod-template-generation";

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
    // K8S: pkg/controller/controller_utils.go (ComputeHash over the template as stored)
    let hash = names::pod_template_hash(&object.body["spec"]["template"].to_string(), None);
    let min_ready = object
        .body
        .pointer("/spec/minReadySeconds")
        .and_then(Value::as_u64)
        .map_or(SimDuration::ZERO, SimDuration::from_secs);
    // Each node's daemon pods that are not finished, terminating ones included: a node
    // whose old pod is still shutting down gets its new pod only once that one is gone.
    // K8S: daemon_controller.go (getNodesToDaemonPods, podsShouldBeOnNode)
    let mut on_node: BTreeMap<String, Vec<DaemonPod>> = BTreeMap::new();
    let mut next_available: Option<SimTime> = None;
    // K8S: daemon_controller.go (manage: only existing nodes are walked; of the pods meant for
    // a node that is gone, getUnscheduledPodsWithoutNode deletes the unscheduled ones and
    // PodGC the others)
    let mut without_node = Vec::new();
    for (_, pod) in state.pods_owned_by(&uid) {
        if matches!(pod.status.phase, PodPhase::Succeeded | PodPhase::Failed) {
            continue;
        }
        let node = target_node(pod).unwrap_or_default();
        if state.node(&node).is_none() {
            if pod.node_name.is_none() && pod.meta.deletion.is_none() {
                without_node.push(pod.meta.name.clone());
            }
            continue;
        }
        let (available, next) = workload::available(std::iter::once(pod), min_ready, now);
        if let Some(at) = next {
            next_available = Some(next_available.map_or(at, |n| n.min(at)));
        }
        on_node.entry(node).or_default().push(DaemonPod {
            name: pod.meta.name.clone(),
            ready: workload::active_and_ready(pod).1,
            available: available == 1,
            terminating: pod.meta.deletion.is_some(),
            updated: pod.meta.labels.get(REVISION_HASH) == Some(&hash),
        });
    }
    if let Some(at) = next_available {
        c.timers.insert((at, key.clone()));
    }
    let mut labels: BTreeMap<String, String> = template
        .pointer("/metadata/labels")
        .and_then(|l| serde_json::from_value(l.clone()).ok())
        .unwrap_or_default();
    // K8S: pkg/controller/daemon/util/daemonset_util.go (CreatePodTemplate)
    labels.insert(REVISION_HASH.to_string(), hash.clone());
    labels.insert(
        TEMPLATE_GENERATION.to_string(),
        workload::generation(&object).to_string(),
    );
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
            ("DaemonSet", &object, None),
            (labels.clone(), annotations.clone()),
            std::sync::Arc::new(spec),
            DAEMONSET_CONTROLLER,
            out,
        );
    }
    let mut to_delete = without_node;
    for (node, pods) in &on_node {
        let keep = usize::from(may_stay.contains(node));
        let live = pods.iter().filter(|p| !p.terminating);
        to_delete.extend(live.skip(keep).map(|p| p.name.clone()));
    }
    if rolling_update(&object) {
        let max_unavailable = max_unavailable(&object, eligible.len());
        let old = old_pods_to_delete(&on_node, &eligible, max_unavailable);
        to_delete.extend(old.into_iter().map(String::from));
    }
    let kind = ("DaemonSet", key);
    Controllers::delete_pods(state, kind, to_delete, DAEMONSET_CONTROLLER, now, out);
    write_status(state, key, &on_node, &eligible);
}

/// One daemon pod, as the rolling update and the status see it.
struct DaemonPod {
    name: String,
    ready: bool,
    available: bool,
    terminating: bool,
    /// Made from the current template (its `controller-revision-hash` matches).
    updated: bool,
}

/// Whether the DaemonSet replaces its pods itself when the template changes (the default), or
/// leaves that to whoever deletes them (`OnDelete`).
fn rolling_update(object: &StoredObject) -> bool {
    object
        .body
        .pointer("/spec/updateStrategy/type")
        .and_then(Value::as_str)
        != Some("OnDelete")
}

/// `rollingUpdate.maxUnavailable` against the number of nodes that should run the pod: 1 by
/// default, percentages rounded up, and never 0.
// K8S: pkg/controller/daemon/util/daemonset_util.go (UnavailableCount), apps/v1 defaults
// DEVIATION: maxSurge is not simulated: old pods are always deleted before new ones start.
fn max_unavailable(object: &StoredObject, desired: usize) -> usize {
    let value = object
        .body
        .pointer("/spec/updateStrategy/rollingUpdate/maxUnavailable");
    let count = match value {
        Some(Value::String(s)) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<usize>().ok())
            .map_or(1, |p| (p * desired).div_ceil(100)),
        Some(v) => v.as_u64().map_or(1, |n| n as usize),
        None => 1,
    };
    count.max(1)
}

/// The old pods a rolling update deletes now: every unavailable old pod, and available ones
/// while fewer than `max_unavailable` nodes lack an available current pod.
// K8S: pkg/controller/daemon/update.go (rollingUpdate, the maxSurge = 0 branch)
// DEVIATION: nodes are visited in name order; upstream walks a Go map in random order.
fn old_pods_to_delete<'a>(
    on_node: &'a BTreeMap<String, Vec<DaemonPod>>,
    eligible: &[String],
    max_unavailable: usize,
) -> Vec<&'a str> {
    let mut unavailable = 0;
    let mut replace = Vec::new();
    let mut candidates = Vec::new();
    for node in eligible {
        let pods = on_node.get(node).map_or(&[][..], Vec::as_slice);
        let new = pods.iter().find(|p| p.updated && !p.terminating);
        let old = pods.iter().find(|p| !p.updated && !p.terminating);
        match (old, new) {
            (None, None) | (Some(_), Some(_)) => unavailable += 1,
            (None, Some(new)) => unavailable += usize::from(!new.available),
            (Some(old), None) if !old.available => replace.push(old.name.as_str()),
            (Some(_), None) if unavailable >= max_unavailable => {}
            (Some(old), None) => candidates.push(old.name.as_str()),
        }
    }
    let room = max_unavailable
        .saturating_sub(unavailable)
        .min(candidates.len());
    replace.extend(&candidates[..room]);
    replace
}

/// The DaemonSet's status, counted over the nodes that should run its pod.
// K8S: daemon_controller.go (updateDaemonSetStatus)
fn write_status(
    state: &mut ClusterState,
    key: &Key,
    on_node: &BTreeMap<String, Vec<DaemonPod>>,
    eligible: &[String],
) {
    let mut current = 0;
    let mut ready = 0;
    let mut available = 0;
    let mut updated = 0;
    let mut misscheduled = 0;
    for (node, pods) in on_node {
        if !eligible.contains(node) {
            misscheduled += 1;
            continue;
        }
        current += 1;
        let Some(first) = pods.iter().find(|p| !p.terminating).or(pods.first()) else {
            continue;
        };
        ready += i64::from(first.ready);
        available += i64::from(first.available);
        updated += i64::from(pods.iter().any(|p| p.updated && !p.terminating));
    }
    let Some(object) = state.objects.get_mut(key) else {
        return;
    };
    let desired = eligible.len() as i64;
    let mut status = workload::counts(&[
        ("numberAvailable", available),
        ("updatedNumberScheduled", updated),
        ("numberUnavailable", desired - available),
        ("observedGeneration", workload::generation(object)),
    ]);
    status["desiredNumberScheduled"] = Value::from(desired);
    status["currentNumberScheduled"] = Value::from(current);
    status["numberMisscheduled"] = Value::from(misscheduled);
    status["numberReady"] = Value::from(ready);
    workload::set_status(object, status);
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
