//! `kubesim sweep`: a scenario run across the cross product of `--set` values, in parallel, with
//! the results as CSV, JSON and plots; its shards, their merge, and the Indexed Job that runs
//! the shards on a real cluster.

use std::path::PathBuf;

use super::CliError;
use crate::manifest::{read, InputError};
use crate::sweep::job::{self, JobSpec};
use crate::sweep::output::Results;
use crate::sweep::plan::Ask;
use crate::sweep::row::METRICS;
use crate::sweep::{self, Axis, Shard, Sweep};
use crate::trace::deviation::{self, Format};

/// The arguments of `kubesim sweep`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(super) struct SweepArgs {
    #[command(subcommand)]
    merge: Option<MergeCommand>,
    /// The scenario to sweep (a scenario file, kind: Scenario).
    #[arg(required = true)]
    scenario: Option<PathBuf>,
    /// A swept field: PATH=FROM..TO (integers, both included) or PATH=a,b,c. PATH is a
    /// field of the scenario (`nodes[0].count`, `spec.seed`, `manifests[0].inline.spec.replicas`;
    /// paths that do not start with apiVersion, kind, metadata or spec are under spec).
    /// Repeat for a cross product (the first varies slowest).
    #[arg(long = "set", value_name = "PATH=VALUES", required = true)]
    sets: Vec<String>,
    /// Where results.csv, results.json and the plots go.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The metrics plotted against the first swept field.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "pending,p99_startup_ms,peak_cpu_requested_pct"
    )]
    metrics: Vec<String>,
    /// Threads (all cores by default).
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only this share of the points, i/N: the points whose number modulo N is i.
    #[arg(long, value_name = "i/N")]
    shard: Option<String>,
    /// Print a ConfigMap and an Indexed Job that run the sweep's --shards on a cluster instead.
    #[arg(long)]
    emit_job: bool,
    /// With --emit-job: how many shards (pods).
    #[arg(long, default_value_t = 4)]
    shards: usize,
    /// With --emit-job: the image holding the kubesim binary.
    #[arg(long, default_value = "ghcr.io/kubesim/kubesim:latest")]
    image: String,
    /// With --emit-job: the PersistentVolumeClaim the shards write to.
    #[arg(long, default_value = "kubesim-sweep-results")]
    results_claim: String,
}

#[derive(clap::Subcommand)]
enum MergeCommand {
    /// Combine shard outputs (their results.json) into the whole sweep's, byte for byte what
    /// one unsharded run writes.
    Merge {
        /// The shards' output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long, value_name = "DIR", required = true)]
        out: PathBuf,
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "pending,p99_startup_ms,peak_cpu_requested_pct"
        )]
        metrics: Vec<String>,
    },
}

