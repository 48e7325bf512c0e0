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
        let runs = root.join("runs");
        std::fs::create_dir_all(&runs)
            .map_err(RealError::io(format!("creating {}", runs.display())))?;
        loop {
            let id = format!(
                "{}-{}",
                std::process::id(),
                NEXT_RUN.fetch_add(1, Ordering::Relaxed)
            );
            let cgroup = format!("/kubesim-{id}");
            let dir = runs.join(&id);
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
            };
            let text = serde_json::to_string_pretty(&record).expect("a record serializes");
            std::fs::write(dir.join(RECORD), text).map_err(RealError::io(format!(
                "writing {}",
                dir.join(RECORD).display()
            )))?;
            return Ok(RunLayout {
                dir,
                cgroup,
                record,
            });
        }
    }

    /// The bundle directory of container `id`.
    pub fn bundle(&self, id: &str) -> PathBuf {
        self.dir.join("bundles").join(id)
    }
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

/// The run directories under `root`.
pub fn runs(root: &Path) -> Result<Vec<PathBuf>, RealError> {
    let runs = root.join("runs");
    let entries = match std::fs::read_dir(&runs) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RealError::io(format!("reading {}", runs.display()))(e)),
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    Ok(dirs)
}
