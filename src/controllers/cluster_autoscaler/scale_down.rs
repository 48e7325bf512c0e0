//! Scale-down: which nodes are unneeded (little requested, and every pod that matters could
//! run elsewhere), and which pods a drain evicts.
// K8S: cluster-autoscaler/core/scaledown/eligibility/eligibility.go (utilization threshold),
// simulator/cluster.go (FindNodesToRemove), simulator/drainability/rules (what blocks a drain),
// FAQ.md ("What types of pods can prevent CA from removing a node?")

use super::snapshot::{Filters, SimNode};
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

/// The role of one pod on a node being considered for removal.
// DEVIATION: PodDisruptionBudgets are not modelled, so a kube-system pod always blocks (upstream:
// unless a PDB covers it).
pub fn role(pod: &Pod) -> PodRole {
    let owner = pod.meta.owner.as_ref().map(|o| o.kind.as_str());
    if pod.is_terminal() || matches!(owner, Some("DaemonSet" | "Node")) {
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
        if snapshot[candidate].utilization() >= threshold {
            continue;
        }
        let mut moving = Vec::new();
        let mut blocked = false;
        for pod in &on_node[candidate] {
            match role(pod) {
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
        let none = json!([]);
        assert_eq!(
            role(&pod("default", Some("ReplicaSet"), none.clone())),
            PodRole::Moves
        );
        assert_eq!(
            role(&pod("default", Some("DaemonSet"), none.clone())),
            PodRole::Stays
        );
        assert_eq!(
            role(&pod("default", Some("Node"), none.clone())),
            PodRole::Stays
        );
        assert_eq!(
            role(&pod("default", None, none.clone())),
            PodRole::Blocks("NotReplicated")
        );
        assert_eq!(
            role(&pod("kube-system", Some("ReplicaSet"), none.clone())),
            PodRole::Blocks("UnmovableKubeSystemPod")
        );
        let scratch = json!([{"name": "scratch", "emptyDir": {}}]);
        assert_eq!(
            role(&pod("default", Some("ReplicaSet"), scratch.clone())),
            PodRole::Blocks("LocalStorageRequested")
        );
        let mut safe = pod("default", None, scratch);
        safe.meta
            .annotations
            .insert(SAFE_TO_EVICT.into(), "true".into());
        assert_eq!(role(&safe), PodRole::Moves);
        let mut pinned = pod("default", Some("ReplicaSet"), none);
        pinned
            .meta
            .annotations
            .insert(SAFE_TO_EVICT.into(), "false".into());
        assert_eq!(role(&pinned), PodRole::Blocks("NotSafeToEvictAnnotation"));
    }
}
