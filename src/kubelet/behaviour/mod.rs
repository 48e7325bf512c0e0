//! What a container does once started, so the simulated kubelet can place exits, OOM kills and
//! probe results at exact instants: how long it runs, its exit code, its memory over time, the
//! files it creates, the ports it serves and how PID 1 takes SIGTERM.
//!
//! Two sources: the [`catalogue`] of common images (their ENTRYPOINT/CMD and the servers they
//! run) and an interpreter for the `sh -c` one-liners of Kubernetes exercises. A [`Process`] is
//! resumable: [`Process::resume`] runs until simulated time must pass and says how ([`Step`]).
//! Time is in milliseconds since the container started. See `docs/behaviour.md`.

pub mod catalogue;
mod commands;
mod fs;
mod image_facts;
mod parse;
mod programs;
mod scripted;
mod shell;
#[cfg(test)]
mod tests;

pub use fs::{resolve, Fs, FsError};
pub use scripted::{HttpAnswer, Script};

use std::collections::BTreeMap;

/// What the process can ask of the cluster outside the container.
pub trait World {
    /// The address a DNS name resolves to now, if any (the kubelet answers from the Services
    /// that exist). Gets the name exactly as typed: "myservice.default.svc.cluster.local", "mydb".
    fn resolve(&self, name: &str) -> Option<String>;
}

/// One step of a process: what happens until the kubelet must call [`Process::resume`] again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing observable changes for `ms`; resume after.
    Sleep { ms: u64 },
    /// Resident memory grows linearly by `bytes` over `ms`, then resume. The caller adds
    /// `bytes` to the memory it passes in [`Ctx::memory`], and checks the memory limit against
    /// the ramp to place an OOM kill at the exact instant.
    Allocate { bytes: u64, ms: u64 },
    /// The process exited with this code (all its memory is gone).
    Exit { code: i32 },
    /// Runs until killed; `busy` when it burns a full CPU (dd, yes, `while true; do :; done`).
    Forever { busy: bool },
}

/// What a process sees and changes while it runs.
pub struct Ctx<'a> {
    /// The container's filesystem, shared with exec probes.
    pub fs: &'a mut Fs,
    /// The cluster outside the container.
    pub world: &'a dyn World,
    /// Lines written to stdout and stderr, in order (what `kubectl logs` shows).
    pub output: &'a mut Vec<String>,
    /// Where stderr lines go instead, when they are kept apart from stdout (`kubectl exec`
    /// passes the two streams on separately); `None` for a container's log.
    pub errors: Option<&'a mut Vec<String>>,
    /// Ports the container listens on and how it answers.
    pub listening: &'a mut BTreeMap<u16, Server>,
    /// Current resident memory of the process, bytes. `resume` may lower it (free) or raise
    /// it instantly; gradual growth is [`Step::Allocate`], which the caller applies.
    pub memory: &'a mut u64,
    /// Milliseconds since the container started (for time-dependent servers and `date`).
    pub now_ms: u64,
}

/// A listening socket: tcpSocket probes connect while it is in [`Ctx::listening`], httpGet
/// probes ask [`Server::http_status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// When the serving process started (the liveness test server counts its 10 s from here).
    pub started_ms: u64,
    /// How it answers HTTP; `None` for a plain TCP server (redis, mysql), where an HTTP request
    /// gets no valid response.
    pub http: Option<Routes>,
}

/// Which HTTP paths a server answers, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routes {
    /// These paths are 200, every other path 404 (nginx's and httpd's default pages).
    Pages(&'static [&'static str]),
    /// Files under this directory of the container's [`Fs`] are 200 (a directory through its
    /// `index.html`), others 404 (busybox `httpd -h DIR`).
    Docroot(String),
    /// Every path is 200.
    Any,
    /// Kubernetes' liveness test server: `/healthz` is 200 while at most `ms` have passed since
    /// the server started and 500 after; `/started` is 200; other paths 404.
    HealthyFor { ms: u64 },
    /// Answers a scenario states (see [`HttpAnswer`]).
    Answers(Vec<HttpAnswer>),
}

impl Server {
    /// The status an HTTP GET of `path` gets at `now_ms`; `None` when the server speaks no HTTP.
    pub fn http_status(&self, path: &str, now_ms: u64, fs: &Fs) -> Option<u16> {
        let path = path.split('?').next().unwrap_or(path);
        let found = match self.http.as_ref()? {
            Routes::Pages(pages) => pages.contains(&path),
            Routes::Docroot(root) => {
                let file = resolve(root, path.trim_start_matches('/'));
                fs.read(&file).is_some() || fs.read(&format!("{file}/index.html")).is_some()
            }
            Routes::Any => true,
            Routes::HealthyFor { ms } if path == "/healthz" => {
                return Some(if now_ms.saturating_sub(self.started_ms) > *ms {
                    500
                } else {
                    200
                });
            }
            Routes::HealthyFor { .. } => path == "/started",
            Routes::Answers(answers) => return Some(scripted::answer(answers, path, now_ms)),
        };
        Some(if found { 200 } else { 404 })
    }
}

