//! InterPodAffinity: required pod affinity and anti-affinity filter nodes, preferred terms (the
//! incoming pod's and, symmetrically, the existing pods') rank them.
//!
//! Both extension points work on *topology pairs*, a node label key and value such as
//! `("zone", "z1")`: PreFilter and PreScore walk every pod in the cluster once and add up, per
//! pair, the pods that match a term; Filter and Score then only look up the node's own labels.
//!
//! Not modelled: PreFilter's AddPod/RemovePod extensions (used by preemption's dry runs).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Affinity, PodAffinityTerm, WeightedPodAffinityTerm};

use super::snapshot::{
    Code, IncomingPod, NamespaceLabels, NodeScore, NodeView, PodView, Status, MAX_NODE_SCORE,
};
use crate::model::label_selector::{Labels, Operator, Requirement, Selector};

/// Upstream's plugin name.
pub const NAME: &str = "InterPodAffinity";
/// The plugin's score weight in the default profile.
// K8S: pkg/scheduler/apis/config/v1/default_plugins.go
pub const DEFAULT_WEIGHT: i64 = 2;

// K8S: pkg/scheduler/framework/plugins/interpodaffinity/filtering.go (ErrReason*)
/// The node's topology holds no pod matching every required affinity term.
pub const ERR_REASON_AFFINITY_RULES_NOT_MATCH: &str = "node(s) didn't match pod affinity rules";
/// The node's topology holds a pod matching a required anti-affinity term.
pub const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't match pod anti-affinity rules";
/// An existing pod's required anti-affinity term matches the incoming pod in the node's topology.
pub const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";

/// The plugin with its arguments.
// K8S: pkg/scheduler/apis/config/types_pluginargs.go (InterPodAffinityArgs)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterPodAffinity {
    /// The score an existing pod's *required* affinity term adds when the incoming pod matches
    /// it (affinity is treated as symmetric); 0 turns this off.
    pub hard_pod_affinity_weight: i32,
    /// Skip scoring when the incoming pod has no preferred terms, ignoring existing pods'.
    pub ignore_preferred_terms_of_existing_pods: bool,
}

impl Default for InterPodAffinity {
    // K8S: pkg/scheduler/apis/config/v1/defaults.go (SetDefaults_InterPodAffinityArgs)
    fn default() -> Self {
        InterPodAffinity {
            hard_pod_affinity_weight: 1,
            ignore_preferred_terms_of_existing_pods: false,
        }
    }
}

/// Counts or weights per `(topology key, topology value)`.
type TopologyCounts = BTreeMap<(String, String), i64>;

/// The namespace labels used when matching the incoming pod's terms, whose namespace selectors
/// are already resolved into names (see [`AffinityTerm::resolve_namespace_selector`]); also what
/// an unknown namespace has.
static NO_LABELS: Labels = Labels::new();

/// A pod affinity term ready for matching.
// K8S: staging/src/k8s.io/kube-scheduler/framework/types.go (AffinityTerm)
#[derive(Debug, Clone, PartialEq, Eq)]
struct AffinityTerm {
    namespaces: BTreeSet<String>,
    namespace_selector: Selector,
    selector: Selector,
    topology_key: String,
}

impl AffinityTerm {
    /// Parses `term`, owned by `owner`. With neither `namespaces` nor `namespaceSelector` the
    /// term covers the owner's namespace.
    // K8S: pkg/scheduler/framework/types.go (newAffinityTerm, getNamespacesFromPodAffinityTerm)
    fn new(owner: &PodView, term: &PodAffinityTerm) -> Result<Self, String> {
        let listed = term.namespaces.as_deref().unwrap_or_default();
        let namespaces = if listed.is_empty() && term.namespace_selector.is_none() {
            BTreeSet::from([owner.namespace.to_owned()])
        } else {
            listed.iter().cloned().collect()
        };
        Ok(AffinityTerm {
            namespaces,
            namespace_selector: Selector::parse(term.namespace_selector.as_ref())?,
            selector: Selector::parse(term.label_selector.as_ref())?
                .and(label_key_requirements(term, owner.labels)),
            topology_key: term.topology_key.clone(),
        })
    }

