//! kubesim's ceilings on how much one input can make it hold: pods per object, nodes per
//! cluster, pods at once.
//!
//! The API server accepts any int32 in `replicas`, `parallelism`, `completions` and
//! `maxReplicas`, and any number of nodes: a real cluster creates what it can and leaves the
//! rest pending. kubesim holds every pod and node it simulates in memory (about 16 KB a pod),
//! so it refuses counts past Kubernetes' published scalability limits instead of growing
//! without bound. Every shipped scenario and bench stays within them (the largest: 5,000 nodes
//! with 50,000 pods in one Deployment, and 150,000 pods in all on 5,000 nodes).
// K8S: https://kubernetes.io/docs/setup/best-practices/cluster-large/ (no more than 5,000
// nodes, 150,000 pods in total, 110 pods per node)

use super::validation::field::{BadValue, Error, ErrorList, Path};

/// The most pods one object may ask for: a Deployment's, ReplicaSet's or StatefulSet's
/// `replicas`, a Job's `parallelism` and `completions`, an HPA's `maxReplicas`. Kubernetes'
/// limit for a whole cluster, so one object may use all of it.
// DEVIATION: the API takes any int32 (2147483647); kubesim refuses more than this per object.
pub const PODS_PER_OBJECT: i32 = 150_000;

/// The most nodes a cluster may have: `spec.nodes` counts, the autoscaled groups' maxima and
/// the Node objects a scenario applies, together.
// DEVIATION: Kubernetes names no hard limit; kubesim refuses a cluster past its published 5,000.
pub const NODES: usize = 5_000;

/// The most pods the simulated API server holds at once (running, pending or terminated and
/// not yet collected); past it, a pod's creation is refused as a quota refuses it. Twice the
/// published 150,000, so that a rolling update of a full cluster (25% surge) and the finished
/// pods Jobs keep still fit, while a scenario of many large objects stays within a few GiB.
// DEVIATION: the API server has no such ceiling (etcd's size is the real one).
pub const PODS: usize = 300_000;

/// The detail of a refused count (also how [`super::validation`]'s callers recognise it).
pub const TOO_MANY_PODS: &str = "must be less than or equal to 150000";

/// What a user can do about a refused count.
pub fn hint() -> String {
    format!(
        "kubesim creates every pod it simulates, so it takes at most {PODS_PER_OBJECT} per object \
         (Kubernetes' published limit for a whole cluster); lower the count"
    )
}

/// A count of pods at `path`, refused past [`PODS_PER_OBJECT`].
pub fn pod_count(value: Option<i32>, path: &Path) -> ErrorList {
    match value {
        Some(n) if n > PODS_PER_OBJECT => vec![Error::invalid(
            path.clone(),
            BadValue::Int(n.into()),
            TOO_MANY_PODS,
        )],
        _ => Vec::new(),
    }
}

/// Why a cluster of `nodes` nodes is refused, if it is.
pub fn node_count(nodes: u64) -> Option<String> {
    (nodes > NODES as u64).then(|| {
        format!(
            "the cluster would have {nodes} nodes, more than {NODES}, the most kubesim simulates \
             (Kubernetes' published limit)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_past_the_limits_are_refused_with_the_field() {
        let path = Path::new(&["spec", "replicas"]);
        assert!(pod_count(Some(PODS_PER_OBJECT), &path).is_empty());
        assert!(pod_count(None, &path).is_empty());
        let refused = pod_count(Some(i32::MAX), &path);
        assert_eq!(
            refused[0].to_string(),
            "spec.replicas: Invalid value: 2147483647: must be less than or equal to 150000"
        );
        assert_eq!(
            TOO_MANY_PODS,
            format!("must be less than or equal to {PODS_PER_OBJECT}")
        );
        assert_eq!(node_count(NODES as u64), None);
        assert_eq!(
            node_count(5001).unwrap(),
            "the cluster would have 5001 nodes, more than 5000, the most kubesim simulates (Kubernetes' published limit)"
        );
    }
}
