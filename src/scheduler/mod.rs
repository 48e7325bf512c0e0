//! kube-scheduler: a queue of pods waiting for a node, and a scheduling cycle that filters the
//! nodes, scores the feasible ones and picks the best (ties broken by a seeded draw where upstream
//! draws at random).
//!
//! The scheduler reads the cluster state and answers with a decision; `sim` applies it (binds the
//! pod, records events) and tells the scheduler about cluster changes, as informers would.

pub mod config;
pub mod explain;
pub mod fit_error;
pub mod framework;
pub mod plugins;
mod preemption;
mod profile;
mod queue;
mod topology;

use rand::Rng;

use crate::engine::{SimDuration, SimTime};
use crate::model::{ClusterState, PodId, Resources};
use explain::{Explanation, NodeVerdict, PluginScores, Verdict};
use framework::{FilterPlugin, NodeInfo, PodInfo, Status};
pub use preemption::{Nomination, PREEMPTION_BY_SCHEDULER};
pub use queue::SchedulingQueue;

/// How often pods left unschedulable are looked at again.
pub fn queue_flush_period() -> SimDuration {
    queue::FLUSH_PERIOD
}

/// The default profile's `schedulerName`, which its events report as (`From: default-scheduler`).
pub const COMPONENT: &str = "default-scheduler";

/// What one scheduling cycle decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Bind the pod to this node.
    Bind { pod: PodId, node: String },
    /// No node fits; the message is upstream's FitError text, and preemption may have
    /// nominated a node whose victims must go first.
    Unschedulable {
        pod: PodId,
        message: String,
        nomination: Nomination,
    },
}

/// The scheduler: its queue, its view of each node's load, and its plugins.
pub struct Scheduler {
    pub queue: SchedulingQueue,
    nodes: Vec<NodeInfo>,
    /// Where the next feasible-node search starts (round robin across cycles).
    next_start: usize,
    /// One per `schedulerName`; the first is `default-scheduler` unless configured otherwise.
    profiles: Vec<profile::Profile>,
    /// The pods bound to each node (by node position), for the inter-pod plugins.
    pods_on_node: Vec<Vec<PodId>>,
    /// How many bound pods carry pod (anti-)affinity or spread terms: while none do, a pod
    /// without its own needs no inter-pod view.
    pods_with_terms: usize,
    /// Pods that preemption nominated to a node and that wait for their victims to go: their
    /// requests are held on that node for pods of lower or equal priority.
    nominated: std::collections::BTreeMap<PodId, NominatedPod>,
    /// Whether attempts are explained, and the last attempt's explanation.
    explain: bool,
    explanation: Option<Explanation>,
    /// Buffers reused from cycle to cycle, so that a cycle allocates nothing per node.
    scratch: Scratch,
}

/// Per-node buffers of a cycle, kept between cycles (their contents are not).
#[derive(Debug, Default)]
struct Scratch {
    feasible: Vec<usize>,
    raw: Vec<i64>,
    totals: Vec<i64>,
}

/// One scheduling attempt: the pod and what was computed for it once.
struct Attempt<'a> {
    id: PodId,
    profile: &'a profile::Profile,
    pod: &'a crate::model::Pod,
    info: PodInfo<'a>,
    /// The profile's filters that can reject some node for this pod (the others skip it).
    filters: Vec<&'a dyn FilterPlugin>,
    topology: Option<topology::Topology<'a>>,
}

/// Where a nominated pod waits, and its priority.
#[derive(Debug, Clone, Copy)]
struct NominatedPod {
    position: usize,
    priority: i32,
}

impl Scheduler {
    /// A scheduler with the configuration's profiles over the cluster's current nodes.
    pub fn new(state: &ClusterState, config: &config::Configuration) -> Self {
        let mut queue = SchedulingQueue::default();
        queue.set_backoff(
            SimDuration::from_secs(config.initial_backoff_seconds),
            SimDuration::from_secs(config.max_backoff_seconds),
        );
        let mut scheduler = Scheduler {
            queue,
            nodes: Vec::new(),
            next_start: 0,
            profiles: config
                .profiles
                .iter()
                .cloned()
                .map(profile::Profile::new)
                .collect(),
            pods_on_node: Vec::new(),
            pods_with_terms: 0,
            nominated: Default::default(),
            explain: false,
            explanation: None,
            scratch: Scratch::default(),
        };
        scheduler.sync_nodes(state);
        scheduler
    }

    /// Whether a profile answers to this `schedulerName` (pods for other schedulers stay
    /// Pending, as nothing in the cluster would schedule them).
    pub fn has_profile(&self, scheduler_name: &str) -> bool {
        self.profile_index(scheduler_name).is_some()
    }

