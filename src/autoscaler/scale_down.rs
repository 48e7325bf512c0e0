//! Scale-down: which nodes are unneeded (little requested, and every pod that matters could
//! run elsewhere), and which pods a drain evicts.
// K8S: cluster-autoscaler/core/scaledown/eligibility/eligibility.go (utilization threshold),
// simulator/cluster.go (FindNodesToRemove), simulator/drainability/rules (what blocks a drain),
// FAQ.md ("What types of pods can prevent CA from removing a node?")

use super::snapshot::{Filters, SimNode};
use crate::engine::{SimDuration, SimTime};
use crate::model::Resources;
use crate::model::{ClusterState, Pod};
use crate::scheduler::framework::PodInfo;

/// `cluster-autoscaler.kubernetes.io/safe-to-evict`: "true" lets any pod move, "false" pins it.
pub const SAFE_TO_EVICT: &str = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/// A node with this annotation set to "true" is never scaled down.
pub const SCALE_DOWN_DISABLED: &str = "cluster-autoscaler.kubernetes.io/scale-down-disabled";

/// What a pod means for removing its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodRole {
    /// Runs on every node anyway (a DaemonSet or static pod) or has finished: it does not move.
    Stays,
    /// Must find another node first; a drain evicts it.
    Moves,
    /// Keeps the node: the reason, as upstream's drainability rules name it.
    Blocks(&'static str),
}

/// How long past its deletion deadline plus grace period a pod still being deleted is
/// ignored: it is not moved and does not count towards its node's utilization.
// K8S: cluster-autoscaler/utils/drain/drain.go (IsPodLongTerminating,
// PodLongTerminatingExtraThreshold)
const LONG_TERMINATING_EXTRA: SimDuration = SimDuration::from_secs(30);

/// Whether a pod has been terminating for longer than it should (its kubelet is gone, say).
pub fn long_terminating(pod: &Pod, now: SimTime) -> bool {
    pod.meta.deletion.is_some_and(|deadline| {
        let grace = SimDuration::from_secs(pod.spec.termination_grace_period_seconds.max(0) as u64);
        deadline + grace + LONG_TERMINATING_EXTRA < now
    })
}

/// The role of one pod on a node being considered for removal at `now`.
// DEVIATION: PodDisruptionBudgets are not modelled, so a kube-system pod always blocks (upstream:
// unless a PDB covers it).
pub fn role(pod: &Pod, now: SimTime) -> PodRole {
    let owner = pod.meta.owner.as_ref().map(|o| o.kind.as_str());
    let stays = pod.is_terminal() || long_terminating(pod, now);
    if stays || matches!(owner, Some("DaemonSet" | "Node")) {
        return PodRole::Stays;
    }
    match pod.meta.annotations.get(SAFE_TO_EVICT).map(String::as_str) {
        Some("true") => return PodRole::Moves,
        Some("false") => return PodRole::Blocks("NotSafeToEvictAnnotation"),
        _ => {}
    }
    if owner.is_none() {
        return PodRole::Blocks("NotReplicated");
    }
    if pod.meta.namespace == "kube-system" {
        return PodRole::Blocks("UnmovableKubeSystemPod");
    }
    let local = pod
        .spec
        .api
        .volumes
        .iter()
        .flatten()
        .any(|v| v.empty_dir.is_some() || v.host_path.is_some());
    if local {
        return PodRole::Blocks("LocalStorageRequested");
    }
    PodRole::Moves
}

/// The larger of the CPU and memory shares of allocatable that the pods request.
// K8S: cluster-autoscaler/simulator/utilization/info.go (Calculate: max of cpu and memory; long
// terminating pods left out)
fn utilization<'p>(pods: impl Iterator<Item = &'p &'p Pod>, allocatable: &Resources) -> f64 {
    let mut used = Resources::default();
    for pod in pods {
        used += pod.spec.requests();
    }
    let share = |used: i64, total: i64| {
        if total <= 0 {
            0.0
        } else {
            used as f64 / total as f64
        }
    };
    share(used.milli_cpu, allocatable.milli_cpu).max(share(used.memory, allocatable.memory))
}

/// A node found removable: whether any of its pods has to move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removable {
    pub node: String,
    pub empty: bool,
}

