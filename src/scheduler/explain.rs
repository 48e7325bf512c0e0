//! Why a scheduling attempt ended as it did: each node's filter verdict and, for the nodes that
//! passed, each score plugin's raw and normalized score, like the annotations
//! kube-scheduler-simulator writes. Collected only when asked for (it costs a copy per plugin).

use serde::{Deserialize, Serialize};

/// One scheduling attempt, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The profile that scheduled the pod (its `schedulerName`).
    pub profile: String,
    /// Every node in the cluster's order with its filter verdict.
    pub nodes: Vec<NodeVerdict>,
    /// The nodes that passed every filter, in the order the scores below follow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feasible: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<PluginScores>,
    /// The weighted sum per feasible node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub totals: Vec<i64>,
    /// The node chosen, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
    /// How the node was chosen when it was not by scores: the nominated node fitting, the only
    /// feasible node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<String>,
}

/// A node's filter verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeVerdict {
    pub node: String,
    pub verdict: Verdict,
}

/// Passed, rejected by a plugin, or left out because enough feasible nodes were found
/// (`percentageOfNodesToScore`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "is")]
pub enum Verdict {
    Feasible,
    Rejected {
        plugin: String,
        reasons: Vec<String>,
    },
    NotEvaluated,
}

/// One score plugin's scores over the feasible nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginScores {
    pub plugin: String,
    pub weight: i64,
    pub raw: Vec<i64>,
    pub normalized: Vec<i64>,
}
