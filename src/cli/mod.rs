//! The command line: `run`, `get`, `describe`, `explain`, `watch`, `logs`, `exec`, `check`,
//! `diff`, `exercise`, `real`.
//!
//! Exit codes: 0 success; 1 a check or diff found a difference; 2 bad usage or bad input (the
//! message names the file, line and field); `exec` exits with the command's exit code. User
//! errors never print a panic or a backtrace.

#[macro_use]
mod output;

mod calibrate;
mod check;
mod container;
mod exercise;
mod get;
mod import;
pub mod printers;
mod progress;
mod real;
mod serve;
mod sweep;
mod validate;
mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::apiserver::resources;
use crate::engine::SimTime;
use crate::manifest::{read, InputError};
use crate::model::duration::GoDuration;
use crate::scenario::profile::LatencyProfile;
use crate::scenario::{self, Scenario};
use crate::sim::Simulation;
use crate::trace::MemorySink;
use printers::get::GetOptions;

/// The demo scenario `kubesim run` plays with no argument.
const DEMO: &str = include_str!("../../scenarios/demo.yaml");

#[derive(Parser)]
#[command(
    name = "kubesim",
    version,
    about = "A deterministic simulator of a Kubernetes cluster: real YAML in, kubectl-identical views out.",
    after_help = "Examples:\n  kubesim run                                  # play the embedded demo\n  kubesim run scenarios/liveness-exam.yaml --trace out.jsonl\n  kubesim get pods -f pod.yaml --at 45s -o wide\n  kubesim describe pod web -f scenarios/demo.yaml --at 2m\n  kubesim logs myapp-pod -c init-myservice -f scenarios/seeds/myapp-pod.yaml --at 10s\n  kubesim exec liveness-exam -f scenarios/seeds/liveness-exam.yaml --at 20s -- cat /tmp/healthy\n  kubesim check scenarios/*.yaml\n  kubesim diff a.jsonl b.jsonl\n  kubesim report out.jsonl --out reports/mine      # index.html + summary.md\n\nExit codes: 0 ok, 1 a check or diff found a difference, 2 bad usage or bad input; exec exits with the command's code."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario (or the embedded demo) and print a summary.
    #[command(
        after_help = "Examples:\n  kubesim run\n  kubesim run scenarios/demo.yaml --seed 7 --until 5m --trace -"
    )]
    Run {
        /// A scenario file, or a plain Kubernetes manifest to run on the default cluster.
        scenario: Option<PathBuf>,
        /// Seed for every random draw (overrides the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Stop at this simulated time (Go duration: 90s, 5m, 1h30m).
        #[arg(long, allow_hyphen_values = true)]
        until: Option<String>,
        /// Write the JSON Lines trace to this file, or `-` for standard output.
        #[arg(long)]
        trace: Option<String>,
        /// Explain each scheduling attempt in the trace (filter verdicts, scores): `auto` does
        /// it on clusters of up to 100 nodes.
        #[arg(long, value_enum, default_value_t = Explain::Auto)]
        explain_scheduling: Explain,
        /// Also write a report of the run into this directory (as `kubesim report` does).
        #[arg(long)]
        report: Option<PathBuf>,
        /// A latency profile (`kubesim calibrate` writes one): its timings replace the
        /// defaults on every node without a `latency:` of its own.
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
    },
    /// Show objects at a simulated instant, as `kubectl get` prints them.
    #[command(
        after_help = "Examples:\n  kubesim get pods -f pod.yaml --at 45s\n  kubesim get nodes -f scenario.yaml --at 0s -o wide\n  kubesim get pods -A -l app=web -f scenario.yaml --at 2m --show-labels"
    )]
    Get {
        /// pods, nodes, events, deployments, replicasets, jobs, daemonsets, services or all.
        resource: String,
        /// Only this object.
        name: Option<String>,
        #[command(flatten)]
        at: AtArgs,
        /// Output format.
        #[arg(short, long)]
        output: Option<Output>,
        /// Namespace (default: default).
        #[arg(short, long)]
        namespace: Option<String>,
        /// All namespaces.
        #[arg(short = 'A', long)]
        all_namespaces: bool,
        /// Label selector, as kubectl's `-l`.
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// Add a LABELS column.
        #[arg(long)]
        show_labels: bool,
    },
    /// Describe a pod, a node, an HPA, a ResourceQuota or a LimitRange at a simulated instant, as
    /// `kubectl describe`.
    #[command(
        after_help = "Examples:\n  kubesim describe pod liveness-exam -f scenarios/liveness-exam.yaml --at 1m\n  kubesim describe node node01 -f scenarios/demo.yaml --at 30s"
    )]
    Describe {
        /// pod, node, resourcequota (quota) or limitrange (limits).
        kind: String,
        name: String,
        #[command(flatten)]
        at: AtArgs,
        #[arg(short, long)]
        namespace: Option<String>,
    },
    /// Explain a pod at a simulated instant: why it is in its state (the chain of events that
    /// led there, from the trace's cause links), then its placement: each node's filter
    /// verdict and each score plugin's scores in its last scheduling attempt.
    #[command(
        after_help = "Examples:\n  kubesim explain pod too-big -f scenarios/demo.yaml --at 1m\n  kubesim explain pod critical -f scenarios/scheduling/preemption.yaml --at 1m"
    )]
    Explain {
        /// pod (the only kind explained so far).
        kind: String,
        name: String,
        #[command(flatten)]
        at: AtArgs,
        #[arg(short, long)]
        namespace: Option<String>,
    },
    /// Watch objects change as simulated time runs, like `watch kubectl get pods`: redrawn in
    /// place on a terminal (space pauses, n steps, +/- change the speed, q quits), as
    /// `kubectl get -w` lines otherwise.
    #[command(
        after_help = "Examples:\n  kubesim watch pods -f scenarios/seeds/liveness-exam.yaml\n  kubesim watch deploy,pods -f scenarios/workloads/deployment-rollout.yaml --speed 10 --from 3m\n  kubesim watch pods -f scenario.yaml --speed 0 | less     # as fast as it can"
    )]
    Watch {
        /// What to watch, as `get` takes it: pods, nodes, deploy, jobs, deploy,pods, all...
        resource: String,
        /// The scenario (or a plain manifest) to play.
        #[arg(short = 'f', long = "filename")]
        file: PathBuf,
        /// Simulated seconds per wall-clock second (0: as fast as it can).
        #[arg(long, default_value_t = 60.0)]
        speed: f64,
        /// Start watching at this simulated instant.
        #[arg(long, allow_hyphen_values = true)]
        from: Option<String>,
        /// Stop at this simulated instant (default: the scenario's end).
        #[arg(long, allow_hyphen_values = true)]
        until: Option<String>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(short, long)]
        namespace: Option<String>,
        #[arg(short = 'A', long)]
        all_namespaces: bool,
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// `wide` adds the IP and NODE columns.
        #[arg(short, long)]
        output: Option<Output>,
    },
    /// Print what a container printed up to a simulated instant, as `kubectl logs`.
    #[command(
        after_help = "Examples:\n  kubesim logs myapp-pod -c init-myservice -f scenarios/seeds/myapp-pod.yaml --at 10s\n  kubesim logs liveness-exam --previous -f scenarios/seeds/liveness-exam.yaml --at 2m"
    )]
    Logs {
        pod: String,
        /// The container (default: the first app container).
        #[arg(short = 'c', long)]
        container: Option<String>,
        /// The previous terminated run's output instead of the current run's.
        #[arg(short = 'p', long)]
        previous: bool,
        #[command(flatten)]
        at: AtArgs,
        #[arg(short, long)]
        namespace: Option<String>,
    },
    /// Run a command in a container at a simulated instant, as `kubectl exec POD -- CMD`: it
    /// sees the container's files then, and changes nothing that happens after. Exits with
    /// the command's exit code.
    #[command(
        after_help = "Examples:\n  kubesim exec liveness-exam -f scenarios/seeds/liveness-exam.yaml --at 20s -- cat /tmp/healthy\n  kubesim exec multipod -c centos-container -f scenarios/seeds/multipod.yaml --at 1m -- ls /tmp"
    )]
    Exec {
        pod: String,
        /// The container (default: the first app container).
        #[arg(short = 'c', long)]
        container: Option<String>,
        #[command(flatten)]
        at: AtArgs,
        #[arg(short, long)]
        namespace: Option<String>,
        /// Not simulated: kubesim exec runs a command to completion and takes no input.
        #[arg(short = 'i', long)]
        stdin: bool,
        /// Not simulated, as --stdin.
        #[arg(short = 't', long)]
        tty: bool,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Check scenarios' `expect` entries; exit 1 if any fails.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// The exercise library: list it, show a task, check your manifest against it.
    #[command(
        after_help = "Examples:\n  kubesim exercise list\n  kubesim exercise show cka/oomkilled\n  kubesim exercise check oomkilled my-pod.yaml\n\nExit codes: 0 every expectation holds, 1 one fails, 2 bad usage or bad input."
    )]
    Exercise(exercise::ExerciseArgs),
    /// Compare two traces; exit 1 if they differ. Exact by default (the first differing
    /// record); with --time-tolerance, records are aligned by object, what happened and
    /// occurrence, and instants may differ by up to the tolerance.
    #[command(
        after_help = "Examples:\n  kubesim diff golden.jsonl new.jsonl\n  kubesim diff golden.jsonl new.jsonl --time-tolerance 500ms --format markdown >> \"$GITHUB_STEP_SUMMARY\""
    )]
    Diff {
        a: PathBuf,
        b: PathBuf,
        /// Accept instants that differ by up to this much (Go duration: 500ms, 2s).
        #[arg(long)]
        time_tolerance: Option<String>,
        /// `text` for a terminal, `markdown` for CI logs.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Write a report of a trace: index.html (SVG charts inlined) and summary.md.
    #[command(
        after_help = "Examples:\n  kubesim run scenarios/demo.yaml --trace demo.jsonl && kubesim report demo.jsonl --out reports/demo\n  kubesim run scenarios/demo.yaml --report reports/demo"
    )]
    Report {
        /// A trace written by `kubesim run --trace`.
        trace: PathBuf,
        /// The directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Real-execution mode: play a scenario with real containers on this host (its first
    /// node), check this host, or remove what real containers left behind (Linux, as root,
    /// with crun or runc and busybox-static).
    #[command(
        after_help = "Examples:\n  kubesim real scenarios/validation/exec-liveness.yaml --trace -\n  kubesim real scenarios/validation/oom.yaml --until 5s --runtime runc\n  kubesim real --check\n  kubesim real --cleanup\n\nExit codes: 0 ok, 2 refused (the message says how to fix it) or bad usage, 130 interrupted (after cleaning up)."
    )]
    Real(real::RealArgs),
    /// Run a scenario simulated and with real containers on this host, align the two traces
    /// record by record and print simulated vs real instants with their errors; exit 1 if one
    /// is out of tolerance.
    #[command(
        after_help = "Examples:\n  kubesim validate scenarios/validation/exec-liveness.yaml\n  kubesim validate scenarios/validation/oom.yaml --until 5s --tolerance 500ms\n\nExit codes: 0 within tolerance, 1 out of tolerance, 2 refused or bad usage, 130 interrupted."
    )]
    Validate(validate::ValidateArgs),
    /// Measure this host's container runtime (sandbox and container start, exec probe, OOM
    /// kill, stop) over repeated runs and write the latency profile the simulator loads
    /// (`run --profile`, `validate --profile`). Linux, as root, with crun or runc.
    #[command(
        after_help = "Examples:\n  kubesim calibrate --runs 30 --out my-host.yaml\n  kubesim calibrate --out profiles/host.yaml --force   # regenerate the built-in profile\n\nExit codes: 0 written, 2 refused or bad usage, 130 interrupted (after cleaning up)."
    )]
    Calibrate(calibrate::CalibrateArgs),
    /// What-ifs: run a scenario at every point of the cross product of --set values, in
    /// parallel, and write the results (CSV, JSON) and plots; shard it, merge shards, or emit
    /// an Indexed Job that runs the shards on a cluster.
    #[command(
        after_help = "Examples:\n  kubesim sweep scenarios/capacity/web-fleet.yaml --set 'nodes[0].count=3..12' --set spec.seed=1..5 --out sweep/\n  kubesim sweep S --set 'nodes[0].count=3..12' --shard 0/4 --out shard-0\n  kubesim sweep merge shard-0 shard-1 shard-2 shard-3 --out sweep/\n  kubesim sweep S --set 'nodes[0].count=3..12' --emit-job --shards 4 > sweep-job.yaml\n\nExit codes: 0 done, 2 bad usage or input."
    )]
    Sweep(sweep::SweepArgs),
    /// Capacity planning: the smallest count of a node group that schedules every pod with the
    /// headroom asked, and optionally survives losing its busiest node; exit 1 when none up to
    /// --max does.
    #[command(
        after_help = "Examples:\n  kubesim plan scenarios/capacity/web-fleet.yaml --group worker\n  kubesim plan scenarios/capacity/web-fleet.yaml --group worker --headroom 20% --survive-node-failure\n\nExit codes: 0 answered, 1 no count up to --max fits, 2 bad usage or input."
    )]
    Plan(sweep::PlanArgs),
    /// Turn a public cluster trace into a scenario (nodes, and pods created and deleted when
    /// the trace says) to replay realistic arrivals, sizes and lifetimes.
    #[command(
        after_help = "Examples:\n  kubesim import openb --pods openb_pod_list_default.csv --nodes openb_node_list_all_node.csv --limit 500 --out openb.yaml\n  kubesim sweep openb.yaml --set 'nodes[0].capacity.cpu=32000m,64000m'\n\nExit codes: 0 written, 2 bad input (file, line and column named)."
    )]
    Import(import::ImportArgs),
    /// Serve a Kubernetes API in front of the simulated cluster, for your own kubectl,
    /// client libraries and controllers, on a clock you control (`kubesim clock`).
    #[command(
        after_help = "Examples:\n  kubesim serve --kubeconfig /tmp/kubesim.kubeconfig --paused\n  export KUBECONFIG=/tmp/kubesim.kubeconfig; kubectl get nodes\n  kubesim serve scenarios/demo.yaml --kubeconfig kc --speed 60\n\nRuns until interrupted. Exit codes: 0 stopped, 2 bad usage or bad input."
    )]
    Serve(serve::ServeArgs),
    /// Read or set the clock of a running `kubesim serve`.
    #[command(
        after_help = "Examples:\n  kubesim clock --kubeconfig kc now\n  kubesim clock --kubeconfig kc advance 5m\n  kubesim clock --kubeconfig kc speed 60\n\nExit codes: 0 done, 2 bad usage or the server cannot be reached."
    )]
    Clock(serve::ClockArgs),
}

