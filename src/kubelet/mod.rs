//! The kubelet: for each pod bound to its node, a pod worker that creates the sandbox, pulls
//! images, starts init containers one at a time and then the app containers, keeps the pod's
//! status (phase, conditions, container states) and stops containers when the pod is deleted.
//!
//! This is the foundation's thin but real path. What a container *does* once started (exit,
//! memory growth, probes) arrives with the kubelet issue; until then a started container runs
//! until it is stopped, and says so in the fidelity table.

pub mod images;
mod status;

use std::collections::BTreeMap;

use crate::engine::{SimDuration, SimTime};
use crate::model::pod::PullPolicy;
use crate::model::{ClusterState, Event, EventType, ObjectRef, PodId};

/// The kubelet's name in events (`From: kubelet`).
pub const COMPONENT: &str = "kubelet";

/// Latency model parameters. Defaults are round figures of the same order as the container
/// runtime measurements in `shared/reference/real-containers.md` plus a CNI setup; the
/// real-execution issue calibrates them.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Pod sandbox (pause container and network) creation.
    pub sandbox: SimDuration,
    /// CRI CreateContainer + StartContainer for one container.
    pub container_start: SimDuration,
    /// Registry round trips before the first byte of a pull.
    pub pull_overhead: SimDuration,
    /// Registry bandwidth per node, in bytes per second.
    pub pull_bytes_per_sec: i64,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            sandbox: SimDuration::from_millis(500),
            container_start: SimDuration::from_millis(50),
            pull_overhead: SimDuration::from_millis(500),
            pull_bytes_per_sec: 20_000_000,
        }
    }
}

/// Which container of a pod: an init container or an app container, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub init: bool,
    pub index: usize,
}

/// Things that happen to a pod worker later.
#[derive(Debug, Clone, PartialEq)]
pub enum KubeletEvent {
    /// The pod sandbox is up; the pod has its IP.
    SandboxReady(PodId),
    /// An image pull finished.
    ImagePulled {
        pod: PodId,
        slot: Slot,
        pull: SimDuration,
    },
    /// A container's process is running.
    ContainerStarted { pod: PodId, slot: Slot },
    /// A container's process ended.
    ContainerExited {
        pod: PodId,
        slot: Slot,
        exit_code: i32,
    },
}

/// Per-node runtime state.
#[derive(Debug, Default)]
struct NodeRuntime {
    /// Last host number handed out in the node's pod CIDR.
    last_ip: u32,
    /// Pulls are serialized per node by default: when the puller is free again.
    // K8S: pkg/kubelet/images/puller.go (serialImagePuller, serializeImagePulls default true)
    puller_free_at: SimTime,
}

/// All kubelets of the cluster (one per node, sharing the timing model).
#[derive(Debug, Default)]
pub struct Kubelets {
    pub timings: Timings,
    nodes: BTreeMap<String, NodeRuntime>,
}

/// Follow-up events a handler asks for, at absolute instants.
pub type Followups = Vec<(SimTime, KubeletEvent)>;

impl Kubelets {
    /// Kubelets with the given timing model.
    pub fn new(timings: Timings) -> Self {
        Kubelets {
            timings,
            nodes: BTreeMap::new(),
        }
    }

