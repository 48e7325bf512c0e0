//! What-if sweeps: one scenario run at every point of the cross product of `--set` axes, each
//! point a full deterministic simulation, in parallel on all cores; the results as a table
//! (CSV, JSON) and plots. Points are numbered in row-major order (the first axis varies
//! slowest), which fixes every output's order whatever the number of threads or shards.

pub mod job;
pub mod output;
pub mod plan;
pub mod row;
pub mod set;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::manifest::yaml;
use crate::manifest::InputError;
use crate::scenario::{self, Scenario};
pub use row::Row;
pub use set::Axis;

/// A scenario and the axes it is swept along.
pub struct Sweep {
    /// The scenario document as read, before any `--set`.
    doc: Value,
    /// The scenario file, for messages.
    file: String,
    /// Where the scenario's relative manifest paths resolve.
    base_dir: PathBuf,
    pub axes: Vec<Axis>,
}

/// Which share of the points one process runs: the points whose number modulo `of` is
/// `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub of: usize,
}

impl Shard {
    /// Parses `i/N` (0 ≤ i < N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard \"{text}\": write i/N with 0 <= i < N, e.g. 0/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, of) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if of == 0 || index >= of {
            return Err(bad());
        }
        Ok(Shard { index, of })
    }

    /// Whether point `n` is this shard's.
    pub fn owns(self, n: usize) -> bool {
        n % self.of == self.index
    }
}

impl Sweep {
    /// Reads the scenario at `path` (it must load as it is) and the axes.
    pub fn new(path: &Path, axes: Vec<Axis>) -> Result<Sweep, InputError> {
        let file = path.display().to_string();
        scenario::load(path)?;
        let text = crate::manifest::read::text(path, crate::manifest::read::YAML).map_err(|e| {
            e.into_input(|why| InputError::file(&file, format!("cannot read scenario: {why}")))
        })?;
        let docs = yaml::parse_documents(&text)
            .map_err(|e| InputError::at(&file, e.pos.line, e.pos.column, e.message))?;
        let doc = match docs.as_slice() {
            [doc] if doc.value.get("kind").and_then(Value::as_str) == Some("Scenario") => {
                doc.value.clone()
            }
            _ => {
                return Err(InputError::file(
                    &file,
                    "a sweep needs a scenario file (kind: Scenario), not plain manifests",
                ))
            }
        };
        Ok(Sweep {
            doc,
            file,
            base_dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            axes,
        })
    }

    /// The scenario document as read.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// The scenario file, as named.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// How many points the cross product has.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Whether there is no point (never: every axis has a value).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The axes' values at point `n` (row-major: the last axis varies fastest).
    pub fn values_at(&self, mut n: usize) -> Vec<String> {
        let mut values = vec![String::new(); self.axes.len()];
        for (i, axis) in self.axes.iter().enumerate().rev() {
            values[i] = axis.values[n % axis.values.len()].clone();
            n /= axis.values.len();
        }
        values
    }

    /// The scenario at point `n`: the document with every axis set, loaded.
    pub fn scenario_at(&self, n: usize) -> Result<Scenario, String> {
        let mut doc = self.doc.clone();
        for (axis, value) in self.axes.iter().zip(self.values_at(n)) {
            axis.apply(&mut doc, &value)?;
        }
        self.load(&doc, &self.describe_point(n))
    }

    /// Loads a variant `doc` of the scenario; errors say which variant (`what`).
    pub fn load(&self, doc: &Value, what: &str) -> Result<Scenario, String> {
        let text = serde_json::to_string(doc).expect("a JSON value serialises");
        scenario::load_str(&text, &self.file, &self.base_dir)
            .map_err(|e| format!("{e}\n  (with {what})"))
    }

    /// `a=1, b=2` for point `n`.
    pub fn describe_point(&self, n: usize) -> String {
        self.axes
            .iter()
            .zip(self.values_at(n))
            .map(|(a, v)| format!("{}={v}", a.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Runs the points `shard` owns (all without one) on the current rayon pool, calling
    /// `done` after each; the rows come back in point order.
    pub fn run(&self, shard: Option<Shard>, done: impl Fn() + Sync) -> Result<Vec<Row>, String> {
        let points: Vec<usize> = (0..self.len())
            .filter(|&n| shard.is_none_or(|s| s.owns(n)))
            .collect();
        points
            .par_iter()
            .map(|&n| {
                let scenario = self.scenario_at(n)?;
                let row = Row::measure(n, self.values_at(n), &scenario)
                    .map_err(|e| format!("point {n} ({}): {e}", self.describe_point(n)))?;
                done();
                Ok(row)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_row_major_and_shards_split_them_by_remainder() {
        let sweep = Sweep {
            doc: Value::Null,
            file: "s.yaml".into(),
            base_dir: PathBuf::from("."),
            axes: vec![
                Axis::parse("nodes[0].count=1..3").unwrap(),
                Axis::parse("seed=7,8").unwrap(),
            ],
        };
        assert_eq!(sweep.len(), 6);
        let all: Vec<Vec<String>> = (0..6).map(|n| sweep.values_at(n)).collect();
        assert_eq!(all[0], ["1", "7"]);
        assert_eq!(all[1], ["1", "8"]);
        assert_eq!(all[5], ["3", "8"]);
        let shard = Shard::parse("1/4").unwrap();
        let owned: Vec<usize> = (0..6).filter(|&n| shard.owns(n)).collect();
        assert_eq!(owned, [1, 5]);
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("x").is_err());
    }
}
