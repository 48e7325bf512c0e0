//! The kubelet's container runtime seam, implemented with real containers: the simulator's
//! own kubelet (its state machine, prober and back-off) drives pods on this host through the
//! same `Runtime`/`Container` traits as simulated ones.
//!
//! A pod's sandbox is made when its first container starts and lives until the run ends, or
//! until the kubelet removes it once its pause process has died (and a new one is made).
//! Each container is created and started in `start`; the kubelet then polls it in `advance`
//! (a pidfd, no runtime call) until its init has exited, probes it through `crun exec` or the
//! sandbox's network namespace, and signals it through the runtime.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::bundle::{ProcessSpec, Resources};
use super::oci::ExecEnd;
use super::output;
use super::{Container as RealCtr, Exit, Run, Sandbox};
use crate::engine::{SimDuration, SimTime};
use crate::kubelet::behaviour::{ProbeRun, World};
use crate::kubelet::runtime::{Container, Next, ProbeOutcome, Runtime, Signal, StartRequest};

/// How often a running container is polled for its exit. The kubelet's PLEG notices an exit
/// at the first relist (every 1 s) after it; polling ten times per relist places the exit
/// within 100 ms, so that the relist the kubelet notices it at is nearly always upstream's.
const POLL: SimDuration = SimDuration::from_millis(100);

/// How long the kubelet's network probes wait when the trait gives no timeout (the default
/// `timeoutSeconds`).
// K8S: pkg/apis/core/v1/defaults.go (SetDefaults_Probe: TimeoutSeconds 1)
const NETWORK_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a SIGKILLed init may take to be reaped before it is reported gone anyway.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// Containers of one real-mode session.
pub struct RealRuntime {
    run: Rc<Run>,
    /// Each pod's sandbox, by namespace and pod name, made with the pod's first container.
    sandboxes: BTreeMap<(String, String), Rc<Sandbox>>,
}

impl RealRuntime {
    /// A runtime creating its sandboxes and containers in `run`.
    pub fn new(run: Rc<Run>) -> Self {
        RealRuntime {
            run,
            sandboxes: BTreeMap::new(),
        }
    }

    /// Creates and starts the container `request` asks for (and its pod's sandbox first).
    // DEVIATION: the sandbox is made with the pod's first container (the kubelet's simulated
    // SandboxReady takes no time in real mode), also after the kubelet removed a dead one.
    fn create_and_start(
        &mut self,
        request: &StartRequest<'_>,
    ) -> Result<(Rc<Sandbox>, RealCtr), super::RealError> {
        let key = (request.namespace.to_string(), request.pod_name.to_string());
        let sandbox = match self.sandboxes.get(&key) {
            Some(sandbox) => sandbox.clone(),
            None => {
                let sandbox = Rc::new(self.run.sandbox(request.namespace, request.pod_name)?);
                self.sandboxes.insert(key, sandbox.clone());
                sandbox
            }
        };
        let c = request.container;
        let process = ProcessSpec {
            args: request.argv.clone(),
            env: request
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            cwd: "/".to_string(),
        };
        let millis = |list: &crate::model::ResourceList, name: &str| {
            list.get(name).map(|q| q.milli_value().max(0) as u64)
        };
        let resources = Resources {
            memory_limit: c
                .resources
                .limits
                .get("memory")
                .map(|q| q.value().max(0) as u64),
            cpu_request_millis: millis(&c.resources.requests, "cpu"),
            cpu_limit_millis: millis(&c.resources.limits, "cpu"),
        };
        let mut container = self
            .run
            .create_container(&sandbox, &c.name, &c.image, &process, resources)?;
        container.start()?;
        Ok((sandbox, container))
    }
}

impl Runtime for RealRuntime {
    /// Ready while the pause process runs; a pod with no sandbox yet has nothing to lose.
    fn sandbox_ready(&self, namespace: &str, pod: &str) -> bool {
        let key = (namespace.to_string(), pod.to_string());
        self.sandboxes.get(&key).is_none_or(|s| s.ready())
    }

