//! OCI bundles: the `config.json` a runtime creates a container from. A pod's sandbox owns
//! fresh network, IPC and UTS namespaces; its app containers join them by path, so they share
//! `localhost`, and each gets its own pid and mount namespace (`shareProcessNamespace: false`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The container's process, from the manifest (command, args, env, workingDir).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpec {
    pub args: Vec<String>,
    /// `NAME=value` pairs in the manifest's order.
    pub env: Vec<(String, String)>,
    /// The working directory (`/` when the manifest gives none).
    pub cwd: String,
}

impl ProcessSpec {
    /// A process running `args` in `/` with no extra environment.
    pub fn command<S: AsRef<str>>(args: &[S]) -> ProcessSpec {
        ProcessSpec {
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            env: Vec::new(),
            cwd: "/".to_string(),
        }
    }
}

/// The container's resources as cgroup limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// `limits.memory` in bytes.
    pub memory_limit: Option<u64>,
    /// `requests.cpu` in millicores (CPU shares).
    pub cpu_request_millis: Option<u64>,
    /// `limits.cpu` in millicores (CFS quota).
    pub cpu_limit_millis: Option<u64>,
}

/// Which namespaces a container gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodNamespaces {
    /// Fresh network, IPC and UTS namespaces, named after the pod: the sandbox.
    Own,
    /// Those of a sandbox, by the paths of its namespace files.
    JoinSandbox(SandboxNamespaces),
}

/// Paths a runtime opens to join a sandbox's network, IPC and UTS namespaces. They name
/// descriptors kubesim holds (see `sandbox::HeldNamespaces`), never `/proc/<pause pid>/ns/*`,
/// which a recycled pid could make another process's namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxNamespaces {
    pub net: PathBuf,
    pub ipc: PathBuf,
    pub uts: PathBuf,
}

/// Everything a container's `config.json` is made from.
#[derive(Debug, Clone)]
pub struct BundleSpec<'a> {
    pub process: &'a ProcessSpec,
    pub resources: Resources,
    /// The shared root filesystem (mounted read-only).
    pub rootfs: &'a Path,
    /// The absolute cgroup path, under the run's subtree.
    pub cgroups_path: &'a str,
    pub namespaces: PodNamespaces,
    /// The pod's hostname (its name, truncated as the kubelet does), which its containers
    /// share.
    pub hostname: &'a str,
}

/// The CFS period the kubelet uses, in microseconds.
// K8S: pkg/kubelet/cm/helpers_linux.go (QuotaPeriod, MinQuotaPeriod, MinShares, SharesPerCPU)
const QUOTA_PERIOD: u64 = 100_000;
const MIN_QUOTA: u64 = 1_000;
const MIN_SHARES: u64 = 2;

/// CPU shares for a request: 1024 per core, at least 2.
// K8S: pkg/kubelet/cm/helpers_linux.go (MilliCPUToShares)
fn milli_cpu_to_shares(millis: u64) -> u64 {
    (millis * 1024 / 1000).max(MIN_SHARES)
}

/// The CFS quota for a limit over one period: at least 1 ms.
// K8S: pkg/kubelet/cm/helpers_linux.go (MilliCPUToQuota)
fn milli_cpu_to_quota(millis: u64) -> u64 {
    (millis * QUOTA_PERIOD / 1000).max(MIN_QUOTA)
}

