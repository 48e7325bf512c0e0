//! Removing what a run made, from its record: its containers (through the runtime that made
//! them), the processes left in its cgroups, the cgroups, and its directory. Works on a live
//! run at its end and on the leftovers of a crashed one alike, and touches nothing else.

use std::path::Path;
use std::sync::Mutex;
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
    layout::check_root(root)?;
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

/// Removes the stale runs under `root`: those whose process is gone (crashed, killed,
/// interrupted), so their leftovers do not outlive the next session. Live runs are untouched.
pub fn stale(root: &Path) -> Result<Cleaned, RealError> {
    // One sweep at a time in this process: two would race to delete the same containers.
    static SWEEP: Mutex<()> = Mutex::new(());
    let _sweeping = SWEEP
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut cleaned = Cleaned::default();
    for dir in layout::runs(root)? {
        let owner_gone = match layout::read_record(&dir)? {
            Some(record) => !record.owner.alive(),
            // Crashed before its record: its name starts with its process's pid.
            None => dir
                .file_name()
                .and_then(|n| n.to_str()?.split('-').next()?.parse::<u32>().ok())
                .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()),
        };
        if owner_gone {
            cleaned += run(&dir)?;
        }
    }
    Ok(cleaned)
}

/// Removes the run in `dir`; nothing to do when it is gone already.
pub fn run(dir: &Path) -> Result<Cleaned, RealError> {
    if !dir.exists() {
        return Ok(Cleaned::default());
    }
    let Some(record) = layout::read_record(dir)? else {
        // Crashed before recording anything: nothing was made but the (empty) directory.
        std::fs::remove_dir(dir).map_err(RealError::io(format!("removing {}", dir.display())))?;
        return Ok(Cleaned {
            runs: 1,
            ..Cleaned::default()
        });
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A root with one recorded run that made nothing yet (no state, no cgroups on disk).
    fn root_with_run(record: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("runs/77-0");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(root.path().join("rootfs/bin")).unwrap();
        let record = record.replace("RUN", run.to_str().unwrap());
        std::fs::write(run.join("run.json"), record).unwrap();
        (root, run)
    }

    const RECORD: &str = r#"{"runtime": "/usr/bin/crun", "state": "RUN/state",
        "cgroups": ["/sys/fs/cgroup/memory/kubesim-77-0", "/sys/fs/cgroup/cpu/kubesim-77-0"],
        "owner": {"pid": 77, "start": 1}}"#;

    #[test]
    fn only_runs_whose_process_is_gone_are_stale() {
        let (root, dead) = root_with_run(RECORD);
        let me = layout::Owner::current();
        let live = root.path().join("runs/78-0");
        std::fs::create_dir_all(&live).unwrap();
        let record = RECORD
            .replace("RUN", live.to_str().unwrap())
            .replace("77-0", "78-0")
            .replace(
                r#""pid": 77, "start": 1"#,
                &format!(r#""pid": {}, "start": {}"#, me.pid, me.start),
            );
        std::fs::write(live.join("run.json"), record).unwrap();
        assert_eq!(stale(root.path()).unwrap().runs, 1);
        assert!(!dead.exists());
        assert!(live.join("run.json").exists());
    }

    #[test]
    fn a_recorded_run_and_the_directory_are_removed() {
        let (root, _) = root_with_run(RECORD);
        let cleaned = everything(root.path()).unwrap();
        assert_eq!(
            (cleaned.runs, cleaned.containers, cleaned.cgroups),
            (1, 0, 0)
        );
        assert!(!root.path().exists());
    }

    #[test]
    fn a_run_that_crashed_before_its_record_is_removed() {
        let (_root, run) = root_with_run(RECORD);
        std::fs::remove_file(run.join("run.json")).unwrap();
        assert_eq!(super::run(&run).unwrap().runs, 1);
        assert!(!run.exists());
    }

    #[test]
    fn a_record_naming_what_is_not_the_runs_is_refused() {
        for foreign in [
            RECORD.replace("memory/kubesim-77-0", "memory"),
            RECORD.replace("/sys/fs/cgroup/cpu/", "/home/"),
            RECORD.replace("RUN/state", "/run/crun"),
        ] {
            let (root, run) = root_with_run(&foreign);
            let err = super::run(&run).unwrap_err().to_string();
            assert!(
                err.ends_with("which is not the run's own; nothing was removed"),
                "{err}"
            );
            assert!(run.join("run.json").exists());
            drop(root);
        }
    }

    #[test]
    fn a_directory_that_is_not_kubesims_is_left_alone() {
        let (root, _) = root_with_run(RECORD);
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let err = everything(root.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "real mode refused: {} is not a kubesim directory (notes.txt is not kubesim's); nothing was removed",
                root.path().display()
            )
        );
        assert!(root.path().join("runs/77-0/run.json").exists());
    }
}
