//! Hostile and oversized inputs through the built binary: each ends in kubectl's or the API's
//! words (or a stated kubesim limit) and exit 2, or plays out saturated, never in a panic or an
//! unbounded allocation. The in-process mutation set is tests/fuzz.rs.

mod common;

use common::{kubesim, stderr, stdout};

const FIXTURES: &str = "tests/fixtures/inputs";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// No panic reached the user: the process ended by itself with a code, and printed no Rust panic.
fn assert_no_panic(o: &std::process::Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert!(o.status.code().is_some(), "killed by a signal: {err}");
}

#[test]
fn durations_past_the_representable_range_saturate_to_never() {
    // A sleep of 10^17 s (twice), a Job deadline and a grace period of i64::MAX seconds: the
    // sleeper keeps running, its deletion waits out a grace period that never ends, and the
    // Job's deadline never comes.
    let o = kubesim(&[
        "get",
        "pods",
        "-f",
        &fixture("huge-durations.yaml"),
        "--at",
        "9m",
    ]);
    assert_no_panic(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let status = |pod: &str| {
        out.lines()
            .find(|l| l.starts_with(pod))
            .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
    };
    assert_eq!(status("sleeper").as_deref(), Some("Terminating"), "{out}");
    assert_eq!(status("deadline-").as_deref(), Some("Running"), "{out}");
}
