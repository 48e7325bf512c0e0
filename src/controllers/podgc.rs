//! The pod garbage collector's orphan pass: pods bound to a node that no longer exists are
//! marked `Failed` with a `DisruptionTarget` condition and force-deleted, once the node has
//! stayed gone through a quarantine. Their workload controllers then replace them.

use super::{Controllers, Key, Request};
use crate::engine::{SimDuration, SimTime};
use crate::model::{ClusterState, PodCondition, PodPhase};

/// How often PodGC runs its passes.
// K8S: pkg/controller/podgc/gc_controller.go (gcCheckPeriod = 20s)
pub const GC_CHECK_PERIOD: SimDuration = SimDuration::from_secs(20);
/// How long a missing node stays quarantined before its pods are deleted.
// K8S: pkg/controller/podgc/gc_controller.go (quarantineTime = 40s)
pub const QUARANTINE: SimDuration = SimDuration::from_secs(40);
/// The key kind under which PodGC's timer for a deleted node is kept.
const KIND: &str = "PodGC";

impl Controllers {
    /// A Node object was deleted at `now`: the node lifecycle forgets it, and PodGC's next pass
    /// finds its pods orphaned and quarantines the node name; the pass one quarantine later
    /// deletes the pods if the node is still gone.
    // K8S: pkg/controller/podgc/gc_controller.go (gcOrphaned: AddAfter(node, quarantineTime),
    // then discoverDeletedNodes on a later pass)
    // DEVIATION: passes run at whole multiples of 20 s from t=0 (upstream's period restarts
    // after each pass, so its passes drift later by the time each one takes).
    pub fn node_removed(&mut self, node: &str, now: SimTime) {
        self.forget_node_health(node);
        let period = GC_CHECK_PERIOD.as_millis();
        let first_pass = SimTime::from_millis(now.as_millis().div_ceil(period) * period);
        let key: Key = (KIND.to_string(), String::new(), node.to_string());
        self.timers.insert((first_pass + QUARANTINE, key));
    }

    /// The pass that ends a node's quarantine: every pod still bound to it is marked Failed
    /// and force-deleted (grace period 0), unless the node came back.
    // K8S: pkg/controller/podgc/gc_controller.go (markFailedAndDeletePodWithCondition)
    pub(super) fn collect_orphans(
        &mut self,
        state: &mut ClusterState,
        node: &str,
        now: SimTime,
        out: &mut Vec<Request>,
    ) {
        if state.node(node).is_some() {
            return;
        }
        let orphans: Vec<crate::model::PodId> = state.pods_on(node).map(|(id, _)| id).collect();
        for id in orphans {
            let pod = state.pod_mut(id).expect("listed pods exist");
            if !pod.is_terminal() {
                pod.status.phase = PodPhase::Failed;
                pod.status
                    .set_condition(PodCondition::new("DisruptionTarget", true, now).because(
                        "DeletionByPodGC",
                        "PodGC: node no longer exists".to_string(),
                    ));
            }
            out.push(Request::ForceDeletePod {
                namespace: pod.meta.namespace.clone(),
                name: pod.meta.name.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn orphans_go_at_the_pass_one_quarantine_after_the_first_that_sees_them() {
        let mut c = Controllers::new(RngStreams::new(1));
        // Deleted at 2m5s: the 2m20s pass quarantines it, the 3m pass deletes its pods.
        c.node_removed("node02", SimTime::from_millis(125_000));
        assert_eq!(c.next_timer(), Some(SimTime::from_millis(180_000)));
        // Deleted on a pass's instant: that pass already sees it.
        let mut c = Controllers::new(RngStreams::new(1));
        c.node_removed("node02", SimTime::from_millis(120_000));
        assert_eq!(c.next_timer(), Some(SimTime::from_millis(160_000)));
    }
}
