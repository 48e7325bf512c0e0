//! The taint-eviction controller through the CLI: NoExecute taints from `kubectl taint`, a node
//! group, `simulate: node-add --taints` and the node lifecycle controller delete the pods that do
//! not tolerate them at once and the tolerating ones after their `tolerationSeconds`, with
//! upstream's events and condition, and a taint's removal cancels the evictions still waiting.
// K8S: pkg/controller/tainteviction/taint_eviction.go

use crate::common;

use common::{kubesim, stdout};

const KUBECTL: &str = "scenarios/workloads/taint-eviction.yaml";
const SOURCES: &str = "tests/fixtures/taint-eviction/sources.yaml";
const NODE_BACK: &str = "tests/fixtures/taint-eviction/node-back.yaml";

/// The taint-eviction controller's records of a scenario's trace, one line each: the instant,
/// the pod, and the event's message or `DisruptionTarget: reason: message`.
fn evictions(scenario: &str) -> Vec<String> {
    let trace = stdout(&kubesim(&["run", scenario, "--trace", "-"]));
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|r| {
            let what = if r["event"]["reason"] == "TaintManagerEviction" {
                assert_eq!(r["event"]["source"], "taint-eviction-controller");
                assert_eq!(r["event"]["type"], "Normal");
                r["event"]["message"].as_str()?.to_string()
            } else if r["change"]["type"] == "DisruptionTarget" {
                let c = &r["change"];
                format!(
                    "DisruptionTarget={}: {}: {}",
                    c["status"], c["reason"], c["message"]
                )
            } else {
                return None;
            };
            Some(format!(
                "{} {} {what}",
                r["time"].as_str()?,
                r["object"]["name"].as_str()?
            ))
        })
        .collect()
}

fn lines_with(output: &str, text: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| l.contains(text))
        .map(str::to_string)
        .collect()
}

const CONDITION: &str =
    "DisruptionTarget=\"True\": \"DeletionByTaintManager\": \"Taint manager: deleting due to NoExecute taint\"";

#[test]
fn kubectl_taint_evicts_at_once_or_after_the_toleration_and_untaint_cancels() {
    let mut expected = vec![
        // 1m: node01 tainted: the web pod there does not tolerate it; patient's eviction is
        // scheduled for 2m and cancelled at 1m30s when the taint goes.
        "1m0s web-56486b7bd9-b86qc Marking for deletion Pod default/web-56486b7bd9-b86qc"
            .to_string(),
        format!("1m0s web-56486b7bd9-b86qc {CONDITION}"),
        "1m30s patient Cancelling deletion of Pod default/patient".to_string(),
        // Tainted again at 2m: 60 s later.
        "3m0s patient Marking for deletion Pod default/patient".to_string(),
        format!("3m0s patient {CONDITION}"),
        // visitor, bound at 3m30s to the tainted node, 60 s after its binding.
        "4m30s visitor-5f6884bb4-2kqjh Marking for deletion Pod default/visitor-5f6884bb4-2kqjh"
            .to_string(),
        format!("4m30s visitor-5f6884bb4-2kqjh {CONDITION}"),
    ];
    // 5m: node02 tainted: its four web pods, in name order.
    let on_node02 = ["7r9wz", "cfc48", "w4d95", "x5kq9"];
    for pod in on_node02 {
        expected.push(format!(
            "5m0s web-56486b7bd9-{pod} Marking for deletion Pod default/web-56486b7bd9-{pod}"
        ));
    }
    for pod in on_node02 {
        expected.push(format!("5m0s web-56486b7bd9-{pod} {CONDITION}"));
    }
    // The visitor's replacements, each bound to node01 and deleted 60 s later.
    for (at, pod) in [("5m30s", "n9rzv"), ("6m30s", "9mbdj")] {
        let name = format!("visitor-5f6884bb4-{pod}");
        expected.push(format!(
            "{at} {name} Marking for deletion Pod default/{name}"
        ));
        expected.push(format!("{at} {name} {CONDITION}"));
    }
    assert_eq!(evictions(KUBECTL), expected);
}

#[test]
fn get_pods_and_events_show_the_evictions_as_kubectl_does() {
    let pods = stdout(&kubesim(&[
        "get", "pods", "-f", KUBECTL, "--at", "1m", "-o", "wide",
    ]));
    assert_eq!(
        lines_with(&pods, "web-"),
        [
            "web-56486b7bd9-7r9wz   0/1     ContainerCreating   0          0s    <none>       node02   <none>           <none>",
            "web-56486b7bd9-b86qc   1/1     Terminating         0          60s   10.244.1.2   node01   <none>           <none>",
            "web-56486b7bd9-cfc48   1/1     Running             0          60s   10.244.2.3   node02   <none>           <none>",
            "web-56486b7bd9-w4d95   1/1     Running             0          60s   10.244.2.4   node02   <none>           <none>",
            "web-56486b7bd9-x5kq9   1/1     Running             0          60s   10.244.2.2   node02   <none>           <none>",
        ]
    );
    let events = stdout(&kubesim(&["get", "events", "-f", KUBECTL, "--at", "3m"]));
    assert_eq!(
        lines_with(&events, "TaintManagerEviction"),
        [
            "90s         Normal   TaintManagerEviction   pod/patient                 Cancelling deletion of Pod default/patient",
            "0s          Normal   TaintManagerEviction   pod/patient                 Marking for deletion Pod default/patient",
            "2m          Normal   TaintManagerEviction   pod/web-56486b7bd9-b86qc    Marking for deletion Pod default/web-56486b7bd9-b86qc",
        ]
    );
    // With no node left that tolerates them, the replacements wait.
    let pods = stdout(&kubesim(&["get", "pods", "-f", KUBECTL, "--at", "7m"]));
    assert_eq!(lines_with(&pods, "Pending").len(), 4, "{pods}");
    assert_eq!(
        lines_with(&pods, "stubborn"),
        ["stubborn                  1/1     Running   0          7m"]
    );
}

