//! The pod worker's sync: decide which container to start or restart next, and take it
//! through image pull, create and start, with the image and crash-loop backoffs.

use std::collections::BTreeSet;

use super::registry::{self, Pull};
use super::{
    container, images, normal, pod_desc, status, warning, Followups, Kubelets, Slot,
    SYNC_ERROR_RETRY,
};
use crate::engine::{SimDuration, SimTime};
use crate::model::pod::{PullPolicy, RestartPolicy};
use crate::model::{ClusterState, ContainerState, Pod, PodId};

/// What the sync wants for one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Never started: start it.
    Start,
    /// Exited and due for a restart (subject to backoff), finished at this instant.
    Restart(SimTime),
    /// Running, or done for good.
    Nothing,
}

impl Kubelets {
    /// One pass of the pod worker: starts the next container the pod needs.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions, SyncPod)
    pub(super) fn sync(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        self.check_sandbox(state, id, now, out);
        let Some(pod) = state.pod(id) else { return };
        let Some(worker) = self.workers.get(&id) else {
            return;
        };
        // Nothing starts without a ready sandbox: a dead one is recreated first, or not at all.
        let blocked = worker.busy || worker.sandbox_lost.is_some();
        if blocked || self.stopping(pod, id) || pod.is_terminal() {
            return;
        }
        let Some((slot, need)) = next_need(pod, &worker.to_start) else {
            return;
        };
        match need {
            Need::Start => self.start_container(state, id, slot, now, out),
            Need::Restart(finished) => self.try_restart(state, id, slot, finished, now, out),
            Need::Nothing => {}
        }
    }

    /// Restarts an exited container now, or waits out its CrashLoopBackOff.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff)
    fn try_restart(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        finished: SimTime,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("synced pods exist");
        let key = stable_key(pod, slot);
        if let Some(ends) = self.crash_backoff.in_backoff_since(&key, finished, now) {
            let name = container(pod, slot).name.clone();
            let desc = pod_desc(pod);
            let delay = self.crash_backoff.get(&key);
            warning(
                state,
                id,
                slot,
                now,
                "BackOff",
                format!("Back-off restarting failed container {name} in pod {desc}"),
            );
            // DEVIATION: upstream repeats the BackOff event on every sync inside the period
            // (every 10-15 s); kubesim records it once per back-off.
            let message = format!("back-off {delay} restarting failed container={name} pod={desc}");
            let pod = state.pod_mut(id).expect("exists");
            status::container_waiting(pod, slot, "CrashLoopBackOff", Some(message), now);
            self.sync_later(id, ends, out);
            return;
        }
        self.crash_backoff.next(&key, finished, now);
        self.start_container(state, id, slot, now, out);
    }

    /// A container killed to be restarted has stopped, and the pod worker goes on in the same
    /// pass: upstream's SyncPod starts the replacement with the pod status it read before the
    /// kill, so `doBackOff` finds as the newest exited container of that name the run before
    /// the killed one (container GC keeps one dead container per name), not the killed one.
    /// The first kill therefore restarts at once without a back-off entry; later kills are
    /// compared with the previous run's `finishedAt`, so restarts stay immediate (the entry
    /// doubling) until the back-off outgrows the probe cycle. While the start is refused, the
    /// next relist reports the exit and the back-off counts from it like any exit's.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (SyncPod: kill ContainersToKill,
    // then start ContainersToStart; doBackOff), pkg/kubelet/kuberuntime/kuberuntime_gc.go
    // (evictableContainers keeps MaxPerPodContainer = 1 dead container per name)
    pub(super) fn replace_stopped(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        instance: u64,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("handled pods exist");
        let previous_exit = match &status::container_status(pod, slot).last_state {
            Some(ContainerState::Terminated { finished_at, .. }) => Some(*finished_at),
            _ => None,
        };
        let key = stable_key(pod, slot);
        let in_backoff = previous_exit.is_some_and(|finished| {
            self.crash_backoff
                .in_backoff_since(&key, finished, now)
                .is_some()
        });
        let busy = self.workers.get(&id).is_none_or(|w| w.busy);
        if in_backoff || busy || self.stopping(pod, id) {
            let relist = super::lifecycle::next_tick(now, super::PLEG_RELIST);
            let event = super::KubeletEvent::ExitNoticed {
                pod: id,
                slot,
                instance,
            };
            out.push((relist, event));
            return;
        }
        if let Some(finished) = previous_exit {
            self.crash_backoff.next(&key, finished, now);
        }
        self.stop_probing(id, slot);
        let run = self.run_mut(id, slot);
        run.replaced = run.exit.take();
        self.start_container(state, id, slot, now, out);
    }

