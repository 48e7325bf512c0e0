//! kube-scheduler throughput on upstream's scheduler_perf `SchedulingBasic/5000Nodes_50000Pods`
//! shape: 5000 nodes of 4 CPU / 32Gi / 110 pods, 5000 pods placed first (not measured), then
//! 50000 measured pods of 100m / 500Mi, with the default profile. Prints pods per second for
//! the adaptive `percentageOfNodesToScore` and for 100 %; then the same pods at Kubernetes'
//! published limits (5000 nodes, 150000 pods, adaptive) and the process's peak memory.
//!
//! Each run also prints a checksum of the sequence of chosen nodes, so that an optimisation
//! can be checked to leave every decision unchanged (same checksum before and after).
//!
//! Run: `cargo bench --bench scheduler`. The scheduler is driven directly (no kubelets), as
//! scheduler_perf measures the scheduler alone.

use std::sync::Arc;
use std::time::Instant;

use kubesim::engine::{RngStreams, SimTime};
use kubesim::model::node::NodeCondition;
use kubesim::model::pod::PodStatus;
use kubesim::model::{ClusterState, ObjectMeta, Pod, Quantity};
use kubesim::scheduler::{Decision, Scheduler};

const NODES: usize = 5_000;
const INITIAL_PODS: usize = 5_000;
const MEASURED_PODS: usize = 50_000;
/// Kubernetes' published scalability limits: 5000 nodes, 150000 pods in total.
// K8S: https://kubernetes.io/docs/setup/best-practices/cluster-large/
const LIMIT_PODS: usize = 150_000;

fn cluster() -> ClusterState {
    let mut state = ClusterState::new();
    let template = kubesim::scenario::default_cluster().remove(1);
    for i in 0..NODES {
        let mut node = template.clone();
        node.meta.name = format!("node-{i}");
        node.meta
            .labels
            .insert("kubernetes.io/hostname".into(), node.meta.name.clone());
        for (resource, value) in [("cpu", "4"), ("memory", "32Gi"), ("pods", "110")] {
            let q: Quantity = value.parse().unwrap();
            node.capacity.insert(resource.into(), q.clone());
            node.allocatable.insert(resource.into(), q);
        }
        node.conditions = NodeCondition::healthy_set(SimTime::ZERO);
        node.assign_addresses(i);
        state.add_node(node);
    }
    state
}

fn pod_spec() -> kubesim::model::PodSpec {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: registry.k8s.io/pause:3.10\n    resources: {requests: {cpu: 100m, memory: 500Mi}}\n";
    let objects = kubesim::manifest::load_str(yaml, "bench").unwrap();
    match &objects[0].object {
        kubesim::manifest::Object::Pod(p) => p.spec.clone(),
        _ => unreachable!("the manifest is a pod"),
    }
}

/// What a run of scheduling cycles decided: how many pods were bound, and a checksum of the
/// chosen nodes' positions in order (FNV-1a over each position's bytes).
#[derive(Debug, Clone, Copy)]
struct Outcome {
    bound: usize,
    checksum: u64,
}

impl Outcome {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Outcome {
            bound: 0,
            checksum: Self::FNV_OFFSET,
        }
    }

    fn record(&mut self, position: usize) {
        self.bound += 1;
        for byte in (position as u64).to_le_bytes() {
            self.checksum = (self.checksum ^ u64::from(byte)).wrapping_mul(Self::FNV_PRIME);
        }
    }
}

/// Schedules `count` pods; returns how many were bound and where.
fn schedule(
    state: &mut ClusterState,
    scheduler: &mut Scheduler,
    count: usize,
    first: usize,
) -> Outcome {
    let spec = Arc::new(pod_spec());
    let rng_streams = RngStreams::new(1);
    let mut rng = rng_streams.stream("scheduler");
    let mut outcome = Outcome::new();
    for i in 0..count {
        let qos = spec.qos_class();
        let id = state.add_pod(Pod {
            meta: ObjectMeta {
                name: format!("pod-{}", first + i),
                namespace: "default".into(),
                ..Default::default()
            },
            spec: spec.clone(),
            node_name: None,
            status: PodStatus::new(qos),
        });
        scheduler.queue.add(id, 0, SimTime::ZERO);
        if let Some(Decision::Bind { node, .. }) =
            scheduler.schedule_one(state, SimTime::ZERO, &mut rng)
        {
            outcome.record(state.node_position(&node).expect("bound to a known node"));
        }
    }
    outcome
}

/// Places `initial` pods (not measured), then times `measured` more; prints the throughput and
/// the checksum of the measured decisions.
fn run(name: &str, percentage: i64, initial: usize, measured: usize) {
    let mut state = cluster();
    let mut scheduler = Scheduler::new(&state, &Default::default());
    scheduler.set_percentage_of_nodes_to_score(percentage);
    schedule(&mut state, &mut scheduler, initial, 0);
    let start = Instant::now();
    let outcome = schedule(&mut state, &mut scheduler, measured, initial);
    let secs = start.elapsed().as_secs_f64();
    let label = if percentage == 0 {
        "adaptive".to_string()
    } else {
        format!("{percentage}%")
    };
    println!(
        "{name} {NODES} nodes, {measured} pods, percentageOfNodesToScore {label}: {} bound in {secs:.3}s = {:.0} pods/s (checksum {:016x})",
        outcome.bound,
        outcome.bound as f64 / secs,
        outcome.checksum
    );
}

/// The process's peak resident set size (`VmHWM` in /proc/self/status), in kB, where Linux
/// reports it: the high-water mark over the whole process's life, so over every run made.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The shapes to run: all, or those whose name contains one of the arguments
/// (`cargo bench --bench scheduler -- limits` measures one shape, and its peak memory alone).
fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

fn main() {
    for percentage in [0, 100] {
        let name = if percentage == 0 {
            "basic-adaptive"
        } else {
            "basic-100"
        };
        if selected(name) {
            run("SchedulingBasic", percentage, INITIAL_PODS, MEASURED_PODS);
        }
    }
    if selected("limits") {
        run("Limits", 0, 0, LIMIT_PODS);
    }
    match peak_rss_kb() {
        Some(kb) => println!(
            "peak RSS of the bench process (VmHWM, over the runs above): {:.1} MiB",
            kb as f64 / 1024.0
        ),
        None => println!("peak RSS: /proc/self/status has no VmHWM on this system"),
    }
}
