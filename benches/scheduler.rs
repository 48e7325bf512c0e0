//! kube-scheduler throughput on upstream's scheduler_perf `SchedulingBasic/5000Nodes_50000Pods`
//! shape: 5000 nodes of 4 CPU / 32Gi / 110 pods, 5000 pods placed first (not measured), then
//! 50000 measured pods of 100m / 500Mi, with the default profile. Prints pods per second for
//! the adaptive `percentageOfNodesToScore` and for 100 %.
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

/// Schedules `count` pods; returns how many were bound.
fn schedule(
    state: &mut ClusterState,
    scheduler: &mut Scheduler,
    count: usize,
    first: usize,
) -> usize {
    let spec = Arc::new(pod_spec());
    let rng_streams = RngStreams::new(1);
    let mut rng = rng_streams.stream("scheduler");
    let mut bound = 0;
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
        if let Some(Decision::Bind { .. }) = scheduler.schedule_one(state, SimTime::ZERO, &mut rng)
        {
            bound += 1;
        }
    }
    bound
}

fn main() {
    for percentage in [0, 100] {
        let mut state = cluster();
        let mut scheduler = Scheduler::new(&state, &Default::default());
        scheduler.set_percentage_of_nodes_to_score(percentage);
        schedule(&mut state, &mut scheduler, INITIAL_PODS, 0);
        let start = Instant::now();
        let bound = schedule(&mut state, &mut scheduler, MEASURED_PODS, INITIAL_PODS);
        let secs = start.elapsed().as_secs_f64();
        let label = if percentage == 0 {
            "adaptive".to_string()
        } else {
            format!("{percentage}%")
        };
        println!(
            "SchedulingBasic 5000 nodes, {MEASURED_PODS} pods, percentageOfNodesToScore {label}: {bound} bound in {secs:.3}s = {:.0} pods/s",
            bound as f64 / secs
        );
    }
}
