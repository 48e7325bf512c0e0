//! PodTopologySpread: `whenUnsatisfiable: DoNotSchedule` constraints filter nodes whose
//! placement would make the spread of matching pods too uneven; `ScheduleAnyway` constraints
//! (or, for a pod without constraints, the system defaults) rank nodes so that fewer matching
//! pods in a node's topology domains score higher.
//!
//! Pods count when they are in the incoming pod's namespace, match the constraint's selector and
//! are not terminating. A node takes part in counting only when it has every constraint's
//! topology key and passes the constraint's node inclusion policies.
//!
//! Not modelled: PreFilter's AddPod/RemovePod extensions (preemption dry runs) and
//! `defaultingType: List`; see the DEVIATION notes.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::TopologySpreadConstraint;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::snapshot::{Code, IncomingPod, NodeScore, NodeView, PodView, Status, MAX_NODE_SCORE};
use crate::model::label_selector::{Operator, Requirement, Selector};

/// Upstream's plugin name.
pub const NAME: &str = "PodTopologySpread";
/// The plugin's score weight in the default profile.
// K8S: pkg/scheduler/apis/config/v1/default_plugins.go
pub const DEFAULT_WEIGHT: i64 = 2;

// K8S: pkg/scheduler/framework/plugins/podtopologyspread/plugin.go (ErrReason*)
/// Placing the pod on the node would exceed a constraint's `maxSkew`.
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// The node lacks a constraint's topology key.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// The well-known hostname label: its domains are single nodes, counted per node.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// The well-known zone label.
pub const LABEL_TOPOLOGY_ZONE: &str = "topology.kubernetes.io/zone";

const DO_NOT_SCHEDULE: &str = "DoNotSchedule";
const SCHEDULE_ANYWAY: &str = "ScheduleAnyway";
const HONOR: &str = "Honor";

/// `(topologyKey, maxSkew)` of the constraints a pod without its own gets, both `ScheduleAnyway`.
// K8S: podtopologyspread/plugin.go (systemDefaultConstraints)
const SYSTEM_DEFAULT_CONSTRAINTS: [(&str, i32); 2] =
    [(LABEL_HOSTNAME, 3), (LABEL_TOPOLOGY_ZONE, 5)];

/// The plugin.
// DEVIATION: `defaultingType: List` (cluster-wide custom default constraints in the plugin args)
// is not supported; pods without constraints get the system defaults (`defaultingType: System`,
// upstream's default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PodTopologySpread;

/// A topology spread constraint with its selector parsed and its defaults applied.
// K8S: podtopologyspread/common.go (topologySpreadConstraint)
#[derive(Debug, Clone, PartialEq, Eq)]
struct Constraint {
    max_skew: i64,
    topology_key: String,
    selector: Selector,
    min_domains: i64,
    /// `nodeAffinityPolicy: Honor` (the default): count only nodes the pod could be placed on
    /// by its node selector and required node affinity.
    honor_node_affinity: bool,
    /// `nodeTaintsPolicy: Honor` (default Ignore): count only nodes whose taints it tolerates.
    honor_node_taints: bool,
}

impl Constraint {
    /// The pod's constraint, with `matchLabelKeys` ANDed into the selector using the pod's
    /// values (keys the pod lacks are ignored; a nil selector stays nil).
    // K8S: podtopologyspread/common.go (filterTopologySpreadConstraints, mergeLabelSetWithSelector)
    fn from_api(c: &TopologySpreadConstraint, pod: &IncomingPod) -> Result<Self, String> {
        let keys = c.match_label_keys.as_deref().unwrap_or_default();
        let selector = Selector::parse(c.label_selector.as_ref())?
            .and(Requirement::from_label_keys(keys, pod.labels, Operator::In));
        let honors =
            |policy: &Option<String>, default| policy.as_deref().map_or(default, |p| p == HONOR);
        Ok(Constraint {
            max_skew: i64::from(c.max_skew),
            topology_key: c.topology_key.clone(),
            selector,
            min_domains: i64::from(c.min_domains.unwrap_or(1)),
            honor_node_affinity: honors(&c.node_affinity_policy, true),
            honor_node_taints: honors(&c.node_taints_policy, false),
        })
    }

    /// Whether the node's pods count for this constraint under its inclusion policies.
    // K8S: podtopologyspread/common.go (matchNodeInclusionPolicies)
    fn includes(&self, node: &NodeView) -> bool {
        (!self.honor_node_affinity || node.matches_node_affinity)
            && (!self.honor_node_taints || node.taints_tolerated)
    }

