//! Integration tests: the built `kubesim` binary, driven as a user drives it.

use crate::common;

use std::path::{Path, PathBuf};

use common::{kubesim, stderr, stdout};

/// Every scenario file under `scenarios/`, recursively.
fn scenario_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml")
                && std::fs::read_to_string(&p)
                    .unwrap()
                    .contains("kind: Scenario")
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut out,
    );
    assert!(!out.is_empty());
    out
}

#[test]
fn every_scenario_traces_byte_identically_in_two_processes() {
    let dir = tempfile::tempdir().unwrap();
    for (i, scenario) in scenario_files().iter().enumerate() {
        let a = dir.path().join(format!("{i}-a.jsonl"));
        let b = dir.path().join(format!("{i}-b.jsonl"));
        for out in [&a, &b] {
            let o = kubesim(&[
                "run",
                scenario.to_str().unwrap(),
                "--trace",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}: {}", scenario.display(), stderr(&o));
        }
        let (ta, tb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert!(ta.len() > 200, "{} wrote a trace", scenario.display());
        assert_eq!(ta, tb, "{} is not deterministic", scenario.display());
        let d = kubesim(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
        assert_eq!(d.status.code(), Some(0));
        assert!(stdout(&d).starts_with("identical: "));
    }
}

#[test]
fn every_scenario_meets_its_expectations() {
    for scenario in scenario_files() {
        let o = kubesim(&["check", scenario.to_str().unwrap()]);
        assert!(
            o.status.success(),
            "{}:\n{}{}",
            scenario.display(),
            stdout(&o),
            stderr(&o)
        );
        assert!(
            stdout(&o).ends_with(" passed, 0 failed\n"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn a_different_seed_is_reported_by_diff() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    assert!(kubesim(&["run", "--trace", a.to_str().unwrap()])
        .status
        .success());
    assert!(
        kubesim(&["run", "--seed", "8", "--trace", b.to_str().unwrap()])
            .status
            .success()
    );
    let d = kubesim(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(d.status.code(), Some(1));
    assert!(
        stdout(&d).starts_with("headers differ at line 1 (header):"),
        "{}",
        stdout(&d)
    );
}

#[test]
fn run_without_arguments_plays_the_demo() {
    let o = kubesim(&["run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("scenario demo (seed 7): simulated 5m0s in "),
        "{text}"
    );
    assert!(text.contains("\nnodes: 3\npods: 4: 1 CrashLoopBackOff, 1 Pending, 2 Running\nrestarts: 9\nunschedulable: default/too-big\n"), "{text}");
}

#[test]
fn unsimulated_fields_are_named_once_with_the_first_pod_using_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pods.yaml");
    let pod = |name: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  volumes: [{{name: data, emptyDir: {{}}}}]\n  containers:\n  - {{name: c, image: nginx, volumeMounts: [{{name: data, mountPath: /data}}]}}\n")
    };
    std::fs::write(&file, format!("{}---\n{}", pod("a"), pod("b"))).unwrap();
    let o = kubesim(&["run", file.to_str().unwrap()]);
    let text = stdout(&o);
    let at = file.display();
    assert!(
        text.contains(&format!("accepted but not simulated yet:\n  spec.containers[].volumeMounts (first in pod/a at {at}:1)\n  spec.volumes (first in pod/a at {at}:1)\n")),
        "{text}"
    );
    assert_eq!(text.matches("spec.volumes").count(), 1, "{text}");
}

#[test]
fn get_pods_prints_kubectl_columns() {
    let o = kubesim(&["get", "pods", "-f", "scenarios/demo.yaml", "--at", "30s"]);
    assert_eq!(
        stdout(&o),
        "NAME            READY   STATUS             RESTARTS      AGE\n\
         limits-pod      0/1     CrashLoopBackOff   2 (16s ago)   30s\n\
         liveness-exam   1/1     Running            0             30s\n\
         too-big         0/1     Pending            0             30s\n\
         web             1/1     Running            0             30s\n"
    );
    // Before the image is pulled the container is still being created, and the API still
    // shows the status written before the sync that made the sandbox: no IP yet.
    // K8S: pkg/kubelet/kubelet.go (SyncPod writes the status before containerRuntime.SyncPod)
    let o = kubesim(&[
        "get",
        "pods",
        "web",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "2s",
        "-o",
        "wide",
    ]);
    assert_eq!(
        stdout(&o),
        "NAME   READY   STATUS              RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES\n\
         web    0/1     ContainerCreating   0          2s    <none>   node01   <none>           <none>\n"
    );
}

#[test]
fn get_nodes_and_events_match_kubectl() {
    let o = kubesim(&["get", "nodes", "-f", "scenarios/demo.yaml", "--at", "90s"]);
    assert_eq!(
        stdout(&o),
        "NAME           STATUS   ROLES           AGE   VERSION\n\
         controlplane   Ready    control-plane   90s   v1.34.0\n\
         node01         Ready    <none>          90s   v1.34.0\n\
         node02         Ready    <none>          90s   v1.34.0\n"
    );
    let o = kubesim(&["get", "events", "-f", "scenarios/demo.yaml", "--at", "30s"]);
    let text = stdout(&o);
    assert!(
        text.starts_with("LAST SEEN   TYPE      REASON             OBJECT              MESSAGE\n"),
        "{text}"
    );
    assert!(text.contains(
        "30s         Warning   FailedScheduling   pod/too-big         0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\n"
    ), "{text}");
}

#[test]
fn describe_pod_matches_kubectl_layout() {
    let o = kubesim(&[
        "describe",
        "pod",
        "too-big",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "1m",
    ]);
    assert_eq!(
        stdout(&o),
        "Name:             too-big\n\
Namespace:        default\n\
Priority:         0\n\
Service Account:  default\n\
Node:             <none>\n\
Labels:           <none>\n\
Annotations:      <none>\n\
Status:           Pending\n\
IP:               \n\
IPs:              <none>\n\
Containers:\n\
\x20 app:\n\
\x20   Image:      nginx:1.14\n\
\x20   Port:       <none>\n\
\x20   Host Port:  <none>\n\
\x20   Requests:\n\
\x20     memory:     8Gi\n\
\x20   Environment:  <none>\n\
\x20   Mounts:       <none>\n\
Conditions:\n\
\x20 Type           Status\n\
\x20 PodScheduled   False \n\
Volumes:         <none>\n\
QoS Class:       Burstable\n\
Node-Selectors:  <none>\n\
Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n\
\x20                node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n\
Events:\n\
\x20 Type     Reason            Age   From               Message\n\
\x20 ----     ------            ----  ----               -------\n\
\x20 Warning  FailedScheduling  60s   default-scheduler  0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.\n"
    );
}

#[test]
fn describe_node_lists_its_pods_and_allocations() {
    let o = kubesim(&[
        "describe",
        "node",
        "node01",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "1m",
    ]);
    let text = stdout(&o);
    assert!(text.starts_with("Name:               node01\nRoles:              <none>\nLabels:             beta.kubernetes.io/arch=amd64\n"), "{text}");
    assert!(
        text.contains("Non-terminated Pods:          (1 in total)\n"),
        "{text}"
    );
    assert!(text.contains("  default                     web     250m (12%)    0 (0%)      256Mi (6%)       0 (0%)         60s\n"), "{text}");
    assert!(
        text.contains(
            "  cpu                250m (12%)  0 (0%)\n  memory             256Mi (6%)  0 (0%)\n"
        ),
        "{text}"
    );
}

#[test]
fn check_passes_and_fails_loudly() {
    let o = kubesim(&["check", "scenarios/demo.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("7 passed, 0 failed\n"));
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong.yaml");
    std::fs::write(
        &wrong,
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: wrong}\nspec:\n  manifests:\n  - inline: {apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: c, image: nginx:1.14}]}}\n  expect:\n  - {at: 1s, pod: web, status: Running, ready: 1/1}\n",
    )
    .unwrap();
    let o = kubesim(&["check", wrong.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("wrong.yaml:8 at 1s: pod default/web: status: expected Running, saw ContainerCreating; ready: expected 1/1, saw 0/1\n"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed\n"));
}

#[test]
fn bad_input_names_file_line_and_exits_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "tests/fixtures/malformed.yaml"], "tests/fixtures/malformed.yaml:4:1: invalid YAML"),
        (
            &["run", "tests/fixtures/liveness-exam-typo.yaml"],
            "hint: the line above reads `-name: busybox-container`: put a space after the dash",
        ),
        (&["run", "tests/fixtures/kubia-tabs.yaml"], "tests/fixtures/kubia-tabs.yaml:4:2: invalid YAML: tabs disallowed"),
        (
            &["run", "tests/fixtures/kubia-ports-misindented.yaml"],
            "tests/fixtures/kubia-ports-misindented.yaml:9:3: unknown field \"ports\" in Pod spec\n  hint: `ports` is a container field",
        ),
        (
            &["run", "tests/fixtures/unknown-kind.yaml"],
            "tests/fixtures/unknown-kind.yaml:2:1: no matches for kind \"Pdo\" in version \"v1\"",
        ),
        (
            &["run", "tests/fixtures/bad-simulate-rate.yaml"],
            "tests/fixtures/bad-simulate-rate.yaml:7:5: error: invalid --rate \"fast\": quantities must match the regular expression",
        ),
        (&["run", "tests/fixtures/no-such-file.yaml"], "tests/fixtures/no-such-file.yaml: cannot read scenario: no such file"),
        (
            &["run", "tests/fixtures/behaviour-without-selector.yaml"],
            "tests/fixtures/behaviour-without-selector.yaml:6:5: a behaviour must select containers\n  hint: give `image:`, `container:` or `pod:` (they combine)",
        ),
        (
            &["run", "tests/fixtures/negative-duration.yaml"],
            "tests/fixtures/negative-duration.yaml:5:3: invalid duration \"-10s\": must not be negative",
        ),
        (
            &["get", "pods", "-f", "scenarios/demo.yaml", "--at", "6m"],
            "error: --at 6m is after the end of scenario \"demo\" (5m0s); raise its spec.duration",
        ),
        (&["get", "pods", "-f", "scenarios/demo.yaml", "--at", "-5s"], "invalid --at \"-5s\": must not be negative"),
        (&["get", "widgets", "-f", "scenarios/demo.yaml", "--at", "5s"], "the server doesn't have a resource type \"widgets\""),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
    ];
    for (args, want) in cases {
        let o = kubesim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

/// A scenario file (in a directory kept while the first value lives) of one pod `pod` whose
/// busybox `sleep 3600` ignores SIGTERM, and one timeline `kubectl` command at `at`.
fn sleeper_scenario(pod: &str, at: &str, command: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.yaml");
    std::fs::write(
        &file,
        format!("apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: {pod}}}\nspec:\n  duration: 2m\n  manifests:\n  - inline: {{apiVersion: v1, kind: Pod, metadata: {{name: {pod}}}, spec: {{containers: [{{name: c, image: busybox, command: [sleep, '3600']}}]}}}}\n  timeline:\n  - at: {at}\n    kubectl: {command}\n"),
    )
    .unwrap();
    let path = file.to_str().unwrap().to_string();
    (dir, path)
}

#[test]
fn timeline_delete_waits_for_the_grace_period() {
    let (_dir, f) = sleeper_scenario("sleeper", "30s", "delete pod sleeper");
    let f = f.as_str();
    let o = kubesim(&["get", "pods", "-f", f, "--at", "45s"]);
    assert_eq!(stdout(&o), "NAME      READY   STATUS        RESTARTS   AGE\nsleeper   1/1     Terminating   0          45s\n");
    // K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describePod: `lasts` is
    // HumanDuration of the time since the deletion timestamp, 60 s here: `<invalid>` while it
    // is more than a second ahead, truncated toward zero, then `0s`)
    let lasts = |at: &str| {
        let text = stdout(&kubesim(&[
            "describe", "pod", "sleeper", "-f", f, "--at", at,
        ]));
        let status = text.lines().position(|l| l.starts_with("Status:")).unwrap();
        text.lines()
            .skip(status)
            .take(2)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let invalid =
        "Status:                    Terminating (lasts <invalid>)\nTermination Grace Period:  30s";
    assert_eq!(lasts("45s"), invalid);
    assert_eq!(lasts("57500ms"), invalid);
    let now = "Status:                    Terminating (lasts 0s)\nTermination Grace Period:  30s";
    assert_eq!(lasts("58500ms"), now);
    assert_eq!(lasts("60500ms"), now);
    // SIGKILL at 60 s; the PLEG relist notices the exit at 61 s and the pod goes.
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (Run: the note goes to ErrOut)
    let o = kubesim(&["get", "pods", "-f", f, "--at", "61s"]);
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "No resources found in default namespace.\n");
    let o = kubesim(&["run", f, "--trace", "-"]);
    let trace = stdout(&o);
    // K8S: kubectl v1.34's cmd/delete/delete.go (PrintObj names the namespace)
    assert!(trace.contains(r#""t":30000,"time":"30s","object":{"kind":"Command","name":"kubectl"},"change":{"what":"command","command":"delete pod sleeper","output":"pod \"sleeper\" deleted from default namespace"}"#), "{trace}");
    assert!(trace.contains(r#""t":61000,"time":"1m1s","object":{"kind":"Pod","namespace":"default","name":"sleeper"},"change":{"what":"deleted"}"#), "{trace}");
}

#[test]
fn timeline_force_delete_warns_and_removes_the_pod_at_once() {
    let (_dir, f) = sleeper_scenario("doomed", "40s", "delete pod doomed --force");
    let f = f.as_str();
    let o = kubesim(&["get", "pods", "-f", f, "--at", "39s"]);
    assert_eq!(
        stdout(&o),
        "NAME     READY   STATUS    RESTARTS   AGE\ndoomed   1/1     Running   0          39s\n"
    );
    let o = kubesim(&["get", "pods", "-f", f, "--at", "40s"]);
    assert_eq!(
        (stdout(&o), stderr(&o)),
        (
            String::new(),
            "No resources found in default namespace.\n".to_string()
        )
    );
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go (Validate warns of a grace
    // period of 0 with --force; PrintObj says `force deleted` and, since v1.34, the namespace)
    let o = kubesim(&["run", f, "--trace", "-"]);
    let trace = stdout(&o);
    assert!(trace.contains(r#""t":40000,"time":"40s","object":{"kind":"Command","name":"kubectl"},"change":{"what":"command","command":"delete pod doomed --force","output":"Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\npod \"doomed\" force deleted from default namespace"}"#), "{trace}");
    let o = kubesim(&["get", "pod", "doomed", "-f", f, "--at", "40s"]);
    assert_eq!(
        stderr(&o),
        "Error from server (NotFound): pods \"doomed\" not found\n"
    );
}

#[test]
fn output_yaml_renders_api_objects_with_status() {
    let o = kubesim(&[
        "get",
        "pod",
        "web",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "30s",
        "-o",
        "yaml",
    ]);
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: \"2025-01-01T00:00:00Z\"\n"
        ),
        "{text}"
    );
    assert!(text.contains("  nodeName: node01\n"), "{text}");
    assert!(text.contains("  phase: Running\n"), "{text}");
    let o = kubesim(&[
        "get",
        "pods",
        "-f",
        "scenarios/demo.yaml",
        "--at",
        "30s",
        "-o",
        "name",
    ]);
    assert_eq!(
        stdout(&o),
        "pod/limits-pod\npod/liveness-exam\npod/too-big\npod/web\n"
    );
}

#[test]
fn output_yaml_and_name_cover_workloads_with_their_controller_status() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deploy.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    // The spec with the API server's defaults, the pod template's included.
    // K8S: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment), pkg/apis/core/v1/defaults.go
    let o = kubesim(&["get", "deploy", "web", "-f", f, "--at", "1s", "-o", "yaml"]);
    assert_eq!(
        stdout(&o),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    deployment.kubernetes.io/revision: \"1\"\n  creationTimestamp: \"2025-01-01T00:00:00Z\"\n  generation: 1\n  labels:\n    app: web\n  name: web\n  namespace: default\n  uid: 08d12e65-0000-4000-8000-00000000000d\nspec:\n  progressDeadlineSeconds: 600\n  replicas: 2\n  revisionHistoryLimit: 10\n  selector:\n    matchLabels:\n      app: web\n  strategy:\n    rollingUpdate:\n      maxSurge: 25%\n      maxUnavailable: 25%\n    type: RollingUpdate\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx\n        imagePullPolicy: Always\n        name: nginx\n        resources: {}\n        terminationMessagePath: /dev/termination-log\n        terminationMessagePolicy: File\n      dnsPolicy: ClusterFirst\n      restartPolicy: Always\n      schedulerName: default-scheduler\n      securityContext: {}\n      terminationGracePeriodSeconds: 30\nstatus:\n  conditions:\n  - lastTransitionTime: \"2025-01-01T00:00:00Z\"\n    lastUpdateTime: \"2025-01-01T00:00:00Z\"\n    message: Deployment does not have minimum availability.\n    reason: MinimumReplicasUnavailable\n    status: \"False\"\n    type: Available\n  - lastTransitionTime: \"2025-01-01T00:00:00Z\"\n    lastUpdateTime: \"2025-01-01T00:00:00Z\"\n    message: ReplicaSet \"web-6c8ffc4f57\" is progressing.\n    reason: ReplicaSetUpdated\n    status: \"True\"\n    type: Progressing\n  observedGeneration: 1\n  replicas: 2\n  unavailableReplicas: 2\n  updatedReplicas: 2\n"
    );
    let o = kubesim(&["get", "all", "-f", f, "--at", "1s", "-o", "name"]);
    assert_eq!(
        stdout(&o),
        // A plain manifest runs on a kubeadm cluster: service/kubernetes is in `default`.
        "pod/web-6c8ffc4f57-4gwbc\npod/web-6c8ffc4f57-n9rzv\nservice/kubernetes\ndeployment.apps/web\nreplicaset.apps/web-6c8ffc4f57\n"
    );
    let o = kubesim(&[
        "get", "deploy", "-l", "app=db", "-f", f, "--at", "1s", "-o", "json",
    ]);
    // K8S: staging/src/k8s.io/cli-runtime/pkg/printers/json.go (MarshalIndent with four spaces)
    assert_eq!(
        stdout(&o),
        "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
    );
}

#[test]
fn semantic_mistakes_are_warned_about_before_the_run() {
    let o = kubesim(&["run", "tests/fixtures/lint-mistakes.yaml"]);
    assert_eq!(o.status.code(), Some(0));
    let warnings: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("Warning: "))
        .map(String::from)
        .collect();
    assert_eq!(
        warnings,
        [
            "Warning: tests/fixtures/lint-mistakes.yaml:2: deployment tools: container shell exits with code 0 after 0s (it runs `sh`); under restartPolicy Always it is restarted again and again and ends in CrashLoopBackOff. Give it a command that keeps running (for example `sleep 3600`), or use restartPolicy Never or OnFailure for a one-off task.",
            "Warning: tests/fixtures/lint-mistakes.yaml:18: pod web: container nginx: livenessProbe.httpGet.port 8080: nothing in the pod listens on 8080 (it listens on 80); the probe will fail and the kubelet will restart the container.",
            "Warning: tests/fixtures/lint-mistakes.yaml:18: pod web: container nginx: readinessProbe.tcpSocket.port http: container nginx has no port named http; the probe will fail and the pod never becomes Ready.",
            "Warning: tests/fixtures/lint-mistakes.yaml:32: service web selects app=wbe, which no pod or pod template in the scenario carries; its endpoints stay empty. Check the selector against the pods' labels.",
        ]
    );
    let demo = kubesim(&["check", "scenarios/demo.yaml"]);
    assert!(stderr(&demo).contains("Warning: scenarios/demo.yaml:49: pod too-big: requests 8Gi of memory, more than any node can give (the largest allocatable is 4Gi); it will stay Pending."));
}

/// Writes the scenario `text` as `name` and validates it (against a root that does not exist):
/// it must be refused, exit 2, before anything runs. Its path and stderr.
fn refused_by_validate(name: &str, text: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join(name);
    std::fs::write(&scenario, text).unwrap();
    let path = scenario.to_str().unwrap();
    let out = kubesim(&["validate", path, "--root", "/nonexistent/kubesim-root"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    (path.to_string(), stderr(&out))
}

// A container whose command the interpreter cannot play would make the simulated run a guess:
// `validate` refuses the scenario, naming the container, its command and why, before it starts
// any real container (so this needs no root).
#[test]
fn validate_refuses_a_scenario_whose_commands_cannot_be_simulated() {
    let (path, err) = refused_by_validate(
        "writes-a-file.yaml",
        r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: writes-a-file}
spec:
  duration: 5s
  nodes: [{name: node01}]
  manifests:
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: writer}
      spec:
        containers:
        - name: app
          image: busybox
          command: [sh, -c, "sleep 1; dd if=/dev/zero of=/tmp/big bs=1M count=8; sleep 600"]
"#,
    );
    assert_eq!(
        err,
        format!(
            "latency profile: host\n\
             error: {path}: container app of pod default/writer: its command \
             `sh -c \"sleep 1; dd if=/dev/zero of=/tmp/big bs=1M count=8; sleep 600\"` cannot be \
             simulated: unsupported dd invocation \"dd if=/dev/zero of=/tmp/big bs=1M count=8\": \
             the simulated run would be made up, so there is nothing to validate against. State \
             what the container does in spec.behaviours, or give it a command the interpreter \
             runs (docs/behaviour.md)\n"
        )
    );
}

// An exec probe's command is held to the same rule: its simulated outcome would be a guess
// (the prober counts an uninterpretable command a failure). Refused before anything runs.
#[test]
fn validate_refuses_an_exec_probe_whose_command_cannot_be_simulated() {
    let (path, err) = refused_by_validate(
        "pgrep-probe.yaml",
        r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: pgrep-probe}
spec:
  duration: 5s
  nodes: [{name: node01}]
  manifests:
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
            - name: app
              image: busybox
              command: [sleep, "600"]
              readinessProbe:
                exec: {command: [cat, /tmp/ready]}
              livenessProbe:
                exec: {command: [pgrep, -x, "my server"]}
"#,
    );
    assert_eq!(
        err,
        format!(
            "latency profile: host\n\
             error: {path}: the liveness probe of container app of deployment default/web: its \
             command `pgrep -x 'my server'` cannot be simulated: unsupported command \"pgrep\": \
             the simulated run would be made up, so there is nothing to validate against. State \
             what the container does in spec.behaviours, or give it a command the interpreter \
             runs (docs/behaviour.md)\n"
        )
    );
}

#[test]
fn diff_with_a_time_tolerance_aligns_records_and_judges_their_instants() {
    let dir = tempfile::tempdir().unwrap();
    let trace = |seed: &str| {
        let path = dir.path().join(format!("seed{seed}.jsonl"));
        let p = path.to_str().unwrap().to_string();
        let scenario = "scenarios/seeds/liveness-exam.yaml";
        let args = [
            "run", scenario, "--until", "2m", "--seed", seed, "--trace", &p,
        ];
        assert_eq!(kubesim(&args).status.code(), Some(0));
        p
    };
    let (a, b) = (trace("1"), trace("7"));
    let loose = kubesim(&["diff", &a, &b, "--time-tolerance", "2s"]);
    assert_eq!(loose.status.code(), Some(0), "{}", stdout(&loose));
    assert!(stdout(&loose).ends_with(
        "absolute error over 33 record(s): median 0ms, p95 274ms, max 274ms\nverdict: within tolerance (2s)\n"
    ));
    let strict = kubesim(&[
        "diff",
        &a,
        &b,
        "--time-tolerance",
        "100ms",
        "--format",
        "markdown",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    let out = stdout(&strict);
    assert!(
        out.contains("\n| RECORD | # | A | B | ERROR | RELATIVE |\n|---|---|---|---|---|---|\n"),
        "{out}"
    );
    assert!(
        out.ends_with("- verdict: 9 record(s) out of tolerance (100ms)\n"),
        "{out}"
    );
    let exact = kubesim(&["diff", &a, &b]);
    assert_eq!(exact.status.code(), Some(1));
}

// A latency profile that is not one is refused with its file, line and field; calibrate never
// replaces a file unless told to.
#[test]
fn profiles_are_checked_and_never_overwritten_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: kubesim.io/v1alpha1\nkind: LatencyProfile\nmetadata: {name: x}\nspec:\n  latency:\n    sandbox: {median: fast}\n",
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let out = kubesim(&["run", "scenarios/demo.yaml", "--profile", bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with(&format!("{bad}:6:15: ")), "{err}");
    assert!(err.contains("\"fast\""), "{err}");
    let out = kubesim(&["calibrate", "--out", bad]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("error: {bad} exists; pass --force to replace it, or another --out\n")
    );
    assert!(std::fs::read_to_string(bad).unwrap().contains("fast"));
}

#[test]
fn get_speaks_kubectls_words_for_missing_objects_and_events() {
    let demo = ["-f", "scenarios/demo.yaml", "--at", "2s"];
    let get = |args: &[&str]| kubesim(&[&["get"], args, &demo[..]].concat());
    // K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound names the
    // group's resource: deployments.apps)
    let o = get(&["deploy", "x"]);
    assert_eq!(
        (o.status.code(), stdout(&o), stderr(&o)),
        (
            Some(2),
            String::new(),
            "Error from server (NotFound): deployments.apps \"x\" not found\n".to_string()
        )
    );
    let o = get(&["pods", "x"]);
    assert_eq!(
        stderr(&o),
        "Error from server (NotFound): pods \"x\" not found\n"
    );
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (Run: the note on ErrOut, without a
    // namespace for cluster-scoped resources)
    let o = get(&["nodes", "-l", "tier=none"]);
    assert_eq!(
        (stdout(&o), stderr(&o)),
        (String::new(), "No resources found\n".to_string())
    );
    assert_eq!(o.status.code(), Some(0));
    // Events as the API lists them, by namespace/name (`<object>.<hex nanoseconds>`); two
    // events of the same millisecond a nanosecond apart.
    let o = get(&["events", "-o", "name"]);
    let names = stdout(&o);
    let names: Vec<&str> = names.lines().collect();
    assert_eq!(names.len(), 13);
    assert_eq!(
        names[2..6],
        [
            "event/limits-pod.1816687effb317c0",
            "event/limits-pod.1816687effb317c1",
            "event/limits-pod.1816687f01b9e440",
            "event/liveness-exam.1816687ec0570001",
        ]
    );
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (a list prints as a v1 List) and
    // staging/src/k8s.io/client-go/tools/record/event.go (the reference carries the uid) and
    // staging/src/k8s.io/cli-runtime/pkg/printers/json.go (four-space indent)
    let json = stdout(&get(&["events", "-o", "json"]));
    assert!(json.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"apiVersion\": \"v1\",\n            \"count\": 1,\n            \"eventTime\": null,\n            \"firstTimestamp\": \"2025-01-01T00:00:00Z\",\n            \"involvedObject\": {\n                \"apiVersion\": \"v1\",\n                \"kind\": \"Pod\",\n                \"name\": \"limits-pod\",\n                \"namespace\": \"default\",\n                \"uid\": \"b54cda56-0000-4000-8000-000000000006\"\n            },\n            \"kind\": \"Event\",\n            \"lastTimestamp\": \"2025-01-01T00:00:00Z\",\n            \"message\": \"Successfully assigned default/limits-pod to node02\",\n            \"metadata\": {\n                \"creationTimestamp\": \"2025-01-01T00:00:00Z\",\n                \"name\": \"limits-pod.1816687ec0570002\",\n                \"namespace\": \"default\"\n            },\n            \"reason\": \"Scheduled\",\n            \"reportingComponent\": \"default-scheduler\",\n            \"reportingInstance\": \"\",\n            \"source\": {\n                \"component\": \"default-scheduler\"\n            },\n            \"type\": \"Normal\"\n        },\n"), "{json}");
    assert!(json.ends_with("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"), "{json}");
    let yaml = stdout(&get(&["events", "-o", "yaml"]));
    assert!(
        yaml.starts_with(
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  count: 1\n  eventTime: null\n"
        ),
        "{yaml}"
    );
    assert!(
        yaml.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"),
        "{yaml}"
    );
}

// `kubesim real --cleanup` (no root needed when no run recorded anything) removes a run that
// crashed before its record, whatever its directory holds, and finishes a removal a dead
// cleanup left half done; nothing there can wedge it.
#[test]
fn real_cleanup_removes_record_less_and_half_removed_runs() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path().join("kubesim");
    // 4194304 is above any pid_max: that process is gone.
    let crashed = root.join("runs/4194304-0/bundles/x");
    std::fs::create_dir_all(&crashed).unwrap();
    std::fs::write(crashed.join("log"), "hi\n").unwrap();
    let half = root.join("runs/.removing-4194304-1/bundles/y");
    std::fs::create_dir_all(&half).unwrap();
    std::fs::create_dir_all(root.join("rootfs/bin")).unwrap();
    let out = kubesim(&["real", "--cleanup", "--root", root.to_str().unwrap()]);
    assert_eq!(
        (stdout(&out), stderr(&out), out.status.code()),
        (
            format!(
                "removed 2 runs: 0 containers, 0 cgroups\nremoved {} (with the shared root filesystem)\n",
                root.display()
            ),
            String::new(),
            Some(0)
        )
    );
    assert!(!root.exists());
}

// A scenario's name never becomes a path outside the report's directory. `validate --report`
// names a plot after the scenario: a name that cannot be a file name there is refused before
// anything runs (a rewritten name could collide with another scenario's, or hide where the
// plot went). `run --report`, `report` and `sweep --out` name their files themselves: the same
// scenario writes only those, inside the directory.
#[test]
fn hostile_scenario_names_write_nothing_outside_the_report_directory() {
    for name in ["../../escape", "team/escape"] {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let scenario = nested.join("s.yaml");
        std::fs::write(
            &scenario,
            format!(
                "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: \"{name}\"}}\nspec:\n  duration: 5s\n  nodes: [{{name: node01}}]\n  manifests:\n  - inline: {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {{containers: [{{name: c, image: busybox, command: [sleep, \"60\"]}}]}}}}\n"
            ),
        )
        .unwrap();
        let s = scenario.to_str().unwrap();
        let out_dir = nested.join("out");
        let out = out_dir.to_str().unwrap();
        let validate = kubesim(&["validate", s, "--report", out, "--root", "/nonexistent/r"]);
        assert_eq!(validate.status.code(), Some(2), "{}", stderr(&validate));
        assert_eq!(
            stderr(&validate),
            format!(
                "latency profile: host\nerror: {s}: metadata.name \"{name}\" cannot be a file name in {out}: it holds a `/`; rename the scenario to validate it with --report\n"
            )
        );
        assert!(!out_dir.exists());
        let trace = nested.join("t.jsonl");
        let run = kubesim(&[
            "run",
            s,
            "--report",
            out,
            "--trace",
            trace.to_str().unwrap(),
        ]);
        assert!(run.status.success(), "{}", stderr(&run));
        let report_dir = nested.join("report");
        let report = kubesim(&[
            "report",
            trace.to_str().unwrap(),
            "--out",
            report_dir.to_str().unwrap(),
        ]);
        assert!(report.status.success(), "{}", stderr(&report));
        let sweep_dir = nested.join("sweep");
        let sweep = kubesim(&[
            "sweep",
            s,
            "--set",
            "spec.seed=1..2",
            "--out",
            sweep_dir.to_str().unwrap(),
        ]);
        assert!(sweep.status.success(), "{}", stderr(&sweep));
        let mut written = Vec::new();
        for entry in walk(dir.path()) {
            written.push(
                entry
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string(),
            );
        }
        written.sort();
        assert_eq!(
            written,
            [
                "a/b/out/index.html",
                "a/b/out/summary.md",
                "a/b/report/index.html",
                "a/b/report/summary.md",
                "a/b/s.yaml",
                "a/b/sweep/p99_startup_ms.svg",
                "a/b/sweep/peak_cpu_requested_pct.svg",
                "a/b/sweep/pending.svg",
                "a/b/sweep/results.csv",
                "a/b/sweep/results.json",
                "a/b/t.jsonl",
            ],
            "{name}"
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
