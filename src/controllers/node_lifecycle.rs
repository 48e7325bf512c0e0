//! The node lifecycle controller: a node whose kubelet stopped reporting turns `Unknown` after
//! the grace period, gets the `unreachable` taints and its pods turn unready. The NoExecute
//! taint is then the taint-eviction controller's to act on (`taint_eviction`): each pod is
//! deleted once its toleration runs out (300 s by default). A node that reports again gets its
//! conditions back and loses the taints, which cancels the evictions still waiting.

use std::collections::BTreeMap;

use super::{Controllers, Key, Request};
use crate::engine::{SimDuration, SimTime};
use crate::model::node::{NodeCondition, Taint, TaintEffect};
use crate::model::{ClusterState, Event, EventType, ObjectRef, PodCondition};

/// How long a node may go without a heartbeat before it is marked Unknown.
// K8S: pkg/controller/nodelifecycle/config/v1alpha1/defaults.go (50 s since v1.32)
pub const NODE_MONITOR_GRACE_PERIOD: SimDuration = SimDuration::from_secs(50);
/// How often the controller looks at the nodes.
// K8S: cmd/kube-controller-manager (node-monitor-period 5 s)
pub const NODE_MONITOR_PERIOD: SimDuration = SimDuration::from_secs(5);
/// The taint key of a node that stopped reporting.
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// Nodes whose kubelet stopped, with when it last reported, and whether the controller has
/// noticed yet.
#[derive(Debug, Default)]
pub struct NodeLifecycle {
    down: BTreeMap<String, (SimTime, bool)>,
}

fn key(node: &str) -> Key {
    ("Node".to_string(), String::new(), node.to_string())
}

impl Controllers {
    /// The node's kubelet stopped reporting at `now`.
    // DEVIATION: the last heartbeat is taken to be the instant the node goes down (upstream's
    // lease renews every 10 s, so it may be up to 10 s earlier).
    pub fn node_down(&mut self, node: &str, now: SimTime) {
        self.nodes.down.insert(node.to_string(), (now, false));
        let deadline = now + NODE_MONITOR_GRACE_PERIOD;
        // The controller notices at its next 5 s monitor tick after the grace period.
        let period = NODE_MONITOR_PERIOD.as_millis();
        let tick = deadline.as_millis().div_ceil(period) * period;
        self.timers.insert((SimTime::from_millis(tick), key(node)));
    }

    /// The node's kubelet reports again: conditions back, taints gone.
    // K8S: pkg/controller/nodelifecycle/node_lifecycle_controller.go (the kubelet's own status
    // update restores Ready; the controller removes the unreachable taints)
    pub fn node_up(&mut self, state: &mut ClusterState, node: &str, now: SimTime) -> Vec<Request> {
        self.forget_node_health(node);
        for condition in NodeCondition::healthy_set(now) {
            state.set_node_condition(node, condition);
        }
        if let Some(n) = state.node_mut(node) {
            n.taints.retain(|t| t.key != UNREACHABLE);
        }
        record(state, node, "NodeReady", now);
        vec![Request::NodesChanged]
    }

    /// The Node object is gone: nothing to monitor any more.
    pub(super) fn forget_node_health(&mut self, node: &str) {
        self.nodes.down.remove(node);
        self.timers.retain(|(_, k)| *k != key(node));
    }

    /// The monitor tick for a downed node: mark it Unknown and taint it. Its pods are then
    /// the taint-eviction controller's, which sees the NoExecute taint like any other.
    pub(super) fn sync_node(
        &mut self,
        state: &mut ClusterState,
        node: &str,
        now: SimTime,
        out: &mut Vec<Request>,
    ) {
        let Some(&(_, noticed)) = self.nodes.down.get(node) else {
            return;
        };
        if !noticed {
            mark_unknown(state, node, now);
            self.nodes.down.insert(node.to_string(), (now, true));
            out.push(Request::NodesChanged);
        }
    }
}

/// Conditions Unknown, the unreachable taints, pods unready, with the controller's events.
// K8S: pkg/controller/nodelifecycle/node_lifecycle_controller.go (tryUpdateNodeHealth,
// MarkPodsNotReady, doNoExecuteTaintingPass), pkg/controller/nodelifecycle/scheduler
fn mark_unknown(state: &mut ClusterState, node: &str, now: SimTime) {
    let conditions = state
        .node(node)
        .map(|n| n.conditions.clone())
        .unwrap_or_default();
    for c in conditions {
        state.set_node_condition(
            node,
            NodeCondition {
                status: "Unknown".to_string(),
                reason: "NodeStatusUnknown".to_string(),
                message: "Kubelet stopped posting node status.".to_string(),
                last_transition: now,
                ..c
            },
        );
    }
    if let Some(n) = state.node_mut(node) {
        for effect in [TaintEffect::NoSchedule, TaintEffect::NoExecute] {
            n.taints.push(Taint {
                key: UNREACHABLE.to_string(),
                value: String::new(),
                effect,
                time_added: (effect == TaintEffect::NoExecute).then_some(now),
            });
        }
    }
    record(state, node, "NodeNotReady", now);
    let pods: Vec<crate::model::PodId> = state.pods_on(node).map(|(id, _)| id).collect();
    for id in pods {
        let Some(pod) = state.pod_mut(id) else {
            continue;
        };
        pod.status
            .set_condition(PodCondition::new("Ready", false, now));
        let (ns, name) = (pod.meta.namespace.clone(), pod.meta.name.clone());
        state.record_event(Event::new(
            ObjectRef::new("Pod", &ns, &name),
            EventType::Warning,
            "NodeNotReady",
            "Node is not ready".to_string(),
            NODE_CONTROLLER,
            now,
        ));
    }
}

/// The node lifecycle controller's name, the source of its events.
pub const NODE_CONTROLLER: &str = "node-controller";

/// `NodeNotReady` / `NodeReady` on the node: "Node node02 status is now: NodeNotReady".
// K8S: pkg/controller/util/node/controller_utils.go (RecordNodeStatusChange)
fn record(state: &mut ClusterState, node: &str, status: &str, now: SimTime) {
    state.record_event(Event::new(
        ObjectRef::new("Node", "", node),
        EventType::Normal,
        status,
        format!("Node {node} status is now: {status}"),
        NODE_CONTROLLER,
        now,
    ));
}
