//! Admission through the CLI: LimitRange defaults and refusals, ResourceQuota refusals with
//! kubectl's exact error lines, the FailedCreate events of a ReplicaSet held by a quota, and the
//! `get resourcequota` table.

use crate::common;

use common::{command_outputs, kubesim, stdout};

const SCENARIO: &str = "scenarios/workloads/quota-and-limits.yaml";

#[test]
fn refusals_print_kubectls_error_lines() {
    let outputs = command_outputs(SCENARIO);
    let lines: Vec<&str> = outputs.iter().map(|(_, o)| o.as_str()).collect();
    assert_eq!(
        lines,
        [
            "Error from server (Forbidden): error when creating \"../manifests/greedy-pod.yaml\": pods \"greedy\" is forbidden: maximum memory usage per Container is 3Gi, but limit is 4Gi\n\
             The Pod \"hungry\" is invalid: spec.containers[0].resources.requests: Invalid value: \"4Gi\": must be less than or equal to memory limit of 3Gi",
            "Error from server (Forbidden): pods \"tiny\" is forbidden: exceeded quota: dev-memory, requested: requests.memory=3Gi, used: requests.memory=9Gi, limited: requests.memory=10Gi",
            "Error from server (Forbidden): pods \"extra\" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=3, limited: pods=3",
            "deployment.apps/web scaled",
            "pod/extra created",
            "resourcequota/compute created",
            // K8S: kubectl v1.34 cmd/delete/delete.go (PrintObj names the namespace)
            "pod \"extra\" deleted from default namespace",
            "Error from server (Forbidden): pods \"nolimits\" is forbidden: failed quota: compute: must specify limits.cpu for: nolimits",
            // Applied again: the LimitRange's defaults on the live pods are not a change.
            "namespace/dev unchanged\nlimitrange/mem-limit-range unchanged\nresourcequota/dev-memory unchanged\n\
             pod/big-1 unchanged\npod/big-2 unchanged\npod/big-3 unchanged",
        ]
    );
}

#[test]
fn a_limit_range_defaults_requests_and_annotates_the_pod() {
    let yaml = stdout(&kubesim(&[
        "get", "pod", "big-1", "-n", "dev", "-f", SCENARIO, "--at", "1m", "-o", "yaml",
    ]));
    assert!(yaml.contains(
        "    kubernetes.io/limit-ranger: 'LimitRanger plugin set: memory request for container nginx; memory limit for container nginx'\n"
    ));
    assert!(yaml.contains("    resources:\n      limits:\n        memory: 3Gi\n      requests:\n        memory: 3Gi\n"));
    let table = stdout(&kubesim(&[
        "get",
        "limitranges",
        "-n",
        "dev",
        "-f",
        SCENARIO,
        "--at",
        "1m",
    ]));
    assert_eq!(
        table,
        "NAME              CREATED AT\nmem-limit-range   2025-01-01T00:00:00Z\n"
    );
}

#[test]
fn quota_usage_follows_the_pods() {
    let at = |t: &str| stdout(&kubesim(&["get", "quota", "-A", "-f", SCENARIO, "--at", t]));
    assert_eq!(
        at("1m"),
        "NAMESPACE   NAME         AGE   REQUEST                     LIMIT\n\
         default     pod-count    60s   pods: 3/3                   \n\
         dev         dev-memory   60s   requests.memory: 9Gi/10Gi   \n"
    );
    // Scaled down to two at 2m: the deleted pod no longer counts once it is gone.
    assert!(at("2m30s").contains("pod-count    2m30s   pods: 2/3 "));
    assert_eq!(
        at("4m10s"),
        "NAMESPACE   NAME         AGE     REQUEST                     LIMIT\n\
         default     compute      10s                                 limits.cpu: 0/2\n\
         default     pod-count    4m10s   pods: 2/3                   \n\
         dev         dev-memory   4m10s   requests.memory: 9Gi/10Gi   \n"
    );
}

#[test]
fn a_replicaset_held_by_quota_records_failed_create() {
    let events = stdout(&kubesim(&["get", "events", "-f", SCENARIO, "--at", "1m"]));
    let failed: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("FailedCreate"))
        .collect();
    assert_eq!(failed.len(), 19);
    assert!(failed[0].contains(
        "Warning   FailedCreate        replicaset/web-56486b7bd9   Error creating: pods \"web-56486b7bd9-"
    ));
    assert!(failed[0].ends_with(
        "\" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=3, limited: pods=3"
    ));
}

#[test]
fn a_job_held_by_quota_runs_its_pods_as_the_quota_frees() {
    // Two pods at a time fit the quota; the Job wants three in parallel. The third is refused
    // (FailedCreate on the Job) until one of the first two finishes and stops counting.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("job.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: two}\nspec: {hard: {pods: \"2\"}}\n---\n\
         apiVersion: batch/v1\nkind: Job\nmetadata: {name: batch}\nspec:\n  completions: 3\n  parallelism: 3\n  \
         template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: work\n        image: busybox\n        command: [sh, -c, 'sleep 20']\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let events = stdout(&kubesim(&["get", "events", "-f", file, "--at", "2m"]));
    let failed: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("FailedCreate"))
        .collect();
    assert!(!failed.is_empty(), "{events}");
    assert!(failed.iter().all(|l| l.contains("job/batch")
        && l.contains(
            "is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2"
        )));
    let jobs = stdout(&kubesim(&["get", "jobs", "-f", file, "--at", "2m"]));
    assert!(jobs.contains("batch   Complete   3/3"), "{jobs}");
}

#[test]
fn describe_quota_and_limit_range_as_kubectl() {
    let describe = |kind: &str, name: &str| {
        stdout(&kubesim(&[
            "describe", kind, name, "-n", "dev", "-f", SCENARIO, "--at", "1m",
        ]))
    };
    assert_eq!(
        describe("quota", "dev-memory"),
        "Name:            dev-memory\nNamespace:       dev\nResource         Used  Hard\n\
         --------         ----  ----\nrequests.memory  9Gi   10Gi\n"
    );
    assert!(describe("limitrange", "mem-limit-range")
        .ends_with("Container   memory    -    3Gi  3Gi              3Gi            -\n"));
}

#[test]
fn replica_failure_shows_on_the_replicaset_and_deployment_until_resolved() {
    let yaml = |kind: &str, t: &str| {
        stdout(&kubesim(&[
            "get", kind, "-f", SCENARIO, "--at", t, "-o", "yaml",
        ]))
    };
    // The first refusal's message, set once (the lines both kinds' conditions share).
    let condition = "      message: 'pods \"web-56486b7bd9-b86qc\" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=3, limited: pods=3'\n      reason: FailedCreate\n      status: \"True\"\n      type: ReplicaFailure\n";
    assert!(yaml("replicasets", "1m").contains(condition));
    assert!(yaml("deployments", "1m").contains(condition));
    // Scaled down at 2m: the next sync creates nothing, so nothing fails.
    assert!(!yaml("replicasets", "2m30s").contains("ReplicaFailure"));
    assert!(!yaml("deployments", "2m30s").contains("ReplicaFailure"));
}
