//! Wiring of the cluster autoscaler: its scans, and what it asks of the cloud (nodes made and
//! deleted) and of the API server (taints, evictions).

use super::{Event, Simulation};
use crate::apiserver::admission;
use crate::autoscaler::Action;
use crate::engine::SimTime;
use crate::model::node::NodeCondition;
use crate::model::{Node, PodCondition};

impl Simulation {
    /// The autoscaler does what is due, then waits for its next scan or drain poll.
    pub(super) fn run_autoscaler(&mut self, now: SimTime) {
        let Some(mut autoscaler) = self.autoscaler.take() else {
            return;
        };
        let actions = autoscaler.run(&mut self.state, now);
        let due = autoscaler.next_due();
        self.autoscaler = Some(autoscaler);
        // Its events first: a node is marked before it is deleted.
        self.flush_changes(now);
        for action in actions {
            self.autoscaler_action(action, now);
        }
        self.push(due, Event::ClusterAutoscaler(due));
    }

    fn autoscaler_action(&mut self, action: Action, now: SimTime) {
        match action {
            Action::Provision { node, ready_at } => {
                self.push(ready_at, Event::NodeProvisioned(node));
            }
            Action::Taint { node, taint } => {
                if let Some(n) = self.state.node_mut(&node) {
                    n.taints.push(taint);
                    self.nodes_changed(now);
                }
            }
            Action::Evict {
                namespace,
                name,
                grace_seconds,
            } => {
                // K8S: pkg/registry/core/pod/storage/eviction.go (the DisruptionTarget condition
                // an eviction adds before the delete)
                if let Some(pod) = self
                    .state
                    .pod_id(&namespace, &name)
                    .and_then(|id| self.state.pod_mut(id))
                {
                    pod.status.set_condition(
                        PodCondition::new("DisruptionTarget", true, now).because(
                            "EvictionByEvictionAPI",
                            "Eviction API: evicting".to_string(),
                        ),
                    );
                }
                self.delete_pod(&namespace, &name, Some(grace_seconds), now);
            }
            Action::DeleteNode(node) => {
                self.node_remove(&node, now);
            }
        }
    }

    /// A node the cloud made registers, Ready.
    // DEVIATION: the node joins Ready at the end of its provisioning time; the NotReady
    // moments of a real registration (before the CNI is up) are folded into that time.
    // DEVIATION: a node whose name was taken while it booted (by `simulate: node-add`) does
    // not register, and the autoscaler counts it no more.
    pub(super) fn node_provisioned(&mut self, mut node: Node, now: SimTime) {
        node.conditions = NodeCondition::healthy_set(now);
        let name = node.meta.name.clone();
        let registered = self.state.node(&name).is_none();
        if registered {
            // Refused only past kubesim's node limit: the node then stays out of the cluster.
            let _ = self.request(now, |api| admission::join_node(api, node, now));
        }
        if let Some(autoscaler) = &mut self.autoscaler {
            autoscaler.joined(&name, registered);
        }
    }
}