/// When scheduling attempts are explained in the trace.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Explain {
    Auto,
    On,
    Off,
}

#[derive(clap::Args)]
struct AtArgs {
    /// The scenario or manifest file.
    #[arg(short = 'f', long = "filename")]
    file: PathBuf,
    /// The simulated instant to look at (Go duration: 45s, 2m30s).
    #[arg(long, allow_hyphen_values = true)]
    at: String,
    /// Seed (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Output {
    Wide,
    Json,
    Yaml,
    Name,
}

/// A failure the user can act on.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Trace(#[from] crate::report::TraceError),
    #[error("error: {0}")]
    Usage(String),
    #[error("error: {0}")]
    Io(#[from] std::io::Error),
    #[error("error: {0}")]
    Real(#[from] crate::real::RealError),
    /// A refusal worded exactly as kubectl prints it (`Error from server (NotFound): ...`).
    // DEVIATION: kubectl exits 1 on these; kubesim keeps its exit code 2 for bad input.
    #[error("{0}")]
    Kubectl(String),
}

/// A trace (or a sweep's results) read whole, within [`read::TRACE`]'s limit; `cannot` starts
/// the error when the file cannot be read.
fn read_trace(path: &Path, cannot: &str) -> Result<String, CliError> {
    read::text(path, read::TRACE).map_err(|e| match e {
        read::ReadError::Io(e) => CliError::Usage(format!("{cannot} {}: {e}", path.display())),
        read::ReadError::Refused(e) => CliError::Input(e),
    })
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            return match e.print() {
                Err(printing) if printing.kind() == std::io::ErrorKind::BrokenPipe => {
                    output::die_of_sigpipe()
                }
                _ if e.use_stderr() => 2,
                _ => 0,
            };
        }
    };
    let outcome = execute(cli.command).or_else(|e| match e {
        e if output::is_broken_pipe(&e) => Err(e),
        e => errln!("{e}").map(|()| 2),
    });
    match outcome {
        Ok(code) => code,
        Err(e) if output::is_broken_pipe(&e) => output::die_of_sigpipe(),
        Err(_) => 2,
    }
}

