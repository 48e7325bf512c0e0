//! Kubelet timelines at exact simulated instants, read from the trace of the built binary.
//!
//! Timings behind the numbers (fixed here, drawn from distributions by default): sandbox
//! 500 ms; busybox pulls in 610 ms (500 ms
//! registry overhead + 2.2 MB at 20 MB/s) or is "already present" for a tagged image; create
//! + start 50 ms; a container's exit is noticed at the next whole-second PLEG relist.

use crate::common;

use common::{kubesim, stderr, stdout};
use serde_json::Value;

/// Runs a scenario given as YAML text and returns its trace records (header skipped).
fn trace(yaml: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.yaml");
    std::fs::write(&file, yaml).unwrap();
    let o = kubesim(&["run", file.to_str().unwrap(), "--trace", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `(t, change)` of the container changes of pod `pod`, as `state[/reason]#restarts`.
fn container_changes(trace: &[Value], pod: &str) -> Vec<(u64, String)> {
    trace
        .iter()
        .filter(|r| r["object"]["name"] == pod && r["change"]["what"] == "container")
        .map(|r| {
            let c = &r["change"];
            let mut s = c["state"].as_str().unwrap().to_string();
            if let Some(reason) = c["reason"].as_str() {
                s = format!("{s}/{reason}");
            }
            (
                r["t"].as_u64().unwrap(),
                format!("{s}#{}", c["restartCount"]),
            )
        })
        .collect()
}

/// Instants of the events with `reason` about `pod`, each with its message.
fn events(trace: &[Value], pod: &str, reason: &str) -> Vec<(u64, String)> {
    trace
        .iter()
        .filter(|r| r["object"]["name"] == pod && r["event"]["reason"] == reason)
        .map(|r| {
            let message = r["event"]["message"].as_str().unwrap().to_string();
            (r["t"].as_u64().unwrap(), message)
        })
        .collect()
}

fn times(list: &[(u64, String)]) -> Vec<u64> {
    list.iter().map(|(t, _)| *t).collect()
}

/// A scenario with one node whose latencies are fixed (sandbox 500 ms, start 50 ms) and one pod.
fn one_pod(name: &str, duration: &str, pod_spec: &str) -> String {
    format!(
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: {name}}}\nspec:\n  duration: {duration}\n  nodes:\n  - name: node01\n    latency: {{sandbox: {{median: 500ms}}, containerStart: {{median: 50ms}}}}\n  manifests:\n  - inline:\n      apiVersion: v1\n      kind: Pod\n      metadata: {{name: {name}}}\n      spec:\n{pod_spec}"
    )
}

fn exiting_pod(policy: &str, code: i32) -> String {
    one_pod(
        "app",
        "2m",
        &format!("        restartPolicy: {policy}\n        containers:\n        - {{name: app, image: \"busybox:1.36\", command: [sh, -c, \"sleep 5; exit {code}\"]}}\n"),
    )
}

#[test]
fn exit_1_restarts_with_crash_loop_backoff_under_always_and_on_failure() {
    // Runs 1.16 s → 6.16 s, noticed at 7 s, restarted at once; then each exit waits 10 s,
    // 20 s, 40 s from its finishedAt (12.05 s → 22.05 s, 27.1 s → 47.1 s, 52.15 s → 92.15 s).
    let expected = [
        (0, "waiting/ContainerCreating#0"),
        (1_160, "running#0"),
        (7_000, "terminated/Error#0"),
        (7_050, "running#1"),
        (13_000, "terminated/Error#1"),
        (13_000, "waiting/CrashLoopBackOff#1"),
        (22_100, "running#2"),
        (28_000, "terminated/Error#2"),
        (28_000, "waiting/CrashLoopBackOff#2"),
        (47_150, "running#3"),
        (53_000, "terminated/Error#3"),
        (53_000, "waiting/CrashLoopBackOff#3"),
        (92_200, "running#4"),
        (98_000, "terminated/Error#4"),
        (98_000, "waiting/CrashLoopBackOff#4"),
    ]
    .map(|(t, s)| (t, s.to_string()));
    for policy in ["Always", "OnFailure"] {
        let trace = trace(&exiting_pod(policy, 1));
        assert_eq!(container_changes(&trace, "app"), expected, "{policy}");
        let backoffs = events(&trace, "app", "BackOff");
        assert_eq!(times(&backoffs), [13_000, 28_000, 53_000, 98_000]);
        assert!(backoffs[0]
            .1
            .starts_with("Back-off restarting failed container app in pod app_default("));
    }
}

#[test]
fn exit_under_never_fails_the_pod_and_exit_0_under_on_failure_completes_it() {
    let never = trace(&exiting_pod("Never", 1));
    assert_eq!(
        container_changes(&never, "app").last(),
        Some(&(7_000, "terminated/Error#0".to_string()))
    );
    let phase = |t: &[Value]| -> Vec<(u64, String)> {
        t.iter()
            .filter(|r| r["change"]["what"] == "phase")
            .map(|r| (r["t"].as_u64().unwrap(), r["change"]["phase"].to_string()))
            .collect()
    };
    assert_eq!(
        phase(&never),
        [(1_160, "\"Running\"".into()), (7_000, "\"Failed\"".into())]
    );
    let done = trace(&exiting_pod("OnFailure", 0));
    assert_eq!(
        container_changes(&done, "app").last(),
        Some(&(7_000, "terminated/Completed#0".to_string()))
    );
    assert_eq!(phase(&done).last(), Some(&(7_000, "\"Succeeded\"".into())));
}

/// The seed notes' liveness-exam pod (note 001, 5.1.2) on the fixed-latency node.
const LIVENESS_EXAM: &str = "        containers:\n        - name: busybox-container\n          image: busybox\n          args: [/bin/sh, -c, \"touch /tmp/healthy; sleep 30; rm -rf /tmp/healthy; sleep 600\"]\n          livenessProbe:\n            exec: {command: [ls, /tmp/healthy]}\n            initialDelaySeconds: 10\n            periodSeconds: 5\n            successThreshold: 1\n            failureThreshold: 2\n";

#[test]
fn liveness_exam_fails_at_35_and_40_s_and_the_shell_is_killed_after_the_grace_period() {
    let trace = trace(&one_pod("liveness-exam", "6m", LIVENESS_EXAM));
    let unhealthy = events(&trace, "liveness-exam", "Unhealthy");
    // The file goes at 31.16 s; probes tick every 5 s from admission (0 s).
    assert_eq!(times(&unhealthy)[..4], [35_000, 40_000, 105_000, 110_000]);
    assert_eq!(
        unhealthy[0].1,
        "Liveness probe failed: ls: /tmp/healthy: No such file or directory"
    );
    let killing = events(&trace, "liveness-exam", "Killing");
    assert_eq!(times(&killing)[..2], [40_000, 110_000]);
    assert_eq!(
        killing[0].1,
        "Container busybox-container failed liveness probe, will be restarted"
    );
    // SIGTERM is ignored by sh as PID 1: SIGKILL 30 s later, and the replacement is pulled at
    // once (the kill and the start are one SyncPod pass).
    assert_eq!(
        times(&events(&trace, "liveness-exam", "Pulling"))[..2],
        [500, 70_000]
    );
}

// K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (SyncPod kills a probe-failed container
// and starts its replacement in one pass, with the pod status read before the kill; doBackOff
// takes the newest exited container of that name from that status: the run before the killed
// one). Every 70 s cycle (start, 30 s, two failed probes, 30 s grace) restarts at once while
// the back-off entry (none, then 10, 20, 40 s) is shorter than the 70 s since the run before
// ended; the sixth kill meets an 80 s back-off: CrashLoopBackOff, counted from that exit.
#[test]
fn probe_kills_restart_at_once_until_the_back_off_outgrows_the_probe_cycle() {
    let trace = trace(&one_pod("liveness-exam", "12m", LIVENESS_EXAM));
    let expected = [
        (0, "waiting/ContainerCreating#0"),
        (1_160, "running#0"),
        (70_550, "terminated/Error#0"),
        (70_550, "running#1"),
        (140_550, "terminated/Error#1"),
        (140_550, "running#2"),
        (210_550, "terminated/Error#2"),
        (210_550, "running#3"),
        (280_550, "terminated/Error#3"),
        (280_550, "running#4"),
        (350_550, "terminated/Error#4"),
        (350_550, "running#5"),
        // Killed at 390 s, gone at 420 s: 70 s since the run before ended, back-off 80 s.
        (421_000, "terminated/Error#5"),
        (421_000, "waiting/CrashLoopBackOff#5"),
        (500_550, "running#6"),
        // Gone at 570 s: 150 s since 420 s, back-off 160 s (next restart at 12m10s).
        (571_000, "terminated/Error#6"),
        (571_000, "waiting/CrashLoopBackOff#6"),
    ];
    let changes = container_changes(&trace, "liveness-exam");
    let expected: Vec<(u64, String)> = expected.iter().map(|(t, s)| (*t, s.to_string())).collect();
    assert_eq!(changes, expected);
    let backoff = events(&trace, "liveness-exam", "BackOff");
    assert_eq!(times(&backoff), [421_000, 571_000]);
}

// Between the kill and the replacement the API keeps the status written before the kill: no
// `Error`, and the restart counted once the new container runs.
#[test]
fn get_pods_never_shows_error_between_a_probe_kill_and_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("liveness.yaml");
    std::fs::write(&file, one_pod("liveness-exam", "12m", LIVENESS_EXAM)).unwrap();
    let file = file.to_str().unwrap();
    let get = |at: &str| stdout(&kubesim(&["get", "pods", "-f", file, "--at", at]));
    let header = "NAME            READY   STATUS    RESTARTS   AGE\n";
    assert_eq!(
        get("70s"),
        format!("{header}liveness-exam   1/1     Running   0          70s\n")
    );
    assert_eq!(
        get("70600ms"),
        "NAME            READY   STATUS    RESTARTS     AGE\nliveness-exam   1/1     Running   1 (0s ago)   70s\n"
    );
    assert_eq!(
        get("7m30s"),
        "NAME            READY   STATUS             RESTARTS      AGE\nliveness-exam   0/1     CrashLoopBackOff   5 (30s ago)   7m30s\n"
    );
    let describe = stdout(&kubesim(&[
        "describe",
        "pod",
        "liveness-exam",
        "-f",
        file,
        "--at",
        "7m30s",
    ]));
    assert!(describe.contains("    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    137\n"), "{describe}");
}

