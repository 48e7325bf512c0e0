//! What a report shows, computed from trace records alone in one pass: each pod's life and its
//! containers' states, node allocation, unscheduled pods, restarts and OOM kills over time, and
//! the latency distributions. Times are the trace's integer milliseconds throughout, so every
//! number is exact.

use std::collections::BTreeMap;

use crate::model::Quantity;
use crate::trace::{Body, Change, Record};

/// A container state, as `kubectl describe` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Waiting,
    Running,
    Terminated,
}

impl State {
    fn parse(text: &str) -> Option<State> {
        match text {
            "waiting" => Some(State::Waiting),
            "running" => Some(State::Running),
            "terminated" => Some(State::Terminated),
            _ => None,
        }
    }

    /// The word the trace and the charts use.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Running => "running",
            State::Terminated => "terminated",
        }
    }
}

/// A stretch of time a container spent in one state with one reason (`CrashLoopBackOff`,
/// `Error`...): the bars of the per-pod timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    /// `None`: still so when the trace ends.
    pub end: Option<u64>,
    pub state: State,
    pub reason: Option<String>,
}

/// One container's states in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRun {
    pub name: String,
    pub init: bool,
    /// The last `restartCount` seen.
    pub restarts: u64,
    pub spans: Vec<Span>,
}

/// One pod from its creation to its deletion (a pod created again under the same name, a
/// StatefulSet's or a static pod's mirror, is another run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodRun {
    pub namespace: String,
    pub name: String,
    pub created: u64,
    /// When `spec.nodeName` was set, and to which node.
    pub bound: Option<(u64, String)>,
    /// The pod reached a node: bound, or created on one (a static pod's mirror has no
    /// `bound` record; its kubelet's first container record says it is there).
    pub placed: bool,
    /// The first time the Ready condition turned True.
    pub ready: Option<u64>,
    /// When the pod stopped holding its node's resources: its phase became Succeeded or
    /// Failed, or it left the API.
    pub released: Option<u64>,
    pub deleted: Option<u64>,
    /// CPU in millicores and memory in bytes, from the `bound` record.
    pub milli_cpu: i64,
    pub memory: i64,
    pub restarts: u64,
    pub oom_kills: u64,
    pub containers: Vec<ContainerRun>,
}

/// A node's requested resources from an instant on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    pub t: u64,
    pub milli_cpu: i64,
    pub memory: i64,
}

/// Everything a report draws and tabulates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// The instant of the last record.
    pub end: u64,
    /// Pods in the order they were created.
    pub pods: Vec<PodRun>,
    /// Every node's allocation steps, in time order; nodes by name.
    pub nodes: BTreeMap<String, Vec<Allocation>>,
    /// Steps of the number of pods created but not yet bound to a node: `(t, count)`.
    pub unscheduled: Vec<(u64, u64)>,
    /// The instant of every container restart and of every OOM kill, in order.
    pub restarts: Vec<u64>,
    pub oom_kills: Vec<u64>,
    /// By HorizontalPodAutoscaler (`namespace/name`): each rescale `(t, new size)`, read from
    /// its `SuccessfulRescale` events (`New size: 4; reason: ...`).
    pub rescales: BTreeMap<String, Vec<(u64, u64)>>,
    /// Each node's time in the cluster, in the order nodes joined.
    pub node_lives: Vec<NodeLife>,
    /// By node: the memory its running pods use, as its kubelet read it (`usage` records):
    /// `(t, bytes)` steps.
    pub memory_used: BTreeMap<String, Vec<(u64, i64)>>,
}

/// The cluster's totals from an instant on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterStep {
    pub t: u64,
    pub milli_cpu: i64,
    pub memory: i64,
    pub allocatable_milli_cpu: i64,
    pub allocatable_memory: i64,
    /// Memory the pods use, as the kubelets last read it.
    pub memory_used: i64,
}

impl ClusterStep {
    /// CPU and memory requested in thousandths of allocatable (0 without allocatable).
    pub fn per_mille(&self) -> (f64, f64) {
        (
            per_mille(self.milli_cpu, self.allocatable_milli_cpu),
            per_mille(self.memory, self.allocatable_memory),
        )
    }

    /// Memory used in thousandths of allocatable.
    pub fn used_per_mille(&self) -> f64 {
        per_mille(self.memory_used, self.allocatable_memory)
    }
}

fn per_mille(part: i64, of: i64) -> f64 {
    if of > 0 {
        part as f64 * 1000.0 / of as f64
    } else {
        0.0
    }
}

