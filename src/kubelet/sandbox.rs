//! A pod sandbox that dies (its pause process exits, or a scenario kills it) is seen at the
//! PLEG's next relist, and the pod worker then does what upstream's SyncPod does when
//! `podSandboxChanged` says the sandbox is not ready: it kills the pod's containers, and either
//! makes a new sandbox and starts them again in it, or, when nothing would run again, leaves
//! the pod without one.

use super::lifecycle::{grace_period, next_tick};
use super::{record_on_pod, status, Followups, KubeletEvent, Kubelets, Slot, PLEG_RELIST};
use crate::engine::SimTime;
use crate::model::pod::RestartPolicy;
use crate::model::{ClusterState, ContainerState, EventType, Pod, PodId};

/// How far the kubelet is with a sandbox that is no longer ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SandboxLost {
    /// It died; the next relist sees it.
    Noticed,
    /// The pod's containers are being killed; a new sandbox follows once they have stopped.
    Killing,
    /// The new sandbox is being made.
    Creating,
    /// No new sandbox: none of the pod's containers would run again.
    NotRecreated,
}

/// The message of the `SandboxChanged` event.
// K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (SyncPod: events.SandboxChanged)
const SANDBOX_CHANGED: &str = "Pod sandbox changed, it will be killed and re-created.";

impl Kubelets {
    /// The pod's sandbox died at `now`: the PLEG's next relist sees it not ready.
    // K8S: pkg/kubelet/pleg/generic.go (relist: a sandbox that stopped is a ContainerDied event
    // for the pod, which syncs it)
    pub(super) fn sandbox_died(&mut self, id: PodId, now: SimTime, out: &mut Followups) {
        let Some(worker) = self.workers.get_mut(&id) else {
            return;
        };
        if worker.sandbox_lost.is_some() {
            return;
        }
        worker.sandbox_lost = Some(SandboxLost::Noticed);
        out.push((
            next_tick(now, PLEG_RELIST),
            KubeletEvent::SandboxChanged(id),
        ));
    }

    /// Asks the runtime whether the pod's sandbox is still ready (real mode: its pause process
    /// runs), while the kubelet believes it is.
    pub(super) fn check_sandbox(
        &mut self,
        state: &ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        let believed_ready = self
            .workers
            .get(&id)
            .is_some_and(|w| w.sandbox_lost.is_none());
        if believed_ready
            && !self
                .runtime
                .sandbox_ready(&pod.meta.namespace, &pod.meta.name)
        {
            self.sandbox_died(id, now, out);
        }
    }

    /// `simulate sandbox-kill`: the pod's sandbox dies now. The error is the line to print when
    /// the pod has no sandbox to kill.
    pub fn kill_sandbox(
        &mut self,
        state: &ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) -> Result<(), String> {
        let pod = state.pod(id).ok_or("the pod is gone")?;
        let has_sandbox = pod.status.pod_ip.is_some()
            || self
                .workers
                .get(&id)
                .is_some_and(|w| w.unreported_sandbox.is_some());
        if !has_sandbox {
            return Err(format!(
                "error: pod {} has no sandbox to kill yet",
                pod.meta.name
            ));
        }
        self.sandbox_died(id, now, out);
        Ok(())
    }

    /// The relist saw the sandbox not ready. With a new sandbox to make (the `SandboxChanged`
    /// event), the pod's containers are killed and, once all have stopped, the new sandbox is
    /// made and the containers to start are started in it; without (restartPolicy Never once a
    /// container has run, or nothing left to run), the containers are killed and the pod stays
    /// without a sandbox.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions with
    // createPodSandbox; SyncPod steps 1, 2 and 4: the event, killPodWithSyncResult's "Stopping
    // container" kills with the pod's grace period, createPodSandbox with attempt + 1),
    // pkg/kubelet/kuberuntime/util/util.go (PodSandboxChanged), pkg/kubelet/status/generate.go
    // (GeneratePodReadyToStartContainersCondition: False while a new sandbox is needed)
    pub(super) fn sandbox_changed(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        if self.stopping(pod, id) || pod.is_terminal() {
            return;
        }
        let to_start = containers_to_start(pod);
        let grace = grace_period(pod.spec.termination_grace_period_seconds);
        let worker = self
            .workers
            .get_mut(&id)
            .expect("handled pods have workers");
        if to_start.is_empty() {
            worker.sandbox_lost = Some(SandboxLost::NotRecreated);
        } else {
            worker.sandbox_lost = Some(SandboxLost::Killing);
            worker.to_start = to_start;
            worker.busy = true;
            let message = SANDBOX_CHANGED.to_string();
            record_on_pod(state, id, now, EventType::Normal, "SandboxChanged", message);
        }
        status::sandbox_not_ready(state.pod_mut(id).expect("exists"), now);
        self.stop_all(state, id, grace, now, out);
        self.recreate_when_stopped(state, id, now, out);
    }

