//! Builders for the ported upstream test tables, shaped like upstream's `st.MakePod()` /
//! `st.MakeNode()` helpers so that each case reads like its original.

use k8s_openapi::api::core::v1::{
    Affinity, PodAffinity, PodAffinityTerm, PodAntiAffinity, TopologySpreadConstraint,
    WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use super::snapshot::{IncomingPod, Labels, NamespaceLabels, NodeView, PodView};

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A pod, existing (bound with [`TestPod::node`]) or incoming.
#[derive(Debug, Clone, Default)]
pub struct TestPod {
    namespace: String,
    labels: Labels,
    affinity: Option<Affinity>,
    terminating: bool,
    node: String,
    spread: Vec<TopologySpreadConstraint>,
}

/// A pod in the namespace "" (upstream's test default).
pub fn pod() -> TestPod {
    TestPod::default()
}

impl TestPod {
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.into();
        self
    }

    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn labels(mut self, pairs: &[(&str, &str)]) -> Self {
        self.labels.extend(labels(pairs));
        self
    }

    pub fn node(mut self, name: &str) -> Self {
        self.node = name.into();
        self
    }

    pub fn terminating(mut self) -> Self {
        self.terminating = true;
        self
    }

    pub fn affinity(mut self, affinity: Affinity) -> Self {
        self.affinity = Some(affinity);
        self
    }

    pub fn required_affinity(mut self, term: PodAffinityTerm) -> Self {
        let affinity = self.affinity.get_or_insert_with(Affinity::default);
        let pod_affinity = affinity
            .pod_affinity
            .get_or_insert_with(PodAffinity::default);
        let terms = &mut pod_affinity.required_during_scheduling_ignored_during_execution;
        terms.get_or_insert_with(Vec::new).push(term);
        self
    }

    pub fn required_anti_affinity(mut self, term: PodAffinityTerm) -> Self {
        let affinity = self.affinity.get_or_insert_with(Affinity::default);
        let anti = affinity
            .pod_anti_affinity
            .get_or_insert_with(PodAntiAffinity::default);
        let terms = &mut anti.required_during_scheduling_ignored_during_execution;
        terms.get_or_insert_with(Vec::new).push(term);
        self
    }

    pub fn spread(mut self, constraint: TopologySpreadConstraint) -> Self {
        self.spread.push(constraint);
        self
    }

    pub fn view(&self) -> PodView<'_> {
        PodView {
            namespace: &self.namespace,
            labels: &self.labels,
            affinity: self.affinity.as_ref(),
            terminating: self.terminating,
        }
    }

    pub fn incoming(&self) -> IncomingPod<'_> {
        IncomingPod {
            namespace: &self.namespace,
            labels: &self.labels,
            affinity: self.affinity.as_ref(),
            topology_spread_constraints: &self.spread,
        }
    }
}

/// A node, by default passing the incoming pod's node affinity and tolerating its taints.
#[derive(Debug, Clone)]
pub struct TestNode {
    name: String,
    labels: Labels,
    matches_node_affinity: bool,
    taints_tolerated: bool,
}

pub fn node(name: &str) -> TestNode {
    TestNode {
        name: name.into(),
        labels: Labels::new(),
        matches_node_affinity: true,
        taints_tolerated: true,
    }
}

impl TestNode {
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn labels(mut self, pairs: &[(&str, &str)]) -> Self {
        self.labels.extend(labels(pairs));
        self
    }

    /// The incoming pod's node selector / required node affinity rejects this node.
    pub fn affinity_mismatch(mut self) -> Self {
        self.matches_node_affinity = false;
        self
    }

    /// The node has a `NoSchedule` taint the incoming pod does not tolerate.
    pub fn untolerated_taint(mut self) -> Self {
        self.taints_tolerated = false;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The nodes with the pods bound to each; pods on unlisted nodes are dropped.
pub fn views<'a>(nodes: &'a [TestNode], pods: &'a [TestPod]) -> Vec<NodeView<'a>> {
    nodes
        .iter()
        .map(|n| NodeView {
            name: &n.name,
            labels: &n.labels,
            pods: pods
                .iter()
                .filter(|p| p.node == n.name)
                .map(TestPod::view)
                .collect(),
            matches_node_affinity: n.matches_node_affinity,
            taints_tolerated: n.taints_tolerated,
        })
        .collect()
}

/// A `matchExpressions` requirement, e.g. `req("service", "In", &["a", "b"])`.
pub fn req(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: key.into(),
        operator: operator.into(),
        values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
    }
}

pub fn selector(expressions: Vec<LabelSelectorRequirement>) -> LabelSelector {
    LabelSelector {
        match_expressions: Some(expressions),
        match_labels: None,
    }
}

/// Upstream's `st.MakeLabelSelector().Exists(key)`.
pub fn exists(key: &str) -> LabelSelector {
    selector(vec![req(key, "Exists", &[])])
}

pub fn term(label_selector: LabelSelector, topology_key: &str) -> PodAffinityTerm {
    PodAffinityTerm {
        label_selector: Some(label_selector),
        topology_key: topology_key.into(),
        ..PodAffinityTerm::default()
    }
}

/// Upstream's `PodAffinityIn(key, topologyKey, values, …)` term.
pub fn term_in(key: &str, topology_key: &str, values: &[&str]) -> PodAffinityTerm {
    term(selector(vec![req(key, "In", values)]), topology_key)
}

/// Upstream's `PodAffinityNotIn(key, topologyKey, values, …)` term.
pub fn term_not_in(key: &str, topology_key: &str, values: &[&str]) -> PodAffinityTerm {
    term(selector(vec![req(key, "NotIn", values)]), topology_key)
}

/// Upstream's `PodAffinityExists(key, topologyKey, …)` term.
pub fn term_exists(key: &str, topology_key: &str) -> PodAffinityTerm {
    term(exists(key), topology_key)
}

pub fn weighted(weight: i32, pod_affinity_term: PodAffinityTerm) -> WeightedPodAffinityTerm {
    WeightedPodAffinityTerm {
        pod_affinity_term,
        weight,
    }
}

/// An affinity with only preferred terms.
pub fn preferred(
    affinity: Vec<WeightedPodAffinityTerm>,
    anti_affinity: Vec<WeightedPodAffinityTerm>,
) -> Affinity {
    Affinity {
        pod_affinity: (!affinity.is_empty()).then(|| PodAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(affinity),
            ..PodAffinity::default()
        }),
        pod_anti_affinity: (!anti_affinity.is_empty()).then(|| PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(anti_affinity),
            ..PodAntiAffinity::default()
        }),
        ..Affinity::default()
    }
}

/// Upstream's `SpreadConstraint(maxSkew, key, when, selector, nil, nil, nil, nil)`; set the
/// other fields with struct update syntax.
pub fn spread(
    max_skew: i32,
    topology_key: &str,
    when_unsatisfiable: &str,
    label_selector: Option<LabelSelector>,
) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew,
        topology_key: topology_key.into(),
        when_unsatisfiable: when_unsatisfiable.into(),
        label_selector,
        ..TopologySpreadConstraint::default()
    }
}

/// Upstream's `namespaces` fixture of the interpodaffinity tests.
pub fn team_namespaces() -> NamespaceLabels {
    [
        ("subteam1.team1", "team1"),
        ("subteam2.team1", "team1"),
        ("subteam1.team2", "team2"),
        ("subteam2.team2", "team2"),
    ]
    .into_iter()
    .map(|(name, team)| (name.to_string(), labels(&[("team", team)])))
    .collect()
}
