//! `kubesim import openb` through the built binary: the committed sample in openb's column
//! layout becomes exactly the committed scenario, which then plays as the trace says.

use crate::common;

use common::{kubesim, stderr, stdout};

const PODS: &str = "tests/fixtures/openb/pods.csv";
const NODES: &str = "tests/fixtures/openb/nodes.csv";

#[test]
fn the_openb_sample_becomes_the_committed_scenario() {
    let out = kubesim(&["import", "openb", "--pods", PODS, "--nodes", NODES]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = std::fs::read_to_string("tests/fixtures/openb/scenario.yaml").unwrap();
    assert_eq!(stdout(&out), expected);
}

// Pods arrive at their creation offsets and leave at their deletion offsets; the one bigger
// than every node stays Pending.
#[test]
fn the_imported_scenario_replays_arrivals_and_departures() {
    let scenario = "tests/fixtures/openb/scenario.yaml";
    let at = |t: &str| {
        let out = kubesim(&["get", "pods", "-f", scenario, "--at", t, "-o", "wide"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split_whitespace().collect();
                format!("{} {} {}", c[0], c[2], c[6])
            })
            .collect::<Vec<_>>()
    };
    // At 70 s: pod 3 (30 s to 90 s) runs; pod 4 (24 CPUs) fits only the 64-CPU node.
    assert_eq!(
        at("70s"),
        [
            "openb-pod-0001 Running openb-node-0002",
            "openb-pod-0002 Running openb-node-0002",
            "openb-pod-0003 Running openb-node-0001",
            "openb-pod-0004 Running openb-node-0002",
        ]
    );
    // At 200 s: 3 and 5 are gone, 6 (96 CPUs) waits for a node that does not exist.
    let later = at("200s");
    assert!(!later.iter().any(|p| p.starts_with("openb-pod-0003 ")));
    assert!(
        later.contains(&"openb-pod-0006 Pending <none>".to_string()),
        "{later:?}"
    );
    // After every deletion, no pod is left.
    assert_eq!(at("15m"), Vec::<String>::new());
}

#[test]
fn a_bad_cell_is_named_by_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("nodes.csv");
    std::fs::write(
        &nodes,
        "sn,cpu_milli,memory_mib,gpu,model\nn1,32000,lots,0,\n",
    )
    .unwrap();
    let nodes = nodes.to_str().unwrap();
    let out = kubesim(&["import", "openb", "--pods", PODS, "--nodes", nodes]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("{nodes}:2:10: column memory_mib: \"lots\" is not a whole number\n  hint: openb columns are documented in docs/trace-import.md\n")
    );
    let out = kubesim(&["import", "openb", "--pods", PODS, "--out", nodes]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("exists; pass --force to replace it"));
}
