//! Node-pressure eviction: every 10 s each kubelet compares the memory its pods use with the
//! node's capacity; below the hard threshold (`memory.available<100Mi`) it reports
//! MemoryPressure and evicts one pod per pass, ranked as upstream ranks them.

use super::{Followups, KubeletEvent, Kubelets, COMPONENT};
use crate::engine::{SimDuration, SimTime};
use crate::model::node::{NodeCondition, Taint, TaintEffect};
use crate::model::quantity::Format;
use crate::model::{
    ClusterState, Event, EventType, ObjectRef, PodCondition, PodId, PodPhase, Quantity,
};

// K8S: pkg/kubelet/kubelet.go (evictionMonitoringPeriod = 10s)
const MONITORING_PERIOD: SimDuration = SimDuration::from_secs(10);
// K8S: kubelet config v1beta1 defaults (evictionHard memory.available: 100Mi)
const MEMORY_AVAILABLE_HARD: u64 = 100 * 1024 * 1024;
// K8S: kubelet config v1beta1 defaults (evictionPressureTransitionPeriod: 5m)
const PRESSURE_TRANSITION: SimDuration = SimDuration::from_secs(300);
const MEMORY_PRESSURE_TAINT: &str = "node.kubernetes.io/memory-pressure";

/// One pod's memory as the eviction manager sees it.
struct PodMemory {
    id: PodId,
    usage: u64,
    request: u64,
    priority: i32,
    /// (container, usage, request) for the eviction message.
    containers: Vec<(String, u64, u64)>,
}

impl Kubelets {
    /// Starts the node's eviction monitor if it is not running (its first pod arrived).
    pub(super) fn watch_node_memory(&mut self, node: &str, now: SimTime, out: &mut Followups) {
        let runtime = self.node_runtime(node);
        if runtime.monitoring {
            return;
        }
        runtime.monitoring = true;
        out.push((
            super::lifecycle::next_tick(now, MONITORING_PERIOD),
            KubeletEvent::EvictionCheck(node.to_string()),
        ));
    }

    /// One pass of the eviction manager.
    // K8S: pkg/kubelet/eviction/eviction_manager.go (synchronize)
    pub(super) fn eviction_check(
        &mut self,
        state: &mut ClusterState,
        node: &str,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pods = self.pod_memory(state, node, now);
        let Some(capacity) = state
            .node(node)
            .and_then(|n| n.capacity.get("memory"))
            .map(|q| q.value().max(0) as u64)
        else {
            return;
        };
        let used: u64 = pods.iter().map(|p| p.usage).sum();
        state.report_node_memory(node, used);
        let available = capacity.saturating_sub(used);
        let runtime = self.node_runtime(node);
        if available < MEMORY_AVAILABLE_HARD {
            runtime.pressure_seen = Some(now);
            set_memory_pressure(state, node, true, now);
            if let Some(victim) = rank(pods).into_iter().next() {
                self.evict(state, victim, available, now, out);
            }
        } else if runtime
            .pressure_seen
            .is_some_and(|seen| now.saturating_duration_since(seen) >= PRESSURE_TRANSITION)
        {
            runtime.pressure_seen = None;
            set_memory_pressure(state, node, false, now);
        }
        let pods_left = self.nodes.get(node).is_some_and(|n| {
            n.pods
                .iter()
                .any(|id| self.workers.contains_key(id) && state.pod(*id).is_some())
        });
        let runtime = self.node_runtime(node);
        if pods_left || runtime.pressure_seen.is_some() {
            out.push((
                now + MONITORING_PERIOD,
                KubeletEvent::EvictionCheck(node.to_string()),
            ));
        } else {
            runtime.monitoring = false;
        }
    }

    /// The memory of every running pod on the node.
    fn pod_memory(&self, state: &ClusterState, node: &str, now: SimTime) -> Vec<PodMemory> {
        let mut pods = Vec::new();
        let on_node = self.nodes.get(node).map(|n| &n.pods).into_iter().flatten();
        for (id, worker) in on_node.filter_map(|id| Some((id, self.workers.get(id)?))) {
            let Some(pod) = state.pod(*id) else { continue };
            if pod.node_name.as_deref() != Some(node) || pod.is_terminal() {
                continue;
            }
            let mut containers = Vec::new();
            for (slot, run) in &worker.slots {
                let Some(live) = &run.live else { continue };
                let c = super::container(pod, *slot);
                let request = c
                    .resources
                    .requests
                    .get("memory")
                    .map_or(0, |q| q.value().max(0) as u64);
                containers.push((c.name.clone(), live.memory_at(now), request));
            }
            pods.push(PodMemory {
                id: *id,
                usage: containers.iter().map(|c| c.1).sum(),
                request: containers.iter().map(|c| c.2).sum(),
                priority: pod.spec.priority,
                containers,
            });
        }
        pods
    }

