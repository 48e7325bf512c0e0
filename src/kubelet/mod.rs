//! The kubelet: for each pod bound to its node, a pod worker that creates the sandbox, pulls
//! images, runs init containers one at a time and then the app containers, probes them,
//! restarts them under the pod's restartPolicy with CrashLoopBackOff, OOM-kills those that go
//! over their memory limit, and stops them when the pod is deleted. It keeps the pod's status
//! (phase, conditions, container states) as upstream's kubelet reports it.
//!
//! What a container *does* comes from `behaviour` (an image catalogue and a shell
//! interpreter), run by the simulated runtime in `runtime`.

mod backoff;
pub mod behaviour;
mod eviction;
mod faults;
pub mod images;
mod inspect;
mod lifecycle;
mod prober;
pub mod registry;
pub(crate) mod runtime;
mod sandbox;
mod status;
mod sync;

use std::collections::BTreeMap;

use crate::engine::{RngStreams, SimDuration, SimTime, StreamRng};
use crate::model::node::Latency;
use crate::model::{ClusterState, Event, EventType, ObjectRef, Pod, PodId};
use backoff::Backoff;
pub use inspect::{slot_of, ExecEnded, ExecRun, EXEC_LIMIT};
pub use lifecycle::service_named_by;
use prober::{ProbeKind, Worker};
use runtime::{Container, Runtime, SimRuntime};

/// The kubelet's name in events (`From: kubelet`).
pub const COMPONENT: &str = "kubelet";

/// How a container's note begins when the interpreter cannot tell what its command does (the
/// rest says why): it then runs until stopped, and `kubesim validate` refuses the scenario.
pub const UNKNOWN_BEHAVIOUR: &str = "behaviour unknown, running until stopped: ";

/// How often the kubelet's PLEG relists containers: an exit is noticed at the next relist.
// K8S: pkg/kubelet/kubelet.go (genericPlegRelistPeriod = 1s)
pub(crate) const PLEG_RELIST: SimDuration = SimDuration::from_secs(1);

/// How often the kubelet's housekeeping runs (cleaning up after removed pods).
// K8S: pkg/kubelet/kubelet.go (housekeepingPeriod = 2s)
const HOUSEKEEPING_PERIOD: SimDuration = SimDuration::from_secs(2);

/// The kubelet's first housekeeping pass after `now`.
pub fn next_housekeeping(now: SimTime) -> SimTime {
    lifecycle::next_tick(now, HOUSEKEEPING_PERIOD)
}

/// How soon the pod worker retries a sync that failed (image pull errors).
// K8S: pkg/kubelet/kubelet.go (backOffPeriod = 10s)
// DEVIATION: upstream adds 0-50% jitter to the retry; kubesim retries after exactly 10 s.
const SYNC_ERROR_RETRY: SimDuration = SimDuration::from_secs(10);

/// Which container of a pod: an init container or an app container, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub init: bool,
    pub index: usize,
}

