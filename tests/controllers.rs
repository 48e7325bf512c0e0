//! Controllers and timeline commands through the CLI: kubectl's exact output for drain and
//! rollout history, and the workload columns of `kubesim get`.

mod common;

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
        "NAME        DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\nlog-agent   3         3         3       3            3           <none>          90s\n"
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