    /// Whether `pod`, whose namespace carries `namespace_labels`, falls under the term.
    // K8S: staging/src/k8s.io/kube-scheduler/framework/types.go (AffinityTerm.Matches)
    fn matches(&self, pod: &PodView, namespace_labels: &Labels) -> bool {
        (self.namespaces.contains(pod.namespace)
            || self.namespace_selector.matches(namespace_labels))
            && self.selector.matches(pod.labels)
    }

    /// For the incoming pod's terms: lists the namespaces the selector picks, so that matching
    /// an existing pod needs no look-up of that pod's namespace. An empty selector (all
    /// namespaces) is kept as it is.
    // K8S: interpodaffinity/plugin.go (mergeAffinityTermNamespacesIfNotEmpty)
    fn resolve_namespace_selector(&mut self, namespaces: &NamespaceLabels) {
        if self.namespace_selector.is_empty() {
            return;
        }
        let picked = namespaces
            .iter()
            .filter(|(_, labels)| self.namespace_selector.matches(labels))
            .map(|(name, _)| name.clone());
        self.namespaces.extend(picked);
        self.namespace_selector = Selector::Nothing;
    }
}

/// `matchLabelKeys` (`In`) and `mismatchLabelKeys` (`NotIn`) on the owner's own label values.
// K8S: pkg/registry/core/pod/strategy.go (applyMatchLabelKeysAndMismatchLabelKeys); a nil
// selector stays nil, as `Selector::and` keeps `Nothing`.
// DEVIATION: upstream the API server rewrites the selector once, when the owner is created; here
// it is rebuilt at every scheduling attempt from the owner's current labels, which differs only
// if those labels changed since.
fn label_key_requirements(term: &PodAffinityTerm, owner_labels: &Labels) -> Vec<Requirement> {
    let keys = |keys: &Option<Vec<String>>, operator| {
        Requirement::from_label_keys(keys.as_deref().unwrap_or_default(), owner_labels, operator)
    };
    let mut requirements = keys(&term.match_label_keys, Operator::In);
    requirements.extend(keys(&term.mismatch_label_keys, Operator::NotIn));
    requirements
}

/// A preferred term and its weight.
// K8S: staging/src/k8s.io/kube-scheduler/framework/types.go (WeightedAffinityTerm)
#[derive(Debug, Clone, PartialEq, Eq)]
struct WeightedTerm {
    term: AffinityTerm,
    weight: i64,
}

/// A pod's four lists of inter-pod terms as written in its `affinity`.
struct RawTerms<'a> {
    required_affinity: &'a [PodAffinityTerm],
    required_anti_affinity: &'a [PodAffinityTerm],
    preferred_affinity: &'a [WeightedPodAffinityTerm],
    preferred_anti_affinity: &'a [WeightedPodAffinityTerm],
}

impl<'a> RawTerms<'a> {
    fn of(affinity: Option<&'a Affinity>) -> Self {
        let pod_affinity = affinity.and_then(|a| a.pod_affinity.as_ref());
        let anti = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        RawTerms {
            required_affinity: pod_affinity
                .and_then(|a| {
                    a.required_during_scheduling_ignored_during_execution
                        .as_deref()
                })
                .unwrap_or_default(),
            required_anti_affinity: anti
                .and_then(|a| {
                    a.required_during_scheduling_ignored_during_execution
                        .as_deref()
                })
                .unwrap_or_default(),
            preferred_affinity: pod_affinity
                .and_then(|a| {
                    a.preferred_during_scheduling_ignored_during_execution
                        .as_deref()
                })
                .unwrap_or_default(),
            preferred_anti_affinity: anti
                .and_then(|a| {
                    a.preferred_during_scheduling_ignored_during_execution
                        .as_deref()
                })
                .unwrap_or_default(),
        }
    }