/// Things that happen to a pod worker later. `instance` numbers a container's successive runs,
/// so that an event meant for a container that has since been replaced is ignored.
#[derive(Debug, Clone, PartialEq)]
pub enum KubeletEvent {
    /// The pod sandbox is up; the pod has its IP.
    SandboxReady(PodId),
    /// The PLEG relist sees the pod's sandbox not ready (its pause process died).
    SandboxChanged(PodId),
    /// The pod worker syncs the pod: starts or restarts what should run. `due` is the instant
    /// it was queued for: in real mode it is handled a little later, at the measured instant.
    Sync { pod: PodId, due: SimTime },
    /// An image pull finished after `pulling` (`waited` includes the queue for the puller).
    ImagePulled {
        pod: PodId,
        slot: Slot,
        pulling: SimDuration,
        waited: SimDuration,
    },
    /// An image pull failed with containerd's `error` (the image does not exist, or cannot be
    /// pulled without credentials).
    ImagePullFailed {
        pod: PodId,
        slot: Slot,
        error: String,
    },
    /// A container's process is running.
    ContainerStarted {
        pod: PodId,
        slot: Slot,
        instance: u64,
    },
    /// A container's process reaches its next step.
    ProcessWake {
        pod: PodId,
        slot: Slot,
        instance: u64,
    },
    /// A container's memory crosses its limit: the kernel OOM-kills it.
    OomKill {
        pod: PodId,
        slot: Slot,
        instance: u64,
    },
    /// A container's postStart hook finished (`ok` unless it failed).
    PostStartDone {
        pod: PodId,
        slot: Slot,
        instance: u64,
        ok: bool,
    },
    /// The preStop hook is done: SIGTERM, with `grace` left before SIGKILL.
    SigTerm {
        pod: PodId,
        slot: Slot,
        instance: u64,
        grace: SimDuration,
    },
    /// The grace period of a stop is over: SIGKILL.
    SigKill {
        pod: PodId,
        slot: Slot,
        instance: u64,
    },
    /// The PLEG relist notices that a container has exited.
    ExitNoticed {
        pod: PodId,
        slot: Slot,
        instance: u64,
    },
    /// A probe worker's ticker fires.
    ProbeTick {
        pod: PodId,
        slot: Slot,
        kind: ProbeKind,
    },
    /// The node's eviction manager checks memory.
    EvictionCheck(String),
}

impl KubeletEvent {
    /// The pod the event is about, if it is about one.
    pub fn pod(&self) -> Option<PodId> {
        Some(match self {
            KubeletEvent::EvictionCheck(_) => return None,
            KubeletEvent::SandboxReady(pod)
            | KubeletEvent::SandboxChanged(pod)
            | KubeletEvent::Sync { pod, .. } => *pod,
            KubeletEvent::ImagePulled { pod, .. }
            | KubeletEvent::ImagePullFailed { pod, .. }
            | KubeletEvent::ContainerStarted { pod, .. }
            | KubeletEvent::ProcessWake { pod, .. }
            | KubeletEvent::OomKill { pod, .. }
            | KubeletEvent::PostStartDone { pod, .. }
            | KubeletEvent::SigTerm { pod, .. }
            | KubeletEvent::SigKill { pod, .. }
            | KubeletEvent::ExitNoticed { pod, .. }
            | KubeletEvent::ProbeTick { pod, .. } => *pod,
        })
    }
}

/// A behaviour a scenario states for the containers it selects (by image repository, pod
/// name, container name; all given must match).
#[derive(Debug, Clone, PartialEq)]
pub struct StatedBehaviour {
    pub image: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    pub script: behaviour::Script,
}

impl StatedBehaviour {
    fn selects(&self, pod: &Pod, c: &crate::model::Container) -> bool {
        self.image
            .as_deref()
            .is_none_or(|i| images::repository(i) == images::repository(&c.image))
            && self.pod.as_deref().is_none_or(|p| p == pod.meta.name)
            && self.container.as_deref().is_none_or(|n| n == c.name)
    }
}

/// How a container's process ended, as the runtime reports it.
#[derive(Debug, Clone)]
struct Exit {
    code: i32,
    reason: &'static str,
    started: SimTime,
    finished: SimTime,
}

/// The runtime side of one container slot.
#[derive(Default)]
struct SlotRun {
    /// How many instances were created; the current one is this number.
    instance: u64,
    /// The live process, from start until exit.
    live: Option<Box<dyn Container>>,
    /// When the live process started.
    started: Option<SimTime>,
    /// A stop was requested (SIGTERM sent).
    stopping: bool,
    /// The stop was asked for to start the container again at once (a failed liveness or
    /// startup probe, a changed definition): upstream's SyncPod waits for the kill and then
    /// starts the replacement in the same pass.
    restart_after_stop: bool,
    /// The exit of a run killed to be replaced, not yet in the pod status: the status the
    /// kubelet wrote before the kill stands until the replacement runs (or cannot start).
    replaced: Option<Exit>,
    /// The trace already says this run's behaviour is unknown.
    noted: bool,
    /// An exit the PLEG has not noticed yet.
    exit: Option<Exit>,
    /// The last runs that exited, oldest first, with their instance numbers: what
    /// `kubectl logs` (and `--previous`) read once the process is gone.
    ended: Vec<(u64, Box<dyn Container>)>,
}

