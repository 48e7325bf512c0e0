//! The autoscaler's what-if copy of the cluster: nodes (real ones and imagined ones) with the
//! requests of the pods on them, and the scheduler's node-local filters to ask "would this pod
//! fit there?". Upstream's autoscaler links the scheduler framework as a library and runs its
//! filters against a snapshot in the same way; it never asks the running scheduler.
// K8S: cluster-autoscaler/simulator/clustersnapshot, simulator/scheduling/hinting_simulator.go

use std::collections::BTreeMap;

use crate::model::{ClusterState, Node, PodSpec};
use crate::scheduler::config::ProfileConfig;
use crate::scheduler::framework::{FilterPlugin, NodeInfo, PodInfo, Status};
use crate::scheduler::plugins;

/// The filter plugins of the default profile that look at one node at a time.
// DEVIATION: inter-pod affinity and topology spread are not checked in the autoscaler's
// simulations (upstream checks every filter); the real scheduler still enforces them.
pub struct Filters(Vec<Box<dyn FilterPlugin>>);

impl Filters {
    /// The default profile's node-local filters, in upstream's order.
    pub fn default_profile() -> Self {
        let profile = ProfileConfig::default();
        let names = [
            "NodeUnschedulable",
            "NodeName",
            "TaintToleration",
            "NodeAffinity",
            "NodePorts",
            "NodeResourcesFit",
        ];
        Filters(
            names
                .iter()
                .filter_map(|name| plugins::filter(name, &profile))
                .collect(),
        )
    }

    /// The first rejection of `node` for the pod, or `None` when it fits.
    pub fn check(&self, pod: &PodInfo<'_>, node: &Node, info: &NodeInfo) -> Option<Status> {
        self.0
            .iter()
            .find_map(|plugin| plugin.filter(pod, node, info))
    }
}

/// One node of the snapshot.
#[derive(Debug, Clone)]
pub struct SimNode {
    pub node: Node,
    pub info: NodeInfo,
}

impl SimNode {
    /// An empty node.
    pub fn empty(node: Node, index: usize) -> Self {
        let info = NodeInfo {
            index,
            allocatable: node.allocatable_resources(),
            requested: Default::default(),
            non_zero_requested: Default::default(),
            pod_count: 0,
            used_ports: Vec::new(),
        };
        SimNode { node, info }
    }

    /// Puts a pod on the node.
    pub fn add(&mut self, spec: &PodSpec) {
        self.info.update(&PodInfo::new(spec), 1);
    }

    /// Takes a pod off the node.
    pub fn remove(&mut self, spec: &PodSpec) {
        self.info.update(&PodInfo::new(spec), -1);
    }

    /// The larger of the CPU and memory shares of allocatable that the pods request.
    // K8S: cluster-autoscaler/simulator/utilization/info.go (Calculate: max of cpu and memory)
    pub fn utilization(&self) -> f64 {
        let share = |used: i64, total: i64| {
            if total <= 0 {
                0.0
            } else {
                used as f64 / total as f64
            }
        };
        let alloc = &self.info.allocatable;
        let used = &self.info.requested;
        share(used.milli_cpu, alloc.milli_cpu).max(share(used.memory, alloc.memory))
    }
}

/// The cluster's nodes with the pods bound to them (terminating ones included, as the
/// scheduler counts them), by node name.
pub fn of_cluster(state: &ClusterState) -> BTreeMap<String, SimNode> {
    let mut nodes: BTreeMap<String, SimNode> = state
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.meta.name.clone(), SimNode::empty(n.clone(), i)))
        .collect();
    for (_, pod) in state.pods_by_name() {
        let Some(node) = pod.node_name.as_ref().and_then(|n| nodes.get_mut(n)) else {
            continue;
        };
        if !pod.is_terminal() {
            node.add(&pod.spec);
        }
    }
    nodes
}