#[test]
fn a_startup_probe_holds_liveness_back_until_it_passes() {
    let spec = "        containers:\n        - name: app\n          image: busybox:1.36\n          command: [sh, -c, \"sleep 20; touch /tmp/started; sleep 3600\"]\n          startupProbe:\n            exec: {command: [cat, /tmp/started]}\n            periodSeconds: 5\n            failureThreshold: 10\n          livenessProbe:\n            exec: {command: [cat, /tmp/started]}\n            periodSeconds: 5\n            failureThreshold: 1\n";
    let slow = trace(&one_pod("slow", "2m", spec));
    let unhealthy = events(&slow, "slow", "Unhealthy");
    // Started at 1.16 s, the file appears at 21.16 s: startup fails at 5..20 s, passes at 25 s.
    assert_eq!(times(&unhealthy), [5_000, 10_000, 15_000, 20_000]);
    assert_eq!(
        unhealthy[0].1,
        "Startup probe failed: cat: can't open '/tmp/started': No such file or directory"
    );
    assert!(events(&slow, "slow", "Killing").is_empty());
    let changes = container_changes(&slow, "slow");
    assert_eq!(changes[1], (1_160, "running#0".to_string()));
    // Ready only once started (no readiness probe: ready as soon as the startup probe passes).
    let ready: Vec<u64> = slow
        .iter()
        .filter(|r| r["change"]["what"] == "container" && r["change"]["ready"] == true)
        .map(|r| r["t"].as_u64().unwrap())
        .collect();
    assert_eq!(ready, [25_000]);

    // A startup probe that never passes kills the container after failureThreshold misses.
    let never = spec.replace("sleep 20; touch /tmp/started; ", "");
    let never = never.replace("failureThreshold: 10", "failureThreshold: 3");
    let stuck = trace(&one_pod("stuck", "1m", &never));
    let killing = events(&stuck, "stuck", "Killing");
    assert_eq!(
        killing.first(),
        Some(&(
            15_000,
            "Container app failed startup probe, will be restarted".to_string()
        ))
    );
}

