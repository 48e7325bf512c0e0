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

/// The table, and its verdict: whether every record was found in both traces (but near the
/// end, where the other may have it just after) and every aligned record is within `tolerance`
/// ms of the other once tick races are aligned.
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
        let error = match pair.shift {
            0 => format!("{error:+}ms"),
            shift => format!(
                "{error:+}ms ({}{} tick, {:+}ms)",
                if shift > 0 { "+" } else { "-" },
                SimDuration::from_millis(shift.unsigned_abs()),
                pair.residual()
            ),
        };
        rows.push([
            pair.key.clone(),
            pair.occurrence.to_string(),
            SimTime::from_millis(pair.simulated).to_string(),
            SimTime::from_millis(pair.real).to_string(),
            error,
            relative,
        ]);
    }
    let mut out = grid(&rows, format);
    let bullet = if format == Format::Markdown { "- " } else { "" };
    let mut one_sided = 0;
    for (side, records, in_real) in [
        (sides.a_name, &alignment.only_simulated, false),
        (sides.b_name, &alignment.only_real, true),
    ] {
        for (key, occurrence, at) in records {
            let near_end = alignment.near_end(key, *at, in_real, tolerance);
            one_sided += usize::from(!near_end);
            let at = SimTime::from_millis(*at);
            let _ = write!(out, "{bullet}only in {side}: {key} #{occurrence} at {at}");
            match (near_end, alignment.end) {
                (true, Some(end)) => {
                    let end = SimTime::from_millis(end);
                    let _ = writeln!(
                        out,
                        " (near the end at {end}: the other run may have it just after)"
                    );
                }
                _ => out.push('\n'),
            }
        }
    }
    for race in &alignment.races {
        let pair = &alignment.pairs[race.first];
        let (later, period) = (
            if race.shift > 0 { "later" } else { "earlier" },
            SimDuration::from_millis(race.shift.unsigned_abs()),
        );
        let _ = writeln!(
            out,
            "{bullet}tick race: from {} #{} on, {} sees it one {period} tick {later} than {}; \
             their ticks were {}ms apart around the effect",
            pair.key, pair.occurrence, sides.b_name, sides.a_name, race.size
        );
    }
    let outside = alignment
        .pairs
        .iter()
        .filter(|p| p.residual().unsigned_abs() > tolerance)
        .count();
    if let Some((median, p95, max)) = align::error_stats(&alignment.pairs) {
        let aligned = match alignment.races.len() {
            0 => String::new(),
            n => format!(", {n} tick race(s) aligned"),
        };
        let _ = writeln!(
            out,
            "{bullet}absolute error over {} record(s){aligned}: median {median}ms, p95 {p95}ms, max {max}ms",
            alignment.pairs.len()
        );
    }
    let tolerance_text = SimDuration::from_millis(tolerance);
    let mut failures = Vec::new();
    if outside > 0 {
        failures.push(format!(
            "{outside} record(s) out of tolerance ({tolerance_text})"
        ));
    }
    if one_sided > 0 {
        failures.push(format!("{one_sided} record(s) found in one trace only"));
    }
    if failures.is_empty() {
        let _ = writeln!(out, "{bullet}verdict: within tolerance ({tolerance_text})");
    } else {
        let _ = writeln!(out, "{bullet}verdict: {}", failures.join(", "));
    }
    (out, failures.is_empty())
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
            shift: 0,
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
            races: Vec::new(),
            end: None,
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
             verdict: 1 record(s) out of tolerance (1.1s), 1 record(s) found in one trace only\n"
        );
    }

    // A record in one run only fails the verdict, however close the others are: four OOM kills
    // in the real run that the simulated one never has are not "within".
    #[test]
    fn a_record_found_in_one_trace_only_fails_the_verdict() {
        let mut one_sided = alignment();
        one_sided.pairs.truncate(1);
        one_sided.only_simulated.clear();
        let (table, within) = table(&one_sided, 1100, &VALIDATE, Format::Text);
        assert!(within, "{table}");
        let terminated = "Pod/default/p container app terminated OOMKilled";
        one_sided.only_real = (1..=4)
            .map(|n| (terminated.to_string(), n, 2000 * n as u64))
            .collect();
        let (table, within) = super::table(&one_sided, 1100, &VALIDATE, Format::Text);
        assert!(!within);
        assert_eq!(
            table,
            "RECORD                        #   SIMULATED   REAL   ERROR   RELATIVE\n\
             Pod/default/p event Started   1   62ms        9ms    -53ms   -85.5%\n\
             only in the real run: Pod/default/p container app terminated OOMKilled #1 at 2s\n\
             only in the real run: Pod/default/p container app terminated OOMKilled #2 at 4s\n\
             only in the real run: Pod/default/p container app terminated OOMKilled #3 at 6s\n\
             only in the real run: Pod/default/p container app terminated OOMKilled #4 at 8s\n\
             absolute error over 1 record(s): median 53ms, p95 53ms, max 53ms\n\
             verdict: 4 record(s) found in one trace only\n"
        );
    }

    // Both runs are cut at the same instant: a record just before it in one may come just
    // after it in the other. Listed, not failed.
    #[test]
    fn a_record_in_one_trace_only_near_the_end_is_listed_not_failed() {
        let mut cut = alignment();
        cut.pairs.truncate(1);
        cut.end = Some(15_200);
        let (table, within) = table(&cut, 500, &VALIDATE, Format::Text);
        assert!(within, "{table}");
        assert_eq!(
            table,
            "RECORD                        #   SIMULATED   REAL   ERROR   RELATIVE\n\
             Pod/default/p event Started   1   62ms        9ms    -53ms   -85.5%\n\
             only in the simulated run: Pod/default/p event Killing #2 at 15s (near the end at 15.2s: the other run may have it just after)\n\
             absolute error over 1 record(s): median 53ms, p95 53ms, max 53ms\n\
             verdict: within tolerance (500ms)\n"
        );
        cut.end = Some(15_600);
        let (_, within) = super::table(&cut, 500, &VALIDATE, Format::Text);
        assert!(!within);
    }

    // `touch /tmp/healthy; sleep 30; rm ...` probed every 5 s: the real probe ran 12 ms before
    // the `rm` where the simulated one ran after it, so the real run sees the file gone one
    // period later, and everything after follows a period late.
    #[test]
    fn a_tick_race_is_aligned_and_reported_with_its_size() {
        let unhealthy = "Pod/default/p event Unhealthy spec.containers{app}";
        let mut race = Alignment {
            pairs: vec![
                pair("Pod/default/p event Started spec.containers{app}", 62, 40),
                pair(unhealthy, 30_062, 35_050),
                pair(
                    "Pod/default/p event Killing spec.containers{app}",
                    30_062,
                    35_051,
                ),
                pair(
                    "Pod/default/p container app terminated Error",
                    32_100,
                    37_150,
                ),
            ],
            ..Alignment::default()
        };
        let (_, within) = table(&race, 500, &VALIDATE, Format::Text);
        assert!(!within, "three records a period late fail without the race");
        race.align_tick_races(500, &[1000, 5000]);
        let (table, within) = super::table(&race, 500, &VALIDATE, Format::Text);
        assert!(within, "{table}");
        assert_eq!(
            table,
            "RECORD                                               #   SIMULATED   REAL      ERROR                       RELATIVE\n\
             Pod/default/p event Started spec.containers{app}     1   62ms        40ms      -22ms                       -35.5%\n\
             Pod/default/p event Unhealthy spec.containers{app}   1   30.062s     35.05s    +4988ms (+5s tick, -12ms)   +16.6%\n\
             Pod/default/p event Killing spec.containers{app}     1   30.062s     35.051s   +4989ms (+5s tick, -11ms)   +16.6%\n\
             Pod/default/p container app terminated Error         1   32.1s       37.15s    +5050ms (+5s tick, +50ms)   +15.7%\n\
             tick race: from Pod/default/p event Unhealthy spec.containers{app} #1 on, the real run sees it one 5s tick later than the simulated run; their ticks were 12ms apart around the effect\n\
             absolute error over 4 record(s), 1 tick race(s) aligned: median 12ms, p95 50ms, max 50ms\n\
             verdict: within tolerance (500ms)\n"
        );
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
             - verdict: 1 record(s) out of tolerance (1.1s), 1 record(s) found in one trace only\n"
        );
    }
}
