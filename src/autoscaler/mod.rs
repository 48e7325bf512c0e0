//! The cluster autoscaler: every scan interval it looks for pods the scheduler could not place,
//! asks the cloud for nodes of the group that would take them, and removes nodes that have
//! stayed unneeded long enough. Like the real one (a separate deployment, not part of
//! kube-controller-manager) it reads the cluster state and answers with actions: make a node,
//! taint one, evict a pod, delete a node. It records its events itself.
// K8S: cluster-autoscaler/core/static_autoscaler.go (RunOnce)

pub mod config;
pub mod scale_down;
pub mod scale_up;
pub mod snapshot;

use std::collections::{BTreeMap, BTreeSet};

use config::{Config, NodeGroup, Options};
use snapshot::{Filters, SimNode};

use crate::engine::{RngStreams, SimDuration, SimTime, StreamRng};
use crate::model::node::{Taint, TaintEffect};
use crate::model::time::EPOCH_UNIX_SECONDS;
use crate::model::{ClusterState, Event, EventType, Node, ObjectRef, Pod, PodId};

/// The event source.
pub const SOURCE: &str = "cluster-autoscaler";
/// The taint that keeps new pods off a node being removed; its value is the Unix time.
// K8S: cluster-autoscaler/utils/taints/taints.go (ToBeDeletedTaint)
pub const TO_BE_DELETED_TAINT: &str = "ToBeDeletedByClusterAutoscaler";
/// How often a drain checks whether the evicted pods are gone.
// K8S: core/scaledown/actuation/drain.go (DefaultPodEvictionHeadroom, the 5 s poll)
const DRAIN_POLL: SimDuration = SimDuration::from_secs(5);
/// Past the longest grace period, how long a drain still waits for its pods.
const POD_EVICTION_HEADROOM: SimDuration = SimDuration::from_secs(30);

/// What the autoscaler asks of the cloud and the API server.
#[derive(Debug, Clone)]
pub enum Action {
    /// The cloud makes a node; it registers, Ready, at `ready_at`.
    Provision { node: Box<Node>, ready_at: SimTime },
    /// Add this taint to the node (it is about to be removed).
    Taint { node: String, taint: Taint },
    /// Evict a pod (delete it with this grace period).
    Evict {
        namespace: String,
        name: String,
        grace_seconds: i64,
    },
    /// The cloud deletes the node's machine; the Node object goes with it.
    DeleteNode(String),
}

/// One node group's live state.
struct Group {
    spec: NodeGroup,
    /// Registered nodes of the group.
    members: BTreeSet<String>,
    /// Nodes asked for and not registered yet.
    provisioning: BTreeSet<String>,
    /// The number the next new node gets.
    next_index: usize,
    /// The largest target size it reached.
    peak: usize,
}

impl Group {
    /// Registered plus coming: upstream's target size.
    fn target(&self) -> usize {
        self.members.len() + self.provisioning.len()
    }
}

/// The autoscaler's state between scans.
pub struct ClusterAutoscaler {
    options: Options,
    groups: Vec<Group>,
    filters: Filters,
    rng: StreamRng,
    next_scan: SimTime,
    last_scale_up: Option<SimTime>,
    last_delete: Option<SimTime>,
    /// Since when each node has been unneeded.
    unneeded_since: BTreeMap<String, SimTime>,
    /// Nodes being drained, with when the drain gives up waiting.
    draining: BTreeMap<String, SimTime>,
    next_poll: Option<SimTime>,
    /// Scale-ups made and nodes removed, for the run summary.
    scale_ups: usize,
    removed: usize,
}