    /// The node's domain for this constraint; nodes without the key are in the "" domain
    /// (upstream reads a missing label as "", which matters only where nodes without the key
    /// are not already excluded, that is under the system defaults).
    fn domain<'n>(&self, node: &'n NodeView) -> &'n str {
        node.labels
            .get(&self.topology_key)
            .map_or("", String::as_str)
    }
}

/// The pod's own constraints with the given `whenUnsatisfiable`.
fn pod_constraints(pod: &IncomingPod, action: &str) -> Result<Vec<Constraint>, Status> {
    pod.topology_spread_constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c| Constraint::from_api(c, pod))
        .collect::<Result<_, _>>()
        .map_err(|err| {
            Status::new(
                Code::Error,
                format!("obtaining pod's topology spread constraints: {err}"),
            )
        })
}

/// The system defaults, selecting pods with `default_selector`: the selector the caller builds
/// from the Services, ReplicationControllers, ReplicaSets and StatefulSets that select the pod.
/// None, or an empty selector, means the pod belongs to none of them and gets no defaults.
// K8S: podtopologyspread/common.go (buildDefaultConstraints); helper.DefaultSelector is the
// caller's job.
fn default_constraints(
    pod: &IncomingPod,
    default_selector: Option<&LabelSelector>,
) -> Result<Vec<Constraint>, Status> {
    let error = |err| Status::new(Code::Error, format!("setting default constraints: {err}"));
    let selector = Selector::parse(default_selector).map_err(error)?;
    if selector == Selector::Nothing || selector.is_empty() {
        return Ok(Vec::new());
    }
    let with_selector = |(topology_key, max_skew): (&str, i32)| {
        let api = TopologySpreadConstraint {
            max_skew,
            topology_key: topology_key.to_owned(),
            when_unsatisfiable: SCHEDULE_ANYWAY.to_owned(),
            ..TopologySpreadConstraint::default()
        };
        let defaulted = Constraint::from_api(&api, pod)?;
        Ok(Constraint {
            selector: selector.clone(),
            ..defaulted
        })
    };
    SYSTEM_DEFAULT_CONSTRAINTS
        .into_iter()
        .map(with_selector)
        .collect::<Result<_, String>>()
        .map_err(error)
}

/// Whether the node has every constraint's topology key.
// K8S: podtopologyspread/common.go (nodeLabelsMatchSpreadConstraints)
fn has_all_topology_keys(node: &NodeView, constraints: &[Constraint]) -> bool {
    constraints
        .iter()
        .all(|c| node.labels.contains_key(&c.topology_key))
}

/// Pods in `namespace`, not terminating, that the selector matches. An empty selector counts
/// nothing (though the incoming pod still matches it itself).
// K8S: podtopologyspread/common.go (countPodsMatchSelector)
fn count_matching(pods: &[PodView], selector: &Selector, namespace: &str) -> i64 {
    if selector.is_empty() {
        return 0;
    }
    let counted = pods
        .iter()
        .filter(|p| !p.terminating && p.namespace == namespace && selector.matches(p.labels));
    counted.count() as i64
}

/// A `DoNotSchedule` constraint and the spread of matching pods over its domains.
// K8S: podtopologyspread/filtering.go (preFilterState)
#[derive(Debug, Clone, PartialEq, Eq)]
struct HardConstraint {
    constraint: Constraint,
    /// Matching pods per domain, over the nodes that take part in counting.
    match_num: BTreeMap<String, i64>,
    /// The incoming pod matches the selector itself, so placing it adds one.
    self_match: bool,
}

impl HardConstraint {
    /// The smallest domain count, taken as 0 while fewer than `minDomains` domains exist.
    // K8S: podtopologyspread/filtering.go (preFilterState.minMatchNum); math.MaxInt32 when no
    // domain exists (possible only with minDomains 0), which lets every node pass.
    fn min_match_num(&self) -> i64 {
        if (self.match_num.len() as i64) < self.constraint.min_domains {
            return 0;
        }
        self.match_num
            .values()
            .copied()
            .min()
            .unwrap_or(i64::from(i32::MAX))
    }
}

/// What PreFilter computes once per pod and Filter reads per node.
// DEVIATION: no AddPod/RemovePod to update it for preemption's "what if" evaluations; upstream
// keeps the two smallest domain counts ("critical paths") for them, here the minimum is taken
// from the counts directly, which is what the critical paths hold right after PreFilter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreFilterState {
    constraints: Vec<HardConstraint>,
}

