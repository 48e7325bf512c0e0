//! Simulator-only timeline actions (`simulate:` entries): nodes that fail, come back, join or
//! leave, containers that crash or leak, pod sandboxes that die, static pod manifests that are removed. Each acts on the
//! cluster state and tells the components through their usual entry points; the line returned
//! is what the trace prints for the action (empty when there is nothing to say). The scenario
//! reads the actions and calls these.

use super::{Event, Simulation};
use crate::engine::SimTime;
use crate::kubelet::{Followups, Kubelets};
use crate::manifest::Object;
use crate::model::{ClusterState, PodId};
use crate::trace::{Body, Change, ObjectKey};

impl Simulation {
    /// `node-down`: the kubelet stops; what it had scheduled is held until it comes back.
    pub fn node_down(&mut self, node: &str, now: SimTime) -> String {
        if self.state.node(node).is_none() {
            return not_found(node);
        }
        self.parked.entry(node.to_string()).or_default();
        if let Some(n) = self.state.node_mut(node) {
            n.kubelet_stopped.get_or_insert(now);
        }
        self.controllers.node_down(node, now);
        String::new()
    }

    /// `node-up`: the kubelet picks up where it stopped: what was due meanwhile happens now, and
    /// the pods deleted meanwhile are stopped.
    pub fn node_up(&mut self, node: &str, now: SimTime) -> String {
        let Some(events) = self.parked.remove(node) else {
            return String::new();
        };
        if let Some(n) = self.state.node_mut(node) {
            n.kubelet_stopped = None;
        }
        for request in self.controllers.node_up(&mut self.state, node, now) {
            self.apply_request(request, now);
        }
        for event in events {
            self.push(now, Event::Kubelet(event));
        }
        let deleted: Vec<PodId> = self
            .state
            .pods_on(node)
            .filter(|(_, p)| p.meta.deletion.is_some())
            .map(|(id, _)| id)
            .collect();
        for id in deleted {
            self.kubelet_acts(id, now, |k, state, out| k.pod_deleting(state, id, now, out));
        }
        String::new()
    }

    /// `node-remove`: the Node object is deleted (`kubectl delete node`) and its kubelet is gone
    /// for good. Its pods stay, orphaned, until PodGC deletes them.
    // DEVIATION: the garbage collector does not delete the mirror pods the Node owns: PodGC
    // force-deletes them with the other orphans.
    pub fn node_remove(&mut self, node: &str, now: SimTime) -> String {
        if self.state.remove_node(node).is_none() {
            return not_found(node);
        }
        self.parked.remove(node);
        self.kubelets.forget_node(node);
        let orphans = self.state.pods_on(node).map(|(id, _)| id);
        self.orphaned.extend(orphans);
        self.controllers.node_removed(node, now);
        self.record(now, node_key(node), Body::Change(Change::Deleted));
        self.nodes_changed(now);
        // K8S: kubectl delete's output
        format!("node \"{node}\" deleted")
    }

    /// `node-add`: a new node joins, refused when one of that name exists.
    pub fn node_add(&mut self, node: crate::model::Node, now: SimTime) -> String {
        let name = node.meta.name.clone();
        if self.state.node(&name).is_some() {
            // K8S: the API server's AlreadyExists, as `kubectl create` prints it
            return format!("Error from server (AlreadyExists): nodes \"{name}\" already exists");
        }
        // DEVIATION: the registration events of a new node (kubelet `Starting`,
        // `NodeHasSufficientMemory`..., node-controller `RegisteredNode`) are not recorded.
        match self.request(now, |api| {
            crate::apiserver::admission::join_node(api, node, now)
        }) {
            Ok(()) => format!("node/{name} created"),
            Err(status) => status.kubectl(None),
        }
    }

    /// `crash POD`: a container's process exits with `exit_code`; no container: the pod's first.
    pub fn crash(
        &mut self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        exit_code: i32,
        now: SimTime,
    ) -> String {
        self.on_running_pod(namespace, pod, now, |k, state, id, out| {
            k.crash(state, id, container, exit_code, now, out)
        })
    }