/// The kubelet's state for one pod.
struct PodWorker {
    slots: BTreeMap<Slot, SlotRun>,
    probes: BTreeMap<(Slot, ProbeKind), Worker>,
    /// A pull, create or start in progress: the worker does one at a time, as upstream's
    /// SyncPod starts containers one after the other.
    busy: bool,
    /// When the next sync is queued.
    sync_at: Option<SimTime>,
    /// The node the pod runs on.
    node: String,
    /// The IP of a sandbox made by a sync whose status is not written yet.
    unreported_sandbox: Option<String>,
    /// The pod's static manifest was removed: it is stopped for good (with no deletion on the
    /// API object, the mirror pod).
    removed: bool,
    /// How far the kubelet is with a sandbox that is no longer ready; `None` while it is.
    sandbox_lost: Option<sandbox::SandboxLost>,
    /// The containers a recreated sandbox starts whatever their state (its
    /// InitContainersToStart and ContainersToStart), until each is created.
    to_start: std::collections::BTreeSet<Slot>,
}

/// Per-node runtime state.
struct NodeRuntime {
    /// The node's own stream for latency draws (`kubelet/<node>`), so that one node's draws
    /// never shift another's.
    rng: StreamRng,
    /// Last host number handed out in the node's pod CIDR.
    last_ip: u32,
    /// Pulls are serialized per node by default: when the puller is free again.
    // K8S: pkg/kubelet/images/puller.go (serialImagePuller, serializeImagePulls default true)
    puller_free_at: SimTime,
    /// Whether the eviction monitor is ticking.
    monitoring: bool,
    /// When memory was last found under the eviction threshold.
    pressure_seen: Option<SimTime>,
    /// The pods this kubelet has workers for.
    pods: std::collections::BTreeSet<PodId>,
}

/// All kubelets of the cluster (one per node, sharing the runtime).
pub struct Kubelets {
    streams: RngStreams,
    behaviours: Vec<StatedBehaviour>,
    runtime: Box<dyn Runtime>,
    nodes: BTreeMap<String, NodeRuntime>,
    workers: BTreeMap<PodId, PodWorker>,
    crash_backoff: Backoff,
    image_backoff: Backoff,
    /// The images the scenario declares (`spec.images`).
    declared_images: Vec<registry::DeclaredImage>,
    /// Images pulled on the assumption that they exist (neither catalogued nor declared).
    assumed_images: std::collections::BTreeSet<String>,
}

/// Follow-up events a handler asks for, at absolute instants.
pub type Followups = Vec<(SimTime, KubeletEvent)>;

impl Kubelets {
    /// Kubelets running simulated containers, drawing latencies from `streams`; containers
    /// selected by one of `behaviours` do what it states (the first that selects them), and
    /// registries serve the `declared_images` as the scenario says.
    pub fn new(
        streams: RngStreams,
        behaviours: Vec<StatedBehaviour>,
        declared_images: Vec<registry::DeclaredImage>,
    ) -> Self {
        Kubelets {
            streams,
            behaviours,
            runtime: Box::new(SimRuntime),
            nodes: BTreeMap::new(),
            workers: BTreeMap::new(),
            crash_backoff: Backoff::new(),
            image_backoff: Backoff::new(),
            declared_images,
            assumed_images: Default::default(),
        }
    }

    /// The images pulled so far on the assumption that they exist, as pods name them.
    pub fn assumed_images(&self) -> &std::collections::BTreeSet<String> {
        &self.assumed_images
    }

