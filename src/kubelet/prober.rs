//! Probe workers: one per (pod, container, probe kind), ticking every `periodSeconds` from the
//! moment the pod was admitted, as upstream's worker goroutines do. Each tick decides whether
//! to probe (initial delay, startup gating, hold after a failure), runs the handler against the
//! simulated container, and publishes a result once a threshold of identical results is met.

use crate::engine::{SimDuration, SimTime};
use crate::model::pod::Probe;

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    Startup,
    Liveness,
    Readiness,
}

impl ProbeKind {
    /// As event messages spell it (`Liveness probe failed: ...`).
    pub fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
        }
    }

    /// As the Killing message spells it (`failed liveness probe`).
    pub fn lower(self) -> &'static str {
        match self {
            ProbeKind::Startup => "startup",
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
        }
    }
}

/// A published probe result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    Unknown,
    Success,
    Failure,
}

/// The state of one probe worker.
#[derive(Debug, Clone)]
pub struct Worker {
    pub kind: ProbeKind,
    pub probe: Probe,
    /// The container instance the worker last saw; a new one resets the results.
    instance: Option<u64>,
    pub result: ProbeResult,
    last: Option<bool>,
    run: i32,
    /// After publishing a liveness/startup failure, until a new container appears.
    on_hold: bool,
}

/// What a tick should do, decided before touching the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickAction {
    /// Nothing to probe now; keep ticking.
    Skip,
    /// Run the handler.
    Probe,
    /// The container is not running: the result is Failure (no handler run).
    NotRunning,
}

/// What the container looks like to the worker at a tick.
#[derive(Debug, Clone, Copy)]
pub struct ContainerView {
    /// The running instance and when it started, if running.
    pub running: Option<(u64, SimTime)>,
    /// Whether the container has passed its startup probe (or has none).
    pub started: bool,
}

impl Worker {
    /// A worker for a probe of a container.
    // K8S: pkg/kubelet/prober/worker.go (newWorker: initial results)
    pub fn new(kind: ProbeKind, probe: Probe) -> Self {
        Worker {
            kind,
            probe,
            instance: None,
            result: initial(kind),
            last: None,
            run: 0,
            on_hold: false,
        }
    }

    /// The worker's period.
    pub fn period(&self) -> SimDuration {
        SimDuration::from_secs(self.probe.period_seconds.max(1) as u64)
    }

    /// Decides what this tick does.
    // K8S: pkg/kubelet/prober/worker.go (doProbe)
    pub fn tick(&mut self, view: ContainerView, now: SimTime) -> TickAction {
        let Some((instance, started_at)) = view.running else {
            if self.instance.is_some() && !self.on_hold {
                return TickAction::NotRunning;
            }
            return TickAction::Skip;
        };
        if self.instance != Some(instance) {
            self.instance = Some(instance);
            self.result = initial(self.kind);
            self.last = None;
            self.run = 0;
            self.on_hold = false;
        }
        if self.on_hold {
            return TickAction::Skip;
        }
        // Seconds since start, truncated, as `int32(time.Since(StartedAt).Seconds())`.
        let since = now.saturating_duration_since(started_at).as_millis() / 1000;
        if (since as i64) < self.probe.initial_delay_seconds as i64 {
            return TickAction::Skip;
        }
        match self.kind {
            ProbeKind::Startup if view.started => TickAction::Skip,
            ProbeKind::Liveness | ProbeKind::Readiness if !view.started => TickAction::Skip,
            _ => TickAction::Probe,
        }
    }

    /// Counts one probe outcome; returns the result if this one publishes a new value. A
    /// liveness or startup failure then holds the worker until the next container.
    pub fn observe(&mut self, success: bool) -> Option<ProbeResult> {
        if self.last == Some(success) {
            self.run += 1;
        } else {
            self.last = Some(success);
            self.run = 1;
        }
        let threshold = if success {
            self.probe.success_threshold
        } else {
            self.probe.failure_threshold
        };
        if self.run < threshold {
            return None;
        }
        let result = if success {
            ProbeResult::Success
        } else {
            ProbeResult::Failure
        };
        if !success && self.kind != ProbeKind::Readiness {
            self.on_hold = true;
            self.run = 0;
        }
        // K8S: pkg/kubelet/prober/results/results_manager.go (Set notifies on a change only)
        (self.result != result).then(|| {
            self.result = result;
            result
        })
    }

