//! Controllers and timeline commands through the CLI: kubectl's exact output for drain and
//! rollout history, and the workload columns of `kubesim get`.

use crate::common;

use common::{command_outputs, kubesim, stdout};

#[test]
fn drain_refuses_then_evicts_like_kubectl() {
    let outputs = command_outputs("scenarios/workloads/drain.yaml");
    assert_eq!(outputs.len(), 3);
    assert_eq!(
        outputs[1].1,
        "node/node01 already cordoned\nerror: unable to drain node \"node01\" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/hr-app, continuing command...\nThere are pending nodes to be drained:\n node01\ncannot delete cannot delete Pods that declare no controller (use --force to override): default/hr-app"
    );
    assert_eq!(
        outputs[2].1,
        "node/node01 already cordoned\nWarning: ignoring DaemonSet-managed Pods: default/log-agent-x5kq9\nWarning: deleting Pods that declare no controller: default/hr-app\nevicting pod default/hr-app\nevicting pod default/web-76bcdc67c6-b86qc\npod/hr-app evicted\npod/web-76bcdc67c6-b86qc evicted\nnode/node01 drained"
    );
}

#[test]
fn node_add_and_remove_print_what_kubectl_prints() {
    let outputs = command_outputs("scenarios/workloads/node-churn.yaml");
    let outputs: Vec<&str> = outputs.iter().map(|(_, o)| o.as_str()).collect();
    assert_eq!(
        outputs,
        [
            "node/node03 created",
            "Error from server (AlreadyExists): nodes \"node03\" already exists",
            "node \"node02\" deleted",
        ]
    );
}

#[test]
fn rollout_undo_renumbers_the_revision_as_upstream() {
    let outputs = command_outputs("scenarios/workloads/deployment-rollout.yaml");
    let history = outputs
        .iter()
        .find(|(c, _)| c.starts_with("rollout history"))
        .unwrap();
    assert_eq!(
        history.1,
        "deployment.apps/web\nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>"
    );
    let status = outputs
        .iter()
        .find(|(c, _)| c.starts_with("rollout status"))
        .unwrap();
    assert_eq!(
        status.1,
        "Waiting for deployment spec update to be observed..."
    );
}

#[test]
fn get_shows_workload_columns() {
    let jobs = stdout(&kubesim(&[
        "get",
        "jobs",
        "-f",
        "scenarios/workloads/job-completions.yaml",
        "--at",
        "4m",
    ]));
    assert_eq!(
        jobs,
        "NAME    STATUS     COMPLETIONS   DURATION   AGE\nbatch   Complete   5/5           65s        4m\n"
    );
    let ds = stdout(&kubesim(&[
        "get",
        "ds",
        "-f",
        "scenarios/workloads/daemonset.yaml",
        "--at",
        "90s",
    ]));
    assert_eq!(
        ds,
        "NAME        DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\nlog-agent   3         3         2       0            2           <none>          90s\n"
    );
    let deploy = stdout(&kubesim(&[
        "get",
        "deploy",
        "-f",
        "scenarios/workloads/deployment-rollout.yaml",
        "--at",
        "3m",
    ]));
    assert_eq!(
        deploy,
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    3/4     2            3           3m\n"
    );
}

#[test]
fn rollout_status_reports_the_progress_deadline() {
    let outputs = command_outputs("scenarios/workloads/rollout-deadline.yaml");
    let status = outputs
        .iter()
        .find(|(c, _)| c.starts_with("rollout status"))
        .unwrap();
    assert_eq!(
        status.1,
        "error: deployment \"api\" exceeded its progress deadline"
    );
}

#[test]
fn patch_pause_edit_and_delete_files_print_what_kubectl_prints() {
    let outputs: Vec<String> = command_outputs("scenarios/workloads/patch-and-pause.yaml")
        .into_iter()
        .map(|(_, output)| output)
        .collect();
    assert_eq!(
        outputs,
        [
            "deployment.apps/web patched",
            "deployment.apps/web patched (no change)",
            "deployment.apps/web paused",
            "deployment.apps/web image updated",
            "error: deployments.apps \"web\" is already paused",
            "deployment.apps/web resumed",
            "deployment.apps/web resource requirements updated",
            "deployment.apps/web patched",
            "deployment.apps/web edited",
            "Edit cancelled, no changes made.",
            // K8S: kubectl v1.34 cmd/delete/delete.go (PrintObj names the namespace)
            "service \"web\" deleted from default namespace\npod \"web\" deleted from default namespace",
            "Error from server (NotFound): error when deleting \"../manifests/web.yaml\": pods \"web\" not found",
        ]
    );
}