    /// Runs containers with `runtime` instead of simulating them (real-execution mode); call
    /// before any container starts.
    pub fn use_runtime(&mut self, runtime: Box<dyn Runtime>) {
        self.runtime = runtime;
    }

    /// A pod was bound to a node: its kubelet admits it, starts its probe workers and creates
    /// the sandbox.
    // K8S: pkg/kubelet/kubelet.go (SyncPod: status first, then sandbox); prober_manager.go (AddPod)
    pub fn pod_bound(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(node_name) = state.pod(id).and_then(|p| p.node_name.clone()) else {
            return;
        };
        let host_ip = state.node(&node_name).map(|n| n.internal_ip.clone());
        let pod = state.pod_mut(id).expect("checked above");
        status::admit(pod, now);
        pod.status.host_ip = host_ip;
        let mut worker = PodWorker {
            slots: BTreeMap::new(),
            probes: BTreeMap::new(),
            busy: true,
            sync_at: None,
            node: node_name.clone(),
            unreported_sandbox: None,
            removed: false,
            sandbox_lost: None,
            to_start: Default::default(),
        };
        // DEVIATION: upstream delays a new worker's first probe by a random fraction of the
        // period only while the kubelet itself has just started; kubesim's kubelets are taken
        // to have been running for long, so workers tick from the pod's admission.
        // K8S: probes run on app containers and sidecars, never on regular init containers.
        let sidecars = pod.spec.init_containers.iter().enumerate();
        let sidecars = sidecars
            .filter(|(_, c)| c.restart_policy_always)
            .map(|(index, c)| (Slot { init: true, index }, c));
        let apps = pod.spec.containers.iter().enumerate();
        let apps = apps.map(|(index, c)| (Slot { init: false, index }, c));
        for (slot, c) in sidecars.chain(apps) {
            let probes = [
                (ProbeKind::Startup, &c.startup_probe),
                (ProbeKind::Liveness, &c.liveness_probe),
                (ProbeKind::Readiness, &c.readiness_probe),
            ];
            for (kind, probe) in probes {
                if let Some(probe) = probe {
                    worker
                        .probes
                        .insert((slot, kind), Worker::new(kind, probe.clone()));
                    out.push((
                        now,
                        KubeletEvent::ProbeTick {
                            pod: id,
                            slot,
                            kind,
                        },
                    ));
                }
            }
        }
        self.workers.insert(id, worker);
        self.node_runtime(&node_name).pods.insert(id);
        self.watch_node_memory(&node_name, now, out);
        let latency = state.node(&node_name).map(|n| n.timings.sandbox);
        let ready = now + self.draw(&node_name, latency);
        out.push((ready, KubeletEvent::SandboxReady(id)));
    }

