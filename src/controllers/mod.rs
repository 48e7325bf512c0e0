//! The controllers of kube-controller-manager that kubesim runs. Like the real ones they only
//! watch the cluster state and answer with API requests (create or delete a pod, create a
//! ReplicaSet) and status writes; they never call the scheduler or the kubelets.
//!
//! The arithmetic each one needs lives in its own plain module, ported with upstream's tables:
//! generated names and template hashes (`names`), rolling updates (`rollout`), which surplus
//! pods go first (`pod_rank`), Job counts and backoff (`job`).

pub mod deployment;
pub mod job_util;
pub mod names;
pub mod pod_rank;
pub mod replicaset;
pub mod rollout;
mod workload;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::engine::{RngStreams, SimTime, StreamRng};
use crate::model::cluster::StoredObject;
use crate::model::{ObjectMeta, Pod, PodSpec};

/// A workload's key in the cluster state: (kind, namespace, name).
pub type Key = (String, String, String);

/// What a controller asks of the API server beyond the status it writes itself.
#[derive(Debug, Clone)]
pub enum Request {
    /// Create a pod a workload owns.
    CreatePod {
        meta: ObjectMeta,
        spec: Arc<PodSpec>,
    },
    /// Delete a pod, gracefully.
    DeletePod { namespace: String, name: String },
    /// Create a workload object (a Deployment's ReplicaSet).
    CreateObject(StoredObject),
}

/// A workload's pods as its controller counts them, kept up to date from every pod change so
/// that a sync never has to walk thousands of pods to know how many are ready.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    /// Not finished and not being deleted (upstream's `FilterActivePods`).
    active: i32,
    /// Active and Ready.
    ready: i32,
}

/// The controllers' shared state: what needs a sync, the pod counts per owner, and the pod
/// templates already converted.
pub struct Controllers {
    rng: StreamRng,
    dirty: BTreeSet<Key>,
    counts: BTreeMap<String, Counts>,
    /// By ReplicaSet uid: the template JSON and the spec converted from it, shared by its pods.
    templates: BTreeMap<String, (serde_json::Value, Arc<PodSpec>)>,
}

/// Upstream's controller names, the `source` of their events.
pub const REPLICASET_CONTROLLER: &str = "replicaset-controller";
/// See [`REPLICASET_CONTROLLER`].
pub const DEPLOYMENT_CONTROLLER: &str = "deployment-controller";

impl Controllers {
    /// Controllers drawing their random names from the `controllers` stream.
    pub fn new(streams: RngStreams) -> Self {
        Controllers {
            rng: streams.stream("controllers"),
            dirty: BTreeSet::new(),
            counts: BTreeMap::new(),
            templates: BTreeMap::new(),
        }
    }

    /// A workload was created or changed (applied, scaled, edited): sync it.
    pub fn observe_object(&mut self, kind: &str, namespace: &str, name: &str) {
        if matches!(kind, "Deployment" | "ReplicaSet") {
            self.dirty
                .insert((kind.to_string(), namespace.to_string(), name.to_string()));
        }
    }

    /// A pod appeared (`before` none), changed or went away (`after` none): its owner's counts
    /// move and the owner gets a sync.
    pub fn observe_pod(&mut self, before: Option<&Pod>, after: Option<&Pod>) {
        let Some(owner) = after.or(before).and_then(|p| p.meta.owner.as_ref()) else {
            return;
        };
        let delta = |pod: Option<&Pod>, sign: i32| {
            let (active, ready) = pod.map_or((false, false), workload::active_and_ready);
            (i32::from(active) * sign, i32::from(ready) * sign)
        };
        let (a0, r0) = delta(before, -1);
        let (a1, r1) = delta(after, 1);
        let counts = self.counts.entry(owner.uid.clone()).or_default();
        counts.active += a0 + a1;
        counts.ready += r0 + r1;
        let namespace = after.or(before).map(|p| p.meta.namespace.clone());
        self.dirty.insert((
            owner.kind.clone(),
            namespace.unwrap_or_default(),
            owner.name.clone(),
        ));
    }

    /// Whether some workload waits for a sync.
    pub fn has_work(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Syncs every workload that changed, Deployments first (they resize their ReplicaSets,
    /// whose own sync then creates or deletes pods), and returns the API requests.
    pub fn sync(&mut self, state: &mut crate::model::ClusterState, now: SimTime) -> Vec<Request> {
        let mut dirty: Vec<Key> = std::mem::take(&mut self.dirty).into_iter().collect();
        dirty.sort_by_key(|(kind, _, _)| kind != "Deployment");
        let mut out = Vec::new();
        for key in dirty {
            match key.0.as_str() {
                "Deployment" => deployment::sync(self, state, &key, now, &mut out),
                "ReplicaSet" => replicaset::sync(self, state, &key, now, &mut out),
                _ => {}
            }
        }
        out
    }

    fn counts(&self, uid: &str) -> Counts {
        self.counts.get(uid).copied().unwrap_or_default()
    }
}