    /// Evicts a pod: Failed with reason Evicted, its containers killed at once.
    // K8S: pkg/kubelet/eviction/eviction_manager.go (evictPod: grace period 0 for hard
    // thresholds), helpers.go (evictionMessage)
    fn evict(
        &mut self,
        state: &mut ClusterState,
        victim: PodMemory,
        available: u64,
        now: SimTime,
        out: &mut Followups,
    ) {
        let binary = |bytes: u64| Quantity::from_value(bytes as i64, Format::BinarySI).to_string();
        let mut message = format!(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: {}. ",
            binary(available)
        );
        for (name, usage, request) in &victim.containers {
            if usage > request {
                message.push_str(&format!(
                    "Container {name} was using {}, request is {}, has larger consumption of memory. ",
                    binary(*usage),
                    binary(*request)
                ));
            }
        }
        let id = victim.id;
        let pod = state.pod_mut(id).expect("ranked pods exist");
        pod.status.phase = PodPhase::Failed;
        pod.status.reason = Some("Evicted".to_string());
        pod.status.message = Some(message.clone());
        pod.status.set_condition(
            PodCondition::new("DisruptionTarget", true, now)
                .because("TerminationByKubelet", message.clone()),
        );
        let (namespace, name, host) = (
            pod.meta.namespace.clone(),
            pod.meta.name.clone(),
            pod.node_name.clone(),
        );
        let involved = ObjectRef::new("Pod", &namespace, &name);
        let event = Event::new(
            involved,
            EventType::Warning,
            "Evicted",
            message,
            COMPONENT,
            now,
        );
        state.record_event(event.on_node(host));
        let pod = state.pod(id).expect("exists");
        for (slot, container) in super::status::running_containers(pod) {
            let message = format!("Stopping container {container}");
            self.kill(state, id, slot, message, SimDuration::ZERO, now, out);
        }
    }
}

/// Victims first: pods using more than they requested, then lower priority, then the largest
/// use above request.
// K8S: pkg/kubelet/eviction/helpers.go (rankMemoryPressure: exceedMemoryRequests, priority, memory)
fn rank(mut pods: Vec<PodMemory>) -> Vec<PodMemory> {
    pods.retain(|p| p.usage > 0);
    pods.sort_by(|a, b| {
        let exceeds = |p: &PodMemory| p.usage > p.request;
        let above = |p: &PodMemory| p.usage as i128 - p.request as i128;
        exceeds(b)
            .cmp(&exceeds(a))
            .then(a.priority.cmp(&b.priority))
            .then(above(b).cmp(&above(a)))
    });
    pods
}

/// Reports MemoryPressure on the node, with the taint the node lifecycle controller derives
/// from it.
// K8S: pkg/kubelet/nodestatus/setters.go (MemoryPressureCondition); the
// TaintNodesByCondition part of pkg/controller/nodelifecycle
fn set_memory_pressure(state: &mut ClusterState, node: &str, pressure: bool, now: SimTime) {
    let (status, reason, message) = if pressure {
        (
            "True",
            "KubeletHasInsufficientMemory",
            "kubelet has insufficient memory available",
        )
    } else {
        (
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        )
    };
    state.set_node_condition(
        node,
        NodeCondition {
            type_: "MemoryPressure".to_string(),
            status: status.to_string(),
            reason: reason.to_string(),
            message: message.to_string(),
            last_heartbeat: now,
            last_transition: now,
        },
    );
    let Some(n) = state.node_mut(node) else {
        return;
    };
    let tainted = n.taints.iter().any(|t| t.key == MEMORY_PRESSURE_TAINT);
    if pressure && !tainted {
        n.taints.push(Taint {
            key: MEMORY_PRESSURE_TAINT.to_string(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
            time_added: None,
        });
    } else if !pressure && tainted {
        n.taints.retain(|t| t.key != MEMORY_PRESSURE_TAINT);
    }
}