#[test]
fn endpoint_slices_list_every_pod_and_a_placeholder_for_an_empty_service() {
    let slices = stdout(&kubesim(&[
        "get",
        "endpointslices",
        "-f",
        "scenarios/workloads/service-endpoints.yaml",
        "--at",
        "2m30s",
    ]));
    assert_eq!(
        slices,
        "NAME            ADDRESSTYPE   PORTS     ENDPOINTS                                      AGE\n\
         other-dnlln     IPv4          <unset>   <unset>                                        30s\n\
         web-alt-h4jq6   IPv4          80        10.244.1.2,10.244.1.3,10.244.2.2 + 1 more...   30s\n\
         web-nblvd       IPv4          80        10.244.1.2,10.244.1.3,10.244.2.2 + 1 more...   2m30s\n"
    );
    let yaml = stdout(&kubesim(&[
        "get",
        "endpointslice",
        "web-nblvd",
        "-f",
        "scenarios/workloads/service-endpoints.yaml",
        "--at",
        "1m30s",
        "-o",
        "json",
    ]));
    let slice: serde_json::Value = serde_json::from_str(&yaml).unwrap();
    let unready = slice["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["targetRef"]["name"] == "web-76bcdc67c6-x5kq9")
        .unwrap();
    assert_eq!(
        unready["conditions"],
        serde_json::json!({"ready": false, "serving": false, "terminating": false})
    );
    assert_eq!(
        slice["metadata"]["labels"]["kubernetes.io/service-name"],
        "web"
    );
}

#[test]
fn indexed_job_pods_carry_their_index_and_the_job_lists_completed_indexes() {
    let get = |kind: &str, name: &str, at: &str| -> serde_json::Value {
        let out = stdout(&kubesim(&[
            "get",
            kind,
            name,
            "-f",
            "scenarios/workloads/indexed-job.yaml",
            "--at",
            at,
            "-o",
            "json",
        ]));
        serde_json::from_str(&out).unwrap()
    };
    let pod = get("pod", "render-3-b86qc", "13s");
    let index = "batch.kubernetes.io/job-completion-index";
    assert_eq!(pod["metadata"]["annotations"][index], "3");
    assert_eq!(pod["metadata"]["labels"][index], "3");
    assert_eq!(pod["spec"]["hostname"], "render-3");
    assert_eq!(
        pod["spec"]["containers"][0]["env"][0],
        serde_json::json!({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
            "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}})
    );
    let job = get("job", "render", "30s");
    assert_eq!(job["status"]["completedIndexes"], "0-1,3");
    assert_eq!(job["status"]["succeeded"], 3);
}

#[test]
fn get_takes_several_kinds_joined_by_commas() {
    let out = stdout(&kubesim(&[
        "get",
        "deploy,svc",
        "-f",
        "scenarios/workloads/service-endpoints.yaml",
        "--at",
        "30s",
    ]));
    assert_eq!(
        out,
        "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n\
         deployment.apps/web   4/4     4            4           30s\n\
         \n\
         NAME          TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n\
         service/web   ClusterIP   10.96.0.10   <none>        80/TCP    30s\n"
    );
}

#[test]
fn a_paused_deployment_reports_progressing_unknown() {
    let yaml = stdout(&kubesim(&[
        "get",
        "deploy",
        "web",
        "-o",
        "yaml",
        "-f",
        "scenarios/workloads/patch-and-pause.yaml",
        "--at",
        "4m",
    ]));
    assert!(yaml.contains("  paused: true\n"), "{yaml}");
    assert!(
        yaml.contains("    message: Deployment is paused\n    reason: DeploymentPaused\n    status: Unknown\n    type: Progressing\n"),
        "{yaml}"
    );
    // No pod of the new template yet: updatedReplicas 0, left out as the API omits zeros.
    assert!(!yaml.contains("updatedReplicas"), "{yaml}");
}

#[test]
fn edit_without_its_object_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edit.yaml");
    std::fs::write(
        &file,
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: edit}\nspec:\n  timeline:\n  - at: 30s\n    kubectl: edit deployment web\n",
    )
    .unwrap();
    let o = kubesim(&["run", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("edit.yaml:6:5: `kubectl edit` needs `object:`, the object as saved from the editor\n  hint: give `object: path/to/final.yaml`"),
        "{}",
        common::stderr(&o)
    );
}
