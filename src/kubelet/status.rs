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
    refresh(pod, now);
}

/// The sandbox is ready: the pod can start containers.
pub fn sandbox_ready(pod: &mut Pod, now: SimTime) {
    pod.status
        .set_condition(PodCondition::new("PodReadyToStartContainers", true, now));
    refresh(pod, now);
}

fn status_mut(pod: &mut Pod, slot: Slot) -> &mut ContainerStatus {
    if slot.init {
        &mut pod.status.init_container_statuses[slot.index]
    } else {
        &mut pod.status.container_statuses[slot.index]
    }
}

/// The runtime created the container: it has an ID (still waiting until it runs).
pub fn container_created(pod: &mut Pod, slot: Slot, id: PodId) {
    let seed = format!("{}/{}/{}/{}", pod.meta.uid, id.0, slot.init, slot.index);
    let status = status_mut(pod, slot);
    status.container_id = format!("containerd://{}", digest_hex(&seed));
    status.image_id = format!(
        "{}@sha256:{}",
        normalized_repo(&status.image),
        digest_hex(&status.image)
    );
}

/// A stable stand-in for the image's registry digest: the SHA-256 of its name.
fn digest_hex(image: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(image.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn normalized_repo(image: &str) -> String {
    let repo = super::images::repository(image);
    if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    }
}

/// The container's process is running.
pub fn container_running(pod: &mut Pod, slot: Slot, now: SimTime) {
    let spec_has_readiness = if slot.init {
        false
    } else {
        pod.spec.containers[slot.index].readiness_probe.is_some()
    };
    let status = status_mut(pod, slot);
    status.state = ContainerState::Running { started_at: now };
    status.started = Some(true);
    // K8S: pkg/kubelet/prober/prober_manager.go (no readiness probe: ready once started)
    status.ready = !slot.init && !spec_has_readiness;
    refresh(pod, now);
}

/// The container's process ended with `exit_code`.
pub fn container_exited(pod: &mut Pod, slot: Slot, exit_code: i32, now: SimTime) {
    let status = status_mut(pod, slot);
    let started_at = match status.state {
        ContainerState::Running { started_at } => started_at,
        _ => now,
    };
    status.state = ContainerState::Terminated {
        exit_code,
        signal: None,
        reason: if exit_code == 0 { "Completed" } else { "Error" }.to_string(),
        message: None,
        started_at,
        finished_at: now,
    };
    status.ready = false;
    status.started = Some(false);
    refresh(pod, now);
}

/// The container cannot start for now (image errors and the like).
pub fn container_waiting(pod: &mut Pod, slot: Slot, reason: &str, message: Option<String>) {
    let status = status_mut(pod, slot);
    status.state = ContainerState::Waiting {
        reason: reason.to_string(),
        message,
    };
}

/// The next container to start: the first init container that has not completed (if it is not
/// running yet), else the first app container never started.
pub fn next_to_start(pod: &Pod) -> Option<Slot> {
    for (index, status) in pod.status.init_container_statuses.iter().enumerate() {
        match &status.state {
            ContainerState::Terminated { exit_code: 0, .. } => continue,
            ContainerState::Waiting { .. } if status.container_id.is_empty() => {
                return Some(Slot { init: true, index })
            }
            _ => return None,
        }
    }
    pod.status
        .container_statuses
        .iter()
        .position(|s| {
            s.container_id.is_empty() && matches!(s.state, ContainerState::Waiting { .. })
        })
        .map(|index| Slot { init: false, index })
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
    let init_done = pod
        .status
        .init_container_statuses
        .iter()
        .all(|s| matches!(s.state, ContainerState::Terminated { exit_code: 0, .. }));
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
            .filter(|s| !matches!(s.state, ContainerState::Terminated { exit_code: 0, .. }))
            .map(|s| s.name.as_str())
            .collect();
        PodCondition::new("Initialized", false, now).because(
            "ContainersNotInitialized",
            format!("containers with incomplete status: [{}]", pending.join(" ")),
        )
    };
    pod.status.set_condition(initialized);
    // K8S: pkg/kubelet/status/generate.go (GenerateContainersReadyCondition, GeneratePodReadyCondition)
    let unready: Vec<&str> = pod
        .status
        .container_statuses
        .iter()
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
    for s in &pod.status.init_container_statuses {
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
    let (mut running, mut stopped, mut succeeded, mut waiting) = (0, 0, 0, 0);
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
    let any_regular_started = running > 0 || stopped > 0;
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
