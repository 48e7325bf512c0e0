//! The controllers of kube-controller-manager that kubesim runs. Like the real ones they only
//! watch the cluster state and answer with API requests (create or delete a pod, create a
//! ReplicaSet) and status writes; they never call the scheduler or the kubelets.
//!
//! The arithmetic each one needs lives in its own plain module, ported with upstream's tables:
//! generated names and template hashes (`names`), rolling updates (`rollout`), which surplus
//! pods go first (`pod_rank`), Job counts and backoff (`job_util`).

pub mod daemonset;
pub mod deployment;
pub mod endpoints;
pub mod hpa;
pub mod hpa_behavior;
pub mod hpa_metrics;
pub mod indexed_job;
pub mod job;
pub mod job_util;
pub mod load;
pub mod names;
pub mod node_lifecycle;
pub mod pod_rank;
pub mod podgc;
pub mod replicaset;
pub mod rollout;
pub mod taint_eviction;
pub(crate) mod workload;

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
    /// Create a pod a workload owns; the outcome is recorded on the owner (`kind`, named in
    /// `meta.owner`) as `SuccessfulCreate` or `FailedCreate` from `source`.
    CreatePod {
        meta: ObjectMeta,
        spec: Arc<PodSpec>,
        kind: &'static str,
        source: &'static str,
    },
    /// Delete a pod, gracefully.
    DeletePod { namespace: String, name: String },
    /// Delete a pod at once (grace period 0), as PodGC does.
    ForceDeletePod { namespace: String, name: String },
    /// Create a workload object (a Deployment's ReplicaSet).
    CreateObject(StoredObject),
    /// Node taints or conditions changed: the scheduler must look again.
    NodesChanged,
}

/// A workload's pods as its controller counts them, kept up to date from every pod change so
/// that a sync never has to walk thousands of pods to know how many are ready.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    /// Not finished and not being deleted (upstream's `FilterActivePods`).
    active: i32,
    /// Active and Ready.
    ready: i32,
    /// Phase Succeeded, Failed (what a Job counts).
    succeeded: i32,
    failed: i32,
}

impl Counts {
    /// One pod's contribution, negated with `sign` -1.
    fn of(pod: &Pod, sign: i32) -> Counts {
        let (active, ready) = workload::active_and_ready(pod);
        let phase = |p| i32::from(pod.status.phase == p) * sign;
        Counts {
            active: i32::from(active) * sign,
            ready: i32::from(ready) * sign,
            succeeded: phase(crate::model::PodPhase::Succeeded),
            failed: phase(crate::model::PodPhase::Failed),
        }
    }

    fn add(&mut self, other: Counts) {
        self.active += other.active;
        self.ready += other.ready;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
    }
}

/// The controllers' shared state: what needs a sync, the pod counts per owner, and the pod
/// templates already converted.
pub struct Controllers {
    rng: StreamRng,
    dirty: BTreeSet<Key>,
    counts: BTreeMap<String, Counts>,
    /// By ReplicaSet uid: the template JSON and the spec converted from it, shared by its pods.
    templates: BTreeMap<String, (serde_json::Value, Arc<PodSpec>)>,
    /// Workloads to sync again at an instant (a Job's backoff or deadline).
    timers: BTreeSet<(SimTime, Key)>,
    /// The Services, their selectors and pods, for the endpoints controllers.
    services: endpoints::Services,
    /// Names for EndpointSlices.
    slice_rng: StreamRng,
    /// Nodes whose kubelet stopped reporting.
    nodes: node_lifecycle::NodeLifecycle,
    /// NoExecute taints and the evictions they scheduled.
    taint_eviction: taint_eviction::TaintEviction,
    /// By Job uid: when it started, to the millisecond (its `status.startTime` has seconds).
    job_starts: BTreeMap<String, SimTime>,
    /// The workloads synced by the last [`Controllers::sync`], for [`Controllers::sync_outcome`].
    synced: Vec<Key>,
    /// Failed syncs in a row per workload, for the rate-limited requeue.
    failures: BTreeMap<Key, u32>,
    /// The pod names asked for in the current sync, so a generated name is unique among them
    /// without scanning the requests (a sync can ask for thousands).
    asked: BTreeSet<String>,
    /// The scenario's load profiles, the HPA controller's metrics source.
    load: Vec<load::LoadProfile>,
    /// Per HPA: its recent recommendations and rescales.
    hpa_history: BTreeMap<Key, hpa_behavior::History>,
}

