//! A container's life after creation: its process runs (and may exit, or go over its memory
//! limit), probes watch it, the kubelet kills it (liveness failure, deletion), and the PLEG
//! notices its exit.

use super::behaviour::{catalogue, World};
use super::prober::{ContainerView, ProbeKind, ProbeResult, TickAction};
use super::runtime::{Next, ProbeOutcome, Signal, StartRequest};
use super::{
    container, normal, status, warning, Exit, Followups, KubeletEvent, Kubelets, Slot, PLEG_RELIST,
};
use crate::engine::{SimDuration, SimTime};
use crate::model::pod::{Hook, ProbeHandler, RestartPolicy};
use crate::model::{ClusterState, ContainerState, PodId};

/// Name resolution inside the cluster, from the Services that exist now.
pub(super) struct ClusterDns<'a> {
    pub(super) state: &'a ClusterState,
    pub(super) namespace: &'a str,
}

/// The Service and namespace a cluster DNS name asks for, from a pod in `namespace`:
/// `myservice.default.svc.cluster.local` and `myservice` (from `default`) both name
/// `("myservice", "default")`.
// K8S: cluster DNS names `<service>[.<namespace>[.svc[.cluster.local]]]`
pub fn service_named_by<'a>(name: &'a str, namespace: &'a str) -> (&'a str, &'a str) {
    let name = name.trim_end_matches('.');
    let name = name
        .strip_suffix(".cluster.local")
        .unwrap_or(name)
        .trim_end_matches(".svc");
    name.split_once('.').unwrap_or((name, namespace))
}

impl World for ClusterDns<'_> {
    // K8S: the `kubernetes` Service always exists in `default` at the first address of the
    // service range.
    fn resolve(&self, name: &str) -> Option<String> {
        let (service, namespace) = service_named_by(name, self.namespace);
        if service == "kubernetes" && namespace == "default" {
            return Some("10.96.0.1".to_string());
        }
        let key = (
            "Service".to_string(),
            namespace.to_string(),
            service.to_string(),
        );
        let object = self.state.objects.get(&key)?;
        let given = object
            .body
            .pointer("/spec/clusterIP")
            .and_then(|v| v.as_str());
        Some(given.map_or_else(|| service_ip(namespace, service), str::to_string))
    }
}

/// A Service's cluster IP when its manifest gives none: a stable address in 10.96.0.0/12
/// derived from its name, as the allocator would hand out some free one.
fn service_ip(namespace: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{namespace}/{name}").as_bytes());
    format!("10.{}.{}.{}", 96 + h[0] % 16, h[1], 2 + h[2] % 250)
}

impl Kubelets {
    /// The runtime started the container's process.
    pub(super) fn container_started(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        instance: u64,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("handled pods exist");
        if self.stopping(pod, id) || self.run(id, slot).is_none_or(|r| r.instance != instance) {
            self.workers.get_mut(&id).expect("worker").busy = false;
            return;
        }
        if self.sandbox_lost_before_start(id, slot) {
            return;
        }
        let c = container(pod, slot);
        let name = c.name.clone();
        let argv = catalogue::argv(&c.image, &c.command, &c.args);
        let script = self.behaviours.iter().find(|b| b.selects(pod, c));
        if let Some(why) =
            catalogue::missing_executable(&c.image, &argv).filter(|_| script.is_none())
        {
            return self.start_failed(state, id, slot, &why, now, out);
        }
        let cpu_limit = c
            .resources
            .limits
            .get("cpu")
            .map(|q| q.milli_value().max(0) as u64);
        let request = StartRequest {
            argv,
            script: script.map(|b| b.script.clone().under_cpu_limit(cpu_limit)),
            env: &c.env,
            namespace: &pod.meta.namespace,
            pod_name: &pod.meta.name,
            container: c,
        };
        let process = self.runtime.start(request, now);
        normal(
            state,
            id,
            slot,
            now,
            "Started",
            format!("Started container {name}"),
        );
        let run = self.run_mut(id, slot);
        run.live = Some(process);
        run.started = Some(now);
        run.stopping = false;
        run.noted = false;
        self.advance(state, id, slot, now, out);
        // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer runs postStart
        // before returning: the container is not reported running until it completes)
        let hook = state
            .pod(id)
            .and_then(|p| container(p, slot).post_start.clone());
        match hook {
            Some(hook) => {
                let (outcome, took) = self.run_hook(state, id, slot, &hook, None, now);
                let ok = outcome.is_ok();
                let event = KubeletEvent::PostStartDone {
                    pod: id,
                    slot,
                    instance,
                    ok,
                };
                out.push((now + took, event));
            }
            None => self.report_running(state, id, slot, now, out),
        }
    }