impl ClusterAutoscaler {
    /// The autoscaler of a scenario whose node groups have `autoscaling:`; `None` without any.
    pub fn new(config: &Config, streams: RngStreams) -> Option<Self> {
        if config.groups.is_empty() {
            return None;
        }
        let groups = config
            .groups
            .iter()
            .map(|spec| Group {
                members: spec.initial.iter().cloned().collect(),
                provisioning: BTreeSet::new(),
                next_index: spec.initial.len() + 1,
                peak: spec.initial.len(),
                spec: spec.clone(),
            })
            .collect();
        Some(ClusterAutoscaler {
            options: config.options.clone(),
            groups,
            filters: Filters::default_profile(),
            rng: streams.stream("cluster-autoscaler"),
            next_scan: SimTime::ZERO,
            last_scale_up: None,
            last_delete: None,
            unneeded_since: BTreeMap::new(),
            draining: BTreeMap::new(),
            next_poll: None,
            scale_ups: 0,
            removed: 0,
        })
    }

    /// One line for the run summary: `cluster autoscaler: 2 scale-ups, 3 nodes removed;
    /// worker 1 (at most 4)`.
    pub fn summary(&self) -> String {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| format!("{} {} (at most {})", g.spec.name, g.target(), g.peak))
            .collect();
        format!(
            "cluster autoscaler: {} scale-up(s), {} node(s) removed; {}",
            self.scale_ups,
            self.removed,
            groups.join(", ")
        )
    }

    /// When the autoscaler next has something to do.
    pub fn next_due(&self) -> SimTime {
        self.next_poll
            .map_or(self.next_scan, |poll| poll.min(self.next_scan))
    }

    /// A node the cloud made has registered (`registered`), or could not, its name being taken
    /// meanwhile.
    pub fn joined(&mut self, node: &str, registered: bool) {
        for group in &mut self.groups {
            if group.provisioning.remove(node) && registered {
                group.members.insert(node.to_string());
            }
        }
    }

    /// Does what is due at `now`: finishes drains whose pods are gone, and scans.
    pub fn run(&mut self, state: &mut ClusterState, now: SimTime) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.next_poll.is_some_and(|poll| poll <= now) {
            self.poll_drains(state, now, &mut actions);
        }
        if self.next_scan <= now {
            self.next_scan = now + self.options.scan_interval;
            self.scan(state, now, &mut actions);
        }
        actions
    }

    /// One `RunOnce`: scale up for pods no node can take; otherwise, perhaps, scale down.
    fn scan(&mut self, state: &mut ClusterState, now: SimTime, actions: &mut Vec<Action>) {
        for group in &mut self.groups {
            group.members.retain(|n| state.node(n).is_some());
        }
        self.unneeded_since.retain(|n, _| state.node(n).is_some());
        if self.scale_up(state, now, actions) {
            self.last_scale_up = Some(now);
            self.scale_ups += 1;
            return;
        }
        self.scale_down(state, now, actions);
    }

    /// Upstream's `ScaleUp`; true when a group was grown.
    fn scale_up(
        &mut self,
        state: &mut ClusterState,
        now: SimTime,
        actions: &mut Vec<Action>,
    ) -> bool {
        let delay = self.options.new_pod_scale_up_delay;
        let pending: Vec<(PodId, &Pod)> = state
            .pods_by_name()
            .filter(|(_, p)| is_unschedulable(p) && (now - p.meta.creation) >= delay)
            .collect();
        if pending.is_empty() {
            return false;
        }
        let daemon_pods = daemon_pod_specs(state);
        let templates: Vec<SimNode<'_>> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| template(&g.spec.template, i, &daemon_pods, &self.filters))
            .collect();
        let mut nodes = snapshot::of_cluster(state);
        for (group, template) in self.groups.iter().zip(&templates) {
            nodes.extend(std::iter::repeat_n(
                template.clone(),
                group.provisioning.len(),
            ));
        }
        let remaining = scale_up::filter_out_schedulable(pending, &mut nodes, &self.filters);
        if remaining.is_empty() {
            return false;
        }
        let room = match self.options.max_nodes_total {
            0 => usize::MAX,
            max => max.saturating_sub(state.nodes().len() + self.provisioning()),
        };
        let candidates: Vec<scale_up::Candidate<'_>> = self
            .groups
            .iter()
            .zip(templates)
            .map(|(g, template)| scale_up::Candidate {
                target: g.target(),
                max: g.spec.max,
                template,
            })
            .collect();
        let plan = scale_up::plan(
            &remaining,
            &candidates,
            room,
            &self.filters,
            self.options.expander,
            &mut self.rng,
        );
        drop(candidates);
        let pod_ref = |id: PodId| {
            state
                .pod(id)
                .map(|p| ObjectRef::new("Pod", &p.meta.namespace, &p.meta.name))
        };
        let Some(offer) = plan.chosen else {
            let events: Vec<Event> = plan
                .unhelped
                .iter()
                .filter_map(|(id, reasons)| {
                    let message = format!(
                        "pod didn't trigger scale-up: {}",
                        scale_up::reasons_message(reasons)
                    );
                    Some(event(pod_ref(*id)?, "NotTriggerScaleUp", message, now))
                })
                .collect();
            events.into_iter().for_each(|e| state.record_event(e));
            return false;
        };
        let group = &mut self.groups[offer.group];
        let (from, to) = (group.target(), group.target() + offer.nodes);
        // K8S: core/scaleup/orchestrator/executor.go (ScaledUpGroup),
        // eventing_scale_up_processor.go (TriggeredScaleUp: "[{group from->to (max: N)}]")
        let info = format!("{} {from}->{to} (max: {})", group.spec.name, group.spec.max);
        let mut events = vec![event(
            status_configmap(),
            "ScaledUpGroup",
            format!(
                "Scale-up: setting group {} size to {to} instead of {from} (max: {})",
                group.spec.name, group.spec.max
            ),
            now,
        )];
        events.extend(offer.pods.iter().filter_map(|id| {
            let message = format!("pod triggered scale-up: [{{{info}}}]");
            Some(event(pod_ref(*id)?, "TriggeredScaleUp", message, now))
        }));
        events.into_iter().for_each(|e| state.record_event(e));
        for _ in 0..offer.nodes {
            // A name a node already has (one added by hand, say) is skipped.
            let name = loop {
                let name = format!("{}-{}", group.spec.name, group.next_index);
                group.next_index += 1;
                if state.node(&name).is_none() {
                    break name;
                }
            };
            let ready_at = now + group.spec.provisioning.sample(&mut self.rng);
            let mut node = group.spec.template.clone();
            node.meta
                .labels
                .insert("kubernetes.io/hostname".to_string(), name.clone());
            node.meta.name = name.clone();
            group.provisioning.insert(name);
            group.peak = group.peak.max(group.target());
            actions.push(Action::Provision {
                node: Box::new(node),
                ready_at,
            });
        }
        true
    }

    /// Nodes asked for and not registered yet, in all groups.
    fn provisioning(&self) -> usize {
        self.groups.iter().map(|g| g.provisioning.len()).sum()
    }

    /// Upstream's scale-down planner and actuator: track which nodes are unneeded; unless in
    /// cooldown, remove those unneeded long enough (empty ones in bulk, one drain at a time).
    fn scale_down(&mut self, state: &mut ClusterState, now: SimTime, actions: &mut Vec<Action>) {
        let candidates: Vec<usize> = state
            .nodes()
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                self.group_of(&n.meta.name).is_some()
                    && !self.draining.contains_key(&n.meta.name)
                    && !n.taints.iter().any(|t| t.key == TO_BE_DELETED_TAINT)
                    && n.meta.annotations.get(scale_down::SCALE_DOWN_DISABLED)
                        != Some(&"true".to_string())
            })
            .map(|(i, _)| i)
            .collect();
        let mut snapshot = snapshot::of_cluster(state);
        let found = scale_down::removable(
            &candidates,
            state,
            &mut snapshot,
            self.options.scale_down_utilization_threshold,
            &self.filters,
            now,
        );
        let found_names: BTreeSet<&str> = found.iter().map(|r| r.node.as_str()).collect();
        self.unneeded_since
            .retain(|n, _| found_names.contains(n.as_str()));
        for r in &found {
            self.unneeded_since.entry(r.node.clone()).or_insert(now);
        }
        if self.in_cooldown(now) {
            return;
        }
        let mut sizes: Vec<usize> = self
            .groups
            .iter()
            .map(|g| {
                g.target()
                    - g.members
                        .iter()
                        .filter(|m| self.draining.contains_key(*m))
                        .count()
            })
            .collect();
        let mut empty_deleted = 0;
        for r in &found {
            let Some(g) = self.group_of(&r.node) else {
                continue;
            };
            let ready = state.node(&r.node).is_some_and(Node::is_ready);
            let wait = if ready {
                self.options.scale_down_unneeded_time
            } else {
                self.options.scale_down_unready_time
            };
            if (now - self.unneeded_since[&r.node]) < wait || sizes[g] <= self.groups[g].spec.min {
                continue;
            }
            if r.empty {
                if empty_deleted == self.options.max_empty_bulk_delete {
                    continue;
                }
                empty_deleted += 1;
                sizes[g] -= 1;
                self.remove_empty(state, &r.node, now, actions);
            } else if self.draining.is_empty() {
                sizes[g] -= 1;
                self.start_drain(state, &r.node, now, actions);
            }
        }
    }

    /// Whether scale-down waits: a recent scale-up or node deletion.
    fn in_cooldown(&self, now: SimTime) -> bool {
        let within =
            |last: Option<SimTime>, delay: SimDuration| last.is_some_and(|at| now < at + delay);
        within(self.last_scale_up, self.options.scale_down_delay_after_add)
            || within(self.last_delete, self.options.scale_down_delay_after_delete)
    }

    /// The index of the group a registered node belongs to.
    fn group_of(&self, node: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.members.contains(node))
    }

    /// Taints the node and records that it is going.
    fn mark(&self, state: &mut ClusterState, node: &str, now: SimTime, actions: &mut Vec<Action>) {
        let unix = EPOCH_UNIX_SECONDS + (now.as_millis() / 1000) as i64;
        actions.push(Action::Taint {
            node: node.to_string(),
            taint: Taint {
                key: TO_BE_DELETED_TAINT.to_string(),
                value: unix.to_string(),
                effect: TaintEffect::NoSchedule,
                time_added: None,
            },
        });
        // K8S: core/scaledown/actuation/actuator.go (taintNode)
        state.record_event(event(
            ObjectRef::new("Node", "", node),
            "ScaleDown",
            "marked the node as toBeDeleted/unschedulable".to_string(),
            now,
        ));
    }

    /// An empty node goes at once; its DaemonSet pods are not evicted (upstream's
    /// `--daemonset-eviction-for-empty-nodes` is false by default).
    fn remove_empty(
        &mut self,
        state: &mut ClusterState,
        node: &str,
        now: SimTime,
        actions: &mut Vec<Action>,
    ) {
        self.mark(state, node, now, actions);
        state.record_event(event(
            status_configmap(),
            "ScaleDownEmpty",
            format!("Scale-down: removing empty node {node:?}"),
            now,
        ));
        self.delete(node, now, actions);
    }

    /// Asks the cloud to delete the node, which leaves its group.
    fn delete(&mut self, node: &str, now: SimTime, actions: &mut Vec<Action>) {
        for group in &mut self.groups {
            group.members.remove(node);
        }
        self.draining.remove(node);
        self.unneeded_since.remove(node);
        self.last_delete = Some(now);
        self.removed += 1;
        actions.push(Action::DeleteNode(node.to_string()));
    }

    /// Taints the node and evicts its pods (DaemonSet pods too: upstream's
    /// `--daemonset-eviction-for-occupied-nodes` is true by default); the node is deleted once
    /// they are gone.
    // K8S: core/scaledown/actuation/drain.go (DrainNode, evictPod: grace capped by
    // --max-graceful-termination-sec)
    fn start_drain(
        &mut self,
        state: &mut ClusterState,
        node: &str,
        now: SimTime,
        actions: &mut Vec<Action>,
    ) {
        self.mark(state, node, now, actions);
        let max_grace = self.options.max_graceful_termination_sec;
        let evicted: Vec<(String, String, i64)> = state
            .pods_on(node)
            .filter(|(_, p)| p.meta.deletion.is_none() && evicted_by_drain(p))
            .map(|(_, p)| {
                let grace = p.spec.termination_grace_period_seconds.min(max_grace);
                (p.meta.namespace.clone(), p.meta.name.clone(), grace)
            })
            .collect();
        for (namespace, name, grace_seconds) in evicted {
            state.record_event(event(
                ObjectRef::new("Pod", &namespace, &name),
                "ScaleDown",
                "deleting pod for node scale down".to_string(),
                now,
            ));
            actions.push(Action::Evict {
                namespace,
                name,
                grace_seconds,
            });
        }
        let grace = SimDuration::from_secs(max_grace.max(0) as u64);
        self.draining
            .insert(node.to_string(), now + grace + POD_EVICTION_HEADROOM);
        self.next_poll = Some(now + DRAIN_POLL);
    }

    /// Deletes the drained nodes whose evicted pods are gone (or that waited long enough).
    fn poll_drains(&mut self, state: &mut ClusterState, now: SimTime, actions: &mut Vec<Action>) {
        let done: Vec<String> = self
            .draining
            .iter()
            .filter(|(node, deadline)| {
                now >= **deadline || !state.pods_on(node).any(|(_, p)| evicted_by_drain(p))
            })
            .map(|(node, _)| node.clone())
            .collect();
        for node in done {
            // K8S: core/scaledown/actuation/actuator.go ("Scale-down: node %s removed with drain")
            state.record_event(event(
                status_configmap(),
                "ScaleDown",
                format!("Scale-down: node {node} removed with drain"),
                now,
            ));
            self.delete(&node, now, actions);
        }
        self.next_poll = (!self.draining.is_empty()).then(|| now + DRAIN_POLL);
    }
}