/// A failed sync is retried after 5 ms, doubling per failure in a row up to 1000 s.
// K8S: staging/src/k8s.io/client-go/util/workqueue/default_rate_limiters.go
// (DefaultTypedControllerRateLimiter: ItemExponentialFailureRateLimiter(5ms, 1000s))
pub fn requeue_delay(failures: u32) -> crate::engine::SimDuration {
    let millis = 5u64.saturating_mul(1u64 << failures.min(30));
    crate::engine::SimDuration::from_millis(millis.min(1_000_000))
}

/// Pods are created in batches of 1, 2, 4... of one sync; after a batch with a refused pod the
/// rest of that sync's pods are not attempted.
// K8S: pkg/controller/replicaset/replica_set.go (slowStartBatch, SlowStartInitialBatchSize)
#[derive(Debug, Default)]
pub struct SlowStart {
    /// By owner uid: pods attempted, and whether one was refused.
    owners: BTreeMap<String, (u32, bool)>,
}

impl SlowStart {
    /// Whether the next pod of this owner is attempted (false once a batch has failed).
    pub fn attempt(&mut self, owner_uid: &str) -> bool {
        let (attempted, failed) = self.owners.entry(owner_uid.to_string()).or_default();
        // A new batch starts after 1, 3, 7, 15... attempts.
        if *failed && (*attempted + 1).is_power_of_two() {
            return false;
        }
        *attempted += 1;
        true
    }

    /// Notes a refused pod of this owner.
    pub fn refused(&mut self, owner_uid: &str) {
        self.owners.entry(owner_uid.to_string()).or_default().1 = true;
    }
}

/// Upstream's controller names, the `source` of their events.
pub const REPLICASET_CONTROLLER: &str = "replicaset-controller";
/// See [`REPLICASET_CONTROLLER`].
pub const DEPLOYMENT_CONTROLLER: &str = "deployment-controller";
/// See [`REPLICASET_CONTROLLER`].
pub const JOB_CONTROLLER: &str = "job-controller";

impl Controllers {
    /// Controllers drawing their random names from the `controllers` stream.
    pub fn new(streams: RngStreams) -> Self {
        Controllers {
            rng: streams.stream("controllers"),
            dirty: BTreeSet::new(),
            counts: BTreeMap::new(),
            templates: BTreeMap::new(),
            timers: BTreeSet::new(),
            job_starts: BTreeMap::new(),
            nodes: Default::default(),
            taint_eviction: Default::default(),
            services: Default::default(),
            slice_rng: endpoints::slice_names(streams),
            synced: Vec::new(),
            failures: BTreeMap::new(),
            asked: BTreeSet::new(),
            load: Vec::new(),
            hpa_history: BTreeMap::new(),
        }
    }

    /// After the requests of a sync were carried out: the workloads some of whose pods were
    /// refused (with the first refusal's message) are synced again after their rate-limited
    /// delay; the others start afresh.
    // K8S: pkg/controller/replicaset/replica_set.go (processNextWorkItem: AddRateLimited on
    // error, Forget on success)
    pub fn sync_outcome(
        &mut self,
        state: &mut crate::model::ClusterState,
        failed: &BTreeMap<Key, String>,
        now: SimTime,
    ) {
        for key in std::mem::take(&mut self.synced) {
            if key.0 == "ReplicaSet" {
                let error = failed.get(&key).map(String::as_str);
                replicaset::note_failure(self, state, &key, error, now);
            }
            if failed.contains_key(&key) {
                // Only the rate-limited delay brings it back: a sync that asked for more pods
                // than one burst marked itself to run again at once, which would retry a
                // refused creation forever at the same instant.
                self.dirty.remove(&key);
                let n = self.failures.entry(key.clone()).or_default();
                let due = now + requeue_delay(*n);
                *n += 1;
                // A key already waiting keeps the earlier of its two instants.
                if !self.timers.iter().any(|(at, k)| *k == key && *at <= due) {
                    self.timers.insert((due, key));
                }
            } else {
                self.failures.remove(&key);
            }
        }
    }