    /// The runtime could not start the container's process (runc found no executable): the
    /// `Failed` event with containerd's error, and a container that exited with 128 at once
    /// (`StartError`, never started). One that will be restarted waits with the sync's error,
    /// `RunContainerError`, as the kubelet's reason cache reports it; the exit is seen at the
    /// next relist, and restarts follow the crash-loop back-off like any exit's.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer: StartContainer
    // fails → "Error: %v", ErrRunContainer), pkg/kubelet/kubelet_pods.go
    // (convertToAPIContainerStatuses: a container to restart with a cached start failure is
    // Waiting with that reason, its exit in lastState); containerd
    // internal/cri/server/container_start.go ("failed to create containerd task: %w", exit
    // code 128 and reason StartError), runc ("runc create failed: unable to start container
    // process: error during container init: ...")
    fn start_failed(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        why: &str,
        now: SimTime,
        out: &mut Followups,
    ) {
        let message = format!(
            "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {why}: unknown"
        );
        warning(state, id, slot, now, "Failed", format!("Error: {message}"));
        self.report_sandbox(state, id, now);
        self.report_replaced(state, id, slot, now);
        let pod = state.pod_mut(id).expect("handled pods exist");
        let sidecar = slot.init && pod.spec.init_containers[slot.index].restart_policy_always;
        let restarts = sidecar || pod.spec.restart_policy != RestartPolicy::Never;
        status::container_start_failed(pod, slot, message, restarts, now);
        self.workers.get_mut(&id).expect("worker").busy = false;
        self.sync_later(id, next_tick(now, PLEG_RELIST), out);
    }

    /// The postStart hook finished: the container is running, or is killed if the hook failed.
    pub(super) fn post_start_done(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        ok: bool,
        now: SimTime,
        out: &mut Followups,
    ) {
        self.report_running(state, id, slot, now, out);
        if !ok {
            // Upstream leaves the hook's output out of the event, lest it leak secrets.
            let message = "PostStartHook failed".to_string();
            warning(state, id, slot, now, "FailedPostStartHook", message);
            let grace = grace_period(
                state
                    .pod(id)
                    .map_or(30, |p| p.spec.termination_grace_period_seconds),
            );
            self.kill(
                state,
                id,
                slot,
                "FailedPostStartHook".to_string(),
                grace,
                now,
                out,
            );
        }
    }

    /// Reports a started container as running, probes readiness at once, and lets the pod
    /// worker go on.
    fn report_running(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
        out: &mut Followups,
    ) {
        let has_startup = self.has_probe(id, slot, ProbeKind::Startup);
        let has_readiness = self.has_probe(id, slot, ProbeKind::Readiness);
        let started_at = self.run(id, slot).and_then(|r| r.started).unwrap_or(now);
        self.report_sandbox(state, id, now);
        self.report_replaced(state, id, slot, now);
        let pod = state.pod_mut(id).expect("exists");
        status::container_running(pod, slot, started_at, now, !has_startup, has_readiness);
        self.workers.get_mut(&id).expect("worker").busy = false;
        // K8S: pkg/kubelet/prober/prober_manager.go (UpdatePodStatus triggers a readiness probe
        // at once while the container is not ready yet)
        if has_readiness {
            self.probe_tick_now(state, id, slot, ProbeKind::Readiness, now, out);
        }
        self.sync(state, id, now, out);
    }

