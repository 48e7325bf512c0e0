//! The container runtime seam. The kubelet's state machine talks to containers only through
//! [`Runtime`] and [`Container`]; [`SimRuntime`] runs simulated containers (a process from
//! `behaviour`, its filesystem, memory and listening ports, advanced only when the kubelet asks),
//! and the real-execution mode plugs real containers in behind the same traits.

use std::collections::BTreeMap;

use super::behaviour::{self, Ctx, Fs, ProbeRun, Process, Script, Server, Step, World};

use crate::engine::{SimDuration, SimTime};

/// What a runtime needs to start a container's process.
pub struct StartRequest<'a> {
    /// The command line, resolved from the image and the manifest.
    pub argv: Vec<String>,
    /// What the scenario says the container does, overriding the command line.
    pub script: Option<Script>,
    pub env: &'a BTreeMap<String, String>,
    pub namespace: &'a str,
    pub pod_name: &'a str,
    /// The container as the manifest gives it: a real runtime needs its name, image and
    /// resources.
    pub container: &'a crate::model::Container,
}

/// A signal the kubelet has the runtime send to a container's PID 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: the process may exit, or ignore it.
    Term,
    /// SIGKILL: the process ends (exit code 137).
    Kill,
}

/// Starts containers (CRI CreateContainer + StartContainer, as the kubelet sees them) and
/// answers for pod sandboxes.
pub trait Runtime {
    /// Starts a container's process at `now`.
    fn start(&mut self, request: StartRequest<'_>, now: SimTime) -> Box<dyn Container>;
    /// Whether the sandbox of pod `namespace/pod` is ready, or not made yet (CRI
    /// PodSandboxStatus: `SANDBOX_READY`). Simulated sandboxes never die by themselves: a
    /// scenario's `simulate sandbox-kill` tells the kubelet directly.
    fn sandbox_ready(&self, _namespace: &str, _pod: &str) -> bool {
        true
    }
    /// Removes the pod's sandbox (CRI StopPodSandbox, RemovePodSandbox): the next container
    /// started makes a new one.
    fn remove_sandbox(&mut self, _namespace: &str, _pod: &str) {}
}

/// One running container, as the kubelet sees it.
pub trait Container {
    /// Lets the process run until time must pass again; `limit` is the memory limit in bytes.
    fn advance(&mut self, now: SimTime, limit: Option<u64>, world: &dyn World) -> Next;
    /// Resident memory at `now`.
    fn memory_at(&self, now: SimTime) -> u64;
    /// From `now` on, memory also grows by `bytes_per_second` (on top of any leak already
    /// injected); returns the instant the usage crosses `limit`, if it does before the process
    /// next changes course.
    fn leak(&mut self, bytes_per_second: u64, now: SimTime, limit: Option<u64>) -> Option<SimTime>;
    /// Runs a command in the container (an exec probe or hook): its outcome, and how long it
    /// ran (at most `timeout`).
    fn exec(
        &mut self,
        command: &[String],
        timeout: SimDuration,
        now: SimTime,
        world: &dyn World,
    ) -> (ProbeOutcome, SimDuration);
    /// Whether something listens on `port`, and the HTTP status it answers for `path`
    /// (`None` inside when it speaks no HTTP).
    fn http_status(&self, port: u16, path: &str, now: SimTime) -> Option<Option<u16>>;
    /// Whether something accepts connections on `port` (a tcpSocket probe).
    fn listening(&self, port: u16, now: SimTime) -> bool {
        self.http_status(port, "/", now).is_some()
    }
    /// Sends `signal` to PID 1: `Some(exit code)` when the process has exited on it, `None`
    /// while it runs on (it ignores SIGTERM, or a real process has not exited yet: `advance`
    /// reports its exit then).
    fn signal(&mut self, signal: Signal) -> Option<i32>;
    /// Why the process's behaviour is unknown, if it is.
    fn unsupported(&self) -> Option<&str>;
    /// What the process printed so far, stdout and stderr interleaved as its log keeps them
    /// (`kubectl logs`). A copy: a real container's log is read from its file when asked.
    fn logs(&self) -> Vec<String>;
    /// Runs a command as `kubectl exec` does, at `now`, on a copy of the container's
    /// filesystem so that the container's own future is untouched: how it ended (its output
    /// is its stdout) and the lines it wrote to stderr.
    fn exec_apart(
        &self,
        command: &[String],
        timeout: SimDuration,
        now: SimTime,
        world: &dyn World,
    ) -> (ProbeRun, Vec<String>);
}

/// The simulated runtime.
#[derive(Debug, Default)]
pub struct SimRuntime;

impl Runtime for SimRuntime {
    fn start(&mut self, request: StartRequest<'_>, now: SimTime) -> Box<dyn Container> {
        Box::new(SimContainer {
            process: match request.script {
                Some(script) => Process::scripted(script),
                None => Process::spawn(request.argv, request.env.clone()),
            },
            fs: Fs::for_container(
                request.namespace,
                request.pod_name,
                &request.container.image,
            ),
            env: request.env.clone(),
            listening: BTreeMap::new(),
            output: Vec::new(),
            started: now,
            memory: 0,
            ramp: None,
            leak: None,
            step_end: None,
        })
    }
}

/// One simulated container run.
struct SimContainer {
    process: Process,
    fs: Fs,
    env: BTreeMap<String, String>,
    listening: BTreeMap<u16, Server>,
    /// What the process printed (stdout and stderr), for `kubectl logs` later.
    output: Vec<String>,
    started: SimTime,
    /// Resident memory at `ramp.0`, growing by `ramp.1` bytes over `ramp.2`.
    memory: u64,
    ramp: Option<(SimTime, u64, SimDuration)>,
    /// An injected leak (`simulate: leak`): since when, at how many bytes per second, and how
    /// much had leaked by then in thousandths of a byte (exact, whatever the rates).
    leak: Option<Leak>,
    /// When the process's current step ends (it sleeps or allocates until then); `None` while
    /// it runs for ever.
    step_end: Option<SimTime>,
}

/// A leak injected into a container run.
#[derive(Debug, Clone, Copy)]
struct Leak {
    since: SimTime,
    bytes_per_second: u64,
    /// Bytes leaked before `since`, times 1000.
    carried_milli: u128,
}

impl Leak {
    /// Bytes leaked by `t`, times 1000.
    fn milli_bytes_at(&self, t: SimTime) -> u128 {
        let elapsed = t.saturating_duration_since(self.since).as_millis() as u128;
        self.carried_milli + self.bytes_per_second as u128 * elapsed
    }
}

/// What the kubelet must do next for an instance after advancing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Advance again at this instant.
    WakeAt(SimTime),
    /// The memory limit is crossed at this instant: the kernel OOM-kills the container.
    OomAt(SimTime),
    /// The process exited now with this code.
    Exited(i32),
    /// Nothing happens until the container is killed.
    Idle,
}

