//! The two plugins that look at other pods, InterPodAffinity and PodTopologySpread, for one
//! scheduling cycle: the cluster view they need is built only when the incoming pod has
//! (anti-)affinity or spread constraints, or some bound pod has anti-affinity toward others.

use super::explain::PluginScores;
use super::framework::{NodeInfo, PodInfo, Status};
use super::plugins::inter_pod_affinity;
use super::plugins::pod_topology_spread::{self, PodTopologySpread};
use super::plugins::snapshot::{Code, IncomingPod, NamespaceLabels, NodeScore, NodeView, PodView};
use super::profile::TopologyPlugins;
use crate::model::{ClusterState, Pod, PodId, TaintEffect};

/// The cycle's state for both plugins.
pub struct Topology<'a> {
    plugins: &'a TopologyPlugins,
    incoming: IncomingPod<'a>,
    views: Vec<NodeView<'a>>,
    namespaces: NamespaceLabels,
    ipa: Option<inter_pod_affinity::PreFilterState>,
    pts: Option<pod_topology_spread::PreFilterState>,
    /// A PreFilter rejection: every node fails with it.
    rejected: Option<Status>,
}

/// Whether the pod has any inter-pod term or spread constraint of its own.
pub fn has_constraints(pod: &Pod) -> bool {
    let api = &pod.spec.api;
    let affinity = api.affinity.as_ref();
    affinity.is_some_and(|a| a.pod_affinity.is_some() || a.pod_anti_affinity.is_some())
        || api
            .topology_spread_constraints
            .as_ref()
            .is_some_and(|c| !c.is_empty())
}

fn status(s: super::plugins::snapshot::Status, plugin: &'static str) -> Status {
    match s.code {
        Code::UnschedulableAndUnresolvable | Code::Error => Status::unresolvable(plugin, s.reason),
        Code::Unschedulable => Status::unschedulable(plugin, vec![s.reason]),
    }
}

impl<'a> Topology<'a> {
    /// Builds the view (nodes in the scheduler's order) and runs both PreFilters.
    pub fn prepare(
        state: &'a ClusterState,
        pod: &'a Pod,
        info: &PodInfo<'_>,
        nodes: &[NodeInfo],
        pods_on_node: &[Vec<PodId>],
        plugins: &'a TopologyPlugins,
    ) -> Self {
        let incoming = IncomingPod {
            namespace: &pod.meta.namespace,
            labels: &pod.meta.labels,
            affinity: pod.spec.api.affinity.as_ref(),
            topology_spread_constraints: pod
                .spec
                .api
                .topology_spread_constraints
                .as_deref()
                .unwrap_or_default(),
        };
        let all = state.nodes();
        let views = nodes
            .iter()
            .map(|n| {
                let node = &all[n.index];
                let pods = pods_on_node[n.index]
                    .iter()
                    .filter_map(|id| state.pod(*id))
                    .map(|p| PodView {
                        namespace: &p.meta.namespace,
                        labels: &p.meta.labels,
                        affinity: p.spec.api.affinity.as_ref(),
                        terminating: p.meta.deletion.is_some(),
                    })
                    .collect();
                NodeView {
                    name: &node.meta.name,
                    labels: &node.meta.labels,
                    pods,
                    matches_node_affinity: super::plugins::node_affinity::required_matches(
                        info, node,
                    ),
                    taints_tolerated: info
                        .spec
                        .tolerates_taints(node, &[TaintEffect::NoSchedule, TaintEffect::NoExecute]),
                }
            })
            .collect();
        // K8S: the API server labels every namespace with its name.
        let namespaces = state
            .namespaces
            .keys()
            .map(|ns| (ns.clone(), crate::model::cluster::namespace_labels(ns)))
            .collect();
        let mut topology = Topology {
            plugins,
            incoming,
            views,
            namespaces,
            ipa: None,
            pts: None,
            rejected: None,
        };
        if plugins.affinity_filter {
            let ipa = plugins.affinity.pre_filter(
                &topology.incoming,
                &topology.views,
                &topology.namespaces,
            );
            match ipa {
                Ok(s) => topology.ipa = s,
                Err(s) => topology.rejected = Some(status(s, inter_pod_affinity::NAME)),
            }
        }
        if plugins.spread_filter {
            match PodTopologySpread.pre_filter(&topology.incoming, &topology.views) {
                Ok(s) => topology.pts = s,
                Err(s) => topology.rejected = Some(status(s, pod_topology_spread::NAME)),
            }
        }
        topology
    }

    /// Filters the node at `position` of the scheduler's node list.
    pub fn filter(&self, position: usize) -> Option<Status> {
        if let Some(rejected) = &self.rejected {
            return Some(rejected.clone());
        }
        let view = &self.views[position];
        let ipa = self.ipa.as_ref().and_then(|s| {
            let rejection = self.plugins.affinity.filter(s, view)?;
            Some(status(rejection, inter_pod_affinity::NAME))
        });
        ipa.or_else(|| {
            let s = self.pts.as_ref()?;
            Some(status(
                PodTopologySpread.filter(s, view)?,
                pod_topology_spread::NAME,
            ))
        })
    }

    /// Both plugins' raw and normalized scores for the feasible nodes, with their weights; a
    /// plugin whose PreScore skips the pod gives none.
    pub fn scores(&self, feasible: &[usize]) -> Vec<PluginScores> {
        let ipa = &self.plugins.affinity;
        let named = |scores: &[i64]| -> Vec<NodeScore<'_>> {
            feasible
                .iter()
                .zip(scores)
                .map(|(&i, &score)| NodeScore {
                    name: self.views[i].name,
                    score,
                })
                .collect()
        };
        let scored =
            |plugin: &str, weight: i64, raw: Vec<i64>, normalized: Vec<NodeScore>| PluginScores {
                plugin: plugin.to_string(),
                weight,
                raw,
                normalized: normalized.iter().map(|s| s.score).collect(),
            };
        let mut out = Vec::new();
        if let Some(weight) = self.plugins.affinity_weight {
            let state = ipa.pre_score(&self.incoming, &self.views, &self.namespaces);
            if let Ok(Some(state)) = state {
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&i| ipa.score(&state, &self.views[i]))
                    .collect();
                let mut scores = named(&raw);
                ipa.normalize_score(&mut scores);
                out.push(scored(inter_pod_affinity::NAME, weight, raw, scores));
            }
        }
        if let Some(weight) = self.plugins.spread_weight {
            let candidates: Vec<&NodeView> = feasible.iter().map(|&i| &self.views[i]).collect();
            // DEVIATION: the system default spread constraints apply to pods selected by Services
            // and controllers; until those are simulated, no default selector is given.
            let pts = PodTopologySpread.pre_score(&self.incoming, &self.views, &candidates, None);
            if let Ok(Some(state)) = pts {
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|&i| PodTopologySpread.score(&state, &self.views[i]))
                    .collect();
                let mut scores = named(&raw);
                PodTopologySpread.normalize_score(&state, &mut scores);
                out.push(scored(pod_topology_spread::NAME, weight, raw, scores));
            }
        }
        out
    }
}