    fn has_probe(&self, id: PodId, slot: Slot, kind: ProbeKind) -> bool {
        self.workers
            .get(&id)
            .is_some_and(|w| w.probes.contains_key(&(slot, kind)))
    }

    /// Lets the container's process run until time must pass again.
    pub(super) fn advance(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("handled pods exist");
        let limit = memory_limit(pod, slot);
        let dns = ClusterDns {
            state,
            namespace: &pod.meta.namespace,
        };
        let run = self.run_mut(id, slot);
        let instance = run.instance;
        let Some(live) = run.live.as_mut() else {
            return;
        };
        let next = live.advance(now, limit, &dns);
        if let Some(why) = live.unsupported().filter(|_| !run.noted) {
            let note = format!("{}{why}", super::UNKNOWN_BEHAVIOUR);
            run.noted = true;
            let name = container(pod, slot).name.clone();
            state.note(id, &name, note);
        }
        self.check_sandbox(state, id, now, out);
        match next {
            Next::WakeAt(at) => out.push((
                at,
                KubeletEvent::ProcessWake {
                    pod: id,
                    slot,
                    instance,
                },
            )),
            Next::OomAt(at) => self.oom_at(id, slot, instance, at, now, out),
            Next::Exited(code) => self.process_exited(id, slot, code, exit_reason(code), now, out),
            Next::Idle => {}
        }
    }

    /// The container's memory crosses its limit at `at`: the kernel OOM-kills it then.
    pub(super) fn oom_at(
        &mut self,
        id: PodId,
        slot: Slot,
        instance: u64,
        at: SimTime,
        now: SimTime,
        out: &mut Followups,
    ) {
        if at <= now {
            self.process_exited(id, slot, 137, "OOMKilled", now, out);
        } else {
            let event = KubeletEvent::OomKill {
                pod: id,
                slot,
                instance,
            };
            out.push((at, event));
        }
    }

    /// The process is gone; the kubelet learns of it at the PLEG's next relist.
    pub(super) fn process_exited(
        &mut self,
        id: PodId,
        slot: Slot,
        code: i32,
        reason: &'static str,
        now: SimTime,
        out: &mut Followups,
    ) {
        let run = self.run_mut(id, slot);
        run.keep_ended();
        run.exit = Some(Exit {
            code,
            reason,
            started: run.started.unwrap_or(now),
            finished: now,
        });
        // A kill that restarts the container (or makes way for a new sandbox) returns to the
        // pod worker, which waited for it; any other exit is seen at the next relist.
        let (waited, instance) = (run.restart_after_stop, run.instance);
        let noticed = if waited || self.killing_for_new_sandbox(id) {
            now
        } else {
            next_tick(now, PLEG_RELIST)
        };
        out.push((
            noticed,
            KubeletEvent::ExitNoticed {
                pod: id,
                slot,
                instance,
            },
        ));
    }

    /// The PLEG saw the exit: report it and let the worker decide what comes next.
    pub(super) fn exit_noticed(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        instance: u64,
        now: SimTime,
        out: &mut Followups,
    ) {
        let run = self.run_mut(id, slot);
        if run.instance != instance {
            return;
        }
        if run.exit.is_some() && self.killing_for_new_sandbox(id) {
            return self.stopped_for_new_sandbox(state, id, slot, now, out);
        }
        let run = self.run_mut(id, slot);
        if std::mem::take(&mut run.restart_after_stop) {
            return self.replace_stopped(state, id, slot, instance, now, out);
        }
        let Some(exit) = run.exit.take() else { return };
        let pod = state.pod_mut(id).expect("handled pods exist");
        status::container_exited(
            pod,
            slot,
            exit.code,
            exit.reason,
            exit.started,
            exit.finished,
            now,
        );
        self.stop_probing(id, slot);
        self.sync(state, id, now, out);
    }

