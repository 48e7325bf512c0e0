//! Where real mode keeps what it makes: one kubesim-owned directory (by default `/run/kubesim`)
//! holding the shared root filesystem and one directory per session ("run"), and per run one
//! cgroup subtree `/kubesim-<run>` in every hierarchy. Each run records what it made in
//! `run.json` before making it, so `kubesim real --cleanup` can remove it after a crash without
//! guessing, and never touches anything else.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

use super::{Host, RealError};

/// The kubesim-owned directory `kubesim real` uses unless told otherwise.
pub const DEFAULT_ROOT: &str = "/run/kubesim";

/// The file in a run's directory that records what the run made.
const RECORD: &str = "run.json";

/// What a run made, written before it makes anything.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    /// The runtime binary, which lists and deletes the run's containers.
    pub runtime: PathBuf,
    /// The runtime's private state directory (`--root`).
    pub state: PathBuf,
    /// The run's cgroup directory in each hierarchy.
    pub cgroups: Vec<PathBuf>,
    /// The process that made the run: once it is gone, the run is stale.
    pub owner: Owner,
}

/// A process, told apart from a later one with the same pid by its start time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    /// Clock ticks after boot at which it started (`/proc/<pid>/stat`, field 22).
    pub start: u64,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid).unwrap_or(0),
        }
    }

    /// Whether the process still runs (a pid reused since does not count).
    pub fn alive(&self) -> bool {
        start_time(self.pid) == Some(self.start)
    }
}

/// When process `pid` started, if it exists.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// Field 22 of a `/proc/<pid>/stat` line; the command name (field 2) may hold spaces and
/// parentheses, so fields are counted after its last `)`.
fn parse_start_time(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// One run's places.
#[derive(Debug, Clone)]
pub struct RunLayout {
    /// `<root>/runs/<id>`.
    pub dir: PathBuf,
    /// The cgroup subtree, as a `cgroupsPath` prefix: `/kubesim-<id>`.
    pub cgroup: String,
    pub record: Record,
}

/// Tells apart the runs one process makes.
static NEXT_RUN: AtomicU32 = AtomicU32::new(0);

impl RunLayout {
    /// Claims a fresh run directory under `root` and records what the run will make there.
    pub fn create(root: &Path, host: &Host) -> Result<RunLayout, RealError> {
        let runs = within(root, &["runs"])?;
        std::fs::create_dir_all(&runs)
            .map_err(RealError::io(format!("creating {}", runs.display())))?;
        loop {
            let id = format!(
                "{}-{}",
                std::process::id(),
                NEXT_RUN.fetch_add(1, Ordering::Relaxed)
            );
            let cgroup = format!("/kubesim-{id}");
            let dir = within(&runs, &[&id])?;
            let cgroups: Vec<PathBuf> = host
                .cgroups
                .mounts
                .iter()
                .map(|m| m.join(&cgroup[1..]))
                .collect();
            // A run of an earlier process with the same pid may have left its cgroups.
            if cgroups.iter().any(|c| c.exists()) {
                continue;
            }
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(RealError::io(format!("creating {}", dir.display()))(e)),
            }
            let record = Record {
                runtime: host.runtime_binary.clone(),
                state: dir.join("state"),
                cgroups,
                owner: Owner::current(),
            };
            write_record(&dir, &record)?;
            return Ok(RunLayout {
                dir,
                cgroup,
                record,
            });
        }
    }

    /// The bundle directory of container `id` (a plain name, checked).
    pub fn bundle(&self, id: &str) -> Result<PathBuf, RealError> {
        within(&self.dir, &["bundles", id])
    }
}

/// Writes `record` into the run directory `dir` whole or not at all (written aside, then
/// renamed): a crash mid-write leaves no half record for cleanup to stumble on.
fn write_record(dir: &Path, record: &Record) -> Result<(), RealError> {
    let path = dir.join(RECORD);
    let partial = dir.join(format!("{RECORD}.partial"));
    let text = serde_json::to_string_pretty(record).expect("a record serializes");
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(RealError::io(format!("writing {}", path.display())))
}