    /// The pod states preferred terms: upstream then visits all pods, not only those with
    /// affinity, and `ignorePreferredTermsOfExistingPods` does not skip scoring.
    fn has_preferred(&self) -> bool {
        !self.preferred_affinity.is_empty() || !self.preferred_anti_affinity.is_empty()
    }
}

/// A pod's four groups of inter-pod terms, parsed.
// K8S: pkg/scheduler/framework/types.go (PodInfo.Update)
#[derive(Debug, Default)]
struct PodTerms {
    required_affinity: Vec<AffinityTerm>,
    required_anti_affinity: Vec<AffinityTerm>,
    preferred_affinity: Vec<WeightedTerm>,
    preferred_anti_affinity: Vec<WeightedTerm>,
    /// The first parse error. A group with an invalid term is left empty, as upstream does; the
    /// incoming pod is rejected for it, existing pods just lose the group.
    error: Option<String>,
}

impl PodTerms {
    fn new(pod: &PodView) -> Self {
        let raw = RawTerms::of(pod.affinity);
        let term = |t: &PodAffinityTerm| AffinityTerm::new(pod, t);
        let weighted = |t: &WeightedPodAffinityTerm| weighted_term(pod, t);
        let mut terms = PodTerms::default();
        terms.required_affinity = terms.keep("requiredAffinityTerms", raw.required_affinity, term);
        terms.required_anti_affinity = terms.keep(
            "requiredAntiAffinityTerms",
            raw.required_anti_affinity,
            term,
        );
        terms.preferred_affinity =
            terms.keep("preferredAffinityTerms", raw.preferred_affinity, weighted);
        terms.preferred_anti_affinity = terms.keep(
            "preferredAntiAffinityTerms",
            raw.preferred_anti_affinity,
            weighted,
        );
        terms
    }

    /// Parses one group; on failure records the error and keeps nothing of the group.
    fn keep<T, U>(
        &mut self,
        group: &str,
        raw: &[T],
        parse: impl Fn(&T) -> Result<U, String>,
    ) -> Vec<U> {
        let parsed: Result<Vec<U>, String> = raw.iter().map(parse).collect();
        parsed.unwrap_or_else(|err| {
            self.error.get_or_insert(format!("{group}: {err}"));
            Vec::new()
        })
    }

    /// The incoming pod's terms, with namespace selectors resolved; an invalid term is an error.
    fn incoming(pod: &IncomingPod, namespaces: &NamespaceLabels) -> Result<Self, String> {
        let mut terms = PodTerms::new(&pod.view());
        if let Some(err) = terms.error.take() {
            return Err(err);
        }
        let weighted = terms
            .preferred_affinity
            .iter_mut()
            .chain(&mut terms.preferred_anti_affinity);
        let required = terms
            .required_affinity
            .iter_mut()
            .chain(&mut terms.required_anti_affinity);
        for term in required.chain(weighted.map(|w| &mut w.term)) {
            term.resolve_namespace_selector(namespaces);
        }
        Ok(terms)
    }
}

fn weighted_term(owner: &PodView, term: &WeightedPodAffinityTerm) -> Result<WeightedTerm, String> {
    Ok(WeightedTerm {
        term: AffinityTerm::new(owner, &term.pod_affinity_term)?,
        weight: i64::from(term.weight),
    })
}

/// Adds `value` at the node's topology pair for `key`, when the node has that label.
// K8S: interpodaffinity/filtering.go (topologyToMatchedTermCount.update)
fn add(counts: &mut TopologyCounts, node: &NodeView, key: &str, value: i64) {
    if let Some(topology_value) = node.labels.get(key) {
        *counts
            .entry((key.to_owned(), topology_value.clone()))
            .or_insert(0) += value;
    }
}

/// Whether the pod matches every term (and there is at least one): affinity terms must all be
/// satisfied by the *same* pod.
// K8S: interpodaffinity/filtering.go (podMatchesAllAffinityTerms)
fn matches_all(terms: &[AffinityTerm], pod: &PodView) -> bool {
    !terms.is_empty() && terms.iter().all(|t| t.matches(pod, &NO_LABELS))
}

