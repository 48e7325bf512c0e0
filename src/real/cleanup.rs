//! Removing what a run made, from its record: its containers (through the runtime that made
//! them), the processes left in its cgroups, the cgroups, and its directory. Works on a live
//! run at its end and on the leftovers of a crashed one alike, and touches nothing else: a run
//! whose process still runs is left alone (and named), whatever its directory holds.
//!
//! A run is removed under an exclusive lock on its directory, so two cleanups never work on
//! one run at once, and the kernel drops the lock of a cleanup that dies. Its containers and
//! cgroups go first; then its directory is renamed to a hidden claim, `runs/.removing-<id>`,
//! and removed: a half-removed directory is never taken for a run, and the next sweep finishes
//! it.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::layout::{self, Record};
use super::oci::OciRuntime;
use super::sys::{self, Pidfd};
use super::RealError;

/// The name prefix of a run directory being removed.
const CLAIM: &str = ".removing-";

/// What a cleanup removed, and what it left.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub runs: usize,
    pub containers: usize,
    pub cgroups: usize,
    /// Runs left alone because the process that made them still runs: directory and pid.
    pub live: Vec<(PathBuf, u32)>,
    /// Runs left alone because another cleanup is removing them right now.
    pub busy: Vec<PathBuf>,
    /// Runs that could not be removed, each with why.
    pub failed: Vec<String>,
    /// The kubesim-owned directory, when [`everything`] removed it too.
    pub root: Option<PathBuf>,
}

impl std::ops::AddAssign for Cleaned {
    fn add_assign(&mut self, other: Cleaned) {
        self.runs += other.runs;
        self.containers += other.containers;
        self.cgroups += other.cgroups;
        self.live.extend(other.live);
        self.busy.extend(other.busy);
        self.failed.extend(other.failed);
        self.root = self.root.take().or(other.root);
    }
}

impl Cleaned {
    /// What was removed and what was left, one line each, in words.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "removed {}: {}, {}\n",
            count(self.runs, "run"),
            count(self.containers, "container"),
            count(self.cgroups, "cgroup")
        );
        for (dir, pid) in &self.live {
            text.push_str(&format!(
                "left {}: its process {pid} still runs; it removes the run when it ends\n",
                dir.display()
            ));
        }
        for dir in &self.busy {
            text.push_str(&format!(
                "left {}: another cleanup is removing it\n",
                dir.display()
            ));
        }
        if let Some(root) = &self.root {
            text.push_str(&format!(
                "removed {} (with the shared root filesystem)\n",
                root.display()
            ));
        }
        text
    }

    /// Whether anything was removed or left to say.
    pub fn is_empty(&self) -> bool {
        *self == Cleaned::default()
    }
}

/// `1 run`, `2 runs`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Removes every run under the kubesim-owned directory `root` whose process is gone, then, when
/// no run is left, the directory itself (with the shared root filesystem). Runs that live are
/// left and named.
pub fn everything(root: &Path) -> Result<Cleaned, RealError> {
    layout::check_root(root)?;
    let mut cleaned = stale(root)?;
    if !cleaned.live.is_empty() || !cleaned.busy.is_empty() || !cleaned.failed.is_empty() {
        return Ok(cleaned);
    }
    match std::fs::remove_dir_all(root) {
        Ok(()) => cleaned.root = Some(root.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(RealError::io(format!("removing {}", root.display()))(e)),
    }
    Ok(cleaned)
}

/// Removes the stale runs under `root`: those whose process is gone (crashed, killed,
/// interrupted), so their leftovers do not outlive the next session, and finishes removals a
/// dead cleanup left half done. Live runs are untouched and named. A run that cannot be
/// removed is named with why, and the others are removed all the same.
pub fn stale(root: &Path) -> Result<Cleaned, RealError> {
    // One sweep at a time in this process: two would race to delete the same containers.
    static SWEEP: Mutex<()> = Mutex::new(());
    let _sweeping = SWEEP
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut cleaned = Cleaned::default();
    for dir in layout::runs(root)? {
        match sweep_one(&dir) {
            Ok(one) => cleaned += one,
            Err(e) => cleaned.failed.push(format!("{}: {e}", dir.display())),
        }
    }
    Ok(cleaned)
}

/// Removes the entry `dir` of `runs/` unless it is a live run.
fn sweep_one(dir: &Path) -> Result<Cleaned, RealError> {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cleaned::default()),
        Err(e) => return Err(RealError::io(format!("reading {}", dir.display()))(e)),
    };
    if !meta.is_dir() {
        // No run is a file or a link: removed as such, never followed.
        std::fs::remove_file(dir).map_err(RealError::io(format!("removing {}", dir.display())))?;
        return Ok(Cleaned::default());
    }
    if name.starts_with(CLAIM) {
        return finish_claim(dir);
    }
    let live = match layout::read_record(dir)? {
        Some(record) => record.owner.alive().then_some(record.owner.pid),
        // Crashed before its record: its name starts with its process's pid.
        None => name
            .split('-')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok())
            .filter(|pid| Path::new(&format!("/proc/{pid}")).exists()),
    };
    match live {
        Some(pid) => Ok(Cleaned {
            live: vec![(dir.to_path_buf(), pid)],
            ..Cleaned::default()
        }),
        None => run(dir),
    }
}

