//! Removing what a run made, from its record: its containers (through the runtime that made
//! them), the processes left in its cgroups, the cgroups, and its directory. Works on a live
//! run at its end and on the leftovers of a crashed one alike, and touches nothing else.

use std::path::Path;
use std::time::{Duration, Instant};

use super::layout::{self, Record};
use super::oci::OciRuntime;
use super::sys::{self, Pidfd};
use super::RealError;

/// What a cleanup removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cleaned {
    pub runs: usize,
    pub containers: usize,
    pub cgroups: usize,
}

impl std::ops::AddAssign for Cleaned {
    fn add_assign(&mut self, other: Cleaned) {
        self.runs += other.runs;
        self.containers += other.containers;
        self.cgroups += other.cgroups;
    }
}

/// Removes every run under the kubesim-owned directory `root`, then the directory itself
/// (with the shared root filesystem).
pub fn everything(root: &Path) -> Result<Cleaned, RealError> {
    let mut cleaned = Cleaned::default();
    for dir in layout::runs(root)? {
        cleaned += run(&dir)?;
    }
    match std::fs::remove_dir_all(root) {
        Ok(()) => Ok(cleaned),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(cleaned),
        Err(e) => Err(RealError::io(format!("removing {}", root.display()))(e)),
    }
}

/// Removes the run in `dir`; nothing to do when it is gone already.
pub fn run(dir: &Path) -> Result<Cleaned, RealError> {
    if !dir.exists() {
        return Ok(Cleaned::default());
    }
    let record = layout::read_record(dir)?;
    let mut cleaned = Cleaned {
        runs: 1,
        ..Cleaned::default()
    };
    cleaned.containers = delete_containers(dir, &record)?;
    for cgroup in &record.cgroups {
        cleaned.cgroups += remove_cgroup_tree(cgroup)?;
    }
    std::fs::remove_dir_all(dir).map_err(RealError::io(format!("removing {}", dir.display())))?;
    Ok(cleaned)
}

/// Deletes (with force) every container in the run's runtime state, and reaps the inits that
/// are this process's children.
fn delete_containers(dir: &Path, record: &Record) -> Result<usize, RealError> {
    let runtime = OciRuntime::new(&record.runtime, &record.state, None);
    let ids = runtime.list()?;
    for id in &ids {
        let pid = std::fs::read_to_string(dir.join("bundles").join(id).join("pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok());
        // Opened before the delete, so it cannot name a recycled pid afterwards.
        let pidfd = pid.and_then(|p| Pidfd::open(p).ok().map(|fd| (p, fd)));
        runtime.delete_force(id)?;
        if let Some((pid, fd)) = pidfd {
            if fd.wait_exit(Some(Duration::from_secs(2))).unwrap_or(false) {
                // Not our child when another process made the run: nothing to reap then.
                let _ = sys::try_reap(pid);
            }
        }
    }
    Ok(ids.len())
}

/// Removes the cgroup directory `dir` and those below it, deepest first, killing any process
/// still in them (only the run's own processes can be there). How many were removed.
fn remove_cgroup_tree(dir: &Path) -> Result<usize, RealError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(RealError::io(format!("reading {}", dir.display()))(e)),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            removed += remove_cgroup_tree(&entry.path())?;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(removed + 1),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline => {
                kill_members(dir);
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                return Err(RealError::io(format!(
                    "removing the cgroup {}",
                    dir.display()
                ))(e))
            }
        }
    }
}

/// SIGKILLs every process in the cgroup `dir`.
fn kill_members(dir: &Path) {
    let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
    for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
        let _ = sys::kill(pid, libc::SIGKILL);
    }
}
