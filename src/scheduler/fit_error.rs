//! The FitError message: `0/3 nodes are available: 1 node(s) had untolerated taint ..., 2
//! Insufficient memory. preemption: ...`, the last part from DefaultPreemption.

use std::collections::BTreeMap;

use super::framework::Status;

/// Upstream's message for a pod no node can take, from each rejected node's status.
// K8S: pkg/scheduler/framework/types.go (FitError.Error: reasons counted, "<n> <reason>" strings
// sorted lexicographically, joined with ", ")
pub fn message(node_count: usize, rejected: &[Status], post_filter: &str) -> String {
    let mut histogram: BTreeMap<&str, usize> = BTreeMap::new();
    for status in rejected {
        for reason in &status.reasons {
            *histogram.entry(reason.as_str()).or_default() += 1;
        }
    }
    let mut parts: Vec<String> = histogram
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    parts.sort();
    let mut text = format!("0/{node_count} nodes are available: {}.", parts.join(", "));
    // K8S: pkg/scheduler/framework/types.go (FitError.Error: PostFilterMsg appended)
    if !post_filter.is_empty() {
        text.push(' ');
        text.push_str(post_filter);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sorts_reasons_like_upstream() {
        let rejected = vec![
            Status::unresolvable(
                "TaintToleration",
                "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
            ),
            Status::unschedulable("NodeResourcesFit", vec!["Insufficient memory".into()]),
            Status::unschedulable("NodeResourcesFit", vec!["Insufficient memory".into()]),
        ];
        assert_eq!(
            message(
                3,
                &rejected,
                "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, \
                 2 No preemption victims found for incoming pod."
            ),
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, \
             2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, \
             2 No preemption victims found for incoming pod."
        );
    }
}
