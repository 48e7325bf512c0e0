//! Matching a pod's node selection against a node: `nodeSelector`, required node affinity
//! terms, and the node's taints. Shared by the scheduler's plugins and the DaemonSet
//! controller, as upstream shares `component-helpers/scheduling/corev1`.

use k8s_openapi::api::core::v1 as core;

use super::node::{Node, TaintEffect};
use super::pod::PodSpec;

/// One `matchExpressions`/`matchFields` requirement against a value the node has (or not).
// K8S: staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity (nodeSelectorRequirementsAsSelector)
fn requirement_matches(r: &core::NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    let number = |s: &str| s.parse::<i64>().ok();
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        // Gt and Lt compare integers; a non-integer label or value never matches.
        "Gt" | "Lt" => {
            let (Some(v), [bound]) = (value.and_then(number), values) else {
                return false;
            };
            let Some(bound) = number(bound) else {
                return false;
            };
            if r.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// A term matches when all its expressions (on labels) and fields (`metadata.name`) match; a
/// term with neither matches nothing.
pub fn term_matches(term: &core::NodeSelectorTerm, node: &Node) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    expressions
        .iter()
        .all(|r| requirement_matches(r, node.meta.labels.get(&r.key).map(String::as_str)))
        && fields.iter().all(|r| {
            let value = (r.key == "metadata.name").then_some(node.meta.name.as_str());
            requirement_matches(r, value)
        })
}

impl PodSpec {
    /// The pod's required node affinity, if it has one.
    pub fn required_node_affinity(&self) -> Option<&core::NodeSelector> {
        self.api
            .affinity
            .as_ref()?
            .node_affinity
            .as_ref()?
            .required_during_scheduling_ignored_during_execution
            .as_ref()
    }

    /// Whether the node satisfies the pod's nodeSelector and required node affinity (terms
    /// ORed).
    // K8S: staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity (GetRequiredNodeAffinity, Match)
    pub fn matches_node(&self, node: &Node) -> bool {
        let selector_ok = self
            .node_selector
            .iter()
            .all(|(k, v)| node.meta.labels.get(k) == Some(v));
        selector_ok
            && self
                .required_node_affinity()
                .is_none_or(|r| r.node_selector_terms.iter().any(|t| term_matches(t, node)))
    }

    /// Whether the pod tolerates every taint of the node with one of these effects.
    // K8S: staging/src/k8s.io/component-helpers/scheduling/corev1 (FindMatchingUntoleratedTaint)
    pub fn tolerates_taints(&self, node: &Node, effects: &[TaintEffect]) -> bool {
        node.taints
            .iter()
            .filter(|t| effects.contains(&t.effect))
            .all(|t| self.tolerations.iter().any(|tol| tol.tolerates(t)))
    }
}