    /// Ensures the image, then creates and starts the container.
    // K8S: pkg/kubelet/images/image_manager.go (EnsureImageExists)
    fn start_container(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("synced pods exist");
        let c = container(pod, slot);
        let (image, policy) = (c.image.clone(), c.image_pull_policy);
        let node_name = pod.node_name.clone().unwrap_or_default();
        let reference = images::normalized(&image);
        let pull_key = format!("{}_{}", pod.meta.uid, reference);
        let present = state
            .node(&node_name)
            .is_some_and(|n| n.images.contains_key(&reference));
        let must_pull = match policy {
            PullPolicy::Always => true,
            PullPolicy::IfNotPresent => !present,
            PullPolicy::Never => false,
        };
        if !must_pull {
            if present {
                let message = format!("Container image \"{image}\" already present on machine");
                normal(state, id, slot, now, "Pulled", message);
                self.create(state, id, slot, now, out);
            } else {
                let message =
                    format!("Container image \"{image}\" is not present with pull policy of Never");
                self.image_error(state, id, slot, "ErrImageNeverPull", message, now);
            }
            return;
        }
        if self
            .image_backoff
            .in_backoff_since_update(&pull_key, now)
            .is_some()
        {
            let message = format!("Back-off pulling image \"{image}\"");
            normal(state, id, slot, now, "BackOff", message.clone());
            self.image_error(state, id, slot, "ImagePullBackOff", message, now);
            // The worker retries the failed sync after 10 s; the pull happens on the first
            // retry past the backoff.
            self.sync_later(id, now + SYNC_ERROR_RETRY, out);
            return;
        }
        normal(
            state,
            id,
            slot,
            now,
            "Pulling",
            format!("Pulling image \"{image}\""),
        );
        let timings = state
            .node(&node_name)
            .map(|n| n.timings)
            .unwrap_or_default();
        let pulled = self.registry_answer(state, id, &image);
        let runtime = self.node_runtime(&node_name);
        let start = runtime.puller_free_at.max(now);
        let exists = !matches!(pulled, Pull::Refused(_));
        // An image already on the node only has its manifest checked.
        let pulling = if exists && !present {
            images::pull_duration(
                images::size(&image),
                timings.pull_bytes_per_sec,
                timings.pull_overhead,
            )
        } else {
            timings.pull_overhead
        };
        let done = start + pulling;
        runtime.puller_free_at = done;
        self.workers.get_mut(&id).expect("worker").busy = true;
        let event = match pulled {
            Pull::Refused(error) => super::KubeletEvent::ImagePullFailed {
                pod: id,
                slot,
                error,
            },
            _ => super::KubeletEvent::ImagePulled {
                pod: id,
                slot,
                pulling,
                waited: done.saturating_duration_since(now),
            },
        };
        out.push((done, event));
    }