/// A node from the moment it joined to the moment it was deleted (`None`: still there), with
/// its allocatable CPU (millicores) and memory (bytes); zero when the trace does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeLife {
    pub name: String,
    pub joined: u64,
    pub deleted: Option<u64>,
    pub milli_cpu: i64,
    pub memory: i64,
}

impl Metrics {
    /// Computes the metrics of a trace's records (in trace order), in one pass.
    pub fn from_records(records: &[Record]) -> Metrics {
        let mut builder = Builder::default();
        for record in records {
            builder.metrics.end = builder.metrics.end.max(record.t);
            match (record.object.kind.as_str(), &record.body) {
                ("Pod", Body::Change(change)) => builder.pod_change(record, change),
                ("Node", Body::Change(Change::Created { allocatable })) => {
                    builder.node(&record.object.name);
                    let amount = |name: &str, milli: bool| {
                        let q = allocatable.get(name)?.parse::<Quantity>().ok()?;
                        Some(if milli { q.milli_value() } else { q.value() })
                    };
                    builder.metrics.node_lives.push(NodeLife {
                        name: record.object.name.clone(),
                        joined: record.t,
                        deleted: None,
                        milli_cpu: amount("cpu", true).unwrap_or(0),
                        memory: amount("memory", false).unwrap_or(0),
                    });
                }
                ("Node", Body::Change(Change::Usage { memory })) => {
                    if let Ok(q) = memory.parse::<Quantity>() {
                        let series = builder
                            .metrics
                            .memory_used
                            .entry(record.object.name.clone());
                        series.or_default().push((record.t, q.value()));
                    }
                }
                ("Node", Body::Change(Change::Deleted)) => {
                    let name = &record.object.name;
                    let lives = &mut builder.metrics.node_lives;
                    if let Some(life) = lives.iter_mut().rev().find(|l| &l.name == name) {
                        life.deleted = life.deleted.or(Some(record.t));
                    }
                }
                ("HorizontalPodAutoscaler", Body::Event(e)) if e.reason == "SuccessfulRescale" => {
                    let size = e.message.strip_prefix("New size: ").and_then(|rest| {
                        rest.split(';').next().and_then(|n| n.parse::<u64>().ok())
                    });
                    if let Some(size) = size {
                        let o = &record.object;
                        let hpa = format!("{}/{}", o.namespace, o.name);
                        builder
                            .metrics
                            .rescales
                            .entry(hpa)
                            .or_default()
                            .push((record.t, size));
                    }
                }
                _ => {}
            }
        }
        builder.metrics
    }

    /// Steps of the number of nodes in the cluster: `(t, count)`, one per instant it changed.
    pub fn node_count(&self) -> Vec<(u64, u64)> {
        let mut changes: BTreeMap<u64, i64> = BTreeMap::new();
        for life in &self.node_lives {
            *changes.entry(life.joined).or_default() += 1;
            if let Some(t) = life.deleted {
                *changes.entry(t).or_default() -= 1;
            }
        }
        let mut count = 0i64;
        changes
            .into_iter()
            .map(|(t, change)| {
                count += change;
                (t, count.max(0) as u64)
            })
            .collect()
    }

    /// The whole cluster's requested and allocatable CPU and memory, one step per instant either
    /// changes: every node's requested series and every node's life merged in time order.
    pub fn cluster_requested(&self) -> Vec<ClusterStep> {
        // (t, requested cpu, requested memory, allocatable cpu, allocatable memory, memory
        // used) deltas.
        let mut changes: Vec<(u64, [i64; 5])> = Vec::new();
        for series in self.nodes.values() {
            let mut last = (0, 0);
            for a in series {
                changes.push((a.t, [a.milli_cpu - last.0, a.memory - last.1, 0, 0, 0]));
                last = (a.milli_cpu, a.memory);
            }
        }
        for life in &self.node_lives {
            changes.push((life.joined, [0, 0, life.milli_cpu, life.memory, 0]));
            let readings = self.memory_used.get(&life.name).into_iter().flatten();
            let mut last = 0;
            for &(t, bytes) in
                readings.filter(|(t, _)| *t >= life.joined && life.deleted.is_none_or(|d| *t < d))
            {
                changes.push((t, [0, 0, 0, 0, bytes - last]));
                last = bytes;
            }
            if let Some(t) = life.deleted {
                changes.push((t, [0, 0, -life.milli_cpu, -life.memory, -last]));
            }
        }
        changes.sort_by_key(|c| c.0);
        let mut total = [0i64; 5];
        let mut steps: Vec<ClusterStep> = Vec::new();
        for (i, (t, delta)) in changes.iter().enumerate() {
            for (sum, d) in total.iter_mut().zip(delta) {
                *sum += d;
            }
            // Every change of an instant applies before the totals count.
            if changes.get(i + 1).is_none_or(|next| next.0 != *t) {
                steps.push(ClusterStep {
                    t: *t,
                    milli_cpu: total[0],
                    memory: total[1],
                    allocatable_milli_cpu: total[2],
                    allocatable_memory: total[3],
                    memory_used: total[4],
                });
            }
        }
        steps
    }

