//! `kubesim sweep` and `kubesim plan` through the built binary: exact results on a small
//! capacity scenario, the same bytes whatever the threads or shards, the Indexed Job it emits
//! run by kubesim itself, and bad input refused.

use crate::common;

use std::path::Path;

use common::{kubesim, stderr, stdout};

const FLEET: &str = "scenarios/capacity/web-fleet.yaml";

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn sweep_into(dir: &Path, extra: &[&str]) -> String {
    let out_dir = dir.to_str().unwrap();
    let mut args = vec![
        "sweep",
        FLEET,
        "--set",
        "nodes[0].count=3..5",
        "--set",
        "spec.seed=1,2",
        "--out",
        out_dir,
    ];
    args.extend_from_slice(extra);
    let out = kubesim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

// 20 web pods of 500m and 6 batch pods of 1 CPU need 16 CPUs: 4 workers of 4 CPUs.
#[test]
fn a_sweep_measures_every_point_of_the_cross_product() {
    let dir = tempfile::tempdir().unwrap();
    let table = sweep_into(dir.path(), &[]);
    let pending: Vec<(&str, &str, &str)> = table
        .lines()
        .skip(1)
        .take(6)
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0], cells[1], cells[3])
        })
        .collect();
    assert_eq!(
        pending,
        [
            ("3", "1", "8"),
            ("3", "2", "8"),
            ("4", "1", "0"),
            ("4", "2", "0"),
            ("5", "1", "0"),
            ("5", "2", "0")
        ]
    );
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("point,nodes[0].count,spec.seed,nodes,pods,scheduled,pending,peak_pending,p50_startup_ms,p99_startup_ms,p99_scheduling_ms,peak_cpu_requested_pct,peak_memory_requested_pct,mean_cpu_requested_pct,mean_memory_requested_pct,restarts,oom_kills,node_hours")
    );
    let five = lines.nth(4).unwrap();
    assert!(five.starts_with("4,5,1,5,26,26,0,"), "{five}");
    assert!(five.ends_with(",80,80,0,0,0.25"), "{five}");
    for plot in [
        "pending.svg",
        "p99_startup_ms.svg",
        "peak_cpu_requested_pct.svg",
    ] {
        let svg = std::fs::read_to_string(dir.path().join(plot)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("spec.seed=2"),
            "{plot}"
        );
    }
}

#[test]
fn threads_and_shards_never_change_a_byte() {
    let whole = tempfile::tempdir().unwrap();
    sweep_into(whole.path(), &[]);
    let one_thread = tempfile::tempdir().unwrap();
    sweep_into(one_thread.path(), &["--jobs", "1"]);
    assert_eq!(files(whole.path()), files(one_thread.path()));

    let shards = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for i in 0..4 {
        let dir = shards.path().join(format!("shard-{i}"));
        sweep_into(&dir, &["--shard", &format!("{i}/4")]);
        dirs.push(dir.to_str().unwrap().to_string());
    }
    let merged = shards.path().join("merged");
    let mut args = vec!["sweep", "merge"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let out = kubesim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(files(whole.path()), files(&merged));

    // A shard left out is named.
    let out = kubesim(&[
        "sweep",
        "merge",
        &dirs[0],
        &dirs[2],
        &dirs[3],
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: point 1 is missing: merge the output of every shard once\n"
    );
}

// The emitted Indexed Job is a real Kubernetes manifest: kubesim plays it, one pod per shard.
#[test]
fn the_emitted_job_runs_one_pod_per_shard() {
    let out = kubesim(&[
        "sweep",
        FLEET,
        "--set",
        "nodes[0].count=2..7",
        "--emit-job",
        "--shards",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifests = stdout(&out);
    assert!(manifests.contains(
        "args: [\"sweep\", \"/sweep/scenario.yaml\", \"--set\", \"nodes[0].count=2..7\", \"--shard\", \"$(JOB_COMPLETION_INDEX)/3\", \"--out\", \"/results/shard-$(JOB_COMPLETION_INDEX)\"]"
    ));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.yaml");
    std::fs::write(&file, manifests).unwrap();
    let out = kubesim(&["get", "pods", "-f", file.to_str().unwrap(), "--at", "60s"]);
    let pods: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| {
            l.split_whitespace()
                .next()
                .unwrap()
                .rsplit_once('-')
                .unwrap()
                .0
                .to_string()
        })
        .collect();
    assert_eq!(
        pods,
        [
            "sweep-web-fleet-0",
            "sweep-web-fleet-1",
            "sweep-web-fleet-2"
        ]
    );
}

#[test]
fn plan_finds_the_smallest_group_with_headroom_and_a_spare_node() {
    let out = kubesim(&["plan", FLEET, "--group", "worker"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("answer: 4 node(s) of group worker\n"),
        "{}",
        stdout(&out)
    );
    let out = kubesim(&[
        "plan",
        FLEET,
        "--group",
        "worker",
        "--headroom",
        "20%",
        "--survive-node-failure",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "\n4       0         100%       100%          -              -               no\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "\n5       0         80%        80%           worker-1       0               fits\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("answer: 5 node(s) of group worker\n"),
        "{text}"
    );
    let out = kubesim(&["plan", FLEET, "--group", "worker", "--max", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with("answer: none up to --max 3 fits\n"));
}

#[test]
fn bad_sweeps_are_refused_saying_what_to_do() {
    let cases = [
        (vec!["sweep", FLEET, "--set", "nodes[0].count"], "error: --set \"nodes[0].count\": write PATH=VALUES, e.g. nodes[0].count=3..12\n"),
        (vec!["sweep", FLEET, "--set", "nodes[4].count=1..2"], "error: --set nodes[4].count: the scenario has no item [4]\n"),
        (vec!["sweep", FLEET, "--set", "seed=1..2", "--shard", "2/2"], "error: --shard \"2/2\": write i/N with 0 <= i < N, e.g. 0/4\n"),
        (vec!["sweep", FLEET, "--set", "seed=1..2", "--metrics", "speed"], "error: --metrics: unknown metric \"speed\"; choose from nodes, pods, scheduled, pending, peak_pending, p50_startup_ms, p99_startup_ms, p99_scheduling_ms, peak_cpu_requested_pct, peak_memory_requested_pct, mean_cpu_requested_pct, mean_memory_requested_pct, restarts, oom_kills, node_hours\n"),
        (vec!["plan", FLEET, "--group", "gpu"], "error: scenarios/capacity/web-fleet.yaml: no node group \"gpu\" in spec.nodes (groups: worker)\n"),
    ];
    for (args, message) in cases {
        let out = kubesim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&out), message, "{args:?}");
    }
}
