//! The scheduler through the CLI: preemption as `kubectl` shows it, profiles chosen by
//! `schedulerName`, and configuration errors.

use crate::common;

use common::{kubesim, stderr, stdout};

#[test]
fn preemption_shows_the_victim_event_and_the_nominated_node() {
    let f = "scenarios/scheduling/preemption.yaml";
    let events = kubesim(&["get", "events", "-f", f, "--at", "1m"]);
    let text = stdout(&events);
    let preempted: Vec<&str> = text.lines().filter(|l| l.contains("Preempted")).collect();
    assert_eq!(preempted.len(), 1, "{text}");
    assert!(
        preempted[0].contains("pod/batch-scratch")
            && preempted[0].contains("Preempted by pod ")
            && preempted[0].ends_with(" on node worker-2"),
        "{text}"
    );
    let describe = stdout(&kubesim(&[
        "describe", "pod", "critical", "-f", f, "--at", "1m",
    ]));
    assert!(
        describe.contains("\nNominatedNodeName:    worker-2\n"),
        "{describe}"
    );
    let victim = stdout(&kubesim(&[
        "get",
        "pod",
        "batch-scratch",
        "-f",
        f,
        "--at",
        "1m",
        "-o",
        "yaml",
    ]));
    assert!(
        victim.contains(
            "message: 'default-scheduler: preempting to accommodate a higher priority pod'"
        ) && victim.contains("reason: PreemptionByScheduler")
            && victim.contains("type: DisruptionTarget"),
        "{victim}"
    );
}

#[test]
fn each_profile_reports_as_its_scheduler_name() {
    let f = "scenarios/scheduling/scheduler-profiles.yaml";
    let packed = stdout(&kubesim(&[
        "describe", "pod", "packed-1", "-f", f, "--at", "30s",
    ]));
    assert!(
        packed.contains("  Normal  Scheduled  30s   bin-packing  Successfully assigned default/packed-1 to worker-1\n"),
        "{packed}"
    );
    let spread = stdout(&kubesim(&[
        "describe", "pod", "spread-1", "-f", f, "--at", "30s",
    ]));
    assert!(
        spread.contains("default-scheduler  Successfully assigned default/spread-1 to worker-3"),
        "{spread}"
    );
    // No profile answers to my-scheduler: Pending, and no scheduler says anything about it.
    let custom = stdout(&kubesim(&[
        "describe", "pod", "custom", "-f", f, "--at", "30s",
    ]));
    assert!(custom.ends_with("Events:           <none>\n"), "{custom}");
}

#[test]
fn a_bad_scheduler_configuration_names_file_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.yaml");
    std::fs::write(
        &path,
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  schedulerConfiguration:\n    inline:\n      apiVersion: kubescheduler.config.k8s.io/v1\n      kind: KubeSchedulerConfiguration\n      profiles:\n      - plugins:\n          filter:\n            disabled:\n            - name: NodeResourceFit\n",
    )
    .unwrap();
    let o = kubesim(&["run", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("s.yaml:13:15: plugin \"NodeResourceFit\" does not exist"),
        "{err}"
    );
    assert!(
        err.contains("in-tree plugins: SchedulingGates, PrioritySort"),
        "{err}"
    );
}

#[test]
fn explain_pod_shows_filters_scores_and_how_the_winner_won() {
    let o = kubesim(&[
        "explain",
        "pod",
        "web",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "1m",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let (story, scheduling) = out.split_once("\nScheduling:\n").unwrap();
    assert!(story.starts_with("Pod default/web at 1m0s: Running, 1/1 ready, 0 restarts.\n"));
    assert_eq!(
        scheduling,
        "Pod default/web: last scheduling attempt at 0s by default-scheduler: assigned to node01.

NODE           FILTERS
controlplane   rejected by TaintToleration: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }
node01         passed
node02         passed

SCORE (normalized, raw)                      node01    node02
TaintToleration (weight 3)                   100 (0)   100 (0)
NodeAffinity (weight 2)                      0 (0)     0 (0)
NodeResourcesFit (weight 1)                  90 (90)   90 (90)
NodeResourcesBalancedAllocation (weight 1)   96 (96)   96 (96)
ImageLocality (weight 1)                     0 (0)     0 (0)
TOTAL (weighted sum)                         486       486

node01 was chosen: node01, node02 tie at 486, and the tie is broken by a draw from the seeded \"scheduler\" stream (upstream draws at random).
"
    );
    let pending = stdout(&kubesim(&[
        "explain",
        "pod",
        "too-big",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "1m",
    ]));
    let (_, pending) = pending.split_once("\nScheduling:\n").unwrap();
    assert!(
        pending.starts_with("Pod default/too-big: last scheduling attempt at 0s by default-scheduler: no node fits.\n  0/3 nodes are available: "),
        "{pending}"
    );
    assert!(
        pending.contains("\nnode01         rejected by NodeResourcesFit: Insufficient memory\n"),
        "{pending}"
    );
    let bad = kubesim(&[
        "explain",
        "service",
        "web",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "1m",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_trace_explains_attempts_on_small_clusters_unless_told_not_to() {
    let with = stdout(&kubesim(&[
        "run",
        "scenarios/demo.yaml",
        "--until",
        "1s",
        "--trace",
        "-",
    ]));
    assert!(with.contains(r#""scheduling":{"profile":"default-scheduler","nodes":[{"node":"controlplane","verdict":{"is":"rejected","plugin":"TaintToleration""#), "{with}");
    let without = stdout(&kubesim(&[
        "run",
        "scenarios/demo.yaml",
        "--until",
        "1s",
        "--trace",
        "-",
        "--explain-scheduling",
        "off",
    ]));
    assert!(!without.contains("\"scheduling\""));
}
