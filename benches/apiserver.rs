//! What a client of `kubesim serve` pays, measured over real HTTPS requests on loopback
//! against the `kubesim serve` binary (a child process with a paused clock, as a user runs it),
//! so that every figure includes routing, rendering, serialization, TLS and hyper:
//!
//! - `list`: a LIST of 10,000 Running pods (100 nodes, a 10,000-replica Deployment, set up
//!   once outside the timing), answered as JSON and as the Table `kubectl get pods` asks for;
//! - `requests`: a GET of one pod and a strategic-merge PATCH of one pod's label, one request
//!   after the other over one keep-alive connection (criterion's elem/s is requests/s);
//! - `watch_fan_out`: 10 JSON watch streams on the `default` namespace (opened from the list's
//!   resourceVersion, as `kubectl get -w` and informers do) while a 1,000-replica Deployment is
//!   created and its pods are scheduled and started: the wall time from the Deployment's POST
//!   until every watcher has received every event (a fresh server for each run; criterion's
//!   elem/s is events delivered per second, over all watchers).
//!
//! Run: `cargo bench --bench apiserver` (about a minute and a half).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use serde::Deserialize;
use serde_json::{json, Value};

const PODS_PATH: &str = "/api/v1/namespaces/default/pods";
/// What kubectl get sends for a list it prints.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (TransformRequests with
// kubectl get's Table Accept header)
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
const STRATEGIC_MERGE: &str = "application/strategic-merge-patch+json";
const LISTED_PODS: usize = 10_000;
const WATCHED_PODS: usize = 1_000;
const WATCHERS: usize = 10;
/// Long enough for every pod of either Deployment to be Running (the 10,000 take about a
/// simulated minute, image pulls included).
const SETTLE: &str = "10m";
/// The longest a bench waits for a server's answer or a watch's events: past it the bench
/// fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(300);

/// A cluster of 100 nodes with room for 110 pods each, and the manifest `deployment` if
/// given, as a scenario for `kubesim serve` (JSON is YAML too).
fn scenario(deployment: Option<&Value>) -> String {
    let manifests = match deployment {
        Some(d) => format!("  manifests:\n  - inline: {d}\n"),
        None => String::new(),
    };
    format!(
        "apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: apiserver-bench
spec:
  nodes:
  - name: node
    count: 100
    capacity: {{cpu: \"4\", memory: 32Gi, pods: \"110\"}}
{manifests}"
    )
}

/// A Deployment `web` of `replicas` nginx pods in `default`.
fn deployment(replicas: usize) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
            },
        },
    })
}