    /// A pod was bound to a node: its kubelet admits it and starts the sandbox.
    // K8S: pkg/kubelet/kubelet.go (SyncPod: status first, then sandbox)
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
        out.push((now + self.timings.sandbox, KubeletEvent::SandboxReady(id)));
    }

    /// Handles one of the kubelet's own events.
    pub fn handle(
        &mut self,
        state: &mut ClusterState,
        event: KubeletEvent,
        now: SimTime,
        out: &mut Followups,
    ) {
        match event {
            KubeletEvent::SandboxReady(id) => {
                let Some(pod) = state.pod(id) else { return };
                if pod.meta.deletion.is_some() {
                    return;
                }
                let node_name = pod.node_name.clone().unwrap_or_default();
                let cidr = state
                    .node(&node_name)
                    .map(|n| n.pod_cidr.clone())
                    .unwrap_or_default();
                let runtime = self.nodes.entry(node_name).or_default();
                runtime.last_ip += 1;
                let ip = pod_ip(&cidr, runtime.last_ip + 1);
                let pod = state.pod_mut(id).expect("checked above");
                pod.status.pod_ip = Some(ip);
                status::sandbox_ready(pod, now);
                self.start_next(state, id, now, out);
            }
            KubeletEvent::ImagePulled {
                pod: id,
                slot,
                pull,
            } => {
                let Some(pod) = state.pod(id) else { return };
                let image = container(pod, slot).image.clone();
                let host = pod.node_name.clone();
                if let Some(node) = host.as_ref().and_then(|n| state.node_mut(n)) {
                    node.images
                        .insert(images::normalized(&image), images::size(&image));
                }
                let secs = pull.as_millis() as f64 / 1000.0;
                let message = format!(
                    "Successfully pulled image \"{image}\" in {} ({} including waiting). Image size: {} bytes.",
                    go_seconds(secs),
                    go_seconds(secs),
                    images::size(&image)
                );
                record(state, id, slot, now, EventType::Normal, "Pulled", message);
                self.create_and_start(state, id, slot, now, out);
            }
            KubeletEvent::ContainerStarted { pod: id, slot } => {
                let Some(pod) = state.pod(id) else { return };
                if pod.meta.deletion.is_some() {
                    return;
                }
                let name = container(pod, slot).name.clone();
                record(
                    state,
                    id,
                    slot,
                    now,
                    EventType::Normal,
                    "Started",
                    format!("Started container {name}"),
                );
                status::container_running(state.pod_mut(id).expect("exists"), slot, now);
                // DEVIATION: until the kubelet issue models container behaviour, a started
                // container keeps running; an init container therefore never completes.
                if !slot.init {
                    self.start_next(state, id, now, out);
                }
            }
            KubeletEvent::ContainerExited {
                pod: id,
                slot,
                exit_code,
            } => {
                let Some(pod) = state.pod_mut(id) else { return };
                status::container_exited(pod, slot, exit_code, now);
            }
        }
    }

    /// Starts the next container the pod needs: the first init container not done, else the
    /// first app container not started.
    fn start_next(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        let next = status::next_to_start(pod);
        let Some(slot) = next else { return };
        let c = container(pod, slot);
        let (image, policy) = (c.image.clone(), c.image_pull_policy);
        let node_name = pod.node_name.clone().unwrap_or_default();
        let present = state
            .node(&node_name)
            .is_some_and(|n| n.images.contains_key(&images::normalized(&image)));
        let must_pull = match policy {
            PullPolicy::Always => true,
            PullPolicy::IfNotPresent => !present,
            PullPolicy::Never => false,
        };
        // K8S: pkg/kubelet/images/image_manager.go (EnsureImageExists)
        if !must_pull {
            if present {
                let message = format!("Container image \"{image}\" already present on machine");
                record(state, id, slot, now, EventType::Normal, "Pulled", message);
                self.create_and_start(state, id, slot, now, out);
            } else {
                let message =
                    format!("Container image \"{image}\" is not present with pull policy of Never");
                record(
                    state,
                    id,
                    slot,
                    now,
                    EventType::Warning,
                    "ErrImageNeverPull",
                    message,
                );
                let pod = state.pod_mut(id).expect("exists");
                status::container_waiting(
                    pod,
                    slot,
                    "ErrImageNeverPull",
                    Some(format!(
                        "Container image \"{image}\" is not present with pull policy of Never"
                    )),
                );
            }
            return;
        }
        record(
            state,
            id,
            slot,
            now,
            EventType::Normal,
            "Pulling",
            format!("Pulling image \"{image}\""),
        );
        let runtime = self.nodes.entry(node_name).or_default();
        let start = runtime.puller_free_at.max(now);
        let done = start
            + images::pull_duration(
                images::size(&image),
                self.timings.pull_bytes_per_sec,
                self.timings.pull_overhead,
            );
        runtime.puller_free_at = done;
        out.push((
            done,
            KubeletEvent::ImagePulled {
                pod: id,
                slot,
                pull: done.saturating_duration_since(now),
            },
        ));
    }

    fn create_and_start(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        let name = container(pod, slot).name.clone();
        // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer events)
        record(
            state,
            id,
            slot,
            now,
            EventType::Normal,
            "Created",
            format!("Created container: {name}"),
        );
        let started = now + self.timings.container_start;
        let pod = state.pod_mut(id).expect("exists");
        status::container_created(pod, slot, id);
        out.push((started, KubeletEvent::ContainerStarted { pod: id, slot }));
    }

    /// The pod is being deleted: stop every running container.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (killContainer)
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
        let running: Vec<(Slot, String)> = status::running_containers(pod);
        for (slot, name) in running {
            record(
                state,
                id,
                slot,
                now,
                EventType::Normal,
                "Killing",
                format!("Stopping container {name}"),
            );
            // DEVIATION: without a behaviour model every process is taken to be PID 1 with no
            // SIGTERM handler (a shell or `sleep`): it ignores SIGTERM and is SIGKILLed when the
            // grace period ends (at least 2 s, as upstream enforces), exiting 137.
            let wait = SimDuration::from_secs(grace.max(2) as u64);
            let wait = if grace == 0 { SimDuration::ZERO } else { wait };
            out.push((
                now + wait,
                KubeletEvent::ContainerExited {
                    pod: id,
                    slot,
                    exit_code: 137,
                },
            ));
        }
    }
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
    state.record_event(Event {
        involved,
        type_,
        reason: reason.to_string(),
        message,
        source: COMPONENT,
        host,
        first: now,
        last: now,
        count: 1,
    });
}

fn container(pod: &crate::model::Pod, slot: Slot) -> &crate::model::Container {
    if slot.init {
        &pod.spec.init_containers[slot.index]
    } else {
        &pod.spec.containers[slot.index]
    }
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

/// Go's `time.Duration.String()` for a number of seconds, as the Pulled message prints it
/// (`1.234s`, `2m3.5s`).
fn go_seconds(secs: f64) -> String {
    crate::model::duration::GoDuration::from_nanos((secs * 1e9).round() as i64).to_string()
}