    /// Handles one of the kubelet's own events.
    pub fn handle(
        &mut self,
        state: &mut ClusterState,
        event: KubeletEvent,
        now: SimTime,
        out: &mut Followups,
    ) {
        if let Some(id) = event.pod() {
            if state.pod(id).is_none() {
                if let Some(worker) = self.workers.remove(&id) {
                    self.node_runtime(&worker.node).pods.remove(&id);
                }
                return;
            }
        }
        match event {
            KubeletEvent::EvictionCheck(node) => self.eviction_check(state, &node, now, out),
            KubeletEvent::SandboxReady(id) => self.sandbox_ready(state, id, now, out),
            KubeletEvent::SandboxChanged(id) => self.sandbox_changed(state, id, now, out),
            KubeletEvent::Sync { pod: id, due } => {
                let Some(worker) = self.workers.get_mut(&id) else {
                    return;
                };
                if worker.sync_at != Some(due) {
                    return; // superseded by an earlier sync
                }
                worker.sync_at = None;
                self.sync(state, id, now, out);
            }
            KubeletEvent::ImagePulled {
                pod,
                slot,
                pulling,
                waited,
            } => self.image_pulled(state, pod, slot, pulling, waited, now, out),
            KubeletEvent::ImagePullFailed { pod, slot, error } => {
                self.image_pull_failed(state, pod, slot, error, now, out)
            }
            KubeletEvent::ContainerStarted {
                pod,
                slot,
                instance,
            } => self.container_started(state, pod, slot, instance, now, out),
            KubeletEvent::ProcessWake {
                pod,
                slot,
                instance,
            } => {
                if self.is_live(pod, slot, instance) {
                    self.advance(state, pod, slot, now, out);
                }
            }
            KubeletEvent::OomKill {
                pod,
                slot,
                instance,
            } => {
                if self.is_live(pod, slot, instance) {
                    self.process_exited(pod, slot, 137, "OOMKilled", now, out);
                }
            }
            KubeletEvent::PostStartDone {
                pod,
                slot,
                instance,
                ok,
            } => {
                if self.is_live(pod, slot, instance) {
                    self.post_start_done(state, pod, slot, ok, now, out);
                } else if let Some(worker) = self.workers.get_mut(&pod) {
                    worker.busy = false;
                    self.sync(state, pod, now, out);
                }
            }
            KubeletEvent::SigTerm {
                pod,
                slot,
                instance,
                grace,
            } => {
                if self.is_live(pod, slot, instance) {
                    self.terminate(pod, slot, grace, now, out);
                }
            }
            KubeletEvent::SigKill {
                pod,
                slot,
                instance,
            } => {
                if self.is_live(pod, slot, instance) {
                    self.sigkill(pod, slot, now, out);
                }
            }
            KubeletEvent::ExitNoticed {
                pod,
                slot,
                instance,
            } => self.exit_noticed(state, pod, slot, instance, now, out),
            KubeletEvent::ProbeTick { pod, slot, kind } => {
                self.probe_tick(state, pod, slot, kind, now, out)
            }
        }
    }

    fn sandbox_ready(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        if self.stopping(pod, id) {
            return;
        }
        let node_name = pod.node_name.clone().unwrap_or_default();
        let host_network = pod.spec.api.host_network == Some(true);
        let node = state.node(&node_name);
        let ip = if host_network {
            // K8S: pkg/kubelet/kubelet_pods.go (generateAPIPodStatus: a host-network pod's
            // IPs are the node's)
            node.map(|n| n.internal_ip.clone()).unwrap_or_default()
        } else {
            let cidr = node.map(|n| n.pod_cidr.clone()).unwrap_or_default();
            let runtime = self.node_runtime(&node_name);
            runtime.last_ip += 1;
            pod_ip(&cidr, runtime.last_ip + 1)
        };
        if let Some(worker) = self.workers.get_mut(&id) {
            worker.busy = false;
            worker.unreported_sandbox = Some(ip);
            worker.sandbox_lost = None;
        }
        self.sync(state, id, now, out);
    }

    /// Writes the status the sync that made the sandbox ends with: its IP and
    /// `PodReadyToStartContainers=True`. Until then the API shows the status computed before
    /// that sync, however long its image pulls take.
    // K8S: pkg/kubelet/kubelet.go (SyncPod: generateAPIPodStatus and SetPodStatus run before
    // containerRuntime.SyncPod, which creates the sandbox and pulls and starts containers; the
    // next sync's status, from the PLEG's relist, shows the sandbox)
    fn report_sandbox(&mut self, state: &mut ClusterState, id: PodId, now: SimTime) {
        let ip = self
            .workers
            .get_mut(&id)
            .and_then(|w| w.unreported_sandbox.take());
        if let (Some(ip), Some(pod)) = (ip, state.pod_mut(id)) {
            status::sandbox_reported(pod, ip, now);
        }
    }

    /// The runtime state of a node's kubelet.
    fn node_runtime(&mut self, node: &str) -> &mut NodeRuntime {
        let streams = self.streams;
        self.nodes
            .entry(node.to_string())
            .or_insert_with(|| NodeRuntime {
                rng: streams.stream(&format!("kubelet/{node}")),
                last_ip: 0,
                puller_free_at: SimTime::ZERO,
                monitoring: false,
                pressure_seen: None,
                pods: Default::default(),
            })
    }