    /// The container in `slot` stopped running: its readiness result drops to Failure.
    pub(super) fn stop_probing(&mut self, id: PodId, slot: Slot) {
        if let Some(worker) = self.workers.get_mut(&id) {
            for ((s, _), w) in worker.probes.iter_mut() {
                if *s == slot {
                    w.container_stopped();
                }
            }
        }
    }

    /// Stops every running container of a pod that is going away (`Stopping container`); a
    /// run killed to be replaced whose replacement has not started is reported as exited.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (KillPod → killContainersWithSyncResult)
    pub(super) fn stop_all(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        grace: SimDuration,
        now: SimTime,
        out: &mut Followups,
    ) {
        let slots: Vec<Slot> = self
            .workers
            .get(&id)
            .map(|w| w.slots.keys().copied().collect())
            .unwrap_or_default();
        for slot in slots {
            if self.run(id, slot).is_some_and(|r| r.live.is_none()) {
                self.report_replaced(state, id, slot, now);
            }
        }
        let Some(pod) = state.pod(id) else { return };
        for (slot, name) in status::running_containers(pod) {
            let message = format!("Stopping container {name}");
            self.kill(state, id, slot, message, grace, now, out);
        }
    }

    /// Writes the exit of a run killed to be replaced into the pod status, once its replacement
    /// runs or cannot start (see [`SlotRun::replaced`]).
    pub(super) fn report_replaced(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        now: SimTime,
    ) {
        let Some(exit) = self.run_mut(id, slot).replaced.take() else {
            return;
        };
        let pod = state.pod_mut(id).expect("handled pods exist");
        status::container_exited(
            pod,
            slot,
            exit.code,
            exit.reason,
            exit.started,
            exit.finished,
            now,
        );
    }

    /// Kills a container that the same sync pass then starts again (a failed liveness or
    /// startup probe, a changed definition): see [`Kubelets::replace_stopped`].
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: "..., will be
    // restarted" puts the container in both ContainersToKill and ContainersToStart)
    #[allow(clippy::too_many_arguments)]
    pub(super) fn kill_to_restart(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        message: String,
        grace: SimDuration,
        now: SimTime,
        out: &mut Followups,
    ) {
        let run = self.run_mut(id, slot);
        if run.stopping || run.live.is_none() {
            return;
        }
        run.restart_after_stop = true;
        self.kill(state, id, slot, message, grace, now, out);
    }