#[test]
fn a_failing_readiness_probe_keeps_a_two_container_pod_at_1_of_2() {
    let spec = "        containers:\n        - name: web\n          image: nginx:1.14\n          readinessProbe:\n            httpGet: {path: /, port: 80}\n        - name: sidecar\n          image: busybox:1.36\n          command: [sleep, \"3600\"]\n          readinessProbe:\n            exec: {command: [cat, /tmp/ready]}\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ready.yaml");
    std::fs::write(&file, one_pod("two", "2m", spec)).unwrap();
    let f = file.to_str().unwrap();
    let o = kubesim(&["get", "pods", "-f", f, "--at", "1m"]);
    assert_eq!(
        stdout(&o),
        "NAME   READY   STATUS    RESTARTS   AGE\ntwo    1/2     Running   0          60s\n"
    );
    let o = kubesim(&["describe", "pod", "two", "-f", f, "--at", "1m"]);
    let text = stdout(&o);
    assert!(
        text.contains("  Ready                       False \n"),
        "{text}"
    );
    assert!(
        text.contains(
            "Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory"
        ),
        "{text}"
    );
    // Readiness never restarts anything.
    assert!(!text.contains("Killing"), "{text}");
}

#[test]
fn deleting_a_pod_whose_pid_1_handles_sigterm_is_quick() {
    let spec = "        containers:\n        - {name: web, image: \"nginx:1.14\"}\n";
    let yaml =
        one_pod("web", "2m", spec) + "  timeline:\n  - at: 30s\n    kubectl: delete pod web\n";
    let trace = trace(&yaml);
    // nginx exits 0 on SIGTERM at once; the kubelet notices at the next relist.
    let deleted: Vec<u64> = trace
        .iter()
        .filter(|r| r["change"]["what"] == "deleted")
        .map(|r| r["t"].as_u64().unwrap())
        .collect();
    assert_eq!(deleted, [31_000]);
    assert!(container_changes(&trace, "web").contains(&(31_000, "terminated/Completed#0".into())));
}