/// The image's PATH for busybox-based images.
const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The `config.json` for `spec`, in the shape `crun spec` writes.
pub fn config(spec: &BundleSpec<'_>) -> Value {
    let mut env: Vec<String> = Vec::new();
    if !spec.process.env.iter().any(|(k, _)| k == "PATH") {
        env.push(DEFAULT_PATH.to_string());
    }
    env.push(format!("HOSTNAME={}", spec.hostname));
    env.extend(spec.process.env.iter().map(|(k, v)| format!("{k}={v}")));
    // K8S: containerd pkg/oci/spec.go (defaultUnixCaps: what a container gets under the kubelet)
    let caps = json!([
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE"
    ]);
    let namespaces = match &spec.namespaces {
        PodNamespaces::Own => json!([
            {"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}
        ]),
        PodNamespaces::JoinSandbox(paths) => json!([
            {"type": "pid"},
            {"type": "network", "path": paths.net},
            {"type": "ipc", "path": paths.ipc},
            {"type": "uts", "path": paths.uts},
            {"type": "mount"}
        ]),
    };
    let mut resources = json!({"devices": [{"allow": false, "access": "rwm"}]});
    if let Some(bytes) = spec.resources.memory_limit {
        // No swap beyond the limit, as the kubelet's default (swap off).
        resources["memory"] = json!({"limit": bytes, "swap": bytes});
    }
    let mut cpu = serde_json::Map::new();
    if let Some(millis) = spec.resources.cpu_request_millis {
        cpu.insert("shares".into(), json!(milli_cpu_to_shares(millis)));
    }
    if let Some(millis) = spec.resources.cpu_limit_millis {
        cpu.insert("quota".into(), json!(milli_cpu_to_quota(millis)));
        cpu.insert("period".into(), json!(QUOTA_PERIOD));
    }
    if !cpu.is_empty() {
        resources["cpu"] = Value::Object(cpu);
    }
    let mut config = json!({
        "ociVersion": "1.0.0",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": spec.process.args,
            "env": env,
            "cwd": spec.process.cwd,
            "capabilities": {
                "bounding": caps, "effective": caps, "permitted": caps
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": true
        },
        "root": {"path": spec.rootfs, "readonly": true},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            // The container's own writable scratch space; the shared rootfs is read-only.
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777", "size=16m"]}
        ],
        "linux": {
            "cgroupsPath": spec.cgroups_path,
            "resources": resources,
            "namespaces": namespaces,
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
    });
    // A container joining the sandbox's UTS namespace inherits its hostname.
    if spec.namespaces == PodNamespaces::Own {
        config["hostname"] = json!(spec.hostname);
    }
    config
}

/// Writes `spec`'s bundle into `dir` (created if needed).
pub fn write(dir: &Path, spec: &BundleSpec<'_>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_string_pretty(&config(spec)).expect("JSON values serialize");
    std::fs::write(dir.join("config.json"), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(process: &'a ProcessSpec, namespaces: PodNamespaces) -> BundleSpec<'a> {
        BundleSpec {
            process,
            resources: Resources::default(),
            rootfs: Path::new("/run/kubesim/rootfs"),
            cgroups_path: "/kubesim-1-0/web/app",
            namespaces,
            hostname: "web",
        }
    }

    #[test]
    fn the_process_comes_from_the_manifest() {
        let process = ProcessSpec {
            args: vec!["sh".into(), "-c".into(), "exit 3".into()],
            env: vec![("GREETING".into(), "hi".into())],
            cwd: "/tmp".into(),
        };
        let c = config(&spec(&process, PodNamespaces::Own));
        assert_eq!(c["process"]["args"], json!(["sh", "-c", "exit 3"]));
        assert_eq!(
            c["process"]["env"],
            json!([DEFAULT_PATH, "HOSTNAME=web", "GREETING=hi"])
        );
        assert_eq!(c["process"]["cwd"], "/tmp");
        assert_eq!(
            c["root"],
            json!({"path": "/run/kubesim/rootfs", "readonly": true})
        );
        assert_eq!(c["linux"]["cgroupsPath"], "/kubesim-1-0/web/app");
        assert_eq!(c["hostname"], "web");
        assert_eq!(c["linux"]["resources"].get("memory"), None);
    }

    #[test]
    fn app_containers_join_the_sandbox_namespaces_by_path() {
        let process = ProcessSpec::command(&["true"]);
        let held = SandboxNamespaces {
            net: "/proc/77/fd/5".into(),
            ipc: "/proc/77/fd/6".into(),
            uts: "/proc/77/fd/7".into(),
        };
        let c = config(&spec(&process, PodNamespaces::JoinSandbox(held)));
        assert_eq!(
            c["linux"]["namespaces"],
            json!([
                {"type": "pid"},
                {"type": "network", "path": "/proc/77/fd/5"},
                {"type": "ipc", "path": "/proc/77/fd/6"},
                {"type": "uts", "path": "/proc/77/fd/7"},
                {"type": "mount"}
            ])
        );
        assert_eq!(c.get("hostname"), None);
    }

    #[test]
    fn limits_become_cgroup_limits_as_the_kubelet_computes_them() {
        let process = ProcessSpec::command(&["true"]);
        let mut s = spec(&process, PodNamespaces::Own);
        s.resources = Resources {
            memory_limit: Some(32 << 20),
            cpu_request_millis: Some(250),
            cpu_limit_millis: Some(5),
        };
        let c = config(&s);
        assert_eq!(
            c["linux"]["resources"]["memory"],
            json!({"limit": 33554432, "swap": 33554432})
        );
        // 250m is 256 shares; 5m would be a 500 µs quota, raised to the 1 ms minimum.
        assert_eq!(
            c["linux"]["resources"]["cpu"],
            json!({"shares": 256, "quota": 1000, "period": 100000})
        );
        assert_eq!(milli_cpu_to_shares(0), 2);
        assert_eq!(milli_cpu_to_quota(1500), 150_000);
    }
}