/// A running `kubesim serve --paused`, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    base: String,
    authorization: String,
    authority: ureq::tls::Certificate<'static>,
    /// One keep-alive connection, reused by every request made through it.
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(scenario: &str) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("scenario.yaml");
        std::fs::write(&file, scenario).expect("the scenario is written");
        let kubeconfig: PathBuf = dir.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .arg("serve")
            .arg(&file)
            .arg("--paused")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kubesim serve starts");
        // The first line (`export KUBECONFIG=...`) comes once the kubeconfig is written.
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout is piped"))
            .read_line(&mut first)
            .expect("kubesim serve prints its kubeconfig");
        assert!(first.starts_with("export KUBECONFIG="), "{first}");
        let access = kubesim::serve::kubeconfig::read(&kubeconfig).expect("a kubeconfig");
        let authority = ureq::tls::Certificate::from_pem(access.authority.as_bytes())
            .expect("the served authority is PEM")
            .to_owned();
        Server {
            child,
            base: access.server,
            authorization: format!("Bearer {}", access.token),
            agent: agent(&authority),
            authority,
            _dir: dir,
        }
    }

    /// A request's status and body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(body.to_vec()).expect("a well-formed request");
        let mut response = self.agent.run(request).expect("the server answers");
        let code = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .expect("the body is read");
        (code, body)
    }

    /// A request that must succeed; its JSON answer.
    fn json(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> Value {
        let (code, answer) = self.request(method, path, &[("Content-Type", content_type)], body);
        assert!(
            (200..300).contains(&code),
            "{method} {path}: {code} {}",
            String::from_utf8_lossy(&answer)
        );
        serde_json::from_slice(&answer).expect("a JSON answer")
    }

    /// Moves the paused clock on by `by` (a Go duration); the answer comes once every event up
    /// to then has been handled and told to the watches.
    fn advance(&self, by: &str) -> Value {
        let body = json!({"action": "advance", "by": by}).to_string();
        self.json(
            "POST",
            kubesim::serve::CLOCK_PATH,
            "application/json",
            body.as_bytes(),
        )
    }

    /// The pods of `default` as a JSON PodList.
    fn pods(&self) -> Value {
        self.json("GET", PODS_PATH, "application/json", b"")
    }

    /// Waits until the server holds `n` open watches.
    fn await_watches(&self, n: usize) {
        let give_up = Instant::now() + PATIENCE;
        while Instant::now() < give_up {
            let clock = self.json("GET", kubesim::serve::CLOCK_PATH, "application/json", b"");
            if clock["watches"] == n {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the server did not open {n} watches");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the child's pid, which has not been waited for yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// An HTTP client trusting the served authority; each agent keeps its connections alive.
fn agent(authority: &ureq::tls::Certificate<'static>) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![
            authority.clone()
        ])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(PATIENCE))
        .build()
        .new_agent()
}

/// Names and phases of a PodList's items.
fn phases(list: &Value) -> BTreeMap<String, String> {
    list["items"]
        .as_array()
        .expect("a list has items")
        .iter()
        .map(|pod| {
            let name = pod["metadata"]["name"].as_str().unwrap_or_default();
            let phase = pod["status"]["phase"].as_str().unwrap_or_default();
            (name.to_string(), phase.to_string())
        })
        .collect()
}

/// A server whose 10,000 pods are all Running.
fn listed_cluster() -> Server {
    let server = Server::start(&scenario(Some(&deployment(LISTED_PODS))));
    server.advance(SETTLE);
    let phases = phases(&server.pods());
    assert_eq!(phases.len(), LISTED_PODS);
    assert!(phases.values().all(|p| p == "Running"), "{phases:?}");
    server
}

fn list(c: &mut Criterion, server: &Server) {
    let mut group = c.benchmark_group("list_10000_pods");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (name, accept) in [("json", "application/json"), ("table", TABLE)] {
        let headers = [("Accept", accept)];
        let (code, body) = server.request("GET", PODS_PATH, &headers, b"");
        assert_eq!(code, 200);
        let answer: Value = serde_json::from_slice(&body).expect("a JSON answer");
        let kind = if name == "table" { "Table" } else { "PodList" };
        assert_eq!(answer["kind"], kind);
        let entries = answer["items"].as_array().or(answer["rows"].as_array());
        assert_eq!(entries.map(Vec::len), Some(LISTED_PODS));
        println!("list_10000_pods/{name}: {} bytes", body.len());
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| server.request("GET", PODS_PATH, &headers, b""))
        });
    }
    group.finish();
}

