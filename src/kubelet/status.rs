//! The pod status the kubelet reports: container states, phase (upstream's getPhase) and the
//! pod conditions, recomputed after every change as `generateAPIPodStatus` does.

use super::Slot;
use crate::engine::SimTime;
use crate::model::pod::{ContainerState, ContainerStatus, PodCondition, PodPhase, RestartPolicy};
use crate::model::{Pod, PodId};

/// The waiting reason of a container not created yet.
// K8S: pkg/kubelet/kubelet_pods.go (convertToAPIContainerStatuses: PodInitializing when the pod
// has init containers, else ContainerCreating)
pub fn waiting_reason_for_new_pod(pod: &Pod) -> &'static str {
    if pod.spec.init_containers.is_empty() {
        "ContainerCreating"
    } else {
        "PodInitializing"
    }
}

/// The kubelet admitted the pod: start time, waiting containers, first conditions.
pub fn admit(pod: &mut Pod, now: SimTime) {
    pod.status.start_time = Some(now);
    let app_reason = waiting_reason_for_new_pod(pod);
    pod.status.init_container_statuses = pod
        .spec
        .init_containers
        .iter()
        .map(|c| ContainerStatus::waiting(&c.name, &c.image, "PodInitializing"))
        .collect();
    pod.status.container_statuses = pod
        .spec
        .containers
        .iter()
        .map(|c| ContainerStatus::waiting(&c.name, &c.image, app_reason))
        .collect();
    pod.status
        .set_condition(PodCondition::new("PodReadyToStartContainers", false, now));
    // K8S: pkg/kubelet/kubelet_pods.go (generateAPIPodStatus always reports PodScheduled=True;
    // the status manager stamps its transition when the kubelet first writes it): a pod bound
    // by `nodeName` or a static pod, which no scheduler saw, gets it here.
    if pod.status.condition("PodScheduled").is_none() {
        pod.status
            .set_condition(PodCondition::new("PodScheduled", true, now));
    }
    refresh(pod, now);
}

/// The status written after the sync that made the sandbox: the pod has its IP and can
/// start containers.
pub fn sandbox_reported(pod: &mut Pod, ip: String, now: SimTime) {
    pod.status.pod_ip = Some(ip);
    pod.status
        .set_condition(PodCondition::new("PodReadyToStartContainers", true, now));
    refresh(pod, now);
}

/// The pod's sandbox is not ready: it cannot start containers until a new one is made.
// K8S: pkg/kubelet/status/generate.go (GeneratePodReadyToStartContainersCondition)
pub fn sandbox_not_ready(pod: &mut Pod, now: SimTime) {
    pod.status
        .set_condition(PodCondition::new("PodReadyToStartContainers", false, now));
    refresh(pod, now);
}

fn status_mut(pod: &mut Pod, slot: Slot) -> &mut ContainerStatus {
    if slot.init {
        &mut pod.status.init_container_statuses[slot.index]
    } else {
        &mut pod.status.container_statuses[slot.index]
    }
}

/// The runtime created the container (its `instance`-th run): it has a new ID.
pub fn container_created(pod: &mut Pod, slot: Slot, id: PodId, instance: u64) {
    let seed = format!(
        "{}/{}/{}/{}/{instance}",
        pod.meta.uid, id.0, slot.init, slot.index
    );
    // K8S: containerd's CRI ContainerStatus: the image as resolved, the repository digest
    let image = super::images::fully_qualified(&super::container(pod, slot).image);
    let status = status_mut(pod, slot);
    status.container_id = format!("containerd://{}", digest_hex(&seed));
    status.image_id = format!("{}@sha256:{}", untagged(&image), digest_hex(&image));
    status.image = image;
}

