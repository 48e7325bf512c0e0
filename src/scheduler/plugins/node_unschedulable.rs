//! NodeUnschedulable: cordoned nodes take no new pods unless the pod tolerates the
//! `node.kubernetes.io/unschedulable:NoSchedule` taint.

use crate::model::{Node, Taint, TaintEffect};
use crate::scheduler::framework::{FilterPlugin, NodeInfo, PodInfo, Status};

/// The plugin.
pub struct NodeUnschedulable;

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }

    // K8S: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go
    fn filter(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> Option<Status> {
        if !node.unschedulable || tolerates_unschedulable(pod) {
            return None;
        }
        Some(Status::unresolvable(
            self.name(),
            "node(s) were unschedulable",
        ))
    }

    /// A pod that tolerates cordoning passes every node.
    fn skips(&self, pod: &PodInfo<'_>) -> bool {
        tolerates_unschedulable(pod)
    }
}

/// Whether the pod tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint.
fn tolerates_unschedulable(pod: &PodInfo<'_>) -> bool {
    if pod.spec.tolerations.is_empty() {
        return false; // most pods: no taint to build
    }
    let taint = Taint {
        key: "node.kubernetes.io/unschedulable".to_string(),
        value: String::new(),
        effect: TaintEffect::NoSchedule,
        time_added: None,
    };
    pod.spec.tolerations.iter().any(|t| t.tolerates(&taint))
}
