//! `kubesim real`: real-execution mode's commands. The preflight (`--check`), the removal of
//! everything real mode made (`--cleanup`), and playing a scenario with the simulator's own
//! kubelet driving real containers on this host, on the wall clock.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::CliError;
use crate::engine::{SimDuration, SimTime, WallClock};
use crate::model::node::RuntimeTimings;
use crate::model::PodPhase;
use crate::real::runtime::RealRuntime;
use crate::real::{cleanup, interrupt, layout, Host, Run, RuntimeKind};
use crate::scenario::Scenario;
use crate::sim::Simulation;

/// The arguments of `kubesim real`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["scenario", "check", "cleanup"])))]
pub(super) struct RealArgs {
    /// A scenario to play with real containers: this host is its first node.
    scenario: Option<PathBuf>,
    /// Stop at this instant after the start (Go duration: 20s, 1m); the scenario's duration
    /// by default.
    #[arg(long, allow_hyphen_values = true)]
    until: Option<String>,
    /// Write the JSON Lines trace to this file, or `-` for standard output (times are
    /// measured from the run's start).
    #[arg(long)]
    trace: Option<String>,
    /// Check this host only: print the runtime, cgroup mode and busybox found; exit 2 if real
    /// containers cannot run here.
    #[arg(long)]
    check: bool,
    /// Remove every container, cgroup, bundle and state real mode made under --root, also
    /// after a crash or an interrupted run.
    #[arg(long)]
    cleanup: bool,
    #[command(flatten)]
    host: HostArgs,
}

/// How often the progress line is updated, in run time.
const PROGRESS_STEP: SimDuration = SimDuration::from_secs(1);

/// Runs `kubesim real`.
pub(super) fn run(args: RealArgs) -> Result<i32, CliError> {
    if args.check {
        let host = Host::detect(args.host.runtime)?;
        out!("{}", host.describe())?;
        return Ok(0);
    }
    if args.cleanup {
        let cleaned = cleanup::everything(&args.host.root)?;
        out!("{}", cleaned.describe())?;
        for failed in &cleaned.failed {
            errln!("error: could not remove {failed}")?;
        }
        return Ok(if cleaned.failed.is_empty() { 0 } else { 2 });
    }
    let path = args.scenario.as_deref().unwrap_or(Path::new("-"));
    play(path, &args)
}

/// Plays the scenario at `path` with real containers.
fn play(path: &Path, args: &RealArgs) -> Result<i32, CliError> {
    let mut scenario = super::load(Some(path))?;
    super::print_warnings(&scenario)?;
    let end = until(args.until.as_deref(), &scenario)?;
    let node = first_node_only(&mut scenario)?;
    let to_stdout = args.trace.as_deref() == Some("-");
    let sink = super::trace_sink(args.trace.as_deref())?;
    let played = for_real(&scenario, &node, end, &args.host, sink)?;
    if to_stdout {
        errout!("{}", played.report)?;
    } else {
        out!("{}", played.report)?;
    }
    played.exit_code()
}

/// The instant `--until` names, or the scenario's end.
pub(super) fn until(text: Option<&str>, scenario: &Scenario) -> Result<SimTime, CliError> {
    match text {
        Some(text) => super::instant(text, "--until", scenario),
        None => Ok(SimTime::ZERO + scenario.duration),
    }
}

/// Where and how real containers run.
#[derive(clap::Args)]
pub(super) struct HostArgs {
    /// The OCI runtime that runs containers.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Crun)]
    pub(super) runtime: RuntimeKind,
    /// The kubesim-owned directory real mode keeps everything in.
    #[arg(long, default_value = layout::DEFAULT_ROOT)]
    pub(super) root: PathBuf,
}

/// What a real run left to say.
pub(super) struct Played {
    /// The summary, the skipped pods and what was cleaned up.
    pub(super) report: String,
    /// Ctrl-C (or SIGTERM) stopped it.
    pub(super) interrupted: bool,
}

impl Played {
    /// 130 after an interruption (as a shell reports SIGINT), saying so, else 0.
    pub(super) fn exit_code(&self) -> Result<i32, CliError> {
        if self.interrupted {
            errln!("kubesim real: interrupted; everything the run made was removed")?;
            Ok(130)
        } else {
            Ok(0)
        }
    }
}