    /// A workload was created or changed (applied, scaled, edited): sync it.
    pub fn observe_object(&mut self, kind: &str, namespace: &str, name: &str) {
        if kind == "Service" {
            let key = (kind.to_string(), namespace.to_string(), name.to_string());
            self.services.observe(&key);
        }
        if matches!(
            kind,
            "Deployment"
                | "ReplicaSet"
                | "Job"
                | "DaemonSet"
                | "Service"
                | "HorizontalPodAutoscaler"
        ) {
            self.dirty
                .insert((kind.to_string(), namespace.to_string(), name.to_string()));
        }
    }

    /// The nodes the cluster starts with, before any pod exists.
    pub fn know_nodes(&mut self, state: &crate::model::ClusterState) {
        self.taint_eviction.know_nodes(state);
    }

    /// Nodes were added, changed (labels, taints, cordon) or removed: every DaemonSet looks
    /// again, and the taint-eviction controller at the nodes whose NoExecute taints changed.
    pub fn observe_nodes(&mut self, state: &crate::model::ClusterState) {
        self.taint_eviction.observe_nodes(state);
        let daemonsets = state
            .objects
            .keys()
            .filter(|(kind, _, _)| kind == "DaemonSet");
        self.dirty.extend(daemonsets.cloned());
    }

    /// A pod appeared (`before` none), changed or went away (`after` none): its owner's counts
    /// move and the owner gets a sync.
    pub fn observe_pod(&mut self, before: Option<&Pod>, after: Option<&Pod>) {
        self.taint_eviction.observe_pod(before, after);
        // The Services that select the pod, or did, list it (or stop listing it).
        self.dirty.extend(self.services.observe_pod(before, after));
        let Some(owner) = after.or(before).and_then(|p| p.meta.owner.as_ref()) else {
            return;
        };
        let counts = self.counts.entry(owner.uid.clone()).or_default();
        if let Some(pod) = before {
            counts.add(Counts::of(pod, -1));
        }
        if let Some(pod) = after {
            counts.add(Counts::of(pod, 1));
        }
        let namespace = after.or(before).map(|p| p.meta.namespace.clone());
        self.dirty.insert((
            owner.kind.clone(),
            namespace.unwrap_or_default(),
            owner.name.clone(),
        ));
    }