/// Labels of the pod's namespace; none when the namespace is unknown.
// K8S: interpodaffinity/plugin.go (GetNamespaceLabelsSnapshot)
fn namespace_labels<'a>(namespaces: &'a NamespaceLabels, namespace: &str) -> &'a Labels {
    namespaces.get(namespace).unwrap_or(&NO_LABELS)
}

/// What PreFilter computes once per pod and Filter reads per node.
// K8S: interpodaffinity/filtering.go (preFilterState)
// DEVIATION: no AddPod/RemovePod to update it for preemption's "what if" evaluations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreFilterState {
    /// Existing pods whose required anti-affinity terms match the incoming pod.
    existing_anti_affinity_counts: TopologyCounts,
    /// Existing pods that match all of the incoming pod's required affinity terms.
    affinity_counts: TopologyCounts,
    /// Existing pods that match one of the incoming pod's required anti-affinity terms.
    anti_affinity_counts: TopologyCounts,
    required_affinity: Vec<AffinityTerm>,
    required_anti_affinity: Vec<AffinityTerm>,
    /// The incoming pod matches its own required affinity terms.
    matches_own_affinity: bool,
}

impl InterPodAffinity {
    /// Counts, over `nodes` (all nodes of the cluster), the pods relevant to the incoming pod's
    /// required terms and the existing pods whose required anti-affinity rejects it. `Ok(None)`
    /// is upstream's Skip: nothing to check, every node passes.
    // K8S: interpodaffinity/filtering.go (PreFilter)
    pub fn pre_filter(
        &self,
        pod: &IncomingPod,
        nodes: &[NodeView],
        namespaces: &NamespaceLabels,
    ) -> Result<Option<PreFilterState>, Status> {
        let terms = PodTerms::incoming(pod, namespaces).map_err(|err| {
            Status::new(
                Code::UnschedulableAndUnresolvable,
                format!("parsing pod: {err}"),
            )
        })?;
        let existing_anti_affinity_counts = existing_anti_affinity_counts(
            &pod.view(),
            namespace_labels(namespaces, pod.namespace),
            nodes,
        );
        if existing_anti_affinity_counts.is_empty()
            && terms.required_affinity.is_empty()
            && terms.required_anti_affinity.is_empty()
        {
            return Ok(None);
        }
        let (affinity_counts, anti_affinity_counts) = incoming_counts(&terms, nodes);
        Ok(Some(PreFilterState {
            existing_anti_affinity_counts,
            affinity_counts,
            anti_affinity_counts,
            matches_own_affinity: matches_all(&terms.required_affinity, &pod.view()),
            required_affinity: terms.required_affinity,
            required_anti_affinity: terms.required_anti_affinity,
        }))
    }

    /// `None` when the node passes; otherwise the first rule it breaks.
    // K8S: interpodaffinity/filtering.go (Filter)
    pub fn filter(&self, state: &PreFilterState, node: &NodeView) -> Option<Status> {
        if !state.satisfies_pod_affinity(node) {
            // No eviction can create a matching pod: unresolvable.
            return Some(Status::new(
                Code::UnschedulableAndUnresolvable,
                ERR_REASON_AFFINITY_RULES_NOT_MATCH,
            ));
        }
        if !state.satisfies_pod_anti_affinity(node) {
            return Some(Status::new(
                Code::Unschedulable,
                ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
            ));
        }
        if !state.satisfies_existing_pods_anti_affinity(node) {
            return Some(Status::new(
                Code::Unschedulable,
                ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
            ));
        }
        None
    }
}

/// Per topology pair, existing pods with a required anti-affinity term matching the pod.
// K8S: interpodaffinity/filtering.go (getExistingAntiAffinityCounts)
fn existing_anti_affinity_counts(
    pod: &PodView,
    pod_namespace_labels: &Labels,
    nodes: &[NodeView],
) -> TopologyCounts {
    let mut counts = TopologyCounts::new();
    for node in nodes {
        for existing in &node.pods {
            for term in PodTerms::new(existing).required_anti_affinity {
                if term.matches(pod, pod_namespace_labels) {
                    add(&mut counts, node, &term.topology_key, 1);
                }
            }
        }
    }
    counts
}

