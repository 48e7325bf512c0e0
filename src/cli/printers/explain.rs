//! `kubesim explain pod`'s scheduling section: the scheduler's reasoning for a pod's last scheduling attempt, as
//! readable tables: every node's filter verdict, then each score plugin's normalized (and raw)
//! score on every feasible node, and the weighted totals that chose the winner.

use std::fmt::Write as _;

use super::table::get_table;
use crate::engine::SimTime;
use crate::model::Pod;
use crate::scheduler::explain::{Explanation, Verdict};

/// The explanation of the pod's last attempt, or why there is none.
pub fn pod(pod: &Pod, last: Option<&(SimTime, Explanation)>, now: SimTime) -> String {
    let (ns, name) = (&pod.meta.namespace, &pod.meta.name);
    let mut out = String::new();
    let Some((at, e)) = last else {
        let why = match &pod.node_name {
            Some(node) => format!(
                "was never scheduled: its spec.nodeName names {node}, so the kubelet took it directly"
            ),
            None if pod.meta.creation > now => "does not exist yet".to_string(),
            None => format!(
                "has had no scheduling attempt by {now}: no scheduler profile answers to schedulerName \"{}\"",
                pod.spec.scheduler_name
            ),
        };
        let _ = writeln!(out, "Pod {ns}/{name} {why}.");
        return out;
    };
    let outcome = match &e.chosen {
        Some(node) => format!("assigned to {node}"),
        None => "no node fits".to_string(),
    };
    let _ = writeln!(
        out,
        "Pod {ns}/{name}: last scheduling attempt at {at} by {}: {outcome}.",
        e.profile
    );
    if e.chosen.is_none() {
        if let Some(c) = pod.status.condition("PodScheduled") {
            if let Some(message) = &c.message {
                let _ = writeln!(out, "  {message}");
            }
        }
        if let Some(node) = &pod.status.nominated_node_name {
            let _ = writeln!(
                out,
                "  Preemption nominated {node}: the pod waits there for its victims to terminate."
            );
        }
    }
    out.push('\n');
    out.push_str(&filters(e));
    if !e.scores.is_empty() {
        out.push('\n');
        out.push_str(&scores(e));
    }
    if let Some(why) = winner(e) {
        let _ = writeln!(out, "\n{why}");
    }
    out
}

fn filters(e: &Explanation) -> String {
    let mut rows = vec![vec!["NODE".to_string(), "FILTERS".to_string()]];
    for n in &e.nodes {
        let verdict = match &n.verdict {
            Verdict::Feasible => "passed".to_string(),
            Verdict::Rejected { plugin, reasons } => {
                format!("rejected by {plugin}: {}", reasons.join(", "))
            }
            Verdict::NotEvaluated => {
                "not evaluated (enough feasible nodes found: percentageOfNodesToScore)".to_string()
            }
        };
        rows.push(vec![n.node.clone(), verdict]);
    }
    get_table(&rows)
}

fn scores(e: &Explanation) -> String {
    let mut header = vec!["SCORE (normalized, raw)".to_string()];
    header.extend(e.feasible.iter().cloned());
    let mut rows = vec![header];
    for p in &e.scores {
        let mut row = vec![format!("{} (weight {})", p.plugin, p.weight)];
        row.extend(
            p.normalized
                .iter()
                .zip(&p.raw)
                .map(|(n, r)| format!("{n} ({r})")),
        );
        rows.push(row);
    }
    let mut total = vec!["TOTAL (weighted sum)".to_string()];
    total.extend(e.totals.iter().map(i64::to_string));
    rows.push(total);
    get_table(&rows)
}

/// How the winner won: the shortcut taken, the highest total, or a tie broken by a draw.
fn winner(e: &Explanation) -> Option<String> {
    let chosen = e.chosen.as_ref()?;
    if let Some(shortcut) = &e.shortcut {
        return Some(format!("{chosen} was chosen: {shortcut}."));
    }
    let best = *e.totals.iter().max()?;
    let tied: Vec<&str> = e
        .feasible
        .iter()
        .zip(&e.totals)
        .filter(|(_, t)| **t == best)
        .map(|(n, _)| n.as_str())
        .collect();
    Some(match tied.len() {
        1 => format!("{chosen} was chosen: it has the highest total, {best}."),
        _ => format!(
            "{chosen} was chosen: {} tie at {best}, and the tie is broken by a draw from the seeded \"scheduler\" stream (upstream draws at random).",
            tied.join(", ")
        ),
    })
}