    fn profile_index(&self, scheduler_name: &str) -> Option<usize> {
        self.profiles
            .iter()
            .position(|p| p.config.scheduler_name == scheduler_name)
    }

    /// Sets every profile's `percentageOfNodesToScore` (0: upstream's adaptive default).
    pub fn set_percentage_of_nodes_to_score(&mut self, percentage: i64) {
        for profile in &mut self.profiles {
            profile.config.percentage_of_nodes_to_score = percentage;
        }
    }

    /// Rebuilds the per-node view from the cluster (after nodes were added or changed).
    pub fn sync_nodes(&mut self, state: &ClusterState) {
        self.nodes = state
            .nodes()
            .iter()
            .enumerate()
            .map(|(index, node)| NodeInfo {
                index,
                allocatable: node.allocatable_resources(),
                requested: Resources::default(),
                non_zero_requested: Resources::default(),
                pod_count: 0,
                used_ports: Vec::new(),
            })
            .collect();
        self.pods_on_node = vec![Vec::new(); self.nodes.len()];
        self.pods_with_terms = 0;
        // Positions move when a node leaves: find each nominated node again by its name.
        self.nominated.retain(|id, nominated| {
            let node = state
                .pod(*id)
                .and_then(|p| p.status.nominated_node_name.as_deref());
            match node.and_then(|n| state.node_position(n)) {
                Some(position) => {
                    nominated.position = position;
                    true
                }
                None => false,
            }
        });
        for (id, pod) in state.pods_by_name() {
            if let Some(node) = &pod.node_name {
                if !pod.is_terminal() {
                    self.account(state, node, id, 1);
                }
            }
        }
    }

    /// Adds (`sign` 1) or removes (`sign` -1) a pod from its node: requests and pod list.
    fn account(&mut self, state: &ClusterState, node: &str, id: PodId, sign: i64) {
        let (Some(index), Some(p)) = (state.node_position(node), state.pod(id)) else {
            return;
        };
        let pod = &PodInfo::new(&p.spec);
        let terms = topology::has_constraints(p);
        if sign > 0 {
            self.pods_on_node[index].push(id);
            self.pods_with_terms += usize::from(terms);
        } else {
            self.pods_on_node[index].retain(|other| *other != id);
            self.pods_with_terms -= usize::from(terms);
        }
        self.nodes[index].update(pod, sign);
    }

    /// A pod bound to a node (by us or by the user) now uses its resources.
    pub fn on_pod_bound(&mut self, state: &ClusterState, pod: PodId) {
        if let Some(node) = state.pod(pod).and_then(|p| p.node_name.clone()) {
            self.account(state, &node, pod, 1);
        }
    }

    /// A bound pod finished or was deleted: its resources are free again, and pods that did not
    /// fit may now fit.
    pub fn on_pod_released(&mut self, state: &ClusterState, pod: PodId, now: SimTime) {
        if let Some(node) = state.pod(pod).and_then(|p| p.node_name.clone()) {
            self.account(state, &node, pod, -1);
        }
        self.queue.move_all_to_active_or_backoff(now);
    }

    /// The pod was bound elsewhere, deleted or finished: forget it.
    pub fn forget(&mut self, pod: PodId) {
        self.queue.forget(pod);
        self.nominated.remove(&pod);
    }