/// Per topology pair, existing pods matching all the incoming pod's required affinity terms
/// (counted once per term) and existing pods matching each required anti-affinity term.
// K8S: interpodaffinity/filtering.go (getIncomingAffinityAntiAffinityCounts)
fn incoming_counts(terms: &PodTerms, nodes: &[NodeView]) -> (TopologyCounts, TopologyCounts) {
    let mut affinity = TopologyCounts::new();
    let mut anti_affinity = TopologyCounts::new();
    for node in nodes {
        for existing in &node.pods {
            if matches_all(&terms.required_affinity, existing) {
                for term in &terms.required_affinity {
                    add(&mut affinity, node, &term.topology_key, 1);
                }
            }
            for term in &terms.required_anti_affinity {
                if term.matches(existing, &NO_LABELS) {
                    add(&mut anti_affinity, node, &term.topology_key, 1);
                }
            }
        }
    }
    (affinity, anti_affinity)
}

impl PreFilterState {
    /// The node's value for `key`, as a topology pair count.
    fn count(counts: &TopologyCounts, node: &NodeView, key: &str) -> Option<i64> {
        let value = node.labels.get(key)?;
        Some(
            counts
                .get(&(key.to_owned(), value.clone()))
                .copied()
                .unwrap_or(0),
        )
    }

    /// Every required affinity term's topology key is on the node and its topology holds a
    /// matching pod; or no pod anywhere matches and the pod matches its own terms (the first
    /// pod of a group with affinity to itself, which would otherwise wait forever).
    // K8S: interpodaffinity/filtering.go (satisfyPodAffinity)
    fn satisfies_pod_affinity(&self, node: &NodeView) -> bool {
        let mut pods_exist = true;
        for term in &self.required_affinity {
            match Self::count(&self.affinity_counts, node, &term.topology_key) {
                None => return false,
                Some(count) if count <= 0 => pods_exist = false,
                Some(_) => {}
            }
        }
        pods_exist || (self.affinity_counts.is_empty() && self.matches_own_affinity)
    }

    /// No topology of the node holds a pod matching one of the required anti-affinity terms.
    // K8S: interpodaffinity/filtering.go (satisfyPodAntiAffinity)
    fn satisfies_pod_anti_affinity(&self, node: &NodeView) -> bool {
        self.required_anti_affinity.iter().all(|term| {
            Self::count(&self.anti_affinity_counts, node, &term.topology_key).unwrap_or(0) <= 0
        })
    }

    /// No topology pair of the node holds an existing pod whose anti-affinity matches the pod.
    // K8S: interpodaffinity/filtering.go (satisfyExistingPodsAntiAffinity)
    fn satisfies_existing_pods_anti_affinity(&self, node: &NodeView) -> bool {
        node.labels.iter().all(|(key, value)| {
            let pair = (key.clone(), value.clone());
            self.existing_anti_affinity_counts
                .get(&pair)
                .copied()
                .unwrap_or(0)
                <= 0
        })
    }
}

/// What PreScore computes once per pod and Score reads per node.
// K8S: interpodaffinity/scoring.go (preScoreState)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreScoreState {
    /// Summed weights per topology pair; positive for affinity, negative for anti-affinity.
    topology_score: TopologyCounts,
}