/// `base` joined with `parts`, each a plain name ([`crate::report::files::not_plain`]), with no
/// symbolic link on the way: every path real mode writes stays under its own directory, however
/// a name or an earlier process's leftovers look.
pub fn within(base: &Path, parts: &[&str]) -> Result<PathBuf, RealError> {
    let mut path = base.to_path_buf();
    for part in parts {
        if crate::report::files::not_plain(part).is_some() {
            return Err(RealError::Refused(format!(
                "\"{part}\" cannot name a path under {}: it must be a plain file name",
                base.display()
            )));
        }
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(RealError::Refused(format!(
                "{} is a symbolic link; real mode writes only under {} itself, so nothing was written there",
                path.display(),
                base.display()
            )));
        }
    }
    Ok(path)
}

/// Reads the record of the run in `dir`: `None` when the run crashed before writing it (its
/// directory is then empty). A record naming anything outside its run (a state directory
/// elsewhere, a cgroup not called `kubesim-<run>` under /sys/fs/cgroup) is refused: cleanup
/// acts on it as root.
pub fn read_record(dir: &Path) -> Result<Option<Record>, RealError> {
    let path = dir.join(RECORD);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(RealError::io(format!("reading {}", path.display()))(e)),
    };
    let record: Record = serde_json::from_str(&text).map_err(|e| RealError::Io {
        what: format!("reading {}", path.display()),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    let id = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let cgroup = format!("kubesim-{id}");
    let foreign = record.cgroups.iter().find(|c| {
        c.file_name().and_then(|n| n.to_str()) != Some(cgroup.as_str())
            || !c.starts_with("/sys/fs/cgroup")
    });
    if let Some(foreign) = foreign {
        return Err(not_ours(&path, &foreign.display().to_string()));
    }
    if record.state != dir.join("state") {
        return Err(not_ours(&path, &record.state.display().to_string()));
    }
    Ok(Some(record))
}

fn not_ours(record: &Path, what: &str) -> RealError {
    RealError::Refused(format!(
        "{} names {what}, which is not the run's own; nothing was removed",
        record.display()
    ))
}

/// Checks that `root` holds only what real mode puts there (runs and the root filesystem), so
/// removing it removes nothing else.
pub fn check_root(root: &Path) -> Result<(), RealError> {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(RealError::io(format!("reading {}", root.display()))(e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name == "runs"
            || name == "rootfs"
            || (name.starts_with("rootfs.") && name.ends_with(".partial"));
        if !ours {
            return Err(RealError::Refused(format!(
                "{} is not a kubesim directory ({name} is not kubesim's); nothing was removed",
                root.display()
            )));
        }
    }
    Ok(())
}

/// The entries of `<root>/runs`: run directories, claims of runs being removed, and whatever
/// a crash left there. `runs` itself must be a directory, not a link to one elsewhere.
pub fn runs(root: &Path) -> Result<Vec<PathBuf>, RealError> {
    let runs = within(root, &["runs"])?;
    let entries = match std::fs::read_dir(&runs) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RealError::io(format!("reading {}", runs.display()))(e)),
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_joined_from_plain_names_without_links() {
        let root = tempfile::tempdir().unwrap();
        let base = root.path();
        assert_eq!(
            within(base, &["runs", "1-0"]).unwrap(),
            base.join("runs/1-0")
        );
        for bad in ["", ".", "..", "a/b", "/etc", "a\0b"] {
            let err = within(base, &["bundles", bad]).unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "real mode refused: \"{bad}\" cannot name a path under {}: it must be a plain file name",
                    base.display()
                )
            );
        }
        std::os::unix::fs::symlink("/etc", base.join("runs")).unwrap();
        assert_eq!(
            within(base, &["runs", "1-0"]).unwrap_err().to_string(),
            format!(
                "real mode refused: {}/runs is a symbolic link; real mode writes only under {} itself, so nothing was written there",
                base.display(),
                base.display()
            )
        );
        assert!(runs(base).is_err());
    }

    #[test]
    fn the_start_time_is_counted_after_the_command_name() {
        let stat = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
        assert_eq!(parse_start_time(stat), Some(987654));
        assert_eq!(parse_start_time("4242 (x) S 1"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_reaped_one_is_not() {
        assert!(Owner::current().alive());
        let child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let start = start_time(pid).unwrap_or(1);
        let _ = child.wait_with_output();
        assert!(!Owner { pid, start }.alive());
    }
}
