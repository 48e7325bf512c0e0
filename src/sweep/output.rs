//! A sweep's results on disk: `results.csv`, `results.json` (which shard outputs also write,
//! and `sweep merge` reads back) and one SVG plot per chosen metric, plus the table printed on
//! a terminal. Written from the rows alone, so merged shards give the unsharded bytes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::row::{Row, METRICS};
use super::Shard;
use crate::report::charts;
use crate::trace::deviation::{self, Format};

/// Everything `results.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The scenario file swept.
    pub scenario: String,
    /// Each axis's name and values, in order.
    pub axes: Vec<(String, Vec<String>)>,
    /// How many points the whole sweep has.
    pub points: usize,
    /// Which share of the points these rows are (none: all of them).
    pub shard: Option<(usize, usize)>,
    pub rows: Vec<Row>,
}

impl Results {
    /// Results of `rows`, the share `shard` of a sweep.
    pub fn new(
        scenario: &str,
        axes: Vec<(String, Vec<String>)>,
        points: usize,
        shard: Option<Shard>,
        rows: Vec<Row>,
    ) -> Results {
        Results {
            scenario: scenario.to_string(),
            axes,
            points,
            shard: shard.map(|s| (s.index, s.of)),
            rows,
        }
    }

    /// The CSV: a header, then one line per row.
    pub fn csv(&self) -> String {
        let mut header: Vec<String> = vec!["point".into()];
        header.extend(self.axes.iter().map(|(name, _)| name.clone()));
        header.extend(METRICS.iter().map(|m| m.to_string()));
        let mut out = csv_line(&header);
        for row in &self.rows {
            out.push_str(&csv_line(&self.cells(row)));
        }
        out
    }

    /// A row's cells: its point, its values, then its metrics (empty when absent).
    fn cells(&self, row: &Row) -> Vec<String> {
        let mut cells = vec![row.point.to_string()];
        cells.extend(row.values.iter().cloned());
        cells.extend(
            METRICS
                .iter()
                .map(|m| row.metric(m).map(|v| v.to_string()).unwrap_or_default()),
        );
        cells
    }

    /// The table for a terminal: the values and the metrics that matter most.
    pub fn table(&self) -> String {
        const SHOWN: [&str; 7] = [
            "scheduled",
            "pending",
            "peak_pending",
            "p99_startup_ms",
            "peak_cpu_requested_pct",
            "peak_memory_requested_pct",
            "node_hours",
        ];
        let mut header: Vec<String> = self.axes.iter().map(|(n, _)| n.clone()).collect();
        header.extend(SHOWN.iter().map(|m| m.to_string()));
        let mut rows = vec![header];
        for row in &self.rows {
            let mut cells = row.values.clone();
            cells.extend(SHOWN.iter().map(|m| {
                row.metric(m)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into())
            }));
            rows.push(cells);
        }
        deviation::grid(&rows, Format::Text)
    }

    /// Writes `results.csv`, `results.json` and a plot of each of `metrics` into `dir`.
    pub fn write(&self, dir: &Path, metrics: &[String]) -> Result<(), String> {
        let io = |file: &Path, e: std::io::Error| format!("cannot write {}: {e}", file.display());
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let json = serde_json::to_string_pretty(self).expect("results serialise") + "\n";
        for (name, text) in [("results.csv", self.csv()), ("results.json", json)] {
            let file = dir.join(name);
            std::fs::write(&file, text).map_err(|e| io(&file, e))?;
        }
        for metric in metrics {
            let file = crate::report::files::under(dir, metric, ".svg")?;
            std::fs::write(&file, self.plot(metric)?).map_err(|e| io(&file, e))?;
        }
        Ok(())
    }

    /// `metric` against the first axis, one line per combination of the other axes' values.
    /// The first axis's values are the x positions when they are all numbers, else 0, 1, 2...
    fn plot(&self, metric: &str) -> Result<String, String> {
        let (x_name, x_values) = self.axes.first().ok_or("a sweep has at least one axis")?;
        let numeric = x_values.iter().all(|v| v.parse::<f64>().is_ok());
        let x_of = |value: &str| match numeric {
            true => value.parse::<f64>().unwrap_or(0.0),
            false => x_values.iter().position(|v| v == value).unwrap_or(0) as f64,
        };
        let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for row in &self.rows {
            let Some(y) = row.metric(metric) else {
                continue;
            };
            let label = self
                .axes
                .iter()
                .zip(&row.values)
                .skip(1)
                .map(|((name, _), v)| format!("{name}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            series
                .entry(label)
                .or_default()
                .push((x_of(&row.values[0]), y));
        }
        let x_desc = if numeric {
            x_name.clone()
        } else {
            format!("{x_name} ({})", x_values.join(", "))
        };
        charts::series_chart(
            &format!("{metric} against {x_name}"),
            &x_desc,
            metric,
            series.into_iter().collect(),
        )
        .map_err(|e| format!("drawing {metric}: {e}"))
    }

    /// Combines shard results into the whole sweep's: the same scenario and axes, every point
    /// exactly once.
    pub fn merge(parts: Vec<Results>) -> Result<Results, String> {
        let first = parts.first().ok_or("nothing to merge")?.clone();
        let mut rows: Vec<Row> = Vec::new();
        for part in parts {
            if (&part.scenario, &part.axes, part.points)
                != (&first.scenario, &first.axes, first.points)
            {
                return Err(format!(
                    "the shards are of different sweeps ({} and {}, or other --set values)",
                    first.scenario, part.scenario
                ));
            }
            rows.extend(part.rows);
        }
        rows.sort_by_key(|r| r.point);
        for (expected, row) in rows.iter().enumerate() {
            if row.point != expected {
                let what = if row.point < expected {
                    "twice"
                } else {
                    "missing"
                };
                let n = row.point.min(expected);
                return Err(format!(
                    "point {n} is {what}: merge the output of every shard once"
                ));
            }
        }
        if rows.len() != first.points {
            return Err(format!(
                "points {}..{} are missing: merge the output of every shard",
                rows.len(),
                first.points - 1
            ));
        }
        Ok(Results {
            shard: None,
            rows,
            ..first
        })
    }
}

/// One CSV line; a cell with a comma, quote or newline is quoted, its quotes doubled.
fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    quoted.join(",") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let cells = ["a".to_string(), "b,c".to_string(), "say \"hi\"".to_string()];
        assert_eq!(csv_line(&cells), "a,\"b,c\",\"say \"\"hi\"\"\"\n");
    }
}
