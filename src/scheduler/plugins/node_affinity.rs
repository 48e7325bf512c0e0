//! NodeAffinity: `nodeSelector` (required node affinity terms arrive with the scheduler issue).

use crate::model::Node;
use crate::scheduler::framework::{FilterPlugin, NodeInfo, PodInfo, Status};

/// The plugin.
pub struct NodeAffinity;

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (ErrReasonPod)
    fn filter(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> Option<Status> {
        let matches = pod
            .spec
            .node_selector
            .iter()
            .all(|(k, v)| node.meta.labels.get(k) == Some(v));
        if matches {
            None
        } else {
            Some(Status::unresolvable(
                self.name(),
                "node(s) didn't match Pod's node affinity/selector",
            ))
        }
    }
}