fn execute(command: Command) -> Result<i32, CliError> {
    match command {
        Command::Exercise(args) => exercise::run(args),
        Command::Run {
            scenario,
            seed,
            until,
            trace,
            explain_scheduling,
            report,
            profile,
        } => run(
            scenario.as_deref(),
            profile.as_deref(),
            seed,
            until.as_deref(),
            trace.as_deref(),
            explain_scheduling,
            report.as_deref(),
        ),
        Command::Get {
            resource,
            name,
            at,
            output,
            namespace,
            all_namespaces,
            selector,
            show_labels,
        } => {
            let selector = crate::model::labels::Selector::parse(selector.as_deref().unwrap_or(""))
                .map_err(CliError::Usage)?;
            let opts = GetOptions {
                namespace: namespace.as_deref(),
                all_namespaces,
                selector,
                wide: output == Some(Output::Wide),
                show_labels,
                name: name.as_deref(),
                name_prefix: "",
            };
            let (sim, _) = simulate_to(&at)?;
            get::get(&sim, &resource, output, &opts)?.print()?;
            Ok(0)
        }
        Command::Watch {
            resource,
            file,
            speed,
            from,
            until,
            seed,
            namespace,
            all_namespaces,
            selector,
            output,
        } => {
            if !(speed >= 0.0 && speed.is_finite()) {
                return Err(CliError::Usage(format!(
                    "invalid --speed {speed}: give simulated seconds per second, 0 or more"
                )));
            }
            let selector = crate::model::labels::Selector::parse(selector.as_deref().unwrap_or(""))
                .map_err(CliError::Usage)?;
            let scenario = load(Some(&file))?;
            let from = match from {
                Some(text) => instant(&text, "--from", &scenario)?,
                None => SimTime::ZERO,
            };
            let until = match until {
                Some(text) => instant(&text, "--until", &scenario)?,
                None => SimTime::ZERO + scenario.duration,
            };
            if from > until {
                return Err(CliError::Usage(format!(
                    "--from {from} is after --until {until}: watch plays time forward from --from to --until"
                )));
            }
            let mut sim = Simulation::new(scenario.setup(), seed.unwrap_or(scenario.seed), None)?;
            sim.run_until(from)?;
            let w = watch::Watch {
                resource: &resource,
                opts: GetOptions {
                    namespace: namespace.as_deref(),
                    all_namespaces,
                    selector,
                    wide: output == Some(Output::Wide),
                    show_labels: false,
                    name: None,
                    name_prefix: "",
                },
                speed,
                until,
                title: format!("kubesim watch {resource} -f {}", file.display()),
            };
            watch::watch(&mut sim, &w)?;
            Ok(0)
        }
        Command::Explain {
            kind,
            name,
            at,
            namespace,
        } => {
            let node = match resources::resolve(&kind).map(|r| r.kind) {
                Ok("Pod") => false,
                Ok("Node") => true,
                _ => {
                    return Err(CliError::Usage(format!(
                        "kubesim explain supports pod and node, not \"{kind}\""
                    )))
                }
            };
            let scenario = load(Some(&at.file))?;
            let now = instant(&at.at, "--at", &scenario)?;
            let trace = MemorySink::default();
            let sink = Box::new(trace.clone());
            let mut sim = Simulation::new(
                scenario.setup(),
                at.seed.unwrap_or(scenario.seed),
                Some(sink),
            )?;
            sim.keep_explanations();
            sim.run_until(now)?;
            if node {
                let node = sim
                    .state
                    .node(&name)
                    .ok_or_else(|| get::not_found(resources::of_kind("Node"), &name))?;
                let records = trace.records();
                out!(
                    "{}",
                    printers::why::node_story(&sim.state, node, &records, now)
                )?;
                return Ok(0);
            }
            let ns = namespace.unwrap_or_else(|| "default".to_string());
            let id = sim
                .state
                .pod_id(&ns, &name)
                .ok_or_else(|| get::not_found(resources::of_kind("Pod"), &name))?;
            let pod = sim.state.pod(id).expect("indexed pods exist");
            let records = trace.records();
            out!("{}", printers::why::pod_story(&sim, pod, &records, now))?;
            let last = sim.explanations.get(&(ns, name));
            out!("\nScheduling:\n{}", printers::explain::pod(pod, last, now))?;
            Ok(0)
        }
        Command::Describe {
            kind,
            name,
            at,
            namespace,
        } => {
            let (sim, now) = simulate_to(&at)?;
            let unsupported = || {
                CliError::Usage(format!(
                    "kubesim describe supports pod, node, hpa, resourcequota and limitrange, not \"{kind}\""
                ))
            };
            // K8S: staging/src/k8s.io/kubectl/pkg/cmd/describe/describe.go (the builder's
            // RESTMapper resolves the type)
            let resource = resources::resolve(&kind).map_err(|_| unsupported())?;
            let missing = || get::not_found(resource, &name);
            let ns = namespace.as_deref().unwrap_or("default");
            let stored = || {
                let key = (resource.kind.to_string(), ns.to_string(), name.clone());
                sim.state.objects.get(&key).ok_or_else(missing)
            };
            let text = match resource.kind {
                "Pod" => {
                    let id = sim.state.pod_id(ns, &name).ok_or_else(missing)?;
                    printers::describe::pod(&sim.state, sim.state.pod(id).expect("indexed"), now)
                }
                "Node" => {
                    let node = sim.state.node(&name).ok_or_else(missing)?;
                    printers::describe::node(&sim.state, node, now)
                }
                "LimitRange" => printers::describe_policy::limit_range(stored()?),
                "ResourceQuota" => printers::describe_policy::quota(stored()?),
                "HorizontalPodAutoscaler" => {
                    printers::describe_hpa::hpa(&sim.state, stored()?, now)
                }
                _ => return Err(unsupported()),
            };
            out!("{text}")?;
            Ok(0)
        }
        Command::Logs {
            pod,
            container,
            previous,
            at,
            namespace,
        } => {
            let target = container::Target {
                pod: &pod,
                container: container.as_deref(),
                namespace: namespace.as_deref(),
                at: &at,
            };
            container::logs(&target, previous)
        }
        Command::Exec {
            pod,
            container,
            at,
            namespace,
            stdin,
            tty,
            command,
        } => {
            // DEVIATION: no interactive session: kubesim exec runs one command to its end.
            if stdin || tty {
                return Err(CliError::Usage(
                    "kubesim exec runs a command to completion and takes no input: leave out -i and -t and give the command after --, e.g. -- ls /tmp".to_string(),
                ));
            }
            let target = container::Target {
                pod: &pod,
                container: container.as_deref(),
                namespace: namespace.as_deref(),
                at: &at,
            };
            container::exec(&target, &command)
        }
        Command::Check { scenarios } => check::run(&scenarios),
        Command::Report { trace, out } => {
            let text = read_trace(&trace, "cannot read trace")?;
            let trace = crate::report::parse(&text, &trace.display().to_string())?;
            write_report(&trace, &out)?;
            Ok(0)
        }
        Command::Real(args) => real::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Plan(args) => sweep::plan(args),
        Command::Import(args) => import::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Clock(args) => serve::clock(args),
        Command::Diff {
            a,
            b,
            time_tolerance,
            format,
        } => {
            let (a_name, b_name) = (a.display().to_string(), b.display().to_string());
            let (a_text, b_text) = (
                read_trace(&a, "cannot read")?,
                read_trace(&b, "cannot read")?,
            );
            let Some(tolerance) = time_tolerance else {
                let report = crate::trace::diff::diff(&a_name, &a_text, &b_name, &b_text);
                match format {
                    DiffFormat::Text => out!("{}", report.text)?,
                    DiffFormat::Markdown => out!("```\n{}```\n", report.text)?,
                }
                return Ok(if report.identical { 0 } else { 1 });
            };
            let tolerance = tolerance_ms(&tolerance, "--time-tolerance")?;
            let records = |name: &str, text: &str| -> Result<Vec<crate::trace::Record>, CliError> {
                let mut records = Vec::new();
                for (i, line) in text.lines().enumerate().skip(1) {
                    let record = serde_json::from_str(line).map_err(|e| {
                        CliError::Usage(format!("{name}:{}: not a trace record: {e}", i + 1))
                    })?;
                    records.push(record);
                }
                Ok(records)
            };
            let alignment = crate::trace::align::align(
                &records(&a_name, &a_text)?,
                &records(&b_name, &b_text)?,
            );
            let sides = crate::trace::deviation::Sides {
                a_header: "A",
                b_header: "B",
                a_name: &a_name,
                b_name: &b_name,
            };
            let format = match format {
                DiffFormat::Text => crate::trace::deviation::Format::Text,
                DiffFormat::Markdown => crate::trace::deviation::Format::Markdown,
            };
            let (table, within) =
                crate::trace::deviation::table(&alignment, tolerance, &sides, format);
            let complete = alignment.only_simulated.is_empty() && alignment.only_real.is_empty();
            out!("A = {a_name}, B = {b_name}\n{table}")?;
            Ok(if within && complete { 0 } else { 1 })
        }
    }
}