/// The answer of a probe handler: success, or failure with upstream's output text.
pub type ProbeOutcome = Result<(), String>;

impl SimContainer {
    fn since_start(&self, now: SimTime) -> u64 {
        now.saturating_duration_since(self.started).as_millis()
    }

    /// Whether the exact (unrounded) usage at `t` is over `limit`: the process's memory, the
    /// part of a ramp done by `t`, and the leak so far.
    fn over_limit_at(&self, t: SimTime, limit: u64) -> bool {
        let (bytes, done, over) = match self.ramp {
            Some((from, bytes, over)) if over.as_millis() > 0 => {
                let over = over.as_millis() as u128;
                let done = (t.saturating_duration_since(from).as_millis() as u128).min(over);
                (bytes as u128, done, over)
            }
            _ => (0, 0, 1),
        };
        let leaked = self.leak.map_or(0, |l| l.milli_bytes_at(t));
        // memory + bytes·done/over + leaked/1000 > limit, times over·1000.
        let usage = self.memory as u128 * over * 1000 + bytes * done * 1000 + leaked * over;
        usage > limit as u128 * over * 1000
    }

    /// The first millisecond after `now` and no later than `until` (without end when `None`)
    /// at which usage exceeds `limit`. Usage only grows within a step, so a bisection finds it.
    fn crossing(&self, now: SimTime, until: Option<SimTime>, limit: u64) -> Option<SimTime> {
        let mut hi = match until {
            Some(until) => until,
            None => {
                // Only a leak grows usage without end: by then it alone is over the limit.
                let leak = self.leak.filter(|l| l.bytes_per_second > 0)?;
                let ms = (limit as u128 * 1000 / leak.bytes_per_second as u128 + 1) as u64;
                (now + SimDuration::from_millis(ms)).max(now + SimDuration::from_millis(1))
            }
        };
        if hi <= now || !self.over_limit_at(hi, limit) {
            return None;
        }
        let mut lo = now;
        while hi.saturating_duration_since(lo).as_millis() > 1 {
            let mid =
                lo + SimDuration::from_millis(hi.saturating_duration_since(lo).as_millis() / 2);
            if self.over_limit_at(mid, limit) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    }
}

impl Container for SimContainer {
    /// Why the process could not be interpreted, if it could not.
    fn unsupported(&self) -> Option<&str> {
        self.process.unsupported()
    }

