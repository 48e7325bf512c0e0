//! DefaultPreemption: when no node fits a pod, find nodes where evicting lower-priority pods would
//! make room, keep as few victims as possible on each, and pick the node whose eviction costs
//! least. The scheduler (`scheduler::preemption`) runs the dry run over the cluster; this file
//! holds the plugin's own rules.

use std::cmp::Ordering;

use crate::engine::SimTime;
use crate::model::PodId;
use crate::scheduler::framework::{NodeInfo, PodInfo, Status};

/// The plugin's name.
pub const NAME: &str = "DefaultPreemption";

/// A pod that preemption may evict, with what ranks it.
#[derive(Debug, Clone)]
pub struct Victim<'a> {
    pub id: PodId,
    pub priority: i32,
    /// `status.startTime`; pods not started yet rank as started now.
    pub start: SimTime,
    pub info: PodInfo<'a>,
}

/// Whether `a` is more important than `b`: higher priority, then started earlier.
// K8S: pkg/scheduler/util/utils.go (MoreImportantPod)
pub fn more_important(a: &Victim<'_>, b: &Victim<'_>) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| a.start.cmp(&b.start))
}

/// Why a pod may not preempt at all, as upstream words it, or `None` when it may.
// K8S: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go
// (PodEligibleToPreemptOthers)
pub fn ineligibility(
    preemption_policy: Option<&str>,
    terminating_victim_on_nominated_node: bool,
) -> Option<&'static str> {
    if preemption_policy == Some("Never") {
        return Some("not eligible due to preemptionPolicy=Never.");
    }
    if terminating_victim_on_nominated_node {
        return Some("not eligible due to a terminating pod on the nominated node.");
    }
    None
}

/// How many candidate nodes the dry run looks for: `percentage` of the potential nodes (10 by
/// default), at least `absolute` (100), at most all of them.
// K8S: default_preemption.go (calculateNumCandidates)
pub fn num_candidates(potential_nodes: usize, percentage: usize, absolute: usize) -> usize {
    (potential_nodes * percentage / 100)
        .max(absolute)
        .min(potential_nodes)
}

/// The fewest victims on one node that let the pod fit: every lower-priority pod is removed,
/// then, most important first, each is given back if the pod still fits without evicting it.
/// `fits` runs the filters against a node view. Victims come back most important first.
// K8S: default_preemption.go (SelectVictimsOnNode; no PodDisruptionBudgets, so every victim is
// "non-violating")
pub fn select_victims_on_node<'a>(
    mut node: NodeInfo,
    mut potential: Vec<Victim<'a>>,
    fits: impl Fn(&NodeInfo) -> Option<Status>,
) -> Result<Vec<Victim<'a>>, Status> {
    if potential.is_empty() {
        return Err(Status::unresolvable(
            NAME,
            "No preemption victims found for incoming pod",
        ));
    }
    for victim in &potential {
        node.update(&victim.info, -1);
    }
    if let Some(status) = fits(&node) {
        return Err(status);
    }
    potential.sort_by(more_important);
    let mut victims = Vec::new();
    for victim in potential {
        node.update(&victim.info, 1);
        if fits(&node).is_some() {
            node.update(&victim.info, -1);
            victims.push(victim);
        }
    }
    Ok(victims)
}

/// A node where preemption would work, and the victims it would take (most important first).
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub node: usize,
    pub victims: Vec<Victim<'a>>,
}

