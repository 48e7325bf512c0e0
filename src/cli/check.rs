//! `kubesim check`: plays each scenario and prints how its `expect` entries fared (the
//! evaluation is the scenario's, [`crate::scenario::check`]); and the `run` summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::CliError;
use crate::apiserver::tables::pods::pod_row;
use crate::engine::SimTime;
use crate::scenario::check::{check_scenario, subject};
use crate::scenario::Scenario;
use crate::sim::Simulation;

/// Checks every scenario; returns 0 when all expectations hold, 1 otherwise.
pub(super) fn run(paths: &[PathBuf]) -> Result<i32, CliError> {
    let (mut passed, mut failed) = (0, 0);
    for path in paths {
        let scenario = crate::scenario::load(path)?;
        super::print_warnings(&scenario)?;
        let (p, f) = check_and_report(&scenario, false)?;
        passed += p;
        failed += f;
    }
    outln!("{passed} passed, {failed} failed")?;
    Ok(if failed == 0 { 0 } else { 1 })
}

/// Plays `scenario` and prints a `FAIL` line (with the entry's `why:` text under it) for each
/// expectation that does not hold, and a `PASS` line for each that does when `passes` is set.
/// Returns how many passed and failed.
pub(super) fn check_and_report(
    scenario: &Scenario,
    passes: bool,
) -> Result<(usize, usize), CliError> {
    let (mut passed, mut failed) = (0, 0);
    let mut sim = Simulation::new(scenario.setup(), scenario.seed, None)?;
    for (e, problems) in check_scenario(&mut sim, &scenario.expectations)? {
        match problems {
            None => {
                passed += 1;
                if passes {
                    outln!("PASS {} at {}: {}", e.origin, e.at, subject(e))?;
                }
            }
            Some((at, problems)) => {
                failed += 1;
                outln!(
                    "FAIL {} at {at}: {}: {}",
                    e.origin,
                    subject(e),
                    problems.join("; ")
                )?;
                if let Some(why) = &e.why {
                    outln!("  why: {why}")?;
                }
            }
        }
    }
    Ok((passed, failed))
}

/// The `run` summary: pods by status, restarts, unschedulable pods, what was not simulated
/// and which images were only assumed to exist.
pub(super) fn summary(
    sim: &Simulation,
    scenario: &Scenario,
    seed: u64,
    end: SimTime,
    wall: std::time::Duration,
) -> String {
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut restarts = 0;
    let mut unschedulable = Vec::new();
    for (_, pod) in sim.state.pods_by_name() {
        let row = pod_row(pod, sim.now());
        *by_status.entry(row.status).or_default() += 1;
        restarts += pod.status.restarts();
        if pod
            .status
            .condition("PodScheduled")
            .is_some_and(|c| c.status == "False")
        {
            unschedulable.push(format!("{}/{}", pod.meta.namespace, pod.meta.name));
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {} (seed {seed}): simulated {} in {:.3}s wall",
        scenario.name,
        end,
        wall.as_secs_f64()
    );
    let _ = writeln!(out, "nodes: {}", sim.state.nodes().len());
    if let Some(line) = sim.autoscaler_summary() {
        let _ = writeln!(out, "{line}");
    }
    let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let total: usize = by_status.values().sum();
    let _ = writeln!(
        out,
        "pods: {total}{}{}",
        if total > 0 { ": " } else { "" },
        statuses.join(", ")
    );
    let _ = writeln!(out, "restarts: {restarts}");
    if !unschedulable.is_empty() {
        let _ = writeln!(out, "unschedulable: {}", unschedulable.join(", "));
    }
    if !sim.not_simulated.is_empty() {
        let _ = writeln!(
            out,
            "stored but not simulated yet: {}",
            sim.not_simulated.join(", ")
        );
    }
    if !sim.unsimulated_fields.is_empty() {
        let _ = writeln!(out, "accepted but not simulated yet:");
        for (field, first) in &sim.unsimulated_fields {
            let _ = writeln!(out, "  {field} (first in {first})");
        }
    }
    let assumed = sim.kubelets().assumed_images();
    if !assumed.is_empty() {
        let names: Vec<&str> = assumed.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "images assumed to exist (in neither the catalogue nor spec.images): {}",
            names.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "events processed: {}, trace records: {}",
        sim.stats.events, sim.stats.records
    );
    out
}
