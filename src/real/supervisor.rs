//! Supervising container inits as a shim would: real mode is their child subreaper, so when
//! `create` exits each init becomes our child and its wait status is the container's exit code
//! (the runtimes record none). An OOM kill is told apart from any other SIGKILL by the cgroup's
//! `oom_kill` counter, read before the container is deleted (deleting the cgroup loses it).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::host::CgroupMode;
use super::sys::{self, Pidfd};
use super::RealError;

/// Makes this process the reaper of orphaned container inits. Idempotent.
pub fn become_subreaper() -> Result<(), RealError> {
    sys::become_child_subreaper().map_err(RealError::io("prctl(PR_SET_CHILD_SUBREAPER)"))
}

/// A container's init, adopted by this process.
#[derive(Debug)]
pub struct Init {
    pid: i32,
    pidfd: Pidfd,
    /// The exit code, once reaped.
    code: Option<i32>,
}

impl Init {
    /// Watches `pid`, which must be (or become, as `create` exits) our child.
    pub fn adopt(pid: i32) -> Result<Init, RealError> {
        Ok(Init {
            pid,
            pidfd: Pidfd::open(pid).map_err(RealError::io(format!("pidfd_open({pid})")))?,
            code: None,
        })
    }

    /// The init's pid in this host's pid namespace.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Whether the init still runs (it has not exited, whether reaped or not). While it runs its
    /// pid names it and no other process: a pid is reused only once its process is reaped.
    pub fn running(&self) -> bool {
        self.code.is_none() && matches!(self.pidfd.wait_exit(Some(Duration::ZERO)), Ok(false))
    }

    /// Waits up to `timeout` (forever when `None`) for the init to exit, and reaps it: its exit
    /// code, as the shell and the kubelet report it (128 + signal when killed).
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<Option<i32>, RealError> {
        if self.code.is_some() {
            return Ok(self.code);
        }
        let what = || RealError::io(format!("waiting for pid {}", self.pid));
        if !self.pidfd.wait_exit(timeout).map_err(what())? {
            return Ok(None);
        }
        // Readable means exited; the zombie is ours to reap (re-parenting precedes exit).
        for _ in 0..1000 {
            if let Some(status) = sys::try_reap(self.pid).map_err(what())? {
                self.code = Some(sys::exit_code(status));
                return Ok(self.code);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Err(RealError::Runtime {
            command: format!("waitpid({})", self.pid),
            stderr: "the process exited but never became this process's child".into(),
        })
    }
}

/// How a container's process ended, as the kubelet's status shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    pub code: i32,
    /// The kernel's OOM killer killed a process of the container's cgroup while it ran.
    pub oom_killed: bool,
}

impl Exit {
    /// The terminated state's reason.
    // K8S: containerd internal/cri/server/helpers.go (completeExitReason, errorExitReason,
    // oomExitReason) and container_status.go (an OOM reason stands; else by exit code)
    pub fn reason(&self) -> &'static str {
        if self.oom_killed {
            "OOMKilled"
        } else if self.code == 0 {
            "Completed"
        } else {
            "Error"
        }
    }
}

/// A container cgroup's OOM-kill counter.
#[derive(Debug, Clone)]
pub struct OomCounter {
    file: PathBuf,
}

impl OomCounter {
    /// The counter of the cgroup at `cgroups_path` (absolute) in the memory hierarchy `memory`.
    pub fn new(mode: CgroupMode, memory: &Path, cgroups_path: &str) -> OomCounter {
        let dir = memory.join(cgroups_path.trim_start_matches('/'));
        OomCounter {
            file: dir.join(match mode {
                CgroupMode::V2 => "memory.events",
                CgroupMode::V1 | CgroupMode::Hybrid => "memory.oom_control",
            }),
        }
    }

    /// How many processes the OOM killer has killed in the cgroup (0 when it is gone).
    pub fn kills(&self) -> u64 {
        std::fs::read_to_string(&self.file)
            .map(|text| parse_oom_kill(&text))
            .unwrap_or(0)
    }

    /// Classifies an exit: OOMKilled when the OOM killer struck the container's cgroup, even if
    /// its victim was not PID 1 (a SIGKILL from anyone else is an ordinary `Error`).
    // K8S: containerd internal/cri/server/events.go (a TaskOOM event marks the container's
    // reason OOMKilled whatever its exit code)
    pub fn classify(&self, code: i32) -> Exit {
        Exit {
            code,
            oom_killed: self.kills() > 0,
        }
    }
}

/// The `oom_kill` line of `memory.oom_control` (v1) or `memory.events` (v2).
fn parse_oom_kill(text: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oom_kill_counter_is_read_from_either_cgroup_version() {
        let v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
        let v2 = "low 0\nhigh 0\nmax 12\noom 1\noom_kill 2\noom_group_kill 0\n";
        assert_eq!(parse_oom_kill(v1), 1);
        assert_eq!(parse_oom_kill(v2), 2);
        assert_eq!(parse_oom_kill("oom_kill_disable 0\n"), 0);
    }

    #[test]
    fn reasons_follow_the_runtime() {
        let exit = |code, oom_killed| Exit { code, oom_killed }.reason();
        assert_eq!(exit(0, false), "Completed");
        assert_eq!(exit(3, false), "Error");
        assert_eq!(exit(137, false), "Error");
        assert_eq!(exit(137, true), "OOMKilled");
    }

    #[test]
    fn counters_live_in_the_container_cgroup() {
        let v1 = OomCounter::new(
            CgroupMode::Hybrid,
            Path::new("/sys/fs/cgroup/memory"),
            "/k/p/c",
        );
        assert_eq!(
            v1.file,
            Path::new("/sys/fs/cgroup/memory/k/p/c/memory.oom_control")
        );
        let v2 = OomCounter::new(CgroupMode::V2, Path::new("/sys/fs/cgroup"), "/k/p/c");
        assert_eq!(v2.file, Path::new("/sys/fs/cgroup/k/p/c/memory.events"));
        assert_eq!(v2.kills(), 0);
    }
}
