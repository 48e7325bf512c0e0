//! The cluster state: the one shared store through which the scheduler, the kubelets and the
//! controllers communicate, as they do through the API server in a real cluster.

use std::collections::BTreeMap;

use super::event::{Event, ObjectRef};
use super::node::{Node, NodeCondition};
use super::pod::Pod;

/// The labels every namespace carries: its name under `kubernetes.io/metadata.name`.
// K8S: pkg/registry/core/namespace/strategy.go (PrepareForCreate: NamespaceDefaultLabelName)
pub fn namespace_labels(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("kubernetes.io/metadata.name".to_string(), name.to_string())])
}

/// A stable handle to a pod slot. Slots are never reused, so a handle held by a pending event
/// can never point at a different pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32);

/// An object of a kind the simulator stores and shows but does not act on yet (Deployments,
/// Services...), kept as the API object the user gave.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    pub kind: String,
    pub api_version: String,
    pub namespace: String,
    pub name: String,
    pub creation: crate::engine::SimTime,
    /// The object as JSON, defaults not applied.
    pub body: serde_json::Value,
}

impl StoredObject {
    /// `metadata.labels` of the stored body, empty when absent.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.body
            .pointer("/metadata/labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default()
    }
}

/// What makes two event occurrences the same event (client-go's correlator key, without the
/// component's host).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct EventKey {
    involved: ObjectRef,
    warning: bool,
    reason: String,
    message: String,
    source: String,
}

/// A simulator note about one container of a pod: not a Kubernetes object, but something the
/// trace must say (a command kubesim cannot interpret, for instance).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub pod: PodId,
    pub container: String,
    pub text: String,
}

/// Everything the API server would hold. Iteration orders are by name (BTreeMap) or by creation
/// (Vec), never by hash, so whatever is derived from them is deterministic.
#[derive(Debug, Default)]
pub struct ClusterState {
    nodes: Vec<Node>,
    node_index: BTreeMap<String, usize>,
    pods: Vec<Option<Pod>>,
    pod_index: BTreeMap<(String, String), PodId>,
    events: Vec<Event>,
    /// Each event's `metadata.name`, by its index in `events`.
    event_names: Vec<String>,
    /// The creation instant, in Unix nanoseconds, of the event named last.
    last_event_stamp: i64,
    events_by_object: BTreeMap<ObjectRef, Vec<usize>>,
    /// Each distinct event (object, type, reason, message, source), for folding repeats.
    event_index: BTreeMap<EventKey, usize>,
    /// Namespaces by name (the default ones exist from the start).
    pub namespaces: BTreeMap<String, crate::engine::SimTime>,
    /// Pods by the uid of their controller (ownerReferences), for the controllers.
    pods_by_owner: BTreeMap<String, std::collections::BTreeSet<PodId>>,
    /// Objects of kinds not simulated yet, by (kind, namespace, name).
    pub objects: BTreeMap<(String, String, String), StoredObject>,
    next_uid: u64,
    /// How many nodes were ever added (removed ones included).
    nodes_added: usize,
    /// Every event occurrence since the last drain, unaggregated, for the trace.
    journal: Vec<Event>,
    /// Simulator notes since the last drain (what kubesim could not model), for the trace.
    notes: Vec<Note>,
    /// On how many nodes each image (normalised) is present: ImageLocality's spread.
    image_nodes: BTreeMap<String, usize>,
    /// Node conditions changed since the last drain, by node name.
    node_conditions: Vec<(String, NodeCondition)>,
    /// The memory each kubelet last reported its pods use, in bytes, and the reports that
    /// changed it since the last drain.
    node_memory_used: BTreeMap<String, u64>,
    node_memory_changes: Vec<(String, u64)>,
    /// Pods changed since the last drain, with their state before the first change.
    before: Vec<(PodId, Pod)>,
}