/// The candidate whose victims matter least: lowest highest-priority victim, then lowest sum of
/// priorities, then fewest victims, then the latest-started most important victims, then the
/// first. (Fewest PodDisruptionBudget violations comes first upstream; there are none here.)
// K8S: pkg/scheduler/framework/preemption/preemption.go (pickOneNodeForPreemption)
pub fn pick_one_node(candidates: &[Candidate<'_>]) -> Option<usize> {
    let criteria: [&dyn Fn(&Candidate<'_>) -> i64; 4] = [
        &|c| -i64::from(c.victims[0].priority),
        &|c| {
            -c.victims
                .iter()
                .map(|v| i64::from(v.priority) + i64::from(i32::MAX) + 1)
                .sum::<i64>()
        },
        &|c| -(c.victims.len() as i64),
        &|c| earliest_start_of_highest_priority(c).as_millis() as i64,
    ];
    let mut remaining: Vec<usize> = (0..candidates.len()).collect();
    for criterion in criteria {
        let best = remaining.iter().map(|&i| criterion(&candidates[i])).max()?;
        remaining.retain(|&i| criterion(&candidates[i]) == best);
        if remaining.len() == 1 {
            break;
        }
    }
    remaining.first().copied()
}

/// The earliest start among the victims of the highest priority.
// K8S: pkg/scheduler/util/utils.go (GetEarliestPodStartTime)
fn earliest_start_of_highest_priority(c: &Candidate<'_>) -> SimTime {
    let highest = c.victims[0].priority;
    c.victims
        .iter()
        .filter(|v| v.priority == highest)
        .map(|v| v.start)
        .min()
        .unwrap_or(SimTime::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::model::{PodSpec, Resources};
    use std::sync::LazyLock;

    static SPEC: LazyLock<PodSpec> = LazyLock::new(|| PodSpec {
        containers: Vec::new(),
        init_containers: Vec::new(),
        node_selector: Default::default(),
        tolerations: Vec::new(),
        restart_policy: crate::model::pod::RestartPolicy::Always,
        termination_grace_period_seconds: 30,
        priority: 0,
        priority_class_name: None,
        scheduler_name: "default-scheduler".into(),
        service_account_name: "default".into(),
        api: Default::default(),
    });

    /// A pod requesting 500m and 1Gi.
    fn victim(id: u32, priority: i32, start_s: u64) -> Victim<'static> {
        let mut info = PodInfo::new(&SPEC);
        info.requests = Resources {
            milli_cpu: 500,
            memory: 1 << 30,
            ephemeral_storage: 0,
            pods: 0,
        };
        Victim {
            id: PodId(id),
            priority,
            start: SimTime::ZERO + SimDuration::from_secs(start_s),
            info,
        }
    }

    fn node(pods: i64) -> NodeInfo {
        NodeInfo {
            index: 0,
            allocatable: Resources {
                milli_cpu: 1000,
                memory: 4 << 30,
                ephemeral_storage: 0,
                pods: 110,
            },
            requested: Resources {
                milli_cpu: 500 * pods,
                memory: pods << 30,
                ephemeral_storage: 0,
                pods: 0,
            },
            non_zero_requested: Resources::default(),
            pod_count: pods,
            used_ports: Vec::new(),
        }
    }

    /// The incoming pod needs 500m: with two 500m pods on a 1-CPU node, one must go.
    fn needs_half_a_cpu(n: &NodeInfo) -> Option<Status> {
        (n.requested.milli_cpu + 500 > n.allocatable.milli_cpu)
            .then(|| Status::unschedulable("NodeResourcesFit", vec!["Insufficient cpu".into()]))
    }

    #[test]
    fn keeps_the_most_important_and_evicts_the_rest() {
        // Two lower-priority pods; only one must go: the less important (lower priority) one.
        let got = select_victims_on_node(
            node(2),
            vec![victim(1, 10, 0), victim(2, 5, 0)],
            needs_half_a_cpu,
        )
        .unwrap();
        let ids: Vec<PodId> = got.iter().map(|v| v.id).collect();
        assert_eq!(ids, vec![PodId(2)]);
        // Same priority: the one started later is less important and goes.
        let got = select_victims_on_node(
            node(2),
            vec![victim(1, 5, 30), victim(2, 5, 10)],
            needs_half_a_cpu,
        )
        .unwrap();
        assert_eq!(got[0].id, PodId(1));
    }

    #[test]
    fn no_lower_priority_pod_is_unresolvable_and_not_fitting_anyway_keeps_the_filter_reason() {
        let err = select_victims_on_node(node(2), Vec::new(), needs_half_a_cpu).unwrap_err();
        assert_eq!(
            err.reasons,
            ["No preemption victims found for incoming pod"]
        );
        assert!(err.unresolvable);
        // Only one 500m pod is lower priority but the node still cannot take 1000m more.
        let err = select_victims_on_node(node(2), vec![victim(1, 0, 0)], |n| {
            (n.requested.milli_cpu + 1000 > n.allocatable.milli_cpu)
                .then(|| Status::unschedulable("NodeResourcesFit", vec!["Insufficient cpu".into()]))
        })
        .unwrap_err();
        assert_eq!(err.reasons, ["Insufficient cpu"]);
    }

    // K8S: pkg/scheduler/framework/preemption/preemption_test.go (TestPickOneNodeForPreemption:
    // the criteria in order)
    #[test]
    fn picks_the_node_whose_victims_matter_least() {
        let c = |node: usize, victims: Vec<Victim<'static>>| Candidate { node, victims };
        // Lowest highest priority wins.
        let cands = [c(0, vec![victim(1, 20, 0)]), c(1, vec![victim(2, 10, 0)])];
        assert_eq!(pick_one_node(&cands), Some(1));
        // Then the smallest sum of priorities.
        let cands = [
            c(0, vec![victim(1, 10, 0), victim(2, 10, 0)]),
            c(1, vec![victim(3, 10, 0), victim(4, 5, 0)]),
        ];
        assert_eq!(pick_one_node(&cands), Some(1));
        // Negative priorities: two victims cost more than one (the MaxInt32+1 offset).
        let cands = [
            c(0, vec![victim(1, -5, 0), victim(2, -5, 0)]),
            c(1, vec![victim(3, -5, 0)]),
        ];
        assert_eq!(pick_one_node(&cands), Some(1));
        // Then the latest start of the most important victims.
        let cands = [c(0, vec![victim(1, 5, 10)]), c(1, vec![victim(2, 5, 20)])];
        assert_eq!(pick_one_node(&cands), Some(1));
        // All equal: the first.
        let cands = [c(0, vec![victim(1, 5, 10)]), c(1, vec![victim(2, 5, 10)])];
        assert_eq!(pick_one_node(&cands), Some(0));
    }

    // K8S: default_preemption_test.go (TestCalculateNumCandidates)
    #[test]
    fn number_of_candidates_like_upstream() {
        assert_eq!(num_candidates(10, 10, 100), 10);
        assert_eq!(num_candidates(1000, 10, 100), 100);
        assert_eq!(num_candidates(5000, 10, 100), 500);
        assert_eq!(num_candidates(5000, 40, 100), 2000);
        assert_eq!(num_candidates(50, 0, 10), 10);
    }

    #[test]
    fn ineligibility_texts() {
        assert_eq!(
            ineligibility(Some("Never"), false),
            Some("not eligible due to preemptionPolicy=Never.")
        );
        assert_eq!(
            ineligibility(Some("PreemptLowerPriority"), true),
            Some("not eligible due to a terminating pod on the nominated node.")
        );
        assert_eq!(ineligibility(None, false), None);
    }
}
