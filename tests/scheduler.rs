//! The scheduler through the CLI: preemption as `kubectl` shows it, profiles chosen by
//! `schedulerName`, and configuration errors.

mod common;

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
