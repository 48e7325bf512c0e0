//! The scheduling framework's vocabulary: per-node information, plugin statuses and the plugin
//! traits, shaped as kube-scheduler's framework so that each upstream plugin has one home.

use crate::model::{Node, PodSpec, Resources};

/// What the scheduler knows of a node: the node, plus the sums of what is bound to it.
// K8S: pkg/scheduler/framework/types.go (NodeInfo)
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// Index of the node in the cluster's node list.
    pub index: usize,
    pub allocatable: Resources,
    /// Sum of the actual requests of the pods bound to the node.
    pub requested: Resources,
    /// The same with upstream's non-zero defaults for absent cpu/memory requests (scoring only).
    pub non_zero_requested: Resources,
    pub pod_count: i64,
    /// Host ports taken by the node's pods, as (protocol, port).
    pub used_ports: Vec<(String, i32)>,
}

impl NodeInfo {
    /// Adds (`sign` 1) or removes (`sign` -1) a pod's requests, its place and its host ports,
    /// as upstream's `NodeInfo.AddPod`/`RemovePod` do.
    // K8S: pkg/scheduler/framework/types.go (NodeInfo.update)
    pub fn update(&mut self, pod: &PodInfo<'_>, sign: i64) {
        let scale = |r: Resources| Resources {
            milli_cpu: r.milli_cpu * sign,
            memory: r.memory * sign,
            ephemeral_storage: r.ephemeral_storage * sign,
            pods: 0,
        };
        self.requested += scale(pod.requests);
        self.non_zero_requested += scale(pod.non_zero_requests);
        self.pod_count += sign;
        for port in host_ports(pod.spec) {
            if sign > 0 {
                self.used_ports.push(port);
            } else if let Some(i) = self.used_ports.iter().position(|used| *used == port) {
                self.used_ports.swap_remove(i);
            }
        }
    }
}

/// The per-pod data every plugin needs, computed once per scheduling attempt.
// K8S: pkg/scheduler/framework/plugins/noderesources/fit.go (preFilterState)
#[derive(Debug, Clone)]
pub struct PodInfo<'a> {
    pub spec: &'a PodSpec,
    pub requests: Resources,
    pub non_zero_requests: Resources,
    /// For each of the pod's images (normalised), on how many nodes it is present, and the
    /// cluster's node count (ImageLocality's spread); empty until the scheduler fills it in.
    pub image_spread: Vec<(String, usize)>,
    pub total_nodes: usize,
}

/// The host ports a pod asks for, as (protocol, port).
pub fn host_ports(spec: &PodSpec) -> impl Iterator<Item = (String, i32)> + '_ {
    spec.containers
        .iter()
        .flat_map(|c| &c.ports)
        .filter_map(|p| {
            p.host_port
                .filter(|h| *h > 0)
                .map(|h| (p.protocol.clone(), h))
        })
}

/// Upstream's defaults for a container that requests no cpu or no memory: scoring only.
// K8S: pkg/scheduler/util/pod_resources.go (DefaultMilliCPURequest, DefaultMemoryRequest)
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// 200 MiB.
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

impl<'a> PodInfo<'a> {
    /// Precomputes the pod's requests.
    pub fn new(spec: &'a PodSpec) -> Self {
        let mut non_zero = Resources::default();
        for c in &spec.containers {
            let r = Resources::from_list(&c.resources.requests);
            non_zero.milli_cpu += if c.resources.requests.contains_key("cpu") {
                r.milli_cpu
            } else {
                DEFAULT_MILLI_CPU_REQUEST
            };
            non_zero.memory += if c.resources.requests.contains_key("memory") {
                r.memory
            } else {
                DEFAULT_MEMORY_REQUEST
            };
        }
        PodInfo {
            spec,
            requests: spec.requests(),
            non_zero_requests: non_zero,
            image_spread: Vec::new(),
            total_nodes: 0,
        }
    }
}

/// Why a filter rejected a node.
// K8S: pkg/scheduler/framework/interface.go (Code: Unschedulable, UnschedulableAndUnresolvable)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// True for `UnschedulableAndUnresolvable`: preemption cannot help on this node.
    pub unresolvable: bool,
    pub reasons: Vec<String>,
    /// The plugin that rejected the node.
    pub plugin: &'static str,
}

impl Status {
    /// A rejection that evicting pods could fix.
    pub fn unschedulable(plugin: &'static str, reasons: Vec<String>) -> Self {
        Status {
            unresolvable: false,
            reasons,
            plugin,
        }
    }

    /// A rejection that nothing on the node can fix.
    pub fn unresolvable(plugin: &'static str, reason: impl Into<String>) -> Self {
        Status {
            unresolvable: true,
            reasons: vec![reason.into()],
            plugin,
        }
    }
}

/// A filter plugin: can the pod run on this node?
pub trait FilterPlugin {
    /// Upstream's plugin name.
    fn name(&self) -> &'static str;
    /// `None` when the node fits.
    fn filter(&self, pod: &PodInfo<'_>, node: &Node, info: &NodeInfo) -> Option<Status>;
    /// True when `filter` passes every node for this pod, so that a cycle need not call it
    /// once per node: upstream's PreFilter answering `Skip`. The default never skips.
    // K8S: pkg/scheduler/framework/runtime/framework.go (RunPreFilterPlugins, SkipFilterPlugins)
    fn skips(&self, _pod: &PodInfo<'_>) -> bool {
        false
    }
}

/// A score plugin: how good is this feasible node, before normalisation?
pub trait ScorePlugin {
    /// Upstream's plugin name.
    fn name(&self) -> &'static str;
    /// A raw score.
    fn score(&self, pod: &PodInfo<'_>, node: &Node, info: &NodeInfo) -> i64;
    /// Turns raw scores into 0..=100; the default keeps them as they are.
    fn normalize(&self, _scores: &mut [i64]) {}
    /// `Some(s)` when every node gets the same normalized score `s` for this pod, whatever the
    /// nodes: a cycle can then add `s × weight` to each total without a call per node
    /// (upstream's PreScore answering `Skip` is the case `s = 0`). The default always scores.
    fn uniform_score(&self, _pod: &PodInfo<'_>) -> Option<i64> {
        None
    }
}

/// Scales raw scores so that the highest becomes 100 (or, `reverse`, the lowest); all zero stays
/// zero (reversed: all 100).
// K8S: pkg/scheduler/framework/plugins/helper/normalize_score.go (DefaultNormalizeScore)
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    for s in scores.iter_mut() {
        *s = match (max, reverse) {
            (0, true) => MAX_NODE_SCORE,
            (0, false) => *s,
            (_, false) => MAX_NODE_SCORE * *s / max,
            (_, true) => MAX_NODE_SCORE - MAX_NODE_SCORE * *s / max,
        };
    }
}

/// Upstream's highest node score.
// K8S: staging/src/k8s.io/kube-scheduler/framework (MaxNodeScore)
pub const MAX_NODE_SCORE: i64 = 100;
