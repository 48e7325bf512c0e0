//! The plain data the two plugins exchange with their caller: a borrowed view of the cluster
//! going in, statuses and node scores coming out.
//!
//! Everything here is borrowed from the caller and holds no logic, so a simulator can build it
//! from its own node and pod records (kubesim: from `NodeInfo`) without copying specs. Facts the
//! plugins cannot work out alone, such as whether a node passes the incoming pod's node
//! affinity, are computed by the caller and passed in as booleans.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, TopologySpreadConstraint};

pub use crate::model::label_selector::Labels;

/// Labels of every namespace, by namespace name: what `namespaceSelector` is evaluated against.
/// Include each namespace's `kubernetes.io/metadata.name` label, as the API server sets it.
pub type NamespaceLabels = BTreeMap<String, Labels>;

/// A pod already bound to a node.
#[derive(Debug, Clone, Copy)]
pub struct PodView<'a> {
    pub namespace: &'a str,
    pub labels: &'a Labels,
    pub affinity: Option<&'a Affinity>,
    /// Being deleted (has a deletion timestamp): PodTopologySpread does not count such pods.
    pub terminating: bool,
}

/// A node with the pods bound to it.
#[derive(Debug, Clone)]
pub struct NodeView<'a> {
    pub name: &'a str,
    pub labels: &'a Labels,
    pub pods: Vec<PodView<'a>>,
    /// The node passes the incoming pod's `nodeSelector` and required node affinity: used by
    /// PodTopologySpread's `nodeAffinityPolicy: Honor` (the default).
    pub matches_node_affinity: bool,
    /// The incoming pod tolerates every `NoSchedule`/`NoExecute` taint of the node: used by
    /// PodTopologySpread's `nodeTaintsPolicy: Honor`.
    pub taints_tolerated: bool,
}

/// The pod being scheduled.
#[derive(Debug, Clone, Copy)]
pub struct IncomingPod<'a> {
    pub namespace: &'a str,
    pub labels: &'a Labels,
    pub affinity: Option<&'a Affinity>,
    pub topology_spread_constraints: &'a [TopologySpreadConstraint],
}

impl<'a> IncomingPod<'a> {
    /// The pod as terms see it: the same namespace, labels and affinity, not terminating.
    pub fn view(&self) -> PodView<'a> {
        PodView {
            namespace: self.namespace,
            labels: self.labels,
            affinity: self.affinity,
            terminating: false,
        }
    }
}

/// Upstream's status codes that these plugins return.
// K8S: staging/src/k8s.io/kube-scheduler/framework/interface.go (Code)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The pod spec could not be used (e.g. a malformed selector): the attempt fails.
    Error,
    /// The node is rejected, but evicting pods from it (preemption) might help.
    Unschedulable,
    /// The node is rejected and preemption cannot help.
    UnschedulableAndUnresolvable,
}

/// A non-success result, with upstream's reason text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub reason: String,
}

impl Status {
    pub fn new(code: Code, reason: impl Into<String>) -> Self {
        Status {
            code,
            reason: reason.into(),
        }
    }
}

/// A node's score, before or after normalisation; upstream's `NodeScore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeScore<'a> {
    pub name: &'a str,
    pub score: i64,
}

/// Upstream's highest normalised node score.
// K8S: staging/src/k8s.io/kube-scheduler/framework (MaxNodeScore)
pub const MAX_NODE_SCORE: i64 = 100;
