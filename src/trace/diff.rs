//! Comparing two traces: identical, or the first diverging record with context and how the
//! counts of each event reason differ.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// The result of a comparison, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffReport {
    pub identical: bool,
    pub text: String,
}

/// Compares two traces given as text. Lines are compared as written, so any byte of difference
/// counts; the report shows the first differing line with two lines of context.
pub fn diff(a_name: &str, a: &str, b_name: &str, b: &str) -> DiffReport {
    let a_lines: Vec<&str> = a.lines().collect();
    let b_lines: Vec<&str> = b.lines().collect();
    let first = (0..a_lines.len().max(b_lines.len())).find(|&i| a_lines.get(i) != b_lines.get(i));
    let Some(i) = first else {
        return DiffReport {
            identical: true,
            text: format!("identical: {} lines\n", a_lines.len()),
        };
    };
    let mut text = String::new();
    let what = if i == 0 {
        "headers differ"
    } else {
        "first difference"
    };
    let _ = writeln!(
        text,
        "{what} at line {} ({}):",
        i + 1,
        describe_line(a_lines.get(i).or(b_lines.get(i)).copied())
    );
    for line in &a_lines[i.saturating_sub(2)..i] {
        let _ = writeln!(text, "  {line}");
    }
    let _ = writeln!(
        text,
        "- {a_name}: {}",
        a_lines.get(i).copied().unwrap_or("<end of trace>")
    );
    let _ = writeln!(
        text,
        "+ {b_name}: {}",
        b_lines.get(i).copied().unwrap_or("<end of trace>")
    );
    let (ca, cb) = (reason_counts(&a_lines), reason_counts(&b_lines));
    let reasons: std::collections::BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
    let changed: Vec<_> = reasons
        .into_iter()
        .filter(|r| ca.get(*r) != cb.get(*r))
        .map(|r| {
            (
                r,
                ca.get(r).copied().unwrap_or(0),
                cb.get(r).copied().unwrap_or(0),
            )
        })
        .collect();
    if changed.is_empty() {
        let _ = writeln!(text, "event counts by reason: the same in both");
    } else {
        let _ = writeln!(text, "event counts by reason ({a_name} → {b_name}):");
        for (reason, x, y) in changed {
            let _ = writeln!(text, "  {reason}: {x} → {y}");
        }
    }
    let _ = writeln!(
        text,
        "records: {} → {}",
        a_lines.len().saturating_sub(1),
        b_lines.len().saturating_sub(1)
    );
    DiffReport {
        identical: false,
        text,
    }
}

fn describe_line(line: Option<&str>) -> String {
    let Some(value) = line.and_then(|l| serde_json::from_str::<Value>(l).ok()) else {
        return "unparsable line".to_string();
    };
    match (value.get("time"), value.get("object")) {
        (Some(time), Some(object)) => format!(
            "t={} {}/{}",
            time.as_str().unwrap_or("?"),
            object["kind"].as_str().unwrap_or("?"),
            object["name"].as_str().unwrap_or("?")
        ),
        _ => "header".to_string(),
    }
}

fn reason_counts(lines: &[&str]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in lines {
        if let Ok(value) = serde_json::from_str::<Value>(line) {
            if let Some(reason) = value.pointer("/event/reason").and_then(Value::as_str) {
                *counts.entry(reason.to_string()).or_default() += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_first_difference_and_counts() {
        let a = "{\"format\":1}\n{\"time\":\"1s\",\"object\":{\"kind\":\"Pod\",\"name\":\"a\"},\"event\":{\"reason\":\"Pulled\"}}\n";
        let b = "{\"format\":1}\n{\"time\":\"2s\",\"object\":{\"kind\":\"Pod\",\"name\":\"a\"},\"event\":{\"reason\":\"BackOff\"}}\n";
        assert!(diff("a", a, "b", a).identical);
        let report = diff("a", a, "b", b);
        assert!(!report.identical);
        assert!(
            report
                .text
                .starts_with("first difference at line 2 (t=1s Pod/a):"),
            "{}",
            report.text
        );
        assert!(
            report.text.contains("  BackOff: 0 → 1\n  Pulled: 1 → 0\n"),
            "{}",
            report.text
        );
    }
}
