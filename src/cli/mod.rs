//! The command line: `run`, `get`, `describe`, `check`, `diff`.
//!
//! Exit codes: 0 success; 1 a check or diff found a difference; 2 bad usage or bad input (the
//! message names the file, line and field). User errors never print a panic or a backtrace.

mod check;
pub mod printers;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::SimTime;
use crate::manifest::InputError;
use crate::model::duration::GoDuration;
use crate::scenario::{self, Scenario};
use crate::sim::Simulation;
use printers::get::GetOptions;

/// The demo scenario `kubesim run` plays with no argument.
const DEMO: &str = include_str!("../../scenarios/demo.yaml");

#[derive(Parser)]
#[command(
    name = "kubesim",
    version,
    about = "A deterministic simulator of a Kubernetes cluster: real YAML in, kubectl-identical views out.",
    after_help = "Examples:\n  kubesim run                                  # play the embedded demo\n  kubesim run scenarios/liveness-exam.yaml --trace out.jsonl\n  kubesim get pods -f pod.yaml --at 45s -o wide\n  kubesim describe pod web -f scenarios/demo.yaml --at 2m\n  kubesim check scenarios/*.yaml\n  kubesim diff a.jsonl b.jsonl\n\nExit codes: 0 ok, 1 a check or diff found a difference, 2 bad usage or bad input."
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
    /// Describe a pod, a node, a ResourceQuota or a LimitRange at a simulated instant, as
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
    /// Explain a pod's placement at a simulated instant: each node's filter verdict and each
    /// score plugin's scores in its last scheduling attempt.
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
    /// Check scenarios' `expect` entries; exit 1 if any fails.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Compare two traces; exit 1 if they differ.
    Diff { a: PathBuf, b: PathBuf },
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
    #[error("error: {0}")]
    Usage(String),
    #[error("error: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match execute(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

fn execute(command: Command) -> Result<i32, CliError> {
    match command {
        Command::Run {
            scenario,
            seed,
            until,
            trace,
            explain_scheduling,
        } => run(
            scenario.as_deref(),
            seed,
            until.as_deref(),
            trace.as_deref(),
            explain_scheduling,
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
            print!("{}", get(&sim, &resource, output, &opts)?);
            Ok(0)
        }
        Command::Explain {
            kind,
            name,
            at,
            namespace,
        } => {
            if !matches!(kind.as_str(), "pod" | "pods" | "po") {
                return Err(CliError::Usage(format!(
                    "kubesim explain supports pod, not \"{kind}\""
                )));
            }
            let scenario = load(Some(&at.file))?;
            let now = instant(&at.at, "--at", &scenario)?;
            let mut sim = Simulation::new(&scenario, at.seed.unwrap_or(scenario.seed), None)?;
            sim.keep_explanations();
            sim.run_until(now)?;
            let ns = namespace.unwrap_or_else(|| "default".to_string());
            let id = sim.state.pod_id(&ns, &name).ok_or_else(|| {
                CliError::Usage(format!(
                    "Error from server (NotFound): pods \"{name}\" not found"
                ))
            })?;
            let pod = sim.state.pod(id).expect("indexed pods exist");
            let last = sim.explanations.get(&(ns, name));
            print!("{}", printers::explain::pod(pod, last, now));
            Ok(0)
        }
        Command::Describe {
            kind,
            name,
            at,
            namespace,
        } => {
            let (sim, now) = simulate_to(&at)?;
            let text = match kind.as_str() {
                "pod" | "pods" | "po" => {
                    let ns = namespace.as_deref().unwrap_or("default");
                    let id = sim.state.pod_id(ns, &name).ok_or_else(|| {
                        CliError::Usage(format!(
                            "Error from server (NotFound): pods \"{name}\" not found"
                        ))
                    })?;
                    printers::describe::pod(&sim.state, sim.state.pod(id).expect("indexed"), now)
                }
                "node" | "nodes" | "no" => {
                    let node = sim.state.node(&name).ok_or_else(|| {
                        CliError::Usage(format!(
                            "Error from server (NotFound): nodes \"{name}\" not found"
                        ))
                    })?;
                    printers::describe::node(&sim.state, node, now)
                }
                "resourcequota" | "resourcequotas" | "quota" | "limitrange" | "limitranges"
                | "limits" => {
                    let ns = namespace.as_deref().unwrap_or("default");
                    let (kind, resource) = if kind.starts_with('l') {
                        ("LimitRange", "limitranges")
                    } else {
                        ("ResourceQuota", "resourcequotas")
                    };
                    let key = (kind.to_string(), ns.to_string(), name.clone());
                    let object = sim.state.objects.get(&key).ok_or_else(|| {
                        CliError::Usage(format!(
                            "Error from server (NotFound): {resource} \"{name}\" not found"
                        ))
                    })?;
                    match kind {
                        "LimitRange" => printers::describe_policy::limit_range(object),
                        _ => printers::describe_policy::quota(object),
                    }
                }
                other => {
                    return Err(CliError::Usage(format!(
                        "kubesim describe supports pod, node, resourcequota and limitrange, not \"{other}\""
                    )))
                }
            };
            print!("{text}");
            Ok(0)
        }
        Command::Check { scenarios } => check::run(&scenarios),
        Command::Diff { a, b } => {
            let read = |p: &Path| {
                std::fs::read_to_string(p)
                    .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", p.display())))
            };
            let report = crate::trace::diff::diff(
                &a.display().to_string(),
                &read(&a)?,
                &b.display().to_string(),
                &read(&b)?,
            );
            print!("{}", report.text);
            Ok(if report.identical { 0 } else { 1 })
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
    let mut sim = Simulation::new(&scenario, at.seed.unwrap_or(scenario.seed), None)?;
    sim.run_until(now)?;
    Ok((sim, now))
}

fn run(
    path: Option<&Path>,
    seed: Option<u64>,
    until: Option<&str>,
    trace: Option<&str>,
    explain: Explain,
) -> Result<i32, CliError> {
    let scenario = load(path)?;
    let seed = seed.unwrap_or(scenario.seed);
    let end = match until {
        Some(text) => instant(text, "--until", &scenario)?,
        None => SimTime::ZERO + scenario.duration,
    };
    let to_stdout = trace == Some("-");
    let sink: Option<Box<dyn Write>> = match trace {
        Some("-") => Some(Box::new(std::io::BufWriter::new(std::io::stdout()))),
        Some(file) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(file)
                .map_err(|e| CliError::Usage(format!("cannot write trace {file}: {e}")))?,
        ))),
        None => None,
    };
    // Wall time is measured for the summary only; it never reaches the simulation.
    let started = std::time::Instant::now();
    let mut sim = Simulation::new(&scenario, seed, sink)?;
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
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    Ok(0)
}

