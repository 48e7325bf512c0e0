//! One point of a sweep: its values and what its run measured, computed from the run's trace
//! by the same metrics the reports use, plus the scenario's node capacity.

use serde::{Deserialize, Serialize};

use crate::engine::SimTime;
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
    /// The most pods waiting for a node at once.
    pub peak_pending: u64,
    pub p50_startup_ms: Option<u64>,
    pub p99_startup_ms: Option<u64>,
    pub p99_scheduling_ms: Option<u64>,
    /// The most CPU requested at once by bound pods, in % of the nodes' allocatable at that
    /// instant.
    pub peak_cpu_requested_pct: f64,
    /// The same for memory.
    pub peak_memory_requested_pct: f64,
    /// CPU requested in % of allocatable, averaged over the run's duration.
    pub mean_cpu_requested_pct: f64,
    /// The same for memory.
    pub mean_memory_requested_pct: f64,
    pub restarts: usize,
    pub oom_kills: usize,
    /// Each node's time in the cluster up to the run's end, in hours: what the run costs.
    pub node_hours: f64,
}

/// The metric columns, in output order: a column's name and its value in a row.
pub const METRICS: [&str; 15] = [
    "nodes",
    "pods",
    "scheduled",
    "pending",
    "peak_pending",
    "p50_startup_ms",
    "p99_startup_ms",
    "p99_scheduling_ms",
    "peak_cpu_requested_pct",
    "peak_memory_requested_pct",
    "mean_cpu_requested_pct",
    "mean_memory_requested_pct",
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
        // The largest share at any instant and the time-weighted mean, in tenths of a percent.
        let end = scenario.duration.as_millis();
        let steps = m.cluster_requested();
        let (mut peak, mut area) = ((0.0f64, 0.0f64), (0.0f64, 0.0f64));
        for (i, step) in steps.iter().enumerate() {
            let (cpu, memory) = step.per_mille();
            peak = (peak.0.max(cpu), peak.1.max(memory));
            let until = steps.get(i + 1).map_or(end, |next| next.t).min(end);
            let span = until.saturating_sub(step.t) as f64;
            area = (area.0 + cpu * span, area.1 + memory * span);
        }
        let mean = |a: f64| {
            if end == 0 {
                0.0
            } else {
                (a / end as f64).round() / 10.0
            }
        };
        let startup = m.startup_latencies();
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
            peak_pending: m.unscheduled.iter().map(|&(_, n)| n).max().unwrap_or(0),
            peak_cpu_requested_pct: peak.0.round() / 10.0,
            peak_memory_requested_pct: peak.1.round() / 10.0,
            mean_cpu_requested_pct: mean(area.0),
            mean_memory_requested_pct: mean(area.1),
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
            "peak_pending" => Some(self.peak_pending as f64),
            "peak_cpu_requested_pct" => Some(self.peak_cpu_requested_pct),
            "mean_cpu_requested_pct" => Some(self.mean_cpu_requested_pct),
            "mean_memory_requested_pct" => Some(self.mean_memory_requested_pct),
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
    let mut sim = Simulation::keeping_records(
        scenario.setup(),
        scenario.seed,
        std::rc::Rc::clone(&records),
    )
    .map_err(|e| e.to_string())?;
    sim.set_explain_scheduling(false);
    sim.run_until(SimTime::ZERO + scenario.duration)
        .map_err(|e| e.to_string())?;
    sim.finish().map_err(|e| e.to_string())?;
    let records = records.borrow();
    Ok(Metrics::from_records(&records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_peak_per_instant_and_average_over_the_run() {
        use crate::report::metrics::TWO_NODES_TRACE;
        let records = crate::report::parse(TWO_NODES_TRACE, "t.jsonl")
            .unwrap()
            .records;
        let m = Metrics::from_records(&records);
        let scenario = crate::scenario::load_str(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec: {duration: 2m}\n",
            "t.yaml",
            std::path::Path::new("."),
        )
        .unwrap();
        let row = Row::of(0, Vec::new(), &scenario, &m);
        assert_eq!((row.nodes, row.peak_pending), (2, 1));
        assert_eq!(
            (row.peak_cpu_requested_pct, row.peak_memory_requested_pct),
            (50.0, 25.0)
        );
        // CPU: 25 % for 59 s and 50 % for 60 s over 120 s; memory half of that.
        assert_eq!(
            (row.mean_cpu_requested_pct, row.mean_memory_requested_pct),
            (37.3, 18.6)
        );
        // Two nodes for a minute, one for the next.
        assert_eq!(row.node_hours, 0.05);
    }
}