/// Runs `scenario` (first node only) to `end` with real containers on this host, writing the
/// trace to `sink`, and removes everything it made.
pub(super) fn for_real(
    scenario: &Scenario,
    node: &str,
    end: SimTime,
    host_args: &HostArgs,
    sink: Option<Box<dyn std::io::Write>>,
) -> Result<Played, CliError> {
    let host = Host::detect(host_args.runtime)?;
    interrupt::install()?;
    let mut run = Run::begin(&host, &host_args.root)?;
    report_sweep(run.swept())?;
    for (image, dir) in &scenario.image_rootfs {
        run.use_rootfs(image, dir)?;
    }
    let run = Rc::new(run);
    let mut scenario = scenario.clone();
    without_simulated_latency(&mut scenario);
    let started = std::time::Instant::now();
    let mut sim = Simulation::new(scenario.setup(), scenario.seed, sink)?;
    sim.run_for_real(
        Box::new(RealRuntime::new(run.clone())),
        Box::new(WallClock::starting_now(&interrupt::STOP)),
    );
    let played = play_until(&mut sim, end);
    let wall = started.elapsed();
    let mut report = super::check::summary(&sim, &scenario, scenario.seed, sim.now(), wall);
    report.push_str(&skipped(&sim, node));
    let finished = sim.finish();
    // The kubelets' containers are killed and deleted with the simulation; the run then
    // removes the sandboxes, cgroups and bundles.
    let run = Rc::try_unwrap(run).unwrap_or_else(|_| unreachable!("the runtime is gone"));
    let cleaned = run.finish()?;
    report.push_str(&format!(
        "cleaned up: {} container(s), {} cgroup(s)\n",
        cleaned.containers, cleaned.cgroups
    ));
    let interrupted = match played {
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => true,
        other => {
            other?;
            false
        }
    };
    finished?;
    Ok(Played {
        report,
        interrupted,
    })
}

/// Says on stderr what the start-up sweep removed of earlier sessions and which live ones it
/// left, when it found any.
fn report_sweep(swept: &cleanup::Cleaned) -> Result<(), CliError> {
    if swept.is_empty() {
        return Ok(());
    }
    for line in swept.describe().lines() {
        errln!("kubesim real: earlier sessions: {line}")?;
    }
    for failed in &swept.failed {
        errln!("kubesim real: earlier sessions: could not remove {failed}")?;
    }
    Ok(())
}

/// Keeps the scenario's first node only: this host plays it. Its name is returned.
// DEVIATION: a real run has one node; pods the scheduler cannot place on it stay Pending and
// are reported as skipped.
pub(super) fn first_node_only(scenario: &mut Scenario) -> Result<String, CliError> {
    scenario.nodes.truncate(1);
    match scenario.nodes.first() {
        Some(node) => Ok(node.meta.name.clone()),
        None => Err(CliError::Usage(format!(
            "scenario {} has no node for this host to play",
            scenario.name
        ))),
    }
}

/// No simulated runtime latency on the node: the real runtime takes its own time.
fn without_simulated_latency(scenario: &mut Scenario) {
    for node in &mut scenario.nodes {
        node.timings = RuntimeTimings {
            sandbox: zero_latency(),
            container_start: zero_latency(),
            pull_overhead: SimDuration::ZERO,
            pull_bytes_per_sec: i64::MAX,
        };
    }
}

fn zero_latency() -> crate::model::node::Latency {
    crate::model::node::Latency {
        median: SimDuration::ZERO,
        p95: SimDuration::ZERO,
    }
}

/// Runs to `end` on the wall clock, a second at a time, with a progress bar on a terminal.
fn play_until(sim: &mut Simulation, end: SimTime) -> std::io::Result<()> {
    let bar = super::progress::bar(end.as_millis() / 1000, "real", "s");
    let mut reached = SimTime::ZERO;
    let played = loop {
        if reached >= end {
            break Ok(());
        }
        reached = (reached + PROGRESS_STEP).min(end);
        if let Err(e) = sim.run_until(reached) {
            break Err(e);
        }
        bar.set_position(reached.as_millis() / 1000);
        bar.set_message(pod_counts(sim));
    };
    bar.finish_and_clear();
    played
}

/// Pods running and restarts so far, for the progress bar.
fn pod_counts(sim: &Simulation) -> String {
    let (mut running, mut restarts) = (0, 0);
    for (_, pod) in sim.state.pods_by_name() {
        running += usize::from(pod.status.phase == PodPhase::Running);
        restarts += pod
            .status
            .container_statuses
            .iter()
            .map(|c| c.restart_count)
            .sum::<i32>();
    }
    format!("{running} pod(s) running, {restarts} restart(s)")
}

/// The pods this host did not run: not placed on its node (they need another node, or do not
/// fit), with the scheduler's reason.
fn skipped(sim: &Simulation, node: &str) -> String {
    let mut out = String::new();
    for (_, pod) in sim.state.pods_by_name() {
        if pod.node_name.as_deref() == Some(node) {
            continue;
        }
        let why = pod
            .status
            .condition("PodScheduled")
            .and_then(|c| c.message.clone())
            .unwrap_or_else(|| format!("not placed on node {node}"));
        out.push_str(&format!(
            "skipped (not run on this host): {}/{}: {why}\n",
            pod.meta.namespace, pod.meta.name
        ));
    }
    out
}