/// Removes the run in `dir`; nothing to do when it is gone already, or another cleanup is on it.
pub fn run(dir: &Path) -> Result<Cleaned, RealError> {
    let _lock = match lock(dir)? {
        Locked::Held(lock) => lock,
        Locked::Gone => return Ok(Cleaned::default()),
        Locked::Busy => {
            return Ok(Cleaned {
                busy: vec![dir.to_path_buf()],
                ..Cleaned::default()
            })
        }
    };
    let mut cleaned = Cleaned {
        runs: 1,
        ..Cleaned::default()
    };
    // No record: it crashed before recording anything, so it made nothing but the directory.
    if let Some(record) = layout::read_record(dir)? {
        cleaned.containers = delete_containers(dir, &record)?;
        for cgroup in &record.cgroups {
            cleaned.cgroups += remove_cgroup_tree(cgroup)?;
        }
    }
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    let claim = dir.with_file_name(format!("{CLAIM}{name}"));
    std::fs::rename(dir, &claim).map_err(RealError::io(format!("renaming {}", dir.display())))?;
    remove_dir(&claim)?;
    Ok(cleaned)
}

/// Finishes removing a run a cleanup claimed (its containers and cgroups are gone already),
/// unless that cleanup is still on it.
fn finish_claim(dir: &Path) -> Result<Cleaned, RealError> {
    match lock(dir)? {
        Locked::Held(_lock) => {
            remove_dir(dir)?;
            Ok(Cleaned {
                runs: 1,
                ..Cleaned::default()
            })
        }
        Locked::Gone => Ok(Cleaned::default()),
        Locked::Busy => Ok(Cleaned {
            busy: vec![dir.to_path_buf()],
            ..Cleaned::default()
        }),
    }
}

fn remove_dir(dir: &Path) -> Result<(), RealError> {
    // remove_dir_all removes links, never what they point to.
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RealError::io(format!("removing {}", dir.display()))(e)),
    }
}

/// The lock on a run directory.
enum Locked {
    /// Ours until dropped.
    Held(File),
    /// The directory is gone (another cleanup removed it).
    Gone,
    /// Another cleanup holds it.
    Busy,
}

/// Locks the directory `dir`, checking that it is still there once locked: the cleanup that
/// held the lock before may have removed or renamed it meanwhile.
fn lock(dir: &Path) -> Result<Locked, RealError> {
    let what = || format!("locking {}", dir.display());
    let file = match File::open(dir) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Locked::Gone),
        Err(e) => return Err(RealError::io(what())(e)),
    };
    if !sys::try_lock_exclusive(&file).map_err(RealError::io(what()))? {
        return Ok(Locked::Busy);
    }
    let held = file.metadata().map_err(RealError::io(what()))?;
    match std::fs::symlink_metadata(dir) {
        Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => Ok(Locked::Held(file)),
        _ => Ok(Locked::Gone),
    }
}