#[test]
fn taints_a_node_comes_with_evict_like_any_other() {
    assert_eq!(
        evictions(SOURCES),
        [
            // Created bound to the node group's tainted node, without a toleration.
            "0s pinned Marking for deletion Pod default/pinned".to_string(),
            format!("0s pinned {CONDITION}"),
            // Bound at 0s, tolerating the taint for 30 s.
            "30s trainer Marking for deletion Pod default/trainer".to_string(),
            format!("30s trainer {CONDITION}"),
            // Bound to the node added at 1m, tolerating its taint for 20 s; the replacement,
            // bound at 1m20s, is spared when the taint is removed at 1m30s.
            "1m20s batch-789fb8669f-x5kq9 Marking for deletion Pod default/batch-789fb8669f-x5kq9"
                .to_string(),
            format!("1m20s batch-789fb8669f-x5kq9 {CONDITION}"),
            "1m30s batch-789fb8669f-cfc48 Cancelling deletion of Pod default/batch-789fb8669f-cfc48"
                .to_string(),
        ]
    );
    let pods = stdout(&kubesim(&[
        "get", "pods", "-f", SOURCES, "--at", "3m", "-o", "wide",
    ]));
    assert_eq!(
        pods,
        "NAME                     READY   STATUS    RESTARTS   AGE    IP           NODE   NOMINATED NODE   READINESS GATES\n\
         batch-789fb8669f-cfc48   1/1     Running   0          100s   10.244.2.3   spot   <none>           <none>\n"
    );
}

#[test]
fn a_node_that_reports_again_cancels_the_evictions_its_taint_scheduled() {
    // K8S: taint_eviction.go (handleNodeUpdate: all taints removed, every eviction cancelled)
    assert_eq!(
        evictions(NODE_BACK),
        [
            "4m0s web-76bcdc67c6-7r9wz Cancelling deletion of Pod default/web-76bcdc67c6-7r9wz",
            "4m0s web-76bcdc67c6-b86qc Cancelling deletion of Pod default/web-76bcdc67c6-b86qc",
        ]
    );
    let pods = stdout(&kubesim(&[
        "get", "pods", "-f", NODE_BACK, "--at", "8m", "-o", "wide",
    ]));
    assert_eq!(lines_with(&pods, "node02").len(), 3, "{pods}");
    assert_eq!(lines_with(&pods, "Running").len(), 6, "{pods}");
}

#[test]
fn a_node_that_stays_down_has_its_pods_evicted_after_the_default_300s() {
    // Unknown at the 1m50s tick, the pods' default 300 s toleration of the unreachable taint
    // runs out at 6m50s; the DaemonSet pod tolerates it for ever.
    let node = stdout(&kubesim(&[
        "get",
        "node",
        "node02",
        "-f",
        "scenarios/workloads/node-failure.yaml",
        "--at",
        "2m",
        "-o",
        "yaml",
    ]));
    assert!(
        node.contains("  - effect: NoExecute\n    key: node.kubernetes.io/unreachable\n    timeAdded: \"2025-01-01T00:01:50Z\"\n"),
        "{node}"
    );
    let evicted = evictions("scenarios/workloads/node-failure.yaml");
    assert_eq!(
        evicted,
        [
            "6m50s web-76bcdc67c6-7r9wz Marking for deletion Pod default/web-76bcdc67c6-7r9wz"
                .to_string(),
            "6m50s web-76bcdc67c6-b86qc Marking for deletion Pod default/web-76bcdc67c6-b86qc"
                .to_string(),
            format!("6m50s web-76bcdc67c6-7r9wz {CONDITION}"),
            format!("6m50s web-76bcdc67c6-b86qc {CONDITION}"),
        ]
    );
}

#[test]
fn a_daemon_pod_on_a_node_with_an_untolerated_noexecute_taint_is_evicted() {
    // The DaemonSet's own tolerations cover not-ready and unreachable, not a user's taint: the
    // taint-eviction controller evicts its pod on node03, which the DaemonSet controller
    // deletes too off the same node update.
    let evicted = evictions("scenarios/workloads/daemonset.yaml");
    assert_eq!(
        evicted,
        [
            "5m30s log-agent-2kqjh Marking for deletion Pod default/log-agent-2kqjh".to_string(),
            format!("5m30s log-agent-2kqjh {CONDITION}"),
        ]
    );
    let events = stdout(&kubesim(&[
        "get",
        "events",
        "-f",
        "scenarios/workloads/daemonset.yaml",
        "--at",
        "5m30s",
    ]));
    let now: Vec<String> = lines_with(&events, "log-agent-2kqjh")
        .into_iter()
        .filter(|l| l.starts_with("0s "))
        .collect();
    // In the API's key order: `log-agent-2kqjh.<hex>` sorts before `log-agent.<hex>`.
    assert_eq!(
        now,
        [
            "0s          Normal   TaintManagerEviction   pod/log-agent-2kqjh   Marking for deletion Pod default/log-agent-2kqjh",
            "0s          Normal   Killing                pod/log-agent-2kqjh   Stopping container agent",
            "0s          Normal   SuccessfulDelete       daemonset/log-agent   Deleted pod: log-agent-2kqjh",
        ]
    );
}