    /// Runs one scheduling cycle for the pod at the head of the queue, if any is ready.
    // K8S: pkg/scheduler/schedule_one.go (schedulePod, findNodesThatFitPod, selectHost)
    pub fn schedule_one(
        &mut self,
        state: &ClusterState,
        now: SimTime,
        rng: &mut impl Rng,
    ) -> Option<Decision> {
        let id = self.queue.pop(now)?;
        let pod = state.pod(id)?;
        let profile = &self.profiles[self.profile_index(&pod.spec.scheduler_name)?];
        let info = PodInfo::new(&pod.spec);
        let nodes = state.nodes();
        let plugins = &profile.topology;
        let topology = (plugins.any()
            && (topology::has_constraints(pod) || self.pods_with_terms > 0))
            .then(|| {
                let (view, pods) = (&self.nodes, &self.pods_on_node);
                topology::Topology::prepare(state, pod, &info, view, pods, plugins)
            });
        let filters = profile
            .filters
            .iter()
            .map(|f| f.as_ref())
            .filter(|f| !f.skips(&info))
            .collect();
        let mut attempt = Attempt {
            id,
            profile,
            pod,
            info,
            filters,
            topology,
        };
        // K8S: schedule_one.go (evaluateNominatedNode): a pod that preempted tries its
        // nominated node first, and takes it without scoring when it fits.
        let nominated = pod.status.nominated_node_name.as_deref();
        if let Some(position) = nominated.and_then(|node| state.node_position(node)) {
            if self
                .filter_one(state, &attempt, position, &self.nodes[position])
                .is_none()
            {
                if self.explain {
                    let mut explanation = explanation(state, profile, &[position], &[]);
                    explanation.chosen = explanation.feasible.first().cloned();
                    explanation.shortcut = Some("its nominated node fits".to_string());
                    self.explanation = Some(explanation);
                }
                return Some(self.bind(state, id, position));
            }
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let rejected = self.find_feasible(state, &attempt, &mut scratch.feasible);
        let feasible = &scratch.feasible;
        // DEVIATION: upstream filters nodes in parallel, so which feasible nodes it finds first
        // varies; kubesim scans them in order, from where the last search stopped.
        let examined = feasible.len() + rejected.len();
        self.next_start = (self.next_start + examined) % self.nodes.len().max(1);
        let mut explained = self
            .explain
            .then(|| explanation(state, profile, feasible, &rejected));
        if feasible.is_empty() {
            self.scratch = scratch;
            self.explanation = explained;
            let (post_filter, nomination) = self.post_filter(state, &attempt, &rejected, now, rng);
            let statuses: Vec<Status> = rejected.into_iter().map(|(_, s)| s).collect();
            let message = fit_error::message(nodes.len(), &statuses, &post_filter);
            self.note_nomination(id, pod.spec.priority, state, &nomination);
            self.queue.add_unschedulable(id, now);
            return Some(Decision::Unschedulable {
                pod: id,
                message,
                nomination,
            });
        }
        let chosen = if feasible.len() == 1 {
            if let Some(e) = &mut explained {
                e.shortcut = Some("the only feasible node: scoring skipped".to_string());
            }
            feasible[0]
        } else {
            attempt.info.image_spread = image_spread(&pod.spec, state);
            attempt.info.total_nodes = nodes.len();
            let (raw, totals) = (&mut scratch.raw, &mut scratch.totals);
            let scores = self.score(state, &attempt, feasible, raw, totals);
            let winner = feasible[select_host(totals, rng)];
            if let Some(e) = &mut explained {
                e.scores = scores;
                e.totals = totals.clone();
            }
            winner
        };
        self.scratch = scratch;
        if let Some(mut e) = explained {
            e.chosen = Some(nodes[chosen].meta.name.clone());
            self.explanation = Some(e);
        }
        Some(self.bind(state, id, chosen))
    }

    /// Runs the filters over the nodes, from where the last search stopped, until enough
    /// feasible nodes are found (`percentageOfNodesToScore`); fills `feasible` with their
    /// positions in the order found and returns the nodes rejected, with why.
    // K8S: pkg/scheduler/schedule_one.go (findNodesThatPassFilters)
    fn find_feasible(
        &self,
        state: &ClusterState,
        attempt: &Attempt<'_>,
        feasible: &mut Vec<usize>,
    ) -> Vec<(usize, Status)> {
        feasible.clear();
        let mut rejected: Vec<(usize, Status)> = Vec::new();
        let n = self.nodes.len();
        let percentage = attempt.profile.config.percentage_of_nodes_to_score;
        let to_find = num_feasible_nodes_to_find(percentage, n);
        let start = self.next_start % n.max(1);
        for position in (start..n).chain(0..start) {
            if feasible.len() >= to_find {
                break;
            }
            let node_info = &self.nodes[position];
            match self.filter_one(state, attempt, position, node_info) {
                Some(status) => rejected.push((position, status)),
                None => feasible.push(node_info.index),
            }
        }
        rejected
    }

    /// Scores the feasible nodes: sets `totals` to each node's sum of normalized score ×
    /// weight over the score plugins. When explaining, returns each plugin's raw and normalized
    /// scores; otherwise a plugin that gives every node the same score is not run per node.
    // K8S: pkg/scheduler/schedule_one.go (prioritizeNodes)
    fn score(
        &self,
        state: &ClusterState,
        attempt: &Attempt<'_>,
        feasible: &[usize],
        raw: &mut Vec<i64>,
        totals: &mut Vec<i64>,
    ) -> Vec<PluginScores> {
        let (info, nodes) = (&attempt.info, state.nodes());
        totals.clear();
        totals.resize(feasible.len(), 0);
        let mut explained = Vec::new();
        for (plugin, weight) in &attempt.profile.scorers {
            let uniform = (!self.explain)
                .then(|| plugin.uniform_score(info))
                .flatten();
            if let Some(score) = uniform {
                totals.iter_mut().for_each(|total| *total += score * weight);
                continue;
            }
            raw.clear();
            let score = |&i: &usize| plugin.score(info, &nodes[i], &self.nodes[i]);
            raw.extend(feasible.iter().map(score));
            let before = self.explain.then(|| raw.clone());
            plugin.normalize(raw);
            add_weighted(totals, raw, *weight);
            if let Some(raw_scores) = before {
                explained.push(PluginScores {
                    plugin: plugin.name().to_string(),
                    weight: *weight,
                    raw: raw_scores,
                    normalized: raw.clone(),
                });
            }
        }
        if let Some(topology) = &attempt.topology {
            for plugin in topology.scores(feasible) {
                add_weighted(totals, &plugin.normalized, plugin.weight);
                explained.push(plugin);
            }
        }
        if !self.explain {
            explained.clear();
        }
        explained
    }

    /// Collects explanations of the attempts from now on (see [`Scheduler::take_explanation`]).
    pub fn set_explain(&mut self, explain: bool) {
        self.explain = explain;
    }

    /// The explanation of the last attempt, when explaining.
    pub fn take_explanation(&mut self) -> Option<Explanation> {
        self.explanation.take()
    }

    /// Runs the filters for one node. Pods nominated to the node with at least this pod's
    /// priority count as if already there.
    // K8S: pkg/scheduler/framework/runtime/framework.go (RunFilterPluginsWithNominatedPods)
    fn filter_one(
        &self,
        state: &ClusterState,
        attempt: &Attempt<'_>,
        position: usize,
        node_info: &NodeInfo,
    ) -> Option<Status> {
        let info = &attempt.info;
        let with_nominated;
        let node_info = match self.add_nominated(state, attempt.id, info.spec.priority, position) {
            None => node_info,
            Some(nominated) => {
                let mut copy = node_info.clone();
                for other in &nominated {
                    copy.update(other, 1);
                }
                with_nominated = copy;
                &with_nominated
            }
        };
        let node = &state.nodes()[position];
        attempt
            .filters
            .iter()
            .find_map(|f| f.filter(info, node, node_info))
            .or_else(|| attempt.topology.as_ref()?.filter(position))
    }

    /// The other pods nominated to the node with at least `priority`, if any.
    fn add_nominated<'s>(
        &self,
        state: &'s ClusterState,
        id: PodId,
        priority: i32,
        position: usize,
    ) -> Option<Vec<PodInfo<'s>>> {
        if self.nominated.is_empty() {
            return None;
        }
        let pods: Vec<PodInfo<'s>> = self
            .nominated
            .iter()
            .filter(|(other, n)| **other != id && n.position == position && n.priority >= priority)
            .filter_map(|(other, _)| state.pod(*other).map(|p| PodInfo::new(&p.spec)))
            .collect();
        (!pods.is_empty()).then_some(pods)
    }

    /// Keeps the nominations in step with what a failed cycle decided.
    fn note_nomination(
        &mut self,
        id: PodId,
        priority: i32,
        state: &ClusterState,
        nomination: &Nomination,
    ) {
        match nomination {
            Nomination::Keep => {}
            Nomination::Clear => {
                self.nominated.remove(&id);
            }
            Nomination::Node {
                node, displaced, ..
            } => {
                for other in displaced {
                    self.nominated.remove(other);
                }
                if let Some(position) = state.node_position(node) {
                    self.nominated
                        .insert(id, NominatedPod { position, priority });
                }
            }
        }
    }

    /// Assumes the pod on the node (its requests count at once) and answers the bind.
    fn bind(&mut self, state: &ClusterState, id: PodId, position: usize) -> Decision {
        let node = state.nodes()[position].meta.name.clone();
        self.account(state, &node, id, 1);
        self.forget(id);
        Decision::Bind { pod: id, node }
    }

    /// When the queue next has a pod ready, if it has any waiting.
    pub fn next_ready(&self, now: SimTime) -> Option<SimTime> {
        self.queue.next_ready(now)
    }
}

