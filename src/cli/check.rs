//! `kubesim check`: plays each scenario and compares its `expect` entries with what the cluster
//! shows at their instants; and the `run` summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::printers::pods::pod_row;
use super::CliError;
use crate::engine::SimTime;
use crate::scenario::{Expectation, Scenario};
use crate::sim::Simulation;

/// Checks every scenario; returns 0 when all expectations hold, 1 otherwise.
pub(super) fn run(paths: &[PathBuf]) -> Result<i32, CliError> {
    let mut failed = 0;
    let mut passed = 0;
    for path in paths {
        let scenario = crate::scenario::load(path)?;
        let mut expectations = scenario.expectations.clone();
        expectations.sort_by_key(|e| e.at);
        let mut sim = Simulation::new(&scenario, scenario.seed, None)?;
        for e in &expectations {
            sim.run_until(e.at)?;
            match evaluate(&sim, e) {
                Ok(()) => passed += 1,
                Err(problems) => {
                    failed += 1;
                    println!(
                        "FAIL {} at {}: pod {}/{}: {}",
                        e.origin,
                        e.at,
                        e.namespace,
                        e.pod,
                        problems.join("; ")
                    );
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

/// What differs from the expectation, if anything, as "field: expected X, saw Y" items.
fn evaluate(sim: &Simulation, e: &Expectation) -> Result<(), Vec<String>> {
    let expect_gone = e.exists == Some(false);
    let Some(id) = sim.state.pod_id(&e.namespace, &e.pod) else {
        return match expect_gone {
            true => Ok(()),
            false => Err(vec![
                "expected the pod to exist, but there is no such pod".to_string()
            ]),
        };
    };
    let pod = sim.state.pod(id).expect("indexed pods exist");
    let row = pod_row(pod, sim.now());
    if expect_gone {
        return Err(vec![format!(
            "expected no such pod, but it exists ({})",
            row.status
        )]);
    }
    let restarts = pod.status.restarts();
    let node = pod
        .node_name
        .clone()
        .unwrap_or_else(|| "<none>".to_string());
    let unschedulable = pod
        .status
        .condition("PodScheduled")
        .filter(|c| c.status == "False")
        .and_then(|c| c.message.clone())
        .unwrap_or_else(|| "<none>".to_string());
    let nominated = pod
        .status
        .nominated_node_name
        .clone()
        .unwrap_or_else(|| "<none>".to_string());
    let checks: [(&str, Option<String>, String); 7] = [
        (
            "phase",
            e.phase.clone(),
            pod.status.phase.as_str().to_string(),
        ),
        ("status", e.status.clone(), row.status),
        ("ready", e.ready.clone(), row.ready),
        (
            "restarts",
            e.restarts.map(|r| r.to_string()),
            restarts.to_string(),
        ),
        ("node", e.node.clone(), node),
        ("unschedulable", e.unschedulable.clone(), unschedulable),
        ("nominated", e.nominated.clone(), nominated),
    ];
    let problems: Vec<String> = checks
        .into_iter()
        .filter_map(|(field, want, saw)| match want {
            Some(want) if want != saw => Some(format!("{field}: expected {want}, saw {saw}")),
            _ => None,
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The `run` summary: pods by status, restarts, unschedulable pods, spans.
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
    let _ = writeln!(
        out,
        "events processed: {}, trace records: {}",
        sim.stats.events, sim.stats.records
    );
    out
}
