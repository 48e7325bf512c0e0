//! Preflight: whether this host can run real containers, and what it has to run them with.
//! Each refusal says what is missing and how to install or fix it.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{sys, RealError};

/// Which OCI runtime binary drives containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuntimeKind {
    /// crun: the faster one (measured about twice as fast to create and exec).
    Crun,
    /// runc: the reference implementation; needs no workaround on hybrid hosts.
    Runc,
}

impl RuntimeKind {
    /// The binary's name, as found in PATH and as the Debian package is called.
    pub fn binary_name(self) -> &'static str {
        match self {
            RuntimeKind::Crun => "crun",
            RuntimeKind::Runc => "runc",
        }
    }
}

/// How the host mounts its cgroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMode {
    /// Only v1 hierarchies.
    V1,
    /// v1 hierarchies plus a cgroup2 mount at `/sys/fs/cgroup/unified`.
    Hybrid,
    /// The unified hierarchy alone at `/sys/fs/cgroup`.
    V2,
}

/// Where cgroup filesystems are mounted, read from `/proc/self/mounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroups {
    pub mode: CgroupMode,
    /// Every cgroup (v1 or v2) mount point: a kubesim subtree may appear under each.
    pub mounts: Vec<PathBuf>,
    /// The hierarchy holding the memory controller (its limits and OOM counters).
    pub memory: PathBuf,
    /// The cgroup2 mount of a hybrid host, which crun refuses while it has controllers.
    pub unified: Option<PathBuf>,
}

impl Cgroups {
    /// Reads the cgroup mounts from `mounts` (the text of `/proc/self/mounts`).
    pub fn parse(mounts: &str) -> Result<Cgroups, RealError> {
        let mut v1 = Vec::new();
        let mut v2 = None;
        let mut memory = None;
        for line in mounts.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [_, target, fstype, options, ..] = fields[..] else {
                continue;
            };
            match fstype {
                "cgroup" => {
                    if options.split(',').any(|o| o == "memory") {
                        memory = Some(PathBuf::from(target));
                    }
                    v1.push(PathBuf::from(target));
                }
                "cgroup2" => v2 = Some(PathBuf::from(target)),
                _ => {}
            }
        }
        let mode = match (v1.is_empty(), &v2) {
            (true, Some(_)) => CgroupMode::V2,
            (false, Some(_)) => CgroupMode::Hybrid,
            (false, None) => CgroupMode::V1,
            (true, None) => {
                return Err(RealError::Refused(
                    "no cgroup filesystem is mounted; mount cgroup2 at /sys/fs/cgroup".into(),
                ))
            }
        };
        let memory = match mode {
            CgroupMode::V2 => v2.clone(),
            _ => memory,
        }
        .ok_or_else(|| {
            RealError::Refused(
                "no cgroup v1 hierarchy has the memory controller; boot with cgroup_enable=memory"
                    .into(),
            )
        })?;
        let mut all = v1;
        all.extend(v2.clone());
        Ok(Cgroups {
            mode,
            mounts: all,
            memory,
            unified: if mode == CgroupMode::Hybrid { v2 } else { None },
        })
    }
}

/// What preflight found: everything real mode needs, located.
#[derive(Debug, Clone)]
pub struct Host {
    pub runtime: RuntimeKind,
    pub runtime_binary: PathBuf,
    /// The first line of `<runtime> --version`.
    pub runtime_version: String,
    pub cgroups: Cgroups,
    /// The hybrid cgroup2 mount's controllers (crun refuses a hybrid host when any are there).
    pub unified_controllers: Vec<String>,
    /// A statically linked busybox, copied into containers' root filesystem.
    pub busybox: PathBuf,
}

/// Where Debian's busybox-static puts the binary.
const BUSYBOX: &str = "/bin/busybox";

/// The command that installs what real mode needs on Debian and Ubuntu.
const INSTALL: &str = "apt-get install -y --no-install-recommends crun runc busybox-static";

impl Host {
    /// Checks this host: Linux, root, the runtime binary, a static busybox, cgroups with a
    /// memory controller. The first thing missing is refused with how to fix it.
    pub fn detect(runtime: RuntimeKind) -> Result<Host, RealError> {
        if !cfg!(target_os = "linux") {
            return Err(RealError::Refused(
                "real containers need Linux (namespaces and cgroups)".into(),
            ));
        }
        if sys::euid() != 0 {
            return Err(RealError::Refused(
                "real containers need root (namespaces, cgroups, mounts); run as root or with sudo"
                    .into(),
            ));
        }
        let name = runtime.binary_name();
        let runtime_binary = find_in_path(name).ok_or_else(|| {
            RealError::Refused(format!(
                "the OCI runtime `{name}` is not in PATH; install it: {INSTALL}"
            ))
        })?;
        let runtime_version = version(&runtime_binary)?;
        let busybox = PathBuf::from(BUSYBOX);
        if !busybox.is_file() {
            return Err(RealError::Refused(format!(
                "{BUSYBOX} is missing; install busybox-static: {INSTALL}"
            )));
        }
        if !is_static_elf(&busybox)? {
            return Err(RealError::Refused(format!(
                "{BUSYBOX} is dynamically linked (package busybox); containers need the static one: {INSTALL}"
            )));
        }
        let mounts = std::fs::read_to_string("/proc/self/mounts")
            .map_err(RealError::io("reading /proc/self/mounts"))?;
        let cgroups = Cgroups::parse(&mounts)?;
        let unified_controllers = match &cgroups.unified {
            Some(dir) => std::fs::read_to_string(dir.join("cgroup.controllers"))
                .map_err(RealError::io(format!("reading {}", dir.display())))?
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            None => Vec::new(),
        };
        Ok(Host {
            runtime,
            runtime_binary,
            runtime_version,
            cgroups,
            unified_controllers,
            busybox,
        })
    }