    /// SIGTERM ends the process when its behaviour handles it; SIGKILL always does.
    fn signal(&mut self, signal: Signal) -> Option<i32> {
        match signal {
            Signal::Term => self.process.on_sigterm(),
            Signal::Kill => Some(137),
        }
    }

    /// Runs the process until time must pass again. `limit` is the memory limit in bytes.
    fn advance(&mut self, now: SimTime, limit: Option<u64>, world: &dyn World) -> Next {
        if let Some((_, bytes, _)) = self.ramp.take() {
            self.memory += bytes;
        }
        let mut ctx = Ctx {
            fs: &mut self.fs,
            world,
            output: &mut self.output,
            errors: None,
            listening: &mut self.listening,
            memory: &mut self.memory,
            now_ms: now.saturating_duration_since(self.started).as_millis(),
        };
        let step = self.process.resume(&mut ctx);
        if limit.is_some_and(|l| self.over_limit_at(now, l)) {
            return Next::OomAt(now);
        }
        self.step_end = match step {
            Step::Exit { code } => return Next::Exited(code),
            Step::Sleep { ms } => Some(now + SimDuration::from_millis(ms)),
            Step::Forever { .. } => None,
            Step::Allocate { bytes, ms } => {
                let over = SimDuration::from_millis(ms);
                self.ramp = Some((now, bytes, over));
                Some(now + over)
            }
        };
        if let Some(at) = limit.and_then(|l| self.crossing(now, self.step_end, l)) {
            return Next::OomAt(at);
        }
        self.step_end.map_or(Next::Idle, Next::WakeAt)
    }

    /// Adds to the leak; the OOM instant within the current step, if any.
    fn leak(&mut self, bytes_per_second: u64, now: SimTime, limit: Option<u64>) -> Option<SimTime> {
        let leak = match self.leak {
            Some(old) => Leak {
                since: now,
                bytes_per_second: old.bytes_per_second + bytes_per_second,
                carried_milli: old.milli_bytes_at(now),
            },
            None => Leak {
                since: now,
                bytes_per_second,
                carried_milli: 0,
            },
        };
        self.leak = Some(leak);
        let limit = limit?;
        if self.over_limit_at(now, limit) {
            return Some(now);
        }
        self.crossing(now, self.step_end, limit)
    }

    /// Resident memory at `now`, following a ramp in progress and the leak so far.
    fn memory_at(&self, now: SimTime) -> u64 {
        let leaked = self
            .leak
            .map_or(0, |l| (l.milli_bytes_at(now) / 1000) as u64);
        leaked
            + match self.ramp {
                Some((from, bytes, over)) if over.as_millis() > 0 => {
                    let done = now
                        .saturating_duration_since(from)
                        .as_millis()
                        .min(over.as_millis());
                    self.memory + (bytes as u128 * done as u128 / over.as_millis() as u128) as u64
                }
                _ => self.memory,
            }
    }

    /// Runs an exec probe's command in the container.
    // K8S: pkg/probe/exec/exec.go (success iff exit code 0; a timeout is a failure)
    fn exec(
        &mut self,
        command: &[String],
        timeout: SimDuration,
        now: SimTime,
        world: &dyn World,
    ) -> (ProbeOutcome, SimDuration) {
        let since_start = self.since_start(now);
        match behaviour::run_to_completion(
            command.to_vec(),
            self.env.clone(),
            &mut self.fs,
            world,
            since_start,
            timeout.as_millis(),
        ) {
            ProbeRun::Exited {
                code: 0,
                elapsed_ms,
                ..
            } => (Ok(()), SimDuration::from_millis(elapsed_ms)),
            ProbeRun::Exited {
                output, elapsed_ms, ..
            } => (Err(output.join("\n")), SimDuration::from_millis(elapsed_ms)),
            ProbeRun::TimedOut => (
                Err(format!("command \"{}\" timed out", command.join(" "))),
                timeout,
            ),
            ProbeRun::Unsupported(why) => (Err(why), SimDuration::ZERO),
        }
    }

