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
        if !node.unschedulable {
            return None;
        }
        let taint = Taint {
            key: "node.kubernetes.io/unschedulable".to_string(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
            time_added: None,
        };
        if pod.spec.tolerations.iter().any(|t| t.tolerates(&taint)) {
            return None;
        }
        Some(Status::unresolvable(
            self.name(),
            "node(s) were unschedulable",
        ))
    }
}
