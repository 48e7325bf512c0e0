//! Real-execution mode: pods run as actual Linux containers through an OCI runtime (crun, or
//! runc), the runtime CRI-O and containerd drive under the kubelet, so the simulator's timings
//! can be checked against real ones.
//!
//! Layers, in the order a container comes to life: `host` (preflight: may we run here?) →
//! `layout` (everything lives under one kubesim-owned directory and one cgroup subtree) →
//! `rootfs` (images map to a busybox-static root filesystem) → `bundle` (OCI `config.json`) →
//! `oci` (the runtime binary's CLI) → `output` (containers' output streamed into rotated logs)
//! → `supervisor` (exit codes, OOM, graceful stop) → `sandbox` (a pod's shared namespaces and
//! its probes) → `run` (one session's pods and containers) → `runtime` (the kubelet's runtime
//! seam on those containers) → `cleanup` (remove what a session made, also after a crash).
//!
//! Nothing here is deterministic or simulated: it runs on the wall clock, on this host.

pub mod bundle;
pub mod calibrate;
pub mod cleanup;
pub mod host;
pub mod interrupt;
pub mod layout;
pub mod oci;
pub mod output;
pub mod rootfs;
pub mod run;
pub mod runtime;
pub mod sandbox;
pub mod supervisor;
mod sys;

pub use host::{CgroupMode, Host, RuntimeKind};
pub use run::{Container, Exit, Run};
pub use sandbox::Sandbox;

/// Why real mode could not do something.
#[derive(Debug, thiserror::Error)]
pub enum RealError {
    /// This host cannot run real containers; the message says how to fix it.
    #[error("real mode refused: {0}")]
    Refused(String),
    /// An image real mode has no root filesystem for.
    #[error("{0}")]
    Image(String),
    /// The OCI runtime failed a command; `stderr` is what it said.
    #[error("{command} failed: {stderr}")]
    Runtime { command: String, stderr: String },
    /// A file or system call failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl RealError {
    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RealError {
        let what = what.into();
        move |source| RealError::Io { what, source }
    }
}