    /// One draw of a node's latency (zero for a node that has gone).
    fn draw(&mut self, node: &str, latency: Option<Latency>) -> SimDuration {
        let Some(latency) = latency else {
            return SimDuration::ZERO;
        };
        latency.sample(&mut self.node_runtime(node).rng)
    }

    /// Queues a sync of the pod at `at`, unless one is queued no later.
    fn sync_later(&mut self, id: PodId, at: SimTime, out: &mut Followups) {
        let Some(worker) = self.workers.get_mut(&id) else {
            return;
        };
        if worker.sync_at.is_some_and(|queued| queued <= at) {
            return;
        }
        worker.sync_at = Some(at);
        out.push((at, KubeletEvent::Sync { pod: id, due: at }));
    }

    /// Whether the pod is on its way out (deleted, or its static manifest removed): nothing is
    /// started or restarted any more.
    fn stopping(&self, pod: &Pod, id: PodId) -> bool {
        pod.meta.deletion.is_some() || self.workers.get(&id).is_some_and(|w| w.removed)
    }

    /// The node left the cluster: its kubelet's own state goes (a node that joins later under
    /// the same name starts afresh).
    pub fn forget_node(&mut self, node: &str) {
        self.nodes.remove(node);
    }

    fn is_live(&self, id: PodId, slot: Slot, instance: u64) -> bool {
        self.run(id, slot)
            .is_some_and(|r| r.instance == instance && r.live.is_some())
    }

    fn run(&self, id: PodId, slot: Slot) -> Option<&SlotRun> {
        self.workers.get(&id)?.slots.get(&slot)
    }

    fn run_mut(&mut self, id: PodId, slot: Slot) -> &mut SlotRun {
        self.workers
            .get_mut(&id)
            .expect("a pod with events has a worker")
            .slots
            .entry(slot)
            .or_default()
    }

    /// The pod's spec changed (a new image): containers running another image are restarted,
    /// and those waiting for their image try the new one.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: a changed
    // container hash kills the container, "definition changed")
    pub fn pod_updated(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        let grace = lifecycle::grace_period(pod.spec.termination_grace_period_seconds);
        let changed: Vec<(Slot, String)> = status::running_containers(pod)
            .into_iter()
            .filter(|(slot, _)| {
                status::container_status(pod, *slot).image != container(pod, *slot).image
            })
            .collect();
        for (slot, name) in changed {
            let message = format!("Container {name} definition changed, will be restarted");
            self.kill_to_restart(state, id, slot, message, grace, now, out);
        }
        self.sync_later(id, now, out);
    }

    /// The pod is being deleted: stop every running container with the deletion's grace
    /// period.
    // K8S: pkg/kubelet/kubelet.go (SyncTerminatingPod → killPod)
    pub fn pod_deleting(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        let grace = pod
            .meta
            .deletion_grace_period_seconds
            .unwrap_or(pod.spec.termination_grace_period_seconds);
        if let Some(worker) = self.workers.get_mut(&id) {
            // A sandbox being recreated is not: the pod is going away.
            if worker.sandbox_lost.is_some() {
                worker.sandbox_lost = Some(sandbox::SandboxLost::NotRecreated);
                worker.to_start.clear();
            }
        }
        self.stop_all(state, id, lifecycle::grace_period(grace), now, out);
    }
}

/// Records a `Normal` kubelet event about one container of a pod.
fn normal(
    state: &mut ClusterState,
    id: PodId,
    slot: Slot,
    now: SimTime,
    reason: &str,
    message: String,
) {
    record(state, id, slot, now, EventType::Normal, reason, message);
}

/// Records a `Warning` kubelet event about one container of a pod.
fn warning(
    state: &mut ClusterState,
    id: PodId,
    slot: Slot,
    now: SimTime,
    reason: &str,
    message: String,
) {
    record(state, id, slot, now, EventType::Warning, reason, message);
}

