//! The report's numbers as titled tables, shared by the Markdown summary and the HTML page so
//! both say exactly the same.

use std::collections::BTreeMap;

use super::metrics::{percentile, Metrics};
use super::{cpu, duration, memory};
use crate::trace::Header;

/// The Kubernetes pod startup SLO: p99 within 5 s.
// K8S: kubernetes/community sig-scalability/slos/pod_startup_latency.md
pub const STARTUP_SLO_MS: u64 = 5_000;

/// How many pods the restarts table lists at most.
const MOST_RESTARTED: usize = 20;

/// A titled table: a header row and rows of cells, as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub title: String,
    /// A sentence under the title saying what the table counts.
    pub note: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The report's title and its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub title: String,
    /// Where the numbers come from: scenario, seed, kubesim version, digest, end.
    pub source: String,
    pub tables: Vec<Table>,
}

/// Builds every table of a report.
pub fn tables(header: &Header, metrics: &Metrics) -> Tables {
    Tables {
        title: format!("kubesim report: {}", header.scenario),
        source: format!(
            "Trace of scenario `{}`, seed {}, kubesim {}, {}; last record at {}.",
            header.scenario,
            header.seed,
            header.kubesim,
            header.digest,
            duration(metrics.end)
        ),
        tables: vec![
            pods(metrics),
            latency(metrics),
            nodes(metrics),
            most_restarted(metrics),
        ],
    }
}

fn strings<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn pods(m: &Metrics) -> Table {
    let count = |f: fn(&super::metrics::PodRun) -> bool| m.pods.iter().filter(|p| f(p)).count();
    let (most, at) = m.unscheduled.iter().fold(
        (0, 0),
        |best, &(t, n)| if n > best.0 { (n, t) } else { best },
    );
    let most = if most == 0 {
        "0".to_string()
    } else {
        format!("{most} at {}", duration(at))
    };
    Table {
        title: "Pods".into(),
        note:
            "Counted over the whole trace; unscheduled means created and not yet bound to a node."
                .into(),
        columns: strings([
            "created",
            "bound",
            "became Ready",
            "deleted",
            "container restarts",
            "OOMKilled",
            "most unscheduled at once",
        ]),
        rows: vec![vec![
            m.pods.len().to_string(),
            count(|p| p.bound.is_some()).to_string(),
            count(|p| p.ready.is_some()).to_string(),
            count(|p| p.deleted.is_some()).to_string(),
            m.restarts.len().to_string(),
            m.oom_kills.len().to_string(),
            most,
        ]],
    }
}

fn latency(m: &Metrics) -> Table {
    let row = |name: &str, values: &[u64], slo: Option<u64>| {
        let at = |p| percentile(values, p).map_or("-".to_string(), duration);
        let verdict = match (slo, percentile(values, 99)) {
            (Some(slo), Some(p99)) if p99 <= slo => format!("met (p99 ≤ {})", duration(slo)),
            (Some(slo), Some(_)) => format!("missed (p99 > {})", duration(slo)),
            _ => "-".to_string(),
        };
        vec![
            name.to_string(),
            values.len().to_string(),
            at(50),
            at(90),
            at(99),
            values.last().map_or("-".to_string(), |v| duration(*v)),
            verdict,
        ]
    };
    Table {
        title: "Latency".into(),
        note: "Nearest-rank percentiles. Startup counts image pulls and init containers, which the Kubernetes SLO excludes.".into(),
        columns: strings(["latency", "pods", "p50", "p90", "p99", "max", "SLO"]),
        rows: vec![
            row(
                "scheduling (created → bound)",
                &m.scheduling_latencies(),
                None,
            ),
            row(
                "startup (created → Ready)",
                &m.startup_latencies(),
                Some(STARTUP_SLO_MS),
            ),
        ],
    }
}

fn nodes(m: &Metrics) -> Table {
    let mut bound: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, node) in m.pods.iter().filter_map(|p| p.bound.as_ref()) {
        *bound.entry(node).or_default() += 1;
    }
    let rows = m
        .nodes
        .iter()
        .map(|(name, steps)| {
            let bound = bound.get(name.as_str()).copied().unwrap_or(0);
            let peak = |f: fn(&super::metrics::Allocation) -> i64| {
                steps
                    .iter()
                    .fold(None, |best: Option<(i64, u64)>, s| match best {
                        Some((v, _)) if v >= f(s) => best,
                        _ => Some((f(s), s.t)),
                    })
            };
            let show = |peak: Option<(i64, u64)>, unit: fn(i64) -> String| match peak {
                Some((v, t)) if v > 0 => format!("{} at {}", unit(v), duration(t)),
                _ => "0".to_string(),
            };
            let used = m.memory_used.get(name).and_then(|readings| {
                readings
                    .iter()
                    .fold(None, |best: Option<(i64, u64)>, &(t, v)| match best {
                        Some((b, _)) if b >= v => best,
                        _ => Some((v, t)),
                    })
            });
            vec![
                name.clone(),
                bound.to_string(),
                show(peak(|s| s.milli_cpu), cpu),
                show(peak(|s| s.memory), memory),
                show(used, memory),
            ]
        })
        .collect();
    Table {
        title: "Nodes".into(),
        note: "Requests of the pods bound to each node, from binding until the pod succeeds, fails or is deleted (as `kubectl describe node` counts allocated resources); memory used as the node's kubelet read it every 10 s.".into(),
        columns: strings([
            "node",
            "pods bound",
            "peak CPU requested",
            "peak memory requested",
            "peak memory used",
        ]),
        rows,
    }
}

fn most_restarted(m: &Metrics) -> Table {
    let mut pods: Vec<_> = m.pods.iter().filter(|p| p.restarts > 0).collect();
    pods.sort_by(|a, b| b.restarts.cmp(&a.restarts).then(a.created.cmp(&b.created)));
    let rows = pods
        .iter()
        .take(MOST_RESTARTED)
        .map(|p| {
            vec![
                format!("{}/{}", p.namespace, p.name),
                p.bound.as_ref().map_or("-".to_string(), |(_, n)| n.clone()),
                p.restarts.to_string(),
                p.oom_kills.to_string(),
                p.ready
                    .map_or("never".to_string(), |r| duration(r - p.created)),
            ]
        })
        .collect();
    Table {
        title: "Most restarted pods".into(),
        note: format!(
            "Pods whose containers restarted, most restarts first (at most {MOST_RESTARTED})."
        ),
        columns: strings(["pod", "node", "restarts", "OOMKilled", "Ready after"]),
        rows,
    }
}