/// Runs `kubesim sweep` (or `sweep merge`).
pub(super) fn run(args: SweepArgs) -> Result<i32, CliError> {
    if let Some(MergeCommand::Merge { dirs, out, metrics }) = args.merge {
        return merge(&dirs, &out, &metrics);
    }
    check_metrics(&args.metrics)?;
    let path = args.scenario.as_deref().expect("clap requires a scenario");
    let axes = args
        .sets
        .iter()
        .map(|s| Axis::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    let sweep = Sweep::new(path, axes)?;
    if args.emit_job {
        return emit_job(&args, &sweep);
    }
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(CliError::Usage)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = args.jobs {
        pool = pool.num_threads(jobs.max(1));
    }
    let pool = pool
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the threads: {e}")))?;
    let owned = (0..sweep.len())
        .filter(|&n| shard.is_none_or(|s| s.owns(n)))
        .count();
    let bar = super::progress::bar(owned as u64, "sweep", "points");
    let rows = pool
        .install(|| sweep.run(shard, || bar.inc(1)))
        .map_err(CliError::Usage)?;
    bar.finish_and_clear();
    let axes = sweep
        .axes
        .iter()
        .map(|a| (a.name.clone(), a.values.clone()))
        .collect();
    let results = Results::new(sweep.file(), axes, sweep.len(), shard, rows);
    out!("{}", results.table())?;
    if let Some(dir) = &args.out {
        results.write(dir, &args.metrics).map_err(CliError::Usage)?;
        outln!("wrote {}", dir.display())?;
    }
    Ok(0)
}

fn check_metrics(metrics: &[String]) -> Result<(), CliError> {
    match metrics.iter().find(|m| !METRICS.contains(&m.as_str())) {
        Some(m) => Err(CliError::Usage(format!(
            "--metrics: unknown metric \"{m}\"; choose from {}",
            METRICS.join(", ")
        ))),
        None => Ok(()),
    }
}

/// `sweep merge`: every shard's results.json into the whole sweep's outputs.
fn merge(dirs: &[PathBuf], out: &std::path::Path, metrics: &[String]) -> Result<i32, CliError> {
    check_metrics(metrics)?;
    let mut parts = Vec::new();
    for dir in dirs {
        let file = dir.join("results.json");
        let text = super::read_trace(&file, "cannot read")?;
        let part: Results = serde_json::from_str(&text).map_err(|e| {
            CliError::Usage(format!(
                "{}: not a sweep's results.json: {e}",
                file.display()
            ))
        })?;
        parts.push(part);
    }
    let merged = Results::merge(parts).map_err(CliError::Usage)?;
    merged.write(out, metrics).map_err(CliError::Usage)?;
    out!("{}", merged.table())?;
    outln!("wrote {}", out.display())?;
    Ok(0)
}

fn emit_job(args: &SweepArgs, sweep: &Sweep) -> Result<i32, CliError> {
    if args.shards == 0 {
        return Err(CliError::Usage("--shards must be at least 1".into()));
    }
    let file = sweep.file();
    let text = read::text(std::path::Path::new(file), read::YAML).map_err(|e| {
        e.into_input(|why| InputError::file(file, format!("cannot read scenario: {why}")))
    })?;
    let name = sweep.doc()["metadata"]["name"]
        .as_str()
        .map(|n| format!("sweep-{n}"))
        .unwrap_or_else(|| "kubesim-sweep".into());
    let spec = JobSpec {
        name: &name,
        image: &args.image,
        scenario_text: &text,
        sets: &args.sets,
        shards: args.shards,
        results_claim: &args.results_claim,
    };
    out!(
        "{}",
        job::manifests(&spec, sweep.doc()).map_err(CliError::Usage)?
    )?;
    Ok(0)
}

/// The arguments of `kubesim plan`.
#[derive(clap::Args)]
pub(super) struct PlanArgs {
    /// The scenario (a scenario file, kind: Scenario).
    scenario: PathBuf,
    /// The node group (`spec.nodes[].name`) whose count is planned; its shape stays.
    #[arg(long)]
    group: String,
    /// CPU and memory that must stay unrequested at the peak, in percent (`20%` or `20`).
    #[arg(long, default_value = "0%")]
    headroom: String,
    /// Also require that every pod is scheduled again after the busiest node is removed at
    /// the scenario's end (the run goes on 3 minutes for PodGC and the controllers).
    #[arg(long)]
    survive_node_failure: bool,
    /// The largest count tried.
    #[arg(long, default_value_t = 100)]
    max: u32,
}

/// Runs `kubesim plan`: exit 0 with the answer, 1 when no count up to --max works.
pub(super) fn plan(args: PlanArgs) -> Result<i32, CliError> {
    let headroom: f64 = args
        .headroom
        .trim_end_matches('%')
        .parse()
        .ok()
        .filter(|h| (0.0..100.0).contains(h))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--headroom \"{}\": write a percentage from 0 to 99, e.g. 20%",
                args.headroom
            ))
        })?;
    if args.max == 0 {
        return Err(CliError::Usage("--max must be at least 1".into()));
    }
    let sweep = Sweep::new(&args.scenario, Vec::new())?;
    let groups = sweep.doc()["spec"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let group = groups
        .iter()
        .position(|g| g["name"].as_str() == Some(args.group.as_str()))
        .ok_or_else(|| {
            let names: Vec<&str> = groups.iter().filter_map(|g| g["name"].as_str()).collect();
            CliError::Usage(format!(
                "{}: no node group \"{}\" in spec.nodes (groups: {})",
                args.scenario.display(),
                args.group,
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ))
        })?;
    if !groups[group]["autoscaling"].is_null() {
        return Err(CliError::Usage(format!(
            "{}: node group \"{}\" has autoscaling:, so the cluster autoscaler sizes it; plan finds a fixed count: remove autoscaling: from the group to plan it, or sweep its max (--set 'nodes[{group}].autoscaling.max=1..20') and compare node_hours",
            args.scenario.display(),
            args.group,
        )));
    }
    let ask = Ask {
        group,
        headroom_pct: headroom,
        survive_node_failure: args.survive_node_failure,
        max: args.max,
    };
    let (answer, trials) = sweep::plan::plan(&sweep, &ask).map_err(CliError::Usage)?;
    let mut rows = vec![[
        "COUNT",
        "PENDING",
        "PEAK CPU",
        "PEAK MEMORY",
        "NODE REMOVED",
        "PENDING AFTER",
        "VERDICT",
    ]
    .map(String::from)
    .to_vec()];
    for t in &trials {
        let (removed, after) = match &t.failure {
            Some((node, pending)) => (node.clone(), pending.to_string()),
            None => ("-".into(), "-".into()),
        };
        rows.push(vec![
            t.count.to_string(),
            t.row.pending.to_string(),
            format!("{}%", t.row.peak_cpu_requested_pct),
            format!("{}%", t.row.peak_memory_requested_pct),
            removed,
            after,
            if t.fits { "fits" } else { "no" }.to_string(),
        ]);
    }
    let failure = if args.survive_node_failure {
        ", surviving the loss of its busiest node"
    } else {
        ""
    };
    outln!(
        "node group {}: every pod scheduled with {headroom}% CPU and memory headroom{failure}",
        args.group
    )?;
    out!("{}", deviation::grid(&rows, Format::Text))?;
    Ok(match answer {
        Some(count) => {
            outln!("answer: {count} node(s) of group {}", args.group)?;
            0
        }
        None => {
            outln!("answer: none up to --max {} fits", args.max)?;
            1
        }
    })
}
