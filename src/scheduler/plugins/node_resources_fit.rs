//! NodeResourcesFit: the pod's requests must fit in what the node has left; among fitting nodes
//! a scoring strategy ranks them: `LeastAllocated` (upstream's default), `MostAllocated` or
//! `RequestedToCapacityRatio`, over weighted resources (cpu and memory, weight 1 each, by
//! default).

use crate::model::{Node, Resources};
use crate::scheduler::framework::{
    FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status, MAX_NODE_SCORE,
};

/// How NodeResourcesFit scores a node from its requested and allocatable resources.
// K8S: pkg/scheduler/apis/config/types_pluginargs.go (ScoringStrategy)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoringStrategy {
    LeastAllocated,
    MostAllocated,
    /// Piecewise-linear `(utilization %, score 0..10)` points.
    RequestedToCapacityRatio(Vec<(i64, i64)>),
}

/// A resource the strategy weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoredResource {
    Cpu,
    Memory,
    EphemeralStorage,
}

impl ScoredResource {
    fn of(self, r: &Resources) -> i64 {
        match self {
            ScoredResource::Cpu => r.milli_cpu,
            ScoredResource::Memory => r.memory,
            ScoredResource::EphemeralStorage => r.ephemeral_storage,
        }
    }
}

/// The plugin with its scoring configuration.
#[derive(Debug, Clone)]
pub struct NodeResourcesFit {
    pub strategy: ScoringStrategy,
    pub resources: Vec<(ScoredResource, i64)>,
}

impl Default for NodeResourcesFit {
    // K8S: pkg/scheduler/apis/config/v1/defaults.go (LeastAllocated, cpu and memory weight 1)
    fn default() -> Self {
        NodeResourcesFit {
            strategy: ScoringStrategy::LeastAllocated,
            resources: vec![(ScoredResource::Cpu, 1), (ScoredResource::Memory, 1)],
        }
    }
}

/// One resource's score under a strategy, given what would be requested (node + pod) and what
/// is allocatable.
// K8S: noderesources/least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go
fn resource_score(strategy: &ScoringStrategy, requested: i64, allocatable: i64) -> i64 {
    match strategy {
        ScoringStrategy::LeastAllocated if requested > allocatable => 0,
        ScoringStrategy::LeastAllocated => (allocatable - requested) * MAX_NODE_SCORE / allocatable,
        ScoringStrategy::MostAllocated => requested.min(allocatable) * MAX_NODE_SCORE / allocatable,
        ScoringStrategy::RequestedToCapacityRatio(shape) => {
            let utilization = if requested > allocatable {
                100
            } else {
                requested * 100 / allocatable
            };
            broken_linear(shape, utilization)
        }
    }
}

/// The shape's points scaled from 0..10 to 0..100, interpolated linearly, flat outside.
// K8S: pkg/scheduler/framework/plugins/helper/shape_score.go (BuildBrokenLinearFunction)
fn broken_linear(shape: &[(i64, i64)], x: i64) -> i64 {
    let scaled = |score: i64| score * (MAX_NODE_SCORE / 10);
    for (i, &(u, s)) in shape.iter().enumerate() {
        if x <= u {
            if i == 0 {
                return scaled(s);
            }
            let (u0, s0) = shape[i - 1];
            return scaled(s0) + (scaled(s) - scaled(s0)) * (x - u0) / (u - u0);
        }
    }
    shape.last().map_or(0, |&(_, s)| scaled(s))
}

