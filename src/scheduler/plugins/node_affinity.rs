//! NodeAffinity: the pod's `nodeSelector` and required node affinity must match the node;
//! preferred node affinity terms add their weights to the node's score.

use k8s_openapi::api::core::v1 as core;

use crate::model::{node_affinity, Node};
use crate::scheduler::framework::{
    default_normalize, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status,
};

/// The plugin.
pub struct NodeAffinity;

fn node_affinity<'a>(pod: &PodInfo<'a>) -> Option<&'a core::NodeAffinity> {
    pod.spec.api.affinity.as_ref()?.node_affinity.as_ref()
}

/// The pod's preferred node affinity terms (none when it has no node affinity).
fn preferred<'a>(pod: &PodInfo<'a>) -> &'a [core::PreferredSchedulingTerm] {
    node_affinity(pod)
        .and_then(|a| {
            a.preferred_during_scheduling_ignored_during_execution
                .as_deref()
        })
        .unwrap_or_default()
}

/// Whether the node satisfies the pod's nodeSelector and required node affinity (terms ORed).
// K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (Filter)
pub fn required_matches(pod: &PodInfo<'_>, node: &Node) -> bool {
    pod.spec.matches_node(node)
}

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (ErrReasonPod)
    fn filter(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> Option<Status> {
        (!required_matches(pod, node)).then(|| {
            Status::unresolvable(
                "NodeAffinity",
                "node(s) didn't match Pod's node affinity/selector",
            )
        })
    }

    /// Without a nodeSelector or required node affinity every node matches.
    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (PreFilter: Skip)
    fn skips(&self, pod: &PodInfo<'_>) -> bool {
        pod.spec.node_selector.is_empty() && pod.spec.required_node_affinity().is_none()
    }
}

impl ScorePlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (Score)
    fn score(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> i64 {
        preferred(pod)
            .iter()
            .filter(|p| p.weight != 0 && node_affinity::term_matches(&p.preference, node))
            .map(|p| p.weight as i64)
            .sum()
    }

    fn normalize(&self, scores: &mut [i64]) {
        default_normalize(scores, false);
    }

    /// Without weighted preferred terms every raw score is 0, which normalizes to 0.
    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (PreScore: Skip)
    fn uniform_score(&self, pod: &PodInfo<'_>) -> Option<i64> {
        preferred(pod).iter().all(|p| p.weight == 0).then_some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(affinity_yaml: &str) -> crate::model::PodSpec {
        let yaml = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers: [{{name: c, image: x}}]\n{affinity_yaml}");
        let objects = crate::manifest::load_str(&yaml, "p.yaml").unwrap();
        let crate::manifest::Object::Pod(p) = &objects[0].object else {
            panic!("a pod")
        };
        p.spec.clone()
    }

    fn node(name: &str, labels: &[(&str, &str)]) -> Node {
        let mut n = crate::scenario::default_cluster().remove(1);
        n.meta.name = name.to_string();
        n.meta.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        n
    }

    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go (TestNodeAffinity)
    #[test]
    fn required_affinity_upstream_cases() {
        let foo_bar = node("n", &[("foo", "bar")]);
        let cases: &[(&str, &str, &Node, bool)] = &[
            ("no selector", "", &foo_bar, true),
            ("missing labels", "  nodeSelector: {foo: bar}\n", &node("n", &[]), false),
            ("same labels", "  nodeSelector: {foo: bar}\n", &foo_bar, true),
            (
                "node labels are superset",
                "  nodeSelector: {foo: bar}\n",
                &node("n", &[("foo", "bar"), ("baz", "blah")]),
                true,
            ),
            (
                "node labels are subset",
                "  nodeSelector: {foo: bar, baz: blah}\n",
                &foo_bar,
                false,
            ),
            (
                "Pod with matchExpressions using In operator that matches the existing node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: foo, operator: In, values: [value1, bar]}]}]}}}\n",
                &foo_bar,
                true,
            ),
            (
                "Pod with matchExpressions using Gt operator that matches the existing node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kernel-version, operator: Gt, values: [\"0204\"]}]}]}}}\n",
                &node("n", &[("kernel-version", "0206")]),
                true,
            ),
            (
                "Pod with matchExpressions using NotIn operator that matches the existing node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: mem-type, operator: NotIn, values: [DDR, DDR2]}]}]}}}\n",
                &node("n", &[("mem-type", "DDR3")]),
                true,
            ),
            (
                "Pod with matchExpressions using Exists operator that matches the existing node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: GPU, operator: Exists}]}]}}}\n",
                &node("n", &[("GPU", "NVIDIA-GRID-K1")]),
                true,
            ),
            (
                "Pod with affinity that don't match node's labels won't schedule onto the node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: foo, operator: In, values: [value1, value2]}]}]}}}\n",
                &foo_bar,
                false,
            ),
            (
                "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: []}]}}}\n",
                &foo_bar,
                false,
            ),
            (
                "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: foo, operator: In, values: [bar, value2]}]}, {matchExpressions: [{key: diffkey, operator: In, values: [wrong, value2]}]}]}}}\n",
                &foo_bar,
                true,
            ),
            (
                "Pod with an Affinity both requiredDuringSchedulingIgnoredDuringExecution and nodeSelector, but both don't match the node's labels",
                "  nodeSelector: {foo: bar}\n  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: foo, operator: Exists}]}]}}}\n",
                &node("n", &[("foo", "barrrrrr")]),
                false,
            ),
            (
                "Pod with matchFields using In operator that matches the existing node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}]}}}\n",
                &node("node1", &[]),
                true,
            ),
            (
                "Pod with matchFields using In operator that does not match the existing node",
                "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}]}}}\n",
                &node("node2", &[]),
                false,
            ),
        ];
        for (name, yaml, node, want) in cases {
            let spec = pod(yaml);
            let info = PodInfo::new(&spec);
            assert_eq!(required_matches(&info, node), *want, "{name}");
        }
    }

    // K8S: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go (TestNodeAffinityPriority:
    // "only machine1 matches the preferred scheduling requirements of pod" and "all machines
    // matches the preferred scheduling requirements of pod but with different priorities")
    #[test]
    fn preferred_affinity_upstream_priorities() {
        let affinity = "  affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 2, preference: {matchExpressions: [{key: foo, operator: In, values: [bar]}]}}, {weight: 4, preference: {matchExpressions: [{key: key, operator: In, values: [value]}]}}, {weight: 5, preference: {matchExpressions: [{key: foo, operator: In, values: [bar]}, {key: key, operator: In, values: [value]}, {key: az, operator: In, values: [az1]}]}}]}}\n";
        let spec = pod(affinity);
        let info = PodInfo::new(&spec);
        let nodes = [
            node("machine1", &[("foo", "bar")]),
            node("machine2", &[("key", "value")]),
            node(
                "machine5",
                &[("foo", "bar"), ("key", "value"), ("az", "az1")],
            ),
        ];
        let ni = NodeInfo {
            index: 0,
            allocatable: Default::default(),
            requested: Default::default(),
            non_zero_requested: Default::default(),
            pod_count: 0,
            used_ports: Vec::new(),
        };
        let mut scores: Vec<i64> = nodes
            .iter()
            .map(|n| NodeAffinity.score(&info, n, &ni))
            .collect();
        NodeAffinity.normalize(&mut scores);
        assert_eq!(scores, [18, 36, 100]);
    }
}