fn requests(c: &mut Criterion, server: &Server) {
    let name = server.pods()["items"][0]["metadata"]["name"]
        .as_str()
        .expect("a pod has a name")
        .to_string();
    let path = format!("{PODS_PATH}/{name}");
    let mut group = c.benchmark_group("requests");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    let accept = [("Accept", "application/json")];
    group.bench_function("get_pod", |b| {
        b.iter(|| {
            let (code, _) = server.request("GET", &path, &accept, b"");
            assert_eq!(code, 200);
        })
    });
    let mut revision = 0u64;
    group.bench_function("patch_pod_label", |b| {
        b.iter(|| {
            revision += 1;
            let patch = format!(r#"{{"metadata":{{"labels":{{"bench":"r{revision}"}}}}}}"#);
            let headers = [("Content-Type", STRATEGIC_MERGE), accept[0]];
            let (code, _) = server.request("PATCH", &path, &headers, patch.as_bytes());
            assert_eq!(code, 200);
        })
    });
    group.finish();
    let labels = &server.json("GET", &path, "application/json", b"")["metadata"]["labels"];
    assert_eq!(labels["bench"], format!("r{revision}"));
}

/// One event of a pod watch: only what tells whether the pod is ready.
#[derive(Deserialize)]
struct WatchEvent {
    object: WatchedPod,
}

#[derive(Deserialize)]
struct WatchedPod {
    metadata: WatchedMeta,
    #[serde(default)]
    status: WatchedStatus,
}

#[derive(Deserialize)]
struct WatchedMeta {
    name: String,
}

#[derive(Deserialize, Default)]
struct WatchedStatus {
    #[serde(default)]
    conditions: Vec<WatchedCondition>,
}

#[derive(Deserialize)]
struct WatchedCondition {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

/// What one watcher received: when the last of the pods became ready, how many events it
/// took, and the last event line for each pod.
struct Watched {
    done: Instant,
    events: usize,
    last: BTreeMap<String, Vec<u8>>,
}

/// Reads a watch stream until `pods` pods are ready.
fn watch_until_ready(mut stream: impl BufRead, pods: usize) -> Watched {
    let mut last = BTreeMap::new();
    let mut ready = BTreeMap::new();
    let mut events = 0;
    let mut line = Vec::new();
    while ready.values().filter(|r| **r).count() < pods {
        line.clear();
        let read = stream
            .read_until(b'\n', &mut line)
            .expect("the stream reads");
        assert!(read > 0, "the watch ended after {events} events");
        let event: WatchEvent = serde_json::from_slice(&line).expect("a watch event");
        let is_ready = event
            .object
            .status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        ready.insert(event.object.metadata.name.clone(), is_ready);
        last.insert(event.object.metadata.name, line.clone());
        events += 1;
    }
    Watched {
        done: Instant::now(),
        events,
        last,
    }
}

/// One run of the fan-out on a fresh server: its wall time and the events delivered.
fn fan_out_once() -> (Duration, usize) {
    let server = Server::start(&scenario(None));
    let version = server.pods()["metadata"]["resourceVersion"]
        .as_str()
        .expect("a list has a resourceVersion")
        .to_string();
    let watchers: Vec<_> = (0..WATCHERS)
        .map(|_| {
            let agent = agent(&server.authority);
            let url = format!(
                "{}{PODS_PATH}?allowWatchBookmarks=true&resourceVersion={version}&watch=true",
                server.base
            );
            let authorization = server.authorization.clone();
            std::thread::spawn(move || {
                let response = agent
                    .get(&url)
                    .header("Authorization", &authorization)
                    .call()
                    .expect("the watch opens");
                assert_eq!(response.status().as_u16(), 200);
                let stream = BufReader::new(response.into_body().into_reader());
                watch_until_ready(stream, WATCHED_PODS)
            })
        })
        .collect();
    server.await_watches(WATCHERS);
    let start = Instant::now();
    let deployment = deployment(WATCHED_PODS).to_string();
    server.json(
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        "application/json",
        deployment.as_bytes(),
    );
    server.advance(SETTLE);
    let watched: Vec<Watched> = watchers
        .into_iter()
        .map(|w| w.join().expect("a watcher does not panic"))
        .collect();
    let elapsed = watched.iter().map(|w| w.done).max().expect("watchers") - start;
    // Every watcher ends where the list is: each pod's last event carries its object now.
    let pods = server.pods();
    let now: BTreeMap<&str, &Value> = pods["items"]
        .as_array()
        .expect("a list has items")
        .iter()
        .map(|p| (p["metadata"]["name"].as_str().unwrap_or_default(), p))
        .collect();
    assert_eq!(now.len(), WATCHED_PODS);
    for w in &watched {
        assert_eq!(
            w.events, watched[0].events,
            "every watcher got the same events"
        );
        assert_eq!(w.last.len(), WATCHED_PODS);
        for (name, line) in &w.last {
            let event: Value = serde_json::from_slice(line).expect("a watch event");
            assert_eq!(
                &&event["object"],
                now.get(name.as_str()).expect("a listed pod")
            );
        }
    }
    (elapsed, watched.iter().map(|w| w.events).sum())
}

fn watch_fan_out(c: &mut Criterion) {
    let (elapsed, events) = fan_out_once();
    println!(
        "watch_fan_out: {WATCHERS} watchers got {events} events ({} each) in {elapsed:.2?}: {:.0} events/s",
        events / WATCHERS,
        events as f64 / elapsed.as_secs_f64()
    );
    let mut group = c.benchmark_group("watch_fan_out");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(events as u64));
    group.bench_function("10_watchers_1000_pods", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let (elapsed, delivered) = fan_out_once();
                    assert_eq!(delivered, events, "every run delivers the same events");
                    elapsed
                })
                .sum()
        })
    });
    group.finish();
}

fn apiserver(c: &mut Criterion) {
    let server = listed_cluster();
    list(c, &server);
    requests(c, &server);
    drop(server);
    watch_fan_out(c);
}

criterion_group!(benches, apiserver);
criterion_main!(benches);
