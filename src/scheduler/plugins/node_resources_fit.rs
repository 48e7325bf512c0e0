//! NodeResourcesFit: the pod's requests must fit in what the node has left; among fitting nodes
//! the least allocated scores highest (upstream's default `LeastAllocated` strategy, cpu and
//! memory weighted 1 each).

use crate::model::Node;
use crate::scheduler::framework::{
    FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status, MAX_NODE_SCORE,
};

/// The plugin.
pub struct NodeResourcesFit;

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/fit.go (fitsRequest)
    fn filter(&self, pod: &PodInfo<'_>, _node: &Node, info: &NodeInfo) -> Option<Status> {
        let mut reasons = Vec::new();
        let mut unresolvable = false;
        if info.pod_count + 1 > info.allocatable.pods {
            reasons.push("Too many pods".to_string());
        }
        let checks = [
            (
                "cpu",
                pod.requests.milli_cpu,
                info.allocatable.milli_cpu,
                info.requested.milli_cpu,
            ),
            (
                "memory",
                pod.requests.memory,
                info.allocatable.memory,
                info.requested.memory,
            ),
            (
                "ephemeral-storage",
                pod.requests.ephemeral_storage,
                info.allocatable.ephemeral_storage,
                info.requested.ephemeral_storage,
            ),
        ];
        for (name, want, allocatable, used) in checks {
            if want > 0 && want > allocatable - used {
                reasons.push(format!("Insufficient {name}"));
                unresolvable |= want > allocatable;
            }
        }
        if reasons.is_empty() {
            None
        } else if unresolvable {
            Some(Status {
                unresolvable: true,
                reasons,
                plugin: "NodeResourcesFit",
            })
        } else {
            Some(Status::unschedulable("NodeResourcesFit", reasons))
        }
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn weight(&self) -> i64 {
        1
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/least_allocated.go
    fn score(&self, pod: &PodInfo<'_>, _node: &Node, info: &NodeInfo) -> i64 {
        let least = |requested: i64, capacity: i64| {
            if capacity == 0 || requested > capacity {
                0
            } else {
                (capacity - requested) * MAX_NODE_SCORE / capacity
            }
        };
        let resources = [
            (
                info.non_zero_requested.milli_cpu + pod.non_zero_requests.milli_cpu,
                info.allocatable.milli_cpu,
            ),
            (
                info.non_zero_requested.memory + pod.non_zero_requests.memory,
                info.allocatable.memory,
            ),
        ];
        let (mut sum, mut weights) = (0, 0);
        for (requested, capacity) in resources {
            if capacity == 0 {
                continue;
            }
            sum += least(requested, capacity);
            weights += 1;
        }
        if weights == 0 {
            0
        } else {
            sum / weights
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resources;

    fn info(milli_cpu: i64, memory: i64) -> NodeInfo {
        NodeInfo {
            index: 0,
            allocatable: Resources {
                milli_cpu: 4000,
                memory: 10000,
                ephemeral_storage: 0,
                pods: 110,
            },
            requested: Resources::default(),
            non_zero_requested: Resources {
                milli_cpu,
                memory,
                ..Default::default()
            },
            pod_count: 0,
        }
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go
    // ("nothing scheduled, resources requested, differently sized nodes": cpu 3000/4000 and
    // memory 5000/10000 → (25 + 50) / 2 = 37)
    #[test]
    fn least_allocated_matches_upstream_table() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: x, resources: {requests: {cpu: 1000m, memory: 2000}}}\n  - {name: b, image: x, resources: {requests: {cpu: 2000m, memory: 3000}}}\n";
        let objects = crate::manifest::load_str(yaml, "p.yaml").unwrap();
        let crate::manifest::Object::Pod(pod) = &objects[0].object else {
            panic!("a pod")
        };
        let info_pod = PodInfo::new(&pod.spec);
        let node = crate::scenario::default_cluster().remove(1);
        assert_eq!(NodeResourcesFit.score(&info_pod, &node, &info(0, 0)), 37);
        // 3000/4000 cpu and 5000/10000 memory requested: both resources still fit.
        assert_eq!(NodeResourcesFit.filter(&info_pod, &node, &info(0, 0)), None);
    }
}