    /// Stops a container: `Killing` event, SIGTERM, and SIGKILL after `grace` unless the
    /// process exits first (see [`grace_period`]; a zero grace is a hard eviction's override).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn kill(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        message: String,
        grace: SimDuration,
        now: SimTime,
        out: &mut Followups,
    ) {
        let run = self.run_mut(id, slot);
        if run.stopping || run.live.is_none() {
            return;
        }
        run.stopping = true;
        normal(state, id, slot, now, "Killing", message);
        // K8S: kuberuntime_container.go (executePreStopHook: it runs within the grace period,
        // which then shrinks by the time it took, to no less than 2 s)
        let hook = state
            .pod(id)
            .and_then(|p| container(p, slot).pre_stop.clone());
        if let Some(hook) = hook.filter(|_| grace > SimDuration::ZERO) {
            let (outcome, took) = self.run_hook(state, id, slot, &hook, Some(grace), now);
            if outcome.is_err() {
                let message = "PreStopHook failed".to_string();
                warning(state, id, slot, now, "FailedPreStopHook", message);
            }
            let took = took.min(grace);
            let left = grace.saturating_sub(took).max(grace_period(0));
            let instance = self.run_mut(id, slot).instance;
            let event = KubeletEvent::SigTerm {
                pod: id,
                slot,
                instance,
                grace: left,
            };
            out.push((now + took, event));
            return;
        }
        self.terminate(id, slot, grace, now, out);
    }

    /// SIGTERM to PID 1, then SIGKILL after `grace` unless it exits (a zero grace kills at
    /// once).
    pub(super) fn terminate(
        &mut self,
        id: PodId,
        slot: Slot,
        grace: SimDuration,
        now: SimTime,
        out: &mut Followups,
    ) {
        if grace == SimDuration::ZERO {
            return self.sigkill(id, slot, now, out);
        }
        let run = self.run_mut(id, slot);
        let instance = run.instance;
        let on_term = run.live.as_mut().and_then(|c| c.signal(Signal::Term));
        match on_term {
            Some(code) => self.process_exited(id, slot, code, exit_reason(code), now, out),
            None => out.push((
                now + grace,
                KubeletEvent::SigKill {
                    pod: id,
                    slot,
                    instance,
                },
            )),
        }
    }

    /// SIGKILL to PID 1: the process ends with the code the runtime reports (137).
    pub(super) fn sigkill(&mut self, id: PodId, slot: Slot, now: SimTime, out: &mut Followups) {
        let live = self.run_mut(id, slot).live.as_mut();
        let code = live.and_then(|c| c.signal(Signal::Kill)).unwrap_or(137);
        self.process_exited(id, slot, code, exit_reason(code), now, out);
    }

    /// Runs a lifecycle hook against the container: its outcome and how long it took.
    // K8S: pkg/kubelet/lifecycle/handlers.go (exec, httpGet, sleep; tcpSocket does nothing)
    fn run_hook(
        &mut self,
        state: &ClusterState,
        id: PodId,
        slot: Slot,
        hook: &Hook,
        timeout: Option<SimDuration>,
        now: SimTime,
    ) -> (ProbeOutcome, SimDuration) {
        match hook {
            Hook::Sleep { seconds } => (Ok(()), SimDuration::from_secs(*seconds as u64)),
            Hook::TcpSocket => (Ok(()), SimDuration::ZERO),
            Hook::Exec { command } => {
                // Without a grace period to bound it, a postStart hook may take up to an hour.
                let timeout = timeout.unwrap_or(SimDuration::from_secs(3600));
                let handler = ProbeHandler::Exec {
                    command: command.clone(),
                };
                self.run_handler(state, id, slot, &handler, timeout, now)
            }
            Hook::HttpGet { path, port } => {
                let handler = ProbeHandler::HttpGet {
                    path: path.clone(),
                    port: port.clone(),
                    host: String::new(),
                    scheme: "HTTP".to_string(),
                };
                let timeout = SimDuration::from_secs(1);
                self.run_handler(state, id, slot, &handler, timeout, now)
            }
        }
    }

    /// A probe worker's ticker fires: probe if due, then tick again one period later.
    pub(super) fn probe_tick(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        kind: ProbeKind,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("handled pods exist");
        // K8S: pkg/kubelet/prober/worker.go (doProbe: stop for terminal pods; liveness and
        // startup stop once the pod is being deleted)
        if pod.is_terminal() || (self.stopping(pod, id) && kind != ProbeKind::Readiness) {
            return;
        }
        let Some(period) = self
            .workers
            .get(&id)
            .and_then(|w| w.probes.get(&(slot, kind)))
            .map(|w| w.period())
        else {
            return;
        };
        self.probe_tick_now(state, id, slot, kind, now, out);
        out.push((
            now + period,
            KubeletEvent::ProbeTick {
                pod: id,
                slot,
                kind,
            },
        ));
    }

    /// One `doProbe` of a worker.
    // K8S: pkg/kubelet/prober/worker.go (doProbe), prober.go (probe: Unhealthy events)
    fn probe_tick_now(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        kind: ProbeKind,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod(id).expect("handled pods exist");
        let s = status::container_status(pod, slot);
        let running = match (&s.state, self.run(id, slot)) {
            (ContainerState::Running { started_at }, Some(run)) if run.live.is_some() => {
                Some((run.instance, *started_at))
            }
            _ => None,
        };
        let view = ContainerView {
            running,
            started: s.started == Some(true),
        };
        let never = pod.spec.restart_policy == RestartPolicy::Never;
        let worker = self
            .workers
            .get_mut(&id)
            .and_then(|w| w.probes.get_mut(&(slot, kind)))
            .expect("ticking workers exist");
        let outcome = match worker.tick(view, now) {
            TickAction::Skip => return,
            TickAction::NotRunning => {
                if let Some(result) = worker.container_stopped() {
                    self.publish(state, id, slot, kind, result, never, now, out);
                }
                return;
            }
            TickAction::Probe => {
                let probe = worker.probe.clone();
                let timeout = SimDuration::from_secs(probe.timeout_seconds.max(1) as u64);
                self.run_handler(state, id, slot, &probe.handler, timeout, now)
                    .0
            }
        };
        if let Err(output) = &outcome {
            warning(
                state,
                id,
                slot,
                now,
                "Unhealthy",
                format!("{} probe failed: {output}", kind.title()),
            );
        }
        let worker = self
            .workers
            .get_mut(&id)
            .and_then(|w| w.probes.get_mut(&(slot, kind)))
            .expect("ticking workers exist");
        if let Some(result) = worker.observe(outcome.is_ok()) {
            self.publish(state, id, slot, kind, result, never, now, out);
        }
    }

    /// Acts on a newly published probe result.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: a failed
    // liveness or startup probe kills the container, "will be restarted" unless Never)
    #[allow(clippy::too_many_arguments)]
    fn publish(
        &mut self,
        state: &mut ClusterState,
        id: PodId,
        slot: Slot,
        kind: ProbeKind,
        result: ProbeResult,
        never: bool,
        now: SimTime,
        out: &mut Followups,
    ) {
        let pod = state.pod_mut(id).expect("handled pods exist");
        match (kind, result) {
            (ProbeKind::Readiness, _) => {
                status::set_ready(pod, slot, result == ProbeResult::Success, now)
            }
            (ProbeKind::Startup, ProbeResult::Success) => {
                let readiness = self.has_probe(id, slot, ProbeKind::Readiness);
                status::set_started(state.pod_mut(id).expect("exists"), slot, !readiness, now);
                self.sync(state, id, now, out);
            }
            (_, ProbeResult::Failure) => {
                let name = container(pod, slot).name.clone();
                let grace = grace_period(pod.spec.termination_grace_period_seconds);
                let message = format!("Container {name} failed {} probe", kind.lower());
                if never {
                    self.kill(state, id, slot, message, grace, now, out);
                } else {
                    let message = format!("{message}, will be restarted");
                    self.kill_to_restart(state, id, slot, message, grace, now, out);
                }
            }
            _ => {}
        }
    }

    /// Runs a probe (or hook) handler against the container: its outcome, and how long it took
    /// (network handlers answer at once).
    // K8S: pkg/probe/http/http.go (2xx-3xx succeed; "HTTP probe failed with statuscode: %d"),
    // pkg/probe/tcp/tcp.go
    fn run_handler(
        &mut self,
        state: &ClusterState,
        id: PodId,
        slot: Slot,
        handler: &ProbeHandler,
        timeout: SimDuration,
        now: SimTime,
    ) -> (ProbeOutcome, SimDuration) {
        let pod = state.pod(id).expect("handled pods exist");
        let c = container(pod, slot);
        // K8S: pkg/kubelet/lifecycle/handlers.go (the pod's IP from the runtime, which knows
        // the sandbox before the API does)
        let worker = self.workers.get(&id);
        let ip = (pod.status.pod_ip.clone())
            .or_else(|| worker.and_then(|w| w.unreported_sandbox.clone()))
            .unwrap_or_default();
        let dns = ClusterDns {
            state,
            namespace: &pod.meta.namespace,
        };
        let slots = &mut self
            .workers
            .get_mut(&id)
            .expect("probed pods have workers")
            .slots;
        // The containers of a pod share its network namespace: a probe of the pod IP reaches
        // whichever container listens on the port (an ambassador's, say), its own first.
        // K8S: pkg/kubelet/prober/prober.go (probes dial the pod IP)
        let serving = |port: u16, path: &str| {
            let own = slots.get(&slot).into_iter();
            own.chain(slots.values())
                .filter_map(|r| r.live.as_ref())
                .find_map(|live| live.http_status(port, path, now))
        };
        let port_of = |port: &str| -> u16 {
            port.parse().unwrap_or_else(|_| {
                c.ports
                    .iter()
                    .find(|p| p.name.as_deref() == Some(port))
                    .map_or(0, |p| p.container_port as u16)
            })
        };
        let outcome = match handler {
            ProbeHandler::Exec { command } => {
                let live = slots
                    .get_mut(&slot)
                    .and_then(|r| r.live.as_mut())
                    .expect("probed containers run");
                return live.exec(command, timeout, now, &dns);
            }
            ProbeHandler::HttpGet {
                path, port, scheme, ..
            } => {
                let port = port_of(port);
                let url = format!("{}://{ip}:{port}{path}", scheme.to_ascii_lowercase());
                match serving(port, path) {
                    Some(Some(code)) if (200..400).contains(&code) => Ok(()),
                    Some(Some(code)) => Err(format!("HTTP probe failed with statuscode: {code}")),
                    Some(None) => Err(format!("Get \"{url}\": EOF")),
                    None => Err(format!(
                        "Get \"{url}\": dial tcp {ip}:{port}: connect: connection refused"
                    )),
                }
            }
            ProbeHandler::TcpSocket { port, .. } => {
                let port = port_of(port);
                let own = slots.get(&slot).into_iter();
                let mut lives = own.chain(slots.values()).filter_map(|r| r.live.as_ref());
                if lives.any(|live| live.listening(port, now)) {
                    Ok(())
                } else {
                    Err(format!("dial tcp {ip}:{port}: connect: connection refused"))
                }
            }
            ProbeHandler::Grpc { port, .. } => match serving(*port as u16, "/") {
                Some(_) => Ok(()),
                None => Err(format!(
                    "timeout: failed to connect service \"{ip}:{port}\" within {}s",
                    timeout.as_millis() / 1000
                )),
            },
        };
        (outcome, SimDuration::ZERO)
    }
}

/// The runtime's reason for a process that exited by itself with `code`.
// K8S: containerd's CRI (ContainerStatus reason: "Completed" for exit 0, else "Error")
pub(super) fn exit_reason(code: i32) -> &'static str {
    if code == 0 {
        "Completed"
    } else {
        "Error"
    }
}

/// The container's memory limit in bytes, if it has one.
pub(super) fn memory_limit(pod: &crate::model::Pod, slot: Slot) -> Option<u64> {
    let limits = &container(pod, slot).resources.limits;
    limits.get("memory").map(|q| q.value().max(0) as u64)
}

/// A kill's grace period: at least 2 s, as the kubelet enforces.
// K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (killContainer, minimumGracePeriodInSeconds)
pub(super) fn grace_period(seconds: i64) -> SimDuration {
    SimDuration::from_secs(seconds.max(2) as u64)
}

/// The first tick of a kubelet loop running every `period` strictly after `now` (the loops
/// tick on whole multiples of their period since the kubelet started).
pub(super) fn next_tick(now: SimTime, period: SimDuration) -> SimTime {
    let period = period.as_millis();
    let next = (now.saturating_duration_since(SimTime::ZERO).as_millis() / period + 1) * period;
    SimTime::ZERO + SimDuration::from_millis(next)
}