    /// Deletes the dead sandbox's pause container, so that the pod's next container makes a
    /// new sandbox with fresh namespaces (its containers, all stopped, hold it no longer).
    fn remove_sandbox(&mut self, namespace: &str, pod: &str) {
        let key = (namespace.to_string(), pod.to_string());
        let Some(sandbox) = self.sandboxes.remove(&key) else {
            return;
        };
        // One still held (it cannot be, once its containers stopped) goes with the run.
        if let Ok(sandbox) = Rc::try_unwrap(sandbox) {
            let _ = sandbox.container().remove();
        }
    }

    /// CRI CreateContainer + StartContainer with the real runtime; a container that cannot be
    /// made exits at once with 128, as containerd reports a start error.
    // DEVIATION: upstream keeps such a container waiting (CreateContainerError or
    // RunContainerError) and retries under back-off; the error is printed on stderr here.
    // DEVIATION: the kubelet records `Started` (and startedAt) at the instant the start was
    // due; the real create+start, tens of milliseconds, runs within that instant's handling.
    fn start(&mut self, request: StartRequest<'_>, _now: SimTime) -> Box<dyn Container> {
        let (sandbox, container, error) = match self.create_and_start(&request) {
            Ok((sandbox, container)) => (Some(sandbox), Some(container), Vec::new()),
            Err(e) => {
                let line = format!(
                    "{}/{} container {}: {e}",
                    request.namespace, request.pod_name, request.container.name
                );
                eprintln!("kubesim real: {line}");
                (None, None, vec![line])
            }
        };
        Box::new(RealContainer {
            sandbox,
            log: container.as_ref().map(|c| c.log().to_path_buf()),
            container,
            error,
        })
    }
}

/// One real container run, as the kubelet sees it.
struct RealContainer {
    /// `None` when it could not be started.
    sandbox: Option<Rc<Sandbox>>,
    /// The live container; `None` once its exit was reported (it is then deleted).
    container: Option<RealCtr>,
    /// Its log file, kept when it is deleted; `None` when it could not be started.
    log: Option<PathBuf>,
    /// Why it could not be started: its log then.
    error: Vec<String>,
}

impl RealContainer {
    /// Deletes the container, keeping its log (the next run of the same container reuses its
    /// runtime id).
    fn remove(&mut self) -> Option<Exit> {
        let container = self.container.take()?;
        // Exited: no probe reaches its sandbox any more, which may now be removed.
        self.sandbox = None;
        container.remove().ok()
    }

    /// The exit, if the init has exited: reaped, classified and deleted.
    fn exited(&mut self, timeout: Duration) -> Option<Exit> {
        let container = self.container.as_mut()?;
        match container.wait(Some(timeout)) {
            Ok(Some(_)) | Err(_) => self.remove(),
            Ok(None) => None,
        }
    }
}

impl Container for RealContainer {
    /// Polls the init: its exit (OOMKilled when the cgroup's OOM killer struck), or a wake-up
    /// at the next poll.
    fn advance(&mut self, now: SimTime, _limit: Option<u64>, _world: &dyn World) -> Next {
        if self.container.is_none() {
            return Next::Exited(128);
        }
        match self.exited(Duration::ZERO) {
            Some(exit) if exit.oom_killed => Next::OomAt(now),
            Some(exit) => Next::Exited(exit.code),
            None => Next::WakeAt(now + POLL),
        }
    }

    // DEVIATION: resident memory is not read back from the cgroup, so the eviction manager
    // sees real containers as using none.
    fn memory_at(&self, _now: SimTime) -> u64 {
        0
    }

    // DEVIATION: `simulate: leak` injects a leak into simulated processes only.
    fn leak(&mut self, _: u64, _: SimTime, _: Option<u64>) -> Option<SimTime> {
        None
    }

