//! `kubesim explain pod`: the story behind a pod's state, walked back through the trace's
//! cause links, for the seed notes' scenarios.

use crate::common;

use common::{kubesim, stdout};

/// The story part of `kubesim explain pod NAME -f SCENARIO --at AT` (before the scheduling
/// section).
fn story(name: &str, scenario: &str, at: &str) -> String {
    let out = stdout(&kubesim(&[
        "explain", "pod", name, "-f", scenario, "--at", at,
    ]));
    out.split_once("\nScheduling:\n").unwrap().0.to_string()
}

// K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (SyncPod kills and starts in one pass):
// a probe-killed container is restarted at once, and the story tells the kill, the exit and the
// new run at the instant the replacement starts.
#[test]
fn a_probe_kill_and_its_immediate_restart_are_told_from_the_new_run_back() {
    assert_eq!(
        story("liveness-exam", "scenarios/seeds/liveness-exam.yaml", "2m30s"),
        "Pod default/liveness-exam at 2m30s: Running, 1/1 ready, 2 restarts.

Why (latest first; each line follows from the one below it):
  2m20.527s  container busybox-container is running again (restart 2) and ready
  2m20.527s  container busybox-container exited with code 137 (Error): 137 = 128 + 9, SIGKILL; its process ignored SIGTERM, so it was killed when the 30s grace period ran out
      1m50s  the kubelet stopped it: Container busybox-container failed liveness probe, will be restarted
      1m50s  Unhealthy (kubelet): Liveness probe failed: ls: /tmp/healthy: No such file or directory (2 times since 1m45s)
   1m10.55s  container busybox-container is running again (restart 1) and ready
   1m10.55s  container busybox-container exited with code 137 (Error): 137 = 128 + 9, killed by SIGKILL
"
    );
}

// The fifth kill of liveness-http finds the back-off (40 s by then) longer than the 25 s since
// the run before ended: CrashLoopBackOff, counted from the killed run's exit.
#[test]
fn crash_loop_after_liveness_failures_is_told_from_the_back_off_back() {
    assert_eq!(
        story("liveness-http", "scenarios/seeds/liveness-http.yaml", "2m30s"),
        "Pod default/liveness-http at 2m30s: CrashLoopBackOff, 0/1 ready, 4 restarts.

Why (latest first; each line follows from the one below it):
      2m6s  container liveness-test-pod waits in CrashLoopBackOff: the kubelet backs off before restarting a container that keeps failing
      2m6s  container liveness-test-pod exited with code 2 (Error): its process exited with 2
      2m5s  the kubelet stopped it: Container liveness-test-pod failed liveness probe, will be restarted
      2m5s  Unhealthy (kubelet): Liveness probe failed: HTTP probe failed with statuscode: 500 (3 times since 1m55s)
  1m40.57s  container liveness-test-pod is running again (restart 4) and ready
  1m40.57s  container liveness-test-pod exited with code 2 (Error): its process exited with 2

Now: back-off 40s restarting failed container=liveness-test-pod pod=liveness-http_default(78dde6e4-0000-4000-8000-000000000004).
"
    );
}

#[test]
fn oom_kill_names_the_limit() {
    let story = story("limits-pod", "scenarios/seeds/limits-pod.yaml", "2m");
    assert!(story.contains(
        "  1m18s  container main exited with code 137 (OOMKilled): the kernel's OOM killer stopped it when its memory went over its 300Mi limit\n"
    ), "{story}");
    assert!(story.ends_with("Now: back-off 1m20s restarting failed container=main pod=limits-pod_default(78dde6e4-0000-4000-8000-000000000004).\n"), "{story}");
}

#[test]
fn image_pull_back_off_goes_back_to_the_registry_refusal() {
    let story = story("redis", "scenarios/seeds/redis123.yaml", "2m");
    let lines: Vec<&str> = story.lines().collect();
    assert_eq!(
        lines[3],
        "  1m52.86s  Failed (kubelet): Error: ImagePullBackOff (3 times since 1m32.86s)"
    );
    assert!(lines[8].starts_with("  1m12.86s  Failed (kubelet): Failed to pull image \"redis123\": failed to pull and unpack image \"docker.io/library/redis123:latest\""), "{story}");
    assert_eq!(lines[10], "Now: Back-off pulling image \"redis123\".");
}

#[test]
fn init_containers_say_what_the_pod_waits_for() {
    assert_eq!(
        story("myapp-pod", "scenarios/seeds/myapp-pod.yaml", "30s"),
        "Pod default/myapp-pod at 30s: Init:1/2, 0/1 ready, 0 restarts.

Why (latest first; each line follows from the one below it):
  22.05s  init container init-mydb is running
     22s  init container init-myservice exited with code 0 (Completed)
  1.532s  init container init-myservice is running
      0s  the scheduler assigned it to node01
      0s  the pod was created

Now: init container init-mydb is running `sh -c until nslookup mydb.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for mydb; sleep 2; done`; the next containers start only once it exits with code 0. It waits for Service \"mydb\", which does not exist in namespace \"default\": its last `nslookup mydb.default.svc.cluster.local` failed.
"
    );
}