/// Deletes (with force) every container in the run's runtime state, and reaps the inits that
/// are this process's children.
fn delete_containers(dir: &Path, record: &Record) -> Result<usize, RealError> {
    // The record names `<dir>/state`; a link there would hand the runtime another state.
    layout::within(dir, &["state"])?;
    let runtime = OciRuntime::new(&record.runtime, &record.state, None);
    let ids = runtime.list()?;
    for id in &ids {
        let pid = layout::within(dir, &["bundles", id, "pid"])
            .ok()
            .and_then(|path| std::fs::read_to_string(path).ok())
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
    use std::path::PathBuf;

    /// A root with one recorded run that made nothing yet (no state, no cgroups on disk).
    fn root_with_run(record: &str) -> (tempfile::TempDir, PathBuf) {
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

    /// Adds a run recorded by this (live) process under `root`.
    fn live_run(root: &Path) -> PathBuf {
        let me = layout::Owner::current();
        let live = root.join("runs/78-0");
        std::fs::create_dir_all(&live).unwrap();
        let record = RECORD
            .replace("RUN", live.to_str().unwrap())
            .replace("77-0", "78-0")
            .replace(
                r#""pid": 77, "start": 1"#,
                &format!(r#""pid": {}, "start": {}"#, me.pid, me.start),
            );
        std::fs::write(live.join("run.json"), record).unwrap();
        live
    }

    /// A pid no process can have: pids stay below `pid_max`, at most 2^22.
    const NO_PID: &str = "4194304";

    #[test]
    fn only_runs_whose_process_is_gone_are_stale() {
        let (root, dead) = root_with_run(RECORD);
        let live = live_run(root.path());
        let cleaned = stale(root.path()).unwrap();
        assert_eq!(cleaned.runs, 1);
        assert_eq!(cleaned.live, vec![(live.clone(), std::process::id())]);
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
        assert_eq!(
            cleaned.describe(),
            format!(
                "removed 1 run: 0 containers, 0 cgroups\nremoved {} (with the shared root filesystem)\n",
                root.path().display()
            )
        );
    }

    #[test]
    fn everything_leaves_live_runs_and_the_root_they_use() {
        let (root, dead) = root_with_run(RECORD);
        let live = live_run(root.path());
        let cleaned = everything(root.path()).unwrap();
        assert!(!dead.exists());
        assert!(live.join("run.json").exists());
        assert!(root.path().join("rootfs/bin").is_dir());
        assert_eq!(cleaned.root, None);
        assert_eq!(
            cleaned.describe(),
            format!(
                "removed 1 run: 0 containers, 0 cgroups\nleft {}: its process {} still runs; it removes the run when it ends\n",
                live.display(),
                std::process::id()
            )
        );
    }

    #[test]
    fn a_run_that_crashed_before_its_record_is_removed_whatever_it_holds() {
        let (root, run) = root_with_run(RECORD);
        std::fs::remove_file(run.join("run.json")).unwrap();
        assert_eq!(super::run(&run).unwrap().runs, 1);
        assert!(!run.exists());
        // One whose process is gone, half a record and a bundle in it, is swept.
        let crashed = root.path().join(format!("runs/{NO_PID}-0"));
        std::fs::create_dir_all(crashed.join("bundles/x")).unwrap();
        std::fs::write(crashed.join("run.json.partial"), "{\"runtime\": ").unwrap();
        let cleaned = stale(root.path()).unwrap();
        assert_eq!((cleaned.runs, cleaned.failed.len()), (1, 0));
        assert!(!crashed.exists());
        assert!(everything(root.path()).unwrap().root.is_some());
    }

    #[test]
    fn a_half_removed_run_is_finished_unless_its_cleanup_still_holds_it() {
        let (root, _) = root_with_run(RECORD);
        let claim = root.path().join("runs/.removing-76-0");
        std::fs::create_dir_all(claim.join("bundles/x")).unwrap();
        std::fs::write(claim.join("bundles/x/log"), "half").unwrap();
        let held = File::open(&claim).unwrap();
        assert!(sys::try_lock_exclusive(&held).unwrap());
        let cleaned = stale(root.path()).unwrap();
        assert_eq!(
            (cleaned.runs, cleaned.busy.clone()),
            (1, vec![claim.clone()])
        );
        assert!(claim.join("bundles/x/log").exists());
        assert_eq!(
            cleaned.describe().lines().nth(1),
            Some(format!("left {}: another cleanup is removing it", claim.display()).as_str())
        );
        drop(held);
        assert_eq!(stale(root.path()).unwrap().runs, 1);
        assert!(!claim.exists());
    }

    #[test]
    fn links_are_removed_never_followed() {
        let (root, _) = root_with_run(RECORD);
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep"), "mine").unwrap();
        let link = root.path().join(format!("runs/{NO_PID}-1"));
        std::os::unix::fs::symlink(outside.path(), &link).unwrap();
        // A record whose state is a link elsewhere: the runtime is never pointed there.
        let run = root.path().join("runs/77-0");
        std::os::unix::fs::symlink(outside.path(), run.join("state")).unwrap();
        let cleaned = stale(root.path()).unwrap();
        assert!(std::fs::symlink_metadata(&link).is_err());
        assert!(outside.path().join("keep").exists());
        assert_eq!(cleaned.failed.len(), 1, "{:?}", cleaned.failed);
        assert!(
            cleaned.failed[0].contains("/runs/77-0/state is a symbolic link"),
            "{:?}",
            cleaned.failed
        );
        assert!(run.join("run.json").exists());
        // `runs` itself a link: nothing under it is touched.
        let root2 = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root2.path().join("runs")).unwrap();
        assert!(everything(root2.path()).is_err());
        assert!(outside.path().join("keep").exists());
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