impl InterPodAffinity {
    /// Sums, over every pod on `nodes` (all nodes of the cluster), the weights of matching
    /// preferred terms in both directions and of existing pods' required affinity terms.
    /// `Ok(None)` is upstream's Skip: no term matched anything, every node scores 0.
    // K8S: interpodaffinity/scoring.go (PreScore)
    pub fn pre_score(
        &self,
        pod: &IncomingPod,
        nodes: &[NodeView],
        namespaces: &NamespaceLabels,
    ) -> Result<Option<PreScoreState>, Status> {
        if self.ignore_preferred_terms_of_existing_pods
            && !RawTerms::of(pod.affinity).has_preferred()
        {
            return Ok(None);
        }
        let terms = PodTerms::incoming(pod, namespaces)
            .map_err(|err| Status::new(Code::Error, format!("failed to parse pod: {err}")))?;
        let incoming = pod.view();
        let incoming_namespace_labels = namespace_labels(namespaces, pod.namespace);
        let mut topology_score = TopologyCounts::new();
        // K8S: upstream visits only pods with affinity unless the incoming pod has preferred
        // terms; other pods contribute nothing, so visiting all of them gives the same sums.
        for node in nodes.iter().filter(|n| !n.labels.is_empty()) {
            for existing in &node.pods {
                let mut add_matching =
                    |terms: &[WeightedTerm], sign: i64, target: &PodView, ns_labels: &Labels| {
                        for w in terms {
                            if w.term.matches(target, ns_labels) {
                                add(
                                    &mut topology_score,
                                    node,
                                    &w.term.topology_key,
                                    sign * w.weight,
                                );
                            }
                        }
                    };
                // The incoming pod's preferences toward the existing pod.
                add_matching(&terms.preferred_affinity, 1, existing, &NO_LABELS);
                add_matching(&terms.preferred_anti_affinity, -1, existing, &NO_LABELS);
                // The existing pod's terms toward the incoming pod (symmetry).
                let theirs = PodTerms::new(existing);
                let hard = self.hard_required_terms(theirs.required_affinity);
                add_matching(&hard, 1, &incoming, incoming_namespace_labels);
                add_matching(
                    &theirs.preferred_affinity,
                    1,
                    &incoming,
                    incoming_namespace_labels,
                );
                add_matching(
                    &theirs.preferred_anti_affinity,
                    -1,
                    &incoming,
                    incoming_namespace_labels,
                );
            }
        }
        Ok((!topology_score.is_empty()).then_some(PreScoreState { topology_score }))
    }

    /// An existing pod's required affinity terms, weighted `hardPodAffinityWeight`; none when
    /// that weight is 0.
    // K8S: interpodaffinity/scoring.go (processExistingPod)
    fn hard_required_terms(&self, terms: Vec<AffinityTerm>) -> Vec<WeightedTerm> {
        let weight = i64::from(self.hard_pod_affinity_weight);
        if weight <= 0 {
            return Vec::new();
        }
        terms
            .into_iter()
            .map(|term| WeightedTerm { term, weight })
            .collect()
    }

    /// The sum of the topology scores of the node's labels.
    // K8S: interpodaffinity/scoring.go (Score)
    pub fn score(&self, state: &PreScoreState, node: &NodeView) -> i64 {
        state
            .topology_score
            .iter()
            .filter(|((key, value), _)| node.labels.get(key) == Some(value))
            .map(|(_, score)| score)
            .sum()
    }

    /// Scales raw scores linearly so the lowest becomes 0 and the highest 100; all equal gives 0.
    // K8S: interpodaffinity/scoring.go (NormalizeScore). Floating point as upstream:
    // `int64(100 * (float64(s-min) / float64(max-min)))`, the quotient first and truncated, so
    // e.g. 29/100 gives 28 (100 * 0.29 is 28.999999999999996), not 29.
    pub fn normalize_score(&self, scores: &mut [NodeScore]) {
        let min = scores.iter().map(|s| s.score).min().unwrap_or(0);
        let max = scores.iter().map(|s| s.score).max().unwrap_or(0);
        let spread = max - min;
        for s in scores {
            s.score = if spread > 0 {
                (MAX_NODE_SCORE as f64 * ((s.score - min) as f64 / spread as f64)) as i64
            } else {
                0
            };
        }
    }
}

#[cfg(test)]
#[path = "inter_pod_affinity_tests.rs"]
mod tests;