/// Of `candidates` (positions in `snapshot`, which holds the cluster's nodes in order), the
/// nodes under `threshold` whose moving pods all fit on other nodes: empty ones first, then the
/// others in order. Each node's removal is simulated on its own (its pods' new places are
/// undone afterwards), but never onto a node already found removable, so that the nodes found
/// can all go.
// K8S: core/scaledown/planner/planner.go (categorizeNodes: a removable node stops being a
// destination), simulator/cluster.go (SimulateNodeRemoval forks and reverts the snapshot)
pub fn removable(
    candidates: &[usize],
    state: &ClusterState,
    snapshot: &mut [SimNode<'_>],
    threshold: f64,
    filters: &Filters,
    now: SimTime,
) -> Vec<Removable> {
    let mut on_node: Vec<Vec<&Pod>> = vec![Vec::new(); snapshot.len()];
    for (_, pod) in state.pods_by_name() {
        if let Some(i) = pod
            .node_name
            .as_deref()
            .and_then(|n| state.node_position(n))
        {
            on_node[i].push(pod);
        }
    }
    // Under the threshold and not pinned: (node, pods that must move).
    let mut eligible: Vec<(usize, Vec<&Pod>)> = Vec::new();
    for &candidate in candidates {
        let counted = on_node[candidate]
            .iter()
            .filter(|p| !p.is_terminal() && !long_terminating(p, now));
        if utilization(counted, &snapshot[candidate].info.allocatable) >= threshold {
            continue;
        }
        let mut moving = Vec::new();
        let mut blocked = false;
        for pod in &on_node[candidate] {
            match role(pod, now) {
                PodRole::Stays => {}
                PodRole::Moves => moving.push(*pod),
                PodRole::Blocks(_) => blocked = true,
            }
        }
        if !blocked {
            eligible.push((candidate, moving));
        }
    }
    eligible.sort_by_key(|(_, moving)| !moving.is_empty());
    let mut found: Vec<Removable> = Vec::new();
    let mut gone = vec![false; snapshot.len()];
    for (candidate, moving) in eligible {
        gone[candidate] = true;
        let mut placed: Vec<(usize, &Pod)> = Vec::new();
        let all_fit = moving.iter().all(|pod| {
            let info = PodInfo::new(&pod.spec);
            let fit = (0..snapshot.len())
                .find(|&i| !gone[i] && filters.fits(&info, &snapshot[i].node, &snapshot[i].info));
            if let Some(i) = fit {
                snapshot[i].add(&pod.spec);
                placed.push((i, pod));
            }
            fit.is_some()
        });
        for (i, pod) in placed {
            snapshot[i].remove(&pod.spec);
        }
        if !all_fit {
            gone[candidate] = false;
            continue;
        }
        found.push(Removable {
            node: snapshot[candidate].node.meta.name.clone(),
            empty: moving.is_empty(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::meta::OwnerReference;
    use crate::model::pod::{PodStatus, QosClass};
    use crate::model::ObjectMeta;
    use serde_json::json;
    use std::sync::Arc;

    fn pod(namespace: &str, owner: Option<&str>, volumes: serde_json::Value) -> Pod {
        let api = serde_json::from_value(json!({
            "containers": [{"name": "app", "image": "nginx"}],
            "volumes": volumes,
        }))
        .unwrap();
        Pod {
            meta: ObjectMeta {
                name: "p".into(),
                namespace: namespace.into(),
                owner: owner.map(|kind| OwnerReference {
                    api_version: "apps/v1".into(),
                    kind: kind.into(),
                    name: "o".into(),
                    uid: "u".into(),
                }),
                ..Default::default()
            },
            spec: Arc::new(crate::manifest::pod_from_template(&api, "test").unwrap()),
            node_name: Some("n".into()),
            status: PodStatus::new(QosClass::BestEffort),
        }
    }

    #[test]
    fn which_pods_move_stay_or_keep_their_node() {
        let now = SimTime::from_secs(600);
        let at = |p: &Pod| role(p, now);
        let none = json!([]);
        let replicated = pod("default", Some("ReplicaSet"), none.clone());
        assert_eq!(at(&replicated), PodRole::Moves);
        assert_eq!(
            at(&pod("default", Some("DaemonSet"), none.clone())),
            PodRole::Stays
        );
        assert_eq!(
            at(&pod("default", Some("Node"), none.clone())),
            PodRole::Stays
        );
        assert_eq!(
            at(&pod("default", None, none.clone())),
            PodRole::Blocks("NotReplicated")
        );
        assert_eq!(
            at(&pod("kube-system", Some("ReplicaSet"), none.clone())),
            PodRole::Blocks("UnmovableKubeSystemPod")
        );
        let scratch = json!([{"name": "scratch", "emptyDir": {}}]);
        assert_eq!(
            at(&pod("default", Some("ReplicaSet"), scratch.clone())),
            PodRole::Blocks("LocalStorageRequested")
        );
        let mut safe = pod("default", None, scratch);
        safe.meta
            .annotations
            .insert(SAFE_TO_EVICT.into(), "true".into());
        assert_eq!(at(&safe), PodRole::Moves);
        let mut pinned = pod("default", Some("ReplicaSet"), none);
        pinned
            .meta
            .annotations
            .insert(SAFE_TO_EVICT.into(), "false".into());
        assert_eq!(at(&pinned), PodRole::Blocks("NotSafeToEvictAnnotation"));
        // Deadline 8m29s, 30 s of grace, 30 s more: long terminating only after 9m29s.
        let mut stuck = replicated;
        stuck.meta.deletion = Some(SimTime::from_secs(509));
        assert_eq!(role(&stuck, SimTime::from_secs(569)), PodRole::Moves);
        assert_eq!(role(&stuck, SimTime::from_secs(570)), PodRole::Stays);
    }
}
