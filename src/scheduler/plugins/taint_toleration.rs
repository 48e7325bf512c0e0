//! TaintToleration: `NoSchedule`/`NoExecute` taints the pod does not tolerate rule a node out;
//! untolerated `PreferNoSchedule` taints lower its score.

use crate::model::{Node, TaintEffect};
use crate::scheduler::framework::{
    default_normalize, FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status,
};

/// The plugin.
pub struct TaintToleration;

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    // K8S: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go (Filter)
    fn filter(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> Option<Status> {
        let untolerated = node.taints.iter().find(|taint| {
            matches!(
                taint.effect,
                TaintEffect::NoSchedule | TaintEffect::NoExecute
            ) && !pod.spec.tolerations.iter().any(|t| t.tolerates(taint))
        })?;
        // DEVIATION: v1.35 shortened this to "node(s) had untolerated taint(s)"; we keep the
        // v1.34.0 text that names the taint, which learners see in most clusters and docs.
        Some(Status::unresolvable(
            "TaintToleration",
            format!(
                "node(s) had untolerated taint {{{}: {}}}",
                untolerated.key, untolerated.value
            ),
        ))
    }
}

impl ScorePlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    // K8S: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go (Score)
    fn score(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> i64 {
        node.taints
            .iter()
            .filter(|taint| taint.effect == TaintEffect::PreferNoSchedule)
            .filter(|taint| {
                !pod.spec
                    .tolerations
                    .iter()
                    .filter(|t| t.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule))
                    .any(|t| t.tolerates(taint))
            })
            .count() as i64
    }

    // K8S: pkg/scheduler/framework/plugins/helper/normalize_score.go (DefaultNormalizeScore, reverse)
    fn normalize(&self, scores: &mut [i64]) {
        default_normalize(scores, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod::{RestartPolicy, Toleration};
    use crate::model::{PodSpec, Resources, Taint};

    fn spec(tolerations: &[(&str, &str, TaintEffect)]) -> PodSpec {
        PodSpec {
            containers: Vec::new(),
            init_containers: Vec::new(),
            node_selector: Default::default(),
            tolerations: tolerations
                .iter()
                .map(|(key, value, effect)| Toleration {
                    key: key.to_string(),
                    operator_exists: false,
                    value: value.to_string(),
                    effect: Some(*effect),
                    toleration_seconds: None,
                })
                .collect(),
            restart_policy: RestartPolicy::Always,
            termination_grace_period_seconds: 30,
            priority: 0,
            priority_class_name: None,
            scheduler_name: "default-scheduler".into(),
            service_account_name: "default".into(),
            api: Default::default(),
        }
    }

    fn node(taints: &[(&str, &str, TaintEffect)]) -> Node {
        let mut node = crate::scenario::default_cluster().remove(1);
        node.taints = taints
            .iter()
            .map(|(key, value, effect)| Taint {
                key: key.to_string(),
                value: value.to_string(),
                effect: *effect,
                time_added: None,
            })
            .collect();
        node
    }

    fn info() -> NodeInfo {
        NodeInfo {
            index: 0,
            allocatable: Resources::default(),
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            pod_count: 0,
            used_ports: Vec::new(),
        }
    }

    use TaintEffect::{NoSchedule, PreferNoSchedule, PreferNoSchedule as Prefer};

    // K8S: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go
    // (TestTaintTolerationScore)
    #[test]
    fn score_upstream_table() {
        type Taints<'a> = &'a [(&'a str, &'a str, TaintEffect)];
        let cases: &[(&str, Taints, &[Taints], &[i64])] = &[
            (
                "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
                &[("foo", "bar", Prefer)],
                &[&[("foo", "bar", Prefer)], &[("foo", "blah", Prefer)]],
                &[100, 0],
            ),
            (
                "node with zero intolerable taints, gets a higher score than those with intolerable taints",
                &[("foo", "bar", Prefer)],
                &[&[("foo", "bar", Prefer)], &[("foo", "bar", Prefer), ("cpu-type", "arm64", Prefer)]],
                &[100, 0],
            ),
            (
                "refuse to schedule the pod when it has more intolerable taints",
                &[("foo", "bar", Prefer)],
                &[&[], &[("cpu-type", "arm64", Prefer)], &[("cpu-type", "arm64", Prefer), ("disk-type", "ssd", Prefer)]],
                &[100, 50, 0],
            ),
            (
                "only taints and tolerations that have effect PreferNoSchedule are checked by prioritize function",
                &[("cpu-type", "arm64", NoSchedule), ("disk-type", "ssd", NoSchedule)],
                &[&[], &[("cpu-type", "arm64", NoSchedule)], &[("cpu-type", "arm64", Prefer), ("disk-type", "ssd", Prefer)]],
                &[100, 100, 0],
            ),
            (
                "Default behaviour No taints and tolerations, lands on node with no taints",
                &[],
                &[&[], &[("cpu-type", "arm64", Prefer)]],
                &[100, 0],
            ),
        ];
        for (name, tolerations, nodes, want) in cases {
            let spec = spec(tolerations);
            let pod = PodInfo::new(&spec);
            let mut scores: Vec<i64> = nodes
                .iter()
                .map(|taints| TaintToleration.score(&pod, &node(taints), &info()))
                .collect();
            TaintToleration.normalize(&mut scores);
            assert_eq!(scores, *want, "{name}");
        }
    }

    // K8S: taint_toleration_test.go (TestTaintTolerationFilter)
    #[test]
    fn filter_upstream_table() {
        let reject = |key: &str, value: &str| {
            Some(Status::unresolvable(
                "TaintToleration",
                format!("node(s) had untolerated taint {{{key}: {value}}}"),
            ))
        };
        let cases = [
            (
                "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
                spec(&[]),
                node(&[("dedicated", "user1", NoSchedule)]),
                reject("dedicated", "user1"),
            ),
            (
                "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
                spec(&[("dedicated", "user1", NoSchedule)]),
                node(&[("dedicated", "user1", NoSchedule)]),
                None,
            ),
            (
                "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
                spec(&[("dedicated", "user2", NoSchedule)]),
                node(&[("dedicated", "user1", NoSchedule)]),
                reject("dedicated", "user1"),
            ),
            (
                "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
                {
                    let mut s = spec(&[("foo", "", NoSchedule)]);
                    s.tolerations[0].operator_exists = true;
                    s
                },
                node(&[("foo", "bar", NoSchedule)]),
                None,
            ),
            (
                "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
                spec(&[("foo", "bar", PreferNoSchedule)]),
                node(&[("foo", "bar", NoSchedule)]),
                reject("foo", "bar"),
            ),
            (
                "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
                {
                    let mut s = spec(&[("foo", "bar", NoSchedule)]);
                    s.tolerations[0].effect = None;
                    s
                },
                node(&[("foo", "bar", NoSchedule)]),
                None,
            ),
            (
                "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
                spec(&[("dedicated", "user2", NoSchedule)]),
                node(&[("dedicated", "user1", PreferNoSchedule)]),
                None,
            ),
            (
                "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
                spec(&[]),
                node(&[("dedicated", "user1", PreferNoSchedule)]),
                None,
            ),
        ];
        for (name, spec, node, want) in cases {
            let got = TaintToleration.filter(&PodInfo::new(&spec), &node, &info());
            assert_eq!(got, want, "{name}");
        }
    }
}