#[test]
fn memory_pressure_evicts_the_pod_using_more_than_it_requested() {
    let yaml = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: eviction}\nspec:\n  duration: 1m\n  nodes:\n  - name: small\n    capacity: {memory: 1Gi}\n    latency: {sandbox: {median: 500ms}, containerStart: {median: 50ms}}\n  manifests:\n  - inline:\n      apiVersion: v1\n      kind: Pod\n      metadata: {name: hog}\n      spec:\n        containers:\n        - {name: stress, image: polinux/stress, command: [stress, --vm, \"1\", --vm-bytes, 950M, --vm-keep]}\n  - inline:\n      apiVersion: v1\n      kind: Pod\n      metadata: {name: web}\n      spec:\n        containers:\n        - {name: nginx, image: \"nginx:1.14\", resources: {requests: {memory: 64Mi}}}\n";
    let trace = trace(yaml);
    // The eviction manager looks every 10 s: 950Mi + nginx's 10Mi leave 64Mi < 100Mi.
    assert_eq!(
        events(&trace, "hog", "Evicted"),
        [(10_000, "The node was low on resource: memory. Threshold quantity: 100Mi, available: 64Mi. Container stress was using 950Mi, request is 0, has larger consumption of memory. ".to_string())]
    );
    let pressure = trace
        .iter()
        .find(|r| r["object"]["kind"] == "Node" && r["change"]["type"] == "MemoryPressure")
        .unwrap();
    assert_eq!(pressure["t"], 10_000);
    assert_eq!(pressure["change"]["status"], "True");
    assert!(events(&trace, "web", "Evicted").is_empty());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evict.yaml");
    std::fs::write(&file, yaml).unwrap();
    let o = kubesim(&[
        "get",
        "pod",
        "hog",
        "-f",
        file.to_str().unwrap(),
        "--at",
        "30s",
        "-o",
        "json",
    ]);
    let pod: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(pod["status"]["phase"], "Failed");
    assert_eq!(pod["status"]["reason"], "Evicted");
}

#[test]
fn a_pre_stop_hook_runs_before_sigterm_within_the_grace_period() {
    let spec = "        containers:\n        - name: web\n          image: nginx:1.14\n          lifecycle:\n            preStop:\n              sleep: {seconds: 5}\n";
    let yaml =
        one_pod("web", "2m", spec) + "  timeline:\n  - at: 30s\n    kubectl: delete pod web\n";
    let trace = trace(&yaml);
    assert_eq!(
        events(&trace, "web", "Killing"),
        [(30_000, "Stopping container web".to_string())]
    );
    // SIGTERM after the 5 s hook: nginx exits 0 at 35 s, noticed at 36 s.
    assert!(container_changes(&trace, "web").contains(&(36_000, "terminated/Completed#0".into())));
}

#[test]
fn a_post_start_hook_delays_running_and_its_failure_kills_the_container() {
    let spec = "        containers:\n        - name: app\n          image: busybox:1.36\n          command: [sleep, \"3600\"]\n          lifecycle:\n            postStart:\n              exec: {command: [sh, -c, \"sleep 3; echo hello > /tmp/msg\"]}\n";
    let slow = trace(&one_pod("slow", "1m", spec));
    // Started at 1.16 s; reported running once the hook returns at 4.16 s.
    assert_eq!(times(&events(&slow, "slow", "Started")), [1_160],);
    assert_eq!(
        container_changes(&slow, "slow")[1],
        (4_160, "running#0".to_string())
    );

    let failing = spec.replace("sleep 3; echo hello > /tmp/msg", "exit 1");
    let failed = trace(&one_pod("bad", "1m", &failing));
    // sleep ignores SIGTERM: killed after the 30 s grace, restarted at 32.05 s, failing again.
    assert_eq!(
        events(&failed, "bad", "FailedPostStartHook"),
        [
            (1_160, "PostStartHook failed".to_string()),
            (32_050, "PostStartHook failed".to_string())
        ]
    );
    assert_eq!(
        events(&failed, "bad", "Killing")[0],
        (1_160, "FailedPostStartHook".to_string())
    );
}

#[test]
fn liveness_http_fails_with_status_500_after_10_s_and_restarts() {
    let spec = "        containers:\n        - name: liveness\n          image: k8s.gcr.io/liveness\n          args: [/server]\n          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n            initialDelaySeconds: 10\n            periodSeconds: 5\n";
    let trace = trace(&one_pod("liveness-http", "3m", spec));
    // Pulled in 625 ms (2.5 MB), started at 1.175 s: /healthz turns 500 at 11.175 s; ticks at
    // 15, 20, 25 s fail (failureThreshold 3); the Go server exits 2 on SIGTERM.
    let unhealthy = events(&trace, "liveness-http", "Unhealthy");
    assert_eq!(times(&unhealthy)[..3], [15_000, 20_000, 25_000]);
    assert_eq!(
        unhealthy[0].1,
        "Liveness probe failed: HTTP probe failed with statuscode: 500"
    );
    let changes = container_changes(&trace, "liveness-http");
    assert_eq!(
        changes[1..5],
        [
            (1_175, "running#0".to_string()),
            (25_550, "terminated/Error#0".to_string()),
            (25_550, "running#1".to_string()),
            (50_550, "terminated/Error#1".to_string()),
        ]
    );
    // The Go server exits at once on SIGTERM, so each cycle is 25 s: restarts at once (no
    // entry, then 10 s and 20 s are shorter than 25 s) until the fifth kill meets a 40 s
    // back-off, counted from that exit (125 s): running again at 165 s.
    assert_eq!(
        changes[5..12],
        [
            (50_550, "running#2".to_string()),
            (75_550, "terminated/Error#2".to_string()),
            (75_550, "running#3".to_string()),
            (100_550, "terminated/Error#3".to_string()),
            (100_550, "running#4".to_string()),
            (126_000, "terminated/Error#4".to_string()),
            (126_000, "waiting/CrashLoopBackOff#4".to_string()),
        ]
    );
}

#[test]
fn limits_pod_is_oom_killed_601_ms_after_each_start() {
    let spec = "        containers:\n        - name: main\n          image: polinux/stress\n          resources: {limits: {cpu: 90m, memory: 300Mi}}\n          command: [stress]\n          args: [--vm, \"1\", --vm-bytes, 500M, --vm-hang, \"1\"]\n";
    let trace = trace(&one_pod("limits-pod", "2m", spec));
    // 500 MiB at 500 MiB/s crosses 300Mi after 600 ms: OOM at 1.25 s + 601 ms, noticed at 2 s;
    // restarted at once (Always pull 500 ms), OOM at 3.151 s, then back-off 10 s, 20 s ...
    let changes = container_changes(&trace, "limits-pod");
    assert_eq!(
        changes[1..9],
        [
            (1_250, "running#0".to_string()),
            (2_000, "terminated/OOMKilled#0".to_string()),
            (2_550, "running#1".to_string()),
            (4_000, "terminated/OOMKilled#1".to_string()),
            (4_000, "waiting/CrashLoopBackOff#1".to_string()),
            (13_701, "running#2".to_string()),
            (15_000, "terminated/OOMKilled#2".to_string()),
            (15_000, "waiting/CrashLoopBackOff#2".to_string()),
        ]
    );
    let o = trace
        .iter()
        .find(|r| r["change"]["reason"] == "OOMKilled")
        .unwrap();
    assert_eq!(o["change"]["exitCode"], 137);
}

#[test]
fn a_missing_image_alternates_err_image_pull_and_image_pull_back_off_with_growing_gaps() {
    let spec = "        containers:\n        - {name: redis, image: redis123}\n";
    let trace = trace(&one_pod("redis", "3m", spec));
    // Each failed pull takes 500 ms; syncs retry every 10 s; the back-off doubles from 10 s.
    let pulls = times(&events(&trace, "redis", "Pulling"));
    assert_eq!(pulls, [500, 11_000, 31_500, 72_000, 152_500]);
    let failed = events(&trace, "redis", "Failed");
    assert_eq!(
        failed[0],
        (1_000, "Failed to pull image \"redis123\": failed to pull and unpack image \"docker.io/library/redis123:latest\": failed to resolve reference \"docker.io/library/redis123:latest\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed".to_string())
    );
    assert_eq!(failed[1], (1_000, "Error: ErrImagePull".to_string()));
    let states: Vec<(u64, String)> = container_changes(&trace, "redis")[1..5].to_vec();
    assert_eq!(
        states,
        [
            (1_000, "waiting/ErrImagePull#0".to_string()),
            // (the second failure at 11.5 s leaves the state as it was)
            (21_500, "waiting/ImagePullBackOff#0".to_string()),
            (32_000, "waiting/ErrImagePull#0".to_string()),
            (42_000, "waiting/ImagePullBackOff#0".to_string()),
        ]
    );
}

#[test]
fn a_behaviour_the_scenario_states_overrides_the_image() {
    let text = std::fs::read_to_string("tests/fixtures/stated-behaviour.yaml").unwrap();
    let trace = trace(&text);
    // Started at 3.55 s: the port opens 3 s later (the 5 s liveness tick is refused), the
    // file appears at 8.55 s (ready at the 10 s readiness tick), and memory climbing from
    // 100Mi to 600Mi over 20 s crosses the 512Mi limit at 20.03 s.
    let liveness = events(&trace, "api", "Unhealthy")
        .into_iter()
        .filter(|(_, m)| m.starts_with("Liveness"))
        .collect::<Vec<_>>();
    assert_eq!(
        liveness[0],
        (5_000, "Liveness probe failed: Get \"http://10.244.0.2:8080/healthz\": dial tcp 10.244.0.2:8080: connect: connection refused".to_string())
    );
    let changes = container_changes(&trace, "api");
    assert_eq!(changes[1], (3_550, "running#0".to_string()));
    assert!(changes.contains(&(21_000, "terminated/OOMKilled#0".to_string())));
    let ready: Vec<u64> = trace
        .iter()
        .filter(|r| r["change"]["what"] == "container" && r["change"]["ready"] == true)
        .map(|r| r["t"].as_u64().unwrap())
        .collect();
    assert_eq!(ready[0], 10_000);
}

#[test]
fn a_cpu_limit_throttles_cpu_bound_work() {
    let spec = "        restartPolicy: Never\n        containers:\n        - {name: batch, image: example.com/batch, resources: {limits: {cpu: 500m}}}\n";
    let yaml = one_pod("batch", "3m", spec).replace(
        "  manifests:",
        "  behaviours:\n  - {image: example.com/batch, exit: {afterCpu: 30s}}\n  manifests:",
    );
    let trace = trace(&yaml);
    // 30 s of work at half a core: 60 s. Pulled 3.0 s (50 MB default), started at 3.55 s.
    let changes = container_changes(&trace, "batch");
    assert_eq!(changes[1], (3_550, "running#0".to_string()));
    assert_eq!(changes[2], (64_000, "terminated/Completed#0".to_string()));
}

#[test]
fn init_container_failures_and_sidecars_show_as_kubectl_shows_them() {
    let pod = |policy: &str, setup: &str| {
        let spec = format!("        restartPolicy: {policy}\n        initContainers:\n        - {{name: setup, image: \"busybox:1.36\", command: [sh, -c, \"{setup}\"]}}\n        - name: proxy\n          image: nginx:1.14\n          restartPolicy: Always\n          startupProbe:\n            httpGet: {{path: /, port: 80}}\n            periodSeconds: 2\n        containers:\n        - {{name: app, image: \"busybox:1.36\", command: [sleep, \"3600\"]}}\n");
        one_pod("p", "2m", &spec)
    };
    let get = |yaml: &str, at: &str| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.yaml");
        std::fs::write(&file, yaml).unwrap();
        let o = kubesim(&["get", "pods", "-f", file.to_str().unwrap(), "--at", at]);
        stdout(&o).lines().nth(1).unwrap().to_string()
    };
    let never = pod("Never", "sleep 2; exit 1");
    assert_eq!(
        get(&never, "20s"),
        "p      0/2     Init:Error   0          20s"
    );
    let always = pod("Always", "sleep 2; exit 1");
    assert_eq!(
        get(&always, "20s"),
        "p      0/2     Init:CrashLoopBackOff   2 (2s ago)   20s"
    );
    // setup completes at 3.16 s (noticed at 4 s); nginx is pulled (4.1 s) and started at
    // 8.15 s, its startup probe passes at the 10 s tick, and only then does the app start.
    let ok = pod("Always", "sleep 2");
    assert_eq!(get(&ok, "9s"), "p      0/2     Init:1/2   0          9s");
    assert_eq!(get(&ok, "11s"), "p      2/2     Running   0          11s");
}

