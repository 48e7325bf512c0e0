//! `kubesim plan`: the smallest count of one node group that schedules every pod, leaves the
//! requested headroom of CPU and memory free, and (if asked) still schedules every pod after
//! losing its busiest node. It assumes more nodes never hurt (monotonic), so it bisects.

use serde_json::Value;

use super::row::{run, Row};
use super::Sweep;
use crate::engine::SimDuration;

/// How long after the node is removed the run goes on: PodGC deletes its pods 40-60 s later,
/// then the controllers replace them and the scheduler places the replacements.
pub const AFTER_FAILURE: SimDuration = SimDuration::from_secs(180);

/// What to plan for.
pub struct Ask {
    /// The index of the node group in `spec.nodes`.
    pub group: usize,
    /// The share of CPU and memory that must stay unrequested, in percent.
    pub headroom_pct: f64,
    /// Also survive the loss of the busiest node.
    pub survive_node_failure: bool,
    /// The largest count tried.
    pub max: u32,
}

/// One count tried.
#[derive(Debug, Clone)]
pub struct Trial {
    pub count: u32,
    pub row: Row,
    /// The node removed and the pods left pending after it, when failure was tried.
    pub failure: Option<(String, usize)>,
    pub fits: bool,
}

/// The answer (none up to `max`) and every count tried, in count order.
pub fn plan(sweep: &Sweep, ask: &Ask) -> Result<(Option<u32>, Vec<Trial>), String> {
    let mut trials: Vec<Trial> = Vec::new();
    let (mut low, mut high) = (1, ask.max);
    let mut answer = None;
    while low <= high {
        let count = low + (high - low) / 2;
        let trial = try_count(sweep, ask, count)?;
        if trial.fits {
            answer = Some(count);
            high = count - 1;
        } else {
            low = count + 1;
        }
        trials.push(trial);
    }
    trials.sort_by_key(|t| t.count);
    Ok((answer, trials))
}

/// The scenario with the group at `count` nodes.
fn with_count(sweep: &Sweep, ask: &Ask, count: u32) -> Value {
    let mut doc = sweep.doc().clone();
    doc["spec"]["nodes"][ask.group]["count"] = Value::from(count);
    doc
}

fn try_count(sweep: &Sweep, ask: &Ask, count: u32) -> Result<Trial, String> {
    let doc = with_count(sweep, ask, count);
    let scenario = sweep.load(&doc, &format!("count {count}"))?;
    let metrics = run(&scenario)?;
    let row = Row::of(count as usize, vec![count.to_string()], &scenario, &metrics);
    let limit = 100.0 - ask.headroom_pct;
    let mut fits = row.pending == 0
        && row.peak_cpu_requested_pct <= limit
        && row.peak_memory_requested_pct <= limit;
    let mut failure = None;
    if ask.survive_node_failure && fits {
        // The node with the most CPU requested at the end (the first by name on a tie).
        let busiest = metrics
            .nodes
            .iter()
            .map(|(name, series)| (name, series.last().map_or(0, |a| a.milli_cpu)))
            .fold(
                None,
                |best: Option<(&String, i64)>, (name, cpu)| match best {
                    Some((_, top)) if top >= cpu => best,
                    _ => Some((name, cpu)),
                },
            )
            .map(|(name, _)| name.clone())
            .ok_or("the scenario has no node")?;
        let mut doc = doc;
        let end = SimDuration::from_millis(scenario.duration.as_millis());
        let timeline = doc["spec"]
            .as_object_mut()
            .expect("a scenario's spec is a mapping")
            .entry("timeline")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(entries) = timeline.as_array_mut() {
            entries.push(serde_json::json!({
                "at": end.to_string(),
                "simulate": format!("node-remove {busiest}"),
            }));
        }
        doc["spec"]["duration"] = Value::from((end + AFTER_FAILURE).to_string());
        let scenario = sweep.load(&doc, &format!("count {count} without {busiest}"))?;
        let after = Row::of(0, Vec::new(), &scenario, &run(&scenario)?);
        fits = after.pending == 0;
        failure = Some((busiest, after.pending));
    }
    Ok(Trial {
        count,
        row,
        failure,
        fits,
    })
}