    /// The container cannot start because of its image: waiting with `reason`, and the
    /// `Failed` event `Error: <reason>` that startContainer records.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer: "Error: %v")
    fn image_error(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        reason: &str,
        message: String,
        now: SimTime,
    ) {
        if reason == "ErrImageNeverPull" {
            warning(state, id, slot, now, reason, message.clone());
        }
        self.report_sandbox(state, id, now);
        self.report_replaced(state, id, slot, now);
        warning(state, id, slot, now, "Failed", format!("Error: {reason}"));
        let pod = state.pod_mut(id).expect("exists");
        status::container_waiting(pod, slot, reason, Some(message), now);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn image_pulled(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        pulling: SimDuration,
        waited: SimDuration,
        now: SimTime,
        out: &mut Followups,
    ) {
        self.workers.get_mut(&id).expect("worker").busy = false;
        let pod = state.pod(id).expect("handled pods exist");
        let image = container(pod, slot).image.clone();
        if let Some(node) = pod.node_name.clone() {
            state.add_node_image(&node, images::normalized(&image), images::size(&image));
        }
        // K8S: pkg/kubelet/images/image_manager.go (successful pull message)
        let message = format!(
            "Successfully pulled image \"{image}\" in {} ({} including waiting). Image size: {} bytes.",
            pulling,
            waited,
            images::size(&image)
        );
        normal(state, id, slot, now, "Pulled", message);
        let sandbox_lost = self
            .workers
            .get(&id)
            .is_some_and(|w| w.sandbox_lost.is_some());
        if !sandbox_lost && state.pod(id).is_some_and(|p| !self.stopping(p, id)) {
            self.create(state, id, slot, now, out);
        }
    }

    /// What the registry answers a pull of `image` for the pod (with its pull secrets), noting
    /// an image kubesim only assumes to exist.
    fn registry_answer(&mut self, state: &ClusterState, id: PodId, image: &str) -> Pull {
        let pod = state.pod(id).expect("synced pods exist");
        let namespace = &pod.meta.namespace;
        let credentials = pod
            .spec
            .api
            .image_pull_secrets
            .iter()
            .flatten()
            .any(|secret| {
                let key = ("Secret".to_string(), namespace.clone(), secret.name.clone());
                state.objects.contains_key(&key)
            });
        let pulled = registry::pull(image, &self.declared_images, credentials);
        if pulled == Pull::Assumed {
            self.assumed_images.insert(image.to_string());
        }
        pulled
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn image_pull_failed(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        error: String,
        now: SimTime,
        out: &mut Followups,
    ) {
        self.workers.get_mut(&id).expect("worker").busy = false;
        let pod = state.pod(id).expect("handled pods exist");
        let image = container(pod, slot).image.clone();
        let key = format!("{}_{}", pod.meta.uid, images::normalized(&image));
        warning(
            state,
            id,
            slot,
            now,
            "Failed",
            format!("Failed to pull image \"{image}\": {error}"),
        );
        self.image_backoff.next(&key, now, now);
        self.image_error(state, id, slot, "ErrImagePull", error, now);
        self.sync_later(id, now + SYNC_ERROR_RETRY, out);
    }

    /// CRI CreateContainer, then StartContainer after the runtime's latency.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer events)
    fn create(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("synced pods exist");
        let name = container(pod, slot).name.clone();
        let node = pod.node_name.clone().unwrap_or_default();
        let latency = state.node(&node).map(|n| n.timings.container_start);
        let start_latency = self.draw(&node, latency);
        normal(
            state,
            id,
            slot,
            now,
            "Created",
            format!("Created container: {name}"),
        );
        let run = self.run_mut(id, slot);
        run.instance += 1;
        let instance = run.instance;
        let worker = self.workers.get_mut(&id).expect("worker");
        worker.busy = true;
        worker.to_start.remove(&slot);
        let pod = state.pod_mut(id).expect("exists");
        status::container_created(pod, slot, id, instance);
        out.push((
            now + start_latency,
            super::KubeletEvent::ContainerStarted {
                pod: id,
                slot,
                instance,
            },
        ));
    }
}

/// The first container the pod needs something for: init containers in order (each must
/// complete, or for a sidecar start, before the next), then the app containers. Those a new
/// sandbox must start (`to_start`) are started whatever their status says.
fn next_need(pod: &Pod, to_start: &BTreeSet<Slot>) -> Option<(Slot, Need)> {
    let policy = pod.spec.restart_policy;
    for (index, s) in pod.status.init_container_statuses.iter().enumerate() {
        let slot = Slot { init: true, index };
        if to_start.contains(&slot) {
            return Some((slot, Need::Start));
        }
        let sidecar = pod.spec.init_containers[index].restart_policy_always;
        match need(
            s,
            if sidecar {
                RestartPolicy::Always
            } else {
                RestartPolicy::OnFailure
            },
        ) {
            // K8S: a sidecar lets the next init container start once it has started (its
            // startup probe passed, or it runs and has none).
            Need::Nothing if sidecar && s.started == Some(true) => continue,
            Need::Nothing if !sidecar && completed(s) => continue,
            // K8S: getPhase / computeInitContainerActions: a failed init container under
            // restartPolicy Never fails the pod.
            Need::Restart(_) if policy == RestartPolicy::Never && !sidecar => return None,
            Need::Nothing => return None, // running: wait for it
            other => return Some((slot, other)),
        }
    }
    pod.status
        .container_statuses
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let slot = Slot { init: false, index };
            match to_start.contains(&slot) {
                true => (slot, Need::Start),
                false => (slot, need(s, policy)),
            }
        })
        .find(|(_, n)| *n != Need::Nothing)
}

fn completed(s: &crate::model::pod::ContainerStatus) -> bool {
    matches!(s.state, ContainerState::Terminated { exit_code: 0, .. })
}

/// What one container needs under a restart policy.
// K8S: pkg/kubelet/container/helpers.go (ShouldContainerBeRestarted)
fn need(s: &crate::model::pod::ContainerStatus, policy: RestartPolicy) -> Need {
    if matches!(s.state, ContainerState::Running { .. }) {
        return Need::Nothing;
    }
    let Some(&ContainerState::Terminated {
        exit_code,
        finished_at,
        ..
    }) = status::latest_exit(s)
    else {
        // Never ran: waiting to be created, or for its image.
        return Need::Start;
    };
    let restart = match policy {
        RestartPolicy::Always => true,
        RestartPolicy::OnFailure => exit_code != 0,
        RestartPolicy::Never => false,
    };
    if restart {
        Need::Restart(finished_at)
    } else {
        Need::Nothing
    }
}

/// The crash-loop backoff key: a new container spec (say, another image) starts afresh.
// K8S: pkg/kubelet/kuberuntime/helpers.go (getStableKey)
fn stable_key(pod: &Pod, slot: Slot) -> String {
    let c = container(pod, slot);
    let spec_hash = {
        use sha2::{Digest, Sha256};
        let text = format!("{}|{}|{:?}|{:?}", c.name, c.image, c.command, c.args);
        Sha256::digest(text.as_bytes())
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    format!(
        "{}_{}_{}_{}_{}",
        pod.meta.name, pod.meta.namespace, pod.meta.uid, c.name, spec_hash
    )
}