    /// `leak POD`: a container's memory use grows by `per_second` bytes each second.
    pub fn leak(
        &mut self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        per_second: u64,
        now: SimTime,
    ) -> String {
        self.on_running_pod(namespace, pod, now, |k, state, id, out| {
            k.leak(state, id, container, per_second, now, out)
        })
    }

    /// `sandbox-kill POD`: the pod's sandbox dies (its pause process exits).
    pub fn kill_sandbox(&mut self, namespace: &str, pod: &str, now: SimTime) -> String {
        self.on_running_pod(namespace, pod, now, |k, state, id, out| {
            k.kill_sandbox(state, id, now, out)
        })
    }

    /// Runs a fault against a pod whose kubelet is there to see it; the line is the error, if
    /// any.
    fn on_running_pod(
        &mut self,
        namespace: &str,
        pod: &str,
        now: SimTime,
        fault: impl FnOnce(&mut Kubelets, &ClusterState, PodId, &mut Followups) -> Result<(), String>,
    ) -> String {
        let Some(id) = self.state.pod_id(namespace, pod) else {
            // K8S: the API server's NotFound, as kubectl prints it
            return format!("Error from server (NotFound): pods \"{pod}\" not found");
        };
        let node = self.state.pod(id).and_then(|p| p.node_name.clone());
        // DEVIATION: on a downed node (whose runtime is taken to be gone with its kubelet) or a
        // removed one, a fault is refused rather than held until the kubelet is back.
        if let Some(node) =
            node.filter(|n| self.parked.contains_key(n) || self.orphaned.contains(&id))
        {
            return kubelet_down(&node);
        }
        let result = self.kubelet_acts(id, now, |k, state, out| fault(k, state, id, out));
        result.err().unwrap_or_default()
    }

    /// `static-pod-remove NODE NAME`: the manifest leaves the node's static pod directory. The
    /// kubelet stops the pod; its mirror pod is deleted once the containers are gone.
    // K8S: pkg/kubelet/kubelet.go (HandlePodRemoves; HandlePodCleanups deletes orphaned
    // mirror pods), pkg/kubelet/pod/mirror_client.go (DeleteMirrorPod: grace period 0)
    pub fn static_pod_remove(&mut self, node: &str, name: &str, now: SimTime) -> String {
        // DEVIATION: a downed kubelet would notice the removal when it comes back; kubesim
        // refuses the action instead.
        if self.parked.contains_key(node) {
            return kubelet_down(node);
        }
        let position = self.static_pods.iter().position(|(n, manifest)| {
            let Object::Pod(pod) = &manifest.object else {
                return false;
            };
            n == node && pod.metadata.name.as_deref() == Some(name)
        });
        let Some(position) = position else {
            return format!("error: node {node} has no static pod manifest for {name:?}");
        };
        let (_, manifest) = self.static_pods.remove(position);
        let Object::Pod(pod) = &manifest.object else {
            unreachable!("matched a Pod above")
        };
        let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
        let mirror = format!("{name}-{node}");
        let Some(id) = self.state.pod_id(namespace, &mirror) else {
            return String::new();
        };
        self.removed_static.insert(id, false);
        self.kubelet_acts(id, now, |k, state, out| {
            k.static_pod_removed(state, id, now, out)
        });
        String::new()
    }
}

fn node_key(node: &str) -> ObjectKey {
    ObjectKey {
        kind: "Node".into(),
        namespace: String::new(),
        name: node.to_string(),
    }
}

/// The API server's NotFound for a node, as kubectl prints it.
fn not_found(node: &str) -> String {
    format!("Error from server (NotFound): nodes \"{node}\" not found")
}

/// Why a fault cannot reach a pod: nothing runs its node's kubelet.
fn kubelet_down(node: &str) -> String {
    format!("error: the kubelet of node {node} is not running")
}
