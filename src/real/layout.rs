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

/// Reads the record of the run in `dir`.
pub fn read_record(dir: &Path) -> Result<Record, RealError> {
    let path = dir.join(RECORD);
    let text = std::fs::read_to_string(&path)
        .map_err(RealError::io(format!("reading {}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| RealError::Io {
        what: format!("reading {}", path.display()),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
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
