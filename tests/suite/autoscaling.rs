//! The HorizontalPodAutoscaler through the CLI: `kubectl get hpa` columns as the load steps up
//! and down, its status conditions, and a bad `spec.load` entry.

use crate::common;

use common::{kubesim, stderr, stdout};

const SCENARIO: &str = "scenarios/autoscaling/hpa-load-step.yaml";

fn get_hpa(at: &str, extra: &[&str]) -> String {
    let mut args = vec!["get", "hpa", "-f", SCENARIO, "--at", at];
    args.extend(extra);
    stdout(&kubesim(&args))
}

#[test]
fn get_hpa_prints_kubectl_columns_through_the_load_step() {
    let header = "NAME   REFERENCE        TARGETS";
    assert_eq!(
        get_hpa("1m59s", &[]),
        format!("{header}        MINPODS   MAXPODS   REPLICAS   AGE\nweb    Deployment/web   cpu: 50%/50%   2         8         2          119s\n")
    );
    // The 2m0s sync saw two pods throttled at 500m of 200m requested.
    assert_eq!(
        get_hpa("2m0s", &[]),
        format!("{header}         MINPODS   MAXPODS   REPLICAS   AGE\nweb    Deployment/web   cpu: 250%/50%   2         8         2          2m\n")
    );
    assert_eq!(
        get_hpa("2m30s", &[]),
        format!("{header}         MINPODS   MAXPODS   REPLICAS   AGE\nweb    Deployment/web   cpu: 100%/50%   2         8         6          2m30s\n")
    );
}

#[test]
fn max_replicas_limits_the_scale_up_and_says_so() {
    let json = get_hpa("2m30s", &["web", "-o", "json"]);
    let hpa: serde_json::Value = serde_json::from_str(&json).unwrap();
    let conditions = hpa["status"]["conditions"].as_array().unwrap();
    let limited = conditions
        .iter()
        .find(|c| c["type"] == "ScalingLimited")
        .unwrap();
    assert_eq!(limited["status"], "True");
    assert_eq!(limited["reason"], "TooManyReplicas");
    assert_eq!(
        limited["message"],
        "the desired replica count is more than the maximum replica count"
    );
    let able = conditions
        .iter()
        .find(|c| c["type"] == "AbleToScale")
        .unwrap();
    assert_eq!(able["reason"], "SucceededRescale");
    assert_eq!(
        able["message"],
        "the HPA controller was able to update the target scale to 8"
    );
    assert_eq!(hpa["status"]["desiredReplicas"], 8);
    assert_eq!(hpa["status"]["lastScaleTime"], "2025-01-01T00:02:30Z");
}