    /// Whether a container created in the sandbox that has since died must not start: it
    /// starts in the new sandbox instead, if one is made.
    pub(super) fn sandbox_lost_before_start(&mut self, id: PodId, slot: Slot) -> bool {
        let Some(worker) = self.workers.get_mut(&id) else {
            return false;
        };
        let Some(lost) = worker.sandbox_lost else {
            return false;
        };
        let recreating = matches!(lost, SandboxLost::Killing | SandboxLost::Creating);
        // The pod worker stays busy while it makes the new sandbox.
        worker.busy = recreating;
        if recreating {
            worker.to_start.insert(slot);
        }
        true
    }

    /// Whether the pod's containers are being killed for a new sandbox.
    pub(super) fn killing_for_new_sandbox(&self, id: PodId) -> bool {
        self.workers
            .get(&id)
            .is_some_and(|w| w.sandbox_lost == Some(SandboxLost::Killing))
    }

    /// A container killed for a new sandbox has stopped (SyncPod waits for each kill): one the
    /// same pass starts again (an app container of a pod without init containers) keeps the
    /// status the kubelet wrote before the kill until it runs again (see
    /// [`super::SlotRun::replaced`]); any other reports its exit. The last one to stop lets the
    /// new sandbox be made.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: a pod with init
    // containers starts only the first of them in the new sandbox's pass)
    pub(super) fn stopped_for_new_sandbox(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
        out: &mut Followups,
    ) {
        let same_pass = state
            .pod(id)
            .is_some_and(|p| p.spec.init_containers.is_empty());
        let restarts = same_pass
            && self
                .workers
                .get(&id)
                .is_some_and(|w| w.to_start.contains(&slot));
        let run = self.run_mut(id, slot);
        run.restart_after_stop = false;
        run.replaced = run.exit.take();
        self.stop_probing(id, slot);
        if !restarts {
            self.report_replaced(state, id, slot, now);
        }
        self.recreate_when_stopped(state, id, now, out);
    }

    /// Once none of the pod's containers runs any more, removes the dead sandbox and makes a
    /// new one (ready after the node's sandbox latency: `SandboxReady`, a new IP, and a sync
    /// that starts the containers to start).
    fn recreate_when_stopped(
        &mut self,
        state: &ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(pod) = state.pod(id) else { return };
        let Some(worker) = self.workers.get_mut(&id) else {
            return;
        };
        let running = worker.slots.values().any(|r| r.live.is_some());
        if worker.sandbox_lost != Some(SandboxLost::Killing) || running {
            return;
        }
        worker.sandbox_lost = Some(SandboxLost::Creating);
        let node = worker.node.clone();
        self.runtime
            .remove_sandbox(&pod.meta.namespace, &pod.meta.name);
        let latency = state.node(&node).map(|n| n.timings.sandbox);
        let ready = now + self.draw(&node, latency);
        out.push((ready, KubeletEvent::SandboxReady(id)));
    }
}

// DEVIATION: upstream's doBackOff may hold a container back under CrashLoopBackOff in the
// new sandbox, and with init containers it restarts app containers by restartPolicy; kubesim
// starts every one listed here at once, in order.
/// What a new sandbox would start: every init container (they run again in order, from the
/// first) and every app container, but under OnFailure not those that succeeded. Nothing when
/// restartPolicy is Never and a container has run, or when only succeeded containers are left
/// and the pod was initialized: then no new sandbox is made.
// K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: the createPodSandbox
// branch; purgeInitContainers)
fn containers_to_start(pod: &Pod) -> std::collections::BTreeSet<Slot> {
    let statuses = || {
        let init = pod.status.init_container_statuses.iter().enumerate();
        let init = init.map(|(index, s)| (Slot { init: true, index }, s));
        let app = pod.status.container_statuses.iter().enumerate();
        init.chain(app.map(|(index, s)| (Slot { init: false, index }, s)))
    };
    let ran = |s: &crate::model::pod::ContainerStatus| {
        !matches!(s.state, ContainerState::Waiting { .. }) || s.last_state.is_some()
    };
    let policy = pod.spec.restart_policy;
    if policy == RestartPolicy::Never && statuses().any(|(_, s)| ran(s)) {
        return Default::default();
    }
    let succeeded = |s: &crate::model::pod::ContainerStatus| {
        matches!(s.state, ContainerState::Terminated { exit_code: 0, .. })
    };
    let apps: Vec<Slot> = statuses()
        .filter(|(slot, _)| !slot.init)
        .filter(|(_, s)| !(policy == RestartPolicy::OnFailure && succeeded(s)))
        .map(|(slot, _)| slot)
        .collect();
    let initialized = statuses().any(|(slot, s)| !slot.init && ran(s));
    if apps.is_empty() && initialized {
        return Default::default();
    }
    let inits = statuses()
        .filter(|(slot, _)| slot.init)
        .map(|(slot, _)| slot);
    inits.chain(apps).collect()
}