impl ClusterState {
    /// An empty cluster with the namespaces every cluster starts with.
    pub fn new() -> Self {
        let mut state = ClusterState::default();
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            state
                .namespaces
                .insert(ns.to_string(), crate::engine::SimTime::ZERO);
        }
        state
    }

    /// The stored objects of one kind in one namespace, in name order, found without walking
    /// the others (admission asks on every pod).
    pub fn objects_in<'a>(
        &'a self,
        kind: &'a str,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a StoredObject> + 'a {
        let start = (kind.to_string(), namespace.to_string(), String::new());
        self.objects
            .range(start..)
            .take_while(move |((k, ns, _), _)| k == kind && ns == namespace)
            .map(|(_, object)| object)
    }

    /// How many nodes have been added so far, removed ones included: a joining node's index,
    /// which fixes its pod CIDR and IP.
    pub fn nodes_added(&self) -> usize {
        self.nodes_added
    }

    /// A new deterministic UID, shaped like a real one (8-4-4-4-12 hex digits).
    pub fn new_uid(&mut self) -> String {
        self.next_uid += 1;
        let n = self.next_uid;
        format!(
            "{:08x}-0000-4000-8000-{:012x}",
            (n.wrapping_mul(0x9e37_79b9)) as u32,
            n
        )
    }

    /// Adds a node; the caller has checked that the name is free.
    pub fn add_node(&mut self, node: Node) {
        self.nodes_added += 1;
        for image in node.images.keys() {
            *self.image_nodes.entry(image.clone()).or_default() += 1;
        }
        self.node_index
            .insert(node.meta.name.clone(), self.nodes.len());
        self.nodes.push(node);
    }

    /// Removes a node (`kubectl delete node`); the nodes after it move up one position.
    pub fn remove_node(&mut self, name: &str) -> Option<Node> {
        let i = self.node_index.remove(name)?;
        let node = self.nodes.remove(i);
        for position in self.node_index.values_mut() {
            if *position > i {
                *position -= 1;
            }
        }
        for image in node.images.keys() {
            if let Some(count) = self.image_nodes.get_mut(image) {
                *count -= 1;
                if *count == 0 {
                    self.image_nodes.remove(image);
                }
            }
        }
        self.node_conditions.retain(|(n, _)| n != name);
        self.node_memory_used.remove(name);
        self.node_memory_changes.retain(|(n, _)| n != name);
        Some(node)
    }

    /// All nodes in the order they joined the cluster.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The position of a node in [`ClusterState::nodes`].
    pub fn node_position(&self, name: &str) -> Option<usize> {
        self.node_index.get(name).copied()
    }

    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.node_index.get(name).map(|&i| &self.nodes[i])
    }

    /// Records that `node` now holds `image` (normalised) of `size` bytes.
    pub fn add_node_image(&mut self, node: &str, image: String, size: i64) {
        let Some(&i) = self.node_index.get(node) else {
            return;
        };
        if self.nodes[i].images.insert(image.clone(), size).is_none() {
            *self.image_nodes.entry(image).or_default() += 1;
        }
    }

    /// On how many nodes `image` (normalised) is present.
    pub fn nodes_with_image(&self, image: &str) -> usize {
        self.image_nodes.get(image).copied().unwrap_or(0)
    }

    /// The node with this name, for updates.
    pub fn node_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.node_index.get(name).map(|&i| &mut self.nodes[i])
    }

    /// Stores a new pod and returns its handle.
    pub fn add_pod(&mut self, pod: Pod) -> PodId {
        let id = PodId(self.pods.len() as u32);
        if let Some(owner) = &pod.meta.owner {
            self.pods_by_owner
                .entry(owner.uid.clone())
                .or_default()
                .insert(id);
        }
        self.pod_index
            .insert((pod.meta.namespace.clone(), pod.meta.name.clone()), id);
        self.pods.push(Some(pod));
        id
    }

    /// Removes a pod from the store (the API server finished deleting it).
    pub fn remove_pod(&mut self, id: PodId) -> Option<Pod> {
        let pod = self.pods.get_mut(id.0 as usize)?.take()?;
        self.pod_index
            .remove(&(pod.meta.namespace.clone(), pod.meta.name.clone()));
        if let Some(owner) = &pod.meta.owner {
            if let Some(pods) = self.pods_by_owner.get_mut(&owner.uid) {
                pods.remove(&id);
                if pods.is_empty() {
                    self.pods_by_owner.remove(&owner.uid);
                }
            }
        }
        Some(pod)
    }

    /// The pods a controller (by uid) owns, in creation order.
    pub fn pods_owned_by(&self, uid: &str) -> impl Iterator<Item = (PodId, &Pod)> {
        self.pods_by_owner
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|&id| Some((id, self.pod(id)?)))
    }

    /// The pods bound to a node, by name.
    pub fn pods_on<'a>(&'a self, node: &'a str) -> impl Iterator<Item = (PodId, &'a Pod)> {
        self.pods_by_name()
            .filter(move |(_, p)| p.node_name.as_deref() == Some(node))
    }

    /// The pod behind a handle, if it still exists.
    pub fn pod(&self, id: PodId) -> Option<&Pod> {
        self.pods.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// The pod behind a handle, for updates. The pod's state before its first change since the
    /// last [`ClusterState::drain_changes`] is kept, so that the trace can record what changed.
    pub fn pod_mut(&mut self, id: PodId) -> Option<&mut Pod> {
        let pod = self.pods.get_mut(id.0 as usize).and_then(Option::as_mut)?;
        if !self.before.iter().any(|(seen, _)| *seen == id) {
            self.before.push((id, pod.clone()));
        }
        Some(pod)
    }

    /// The pods changed since the last call, each with its earlier state, and the event
    /// occurrences recorded since then.
    pub fn drain_changes(&mut self) -> (Vec<(PodId, Pod)>, Vec<Event>) {
        (
            std::mem::take(&mut self.before),
            std::mem::take(&mut self.journal),
        )
    }

    /// Adds a simulator note about a container.
    pub fn note(&mut self, pod: PodId, container: &str, text: String) {
        self.notes.push(Note {
            pod,
            container: container.to_string(),
            text,
        });
    }

    /// The notes added since the last call.
    pub fn drain_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// Sets a node condition; a change of status, reason or message moves its transition time
    /// and is kept for the trace.
    pub fn set_node_condition(&mut self, node: &str, condition: NodeCondition) {
        let Some(n) = self.node_index.get(node).map(|&i| &mut self.nodes[i]) else {
            return;
        };
        let Some(old) = n.conditions.iter_mut().find(|c| c.type_ == condition.type_) else {
            return;
        };
        let changed = (&old.status, &old.reason, &old.message)
            != (&condition.status, &condition.reason, &condition.message);
        if changed {
            *old = condition.clone();
            self.node_conditions.push((node.to_string(), condition));
        } else {
            old.last_heartbeat = condition.last_heartbeat;
        }
    }

    /// A kubelet's reading of the memory its running pods use (its Summary API); a change is
    /// kept for the trace.
    pub fn report_node_memory(&mut self, node: &str, bytes: u64) {
        if self.node_memory_used.get(node) != Some(&bytes) {
            self.node_memory_used.insert(node.to_string(), bytes);
            self.node_memory_changes.push((node.to_string(), bytes));
        }
    }

    /// The node memory readings that changed since the last call.
    pub fn drain_node_memory(&mut self) -> Vec<(String, u64)> {
        std::mem::take(&mut self.node_memory_changes)
    }

    /// The node conditions changed since the last call.
    pub fn drain_node_conditions(&mut self) -> Vec<(String, NodeCondition)> {
        std::mem::take(&mut self.node_conditions)
    }

    /// Looks a pod up by namespace and name.
    pub fn pod_id(&self, namespace: &str, name: &str) -> Option<PodId> {
        self.pod_index
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// How many pods the store holds.
    pub fn pod_count(&self) -> usize {
        self.pod_index.len()
    }

    /// Existing pods sorted by namespace then name, as kubectl lists them.
    pub fn pods_by_name(&self) -> impl Iterator<Item = (PodId, &Pod)> {
        self.pod_index
            .values()
            .filter_map(|&id| self.pod(id).map(|pod| (id, pod)))
    }

    /// The value and `preemptionPolicy` of a PriorityClass, built-in classes included.
    // K8S: pkg/apis/scheduling/types.go (system-cluster-critical, system-node-critical)
    pub fn priority_class(&self, name: &str) -> Option<(i32, Option<String>)> {
        match name {
            "system-cluster-critical" => Some((2_000_000_000, None)),
            "system-node-critical" => Some((2_000_001_000, None)),
            _ => {
                let body = &self
                    .objects
                    .get(&("PriorityClass".to_string(), String::new(), name.to_string()))?
                    .body;
                let value = body.get("value").and_then(serde_json::Value::as_i64)?;
                let policy = body
                    .get("preemptionPolicy")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string);
                Some((value as i32, policy))
            }
        }
    }

    /// Records an event, folding a repeat into the earlier one's count.
    pub fn record_event(&mut self, event: Event) {
        self.journal.push(event.clone());
        let key = EventKey {
            involved: event.involved.clone(),
            warning: event.type_ == super::event::EventType::Warning,
            reason: event.reason.clone(),
            message: event.message.clone(),
            source: event.source.to_string(),
        };
        if let Some(&i) = self.event_index.get(&key) {
            let existing = &mut self.events[i];
            existing.count += 1;
            existing.last = event.last;
            return;
        }
        self.event_index.insert(key, self.events.len());
        self.events_by_object
            .entry(event.involved.clone())
            .or_default()
            .push(self.events.len());
        // DEVIATION: a real recorder's clock gives each event its own sub-millisecond
        // nanoseconds; here events of the same simulated millisecond are a nanosecond apart, in
        // the order they were recorded, so names stay unique and sort in creation order.
        let stamp = super::time::unix_nanos(event.first).max(self.last_event_stamp + 1);
        self.last_event_stamp = stamp;
        // K8S: staging/src/k8s.io/client-go/tools/record/util/util.go (GenerateEventName:
        // `%s.%x` of the involved object's name and the creation time in Unix nanoseconds)
        self.event_names
            .push(format!("{}.{stamp:x}", event.involved.name));
        self.events.push(event);
    }

    /// All events in the order they were first recorded.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// All events with their `metadata.name`s, in the order they were first recorded.
    pub fn named_events(&self) -> impl Iterator<Item = (&str, &Event)> {
        self.event_names
            .iter()
            .map(String::as_str)
            .zip(&self.events)
    }

    /// The events about one object (any of its containers included), ordered as
    /// `kubectl describe` orders them: by last occurrence, then by first recording.
    // K8S: staging/src/k8s.io/kubectl/pkg/util/event/sorted_event_list.go (SortableEvents)
    pub fn events_for(&self, kind: &str, namespace: &str, name: &str) -> Vec<&Event> {
        let mut found: Vec<usize> = self
            .events_by_object
            .iter()
            .filter(|(r, _)| r.kind == kind && r.namespace == namespace && r.name == name)
            .flat_map(|(_, idx)| idx.iter().copied())
            .collect();
        found.sort_by_key(|&i| (self.events[i].last, i));
        found.into_iter().map(|i| &self.events[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_node_moves_the_later_ones_up() {
        let mut state = ClusterState::new();
        for node in crate::scenario::default_cluster() {
            state.add_node(node);
        }
        state.add_node_image("node01", "docker.io/library/nginx:latest".into(), 1);
        assert_eq!(state.nodes_with_image("docker.io/library/nginx:latest"), 1);
        assert!(state.remove_node("node01").is_some());
        assert!(state.remove_node("node01").is_none());
        assert_eq!(state.node_position("node02"), Some(1));
        assert_eq!(state.node("node02").unwrap().meta.name, "node02");
        assert_eq!(state.nodes_with_image("docker.io/library/nginx:latest"), 0);
    }
}