    fn logs(&self) -> Vec<String> {
        self.output.clone()
    }

    fn exec_apart(
        &self,
        command: &[String],
        timeout: SimDuration,
        now: SimTime,
        world: &dyn World,
    ) -> (ProbeRun, Vec<String>) {
        let mut stderr = Vec::new();
        let run = behaviour::run_command(
            command.to_vec(),
            self.env.clone(),
            &mut self.fs.clone(),
            world,
            (self.since_start(now), timeout.as_millis()),
            Some(&mut stderr),
        );
        (run, stderr)
    }

    /// Whether something listens on `port`, and the HTTP status it answers for `path`
    /// (`None` inside when it speaks no HTTP).
    fn http_status(&self, port: u16, path: &str, now: SimTime) -> Option<Option<u16>> {
        let since = self.since_start(now);
        self.listening
            .get(&port)
            .map(|server: &Server| server.http_status(path, since, &self.fs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: u64 = 1 << 20;

    struct NoDns;
    impl World for NoDns {
        fn resolve(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    /// A container started at t=0 whose process uses memory as `points` say, run until its
    /// first step at t=0.
    fn container(points: Vec<(u64, u64)>, limit: Option<u64>) -> (Box<dyn Container>, Next) {
        let env = BTreeMap::new();
        let script = Script {
            memory: points,
            ..Script::default()
        };
        let request = StartRequest {
            argv: Vec::new(),
            script: Some(script),
            env: &env,
            namespace: "default",
            pod_name: "leaky",
            container: &crate::model::Container {
                name: "app".into(),
                image: "busybox".into(),
                image_pull_policy: crate::model::pod::PullPolicy::IfNotPresent,
                command: Vec::new(),
                args: Vec::new(),
                env: BTreeMap::new(),
                ports: Vec::new(),
                resources: Default::default(),
                liveness_probe: None,
                readiness_probe: None,
                startup_probe: None,
                restart_policy_always: false,
                post_start: None,
                pre_stop: None,
            },
        };
        let mut c = SimRuntime.start(request, at(0));
        let next = c.advance(at(0), limit, &NoDns);
        (c, next)
    }

    #[test]
    fn a_leak_crosses_the_limit_at_the_first_millisecond_over_it() {
        // 100Mi flat, then 50Mi/s from 60 s: 200Mi is reached at 62 s and exceeded at 62.001 s.
        let (mut c, next) = container(vec![(0, 100 * MI)], Some(200 * MI));
        assert_eq!(next, Next::Idle);
        assert_eq!(
            c.leak(50 * MI, at(60_000), Some(200 * MI)),
            Some(at(62_001))
        );
        assert_eq!(c.memory_at(at(61_000)), 150 * MI);
    }

    #[test]
    fn a_leak_adds_to_the_process_ramp_and_to_an_earlier_leak() {
        // The process climbs 10Mi/s for 10 s; with 50Mi/s leaked from t=0 usage grows 60Mi/s
        // and exceeds 200Mi once t > 3.333 s.
        let (mut c, next) = container(vec![(0, 0), (10_000, 100 * MI)], Some(200 * MI));
        assert_eq!(next, Next::WakeAt(at(10_000)));
        assert_eq!(c.leak(50 * MI, at(0), Some(200 * MI)), Some(at(3_334)));
        // A second leak of 30Mi/s at 1 s: 60Mi then, growing 90Mi/s, over 200Mi once t > 2.5556 s.
        assert_eq!(c.memory_at(at(1_000)), 60 * MI);
        assert_eq!(c.leak(30 * MI, at(1_000), Some(200 * MI)), Some(at(2_556)));
    }

    #[test]
    fn without_a_limit_a_leak_only_grows_and_a_new_run_starts_fresh() {
        let (mut c, _) = container(vec![(0, 100 * MI)], None);
        assert_eq!(c.leak(50 * MI, at(60_000), None), None);
        assert_eq!(c.memory_at(at(70_000)), 600 * MI);
        let (fresh, _) = container(vec![(0, 100 * MI)], None);
        assert_eq!(fresh.memory_at(at(70_000)), 100 * MI);
    }

    #[test]
    fn a_process_ramp_alone_still_crosses_where_it_did() {
        // 500Mi over 1 s against 300Mi: exceeded at 601 ms (the limits-pod seed).
        let (_, next) = container(vec![(0, 0), (1_000, 500 * MI)], Some(300 * MI));
        assert_eq!(next, Next::OomAt(at(601)));
    }
}