    /// Node-hours up to `until` (milliseconds): the cost of the nodes the run had.
    pub fn node_hours(&self, until: u64) -> f64 {
        let millis: u64 = self
            .node_lives
            .iter()
            .map(|l| {
                l.deleted
                    .unwrap_or(until)
                    .min(until)
                    .saturating_sub(l.joined)
            })
            .sum();
        millis as f64 / 3_600_000.0
    }

    /// Scheduling latency of every bound pod (created → bound), ascending, in milliseconds.
    pub fn scheduling_latencies(&self) -> Vec<u64> {
        sorted(
            self.pods
                .iter()
                .filter_map(|p| Some(p.bound.as_ref()?.0 - p.created)),
        )
    }

    /// Startup latency of every pod that became Ready (created → Ready), ascending.
    // K8S: kubernetes/community sig-scalability/slos/pod_startup_latency.md (creation to running, observed)
    // DEVIATION: measured to the Ready condition and including image pulls and init
    // containers, as the trace shows them; upstream's SLO excludes pulls and init containers.
    pub fn startup_latencies(&self) -> Vec<u64> {
        sorted(self.pods.iter().filter_map(|p| Some(p.ready? - p.created)))
    }
}

fn sorted(values: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut values: Vec<u64> = values.collect();
    values.sort_unstable();
    values
}

/// The nearest-rank percentile of ascending values (`p` in 1..=100): the smallest value that
/// at least `p`% of them do not exceed. `None` for no values.
pub fn percentile(sorted: &[u64], p: u64) -> Option<u64> {
    let rank = (p * sorted.len() as u64).div_ceil(100).max(1);
    sorted.get(rank as usize - 1).copied()
}

/// Accumulates the metrics while records stream by.
#[derive(Default)]
struct Builder {
    metrics: Metrics,
    /// The current run of each pod, by (namespace, name).
    current: BTreeMap<(String, String), usize>,
    unscheduled: u64,
}

impl Builder {
    fn node(&mut self, name: &str) -> &mut Vec<Allocation> {
        self.metrics.nodes.entry(name.to_string()).or_default()
    }