/// The filter verdicts of an attempt: feasible, rejected (by which plugin, why) or not
/// evaluated, for every node in the cluster's order.
fn explanation(
    state: &ClusterState,
    profile: &profile::Profile,
    feasible: &[usize],
    rejected: &[(usize, Status)],
) -> Explanation {
    let name = |i: usize| state.nodes()[i].meta.name.clone();
    let nodes = (0..state.nodes().len())
        .map(|i| {
            let verdict = if feasible.contains(&i) {
                Verdict::Feasible
            } else if let Some((_, status)) = rejected.iter().find(|(p, _)| *p == i) {
                Verdict::Rejected {
                    plugin: status.plugin.to_string(),
                    reasons: status.reasons.clone(),
                }
            } else {
                Verdict::NotEvaluated
            };
            NodeVerdict {
                node: name(i),
                verdict,
            }
        })
        .collect();
    Explanation {
        profile: profile.config.scheduler_name.clone(),
        nodes,
        feasible: feasible.iter().map(|&i| name(i)).collect(),
        scores: Vec::new(),
        totals: Vec::new(),
        chosen: None,
        shortcut: None,
    }
}

/// How many feasible nodes the search looks for before scoring: all below 100 nodes, else a
/// percentage (adaptive when unset: 50% minus 1% per 125 nodes, at least 5%), at least 100.
// K8S: pkg/scheduler/schedule_one.go (numFeasibleNodesToFind)
fn num_feasible_nodes_to_find(percentage: i64, num_all_nodes: usize) -> usize {
    const MIN_FEASIBLE_NODES_TO_FIND: i64 = 100;
    const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: i64 = 5;
    let n = num_all_nodes as i64;
    if n < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let mut pct = percentage;
    if pct == 0 {
        pct = (50 - n / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    }
    let num = n * pct / 100;
    num.max(MIN_FEASIBLE_NODES_TO_FIND) as usize
}

/// For each image of the pod, on how many nodes it is present (ImageLocality's spread).
// K8S: pkg/scheduler/framework/types.go (ImageStateSummary.NumNodes)
/// Images on no node are left out: they add nothing to any node's score.
fn image_spread(spec: &crate::model::PodSpec, state: &ClusterState) -> Vec<(String, usize)> {
    spec.init_containers
        .iter()
        .chain(&spec.containers)
        .map(|c| crate::model::node::normalized_image(&c.image))
        .map(|image| {
            let count = state.nodes_with_image(&image);
            (image, count)
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// Adds each normalized score × weight to the node's total.
fn add_weighted(totals: &mut [i64], normalized: &[i64], weight: i64) {
    for (total, score) in totals.iter_mut().zip(normalized) {
        *total += score * weight;
    }
}

/// Picks the index of a highest total, uniformly among ties (reservoir sampling as upstream), with
/// a seeded draw instead of upstream's unseeded global one.
// K8S: pkg/scheduler/schedule_one.go (selectHost)
fn select_host(totals: &[i64], rng: &mut impl Rng) -> usize {
    let mut best = 0;
    let mut ties = 0u32;
    for (i, &score) in totals.iter().enumerate() {
        if score > totals[best] {
            best = i;
            ties = 1;
        } else if score == totals[best] {
            ties += 1;
            if rng.random_range(0..ties) == 0 {
                best = i;
            }
        }
    }
    best
}

/// How long a pod that failed scheduling `attempts` times waits before its next try: the
/// initial backoff doubling up to the maximum (1 s and 10 s by default).
// K8S: pkg/scheduler/backend/queue/backoff_queue.go (calculateBackoffDuration)
pub fn backoff(attempts: u32, initial: SimDuration, max: SimDuration) -> SimDuration {
    if attempts == 0 {
        return SimDuration::ZERO;
    }
    let mut duration = initial;
    for _ in 1..attempts {
        if duration >= max {
            break;
        }
        duration = duration + duration;
    }
    duration.min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    // K8S: pkg/scheduler/schedule_one_test.go (TestNumFeasibleNodesToFind)
    #[test]
    fn num_feasible_nodes_to_find_upstream_table() {
        let cases = [
            (
                "not set percentageOfNodesToScore and nodes number not more than 50",
                0,
                10,
                10,
            ),
            (
                "set percentageOfNodesToScore and nodes number not more than 50",
                40,
                10,
                10,
            ),
            (
                "not set percentageOfNodesToScore and nodes number more than 50",
                0,
                1000,
                420,
            ),
            (
                "set percentageOfNodesToScore and nodes number more than 50",
                40,
                1000,
                400,
            ),
            (
                "not set percentageOfNodesToScore and nodes number more than 50*125",
                0,
                6000,
                300,
            ),
            (
                "set percentageOfNodesToScore and nodes number more than 50*125",
                40,
                6000,
                2400,
            ),
        ];
        for (name, pct, nodes, want) in cases {
            assert_eq!(num_feasible_nodes_to_find(pct, nodes), want, "{name}");
        }
    }
}
