//! `kubesim validate`: each scenario run twice, simulated and with real containers on this
//! host, the two traces aligned record by record (tick races aligned), and the instants
//! compared against a tolerance; a record found in one run only fails. A scenario whose
//! simulated run meets a command the interpreter cannot play is refused before its real run.
//! With several scenarios, a summary table follows; `--report DIR` also writes the tables as
//! Markdown and a plot of each scenario's errors.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::real::{first_node_only, for_real, until, HostArgs};
use super::CliError;
use crate::report::charts;
use crate::scenario::lint;
use crate::scenario::profile::LatencyProfile;
use crate::sim::Simulation;
use crate::trace::align::{self, Alignment};
use crate::trace::deviation::{self, Format};
use crate::trace::{Body, Change, MemorySink, Record};

/// The arguments of `kubesim validate`.
#[derive(clap::Args)]
pub(super) struct ValidateArgs {
    /// The scenarios to run both ways: simulated, then with real containers on this host (one
    /// after the other).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Stop both runs at this instant (Go duration); each scenario's end by default.
    #[arg(long, allow_hyphen_values = true)]
    until: Option<String>,
    /// The largest error between a real and a simulated instant that passes (Go duration),
    /// once tick races are aligned: a probe or relist tick a few milliseconds either side of a
    /// command's effect moves it and every later record of the pod by one period, which is
    /// reported as a tick race (its records compared less the period) rather than failed.
    #[arg(long, default_value = "500ms")]
    tolerance: String,
    /// Also write the tables as Markdown (DIR/README.md) and each scenario's errors as a plot
    /// (DIR/<scenario>.svg). Files of the same names there are replaced.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// The latency profile the simulated run gives nodes without a `latency:` of their own:
    /// this project's host's (`profiles/host.yaml`, built in) unless another is named.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    host: HostArgs,
}

/// One scenario validated.
struct Validated {
    /// The scenario's name.
    name: String,
    alignment: Alignment,
    within: bool,
}

/// Runs `kubesim validate`: exit 0 when every record of every scenario is found in both runs
/// and within the tolerance (tick races aligned), 1 when one is not, 2 when a scenario cannot
/// be simulated, 130 when interrupted.
pub(super) fn run(args: ValidateArgs) -> Result<i32, CliError> {
    let tolerance = super::tolerance_ms(&args.tolerance, "--tolerance")?;
    let profile = match &args.profile {
        Some(path) => LatencyProfile::load(path)?,
        None => LatencyProfile::embedded(),
    };
    errln!("latency profile: {}", profile.name)?;
    let several = args.scenarios.len() > 1;
    let mut done = Vec::new();
    for path in &args.scenarios {
        let Some(validated) = validate_one(path, &args, &profile, tolerance)? else {
            return Ok(130);
        };
        let (table, _) = deviation::table(
            &validated.alignment,
            tolerance,
            &deviation::VALIDATE,
            Format::Text,
        );
        if several {
            outln!("== {} ({})", validated.name, path.display())?;
        }
        out!("{table}")?;
        done.push(validated);
    }
    if several {
        out!("\n{}", summary(&done, tolerance, Format::Text))?;
    }
    if let Some(dir) = &args.report {
        write_report(dir, &done, tolerance)?;
    }
    Ok(if done.iter().all(|v| v.within) { 0 } else { 1 })
}

/// Runs the scenario at `path` simulated, then for real, and aligns the traces; `None` when
/// the real run was interrupted (it has cleaned up and said so).
fn validate_one(
    path: &Path,
    args: &ValidateArgs,
    profile: &LatencyProfile,
    tolerance: u64,
) -> Result<Option<Validated>, CliError> {
    let mut scenario = super::load(Some(path))?;
    profile.apply(&mut scenario);
    super::print_warnings(&scenario)?;
    if let Some(dir) = &args.report {
        // Checked before anything runs: the plot is named after the scenario.
        plot_file(dir, &scenario.name).map_err(|why| {
            CliError::Usage(format!(
                "{}: metadata.name {why}; rename the scenario to validate it with --report",
                path.display()
            ))
        })?;
    }
    if let Some(why) = lint::uninterpretable_probe(&scenario) {
        return Err(made_up(path, &why));
    }
    let end = until(args.until.as_deref(), &scenario)?;
    let node = first_node_only(&mut scenario)?;
    let simulated = MemorySink::default();
    let mut sim = Simulation::new(
        scenario.setup(),
        scenario.seed,
        Some(Box::new(simulated.clone())),
    )?;
    sim.run_until(end)?;
    sim.finish()?;
    let simulated = simulated.records();
    if let Some(why) = cannot_simulate(&scenario, &simulated) {
        return Err(made_up(path, &why));
    }
    let real = MemorySink::default();
    let played = for_real(
        &scenario,
        &node,
        end,
        &args.host,
        Some(Box::new(real.clone())),
    )?;
    errout!("{}", played.report)?;
    if played.interrupted {
        played.exit_code()?;
        return Ok(None);
    }
    let mut alignment = align::align(&simulated, &real.records());
    alignment.end = Some(end.as_millis());
    let relist = crate::kubelet::PLEG_RELIST.as_millis();
    let mut periods = lint::probe_periods_ms(&scenario);
    if !periods.contains(&relist) {
        periods.push(relist);
    }
    alignment.align_tick_races(tolerance, &periods);
    let (_, within) = deviation::table(&alignment, tolerance, &deviation::VALIDATE, Format::Text);
    Ok(Some(Validated {
        name: scenario.name.clone(),
        alignment,
        within,
    }))
}