    /// `crun exec` with the probe's timeout (a timed-out command is killed in the container).
    fn exec(
        &mut self,
        command: &[String],
        timeout: SimDuration,
        _now: SimTime,
        _world: &dyn World,
    ) -> (ProbeOutcome, SimDuration) {
        let Some(container) = &self.container else {
            return (Err("container not running".into()), SimDuration::ZERO);
        };
        let started = Instant::now();
        let timeout = Duration::from_millis(timeout.as_millis());
        let outcome = container
            .exec_probe(command, timeout)
            .unwrap_or_else(|e| Err(e.to_string()));
        let took = SimDuration::from_millis(started.elapsed().as_millis() as u64);
        (outcome, took)
    }

    /// An HTTP GET from the pod's network namespace to its loopback.
    fn http_status(&self, port: u16, path: &str, _now: SimTime) -> Option<Option<u16>> {
        use super::sandbox::HttpAnswer;
        match self.sandbox.as_ref()?.http_get(port, path, NETWORK_TIMEOUT) {
            HttpAnswer::Refused(_) => None,
            HttpAnswer::NoStatus(_) => Some(None),
            HttpAnswer::Status(status) => Some(Some(status)),
        }
    }

    /// A TCP connect from the pod's network namespace to its loopback.
    fn listening(&self, port: u16, _now: SimTime) -> bool {
        self.sandbox
            .as_ref()
            .is_some_and(|s| s.tcp_probe(port, NETWORK_TIMEOUT).is_ok())
    }

    /// Signals the init through the runtime. After SIGTERM the process's exit (if any) is seen
    /// by `advance`; after SIGKILL it is waited for.
    fn signal(&mut self, signal: Signal) -> Option<i32> {
        let container = self.container.as_ref()?;
        match signal {
            Signal::Term => {
                let _ = container.signal("TERM");
                None
            }
            Signal::Kill => {
                let _ = container.signal("KILL");
                Some(self.exited(KILL_WAIT).map_or(137, |exit| exit.code))
            }
        }
    }

    fn unsupported(&self) -> Option<&str> {
        None
    }

    /// The current file of its log, read when asked: nothing of it is kept in memory.
    fn logs(&self) -> Vec<String> {
        match &self.log {
            Some(log) => output::current_lines(log),
            None => self.error.clone(),
        }
    }

    /// `kubectl exec`: the command runs in the live container (there is no copy of a real
    /// filesystem to run it on); its output is stdout and stderr together.
    // DEVIATION: the simulated `kubectl exec` leaves the container untouched; a real command
    // may change it.
    fn exec_apart(
        &self,
        command: &[String],
        timeout: SimDuration,
        _now: SimTime,
        _world: &dyn World,
    ) -> (ProbeRun, Vec<String>) {
        let Some(container) = &self.container else {
            return (
                ProbeRun::Unsupported("container not running".into()),
                Vec::new(),
            );
        };
        let started = Instant::now();
        let run = match container.exec(command, Duration::from_millis(timeout.as_millis())) {
            Ok(ExecEnd::Exited { code, output }) => ProbeRun::Exited {
                code,
                output: lines(&output),
                elapsed_ms: started.elapsed().as_millis() as u64,
            },
            Ok(ExecEnd::TimedOut) => ProbeRun::TimedOut,
            Err(e) => ProbeRun::Unsupported(e.to_string()),
        };
        (run, Vec::new())
    }
}

impl Drop for RealContainer {
    /// A container the kubelet forgets (its pod is gone, the run ends, or the kubelet's
    /// container GC drops a dead run) is killed and deleted, with its log.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_gc.go (removeContainer → the log manager's Clean)
    fn drop(&mut self) {
        if let Some(container) = &self.container {
            let _ = container.signal("KILL");
        }
        self.remove();
        if let Some(log) = &self.log {
            output::remove(log);
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}