/// The kinds `kubectl get all` lists after pods, in its order, with their `-o name` prefixes.
const ALL_STORED_KINDS: [(&str, &str); 5] = [
    ("Service", "service/"),
    ("DaemonSet", "daemonset.apps/"),
    ("Deployment", "deployment.apps/"),
    ("ReplicaSet", "replicaset.apps/"),
    ("Job", "job.batch/"),
];

fn get(
    sim: &Simulation,
    resource: &str,
    output: Option<Output>,
    opts: &GetOptions<'_>,
) -> Result<String, CliError> {
    let now = sim.now();
    let kind = match resource {
        "pods" | "pod" | "po" => "Pod",
        "nodes" | "node" | "no" => "Node",
        "events" | "event" | "ev" => "Event",
        "deployments" | "deployment" | "deploy" => "Deployment",
        "replicasets" | "replicaset" | "rs" => "ReplicaSet",
        "jobs" | "job" => "Job",
        "daemonsets" | "daemonset" | "ds" => "DaemonSet",
        "services" | "service" | "svc" => "Service",
        "endpoints" | "ep" => "Endpoints",
        "resourcequotas" | "resourcequota" | "quota" => "ResourceQuota",
        "limitranges" | "limitrange" | "limits" => "LimitRange",
        "all" => "all",
        other => {
            return Err(CliError::Usage(format!(
                "the server doesn't have a resource type \"{other}\" (kubesim get knows: pods, nodes, events, deployments, replicasets, jobs, daemonsets, services, endpoints, resourcequotas, limitranges, all)"
            )))
        }
    };
    if matches!(output, Some(Output::Json | Output::Yaml | Output::Name)) {
        let mut items = Vec::new();
        let mut names = Vec::new();
        if kind == "Event" {
            return Err(CliError::Usage(
                "-o json|yaml|name is not supported for events yet; use the table or the trace"
                    .to_string(),
            ));
        }
        if matches!(kind, "Pod" | "all") {
            for (_, pod) in sim.state.pods_by_name() {
                if opts.wants(&pod.meta.namespace, &pod.meta.name, &pod.meta.labels) {
                    items.push(crate::manifest::render::pod(pod));
                    names.push(format!("pod/{}", pod.meta.name));
                }
            }
        }
        if kind == "Node" {
            for node in sim.state.nodes() {
                if opts.name.is_none_or(|n| n == node.meta.name)
                    && opts.selector.matches(&node.meta.labels)
                {
                    items.push(crate::manifest::render::node(node));
                    names.push(format!("node/{}", node.meta.name));
                }
            }
        }
        let stored_kinds: Vec<&str> = match kind {
            "all" => ALL_STORED_KINDS.iter().map(|(k, _)| *k).collect(),
            "Pod" | "Node" => Vec::new(),
            _ => vec![kind],
        };
        for stored_kind in stored_kinds {
            for ((k, ns, name), object) in &sim.state.objects {
                if k == stored_kind && opts.wants(ns, name, &object.labels()) {
                    items.push(crate::manifest::render::stored(object));
                    let resource = crate::model::meta::resource_name(k, &object.api_version);
                    names.push(format!("{resource}/{name}"));
                }
            }
        }
        let value = if opts.name.is_some() && items.len() == 1 {
            items.remove(0)
        } else {
            crate::manifest::render::list(items)
        };
        return Ok(match output {
            Some(Output::Json) => format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ),
            Some(Output::Yaml) => crate::manifest::render::to_yaml(&value),
            _ => names.iter().map(|n| format!("{n}\n")).collect(),
        });
    }
    let table = match kind {
        "Pod" => printers::get::pods(&sim.state, now, opts),
        "Node" => printers::get::nodes(&sim.state, now, opts),
        "Event" => printers::get::events(&sim.state, now, opts),
        "all" => {
            let prefixed = |name_prefix| GetOptions {
                name_prefix,
                ..opts.clone()
            };
            let stored = ALL_STORED_KINDS.iter().map(|(kind, resource)| {
                printers::get::stored(&sim.state, kind, now, &prefixed(resource))
            });
            let parts: Vec<String> =
                std::iter::once(printers::get::pods(&sim.state, now, &prefixed("pod/")))
                    .chain(stored)
                    .flatten()
                    .collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
        stored => printers::get::stored(&sim.state, stored, now, opts),
    };
    Ok(match table {
        Some(t) => t,
        None => match (opts.name, kind) {
            (Some(name), _) => {
                return Err(CliError::Usage(format!(
                    "Error from server (NotFound): {resource} \"{name}\" not found"
                )))
            }
            (None, "Node") => "No resources found\n".to_string(),
            _ => format!(
                "No resources found in {} namespace.\n",
                opts.namespace.unwrap_or("default")
            ),
        },
    })
}
