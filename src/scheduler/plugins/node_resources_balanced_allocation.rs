//! NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in equal
//! fractions once the pod is placed.

use crate::model::Node;
use crate::scheduler::framework::{NodeInfo, PodInfo, ScorePlugin, MAX_NODE_SCORE};

/// The plugin (cpu and memory, weight 1 each, as upstream's default arguments).
pub struct NodeResourcesBalancedAllocation;

/// `(1 - standard deviation of the fractions) × 100`, each fraction capped at 1, over the
/// resources the node has; truncated.
// K8S: pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go (balancedResourceScorer)
fn balanced_score(items: &[(i64, i64)]) -> i64 {
    // At most three resources are weighed (cpu, memory, and in tests a third): no allocation.
    let mut buffer = [0.0f64; 3];
    let mut len = 0;
    for &(requested, allocatable) in items.iter().filter(|(_, a)| *a != 0).take(3) {
        buffer[len] = (requested as f64 / allocatable as f64).min(1.0);
        len += 1;
    }
    let fractions = &buffer[..len];
    let std = match fractions {
        [a, b] => (a - b).abs() / 2.0,
        [] | [_] => 0.0,
        many => {
            let mean = many.iter().sum::<f64>() / many.len() as f64;
            let var = many.iter().map(|f| (f - mean) * (f - mean)).sum::<f64>() / many.len() as f64;
            var.sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

impl ScorePlugin for NodeResourcesBalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    /// Actual requests (no non-zero defaults); a pod that requests nothing gets no score from
    /// this plugin (upstream's PreScore skips it).
    fn score(&self, pod: &PodInfo<'_>, _node: &Node, info: &NodeInfo) -> i64 {
        if let Some(score) = self.uniform_score(pod) {
            return score;
        }
        balanced_score(&[
            (
                info.requested.milli_cpu + pod.requests.milli_cpu,
                info.allocatable.milli_cpu,
            ),
            (
                info.requested.memory + pod.requests.memory,
                info.allocatable.memory,
            ),
        ])
    }

    /// A pod that requests no cpu and no memory scores 0 everywhere.
    // K8S: pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go (PreScore: Skip)
    fn uniform_score(&self, pod: &PodInfo<'_>) -> Option<i64> {
        (pod.requests.milli_cpu == 0 && pod.requests.memory == 0).then_some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // K8S: pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go
    // (cpu and memory cases; requested includes the incoming pod)
    /// (upstream case, [(requested, allocatable); cpu and memory], expected score).
    type Case = (&'static str, [(i64, i64); 2], i64);

    #[test]
    fn balanced_allocation_upstream_table() {
        let cases: &[Case] = &[
            ("nothing scheduled, resources requested, differently sized nodes (node1)", [(3000, 4000), (5000, 10000)], 87),
            ("nothing scheduled, resources requested, differently sized nodes (node2)", [(3000, 6000), (5000, 10000)], 100),
            ("resources requested, pods scheduled with resources (node1)", [(6000, 10000), (5000, 20000)], 82),
            ("resources requested, pods scheduled with resources (node2)", [(6000, 10000), (10000, 20000)], 95),
            ("resources requested, pods scheduled with resources, differently sized nodes (node2)", [(6000, 10000), (10000, 50000)], 80),
            ("requested resources at node capacity (node1)", [(6000, 6000), (0, 10000)], 50),
            ("requested resources at node capacity (node2)", [(6000, 6000), (5000, 10000)], 75),
            ("node without the scalar resource should skip the scalar resource", [(3000, 3500), (5000, 40000)], 63),
        ];
        for (name, items, want) in cases {
            assert_eq!(balanced_score(items), *want, "{name}");
        }
        // Three resources: population standard deviation ("include scalar resource", node1).
        assert_eq!(balanced_score(&[(3000, 3500), (5000, 40000), (4, 8)]), 70);
    }
}
