//! The cluster autoscaler's settings (upstream's flags, with their defaults) and its node
//! groups: a node shape that the cloud can make more of, between a minimum and a maximum.

use crate::engine::SimDuration;
use crate::model::node::Latency;
use crate::model::Node;

/// Which node group a scale-up grows when several would help.
// K8S: cluster-autoscaler/expander (least-waste, most-pods, random)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expander {
    /// The group whose new nodes would be left with the least idle CPU and memory.
    LeastWaste,
    /// The group whose new nodes would run the most pending pods.
    MostPods,
    /// Any group, drawn from the autoscaler's random stream.
    Random,
}

impl Expander {
    /// The flag's values, for error messages.
    pub const NAMES: &'static str = "least-waste, most-pods, random";

    /// Parses a `--expander` value.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "least-waste" => Expander::LeastWaste,
            "most-pods" => Expander::MostPods,
            "random" => Expander::Random,
            _ => return None,
        })
    }
}

/// The autoscaler's flags that shape its timeline, with upstream's defaults.
// K8S: cluster-autoscaler/FAQ.md ("What are the parameters to CA?"), config/flags
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `--scan-interval`: how often the cluster is looked at.
    pub scan_interval: SimDuration,
    /// `--scale-down-delay-after-add`: no scale-down this long after a scale-up.
    pub scale_down_delay_after_add: SimDuration,
    /// `--scale-down-delay-after-delete`: no scale-down this long after a node was removed.
    pub scale_down_delay_after_delete: SimDuration,
    /// `--scale-down-unneeded-time`: how long a node must stay unneeded before it goes.
    pub scale_down_unneeded_time: SimDuration,
    /// `--scale-down-unready-time`: the same for a node that is not Ready.
    pub scale_down_unready_time: SimDuration,
    /// `--scale-down-utilization-threshold`: requests over allocatable (the larger of CPU and
    /// memory) below which a node may be unneeded.
    pub scale_down_utilization_threshold: f64,
    /// `--max-graceful-termination-sec`: the longest grace period a drained pod gets.
    pub max_graceful_termination_sec: i64,
    /// `--max-empty-bulk-delete`: empty nodes removed in one go.
    pub max_empty_bulk_delete: usize,
    /// `--new-pod-scale-up-delay`: pending pods younger than this are not acted on.
    pub new_pod_scale_up_delay: SimDuration,
    /// `--max-nodes-total`: nodes in the whole cluster at most (0: no limit).
    pub max_nodes_total: usize,
    /// `--expander`.
    pub expander: Expander,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scan_interval: SimDuration::from_secs(10),
            scale_down_delay_after_add: SimDuration::from_secs(600),
            scale_down_delay_after_delete: SimDuration::ZERO,
            scale_down_unneeded_time: SimDuration::from_secs(600),
            scale_down_unready_time: SimDuration::from_secs(1200),
            scale_down_utilization_threshold: 0.5,
            max_graceful_termination_sec: 600,
            max_empty_bulk_delete: 10,
            new_pod_scale_up_delay: SimDuration::ZERO,
            max_nodes_total: 0,
            expander: Expander::LeastWaste,
        }
    }
}

/// A node group the autoscaler may resize.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    /// The scenario's group name; new nodes are named `NAME-N`.
    pub name: String,
    pub min: usize,
    pub max: usize,
    /// What a new node of the group looks like (its name and addresses are set when it joins).
    pub template: Node,
    /// From the cloud's API call to the node registered and Ready.
    pub provisioning: Latency,
    /// The group's nodes when the scenario starts.
    pub initial: Vec<String>,
}

/// The default time from a scale-up to the new node being Ready.
// DEVIATION: not measured here (this host has no cloud); a typical VM boot, kubelet
// registration and CNI start on the big clouds. Scenarios should give their provider's figure.
pub const DEFAULT_PROVISIONING: Latency = Latency {
    median: SimDuration::from_secs(90),
    p95: SimDuration::from_secs(150),
};

/// Everything the autoscaler needs from the scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub options: Options,
    pub groups: Vec<NodeGroup>,
}

impl Config {
    /// How many nodes the autoscaler could add to the scenario's at most.
    pub fn most_nodes_added(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.max.saturating_sub(g.initial.len()))
            .sum()
    }
}