/// Where `--report DIR` draws the errors of the scenario `name`: DIR/<name>.svg.
fn plot_file(dir: &Path, name: &str) -> Result<PathBuf, String> {
    crate::report::files::under(dir, name, ".svg")
}

/// The refusal of a scenario whose simulated run would be a guess, for `why`.
fn made_up(path: &Path, why: &str) -> CliError {
    CliError::Usage(format!(
        "{}: {why}: the simulated run would be made up, so there is nothing to validate \
         against. State what the container does in spec.behaviours, or give it a command \
         the interpreter runs (docs/behaviour.md)",
        path.display()
    ))
}

/// Why the simulated run cannot stand for the scenario, if it cannot: the first container
/// whose command the interpreter could not play (it then runs until stopped, a guess).
fn cannot_simulate(scenario: &crate::scenario::Scenario, records: &[Record]) -> Option<String> {
    records.iter().find_map(|r| match &r.body {
        Body::Change(Change::Note { container, note }) => {
            let why = note.strip_prefix(crate::kubelet::UNKNOWN_BEHAVIOUR)?;
            let (namespace, pod) = (&r.object.namespace, &r.object.name);
            let command = lint::container_command(scenario, namespace, pod, container)
                .map(|command| format!(" `{command}`"))
                .unwrap_or_default();
            Some(format!(
                "container {container} of pod {namespace}/{pod}: its command{command} cannot be simulated: {why}"
            ))
        }
        _ => None,
    })
}

/// One row per scenario: records aligned and found in one run only, tick races, the error
/// statistics (races aligned) and the verdict.
fn summary(done: &[Validated], tolerance: u64, format: Format) -> String {
    let mut rows = vec![[
        "SCENARIO",
        "ALIGNED",
        "ONE-SIDED",
        "RACES",
        "MEDIAN",
        "P95",
        "MAX",
        "VERDICT",
    ]
    .map(String::from)];
    for v in done {
        let (median, p95, max) = align::error_stats(&v.alignment.pairs).unwrap_or((0, 0, 0));
        let one_sided = v.alignment.only_simulated.len() + v.alignment.only_real.len();
        let verdict = if v.within { "within" } else { "OUT" };
        rows.push([
            v.name.clone(),
            v.alignment.pairs.len().to_string(),
            one_sided.to_string(),
            v.alignment.races.len().to_string(),
            format!("{median}ms"),
            format!("{p95}ms"),
            format!("{max}ms"),
            verdict.to_string(),
        ]);
    }
    let mut out = deviation::grid(&rows, format);
    let tolerance = crate::engine::SimDuration::from_millis(tolerance);
    let _ = writeln!(out, "tolerance: {tolerance}");
    out
}

/// DIR/README.md (the summary and each scenario's table in Markdown) and DIR/<scenario>.svg.
fn write_report(dir: &Path, done: &[Validated], tolerance: u64) -> Result<(), CliError> {
    let io = |what: &Path, e: std::io::Error| {
        CliError::Usage(format!("cannot write {}: {e}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut md = String::from("# kubesim validate: simulated vs real instants\n\n");
    md.push_str(&summary(done, tolerance, Format::Markdown));
    for v in done {
        let (table, _) = deviation::table(
            &v.alignment,
            tolerance,
            &deviation::VALIDATE,
            Format::Markdown,
        );
        let _ = write!(
            md,
            "\n## {}\n\n![errors]({}.svg)\n\n{table}",
            v.name, v.name
        );
        let points: Vec<(u64, i64)> = v
            .alignment
            .pairs
            .iter()
            .map(|p| (p.simulated, p.residual()))
            .collect();
        let svg = charts::deviation(&v.name, &points, tolerance)
            .map_err(|e| CliError::Usage(format!("drawing {}'s plot: {e}", v.name)))?;
        let file = plot_file(dir, &v.name).map_err(CliError::Usage)?;
        std::fs::write(&file, svg).map_err(|e| io(&file, e))?;
    }
    let file = dir.join("README.md");
    std::fs::write(&file, md).map_err(|e| io(&file, e))
}