    fn pod_change(&mut self, record: &Record, change: &Change) {
        let key = (record.object.namespace.clone(), record.object.name.clone());
        let t = record.t;
        if let Change::Created { .. } = change {
            self.current.insert(key, self.metrics.pods.len());
            self.metrics.pods.push(PodRun {
                namespace: record.object.namespace.clone(),
                name: record.object.name.clone(),
                created: t,
                ..PodRun::default()
            });
            self.set_unscheduled(t, self.unscheduled + 1);
            return;
        }
        let Some(&index) = self.current.get(&key) else {
            return;
        };
        match change {
            Change::Bound { node, requests } => {
                let pod = &mut self.metrics.pods[index];
                pod.bound = Some((t, node.clone()));
                let newly = !std::mem::replace(&mut pod.placed, true);
                pod.milli_cpu = quantity(requests, "cpu").map_or(0, |q| q.milli_value());
                pod.memory = quantity(requests, "memory").map_or(0, |q| q.value());
                let (cpu, memory) = (pod.milli_cpu, pod.memory);
                self.allocate(node, t, cpu, memory);
                if newly {
                    self.set_unscheduled(t, self.unscheduled - 1);
                }
            }
            Change::Phase { phase } if phase == "Succeeded" || phase == "Failed" => {
                self.release(index, t);
            }
            Change::Condition { type_, status, .. } if type_ == "Ready" && status == "True" => {
                let pod = &mut self.metrics.pods[index];
                pod.ready = pod.ready.or(Some(t));
            }
            Change::Container {
                name,
                init,
                state,
                reason,
                restart_count,
                ..
            } => self.container(index, t, name, *init, state, reason, *restart_count),
            Change::Deleted => {
                self.current.remove(&key);
                if !self.metrics.pods[index].placed {
                    self.set_unscheduled(t, self.unscheduled - 1);
                }
                self.release(index, t);
                self.metrics.pods[index].deleted = Some(t);
                for container in &mut self.metrics.pods[index].containers {
                    if let Some(last) = container.spans.last_mut() {
                        last.end = last.end.or(Some(t));
                    }
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn container(
        &mut self,
        index: usize,
        t: u64,
        name: &str,
        init: bool,
        state: &str,
        reason: &Option<String>,
        restart_count: i32,
    ) {
        let Some(state) = State::parse(state) else {
            return;
        };
        if !std::mem::replace(&mut self.metrics.pods[index].placed, true) {
            self.set_unscheduled(t, self.unscheduled - 1);
        }
        let pod = &mut self.metrics.pods[index];
        let position = match pod
            .containers
            .iter()
            .position(|c| c.name == name && c.init == init)
        {
            Some(i) => i,
            None => {
                pod.containers.push(ContainerRun {
                    name: name.to_string(),
                    init,
                    restarts: 0,
                    spans: Vec::new(),
                });
                pod.containers.len() - 1
            }
        };
        let container = &mut pod.containers[position];
        // restartCount only grows within a pod: each step up is a restart.
        let count = restart_count.max(0) as u64;
        let restarted = count.saturating_sub(container.restarts);
        container.restarts = container.restarts.max(count);
        pod.restarts += restarted;
        self.metrics
            .restarts
            .extend(std::iter::repeat_n(t, restarted as usize));
        let last = container.spans.last_mut();
        if last
            .as_ref()
            .is_some_and(|s| s.state == state && s.reason == *reason)
        {
            return;
        }
        if let Some(last) = last {
            last.end = Some(t);
        }
        container.spans.push(Span {
            start: t,
            end: None,
            state,
            reason: reason.clone(),
        });
        if state == State::Terminated && reason.as_deref() == Some("OOMKilled") {
            pod.oom_kills += 1;
            self.metrics.oom_kills.push(t);
        }
    }

    /// The pod stops holding its node's resources (once).
    fn release(&mut self, index: usize, t: u64) {
        let pod = &mut self.metrics.pods[index];
        if pod.released.is_some() {
            return;
        }
        pod.released = Some(t);
        // K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describe node counts the
        // requests of pods not Succeeded or Failed as allocated)
        if let Some((_, node)) = pod.bound.clone() {
            let (cpu, memory) = (pod.milli_cpu, pod.memory);
            self.allocate(&node, t, -cpu, -memory);
        }
    }

    /// Adds to a node's requested resources at `t` (one step per instant).
    fn allocate(&mut self, node: &str, t: u64, milli_cpu: i64, memory: i64) {
        let steps = self.node(node);
        let last = steps.last().copied().unwrap_or(Allocation {
            t,
            milli_cpu: 0,
            memory: 0,
        });
        let next = Allocation {
            t,
            milli_cpu: last.milli_cpu + milli_cpu,
            memory: last.memory + memory,
        };
        match steps.last_mut() {
            Some(step) if step.t == t => *step = next,
            _ => steps.push(next),
        }
    }

    fn set_unscheduled(&mut self, t: u64, count: u64) {
        self.unscheduled = count;
        let steps = &mut self.metrics.unscheduled;
        match steps.last_mut() {
            Some(step) if step.0 == t => step.1 = count,
            _ => steps.push((t, count)),
        }
    }
}

fn quantity(list: &BTreeMap<String, String>, name: &str) -> Option<Quantity> {
    list.get(name).and_then(|q| Quantity::parse(q).ok())
}

/// A trace for tests: two 2-CPU / 4Gi nodes; a pod of 1 CPU and 1Gi bound from 1s; 2Gi in
/// use on n2 from 10s; n2 leaves at 60s.
#[cfg(test)]
pub(crate) const TWO_NODES_TRACE: &str = r#"{"format":"kubesim-trace/v1","kubesim":"0.1.0","scenario":"t","seed":1,"digest":"sha256:0"}
{"seq":1,"t":0,"time":"0s","object":{"kind":"Node","name":"n1"},"change":{"what":"created","allocatable":{"cpu":"2","memory":"4Gi"}}}
{"seq":2,"t":0,"time":"0s","object":{"kind":"Node","name":"n2"},"change":{"what":"created","allocatable":{"cpu":"2","memory":"4Gi"}}}
{"seq":3,"t":0,"time":"0s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"created"}}
{"seq":4,"t":1000,"time":"1s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"bound","node":"n1","requests":{"cpu":"1","memory":"1Gi"}}}
{"seq":5,"t":10000,"time":"10s","object":{"kind":"Node","name":"n2"},"change":{"what":"usage","memory":"2Gi"}}
{"seq":6,"t":60000,"time":"1m","object":{"kind":"Node","name":"n2"},"change":{"what":"deleted"}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// A small hand-made trace: pod `a` is bound to n1, OOM-killed and backs off; pod `b`
    /// waits 3 s for a node, runs to completion without ever being Ready; a static pod's
    /// mirror starts on its node without a `bound` record.
    const TRACE: &str = r#"{"format":"kubesim-trace/v1","kubesim":"0.1.0","scenario":"t","seed":1,"digest":"sha256:0"}
{"seq":1,"t":0,"time":"0s","object":{"kind":"Node","name":"n1"},"change":{"what":"created"}}
{"seq":2,"t":0,"time":"0s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"created"}}
{"seq":3,"t":0,"time":"0s","object":{"kind":"Pod","namespace":"default","name":"b"},"change":{"what":"created"}}
{"seq":4,"t":0,"time":"0s","object":{"kind":"Pod","namespace":"default","name":"static-n1"},"change":{"what":"created"}}
{"seq":4,"t":0,"time":"0s","object":{"kind":"Pod","namespace":"default","name":"static-n1"},"change":{"what":"container","name":"c","state":"waiting","reason":"ContainerCreating","restartCount":0,"ready":false}}
{"seq":4,"t":1000,"time":"1s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"bound","node":"n1","requests":{"cpu":"500m","memory":"64Mi"}}}
{"seq":5,"t":1000,"time":"1s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"container","name":"c","state":"waiting","reason":"ContainerCreating","restartCount":0,"ready":false}}
{"seq":6,"t":2000,"time":"2s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"container","name":"c","state":"running","restartCount":0,"ready":false}}
{"seq":7,"t":2500,"time":"2.5s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"condition","type":"Ready","status":"True"}}
{"seq":8,"t":3000,"time":"3s","object":{"kind":"Pod","namespace":"default","name":"b"},"change":{"what":"bound","node":"n1","requests":{"cpu":"250m"}}}
{"seq":9,"t":4000,"time":"4s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"container","name":"c","state":"terminated","reason":"OOMKilled","exitCode":137,"restartCount":0,"ready":false}}
{"seq":10,"t":4000,"time":"4s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"container","name":"c","state":"waiting","reason":"CrashLoopBackOff","restartCount":1,"ready":false}}
{"seq":11,"t":5000,"time":"5s","object":{"kind":"Pod","namespace":"default","name":"b"},"change":{"what":"phase","phase":"Succeeded"}}
{"seq":12,"t":10000,"time":"10s","object":{"kind":"Node","name":"n1"},"change":{"what":"usage","memory":"70Mi"}}
{"seq":12,"t":14000,"time":"14s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"container","name":"c","state":"running","restartCount":1,"ready":true}}
{"seq":13,"t":20000,"time":"20s","object":{"kind":"Pod","namespace":"default","name":"a"},"change":{"what":"deleted"}}
"#;

    #[test]
    fn cluster_shares_move_with_pods_and_nodes() {
        let records = super::super::parse(TWO_NODES_TRACE, "t.jsonl")
            .unwrap()
            .records;
        let m = Metrics::from_records(&records);
        let shares: Vec<(u64, (f64, f64), f64)> = m
            .cluster_requested()
            .iter()
            .map(|s| (s.t, s.per_mille(), s.used_per_mille()))
            .collect();
        // n2's 2Gi in use counts until it leaves.
        assert_eq!(
            shares,
            [
                (0, (0.0, 0.0), 0.0),
                (1000, (250.0, 125.0), 0.0),
                (10000, (250.0, 125.0), 250.0),
                (60000, (500.0, 250.0), 0.0)
            ]
        );
        assert_eq!(m.node_count(), [(0, 2), (60000, 1)]);
        // Two nodes for a minute, then one, up to 2 minutes: 3 node-minutes.
        assert_eq!(m.node_hours(120_000), 0.05);
    }

    fn metrics() -> Metrics {
        Metrics::from_records(&super::super::parse(TRACE, "t.jsonl").unwrap().records)
    }

    fn span(start: u64, end: u64, state: State, reason: Option<&str>) -> Span {
        Span {
            start,
            end: Some(end),
            state,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn container_spans_show_the_backoff_gap() {
        let m = metrics();
        let a = &m.pods[0];
        assert_eq!(a.containers.len(), 1);
        assert_eq!(
            a.containers[0].spans,
            [
                span(1000, 2000, State::Waiting, Some("ContainerCreating")),
                span(2000, 4000, State::Running, None),
                span(4000, 4000, State::Terminated, Some("OOMKilled")),
                span(4000, 14000, State::Waiting, Some("CrashLoopBackOff")),
                span(14000, 20000, State::Running, None),
            ]
        );
        assert_eq!((a.restarts, a.oom_kills), (1, 1));
        assert_eq!(
            (m.restarts.clone(), m.oom_kills.clone()),
            (vec![4000], vec![4000])
        );
        assert_eq!(m.end, 20000);
    }

    #[test]
    fn node_allocation_follows_binding_completion_and_deletion() {
        let m = metrics();
        let step = |t, milli_cpu, memory| Allocation {
            t,
            milli_cpu,
            memory,
        };
        assert_eq!(
            m.nodes["n1"],
            [
                step(1000, 500, 64 << 20),
                step(3000, 750, 64 << 20),
                step(5000, 500, 64 << 20),
                step(20000, 0, 0),
            ]
        );
        assert_eq!(m.pods[1].released, Some(5000));
    }

    #[test]
    fn unscheduled_pods_and_latencies() {
        let m = metrics();
        assert_eq!(m.unscheduled, [(0, 2), (1000, 1), (3000, 0)]);
        assert!(m.pods[2].placed && m.pods[2].bound.is_none());
        assert_eq!(m.scheduling_latencies(), [1000, 3000]);
        assert_eq!(m.startup_latencies(), [2500]);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(
            [50, 90, 99, 100].map(|p| percentile(&hundred, p)),
            [Some(50), Some(90), Some(99), Some(100)]
        );
        assert_eq!(percentile(&[1000, 3000], 50), Some(1000));
        assert_eq!(percentile(&[1000, 3000], 90), Some(3000));
        assert_eq!(percentile(&[], 99), None);
    }

    #[test]
    fn tables_show_exact_numbers() {
        let trace = super::super::parse(TRACE, "t.jsonl").unwrap();
        let tables = super::super::tables::tables(&trace.header, &metrics());
        let latency = &tables.tables[1].rows;
        assert_eq!(
            latency[1],
            [
                "startup (created → Ready)",
                "1",
                "2.5s",
                "2.5s",
                "2.5s",
                "2.5s",
                "met (p99 ≤ 5s)"
            ]
        );
        assert_eq!(
            tables.tables[2].rows[0],
            ["n1", "2", "750m at 3s", "64Mi at 1s", "70Mi at 10s"]
        );
    }

    #[test]
    fn a_bad_line_is_named() {
        let text = TRACE.replace(r#""seq":3,"#, r#""seq":"three","#);
        let e = super::super::parse(&text, "t.jsonl").unwrap_err();
        assert_eq!(e.file, "t.jsonl");
        assert_eq!(e.line, 4);
        assert!(
            e.to_string()
                .starts_with("error: t.jsonl:4: not a trace record: "),
            "{e}"
        );
    }

    #[test]
    fn hpa_rescales_come_from_successful_rescale_events() {
        let trace = r#"{"format":"kubesim-trace/v1","kubesim":"0.1.0","scenario":"t","seed":1,"digest":"sha256:0"}
{"seq":1,"t":120000,"time":"2m0s","object":{"kind":"HorizontalPodAutoscaler","namespace":"default","name":"web"},"event":{"type":"Normal","reason":"SuccessfulRescale","message":"New size: 6; reason: cpu resource utilization (percentage of request) above target","source":"horizontal-pod-autoscaler"}}
{"seq":2,"t":765000,"time":"12m45s","object":{"kind":"HorizontalPodAutoscaler","namespace":"default","name":"web"},"event":{"type":"Normal","reason":"SuccessfulRescale","message":"New size: 2; reason: All metrics below target","source":"horizontal-pod-autoscaler"}}
"#;
        let m = Metrics::from_records(&super::super::parse(trace, "t.jsonl").unwrap().records);
        assert_eq!(
            m.rescales,
            BTreeMap::from([("default/web".to_string(), vec![(120_000, 6), (765_000, 2)])])
        );
    }
}
