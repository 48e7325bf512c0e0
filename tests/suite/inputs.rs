//! Hostile and oversized inputs through the built binary: each ends in kubectl's or the API's
//! words (or a stated kubesim limit) and exit 2, or plays out saturated, never in a panic or an
//! unbounded allocation. The in-process mutation set is tests/suite/fuzz.rs.

use crate::common;

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

/// Runs `kubesim` on `args`, which must be refused as bad input (exit 2, no panic): its stderr.
fn refused(args: &[&str]) -> String {
    let o = kubesim(args);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    stderr(&o)
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

#[test]
fn an_alias_bomb_is_refused_at_once_as_go_yaml_refuses_it() {
    let started = std::time::Instant::now();
    let o = kubesim(&["run", &fixture("alias-bomb.yaml")]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tests/fixtures/inputs/alias-bomb.yaml:12:19: invalid YAML: document contains excessive aliasing\n"
    );
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

#[test]
fn nesting_deeper_than_255_levels_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.yaml");
    let mut text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  deep:\n".to_string();
    for level in 0..2000 {
        text.push_str(&format!("{}a:\n", " ".repeat(4 + level)));
    }
    std::fs::write(&path, text).unwrap();
    assert_eq!(
        refused(&["run", path.to_str().unwrap()]),
        format!(
            "{}:259:258: invalid YAML: exceeded max depth of 255\n",
            path.display()
        )
    );
}

#[test]
fn binary_input_names_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binary.yaml");
    std::fs::write(
        &path,
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: p\xff}\n",
    )
    .unwrap();
    assert_eq!(
        refused(&["run", path.to_str().unwrap()]),
        format!(
            "{}:3:19: invalid leading UTF-8 octet 0xff: not UTF-8 text (a binary file?)\n",
            path.display()
        )
    );
    // A manifest a scenario names is read the same way (it was read lossily before).
    let scenario = dir.path().join("scenario.yaml");
    std::fs::write(
        &scenario,
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  manifests:\n  - path: binary.yaml\n",
    )
    .unwrap();
    let o = kubesim(&["run", scenario.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!("{}:3:19: invalid leading", path.display())),
        "{}",
        stderr(&o)
    );
}

#[test]
fn input_files_are_read_within_a_stated_limit() {
    // /dev/zero has no size to ask for: the limit holds while reading.
    let o = kubesim(&["run", "/dev/zero"]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "/dev/zero: larger than 16 MiB, the most kubesim reads of YAML files\n"
    );
}

#[test]
fn watch_from_after_until_is_a_usage_error() {
    let o = kubesim(&[
        "watch",
        "pods",
        "-f",
        "scenarios/demo.yaml",
        "--from",
        "2m",
        "--until",
        "1m",
    ]);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --from 2m0s is after --until 1m0s: watch plays time forward from --from to --until\n"
    );
    assert_eq!(stdout(&o), "");
}