#[test]
fn a_bad_load_entry_names_file_line_and_field() {
    let dir = std::env::temp_dir().join(format!("kubesim-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: bad}\nspec:\n  load:\n  - deployment: web\n    cpuPerRequest: 2 cores\n    requestsPerSecond: [{at: 0s, value: 10}]\n",
    )
    .unwrap();
    let o = kubesim(&["run", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.yaml:7:5: invalid quantity \"2 cores\""),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

const MEMORY: &str = "scenarios/autoscaling/hpa-memory.yaml";

#[test]
fn cpu_and_memory_metrics_scale_for_the_larger_proposal() {
    let get = |at: &str| stdout(&kubesim(&["get", "hpa", "-f", MEMORY, "--at", at]));
    let row = |targets: &str, replicas: u32, age: &str| {
        format!(
            "NAME   REFERENCE        TARGETS                         MINPODS   MAXPODS   REPLICAS   AGE\napi    Deployment/api   {targets}   2         10        {replicas}          {age}\n"
        )
    };
    assert_eq!(
        get("1m59s"),
        row("cpu: 25%/50%, memory: 58%/60%", 2, "119s")
    );
    // At 2m0s 150 requests per second per pod: CPU wants 3 pods, memory 4.
    assert_eq!(get("2m0s"), row("cpu: 75%/50%, memory: 97%/60%", 2, "2m"));
    assert_eq!(
        get("2m30s"),
        row("cpu: 30%/50%, memory: 62%/60%", 5, "2m30s")
    );
    let events = stdout(&kubesim(&["get", "events", "-f", MEMORY, "--at", "4m"]));
    assert!(
        events.contains("SuccessfulRescale              horizontalpodautoscaler/api   New size: 4; reason: memory resource utilization (percentage of request) above target"),
        "{events}"
    );
    let json = stdout(&kubesim(&[
        "get", "hpa", "api", "-o", "json", "-f", MEMORY, "--at", "2m0s",
    ]));
    let hpa: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        hpa["status"]["currentMetrics"][1],
        serde_json::json!({"type": "Resource", "resource": {"name": "memory",
            "current": {"averageUtilization": 97, "averageValue": "262144k"}}})
    );
}

#[test]
fn describe_hpa_shows_each_metric_conditions_and_events() {
    let out = stdout(&kubesim(&[
        "describe", "hpa", "api", "-f", MEMORY, "--at", "2m30s",
    ]));
    let expected = "\
Name:                                                     api
Namespace:                                                default
Labels:                                                   <none>
Annotations:                                              <none>
CreationTimestamp:                                        Wed, 01 Jan 2025 00:00:00 +0000
Reference:                                                Deployment/api
Metrics:                                                  ( current / target )
  resource cpu on pods  (as a percentage of request):     30% (60m) / 50%
  resource memory on pods  (as a percentage of request):  62% (167772160) / 60%
Min replicas:                                             2
Max replicas:                                             10
Deployment pods:                                          5 current / 5 desired
Conditions:
  Type            Status  Reason              Message
  ----            ------  ------              -------
  AbleToScale     True    ReadyForNewScale    recommended size matches current size
  ScalingActive   True    ValidMetricFound    the HPA was able to successfully calculate a replica count from memory resource utilization (percentage of request)
  ScalingLimited  False   DesiredWithinRange  the desired count is within the acceptable range
Events:
";
    assert!(out.starts_with(expected), "{out}");
    assert!(out.contains("  Normal   SuccessfulRescale             15s    horizontal-pod-autoscaler  New size: 5; reason: memory resource utilization (percentage of request) above target\n"), "{out}");
    let missing = kubesim(&["describe", "hpa", "nope", "-f", MEMORY, "--at", "1m"]);
    assert_eq!(
        stderr(&missing).trim(),
        "Error from server (NotFound): horizontalpodautoscalers.autoscaling \"nope\" not found"
    );
}

#[test]
fn describe_hpa_shows_behavior_with_the_api_defaults() {
    const BEHAVIOR: &str = "tests/fixtures/autoscaler/hpa-behavior.yaml";
    let out = stdout(&kubesim(&[
        "describe", "hpa", "api", "-f", BEHAVIOR, "--at", "30s",
    ]));
    let expected = "\
Min replicas:                                          1
Max replicas:                                          5
Behavior:
  Scale Up:
    Stabilization Window: 0 seconds
    Select Policy: Max
    Policies:
      - Type: Pods     Value: 4    Period: 15 seconds
      - Type: Percent  Value: 100  Period: 15 seconds
  Scale Down:
    Stabilization Window: 60 seconds
    Select Policy: Max
    Policies:
      - Type: Percent  Value: 100  Period: 15 seconds
Deployment pods:       1 current / 1 desired
Conditions:
";
    assert!(out.contains(expected), "{out}");
    let get = stdout(&kubesim(&["get", "hpa", "-f", BEHAVIOR, "--at", "30s"]));
    assert!(
        get.contains("   1         5         1          30s\n"),
        "{get}"
    );
}

/// `get all` lists HorizontalPodAutoscalers: they are in discovery's `all` category, after
/// the apps group's kinds (the old hand-written list left them out).
// K8S: pkg/registry/autoscaling/horizontalpodautoscaler/storage/storage.go (Categories)
#[test]
fn get_all_lists_the_hpa_and_kinds_resolve_as_kubectl_resolves_them() {
    let o = kubesim(&["get", "all", "-f", SCENARIO, "--at", "1s", "-o", "name"]);
    assert_eq!(
        stdout(&o),
        "pod/web-64cff459b7-cfc48\npod/web-64cff459b7-x5kq9\ndeployment.apps/web\nreplicaset.apps/web-64cff459b7\nhorizontalpodautoscaler.autoscaling/web\n"
    );
    for name in [
        "hpa",
        "HorizontalPodAutoscaler.autoscaling",
        "hpa.v2.autoscaling",
    ] {
        assert_eq!(get_hpa_as(name), get_hpa("1s", &[]), "{name}");
    }
}

fn get_hpa_as(name: &str) -> String {
    stdout(&kubesim(&["get", name, "-f", SCENARIO, "--at", "1s"]))
}
