//! One point of a sweep: its values and what its run measured, computed from the run's trace
//! by the same metrics the reports use, plus the scenario's node capacity.

use serde::{Deserialize, Serialize};

use crate::engine::SimTime;
use crate::model::resources::Resources;
use crate::report::metrics::{percentile, Metrics};
use crate::scenario::Scenario;
use crate::sim::Simulation;

/// One point's values and metrics. Times are in milliseconds; an absent percentile (no pod
/// got there) is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The point's number in the cross product.
    pub point: usize,
    /// The swept fields' values, in the order of the axes.
    pub values: Vec<String>,
    /// The most nodes the cluster had at once (the scenario's, and those that joined).
    pub nodes: usize,
    /// Pods created during the run.
    pub pods: usize,
    /// Pods that were bound to a node.
    pub scheduled: usize,
    /// Pods never bound and not deleted by the end.
    pub pending: usize,
    pub p50_startup_ms: Option<u64>,
    pub p99_startup_ms: Option<u64>,
    pub p99_scheduling_ms: Option<u64>,
    /// The most CPU requested at once by bound pods, in % of the nodes' allocatable when the
    /// cluster was at its largest.
    pub peak_cpu_requested_pct: f64,
    /// The same for memory.
    pub peak_memory_requested_pct: f64,
    pub restarts: usize,
    pub oom_kills: usize,
    /// Each node's time in the cluster up to the run's end, in hours: what the run costs.
    pub node_hours: f64,
}

/// The metric columns, in output order: a column's name and its value in a row.
pub const METRICS: [&str; 12] = [
    "nodes",
    "pods",
    "scheduled",
    "pending",
    "p50_startup_ms",
    "p99_startup_ms",
    "p99_scheduling_ms",
    "peak_cpu_requested_pct",
    "peak_memory_requested_pct",
    "restarts",
    "oom_kills",
    "node_hours",
];

impl Row {
    /// Runs `scenario` to its end and measures it.
    pub fn measure(point: usize, values: Vec<String>, scenario: &Scenario) -> Result<Row, String> {
        Ok(Row::of(point, values, scenario, &run(scenario)?))
    }

    /// The row of a run of `scenario` whose metrics are `m`.
    pub fn of(point: usize, values: Vec<String>, scenario: &Scenario, m: &Metrics) -> Row {
        let allocatable = largest_allocatable(scenario, m);
        let (peak_cpu, peak_memory) = peak_requested(m);
        let startup = m.startup_latencies();
        let pct = |used: i64, of: i64| {
            if of == 0 {
                0.0
            } else {
                (used as f64 * 1000.0 / of as f64).round() / 10.0
            }
        };
        Row {
            point,
            values,
            nodes: m
                .node_count()
                .iter()
                .map(|&(_, n)| n as usize)
                .max()
                .unwrap_or(0),
            pods: m.pods.len(),
            scheduled: m.pods.iter().filter(|p| p.bound.is_some()).count(),
            pending: m
                .pods
                .iter()
                .filter(|p| p.bound.is_none() && p.deleted.is_none())
                .count(),
            p50_startup_ms: percentile(&startup, 50),
            p99_startup_ms: percentile(&startup, 99),
            p99_scheduling_ms: percentile(&m.scheduling_latencies(), 99),
            peak_cpu_requested_pct: pct(peak_cpu, allocatable.0),
            peak_memory_requested_pct: pct(peak_memory, allocatable.1),
            restarts: m.restarts.len(),
            oom_kills: m.oom_kills.len(),
            node_hours: (m.node_hours(scenario.duration.as_millis()) * 1000.0).round() / 1000.0,
        }
    }

    /// The metric `name` (one of [`METRICS`]) as a number, if the row has it.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let count = |n: usize| Some(n as f64);
        let ms = |v: Option<u64>| v.map(|v| v as f64);
        match name {
            "nodes" => count(self.nodes),
            "pods" => count(self.pods),
            "scheduled" => count(self.scheduled),
            "pending" => count(self.pending),
            "p50_startup_ms" => ms(self.p50_startup_ms),
            "p99_startup_ms" => ms(self.p99_startup_ms),
            "p99_scheduling_ms" => ms(self.p99_scheduling_ms),
            "peak_cpu_requested_pct" => Some(self.peak_cpu_requested_pct),
            "peak_memory_requested_pct" => Some(self.peak_memory_requested_pct),
            "restarts" => count(self.restarts),
            "oom_kills" => count(self.oom_kills),
            "node_hours" => Some(self.node_hours),
            _ => None,
        }
    }
}

/// Runs `scenario` to its end (no scheduling explanations: they are not measured) and
/// computes the report's metrics of its trace.
pub fn run(scenario: &Scenario) -> Result<Metrics, String> {
    let records = std::rc::Rc::default();
    let mut sim =
        Simulation::keeping_records(scenario, scenario.seed, std::rc::Rc::clone(&records))
            .map_err(|e| e.to_string())?;
    sim.set_explain_scheduling(false);
    sim.run_until(SimTime::ZERO + scenario.duration)
        .map_err(|e| e.to_string())?;
    sim.finish().map_err(|e| e.to_string())?;
    let records = records.borrow();
    Ok(Metrics::from_records(&records))
}

/// The most CPU and memory requested at once over all nodes: every node's requested series
/// merged in time order.
/// The CPU (millicores) and memory allocatable of the cluster when it had the most nodes: the
/// scenario's nodes, and the autoscaler's groups' shapes for the nodes it added.
fn largest_allocatable(scenario: &Scenario, m: &Metrics) -> (i64, i64) {
    let of = |name: &str| {
        let node = scenario
            .nodes
            .iter()
            .find(|n| n.meta.name == name)
            .or_else(|| {
                let groups = &scenario.autoscaler.groups;
                groups
                    .iter()
                    .find(|g| {
                        name.strip_prefix(&g.name)
                            .is_some_and(|rest| rest.starts_with('-'))
                    })
                    .map(|g| &g.template)
            });
        node.map(|n| Resources::from_list(&n.allocatable))
            .unwrap_or_default()
    };
    let mut largest = (0, (0, 0));
    for &(t, count) in &m.node_count() {
        if count > largest.0 {
            let alive = m
                .node_lives
                .iter()
                .filter(|l| l.joined <= t && l.deleted.is_none_or(|d| d > t));
            let sum = alive
                .map(|l| of(&l.name))
                .fold((0, 0), |(c, mem), r| (c + r.milli_cpu, mem + r.memory));
            largest = (count, sum);
        }
    }
    largest.1
}

fn peak_requested(m: &Metrics) -> (i64, i64) {
    let mut changes: Vec<(u64, usize, i64, i64)> = Vec::new();
    for (i, series) in m.nodes.values().enumerate() {
        let mut last = (0, 0);
        for a in series {
            changes.push((a.t, i, a.milli_cpu - last.0, a.memory - last.1));
            last = (a.milli_cpu, a.memory);
        }
    }
    changes.sort_by_key(|c| (c.0, c.1));
    let (mut cpu, mut memory, mut peak) = (0, 0, (0, 0));
    for (i, &(t, _, d_cpu, d_memory)) in changes.iter().enumerate() {
        cpu += d_cpu;
        memory += d_memory;
        // Every change of an instant applies before the total counts.
        if changes.get(i + 1).is_none_or(|next| next.0 != t) {
            peak = (peak.0.max(cpu), peak.1.max(memory));
        }
    }
    peak
}