/// Loads a scenario from a path, or the embedded demo.
fn load(path: Option<&Path>) -> Result<Scenario, CliError> {
    Ok(match path {
        Some(p) => scenario::load(p)?,
        None => scenario::load_str(DEMO, "<embedded demo>", Path::new("scenarios"))?,
    })
}

/// A tolerance flag's Go duration, in milliseconds.
fn tolerance_ms(text: &str, flag: &str) -> Result<u64, CliError> {
    let nanos = GoDuration::parse(text)
        .map_err(|e| CliError::Usage(format!("invalid {flag} \"{text}\": {e}")))?
        .as_nanos();
    u64::try_from(nanos / 1_000_000)
        .map_err(|_| CliError::Usage(format!("invalid {flag} \"{text}\": must not be negative")))
}

/// How `diff` prints.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
}

/// Parses a `--at`/`--until` value against the scenario's span.
fn instant(text: &str, flag: &str, scenario: &Scenario) -> Result<SimTime, CliError> {
    let nanos = GoDuration::parse(text)
        .map_err(|e| CliError::Usage(format!("invalid {flag} \"{text}\": {e}")))?
        .as_nanos();
    if nanos < 0 {
        return Err(CliError::Usage(format!(
            "invalid {flag} \"{text}\": must not be negative"
        )));
    }
    let at = SimTime::from_millis((nanos / 1_000_000) as u64);
    let end = SimTime::ZERO + scenario.duration;
    if at > end {
        return Err(CliError::Usage(format!(
            "{flag} {text} is after the end of scenario \"{}\" ({}); raise its spec.duration",
            scenario.name, scenario.duration
        )));
    }
    Ok(at)
}