/// Whether a drain evicts the pod: every pod still running there but static ones.
fn evicted_by_drain(pod: &Pod) -> bool {
    !pod.is_terminal() && pod.meta.owner.as_ref().is_none_or(|o| o.kind != "Node")
}

/// Upstream's test for a pod the scheduler gave up on: not bound, not being deleted, and its
/// `PodScheduled` condition False with reason `Unschedulable`.
fn is_unschedulable(pod: &Pod) -> bool {
    pod.node_name.is_none()
        && pod.meta.deletion.is_none()
        && pod
            .status
            .condition("PodScheduled")
            .is_some_and(|c| c.status == "False" && c.reason.as_deref() == Some("Unschedulable"))
}

/// One pod spec per DaemonSet that has pods: what a new node would run beside the workload.
fn daemon_pod_specs(state: &ClusterState) -> Vec<std::sync::Arc<crate::model::PodSpec>> {
    let mut seen = BTreeSet::new();
    state
        .pods_by_name()
        .filter_map(|(_, p)| {
            let owner = p.meta.owner.as_ref().filter(|o| o.kind == "DaemonSet")?;
            seen.insert(owner.uid.clone())
                .then(|| std::sync::Arc::clone(&p.spec))
        })
        .collect()
}

/// A group's template node with the DaemonSet pods that would run on it.
// K8S: cluster-autoscaler/simulator/node_info_utils.go (SanitizedTemplateNodeInfoFromNodeGroup)
fn template<'a>(
    node: &'a Node,
    index: usize,
    daemon_pods: &[std::sync::Arc<crate::model::PodSpec>],
    filters: &Filters,
) -> SimNode<'a> {
    let mut sim = SimNode::empty(std::borrow::Cow::Borrowed(node), usize::MAX - index);
    for spec in daemon_pods {
        let info = crate::scheduler::framework::PodInfo::new(spec);
        if filters.check(&info, &sim.node, &sim.info).is_none() {
            sim.add(spec);
        }
    }
    sim
}

/// The status ConfigMap the autoscaler's own log events are attached to.
fn status_configmap() -> ObjectRef {
    ObjectRef::new("ConfigMap", "kube-system", "cluster-autoscaler-status")
}

fn event(involved: ObjectRef, reason: &str, message: String, now: SimTime) -> Event {
    Event::new(involved, EventType::Normal, reason, message, SOURCE, now)
}