    /// The container stopped running: readiness drops to Failure at once.
    pub fn container_stopped(&mut self) -> Option<ProbeResult> {
        if self.kind == ProbeKind::Readiness && self.result != ProbeResult::Failure {
            self.result = ProbeResult::Failure;
            return Some(ProbeResult::Failure);
        }
        None
    }
}

fn initial(kind: ProbeKind) -> ProbeResult {
    match kind {
        ProbeKind::Readiness => ProbeResult::Failure,
        ProbeKind::Liveness => ProbeResult::Success,
        ProbeKind::Startup => ProbeResult::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod::ProbeHandler;

    fn probe(initial_delay: i32, failure: i32) -> Probe {
        Probe {
            handler: ProbeHandler::Exec {
                command: vec!["true".into()],
            },
            initial_delay_seconds: initial_delay,
            timeout_seconds: 1,
            period_seconds: 5,
            success_threshold: 1,
            failure_threshold: failure,
        }
    }

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    #[test]
    fn initial_delay_counts_whole_seconds_since_the_container_started() {
        let mut w = Worker::new(ProbeKind::Liveness, probe(10, 2));
        let view = ContainerView {
            running: Some((1, at(1_200))),
            started: true,
        };
        assert_eq!(w.tick(view, at(11_000)), TickAction::Skip); // 9.8 s → 9
        assert_eq!(w.tick(view, at(11_200)), TickAction::Probe); // 10.0 s
    }

    #[test]
    fn liveness_publishes_failure_at_the_threshold_then_holds() {
        let mut w = Worker::new(ProbeKind::Liveness, probe(0, 2));
        let view = ContainerView {
            running: Some((1, at(0))),
            started: true,
        };
        assert_eq!(w.tick(view, at(0)), TickAction::Probe);
        assert_eq!(w.observe(true), None); // already Success initially
        assert_eq!(w.observe(false), None);
        assert_eq!(w.observe(false), Some(ProbeResult::Failure));
        assert_eq!(w.tick(view, at(5_000)), TickAction::Skip); // on hold
                                                               // A new container clears the hold and the results.
        let restarted = ContainerView {
            running: Some((2, at(6_000))),
            started: true,
        };
        assert_eq!(w.tick(restarted, at(10_000)), TickAction::Probe);
        assert_eq!(w.result, ProbeResult::Success);
    }

    #[test]
    fn startup_gates_liveness_and_readiness() {
        let mut live = Worker::new(ProbeKind::Liveness, probe(0, 3));
        let mut startup = Worker::new(ProbeKind::Startup, probe(0, 3));
        let before = ContainerView {
            running: Some((1, at(0))),
            started: false,
        };
        assert_eq!(live.tick(before, at(0)), TickAction::Skip);
        assert_eq!(startup.tick(before, at(0)), TickAction::Probe);
        assert_eq!(startup.observe(true), Some(ProbeResult::Success));
        let after = ContainerView {
            running: Some((1, at(0))),
            started: true,
        };
        assert_eq!(startup.tick(after, at(5_000)), TickAction::Skip);
        assert_eq!(live.tick(after, at(5_000)), TickAction::Probe);
    }

    #[test]
    fn readiness_needs_success_threshold_in_a_row() {
        let mut p = probe(0, 3);
        p.success_threshold = 2;
        let mut w = Worker::new(ProbeKind::Readiness, p);
        assert_eq!(w.observe(true), None);
        assert_eq!(w.observe(true), Some(ProbeResult::Success));
        assert_eq!(w.observe(false), None);
        assert_eq!(w.observe(false), None);
        assert_eq!(w.observe(false), Some(ProbeResult::Failure));
    }
}