/// Records a kubelet event about a pod as a whole (no container's field path).
fn record_on_pod(
    state: &mut ClusterState,
    id: PodId,
    now: SimTime,
    type_: EventType,
    reason: &str,
    message: String,
) {
    let Some(pod) = state.pod(id) else { return };
    let involved = ObjectRef::new("Pod", &pod.meta.namespace, &pod.meta.name);
    let host = pod.node_name.clone();
    state.record_event(Event::new(involved, type_, reason, message, COMPONENT, now).on_node(host));
}

/// Records a kubelet event about one container of a pod.
fn record(
    state: &mut ClusterState,
    id: PodId,
    slot: Slot,
    now: SimTime,
    type_: EventType,
    reason: &str,
    message: String,
) {
    let Some(pod) = state.pod(id) else { return };
    let field = if slot.init {
        format!("spec.initContainers{{{}}}", container(pod, slot).name)
    } else {
        format!("spec.containers{{{}}}", container(pod, slot).name)
    };
    let involved = ObjectRef::new("Pod", &pod.meta.namespace, &pod.meta.name).container(field);
    let host = pod.node_name.clone();
    state.record_event(Event::new(involved, type_, reason, message, COMPONENT, now).on_node(host));
}

fn container(pod: &Pod, slot: Slot) -> &crate::model::Container {
    if slot.init {
        &pod.spec.init_containers[slot.index]
    } else {
        &pod.spec.containers[slot.index]
    }
}

/// The hostname of the pod named `pod_name`: the name, cut to 63 bytes (what `sethostname`
/// takes) with trailing `-` and `.` trimmed, as the kubelet truncates it. A pod name (a DNS
/// subdomain) is ASCII and starts with an alphanumeric, so the cut is never empty.
// K8S: pkg/kubelet/kubelet_pods.go (truncatePodHostnameIfNeeded, hostnameMaxLen 63)
pub fn pod_hostname(pod_name: &str) -> &str {
    const HOSTNAME_MAX_LEN: usize = 63;
    match pod_name.get(..HOSTNAME_MAX_LEN) {
        Some(cut) => cut.trim_end_matches(['-', '.']),
        None => pod_name,
    }
}

/// `format.Pod`: how kubelet messages name a pod (`web_default(uid)`).
// K8S: pkg/kubelet/util/format/pod.go (Pod)
fn pod_desc(pod: &Pod) -> String {
    format!("{}_{}({})", pod.meta.name, pod.meta.namespace, pod.meta.uid)
}

/// The `host`-th address of a `/24` pod CIDR such as `10.244.1.0/24`.
fn pod_ip(cidr: &str, host: u32) -> String {
    let base = cidr.split('/').next().unwrap_or("10.244.0.0");
    let mut octets: Vec<&str> = base.split('.').collect();
    let last = host.min(254).to_string();
    if octets.len() == 4 {
        octets[3] = &last;
        octets.join(".")
    } else {
        format!("10.244.0.{last}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_are_cut_to_63_bytes_without_a_trailing_dash_or_dot() {
        assert_eq!(pod_hostname("web"), "web");
        let exact = "a".repeat(63);
        assert_eq!(pod_hostname(&exact), exact);
        let long = format!("{}-b", "a".repeat(62));
        assert_eq!(pod_hostname(&long), "a".repeat(62));
        let dot = format!("{}.bc", "a".repeat(62));
        assert_eq!(pod_hostname(&dot), "a".repeat(62));
        let both = format!("{}-.b", "a".repeat(61));
        assert_eq!(pod_hostname(&both), "a".repeat(61));
        // What a simulated container's `hostname` prints.
        let fs = behaviour::Fs::for_container("default", &long, "busybox");
        assert_eq!(
            fs.read("/etc/hostname"),
            Some(format!("{}\n", "a".repeat(62)).as_str())
        );
    }
}