// myservice is created at 20 s: from then on the note names no missing Service, though the
// loop has not looked again yet (its next nslookup is at 21.5 s).
#[test]
fn an_init_container_names_the_service_its_loop_waits_for_until_it_exists() {
    let now = |at: &str| {
        story("myapp-pod", "scenarios/seeds/myapp-pod.yaml", at)
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    let running = "Now: init container init-myservice is running `sh -c until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done`; the next containers start only once it exits with code 0.";
    assert_eq!(
        now("19s"),
        format!("{running} It waits for Service \"myservice\", which does not exist in namespace \"default\": its last `nslookup myservice.default.svc.cluster.local` failed.")
    );
    assert_eq!(now("20s"), running);
}

#[test]
fn a_rollout_pod_goes_back_to_the_kubectl_command() {
    let story = story(
        "web-7f5c9d5b46-4gwbc",
        "scenarios/workloads/deployment-rollout.yaml",
        "3m10s",
    );
    assert!(
        story.contains("  3m0s  the pod was created by ReplicaSet web-7f5c9d5b46\n"),
        "{story}"
    );
    assert!(
        story.ends_with("  3m0s  kubectl set image deployment/web nginx=nginx:1.16 → deployment.apps/web image updated\n"),
        "{story}"
    );
}

#[test]
fn a_pending_pod_shows_the_scheduler_verdict() {
    let story = story("too-big", "scenarios/demo.yaml", "1m");
    assert!(story.contains("  0s  FailedScheduling (default-scheduler): 0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory."), "{story}");
}

#[test]
fn a_failed_node_is_explained_from_its_conditions_back_to_the_fault() {
    let out = stdout(&kubesim(&[
        "explain",
        "node",
        "node02",
        "-f",
        "scenarios/workloads/node-failure.yaml",
        "--at",
        "3m",
    ]));
    assert_eq!(
        out,
        "Node node02 at 3m0s: NotReady.
  Ready=Unknown since 1m50s (NodeStatusUnknown): Kubelet stopped posting node status.
  taint node.kubernetes.io/unreachable:NoSchedule
  taint node.kubernetes.io/unreachable:NoExecute

Why (latest first):
  1m50s  Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.
  1m50s  NodeNotReady (node-controller): Node node02 status is now: NodeNotReady
   1m0s  simulate node-down node02
     0s  the node joined the cluster

Pods bound to it now:
  Running: log-agent-cfc48, web-76bcdc67c6-7r9wz, web-76bcdc67c6-b86qc
"
    );
}

#[test]
fn a_drained_node_lists_the_commands_that_named_it() {
    let out = stdout(&kubesim(&[
        "explain",
        "node",
        "node01",
        "-f",
        "scenarios/workloads/drain.yaml",
        "--at",
        "3m",
    ]));
    assert!(
        out.starts_with("Node node01 at 3m0s: Ready,SchedulingDisabled.\n"),
        "{out}"
    );
    assert!(
        out.contains("   1m0s  kubectl drain node01 → node/node01 cordoned\n"),
        "{out}"
    );
}

#[test]
fn every_seed_note_pod_has_a_story() {
    // (scenario, pod, instant, a line the story must hold)
    let cases = [
        ("liveness-http", "liveness-http", "50s", "     50s  the kubelet stopped it: Container liveness-test-pod failed liveness probe, will be restarted\n     50s  Unhealthy (kubelet): Liveness probe failed: HTTP probe failed with statuscode: 500 (3 times since 40s)\n  25.55s  container liveness-test-pod is running again (restart 1) and ready\n"),
        ("multipod", "multipod", "50s", "  9.372s  container centos-container is running and ready\n  5.022s  container nginx-container is running and ready\n"),
        ("node-selector", "nginx", "50s", "      0s  the scheduler assigned it to minikube-m02\n"),
        ("requests-pod", "requests-pod", "50s", "  1.532s  container main is running and ready\n"),
        ("simple-init", "kubernetes-simple-pod", "50s", "      9s  init container init-mydb exited with code 0 (Completed)\n   6.55s  init container init-mydb is running\n      6s  init container init-myservice exited with code 0 (Completed)\n"),
        ("webserver", "kubia-manual", "50s", "  13.502s  container kubia is running and ready\n"),
    ];
    for (scenario, pod, at, line) in cases {
        let story = story(pod, &format!("scenarios/seeds/{scenario}.yaml"), at);
        assert!(story.contains(line), "{scenario}: {story}");
    }
}
