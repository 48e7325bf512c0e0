//! Two aligned traces as a table of instants: each record's instant in both, the error, the
//! records found in one only, the error statistics and a verdict against a tolerance. Used by
//! `kubesim validate` (simulated against real) and `kubesim diff --time-tolerance` (any two
//! traces), as text for a terminal or Markdown for CI logs.

use std::fmt::Write as _;

use super::align::{self, Alignment};
use crate::engine::{SimDuration, SimTime};

/// How the two traces are named: in the table's header, and in "only in ..." lines.
pub struct Sides<'a> {
    pub a_header: &'a str,
    pub b_header: &'a str,
    pub a_name: &'a str,
    pub b_name: &'a str,
}

/// `kubesim validate`'s sides.
pub const VALIDATE: Sides<'static> = Sides {
    a_header: "SIMULATED",
    b_header: "REAL",
    a_name: "the simulated run",
    b_name: "the real run",
};

/// Plain columns for a terminal, or a Markdown table for CI logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
}

/// The table, and whether every aligned record is within `tolerance` ms of the other.
pub fn table(
    alignment: &Alignment,
    tolerance: u64,
    sides: &Sides<'_>,
    format: Format,
) -> (String, bool) {
    let mut rows = vec![[
        "RECORD".to_string(),
        "#".to_string(),
        sides.a_header.to_string(),
        sides.b_header.to_string(),
        "ERROR".to_string(),
        "RELATIVE".to_string(),
    ]];
    for pair in &alignment.pairs {
        let error = pair.error();
        let relative = match pair.simulated {
            0 => "-".to_string(),
            at => format!("{:+.1}%", error as f64 * 100.0 / at as f64),
        };
        rows.push([
            pair.key.clone(),
            pair.occurrence.to_string(),
            SimTime::from_millis(pair.simulated).to_string(),
            SimTime::from_millis(pair.real).to_string(),
            format!("{error:+}ms"),
            relative,
        ]);
    }
    let mut out = grid(&rows, format);
    let bullet = if format == Format::Markdown { "- " } else { "" };
    for (side, records) in [
        (sides.a_name, &alignment.only_simulated),
        (sides.b_name, &alignment.only_real),
    ] {
        for (key, occurrence, at) in records {
            let at = SimTime::from_millis(*at);
            let _ = writeln!(out, "{bullet}only in {side}: {key} #{occurrence} at {at}");
        }
    }
    let outside = alignment
        .pairs
        .iter()
        .filter(|p| p.error().unsigned_abs() > tolerance)
        .count();
    if let Some((median, p95, max)) = align::error_stats(&alignment.pairs) {
        let _ = writeln!(
            out,
            "{bullet}absolute error over {} record(s): median {median}ms, p95 {p95}ms, max {max}ms",
            alignment.pairs.len()
        );
    }
    let tolerance_text = SimDuration::from_millis(tolerance);
    if outside == 0 {
        let _ = writeln!(out, "{bullet}verdict: within tolerance ({tolerance_text})");
    } else {
        let _ = writeln!(
            out,
            "{bullet}verdict: {outside} record(s) out of tolerance ({tolerance_text})"
        );
    }
    (out, outside == 0)
}

/// Rows (the first is the header) as left-aligned columns three spaces apart, or as a
/// Markdown table.
pub fn grid<R: AsRef<[String]>>(rows: &[R], format: Format) -> String {
    match format {
        Format::Text => columns(rows),
        Format::Markdown => markdown(rows),
    }
}

/// Rows as left-aligned columns three spaces apart.
fn columns<R: AsRef<[String]>>(rows: &[R]) -> String {
    let n = rows.first().map_or(0, |r| r.as_ref().len());
    let widths: Vec<usize> = (0..n)
        .map(|i| rows.iter().map(|r| r.as_ref()[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .as_ref()
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("   ").trim_end());
        out.push('\n');
    }
    out
}

/// Rows as a Markdown table, the first as its header; `|` in a cell is escaped.
fn markdown<R: AsRef<[String]>>(rows: &[R]) -> String {
    let line = |row: &R| {
        let row = row.as_ref();
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(&rows[0]);
    out.push('|');
    out.push_str(&"---|".repeat(rows[0].as_ref().len()));
    out.push('\n');
    for row in &rows[1..] {
        out.push_str(&line(row));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::align::Pair;

    fn pair(key: &str, simulated: u64, real: u64) -> Pair {
        Pair {
            key: key.to_string(),
            occurrence: 1,
            simulated,
            real,
        }
    }

    fn alignment() -> Alignment {
        Alignment {
            pairs: vec![
                pair("Pod/default/p event Started", 62, 9),
                pair("Pod/default/p event Unhealthy", 6000, 7200),
            ],
            only_simulated: vec![("Pod/default/p event Killing".into(), 2, 15000)],
            only_real: Vec::new(),
        }
    }

    #[test]
    fn the_table_shows_each_error_and_the_verdict() {
        let (table, within) = table(&alignment(), 1100, &VALIDATE, Format::Text);
        assert!(!within);
        assert_eq!(
            table,
            "RECORD                          #   SIMULATED   REAL   ERROR     RELATIVE\n\
             Pod/default/p event Started     1   62ms        9ms    -53ms     -85.5%\n\
             Pod/default/p event Unhealthy   1   6s          7.2s   +1200ms   +20.0%\n\
             only in the simulated run: Pod/default/p event Killing #2 at 15s\n\
             absolute error over 2 record(s): median 53ms, p95 1200ms, max 1200ms\n\
             verdict: 1 record(s) out of tolerance (1.1s)\n"
        );
        let (_, within) = super::table(&alignment(), 1200, &VALIDATE, Format::Text);
        assert!(within);
    }

    #[test]
    fn markdown_for_ci_logs() {
        let sides = Sides {
            a_header: "A",
            b_header: "B",
            a_name: "a.jsonl",
            b_name: "b.jsonl",
        };
        let (table, _) = table(&alignment(), 1100, &sides, Format::Markdown);
        assert_eq!(
            table,
            "| RECORD | # | A | B | ERROR | RELATIVE |\n\
             |---|---|---|---|---|---|\n\
             | Pod/default/p event Started | 1 | 62ms | 9ms | -53ms | -85.5% |\n\
             | Pod/default/p event Unhealthy | 1 | 6s | 7.2s | +1200ms | +20.0% |\n\
             \n\
             - only in a.jsonl: Pod/default/p event Killing #2 at 15s\n\
             - absolute error over 2 record(s): median 53ms, p95 1200ms, max 1200ms\n\
             - verdict: 1 record(s) out of tolerance (1.1s)\n"
        );
    }
}