/// A stable stand-in for the image's registry digest: the SHA-256 of its name.
fn digest_hex(image: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(image.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fully qualified reference without its tag (`docker.io/library/nginx:1.14` →
/// `docker.io/library/nginx`; a registry's port stays).
fn untagged(reference: &str) -> &str {
    let name_start = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[name_start..].find(':') {
        Some(colon) => &reference[..name_start + colon],
        None => reference,
    }
}

/// The status of the container in `slot`.
pub fn container_status(pod: &Pod, slot: Slot) -> &ContainerStatus {
    if slot.init {
        &pod.status.init_container_statuses[slot.index]
    } else {
        &pod.status.container_statuses[slot.index]
    }
}

/// The container's process is running. A restart moves the previous run to `lastState` and
/// counts it. `started` is false while a startup probe has yet to pass; a container is ready
/// once started unless a readiness probe must pass first.
// K8S: pkg/kubelet/prober/prober_manager.go (UpdatePodStatus: started, then ready)
pub fn container_running(
    pod: &mut Pod,
    slot: Slot,
    started_at: SimTime,
    now: SimTime,
    started: bool,
    has_readiness: bool,
) {
    let sidecar = slot.init && pod.spec.init_containers[slot.index].restart_policy_always;
    let status = status_mut(pod, slot);
    if let Some(previous) = latest_exit(status).cloned() {
        status.last_state = Some(previous);
        status.restart_count += 1;
    }
    status.state = ContainerState::Running { started_at };
    status.started = Some(started);
    // Regular init containers are never "ready" while running; sidecars are, like app
    // containers.
    status.ready = (!slot.init || sidecar) && started && !has_readiness;
    refresh(pod, now);
}

/// The container's last run, if it has run and exited: the current state, or while it waits
/// to run again (back-off, image errors) its `lastState`.
pub fn latest_exit(status: &ContainerStatus) -> Option<&ContainerState> {
    match (&status.state, &status.last_state) {
        (ContainerState::Terminated { .. }, _) => Some(&status.state),
        (ContainerState::Waiting { .. }, Some(last)) => Some(last),
        _ => None,
    }
}

/// A startup probe passed.
pub fn set_started(pod: &mut Pod, slot: Slot, ready: bool, now: SimTime) {
    let status = status_mut(pod, slot);
    status.started = Some(true);
    status.ready = ready;
    refresh(pod, now);
}

/// A readiness probe published a result.
pub fn set_ready(pod: &mut Pod, slot: Slot, ready: bool, now: SimTime) {
    let status = status_mut(pod, slot);
    if matches!(status.state, ContainerState::Running { .. }) && status.started == Some(true) {
        status.ready = ready;
        refresh(pod, now);
    }
}

/// The PLEG saw the container's process end: `terminated` with the runtime's reason
/// (`Completed`, `Error`, `OOMKilled`) and exit code. A regular init container that completed
/// is ready.
#[allow(clippy::too_many_arguments)]
pub fn container_exited(
    pod: &mut Pod,
    slot: Slot,
    exit_code: i32,
    reason: &str,
    started_at: SimTime,
    finished_at: SimTime,
    now: SimTime,
) {
    let status = status_mut(pod, slot);
    status.state = ContainerState::Terminated {
        exit_code,
        signal: None,
        reason: reason.to_string(),
        message: None,
        started_at: Some(started_at),
        finished_at,
    };
    status.ready = slot.init && exit_code == 0;
    status.started = Some(false);
    refresh(pod, now);
}

/// The runtime failed to start the container: it exited with 128 (`StartError`, `message`)
/// without having started. When it is to be restarted it waits (`RunContainerError`) with that
/// exit as `lastState`; a restart's failure counts as a restart, as a run's start does.
pub fn container_start_failed(
    pod: &mut Pod,
    slot: Slot,
    message: String,
    restarts: bool,
    now: SimTime,
) {
    let status = status_mut(pod, slot);
    if latest_exit(status).is_some() {
        status.restart_count += 1;
    }
    let exit = ContainerState::Terminated {
        exit_code: 128,
        signal: None,
        reason: "StartError".to_string(),
        message: Some(message.clone()),
        started_at: None,
        finished_at: now,
    };
    if restarts {
        status.last_state = Some(exit);
        status.state = ContainerState::Waiting {
            reason: "RunContainerError".to_string(),
            message: Some(message),
        };
    } else {
        status.state = exit;
    }
    status.ready = false;
    status.started = Some(false);
    refresh(pod, now);
}

/// The container cannot run for now (image errors, CrashLoopBackOff). A terminated run
/// becomes `lastState`.
pub fn container_waiting(
    pod: &mut Pod,
    slot: Slot,
    reason: &str,
    message: Option<String>,
    now: SimTime,
) {
    let status = status_mut(pod, slot);
    if let Some(previous) = latest_exit(status).cloned() {
        status.last_state = Some(previous);
    }
    status.state = ContainerState::Waiting {
        reason: reason.to_string(),
        message,
    };
    refresh(pod, now);
}

/// The containers with a running process, by slot and name.
pub fn running_containers(pod: &Pod) -> Vec<(Slot, String)> {
    let init = pod
        .status
        .init_container_statuses
        .iter()
        .enumerate()
        .map(|(index, s)| (Slot { init: true, index }, s));
    let app = pod
        .status
        .container_statuses
        .iter()
        .enumerate()
        .map(|(index, s)| (Slot { init: false, index }, s));
    init.chain(app)
        .filter(|(_, s)| matches!(s.state, ContainerState::Running { .. }))
        .map(|(slot, s)| (slot, s.name.clone()))
        .collect()
}

/// Recomputes the phase and the Initialized, ContainersReady and Ready conditions.
fn refresh(pod: &mut Pod, now: SimTime) {
    let phase = get_phase(pod);
    if !pod.is_terminal() {
        pod.status.phase = phase;
    }
    let initialized_flags: Vec<bool> = pod
        .status
        .init_container_statuses
        .iter()
        .zip(&pod.spec.init_containers)
        .map(|(s, c)| init_container_initialized(s, c.restart_policy_always))
        .collect();
    let init_done = initialized_flags.iter().all(|done| *done);
    let any_started = pod
        .status
        .container_statuses
        .iter()
        .any(|s| !matches!(s.state, ContainerState::Waiting { .. }) || s.last_state.is_some());
    // K8S: pkg/kubelet/status/generate.go (GeneratePodInitializedCondition)
    let initialized = if init_done || any_started {
        PodCondition::new("Initialized", true, now)
    } else {
        let pending: Vec<&str> = pod
            .status
            .init_container_statuses
            .iter()
            .zip(&initialized_flags)
            .filter(|(_, done)| !**done)
            .map(|(s, _)| s.name.as_str())
            .collect();
        PodCondition::new("Initialized", false, now).because(
            "ContainersNotInitialized",
            format!("containers with incomplete status: [{}]", pending.join(" ")),
        )
    };
    pod.status.set_condition(initialized);
    // K8S: pkg/kubelet/status/generate.go (GenerateContainersReadyCondition, GeneratePodReadyCondition)
    let sidecars = pod
        .status
        .init_container_statuses
        .iter()
        .zip(&pod.spec.init_containers)
        .filter(|(_, c)| c.restart_policy_always)
        .map(|(s, _)| s);
    let unready: Vec<&str> = sidecars
        .chain(&pod.status.container_statuses)
        .filter(|s| !s.ready)
        .map(|s| s.name.as_str())
        .collect();
    let (containers_ready, ready) = if unready.is_empty() {
        (
            PodCondition::new("ContainersReady", true, now),
            PodCondition::new("Ready", true, now),
        )
    } else {
        let message = format!("containers with unready status: [{}]", unready.join(" "));
        (
            PodCondition::new("ContainersReady", false, now)
                .because("ContainersNotReady", message.clone()),
            PodCondition::new("Ready", false, now).because("ContainersNotReady", message),
        )
    };
    pod.status.set_condition(ready);
    pod.status.set_condition(containers_ready);
    order_conditions(pod);
}

/// A regular init container counts once it completed; a sidecar once it has started.
// K8S: pkg/kubelet/status/generate.go (isInitContainerInitialized)
fn init_container_initialized(s: &ContainerStatus, sidecar: bool) -> bool {
    if sidecar {
        s.started == Some(true)
    } else {
        matches!(s.state, ContainerState::Terminated { exit_code: 0, .. })
    }
}

/// Keeps conditions in the order the kubelet writes them.
// K8S: pkg/kubelet/kubelet_pods.go (generateAPIPodStatus condition order)
fn order_conditions(pod: &mut Pod) {
    const ORDER: [&str; 5] = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ];
    pod.status.conditions.sort_by_key(|c| {
        ORDER
            .iter()
            .position(|t| *t == c.type_)
            .unwrap_or(ORDER.len())
    });
}

/// The pod phase from its container states.
// K8S: pkg/kubelet/kubelet_pods.go (getPhase)
pub fn get_phase(pod: &Pod) -> PodPhase {
    let mut pending_init = 0;
    let mut failed_init = 0;
    let (mut running, mut stopped, mut succeeded, mut waiting) = (0, 0, 0, 0);
    for (s, c) in pod
        .status
        .init_container_statuses
        .iter()
        .zip(&pod.spec.init_containers)
    {
        if c.restart_policy_always {
            match &s.state {
                ContainerState::Running { .. } => {
                    running += 1;
                    if s.started != Some(true) {
                        pending_init += 1;
                    }
                }
                ContainerState::Waiting { .. } if s.last_state.is_none() => {
                    pending_init += 1;
                    waiting += 1;
                }
                _ => {}
            }
            continue;
        }
        let last_exit = match &s.last_state {
            Some(ContainerState::Terminated { exit_code, .. }) => Some(*exit_code),
            _ => None,
        };
        match &s.state {
            ContainerState::Terminated { exit_code: 0, .. } => {}
            ContainerState::Terminated { .. } => failed_init += 1,
            ContainerState::Running { .. } => pending_init += 1,
            ContainerState::Waiting { .. } => match last_exit {
                Some(code) if code != 0 => failed_init += 1,
                _ => pending_init += 1,
            },
        }
    }
    for s in &pod.status.container_statuses {
        match &s.state {
            ContainerState::Running { .. } => running += 1,
            ContainerState::Terminated { exit_code, .. } => {
                stopped += 1;
                if *exit_code == 0 {
                    succeeded += 1;
                }
            }
            ContainerState::Waiting { .. } if s.last_state.is_some() => stopped += 1,
            ContainerState::Waiting { .. } => waiting += 1,
        }
    }
    let policy = pod.spec.restart_policy;
    if failed_init > 0 && policy == RestartPolicy::Never {
        return PodPhase::Failed;
    }
    // K8S: pkg/kubelet/kubelet_pods.go (hasAnyRegularContainerStarted)
    let any_regular_started = pod
        .status
        .container_statuses
        .iter()
        .any(|s| !matches!(s.state, ContainerState::Waiting { .. }) || s.last_state.is_some());
    if (pending_init > 0 && !any_regular_started) || waiting > 0 {
        return PodPhase::Pending;
    }
    if running > 0 {
        return PodPhase::Running;
    }
    if stopped > 0 {
        return match policy {
            RestartPolicy::Always => PodPhase::Running,
            _ if stopped == succeeded => PodPhase::Succeeded,
            RestartPolicy::Never => PodPhase::Failed,
            RestartPolicy::OnFailure => PodPhase::Running,
        };
    }
    PodPhase::Pending
}
