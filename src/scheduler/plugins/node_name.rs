//! NodeName: a pod that names its node (`spec.nodeName` set by the user) fits only there.
//!
//! Pods created with `spec.nodeName` skip the scheduler entirely (the kubelet takes them); this
//! filter matters for pods that the scheduler still sees.

use crate::model::Node;
use crate::scheduler::framework::{FilterPlugin, NodeInfo, PodInfo, Status};

/// The plugin.
pub struct NodeName;

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }

    // K8S: pkg/scheduler/framework/plugins/nodename/node_name.go
    fn filter(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> Option<Status> {
        match pod.spec.api.node_name.as_deref() {
            Some(name) if !name.is_empty() && name != node.meta.name => Some(Status::unresolvable(
                self.name(),
                "node(s) didn't match the requested node name",
            )),
            _ => None,
        }
    }

    /// A pod that names no node fits every node by name. (Upstream has no PreFilter here; the
    /// skip only spares a call that would pass.)
    fn skips(&self, pod: &PodInfo<'_>) -> bool {
        pod.spec.api.node_name.as_deref().is_none_or(str::is_empty)
    }
}
