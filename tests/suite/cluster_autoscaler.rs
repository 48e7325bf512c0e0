//! The cluster autoscaler through the CLI: nodes added for Pending pods at the scan after they
//! failed, Ready after the group's provisioning time, removed 10 minutes after they became
//! unneeded (empty, or drained), and the events that say why, with upstream's texts.

use crate::common;

use common::{kubesim, stderr, stdout};

const SCALE_UP: &str = "scenarios/autoscaling/cluster-autoscaler.yaml";
const DRAIN: &str = "scenarios/autoscaling/scale-down-drain.yaml";
const WHY_NOT: &str = "tests/fixtures/autoscaler/why-not.yaml";

/// Node names at an instant.
fn nodes(scenario: &str, at: &str) -> Vec<String> {
    let out = stdout(&kubesim(&["get", "nodes", "-f", scenario, "--at", at]));
    out.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// `TIME REASON KIND/NAME MESSAGE` of every event the autoscaler recorded in the run.
fn autoscaler_events(scenario: &str) -> Vec<String> {
    let trace = stdout(&kubesim(&["run", scenario, "--trace", "-"]));
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["event"]["source"] == "cluster-autoscaler")
        .map(|r| {
            format!(
                "{} {} {}/{} {}",
                r["time"].as_str().unwrap(),
                r["event"]["reason"].as_str().unwrap(),
                r["object"]["kind"].as_str().unwrap(),
                r["object"]["name"].as_str().unwrap(),
                r["event"]["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn pending_pods_get_new_nodes_at_the_next_scan_after_the_provisioning_time() {
    let workers = |at| nodes(SCALE_UP, at);
    assert_eq!(workers("2m9s"), ["controlplane", "worker-1"]);
    assert_eq!(
        workers("2m10s"),
        [
            "controlplane",
            "worker-1",
            "worker-2",
            "worker-3",
            "worker-4"
        ]
    );
    let pods = stdout(&kubesim(&["get", "pods", "-f", SCALE_UP, "--at", "3m"]));
    assert_eq!(pods.matches("Running").count(), 8, "{pods}");
    let summary = stdout(&kubesim(&["run", SCALE_UP]));
    assert!(
        summary.contains("\nnodes: 2\ncluster autoscaler: 1 scale-up(s), 3 node(s) removed; worker 1 (at most 4)\n"),
        "{summary}"
    );
}

#[test]
fn empty_nodes_go_ten_minutes_after_they_became_unneeded() {
    // Scaled back at 6m0s: the surplus pods are gone within the second, so the 6m10s scan
    // finds worker-2..4 empty; they go at 16m10s.
    assert_eq!(nodes(SCALE_UP, "16m9s").len(), 5);
    assert_eq!(nodes(SCALE_UP, "16m10s"), ["controlplane", "worker-1"]);
}

#[test]
fn scale_up_and_scale_down_are_explained_by_events() {
    let events = autoscaler_events(SCALE_UP);
    let scale_up: Vec<&String> = events.iter().filter(|e| e.starts_with("1m10s")).collect();
    assert_eq!(scale_up.len(), 7, "{events:#?}");
    assert_eq!(
        scale_up[0],
        "1m10s ScaledUpGroup ConfigMap/cluster-autoscaler-status Scale-up: setting group worker size to 4 instead of 1 (max: 5)"
    );
    assert!(scale_up[1..]
        .iter()
        .all(|e| e.contains(" TriggeredScaleUp Pod/web-")
            && e.ends_with(" pod triggered scale-up: [{worker 1->4 (max: 5)}]")));
    let scale_down: Vec<&String> = events.iter().filter(|e| e.starts_with("16m10s")).collect();
    assert_eq!(
        scale_down,
        [
            "16m10s ScaleDown Node/worker-2 marked the node as toBeDeleted/unschedulable",
            "16m10s ScaleDownEmpty ConfigMap/cluster-autoscaler-status Scale-down: removing empty node \"worker-2\"",
            "16m10s ScaleDown Node/worker-3 marked the node as toBeDeleted/unschedulable",
            "16m10s ScaleDownEmpty ConfigMap/cluster-autoscaler-status Scale-down: removing empty node \"worker-3\"",
            "16m10s ScaleDown Node/worker-4 marked the node as toBeDeleted/unschedulable",
            "16m10s ScaleDownEmpty ConfigMap/cluster-autoscaler-status Scale-down: removing empty node \"worker-4\"",
        ]
    );
}

#[test]
fn an_underused_node_is_drained_then_deleted_once_its_pods_are_gone() {
    let events = autoscaler_events(DRAIN);
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_eq!(
        events[0],
        "10m0s ScaleDown Node/worker-1 marked the node as toBeDeleted/unschedulable"
    );
    assert!(
        events[1].starts_with("10m0s ScaleDown Pod/web-")
            && events[1].ends_with(" deleting pod for node scale down"),
        "{events:#?}"
    );
    assert_eq!(
        events[2],
        "10m5s ScaleDown ConfigMap/cluster-autoscaler-status Scale-down: node worker-1 removed with drain"
    );
    assert_eq!(nodes(DRAIN, "10m4s"), ["worker-1", "worker-2"]);
    assert_eq!(nodes(DRAIN, "10m5s"), ["worker-2"]);
    let pods = stdout(&kubesim(&[
        "get", "pods", "-o", "wide", "-f", DRAIN, "--at", "12m",
    ]));
    assert_eq!(pods.matches(" worker-2 ").count(), 2, "{pods}");
}

#[test]
fn the_drained_node_is_tainted_and_the_evicted_pod_says_why() {
    let node = stdout(&kubesim(&[
        "describe", "node", "worker-1", "-f", DRAIN, "--at", "10m2s",
    ]));
    // The taint's value is the Unix time of the decision: 2025-01-01T00:10:00Z.
    assert!(
        node.contains("Taints:             ToBeDeletedByClusterAutoscaler=1735690200:NoSchedule"),
        "{node}"
    );
    let events = autoscaler_events(DRAIN);
    let pod = events[1].split(['/', ' ']).nth(3).unwrap();
    let json = stdout(&kubesim(&[
        "get", "pod", pod, "-o", "json", "-f", DRAIN, "--at", "10m0s",
    ]));
    let pod: serde_json::Value = serde_json::from_str(&json).unwrap();
    let conditions = pod["status"]["conditions"].as_array().unwrap();
    let target = conditions
        .iter()
        .find(|c| c["type"] == "DisruptionTarget")
        .unwrap();
    assert_eq!(target["reason"], "EvictionByEvictionAPI");
    assert_eq!(target["message"], "Eviction API: evicting");
    assert_eq!(pod["metadata"]["deletionGracePeriodSeconds"], 30);
}

#[test]
fn a_pod_no_group_can_take_is_told_why_and_a_group_scales_up_from_zero() {
    let events = autoscaler_events(WHY_NOT);
    // The 10 s scan grows `small` for `medium`; in a loop that scaled up, the pods left pending
    // get no NotTriggerScaleUp (upstream skips them); the next scans say why `big` stays.
    assert_eq!(
        &events[..3],
        [
            "10s ScaledUpGroup ConfigMap/cluster-autoscaler-status Scale-up: setting group small size to 1 instead of 0 (max: 2)",
            &format!("10s TriggeredScaleUp Pod/{} pod triggered scale-up: [{{small 0->1 (max: 2)}}]", medium_pod()),
            "20s NotTriggerScaleUp Pod/big pod didn't trigger scale-up: 1 Insufficient cpu, 1 max node group size reached, 1 node(s) had untolerated taint {dedicated: batch}",
        ]
    );
    // One event per scan, folded into one Event with a count by the recorder.
    assert_eq!(events.len(), 3 + 10, "{events:#?}");
    assert_eq!(nodes(WHY_NOT, "39s"), ["full-1"]);
    assert_eq!(nodes(WHY_NOT, "40s"), ["full-1", "small-1"]);
}

fn medium_pod() -> String {
    let out = stdout(&kubesim(&[
        "get",
        "pods",
        "-l",
        "app=medium",
        "-f",
        WHY_NOT,
        "--at",
        "1s",
    ]));
    out.lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn bad_autoscaling_blocks_are_refused_at_their_line_and_column() {
    let dir = std::env::temp_dir().join(format!("kubesim-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "  nodes:\n  - name: w\n    count: 5\n    autoscaling: {min: 1, max: 3}\n",
            ":7:5: count 5 is outside the group's autoscaling range 1..3",
        ),
        (
            "  nodes:\n  - name: w\n    autoscaling: {min: 4, max: 3}\n",
            ":7:27: max 3 must be at least 1 and at least min 4",
        ),
        (
            "  nodes:\n  - name: w\n    autoscaling: {min: 1, max: 3}\n  clusterAutoscaler: {expander: cheapest}\n",
            ":8:23: unknown expander \"cheapest\"\n  hint: use one of: least-waste, most-pods, random",
        ),
    ];
    for (i, (nodes, message)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad-{i}.yaml"));
        let text = format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: bad}}\nspec:\n{nodes}"
        );
        std::fs::write(&path, text).unwrap();
        let out = kubesim(&["run", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweeping_the_group_maximum_prices_each_node_by_its_own_time() {
    let dir = std::env::temp_dir().join(format!("kubesim-ca-sweep-{}", std::process::id()));
    let out = kubesim(&[
        "sweep",
        SCALE_UP,
        "--set",
        "nodes[1].autoscaling.max=2,5",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let mut lines = csv.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (nodes, hours) = (column("nodes"), column("node_hours"));
    let rows: Vec<(&str, &str)> = lines.map(|r| (r[nodes], r[hours])).collect();
    // max 2: controlplane and worker-1 for 25 min, worker-2 from 2m10s to 16m10s: 64 min.
    // max 5: three workers for those 14 min: 92 min.
    assert_eq!(rows, [("3", "1.067"), ("5", "1.533")]);
}

#[test]
fn plan_refuses_a_group_the_autoscaler_sizes() {
    let out = kubesim(&["plan", SCALE_UP, "--group", "worker"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("node group \"worker\" has autoscaling:, so the cluster autoscaler sizes it"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_node_that_went_down_is_replaced_and_removed_after_the_unready_time() {
    const DOWN: &str = "tests/fixtures/autoscaler/node-down.yaml";
    let events = autoscaler_events(DOWN);
    assert_eq!(
        events[0],
        "7m0s ScaledUpGroup ConfigMap/cluster-autoscaler-status Scale-up: setting group worker size to 3 instead of 2 (max: 4)"
    );
    // Deleted at 6m50s with 30 s of grace: long terminating from 8m20s, unneeded from the
    // 8m30s scan, removed 20 minutes later.
    assert_eq!(
        events[events.len() - 2..],
        [
            "28m30s ScaleDown Node/worker-2 marked the node as toBeDeleted/unschedulable",
            "28m30s ScaleDownEmpty ConfigMap/cluster-autoscaler-status Scale-down: removing empty node \"worker-2\"",
        ]
    );
    assert_eq!(nodes(DOWN, "28m29s"), ["worker-1", "worker-2", "worker-3"]);
    assert_eq!(nodes(DOWN, "28m30s"), ["worker-1", "worker-3"]);
}

#[test]
fn a_name_taken_by_a_node_added_by_hand_is_skipped() {
    const TAKEN: &str = "tests/fixtures/autoscaler/name-taken.yaml";
    // worker-2 joined by hand at 5s: the 10s scale-up makes worker-3, Ready at 1m10s.
    assert_eq!(nodes(TAKEN, "1m9s"), ["worker-1", "worker-2", "worker-4"]);
    // kubectl lists nodes by name.
    assert_eq!(
        nodes(TAKEN, "1m10s"),
        ["worker-1", "worker-2", "worker-3", "worker-4"]
    );
}
