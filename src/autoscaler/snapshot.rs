//! The autoscaler's what-if copy of the cluster: nodes (real ones and imagined ones) with the
//! requests of the pods on them, and the scheduler's node-local filters to ask "would this pod
//! fit there?". Upstream's autoscaler links the scheduler framework as a library and runs its
//! filters against a snapshot in the same way; it never asks the running scheduler.
// K8S: cluster-autoscaler/simulator/clustersnapshot, simulator/scheduling/hinting_simulator.go

use std::borrow::Cow;

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
        Filters(
            profile
                .filters
                .iter()
                .filter_map(|name| plugins::filter(name, &profile))
                .collect(),
        )
    }

    /// Whether the pod fits on the node: [`Filters::check`] without the reasons, after a
    /// cheap look at the free CPU, memory and pod slots (most nodes fail there, and a failing
    /// filter spells out its reasons).
    pub fn fits(&self, pod: &PodInfo<'_>, node: &Node, info: &NodeInfo) -> bool {
        let (want, free) = (pod.requests, info.allocatable);
        let used = info.requested;
        let within = |want: i64, free: i64, used: i64| want == 0 || want <= free - used;
        let room = info.pod_count < free.pods
            && within(want.milli_cpu, free.milli_cpu, used.milli_cpu)
            && within(want.memory, free.memory, used.memory);
        room && self.check(pod, node, info).is_none()
    }

    /// The first rejection of `node` for the pod, or `None` when it fits.
    pub fn check(&self, pod: &PodInfo<'_>, node: &Node, info: &NodeInfo) -> Option<Status> {
        self.0
            .iter()
            .find_map(|plugin| plugin.filter(pod, node, info))
    }
}

/// One node of the snapshot: a cluster node borrowed, or an imagined one owned.
#[derive(Debug, Clone)]
pub struct SimNode<'a> {
    pub node: Cow<'a, Node>,
    pub info: NodeInfo,
}

impl<'a> SimNode<'a> {
    /// An empty node.
    pub fn empty(node: Cow<'a, Node>, index: usize) -> Self {
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
}

/// The cluster's nodes with the pods bound to them (terminating ones included, as the
/// scheduler counts them), in the order of [`ClusterState::nodes`].
pub fn of_cluster(state: &ClusterState) -> Vec<SimNode<'_>> {
    let mut nodes: Vec<SimNode<'_>> = state
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| SimNode::empty(Cow::Borrowed(n), i))
        .collect();
    for (_, pod) in state.pods_by_name() {
        let position = pod
            .node_name
            .as_deref()
            .and_then(|n| state.node_position(n));
        if let Some(i) = position.filter(|_| !pod.is_terminal()) {
            nodes[i].add(&pod.spec);
        }
    }
    nodes
}