impl PodTopologySpread {
    /// Counts matching pods per domain for each `DoNotSchedule` constraint over `nodes` (all
    /// nodes of the cluster). `Ok(None)` is upstream's Skip: no such constraint, every node
    /// passes.
    // K8S: podtopologyspread/filtering.go (PreFilter, calPreFilterState)
    pub fn pre_filter(
        &self,
        pod: &IncomingPod,
        nodes: &[NodeView],
    ) -> Result<Option<PreFilterState>, Status> {
        // The system defaults are all ScheduleAnyway, so only the pod's own constraints filter.
        let constraints = pod_constraints(pod, DO_NOT_SCHEDULE)?;
        if constraints.is_empty() {
            return Ok(None);
        }
        let counting: Vec<&NodeView> = nodes
            .iter()
            .filter(|n| has_all_topology_keys(n, &constraints))
            .collect();
        let constraints = constraints
            .into_iter()
            .map(|constraint| {
                let mut match_num = BTreeMap::new();
                for node in counting.iter().filter(|n| constraint.includes(n)) {
                    let count = count_matching(&node.pods, &constraint.selector, pod.namespace);
                    *match_num
                        .entry(constraint.domain(node).to_owned())
                        .or_insert(0) += count;
                }
                HardConstraint {
                    self_match: constraint.selector.matches(pod.labels),
                    constraint,
                    match_num,
                }
            })
            .collect();
        Ok(Some(PreFilterState { constraints }))
    }

    /// `None` when placing the pod on the node keeps every constraint's skew
    /// (`domain count + self match - global minimum`) within `maxSkew`.
    // K8S: podtopologyspread/filtering.go (Filter)
    pub fn filter(&self, state: &PreFilterState, node: &NodeView) -> Option<Status> {
        for hard in &state.constraints {
            let Some(domain) = node.labels.get(&hard.constraint.topology_key) else {
                // Adding pods cannot add a label: preemption cannot help.
                return Some(Status::new(
                    Code::UnschedulableAndUnresolvable,
                    ERR_REASON_NODE_LABEL_NOT_MATCH,
                ));
            };
            let match_num = hard.match_num.get(domain).copied().unwrap_or(0);
            let skew = match_num + i64::from(hard.self_match) - hard.min_match_num();
            if skew > hard.constraint.max_skew {
                return Some(Status::new(
                    Code::Unschedulable,
                    ERR_REASON_CONSTRAINTS_NOT_MATCH,
                ));
            }
        }
        None
    }
}

/// A `ScheduleAnyway` constraint with the matching pods per domain and its domain weight.
// K8S: podtopologyspread/scoring.go (preScoreState)
#[derive(Debug, Clone, PartialEq)]
struct SoftConstraint {
    constraint: Constraint,
    /// Matching pods per domain of the candidate nodes; empty for the hostname key, whose
    /// domains are counted per node at Score.
    pod_counts: BTreeMap<String, i64>,
    /// `ln(number of domains + 2)`: a pod in a constraint with many small domains weighs more
    /// than one in a constraint with few large ones.
    topology_normalizing_weight: f64,
}

/// What PreScore computes once per pod and Score reads per node.
#[derive(Debug, Clone, PartialEq)]
pub struct PreScoreState {
    constraints: Vec<SoftConstraint>,
    /// Candidate nodes lacking a topology key: scored 0 and left out of normalisation.
    ignored_nodes: BTreeSet<String>,
    /// The incoming pod's namespace, the only one whose pods count.
    namespace: String,
}

