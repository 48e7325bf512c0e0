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
