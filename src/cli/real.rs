//! `kubesim real`: real-execution mode's commands. So far the preflight (`--check`) and the
//! removal of everything real mode made (`--cleanup`); playing a scenario comes next.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::real::{cleanup, layout, Host, RuntimeKind};

/// The arguments of `kubesim real`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["scenario", "check", "cleanup"])))]
pub(super) struct RealArgs {
    /// A scenario to play with real containers (not yet supported).
    scenario: Option<PathBuf>,
    /// Check this host only: print the runtime, cgroup mode and busybox found; exit 2 if real
    /// containers cannot run here.
    #[arg(long)]
    check: bool,
    /// Remove every container, cgroup, bundle and state real mode made under --root, also
    /// after a crash or an interrupted run.
    #[arg(long)]
    cleanup: bool,
    /// The OCI runtime that runs containers.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Crun)]
    runtime: RuntimeKind,
    /// The kubesim-owned directory real mode keeps everything in.
    #[arg(long, default_value = layout::DEFAULT_ROOT)]
    root: PathBuf,
}

/// Runs `kubesim real`.
pub(super) fn run(args: RealArgs) -> Result<i32, CliError> {
    if args.check {
        let host = Host::detect(args.runtime)?;
        print!("{}", host.describe());
        return Ok(0);
    }
    if args.cleanup {
        let cleaned = cleanup::everything(&args.root)?;
        println!(
            "removed {} run(s): {} container(s), {} cgroup(s), and {}",
            cleaned.runs,
            cleaned.containers,
            cleaned.cgroups,
            args.root.display()
        );
        return Ok(0);
    }
    let scenario = args.scenario.as_deref().unwrap_or(Path::new("?"));
    Err(CliError::Usage(format!(
        "kubesim real {}: playing a scenario with real containers is not implemented yet; \
         `kubesim real --check` checks this host, `kubesim run` simulates the scenario",
        scenario.display()
    )))
}
