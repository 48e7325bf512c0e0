//! NodePorts: a pod asking for a host port cannot go where another pod already holds it.

use crate::model::Node;
use crate::scheduler::framework::{host_ports, FilterPlugin, NodeInfo, PodInfo, Status};

/// The plugin.
pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }

    // K8S: pkg/scheduler/framework/plugins/nodeports/node_ports.go (ErrReason, Unschedulable)
    // DEVIATION: host IPs are not compared: every host port is taken on all addresses.
    fn filter(&self, pod: &PodInfo<'_>, _node: &Node, info: &NodeInfo) -> Option<Status> {
        let conflict = host_ports(pod.spec).any(|port| info.used_ports.contains(&port));
        conflict.then(|| {
            Status::unschedulable(
                "NodePorts",
                vec!["node(s) didn't have free ports for the requested pod ports".to_string()],
            )
        })
    }

    /// A pod without host ports conflicts with nothing.
    // K8S: pkg/scheduler/framework/plugins/nodeports/node_ports.go (PreFilter: Skip)
    fn skips(&self, pod: &PodInfo<'_>) -> bool {
        host_ports(pod.spec).next().is_none()
    }
}
