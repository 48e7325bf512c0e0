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
}

/// Starts containers (CRI CreateContainer + StartContainer, as the kubelet sees them).
pub trait Runtime {
    /// Starts a container's process at `now`.
    fn start(&mut self, request: StartRequest<'_>, now: SimTime) -> Box<dyn Container>;
}

/// One running container, as the kubelet sees it.
pub trait Container {
    /// Lets the process run until time must pass again; `limit` is the memory limit in bytes.
    fn advance(&mut self, now: SimTime, limit: Option<u64>, world: &dyn World) -> Next;
    /// Resident memory at `now`.
    fn memory_at(&self, now: SimTime) -> u64;
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
    /// How PID 1 answers SIGTERM: `Some(exit code)` when it exits, `None` when it ignores it.
    fn on_sigterm(&self) -> Option<i32>;
    /// Why the process's behaviour is unknown, if it is.
    fn unsupported(&self) -> Option<&str>;
    /// What the process printed so far, stdout and stderr interleaved as its log keeps them
    /// (`kubectl logs`).
    fn logs(&self) -> &[String];
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
            fs: Fs::for_container(request.namespace, request.pod_name),
            env: request.env.clone(),
            listening: BTreeMap::new(),
            output: Vec::new(),
            started: now,
            memory: 0,
            ramp: None,
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
}

impl Container for SimContainer {
    /// Why the process could not be interpreted, if it could not.
    fn unsupported(&self) -> Option<&str> {
        self.process.unsupported()
    }

    /// How PID 1 answers SIGTERM: `Some(exit code)` when it exits, `None` when it ignores it.
    fn on_sigterm(&self) -> Option<i32> {
        self.process.on_sigterm()
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
        if limit.is_some_and(|l| self.memory > l) {
            return Next::OomAt(now);
        }
        match step {
            Step::Sleep { ms } => Next::WakeAt(now + SimDuration::from_millis(ms)),
            Step::Exit { code } => Next::Exited(code),
            Step::Forever { .. } => Next::Idle,
            Step::Allocate { bytes, ms } => {
                let over = SimDuration::from_millis(ms);
                if let Some(limit) = limit.filter(|l| self.memory + bytes > *l) {
                    // The first millisecond at which usage exceeds the limit.
                    let room = limit - self.memory;
                    let crossing = (room as u128 * ms as u128 / bytes.max(1) as u128) as u64 + 1;
                    return Next::OomAt(now + SimDuration::from_millis(crossing.min(ms)));
                }
                self.ramp = Some((now, bytes, over));
                Next::WakeAt(now + over)
            }
        }
    }

    /// Resident memory at `now`, following a ramp in progress.
    fn memory_at(&self, now: SimTime) -> u64 {
        match self.ramp {
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

    fn logs(&self) -> &[String] {
        &self.output
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