/// The process a container (or an exec probe) runs.
pub struct Process {
    program: Program,
    unsupported: Option<String>,
}

/// What drives a process: the shell interpreter (with the catalogue's programs), or a script a
/// scenario states.
enum Program {
    Shell(shell::Shell),
    Script(scripted::ScriptRun),
}

impl Process {
    /// The process a container runs: `argv` already resolved (see [`catalogue::argv`]), `env`
    /// from the manifest (the kubelet adds `HOSTNAME` and service variables; `PATH` and `HOME`
    /// get image-like defaults when missing).
    pub fn spawn(argv: Vec<String>, env: BTreeMap<String, String>) -> Process {
        let unsupported = argv.is_empty().then(|| {
            "the container has no command: its image is not in the catalogue and the pod gives none"
                .to_string()
        });
        Process {
            program: Program::Shell(shell::Shell::spawn(argv, env)),
            unsupported,
        }
    }

    /// A process that does what a scenario states.
    pub fn scripted(script: Script) -> Process {
        Process {
            program: Program::Script(scripted::ScriptRun::new(script)),
            unsupported: None,
        }
    }

    /// Runs until the next moment time must pass; called first at start (`now_ms` = 0), then
    /// each time the previous [`Step`]'s duration has elapsed.
    pub fn resume(&mut self, ctx: &mut Ctx) -> Step {
        if self.unsupported.is_none() {
            match &mut self.program {
                Program::Script(script) => return script.resume(ctx),
                Program::Shell(shell) => match shell.run(ctx) {
                    Ok(step) => return step,
                    Err(why) => self.unsupported = Some(why),
                },
            }
        }
        Step::Forever { busy: false }
    }

    /// When the process could not be interpreted (an unknown command, an unsupported shell
    /// construct), why; it then runs until killed (`Step::Forever { busy: false }`) rather than
    /// be guessed. Known from the `resume` that met the problem on.
    pub fn unsupported(&self) -> Option<&str> {
        self.unsupported.as_deref()
    }

    /// How PID 1 takes SIGTERM now: `None` = ignored (a shell, `sleep`, `dd`, `stress`, node:
    /// PID 1 without a handler), `Some(code)` = exits at once with that code (nginx, redis 0; a
    /// Go server 2). A process killed by a signal reports 128 + signal (137 for SIGKILL).
    pub fn on_sigterm(&self) -> Option<i32> {
        match (&self.unsupported, &self.program) {
            (Some(_), _) => None,
            (None, Program::Shell(shell)) => shell.pid1_sigterm(),
            (None, Program::Script(script)) => script.sigterm_exit(),
        }
    }
}

/// How an exec probe's command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeRun {
    /// It exited with this code after `elapsed_ms`, having printed this output (the kubelet
    /// puts it in events).
    Exited {
        code: i32,
        output: Vec<String>,
        elapsed_ms: u64,
    },
    /// It would take longer than the probe's timeout.
    TimedOut,
    /// It could not be interpreted, and why.
    Unsupported(String),
}

/// Runs an exec probe's command to completion inside a container, starting at `now_ms`: a
/// fresh process sharing the container's [`Fs`] and [`World`], with its own output and memory.
pub fn run_to_completion(
    argv: Vec<String>,
    env: BTreeMap<String, String>,
    fs: &mut Fs,
    world: &dyn World,
    now_ms: u64,
    timeout_ms: u64,
) -> ProbeRun {
    run_command(argv, env, fs, world, (now_ms, timeout_ms), None)
}

/// [`run_to_completion`] from `limits.0` ms for at most `limits.1` ms; with `errors`, stderr
/// lines go there and the run's output is stdout alone (as `kubectl exec` passes them on).
pub fn run_command(
    argv: Vec<String>,
    env: BTreeMap<String, String>,
    fs: &mut Fs,
    world: &dyn World,
    (now_ms, timeout_ms): (u64, u64),
    mut errors: Option<&mut Vec<String>>,
) -> ProbeRun {
    let mut process = Process::spawn(argv, env);
    let (mut output, mut listening, mut memory, mut elapsed) = (Vec::new(), BTreeMap::new(), 0, 0);
    loop {
        let mut ctx = Ctx {
            fs: &mut *fs,
            world,
            output: &mut output,
            errors: errors.as_deref_mut(),
            listening: &mut listening,
            memory: &mut memory,
            now_ms: now_ms + elapsed,
        };
        let ms = match process.resume(&mut ctx) {
            Step::Exit { code } => {
                return ProbeRun::Exited {
                    code,
                    output,
                    elapsed_ms: elapsed,
                }
            }
            Step::Forever { .. } => break,
            Step::Sleep { ms } => ms,
            Step::Allocate { bytes, ms } => {
                memory += bytes;
                ms
            }
        };
        elapsed += ms;
        if elapsed > timeout_ms {
            break;
        }
    }
    match process.unsupported() {
        Some(why) => ProbeRun::Unsupported(why.to_string()),
        None => ProbeRun::TimedOut,
    }
}
