//! Reports through the built binary: `kubesim report` and `kubesim run --report` agree byte for
//! byte, bad traces are refused with file and line, and the curated examples in `reports/`
//! never drift (refresh them with `KUBESIM_BLESS_REPORTS=1 cargo test --test suite report::`).

use crate::common;

use std::path::Path;

use common::{kubesim, stderr};

const FILES: [&str; 2] = ["index.html", "summary.md"];

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn report_of_a_trace_equals_run_report_and_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("demo.jsonl");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let run = kubesim(&[
        "run",
        "scenarios/demo.yaml",
        "--trace",
        trace.to_str().unwrap(),
        "--report",
        one.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let report = kubesim(&[
        "report",
        trace.to_str().unwrap(),
        "--out",
        two.to_str().unwrap(),
    ]);
    assert!(report.status.success(), "{}", stderr(&report));
    for file in FILES {
        assert_eq!(read(&one, file), read(&two, file), "{file}");
    }
    let summary = read(&one, "summary.md");
    assert!(summary.contains(
        "| startup (created → Ready) | 3 | 1.736s | 4.748s | 4.748s | 4.748s | met (p99 ≤ 5s) |"
    ));
    assert!(summary.contains("| default/limits-pod | node02 | 5 | 6 | 1.097s |"));
    let page = read(&one, "index.html");
    assert_eq!(page.matches("<svg").count(), 7);
    // The timeline's back-off colour: its legend entry and the demo's 5 back-off gaps (the
    // OOM-killed limits-pod's; liveness-exam's probe kills restart at once).
    assert_eq!(page.matches("fill=\"#D64541\"").count(), 6);
    for outside in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(outside), "{outside}");
    }
}

#[test]
fn run_report_keeps_the_trace_on_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    let scenario = "scenarios/seeds/liveness-exam.yaml";
    let to_file = kubesim(&["run", scenario, "--trace", trace.to_str().unwrap()]);
    assert!(to_file.status.success(), "{}", stderr(&to_file));
    let report = dir.path().join("r");
    let tee = kubesim(&[
        "run",
        scenario,
        "--trace",
        "-",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(tee.status.success(), "{}", stderr(&tee));
    assert_eq!(tee.stdout, std::fs::read(&trace).unwrap());
    assert!(read(&report, "summary.md").starts_with("# kubesim report: liveness-exam\n"));
}

#[test]
fn a_bad_trace_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("bad.jsonl");
    std::fs::write(
        &trace,
        "{\"format\":\"kubesim-trace/v1\",\"kubesim\":\"0.1.0\",\"scenario\":\"x\",\"seed\":1,\"digest\":\"d\"}\n{\"seq\":1}\n",
    )
    .unwrap();
    let out = kubesim(&[
        "report",
        trace.to_str().unwrap(),
        "--out",
        dir.path().join("r").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: {}:2: not a trace record: missing field `t`",
            trace.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// The curated examples: (directory under `reports/`, scenario).
const CURATED: [(&str, &str); 5] = [
    ("demo", "scenarios/demo.yaml"),
    ("liveness-exam", "scenarios/seeds/liveness-exam.yaml"),
    (
        "deployment-rollout",
        "scenarios/workloads/deployment-rollout.yaml",
    ),
    ("hpa-load-step", "scenarios/autoscaling/hpa-load-step.yaml"),
    (
        "autoscaling-stack",
        "scenarios/autoscaling/autoscaling-stack.yaml",
    ),
];

#[test]
fn curated_reports_are_up_to_date() {
    let bless = std::env::var_os("KUBESIM_BLESS_REPORTS").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let dir = tempfile::tempdir().unwrap();
    for (name, scenario) in CURATED {
        let out = if bless {
            root.join(name)
        } else {
            dir.path().join(name)
        };
        let run = kubesim(&["run", scenario, "--report", out.to_str().unwrap()]);
        assert!(run.status.success(), "{}", stderr(&run));
        for file in FILES {
            assert!(
                read(&out, file) == read(&root.join(name), file),
                "reports/{name}/{file} is stale: run KUBESIM_BLESS_REPORTS=1 cargo test --test suite report::"
            );
        }
    }
}