/// A node's score: the weighted average of its resources' scores, over the resources the node
/// has (truncated; RequestedToCapacityRatio rounds and skips zero scores).
// K8S: noderesources/resource_allocation.go (score), least_allocated.go (leastResourceScorer)
fn node_score(strategy: &ScoringStrategy, items: impl IntoIterator<Item = (i64, i64, i64)>) -> i64 {
    let ratio = matches!(strategy, ScoringStrategy::RequestedToCapacityRatio(_));
    let (mut sum, mut weights) = (0i64, 0i64);
    for (requested, allocatable, weight) in items {
        if allocatable == 0 {
            continue;
        }
        let score = resource_score(strategy, requested, allocatable);
        if ratio && score <= 0 {
            continue;
        }
        sum += score * weight;
        weights += weight;
    }
    match (weights, ratio) {
        (0, _) => 0,
        (_, true) => (sum as f64 / weights as f64).round() as i64,
        (_, false) => sum / weights,
    }
}

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

    // K8S: pkg/scheduler/framework/plugins/noderesources/resource_allocation.go (non-zero
    // requests of the node plus the pod)
    fn score(&self, pod: &PodInfo<'_>, _node: &Node, info: &NodeInfo) -> i64 {
        let items = self.resources.iter().map(|&(r, weight)| {
            let requested = r.of(&info.non_zero_requested) + r.of(&pod.non_zero_requests);
            (requested, r.of(&info.allocatable), weight)
        });
        node_score(&self.strategy, items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPU_MEM: [i64; 2] = [1, 1];

    /// (upstream case, [cpu, memory] requested incl. the pod (non-zero), [cpu, memory]
    /// allocatable, expected score). Upstream quantities are in the same unit on both sides,
    /// so only ratios matter.
    type Case = (&'static str, [i64; 2], [i64; 2], i64);

    fn check(strategy: &ScoringStrategy, weights: [i64; 2], cases: &[Case]) {
        for (name, requested, allocatable, want) in cases {
            let items = [
                (requested[0], allocatable[0], weights[0]),
                (requested[1], allocatable[1], weights[1]),
            ];
            assert_eq!(node_score(strategy, items), *want, "{name}");
        }
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go
    #[test]
    fn least_allocated_upstream_table() {
        let cases: &[Case] = &[
            ("nothing scheduled, nothing requested", [0, 0], [4000, 10000], 100),
            ("nothing scheduled, resources requested, differently sized nodes (node1)", [3000, 5000], [4000, 10000], 37),
            ("nothing scheduled, resources requested, differently sized nodes (node2)", [3000, 5000], [6000, 10000], 50),
            ("no resources requested, pods scheduled with resources (node1)", [6000, 0], [10000, 20000], 70),
            ("no resources requested, pods scheduled with resources (node2)", [6000, 5000], [10000, 20000], 57),
            ("resources requested, pods scheduled with resources (node1)", [6000, 5000], [10000, 20000], 57),
            ("resources requested, pods scheduled with resources (node2)", [6000, 10000], [10000, 20000], 45),
            ("resources requested, pods scheduled with resources, differently sized nodes (node2)", [6000, 10000], [10000, 50000], 60),
            ("requested resources exceed node capacity (node1)", [6000, 0], [4000, 10000], 50),
            ("requested resources exceed node capacity (node2)", [6000, 5000], [4000, 10000], 25),
            ("zero node resources, pods scheduled with resources", [3000, 5000], [0, 0], 0),
        ];
        check(&ScoringStrategy::LeastAllocated, CPU_MEM, cases);
        let weighted: &[Case] = &[
            (
                "different weight on CPU and memory (node1)",
                [3000, 5000],
                [4000, 10000],
                41,
            ),
            (
                "different weight on CPU and memory (node2)",
                [3000, 5000],
                [6000, 10000],
                50,
            ),
        ];
        check(&ScoringStrategy::LeastAllocated, [1, 2], weighted);
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/most_allocated_test.go
    #[test]
    fn most_allocated_upstream_table() {
        let mi = 1024 * 1024;
        let cases: &[Case] = &[
            (
                "nothing scheduled, nothing requested",
                [0, 0],
                [4000, 10000],
                0,
            ),
            (
                "nothing scheduled, resources requested, differently sized nodes (node1)",
                [3000, 5000],
                [4000, 10000],
                62,
            ),
            (
                "nothing scheduled, resources requested, differently sized nodes (node2)",
                [3000, 5000],
                [6000, 10000],
                50,
            ),
            (
                "no resources requested, pods scheduled with resources (node1)",
                [6000, 0],
                [10000, 20000],
                30,
            ),
            (
                "no resources requested, pods scheduled with resources (node2)",
                [6000, 5000],
                [10000, 20000],
                42,
            ),
            (
                "resources requested, pods scheduled with resources (node1)",
                [6000, 5000],
                [10000, 20000],
                42,
            ),
            (
                "resources requested, pods scheduled with resources (node2)",
                [6000, 10000],
                [10000, 20000],
                55,
            ),
            (
                "resources requested equal node capacity (node1)",
                [5000, 9000],
                [5000, 10000],
                95,
            ),
            (
                "resources requested equal node capacity (node2)",
                [5000, 9000],
                [10000, 9000],
                75,
            ),
            // Non-zero defaults: 100m and 200Mi per container without requests.
            (
                "nonzero request for resource (node1)",
                [300, 600 * mi],
                [250, 1000 * mi],
                80,
            ),
            (
                "nonzero request for resource (node2)",
                [100, 200 * mi],
                [250, 1000 * mi],
                30,
            ),
        ];
        check(&ScoringStrategy::MostAllocated, CPU_MEM, cases);
        let weighted: &[Case] = &[
            (
                "different weight on CPU and memory (node1)",
                [3000, 5000],
                [4000, 10000],
                58,
            ),
            (
                "different weight on CPU and memory (node2)",
                [3000, 5000],
                [6000, 10000],
                50,
            ),
        ];
        check(&ScoringStrategy::MostAllocated, [1, 2], weighted);
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/requested_to_capacity_ratio_test.go
    // (TestRequestedToCapacityRatioScoringStrategy: shape (0, 10), (100, 0), cpu and memory
    // weight 1; the requested pod's two containers sum to 3000 / 5000)
    #[test]
    fn requested_to_capacity_ratio_upstream_table() {
        let shape = ScoringStrategy::RequestedToCapacityRatio(vec![(0, 10), (100, 0)]);
        let cases: &[Case] = &[
            (
                "nothing scheduled, nothing requested (node1)",
                [0, 0],
                [4000, 10000],
                100,
            ),
            (
                "nothing scheduled, nothing requested (node2)",
                [0, 0],
                [4000, 10000],
                100,
            ),
            (
                "nothing scheduled, resources requested, differently sized nodes (node1)",
                [3000, 5000],
                [4000, 10000],
                38,
            ),
            (
                "nothing scheduled, resources requested, differently sized nodes (node2)",
                [3000, 5000],
                [6000, 10000],
                50,
            ),
            (
                "no resources requested, pods scheduled with resources (node1)",
                [3000, 5000],
                [4000, 10000],
                38,
            ),
            (
                "no resources requested, pods scheduled with resources (node2)",
                [3000, 5000],
                [6000, 10000],
                50,
            ),
        ];
        check(&shape, CPU_MEM, cases);
    }

    // Not an upstream table: values worked out from BuildBrokenLinearFunction's definition
    // (points scaled ×10, linear in between, flat outside).
    #[test]
    fn broken_linear_function_shape() {
        let shape = [(10, 1), (90, 9)];
        for (x, want) in [
            (0, 10),
            (10, 10),
            (15, 15),
            (20, 20),
            (50, 50),
            (90, 90),
            (95, 90),
            (100, 90),
        ] {
            assert_eq!(broken_linear(&shape, x), want, "x = {x}");
        }
    }

    // K8S: pkg/scheduler/framework/plugins/noderesources/fit_test.go (the filter's reasons
    // and statuses, with a node of 10 cpu / 20 memory / 32 pods)
    #[test]
    fn fit_filter_reports_insufficient_resources() {
        let info = |cpu, mem, pods| NodeInfo {
            index: 0,
            allocatable: Resources {
                milli_cpu: 10,
                memory: 20,
                ephemeral_storage: 0,
                pods: 32,
            },
            requested: Resources {
                milli_cpu: cpu,
                memory: mem,
                ..Default::default()
            },
            non_zero_requested: Resources::default(),
            pod_count: pods,
            used_ports: Vec::new(),
        };
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: x, resources: {requests: {cpu: 1m, memory: \"1\"}}}\n";
        let objects = crate::manifest::load_str(yaml, "p.yaml").unwrap();
        let crate::manifest::Object::Pod(pod) = &objects[0].object else {
            panic!("a pod")
        };
        let pod = PodInfo::new(&pod.spec);
        let node = crate::scenario::default_cluster().remove(1);
        let fit = NodeResourcesFit::default();
        assert_eq!(fit.filter(&pod, &node, &info(5, 5, 0)), None);
        let too_much_cpu = fit.filter(&pod, &node, &info(10, 5, 0)).unwrap();
        assert_eq!(too_much_cpu.reasons, ["Insufficient cpu"]);
        assert!(!too_much_cpu.unresolvable);
        let both = fit.filter(&pod, &node, &info(10, 20, 32)).unwrap();
        assert_eq!(
            both.reasons,
            ["Too many pods", "Insufficient cpu", "Insufficient memory"]
        );
    }
}
