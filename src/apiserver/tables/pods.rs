//! `kubectl get pods`: the READY, STATUS and RESTARTS columns as kubectl's printer computes them.

use crate::engine::SimTime;
use crate::model::pod::ContainerStatus;
use crate::model::time::age;
use crate::model::{ContainerState, Pod};

/// One pod's row values, before alignment.
pub struct PodRow {
    pub name: String,
    pub ready: String,
    pub status: String,
    pub restarts: String,
    pub age: String,
    pub ip: String,
    pub node: String,
    pub nominated: String,
    pub readiness_gates: String,
}

fn last_finished(status: &ContainerStatus) -> Option<SimTime> {
    match &status.last_state {
        Some(ContainerState::Terminated { finished_at, .. }) => Some(*finished_at),
        _ => None,
    }
}

/// Computes a pod's row at `now`.
// K8S: pkg/printers/internalversion/printers.go (printPod)
pub fn pod_row(pod: &Pod, now: SimTime) -> PodRow {
    let spec = &pod.spec;
    let sidecars = spec
        .init_containers
        .iter()
        .filter(|c| c.restart_policy_always)
        .count();
    let total = spec.containers.len() + sidecars;
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut last_restart: Option<SimTime> = None;
    let mut last_sidecar_restart: Option<SimTime> = None;
    let mut reason = pod
        .status
        .reason
        .clone()
        .unwrap_or_else(|| pod.status.phase.as_str().to_string());
    if pod
        .status
        .condition("PodScheduled")
        .is_some_and(|c| c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }
    let mut initializing = false;
    for (i, c) in pod.status.init_container_statuses.iter().enumerate() {
        restarts += c.restart_count;
        if let Some(t) = last_finished(c) {
            last_restart = last_restart.max(Some(t));
        }
        let sidecar = spec
            .init_containers
            .get(i)
            .is_some_and(|s| s.restart_policy_always);
        if sidecar {
            sidecar_restarts += c.restart_count;
            if let Some(t) = last_finished(c) {
                last_sidecar_restart = last_sidecar_restart.max(Some(t));
            }
        }
        match &c.state {
            ContainerState::Terminated { exit_code: 0, .. } => continue,
            _ if sidecar && c.started == Some(true) => {
                if c.ready {
                    ready += 1;
                }
                continue;
            }
            ContainerState::Terminated {
                reason: r,
                exit_code,
                signal,
                ..
            } => {
                reason = if !r.is_empty() {
                    format!("Init:{r}")
                } else if let Some(sig) = signal.filter(|s| *s != 0) {
                    format!("Init:Signal:{sig}")
                } else {
                    format!("Init:ExitCode:{exit_code}")
                };
            }
            ContainerState::Waiting { reason: r, .. }
                if !r.is_empty() && r != "PodInitializing" =>
            {
                reason = format!("Init:{r}");
            }
            _ => reason = format!("Init:{i}/{}", spec.init_containers.len()),
        }
        initializing = true;
        break;
    }
    let initialized = pod
        .status
        .condition("Initialized")
        .is_some_and(|c| c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for c in pod.status.container_statuses.iter().rev() {
            restarts += c.restart_count;
            if let Some(t) = last_finished(c) {
                last_restart = last_restart.max(Some(t));
            }
            match &c.state {
                ContainerState::Waiting { reason: r, .. } if !r.is_empty() => reason = r.clone(),
                ContainerState::Terminated { reason: r, .. } if !r.is_empty() => reason = r.clone(),
                ContainerState::Terminated {
                    signal: Some(sig), ..
                } if *sig != 0 => reason = format!("Signal:{sig}"),
                ContainerState::Terminated { exit_code, .. } => {
                    reason = format!("ExitCode:{exit_code}")
                }
                ContainerState::Running { .. } if c.ready => {
                    has_running = true;
                    ready += 1;
                }
                _ => {}
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = pod
                .status
                .condition("Ready")
                .is_some_and(|c| c.status == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }
    if pod.meta.deletion.is_some() {
        if pod.status.reason.as_deref() == Some("NodeLost") {
            reason = "Unknown".to_string();
        } else if !pod.is_terminal() {
            reason = "Terminating".to_string();
        }
    }
    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", age(now, t)),
        _ => restarts.to_string(),
    };
    PodRow {
        name: pod.meta.name.clone(),
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts: restarts_text,
        age: age(now, pod.meta.creation),
        ip: pod
            .status
            .pod_ip
            .clone()
            .unwrap_or_else(|| "<none>".to_string()),
        node: pod
            .node_name
            .clone()
            .unwrap_or_else(|| "<none>".to_string()),
        nominated: pod
            .status
            .nominated_node_name
            .clone()
            .unwrap_or_else(|| "<none>".to_string()),
        readiness_gates: "<none>".to_string(),
    }
}
