//! The OCI runtime's command line (crun or runc, same verbs), the boundary the kubelet reaches
//! through CRI and a containerd shim. Each call is one process; its private `--root` keeps its
//! containers apart from anyone else's on the host.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::output::{self, Drain};
use super::sys::{self, HideMount, Pidfd};
use super::RealError;

/// How an exec'd command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecEnd {
    /// It exited with this code; `output` is what it printed (stdout and stderr as they came),
    /// its first [`output::EXEC_LIMIT`] bytes, marked when cut.
    Exited { code: i32, output: String },
    /// It ran past the timeout and was killed.
    TimedOut,
}

/// Names the files of concurrent execs apart.
static NEXT_EXEC: AtomicU64 = AtomicU64::new(0);

/// One runtime binary with its private state directory.
#[derive(Clone)]
pub struct OciRuntime {
    binary: PathBuf,
    state: PathBuf,
    /// The mount hidden from `create` (crun on a hybrid host).
    hide: Option<Arc<HideMount>>,
}

impl OciRuntime {
    /// Drives `binary` with state in `state`, hiding `hide` from `create` when given.
    pub fn new(binary: &Path, state: &Path, hide: Option<&Path>) -> OciRuntime {
        OciRuntime {
            binary: binary.to_path_buf(),
            state: state.to_path_buf(),
            hide: hide.map(|p| Arc::new(HideMount::new(p))),
        }
    }

    fn command(&self, verb: &str) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.arg("--root").arg(&self.state).arg(verb);
        cmd
    }

    /// Runs a verb that does not start container processes, capturing what it says.
    fn call(&self, verb: &str, args: &[&str]) -> Result<String, RealError> {
        let what = format!("{} {verb} {}", self.binary.display(), args.join(" "));
        let out = self
            .command(verb)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(RealError::io(format!("running {what}")))?;
        if !out.status.success() {
            return Err(RealError::Runtime {
                command: what,
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Creates container `id` from `bundle`: its init waits, parked, for `start`. Returns the
    /// init's pid and the drain of its output: the container's stdout and stderr (and the
    /// runtime's messages) are one pipe, streamed into the log at `log`.
    pub fn create(&self, id: &str, bundle: &Path, log: &Path) -> Result<(i32, Drain), RealError> {
        let pid_path = bundle.join("pid"); // absolute: crun resolves it after entering the bundle
        let (reader, writer) = sys::pipe().map_err(RealError::io("creating a pipe"))?;
        let err = writer
            .try_clone()
            .map_err(RealError::io("duplicating the output pipe"))?;
        let drain = output::into_log(reader, log)
            .map_err(RealError::io(format!("creating {}", log.display())))?;
        let mut cmd = self.command("create");
        cmd.arg("--bundle")
            .arg(bundle)
            .arg("--pid-file")
            .arg(&pid_path)
            .arg(id)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(err);
        if let Some(hide) = self.hide.clone() {
            // SAFETY: `apply` only makes system calls (no allocation, no locks), as a hook
            // between fork and exec must.
            unsafe { cmd.pre_exec(move || hide.apply()) };
        }
        let status = cmd.status().map_err(RealError::io(format!(
            "running {} create",
            self.binary.display()
        )))?;
        drop(cmd); // our ends of the pipe: only the container's keep it open now
        if !status.success() {
            // The runtime has exited and its container is gone: its words are all in the log.
            drain.wait(Duration::from_secs(1));
            return Err(RealError::Runtime {
                command: format!("{} create {id}", self.binary.display()),
                stderr: output::current_lines(log).join("\n").trim().to_string(),
            });
        }
        let pid = std::fs::read_to_string(&pid_path)
            .map_err(RealError::io(format!("reading {}", pid_path.display())))?;
        let pid = pid.trim().parse().map_err(|_| RealError::Runtime {
            command: format!("{} create {id}", self.binary.display()),
            stderr: format!("unreadable pid file {}: {pid:?}", pid_path.display()),
        })?;
        Ok((pid, drain))
    }

    /// Starts the parked init of container `id`.
    pub fn start(&self, id: &str) -> Result<(), RealError> {
        self.call("start", &[id]).map(drop)
    }

    /// Sends `signal` (a name such as `TERM` or `KILL`) to container `id`'s init.
    pub fn kill(&self, id: &str, signal: &str) -> Result<(), RealError> {
        self.call("kill", &[id, signal]).map(drop)
    }

    /// Deletes container `id`, killing it first (and every process exec'd in it) if it runs.
    pub fn delete_force(&self, id: &str) -> Result<(), RealError> {
        self.call("delete", &["--force", id]).map(drop)
    }

    /// The ids of every container in this runtime's state directory.
    pub fn list(&self) -> Result<Vec<String>, RealError> {
        if !self.state.exists() {
            return Ok(Vec::new());
        }
        Ok(self
            .call("list", &["--quiet"])?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "ID")
            .map(str::to_string)
            .collect())
    }

    /// Runs `command` in container `id` for at most `timeout`. On timeout the exec'd process
    /// itself is killed: killing only the runtime's exec client would leave it running.
    /// `scratch` is a directory for the exec's pid file (removed afterwards). Its output is
    /// read through a pipe and cut at [`output::EXEC_LIMIT`].
    pub fn exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
        scratch: &Path,
    ) -> Result<ExecEnd, RealError> {
        let n = NEXT_EXEC.fetch_add(1, Ordering::Relaxed);
        let pid_path = scratch.join(format!("exec-{n}.pid"));
        let end = self.exec_with(id, command, timeout, &pid_path);
        let _ = std::fs::remove_file(&pid_path);
        end
    }

    fn exec_with(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
        pid_path: &Path,
    ) -> Result<ExecEnd, RealError> {
        let (reader, writer) = sys::pipe().map_err(RealError::io("creating a pipe"))?;
        let err = writer
            .try_clone()
            .map_err(RealError::io("duplicating the exec output pipe"))?;
        let (drain, kept) = output::capped(reader, output::EXEC_LIMIT);
        let mut client = self
            .command("exec")
            .arg("--pid-file")
            .arg(pid_path)
            .arg(id)
            .args(command)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(err)
            .spawn()
            .map_err(RealError::io(format!(
                "running {} exec",
                self.binary.display()
            )))?;
        let exited = Pidfd::open(client.id() as i32)
            .and_then(|fd| fd.wait_exit(Some(timeout)))
            .map_err(RealError::io("waiting for an exec"))?;
        let timed_out = !exited;
        if timed_out {
            kill_exec(pid_path, &mut client);
        }
        let status = client
            .wait()
            .map_err(RealError::io("waiting for an exec"))?;
        if timed_out {
            return Ok(ExecEnd::TimedOut);
        }
        // What it printed is in the pipe; a process it left in the background may hold the
        // pipe open, so what came until then is its output.
        drain.wait(EXEC_OUTPUT_WAIT);
        let output = kept.lock().unwrap_or_else(|p| p.into_inner()).text();
        Ok(ExecEnd::Exited {
            code: sys::exit_code(status.into_raw()),
            output,
        })
    }
}

/// How long an exec's output may take to drain once its process has exited.
const EXEC_OUTPUT_WAIT: Duration = Duration::from_millis(100);

/// Kills an exec'd process past its timeout. Its pid file may lag the client by a moment; if it
/// never appears the process never started, and killing the client is enough.
fn kill_exec(pid_path: &Path, client: &mut std::process::Child) {
    for _ in 0..200 {
        if let Some(pid) = std::fs::read_to_string(pid_path)
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            let _ = sys::kill(pid, libc::SIGKILL);
            return;
        }
        if client.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = client.kill();
}