fn simulate_to(at: &AtArgs) -> Result<(Simulation, SimTime), CliError> {
    let scenario = load(Some(&at.file))?;
    let now = instant(&at.at, "--at", &scenario)?;
    let mut sim = Simulation::new(scenario.setup(), at.seed.unwrap_or(scenario.seed), None)?;
    sim.run_until(now)?;
    Ok((sim, now))
}

/// Prints the scenario's warnings (`kubectl`'s `Warning: ` prefix) on standard error.
fn print_warnings(scenario: &Scenario) -> Result<(), CliError> {
    for warning in scenario::lint::warnings(scenario) {
        errln!("Warning: {warning}")?;
    }
    Ok(())
}

fn run(
    path: Option<&Path>,
    profile: Option<&Path>,
    seed: Option<u64>,
    until: Option<&str>,
    trace: Option<&str>,
    explain: Explain,
    report: Option<&Path>,
) -> Result<i32, CliError> {
    let mut scenario = load(path)?;
    if let Some(profile) = profile {
        LatencyProfile::load(profile)?.apply(&mut scenario);
    }
    print_warnings(&scenario)?;
    let seed = seed.unwrap_or(scenario.seed);
    let end = match until {
        Some(text) => instant(text, "--until", &scenario)?,
        None => SimTime::ZERO + scenario.duration,
    };
    let to_stdout = trace == Some("-");
    let sink = trace_sink(trace)?;
    // A report reads the trace back: keep a copy of it in memory.
    let copy = report.map(|_| std::rc::Rc::new(std::cell::RefCell::new(Vec::new())));
    let sink = match &copy {
        Some(copy) => Some(Box::new(Tee {
            out: sink,
            copy: copy.clone(),
        }) as Box<dyn Write>),
        None => sink,
    };
    // Wall time is measured for the summary only; it never reaches the simulation.
    let started = std::time::Instant::now();
    let mut sim = Simulation::new(scenario.setup(), seed, sink)?;
    match explain {
        Explain::Auto => {}
        Explain::On => sim.set_explain_scheduling(true),
        Explain::Off => sim.set_explain_scheduling(false),
    }
    sim.run_until(end)?;
    let wall = started.elapsed();
    let summary = check::summary(&sim, &scenario, seed, end, wall);
    sim.finish()?;
    if to_stdout {
        errout!("{summary}")?;
    } else {
        out!("{summary}")?;
    }
    if let (Some(dir), Some(copy)) = (report, copy) {
        let text = String::from_utf8_lossy(&copy.borrow()).into_owned();
        let trace = crate::report::parse(&text, "<the run's trace>")?;
        write_report(&trace, dir)?;
    }
    Ok(0)
}

