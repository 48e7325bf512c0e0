//! What the kubelet sees of faults injected by `simulate:` timeline actions: a container's
//! process crashes, or its memory starts to leak, and a static pod's manifest leaves the static
//! pod directory. From there the kubelet does what it does for any exit, OOM kill or removal.

use super::lifecycle::{exit_reason, grace_period, memory_limit};
use super::{container, Followups, Kubelets, Slot};
use crate::engine::SimTime;
use crate::model::{ClusterState, PodId};

impl Kubelets {
    /// The process of a running container (`container`, else the pod's first) exits now with
    /// `code`. The error is the line to print when there is no such running container.
    pub fn crash(
        &mut self,
        state: &ClusterState,
        id: PodId,
        container: Option<&str>,
        code: i32,
        now: SimTime,
        out: &mut Followups,
    ) -> Result<(), String> {
        let slot = self.running_slot(state, id, container)?;
        self.process_exited(id, slot, code, exit_reason(code), now, out);
        Ok(())
    }

    /// From now on the running container's memory also grows by `bytes_per_second`; with a
    /// memory limit it is OOM-killed at the millisecond the limit is crossed.
    pub fn leak(
        &mut self,
        state: &ClusterState,
        id: PodId,
        container: Option<&str>,
        bytes_per_second: u64,
        now: SimTime,
        out: &mut Followups,
    ) -> Result<(), String> {
        let slot = self.running_slot(state, id, container)?;
        let pod = state.pod(id).expect("checked by running_slot");
        let limit = memory_limit(pod, slot);
        let run = self.run_mut(id, slot);
        let instance = run.instance;
        let live = run.live.as_mut().expect("checked by running_slot");
        if let Some(at) = live.leak(bytes_per_second, now, limit) {
            self.oom_at(id, slot, instance, at, now, out);
        }
        Ok(())
    }

    /// The static pod's manifest was removed from the node: the kubelet stops its containers
    /// (with the pod's grace period) and never starts them again.
    // K8S: pkg/kubelet/kubelet.go (HandlePodRemoves → deletePod: the pod worker kills the pod)
    pub fn static_pod_removed(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        now: SimTime,
        out: &mut Followups,
    ) {
        let Some(worker) = self.workers.get_mut(&id) else {
            return;
        };
        worker.removed = true;
        let Some(pod) = state.pod(id) else { return };
        let grace = grace_period(pod.spec.termination_grace_period_seconds);
        self.stop_all(state, id, grace, now, out);
    }

    /// The container a fault targets, if its process runs: the error reads as the API
    /// server's for an unknown container, or says that it is not running.
    fn running_slot(
        &self,
        state: &ClusterState,
        id: PodId,
        name: Option<&str>,
    ) -> Result<Slot, String> {
        let pod = state.pod(id).ok_or("error: the pod is gone")?;
        let slot = match name {
            None => Slot {
                init: false,
                index: 0,
            },
            Some(name) => {
                let apps = pod.spec.containers.iter().map(|c| (false, c));
                let inits = pod.spec.init_containers.iter().map(|c| (true, c));
                let found = apps
                    .enumerate()
                    .chain(inits.enumerate())
                    .find(|(_, (_, c))| c.name == name);
                // K8S: pkg/registry/core/pod/strategy.go (validateContainer)
                let (index, (init, _)) = found.ok_or_else(|| {
                    format!(
                        "Error from server (BadRequest): container {name} is not valid for pod {}",
                        pod.meta.name
                    )
                })?;
                Slot { init, index }
            }
        };
        let live = self
            .run(id, slot)
            .is_some_and(|r| r.live.is_some() && !self.workers[&id].removed);
        if !live {
            return Err(format!(
                "error: container {} of pod {} is not running",
                container(pod, slot).name,
                pod.meta.name
            ));
        }
        Ok(slot)
    }
}