    /// The mount crun must not see when it creates a container: on a hybrid host whose cgroup2
    /// mount has controllers, crun refuses ("cgroups in hybrid mode not supported").
    pub fn mount_to_hide(&self) -> Option<&Path> {
        match (self.runtime, &self.cgroups.unified) {
            (RuntimeKind::Crun, Some(dir)) if !self.unified_controllers.is_empty() => Some(dir),
            _ => None,
        }
    }

    /// What preflight found, one fact a line, for `kubesim real --check`.
    pub fn describe(&self) -> String {
        let mode = match self.cgroups.mode {
            CgroupMode::V1 => "v1".to_string(),
            CgroupMode::V2 => "v2".to_string(),
            CgroupMode::Hybrid => format!(
                "hybrid (v1 + cgroup2 at {}, controllers: {})",
                self.cgroups
                    .unified
                    .as_deref()
                    .unwrap_or(Path::new("?"))
                    .display(),
                if self.unified_controllers.is_empty() {
                    "none".to_string()
                } else {
                    self.unified_controllers.join(" ")
                }
            ),
        };
        let hide = match self.mount_to_hide() {
            Some(dir) => format!("create runs with {} hidden", dir.display()),
            None => "none needed".to_string(),
        };
        format!(
            "runtime:     {} ({})\ncgroups:     {mode}\nmemory:      {}\nworkaround:  {hide}\nbusybox:     {} (static)\n",
            self.runtime_version,
            self.runtime_binary.display(),
            self.cgroups.memory.display(),
            self.busybox.display(),
        )
    }
}

/// The first executable file called `name` in PATH.
fn find_in_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The first line of `binary --version`.
fn version(binary: &Path) -> Result<String, RealError> {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .map_err(RealError::io(format!(
            "running {} --version",
            binary.display()
        )))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("unknown version")
        .to_string())
}

/// Whether the ELF file at `path` has no program interpreter (a dynamic loader).
fn is_static_elf(path: &Path) -> Result<bool, RealError> {
    let bytes =
        std::fs::read(path).map_err(RealError::io(format!("reading {}", path.display())))?;
    Ok(elf_is_static(&bytes))
}

/// Reads a 64-bit little-endian ELF's program headers: static when none is PT_INTERP.
fn elf_is_static(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let u16_at = |o: usize| {
        elf.get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
    };
    if !elf.starts_with(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(phoff), Some(size), Some(count)) = (u64_at(32), u16_at(54), u16_at(56)) else {
        return false;
    };
    (0..count).all(|i| {
        elf.get(phoff + i * size..phoff + i * size + 4)
            .is_some_and(|t| u32::from_le_bytes(t.try_into().expect("4 bytes")) != PT_INTERP)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
proc /proc proc rw 0 0
";

    #[test]
    fn a_hybrid_host_is_told_apart_from_v1_and_v2() {
        let hybrid = Cgroups::parse(HYBRID).unwrap();
        assert_eq!(hybrid.mode, CgroupMode::Hybrid);
        assert_eq!(hybrid.memory, Path::new("/sys/fs/cgroup/memory"));
        assert_eq!(
            hybrid.unified.as_deref(),
            Some(Path::new("/sys/fs/cgroup/unified"))
        );
        assert_eq!(hybrid.mounts.len(), 3);

        let v1 = Cgroups::parse(
            &HYBRID.replace("cgroup2 /sys/fs/cgroup/unified cgroup2", "none /x tmpfs"),
        )
        .unwrap();
        assert_eq!((v1.mode, v1.unified), (CgroupMode::V1, None));

        let v2 = Cgroups::parse("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n").unwrap();
        assert_eq!(v2.mode, CgroupMode::V2);
        assert_eq!(v2.memory, Path::new("/sys/fs/cgroup"));
    }

    #[test]
    fn a_host_without_cgroups_or_memory_is_refused_with_a_fix() {
        let none = Cgroups::parse("proc /proc proc rw 0 0\n").unwrap_err();
        assert_eq!(
            none.to_string(),
            "real mode refused: no cgroup filesystem is mounted; mount cgroup2 at /sys/fs/cgroup"
        );
        let no_memory =
            Cgroups::parse("cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n").unwrap_err();
        assert!(no_memory.to_string().contains("memory controller"));
    }

    #[test]
    fn static_and_dynamic_executables_are_told_apart() {
        // This test binary is dynamically linked (it has a PT_INTERP header).
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!elf_is_static(&me));
        assert!(!elf_is_static(b"#!/bin/sh\n"));
        // A minimal ELF64 header with no program headers has no interpreter.
        let mut header = vec![0u8; 64];
        header[..6].copy_from_slice(b"\x7fELF\x02\x01");
        assert!(elf_is_static(&header));
    }
}