/// Where `--trace` writes: a file, standard output for `-`, or nowhere.
fn trace_sink(trace: Option<&str>) -> Result<Option<Box<dyn Write>>, CliError> {
    Ok(match trace {
        Some("-") => Some(Box::new(std::io::BufWriter::new(std::io::stdout()))),
        Some(file) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(file)
                .map_err(|e| CliError::Usage(format!("cannot write trace {file}: {e}")))?,
        ))),
        None => None,
    })
}

/// Writes a report, naming the directory when it cannot.
fn write_report(trace: &crate::report::Trace, dir: &Path) -> Result<(), CliError> {
    crate::report::write(trace, dir)
        .map_err(|e| CliError::Usage(format!("cannot write report to {}: {e}", dir.display())))
}

/// A trace sink that also keeps what it writes, for `run --report`.
struct Tee {
    out: Option<Box<dyn Write>>,
    copy: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(out) = &mut self.out {
            out.write_all(buf)?;
        }
        self.copy.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.as_mut().map_or(Ok(()), |out| out.flush())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tolerance_is_a_go_duration() {
        assert_eq!(tolerance_ms("1100ms", "--tolerance").unwrap(), 1100);
        assert_eq!(tolerance_ms("2s", "--tolerance").unwrap(), 2000);
        assert!(tolerance_ms("-1s", "--tolerance").is_err());
        assert!(tolerance_ms("soon", "--time-tolerance").is_err());
    }
}
