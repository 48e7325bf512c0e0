//! The PostFilter step: when no node fits, DefaultPreemption's dry run over the nodes that
//! failed for reasons evicting pods could fix, and the pods nominated to nodes meanwhile.

use rand::Rng;

use super::framework::{NodeInfo, PodInfo, Status};
use super::plugins::default_preemption::{self as dp, Candidate, Victim};
use super::Attempt;
use super::{fit_error, Scheduler};
use crate::engine::SimTime;
use crate::model::{ClusterState, Pod, PodId};

/// What the failed cycle does to the pod's `status.nominatedNodeName`.
#[derive(Debug, Clone, PartialEq)]
pub enum Nomination {
    /// Left as it is (the pod may not preempt now).
    Keep,
    /// Cleared: preemption cannot help anywhere.
    Clear,
    /// Set to `node`, whose `victims` are evicted; lower-priority pods nominated to that node
    /// lose their nomination.
    Node {
        node: String,
        victims: Vec<PodId>,
        displaced: Vec<PodId>,
    },
}

/// The reason a pod's DisruptionTarget condition gives when the scheduler preempts it.
// K8S: staging/src/k8s.io/api/core/v1/types.go (PodReasonPreemptionByScheduler)
pub const PREEMPTION_BY_SCHEDULER: &str = "PreemptionByScheduler";

impl Scheduler {
    /// Runs DefaultPreemption for a pod no node fits; returns the PostFilter message for the
    /// FitError (empty when preemption found a node) and the nomination.
    // K8S: pkg/scheduler/framework/preemption/preemption.go (Evaluator.Preempt)
    pub(super) fn post_filter(
        &self,
        state: &ClusterState,
        attempt: &Attempt<'_>,
        rejected: &[(usize, Status)],
        now: SimTime,
        rng: &mut impl Rng,
    ) -> (String, Nomination) {
        let pod = attempt.pod;
        let profile = &attempt.profile.config;
        if !profile.preemption {
            return (String::new(), Nomination::Keep);
        }
        let policy = pod.spec.api.preemption_policy.as_deref();
        let terminating = self.victim_terminating_on_nominated(state, pod);
        if let Some(why) = dp::ineligibility(policy, terminating) {
            return (format!("preemption: {why}"), Nomination::Keep);
        }
        let potential: Vec<usize> = rejected
            .iter()
            .filter(|(_, status)| !status.unresolvable)
            .map(|(position, _)| *position)
            .collect();
        let mut failures = Vec::new();
        let mut candidates = Vec::new();
        if !potential.is_empty() {
            // K8S: default_preemption.go (GetOffsetAndNumCandidates: a random offset, seeded here)
            let offset = rng.random_range(0..potential.len());
            let (percentage, absolute) = profile.min_candidates;
            let wanted = dp::num_candidates(potential.len(), percentage, absolute);
            for k in 0..potential.len() {
                if candidates.len() >= wanted {
                    break;
                }
                let position = potential[(offset + k) % potential.len()];
                let fits = |node: &NodeInfo| self.filter_one(state, attempt, position, node);
                let victims = self.lower_priority_pods(state, position, pod.spec.priority, now);
                match dp::select_victims_on_node(self.nodes[position].clone(), victims, fits) {
                    Ok(victims) if !victims.is_empty() => candidates.push(Candidate {
                        node: position,
                        victims,
                    }),
                    Ok(_) => {}
                    Err(status) => failures.push(status),
                }
            }
        }
        let Some(best) = dp::pick_one_node(&candidates) else {
            let not_helpful = self.nodes.len() - failures.len();
            failures.extend((0..not_helpful).map(|_| {
                Status::unresolvable(dp::NAME, "Preemption is not helpful for scheduling")
            }));
            let message = fit_error::message(self.nodes.len(), &failures, "");
            return (format!("preemption: {message}"), Nomination::Clear);
        };
        let chosen = &candidates[best];
        let displaced = self
            .nominated
            .iter()
            .filter(|(other, n)| {
                n.position == chosen.node && n.priority < pod.spec.priority && **other != attempt.id
            })
            .map(|(other, _)| *other)
            .collect();
        let nomination = Nomination::Node {
            node: state.nodes()[chosen.node].meta.name.clone(),
            victims: chosen.victims.iter().map(|v| v.id).collect(),
            displaced,
        };
        (String::new(), nomination)
    }

    /// Whether the pod already preempted on its nominated node and a victim is still going.
    fn victim_terminating_on_nominated(&self, state: &ClusterState, pod: &Pod) -> bool {
        let Some(position) = pod
            .status
            .nominated_node_name
            .as_deref()
            .and_then(|node| state.node_position(node))
        else {
            return false;
        };
        self.pods_on_node[position].iter().any(|&id| {
            state.pod(id).is_some_and(|p| {
                p.spec.priority < pod.spec.priority
                    && p.meta.deletion.is_some()
                    && p.status.condition("DisruptionTarget").is_some_and(|c| {
                        c.status == "True" && c.reason.as_deref() == Some(PREEMPTION_BY_SCHEDULER)
                    })
            })
        })
    }

    /// The pods on a node that a pod of `priority` may preempt.
    fn lower_priority_pods<'s>(
        &self,
        state: &'s ClusterState,
        position: usize,
        priority: i32,
        now: SimTime,
    ) -> Vec<Victim<'s>> {
        self.pods_on_node[position]
            .iter()
            .filter_map(|&id| {
                let p = state.pod(id)?;
                (p.spec.priority < priority).then(|| Victim {
                    id,
                    priority: p.spec.priority,
                    start: p.status.start_time.unwrap_or(now),
                    info: PodInfo::new(&p.spec),
                })
            })
            .collect()
    }
}