    /// The earliest instant a workload asked to be synced again or a taint eviction is due.
    pub fn next_timer(&self) -> Option<SimTime> {
        let workloads = self.timers.first().map(|(at, _)| *at);
        match (workloads, self.taint_eviction.next_timer()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Marks the workloads whose timers are due for a sync, and takes the due taint evictions.
    pub fn fire_timers(&mut self, now: SimTime) {
        self.taint_eviction.fire_timers(now);
        while let Some((at, key)) = self.timers.first().cloned() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.dirty.insert(key);
        }
    }

    /// Whether some workload or the taint-eviction controller waits for a sync.
    pub fn has_work(&self) -> bool {
        !self.dirty.is_empty() || self.taint_eviction.has_work()
    }

    /// Runs the taint-eviction controller, then syncs every workload that changed,
    /// Deployments first (they resize their ReplicaSets, whose own sync then creates or
    /// deletes pods), and returns the API requests.
    // DEVIATION: a DaemonSet pod on a node just given a NoExecute taint it does not tolerate
    // is deleted by both controllers off the same node update (both events are recorded), as
    // when upstream's DaemonSet controller acts before its cache has seen the eviction.
    pub fn sync(&mut self, state: &mut crate::model::ClusterState, now: SimTime) -> Vec<Request> {
        let mut out = Vec::new();
        self.taint_eviction.sync(state, now, &mut out);
        let mut dirty: Vec<Key> = std::mem::take(&mut self.dirty).into_iter().collect();
        dirty.sort_by_key(|(kind, _, _)| kind != "Deployment");
        self.asked.clear();
        self.synced.extend(dirty.iter().cloned());
        for key in dirty {
            match key.0.as_str() {
                "Deployment" => deployment::sync(self, state, &key, now, &mut out),
                "ReplicaSet" => replicaset::sync(self, state, &key, now, &mut out),
                "Job" => job::sync(self, state, &key, now, &mut out),
                "DaemonSet" => daemonset::sync(self, state, &key, now, &mut out),
                "Node" => self.sync_node(state, &key.2, now, &mut out),
                "PodGC" => self.collect_orphans(state, &key.2, now, &mut out),
                "Service" => endpoints::sync(self, state, &key, now),
                "HorizontalPodAutoscaler" => hpa::sync(self, state, &key, now),
                _ => {}
            }
        }
        out
    }

    /// Asks for a pod of `owner` named `<prefix><5 random characters>` (unique among the pods
    /// and those asked for in this sync; the prefix is `<owner>-` unless given); the API
    /// server's answer becomes the owner's `SuccessfulCreate` or `FailedCreate` event, as every
    /// workload controller records it.
    // K8S: pkg/controller/controller_utils.go (CreatePods: generateName)
    #[allow(clippy::too_many_arguments)]
    fn create_pod(
        &mut self,
        state: &mut crate::model::ClusterState,
        (kind, owner, prefix): (&'static str, &StoredObject, Option<String>),
        (labels, annotations): (BTreeMap<String, String>, BTreeMap<String, String>),
        spec: Arc<PodSpec>,
        source: &'static str,
        out: &mut Vec<Request>,
    ) {
        let prefix = prefix.unwrap_or_else(|| names::pods_generate_name_prefix(&owner.name));
        let name = loop {
            let candidate = names::generate_name(&prefix, &mut self.rng);
            if state.pod_id(&owner.namespace, &candidate).is_none()
                && !self.asked.contains(&candidate)
            {
                break candidate;
            }
        };
        self.asked.insert(name.clone());
        out.push(Request::CreatePod {
            meta: ObjectMeta {
                name,
                namespace: owner.namespace.clone(),
                labels,
                annotations,
                owner: Some(workload::owner_reference(owner)),
                ..Default::default()
            },
            spec,
            kind,
            source,
        });
    }

    /// Asks for the deletion of pods of the workload `key` (a `kind`), recording
    /// `SuccessfulDelete` on it for each, as every workload controller does.
    // K8S: pkg/controller/controller_utils.go (RealPodControl.DeletePod: "Deleted pod: %v")
    fn delete_pods(
        state: &mut crate::model::ClusterState,
        (kind, key): (&'static str, &Key),
        names: Vec<String>,
        source: &'static str,
        now: SimTime,
        out: &mut Vec<Request>,
    ) {
        for name in names {
            state.record_event(crate::model::Event::new(
                crate::model::ObjectRef::new(kind, &key.1, &key.2),
                crate::model::EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {name}"),
                source,
                now,
            ));
            out.push(Request::DeletePod {
                namespace: key.1.clone(),
                name,
            });
        }
    }

    fn counts(&self, uid: &str) -> Counts {
        self.counts.get(uid).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_stops_after_the_batch_that_failed() {
        // Batches of 1, 2, 4: the second pod of the second batch fails, so the rest of that
        // batch is still attempted but the third batch is not.
        let mut s = SlowStart::default();
        let mut attempted = 0;
        for i in 0..7 {
            if s.attempt("rs") {
                attempted += 1;
                if i == 2 {
                    s.refused("rs");
                }
            }
        }
        assert_eq!(attempted, 3);
        // Another owner is not held back.
        assert!(s.attempt("other"));
    }

    #[test]
    fn requeue_doubles_from_5ms_to_1000s() {
        let ms = |n| requeue_delay(n).as_millis();
        assert_eq!([ms(0), ms(1), ms(2), ms(10)], [5, 10, 20, 5120]);
        assert_eq!(ms(18), 1_000_000);
        assert_eq!(ms(40), 1_000_000);
    }

    #[test]
    fn a_failed_sync_waits_its_delay_and_a_good_one_forgets() {
        let mut c = Controllers::new(RngStreams::new(1));
        let mut state = crate::model::ClusterState::new();
        let key: Key = ("ReplicaSet".into(), "default".into(), "web".into());
        let now = SimTime::ZERO;
        for _ in 0..2 {
            c.synced.push(key.clone());
            let failed = BTreeMap::from([(key.clone(), "refused".to_string())]);
            c.sync_outcome(&mut state, &failed, now);
        }
        // The second failure's 10 ms does not replace the 5 ms already waiting.
        assert_eq!(c.next_timer().map(|t| t.as_millis()), Some(5));
        assert_eq!(c.failures[&key], 2);
        c.synced.push(key.clone());
        c.sync_outcome(&mut state, &BTreeMap::new(), now);
        assert!(!c.failures.contains_key(&key));
    }
}