impl PodTopologySpread {
    /// Prepares scoring of the `candidates` (the nodes that passed filtering), counting pods over
    /// `nodes` (all nodes of the cluster). A pod without constraints of its own gets the system
    /// defaults with `default_selector` (see [`PodTopologySpread`]). `Ok(None)` is upstream's
    /// Skip: no `ScheduleAnyway` constraint, every node scores 0.
    // K8S: podtopologyspread/scoring.go (PreScore, initPreScoreState)
    pub fn pre_score(
        &self,
        pod: &IncomingPod,
        nodes: &[NodeView],
        candidates: &[&NodeView],
        default_selector: Option<&LabelSelector>,
    ) -> Result<Option<PreScoreState>, Status> {
        if nodes.is_empty() {
            return Ok(None);
        }
        let own = !pod.topology_spread_constraints.is_empty();
        let constraints = if own {
            pod_constraints(pod, SCHEDULE_ANYWAY)?
        } else {
            default_constraints(pod, default_selector)?
        };
        if constraints.is_empty() {
            return Ok(None);
        }
        // Under the system defaults, nodes without a zone still get hostname spreading.
        let require_all_keys = own;
        let has_keys =
            |node: &NodeView| !require_all_keys || has_all_topology_keys(node, &constraints);
        let ignored_nodes: BTreeSet<String> = candidates
            .iter()
            .filter(|n| !has_keys(n))
            .map(|n| n.name.to_owned())
            .collect();
        let scored: Vec<&NodeView> = candidates.iter().copied().filter(|n| has_keys(n)).collect();
        let counting: Vec<&NodeView> = nodes.iter().filter(|n| has_keys(n)).collect();
        let constraints = constraints
            .into_iter()
            .map(|constraint| soft_constraint(constraint, &scored, &counting, pod.namespace))
            .collect();
        Ok(Some(PreScoreState {
            constraints,
            ignored_nodes,
            namespace: pod.namespace.to_owned(),
        }))
    }

    /// `round(Σ count × weight + (maxSkew − 1))` over the constraints whose key the node has;
    /// 0 for an ignored node.
    // K8S: podtopologyspread/scoring.go (Score, scoreForCount). As upstream: an f64 sum in
    // constraint order, then rounded half away from zero (Go's math.Round, Rust's f64::round).
    pub fn score(&self, state: &PreScoreState, node: &NodeView) -> i64 {
        if state.ignored_nodes.contains(node.name) {
            return 0;
        }
        let mut score = 0.0;
        for soft in &state.constraints {
            let c = &soft.constraint;
            let Some(domain) = node.labels.get(&c.topology_key) else {
                continue;
            };
            let count = if c.topology_key == LABEL_HOSTNAME {
                count_matching(&node.pods, &c.selector, &state.namespace)
            } else {
                soft.pod_counts.get(domain).copied().unwrap_or(0)
            };
            score += count as f64 * soft.topology_normalizing_weight + (c.max_skew - 1) as f64;
        }
        score.round() as i64
    }

    /// Inverts and scales: `100 × (max + min − score) / max` over the non-ignored nodes, so the
    /// fewest matching pods score 100; ignored nodes get 0, and all 100 when every score is 0.
    // K8S: podtopologyspread/scoring.go (NormalizeScore); integer division as upstream.
    pub fn normalize_score(&self, state: &PreScoreState, scores: &mut [NodeScore]) {
        let counted = || {
            scores
                .iter()
                .filter(|s| !state.ignored_nodes.contains(s.name))
        };
        let min = counted().map(|s| s.score).min().unwrap_or(i64::MAX);
        let max = counted().map(|s| s.score).max().unwrap_or(0).max(0);
        for s in scores.iter_mut() {
            s.score = if state.ignored_nodes.contains(s.name) {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - s.score) / max
            };
        }
    }
}

/// Counts a `ScheduleAnyway` constraint's matching pods per domain of the `scored` nodes, over
/// the `counting` nodes it includes, and weighs the constraint by its number of domains (for the
/// hostname key: the number of scored nodes).
// K8S: podtopologyspread/scoring.go (initPreScoreState, PreScore, topologyNormalizingWeight)
fn soft_constraint(
    constraint: Constraint,
    scored: &[&NodeView],
    counting: &[&NodeView],
    namespace: &str,
) -> SoftConstraint {
    let mut pod_counts = BTreeMap::new();
    let domains = if constraint.topology_key == LABEL_HOSTNAME {
        scored.len()
    } else {
        for node in scored {
            pod_counts.insert(constraint.domain(node).to_owned(), 0);
        }
        for node in counting.iter().filter(|n| constraint.includes(n)) {
            if let Some(count) = pod_counts.get_mut(constraint.domain(node)) {
                *count += count_matching(&node.pods, &constraint.selector, namespace);
            }
        }
        pod_counts.len()
    };
    // DEVIATION: libm's log (identical on every platform) and Go's math.Log may differ in the
    // last bit, which moves count × ln(n) + (maxSkew − 1) across a .5 rounding boundary only
    // by extreme coincidence.
    SoftConstraint {
        topology_normalizing_weight: libm::log((domains + 2) as f64),
        constraint,
        pod_counts,
    }
}

#[cfg(test)]
#[path = "pod_topology_spread_tests.rs"]
mod tests;