/// `one_pod` with a timeline of `simulate:` entries appended.
fn one_pod_with_faults(name: &str, pod_spec: &str, faults: &[(&str, &str)]) -> String {
    let mut yaml = one_pod(name, "3m", pod_spec);
    yaml.push_str("  timeline:\n");
    for (at, line) in faults {
        yaml.push_str(&format!("  - {{at: {at}, simulate: \"{line}\"}}\n"));
    }
    yaml
}

/// The output of each `simulate:` entry, in order.
fn simulate_outputs(trace: &[Value]) -> Vec<String> {
    trace
        .iter()
        .filter(|r| r["object"]["kind"] == "Command" && r["object"]["name"] == "simulate")
        .map(|r| r["change"]["output"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_crash_restarts_the_container_as_any_exit_does() {
    // Running from 1.16 s; crashed at 30 s (noticed at the 31 s relist, restarted at once,
    // 50 ms to start), again at 40 s with code 3 (noticed at 41 s; back-off 10 s from the
    // finishedAt of 40 s), and once while in back-off (refused).
    let spec = "        restartPolicy: Always\n        containers:\n        - {name: app, image: \"busybox:1.36\", command: [sleep, \"3600\"]}\n";
    let faults = [
        ("30s", "crash app"),
        ("40s", "crash app -c app --exit-code=3"),
        ("45s", "crash app"),
        ("45s", "crash app -c db"),
        ("45s", "crash web"),
    ];
    let trace = trace(&one_pod_with_faults("app", spec, &faults));
    assert_eq!(
        container_changes(&trace, "app")[1..],
        [
            (1_160, "running#0"),
            (31_000, "terminated/Error#0"),
            (31_050, "running#1"),
            (41_000, "terminated/Error#1"),
            (41_000, "waiting/CrashLoopBackOff#1"),
            (50_050, "running#2"),
        ]
        .map(|(t, s)| (t, s.to_string()))
    );
    let exit_codes: Vec<i64> = trace
        .iter()
        .filter(|r| r["change"]["state"] == "terminated")
        .map(|r| r["change"]["exitCode"].as_i64().unwrap())
        .collect();
    assert_eq!(exit_codes, [1, 3]);
    assert_eq!(times(&events(&trace, "app", "BackOff")), [41_000]);
    assert_eq!(
        simulate_outputs(&trace),
        [
            "",
            "",
            "error: container app of pod app is not running",
            "Error from server (BadRequest): container db is not valid for pod app",
            "Error from server (NotFound): pods \"web\" not found",
        ]
    );
}

#[test]
fn a_leak_oom_kills_at_the_limit_and_the_next_run_starts_fresh() {
    // The stated process holds 100Mi; 50Mi/s leaked from 60 s crosses the 200Mi limit at
    // 62.001 s: OOMKilled, seen at the 63 s relist, restarted at once and never killed again.
    let spec = "        containers:\n        - {name: app, image: \"busybox:1.36\", command: [sleep, \"3600\"], resources: {limits: {memory: 200Mi}}}\n";
    let mut yaml = one_pod_with_faults("leaky", spec, &[("1m", "leak leaky --rate=50Mi/s")]);
    yaml.push_str("  behaviours:\n  - {pod: leaky, memory: [{at: 0s, usage: 100Mi}]}\n");
    let trace = trace(&yaml);
    let changes = container_changes(&trace, "leaky");
    assert_eq!(
        changes[2..],
        [(63_000, "terminated/OOMKilled#0"), (63_050, "running#1"),]
            .map(|(t, s)| (t, s.to_string()))
    );
    assert_eq!(simulate_outputs(&trace), [""]);
}

/// `kubesim get pod NAME -o json --at AT` of a scenario given as YAML text.
fn pod_at(yaml: &str, name: &str, at: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.yaml");
    std::fs::write(&file, yaml).unwrap();
    let args = ["get", "pod", name, "-f", file.to_str().unwrap(), "--at", at];
    let o = kubesim(&[&args[..], &["-o", "json"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// `type=status@lastTransitionTime` of each of the pod's conditions, in the API's order.
fn conditions(pod: &Value) -> Vec<String> {
    let list = pod["status"]["conditions"].as_array().unwrap();
    list.iter()
        .map(|c| {
            let at = c["lastTransitionTime"].as_str().unwrap();
            format!("{}={}@{}", c["type"], c["status"], &at[11..19])
        })
        .map(|s| s.replace('"', ""))
        .collect()
}

// K8S: pkg/kubelet/kubelet.go (SyncPod writes generateAPIPodStatus before
// containerRuntime.SyncPod creates the sandbox and pulls; the next sync shows the sandbox),
// pkg/kubelet/kubelet_pods.go (generateAPIPodStatus: PodScheduled=True), containerd's CRI
// ContainerStatus (the image as resolved, the repository digest).
#[test]
fn a_sync_blocked_on_a_pull_leaves_the_status_written_before_it() {
    // Bound by nodeName (no scheduler); sandbox at 0.5 s, nginx pulled 0.5 s → 4.6 s,
    // started at 4.65 s.
    let yaml = one_pod(
        "web",
        "1m",
        "        nodeName: node01\n        containers:\n        - {name: web, image: nginx}\n",
    );
    let pulling = pod_at(&yaml, "web", "3s");
    assert_eq!(pulling["status"]["podIP"], Value::Null);
    assert_eq!(pulling["status"]["podIPs"], Value::Null);
    assert_eq!(
        conditions(&pulling),
        [
            "PodReadyToStartContainers=False@00:00:00",
            "Initialized=True@00:00:00",
            "Ready=False@00:00:00",
            "ContainersReady=False@00:00:00",
            "PodScheduled=True@00:00:00",
        ]
    );
    let waiting = &pulling["status"]["containerStatuses"][0];
    assert_eq!(waiting["image"], "nginx");
    assert_eq!(waiting["imageID"], "");

    let running = pod_at(&yaml, "web", "10s");
    assert_eq!(running["status"]["podIP"], "10.244.0.2");
    assert_eq!(
        conditions(&running)[0],
        "PodReadyToStartContainers=True@00:00:04"
    );
    assert_eq!(conditions(&running)[4], "PodScheduled=True@00:00:00");
    let status = &running["status"]["containerStatuses"][0];
    assert_eq!(status["image"], "docker.io/library/nginx:latest");
    let id = status["imageID"].as_str().unwrap();
    let digest = id.strip_prefix("docker.io/library/nginx@sha256:").unwrap();
    assert_eq!(digest.len(), 64, "{id}");
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}

#[test]
fn an_image_of_another_registry_keeps_its_registry_in_image_and_image_id() {
    let yaml = one_pod(
        "pause",
        "1m",
        "        containers:\n        - {name: pause, image: \"registry.k8s.io/pause:3.10\"}\n",
    );
    let status = &pod_at(&yaml, "pause", "30s")["status"]["containerStatuses"][0];
    assert_eq!(status["image"], "registry.k8s.io/pause:3.10");
    let id = status["imageID"].as_str().unwrap();
    assert!(id.starts_with("registry.k8s.io/pause@sha256:"), "{id}");
}

const BUSYBOX_SLEP: &str =
    "        containers:\n        - {name: app, image: \"busybox:1.36\", command: [slep, \"3600\"]}\n";

/// runc's error for a missing PID 1, as containerd wraps it.
// K8S: measured with runc 1.1.5 (`exec: "slep": executable file not found in $PATH`); runc
// 1.1.12+ adds "error during container init", containerd "failed to create containerd task"
// (describe output of a v1.3x cluster, kube-controller-manager with a misspelt command)
fn start_error(detail: &str) -> String {
    format!("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: {detail}: unknown")
}

#[test]
fn a_command_the_image_lacks_fails_to_start_then_crash_loops() {
    let trace = trace(&one_pod("sleeper", "1m", BUSYBOX_SLEP));
    // Created at 1.11 s (after a 610 ms pull), the start fails 50 ms later; the exit is seen
    // at the 2 s relist and restarted at once; the next waits 10 s from 2.05 s, then 20 s.
    let changes = container_changes(&trace, "sleeper");
    assert_eq!(
        changes[1..9],
        [
            (1_160, "terminated/StartError#0".to_string()),
            (1_160, "waiting/RunContainerError#0".to_string()),
            (2_050, "terminated/StartError#0".to_string()),
            (2_050, "waiting/RunContainerError#1".to_string()),
            (3_000, "waiting/CrashLoopBackOff#1".to_string()),
            (12_100, "terminated/StartError#1".to_string()),
            (12_100, "waiting/RunContainerError#2".to_string()),
            (13_000, "waiting/CrashLoopBackOff#2".to_string()),
        ]
    );
    let message = start_error("exec: \"slep\": executable file not found in $PATH");
    assert_eq!(
        events(&trace, "sleeper", "Failed"),
        [1_160, 2_050, 12_100, 32_150].map(|t| (t, format!("Error: {message}")))
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sleeper.yaml");
    std::fs::write(&file, one_pod("sleeper", "1m", BUSYBOX_SLEP)).unwrap();
    let file = file.to_str().unwrap();
    let get = |at: &str| stdout(&kubesim(&["get", "pods", "-f", file, "--at", at]));
    assert_eq!(
        get("1200ms"),
        "NAME      READY   STATUS              RESTARTS   AGE\nsleeper   0/1     RunContainerError   0          1s\n"
    );
    assert_eq!(
        get("2100ms"),
        "NAME      READY   STATUS              RESTARTS     AGE\nsleeper   0/1     RunContainerError   1 (0s ago)   2s\n"
    );
    assert_eq!(
        get("3s"),
        "NAME      READY   STATUS             RESTARTS     AGE\nsleeper   0/1     CrashLoopBackOff   1 (1s ago)   3s\n"
    );
    let o = kubesim(&[
        "get", "pod", "sleeper", "-f", file, "--at", "3s", "-o", "json",
    ]);
    let pod: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        pod["status"]["containerStatuses"][0]["lastState"],
        serde_json::json!({"terminated": {
            "exitCode": 128,
            "reason": "StartError",
            "message": message,
            "startedAt": "1970-01-01T00:00:00Z",
            "finishedAt": "2025-01-01T00:00:02Z",
        }})
    );
    let describe = stdout(&kubesim(&[
        "describe", "pod", "sleeper", "-f", file, "--at", "3s",
    ]));
    assert!(describe.contains(&format!("    State:          Waiting\n      Reason:       CrashLoopBackOff\n    Last State:     Terminated\n      Reason:       StartError\n      Message:      {message}\n      Exit Code:    128\n      Started:      Thu, 01 Jan 1970 00:00:00 +0000\n      Finished:     Wed, 01 Jan 2025 00:00:02 +0000\n    Ready:          False\n    Restart Count:  1\n")), "{describe}");
}

#[test]
fn a_missing_path_under_restart_policy_never_fails_the_pod() {
    let spec = "        restartPolicy: Never\n        containers:\n        - {name: app, image: \"busybox:1.36\", command: [/bin/slep]}\n";
    let trace = trace(&one_pod("once", "1m", spec));
    assert_eq!(
        container_changes(&trace, "once")[1..],
        [(1_160, "terminated/StartError#0".to_string())]
    );
    assert_eq!(
        events(&trace, "once", "Failed"),
        [(
            1_160,
            format!(
                "Error: {}",
                start_error("exec: \"/bin/slep\": stat /bin/slep: no such file or directory")
            )
        )]
    );
    assert!(trace
        .iter()
        .any(|r| r["object"]["name"] == "once" && r["change"]["phase"] == "Failed"));
}

#[test]
fn pulls_fail_as_containerd_reports_them_and_assumed_images_are_listed() {
    let file = "tests/fixtures/images.yaml";
    let o = kubesim(&["get", "pods", "-f", file, "--at", "30s"]);
    assert_eq!(
        stdout(&o),
        "NAME             READY   STATUS             RESTARTS   AGE\nanonymous        0/1     ImagePullBackOff   0          30s\nassumed          1/1     Running            0          30s\nauthorized       1/1     Running            0          30s\nhost             0/1     ImagePullBackOff   0          30s\nother-tag        0/1     ImagePullBackOff   0          30s\ntag              0/1     ImagePullBackOff   0          30s\nunknown-secret   0/1     ImagePullBackOff   0          30s\n"
    );
    let text = std::fs::read_to_string(file).unwrap();
    let trace = trace(&text);
    let pull_failure = |pod: &str| {
        events(&trace, pod, "Failed")
            .into_iter()
            .find(|(_, m)| m.starts_with("Failed to pull"))
            .map(|(_, m)| m)
            .unwrap()
    };
    // K8S: containerd maps a missing manifest to gRPC NotFound, which the kubelet's event
    // quotes with its status prefix (pkg/kubelet/images/image_manager.go, "Failed to pull image
    // %q: %v"); a DNS failure and an authorization failure are plain errors
    assert_eq!(
        pull_failure("tag"),
        "Failed to pull image \"nginx:1.99.99\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.99.99\": failed to resolve reference \"docker.io/library/nginx:1.99.99\": docker.io/library/nginx:1.99.99: not found"
    );
    assert_eq!(
        pull_failure("host"),
        "Failed to pull image \"docker.ioo/library/nginx:1.27\": failed to pull and unpack image \"docker.ioo/library/nginx:1.27\": failed to resolve reference \"docker.ioo/library/nginx:1.27\": failed to do request: Head \"https://docker.ioo/v2/library/nginx/manifests/1.27\": dial tcp: lookup docker.ioo on 127.0.0.53:53: no such host"
    );
    let denied = "Failed to pull image \"registry.example.com/team/app:1.0\": failed to pull and unpack image \"registry.example.com/team/app:1.0\": failed to resolve reference \"registry.example.com/team/app:1.0\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://registry.example.com/token?scope=repository%3Ateam%2Fapp%3Apull&service=registry.example.com: 401 Unauthorized";
    assert_eq!(pull_failure("anonymous"), denied);
    assert_eq!(pull_failure("unknown-secret"), denied);
    assert!(pull_failure("other-tag").ends_with(
        "failed to resolve reference \"registry.example.com/team/app:2.0\": registry.example.com/team/app:2.0: not found"
    ));
    let backoff = events(&trace, "tag", "BackOff");
    assert_eq!(
        backoff[0].1,
        "Back-off pulling image \"nginx:1.99.99\"".to_string()
    );
    let o = kubesim(&["run", file]);
    assert!(
        stdout(&o).contains(
            "\nimages assumed to exist (in neither the catalogue nor spec.images): example.com/shop/api:1.2\n"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_declared_image_needs_a_name_without_tag() {
    let text = std::fs::read_to_string("tests/fixtures/images.yaml")
        .unwrap()
        .replace(
            "name: registry.example.com/team/app\n",
            "name: registry.example.com/team/app:1.0\n",
        );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("images.yaml");
    std::fs::write(&file, text).unwrap();
    let o = kubesim(&["run", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("images.yaml:12:5: \"registry.example.com/team/app:1.0\" is not an image name without a tag"),
        "{}",
        stderr(&o)
    );
}

/// `(t, change[show])` of the changes whose `change[field]` is `value`.
fn changes_where<'a>(
    trace: &'a [Value],
    (field, value): (&str, &str),
    show: &str,
) -> Vec<(u64, &'a str)> {
    trace
        .iter()
        .filter(|r| r["change"][field] == value)
        .map(|r| {
            (
                r["t"].as_u64().unwrap(),
                r["change"][show].as_str().unwrap(),
            )
        })
        .collect()
}

/// The pod's `Normal` events that name no container (those about the pod as a whole).
fn pod_events(trace: &[Value], pod: &str) -> Vec<(u64, String, String)> {
    trace
        .iter()
        .filter(|r| r["object"]["name"] == pod && r["event"]["type"] == "Normal")
        .filter(|r| r["event"].get("fieldPath").is_none() && r["event"]["source"] == "kubelet")
        .map(|r| {
            let e = &r["event"];
            let reason = e["reason"].as_str().unwrap().to_string();
            (
                r["t"].as_u64().unwrap(),
                reason,
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// A sandbox that dies is seen at the next relist (31 s): `SandboxChanged`, the container is
// stopped with the pod's grace period (`sleep` ignores SIGTERM: SIGKILL at 33 s), a new
// sandbox is ready 500 ms later and the container runs again in it, restartCount 1, with the
// killed run as lastState. A kill before the sandbox exists is refused.
// K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions, SyncPod)
#[test]
fn a_dead_sandbox_is_recreated_and_its_containers_restarted() {
    let spec = "        terminationGracePeriodSeconds: 2\n        containers:\n        - {name: app, image: \"busybox:1.36\", command: [sleep, \"3600\"]}\n";
    let faults = [("0s", "sandbox-kill app"), ("30s", "sandbox-kill app")];
    let trace = trace(&one_pod_with_faults("app", spec, &faults));
    assert_eq!(
        pod_events(&trace, "app"),
        [(
            31_000,
            "SandboxChanged".to_string(),
            "Pod sandbox changed, it will be killed and re-created.".to_string()
        )]
    );
    assert_eq!(
        events(&trace, "app", "Killing"),
        [(31_000, "Stopping container app".to_string())]
    );
    assert_eq!(
        container_changes(&trace, "app")[1..],
        [
            (1_160, "running#0"),
            (33_550, "terminated/Error#0"),
            (33_550, "running#1"),
        ]
        .map(|(t, s)| (t, s.to_string()))
    );
    let ready = changes_where(&trace, ("type", "PodReadyToStartContainers"), "status");
    assert_eq!(
        ready,
        [
            (0, "False"),
            (1_160, "True"),
            (31_000, "False"),
            (33_550, "True")
        ]
    );
    assert_eq!(
        simulate_outputs(&trace),
        ["error: pod app has no sandbox to kill yet", ""]
    );
    let pod = pod_at(&one_pod_with_faults("app", spec, &faults), "app", "40s");
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(
        pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        137
    );
}

// Under restartPolicy Never, once a container has run, a dead sandbox is not recreated: no
// `SandboxChanged`, the container is stopped (SIGKILL at 33 s, seen at the 34 s relist) and the
// pod fails.
// K8S: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: !shouldRestartOnFailure
// with containers that ran: CreateSandbox false, KillPod)
#[test]
fn a_dead_sandbox_under_never_is_not_recreated_and_the_pod_fails() {
    let spec = "        restartPolicy: Never\n        terminationGracePeriodSeconds: 2\n        containers:\n        - {name: app, image: \"busybox:1.36\", command: [sleep, \"3600\"]}\n";
    let trace = trace(&one_pod_with_faults(
        "once",
        spec,
        &[("30s", "sandbox-kill once")],
    ));
    assert_eq!(pod_events(&trace, "once"), []);
    assert_eq!(
        events(&trace, "once", "Killing"),
        [(31_000, "Stopping container app".to_string())]
    );
    assert_eq!(
        container_changes(&trace, "once")[1..],
        [(1_160, "running#0"), (34_000, "terminated/Error#0")].map(|(t, s)| (t, s.to_string()))
    );
    assert_eq!(times(&events(&trace, "once", "Started")), [1_160]);
    let phases = changes_where(&trace, ("what", "phase"), "phase");
    assert_eq!(phases, [(1_160, "Running"), (34_000, "Failed")]);
}

// A sandbox killed while the container's image is pulled (0.5 s to 1.11 s): the relist at 1 s
// sees it, there is nothing to stop, the new sandbox is ready at 1.5 s and the container is
// created there, once, never in the dead one.
#[test]
fn a_container_pulled_for_a_dead_sandbox_starts_in_the_new_one() {
    let spec = "        containers:\n        - {name: app, image: \"busybox:1.36\", command: [sleep, \"3600\"]}\n";
    let trace = trace(&one_pod_with_faults(
        "app",
        spec,
        &[("700ms", "sandbox-kill app")],
    ));
    assert_eq!(times(&events(&trace, "app", "Pulling")), [500]);
    assert_eq!(times(&events(&trace, "app", "Created")), [1_500]);
    assert_eq!(times(&events(&trace, "app", "Killing")), Vec::<u64>::new());
    assert_eq!(
        pod_events(&trace, "app")
            .iter()
            .map(|(t, r, _)| (*t, r.as_str()))
            .collect::<Vec<_>>(),
        [(1_000, "SandboxChanged")]
    );
    assert_eq!(
        container_changes(&trace, "app")[1..],
        [(1_550, "running#0".to_string())]
    );
}
