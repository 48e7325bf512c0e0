//! Scale-up: which pending pods no node (present or on its way) can take, which node group
//! would take them, and how many nodes of it they need.
// K8S: cluster-autoscaler/core/scaleup/orchestrator/orchestrator.go (ScaleUp),
// core/podlistprocessor/filter_out_schedulable.go, estimator/binpacking_estimator.go,
// processors/status/eventing_scale_up_processor.go (ReasonsMessage)

use std::collections::BTreeMap;

use super::config::Expander;
use super::snapshot::{Filters, SimNode};
use crate::engine::StreamRng;
use crate::model::{Pod, PodId, Resources};
use crate::scheduler::framework::PodInfo;

/// A node group as one scale-up sees it.
pub struct Candidate<'a> {
    /// Nodes registered plus nodes on their way.
    pub target: usize,
    pub max: usize,
    /// An empty new node of the group, with the DaemonSet pods it would run.
    pub template: SimNode<'a>,
}

/// One group's offer: this many new nodes run these pods.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub group: usize,
    pub nodes: usize,
    pub pods: Vec<PodId>,
    /// What the new nodes would be left with idle, for least-waste.
    waste: f64,
}

/// The outcome of one scale-up pass.
#[derive(Debug, Default)]
pub struct Plan {
    /// The chosen offer, if any group helps.
    pub chosen: Option<Offer>,
    /// Pods no group helps, each with its reasons per group (`max node group size reached`,
    /// or the filter's reason on the group's template).
    pub unhelped: Vec<(PodId, Vec<String>)>,
}

/// Places each pending pod, in order, on the first node of `nodes` that takes it (and counts
/// it there); returns the pods no node takes.
pub fn filter_out_schedulable<'p>(
    pending: Vec<(PodId, &'p Pod)>,
    nodes: &mut [SimNode<'_>],
    filters: &Filters,
) -> Vec<(PodId, &'p Pod)> {
    pending
        .into_iter()
        .filter(|(_, pod)| {
            let info = PodInfo::new(&pod.spec);
            match nodes
                .iter_mut()
                .find(|n| filters.fits(&info, &n.node, &n.info))
            {
                Some(node) => {
                    node.add(&pod.spec);
                    false
                }
                None => true,
            }
        })
        .collect()
}

/// Offers of every group for the pods left pending, and the expander's pick.
pub fn plan(
    pending: &[(PodId, &Pod)],
    groups: &[Candidate<'_>],
    room_in_cluster: usize,
    filters: &Filters,
    expander: Expander,
    rng: &mut StreamRng,
) -> Plan {
    let mut reasons: BTreeMap<PodId, Vec<String>> = BTreeMap::new();
    let mut offers = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let room = group.max.saturating_sub(group.target).min(room_in_cluster);
        if room == 0 {
            for (id, _) in pending {
                reasons
                    .entry(*id)
                    .or_default()
                    .push("max node group size reached".to_string());
            }
            continue;
        }
        let mut fitting = Vec::new();
        for (id, pod) in pending {
            let info = PodInfo::new(&pod.spec);
            match filters.check(&info, &group.template.node, &group.template.info) {
                Some(status) => reasons
                    .entry(*id)
                    .or_default()
                    .extend(status.reasons.iter().cloned()),
                None => fitting.push((*id, *pod)),
            }
        }
        if let Some(offer) = binpack(g, &fitting, &group.template, room, filters) {
            offers.push(offer);
        }
    }
    let helped: std::collections::BTreeSet<PodId> =
        offers.iter().flat_map(|o| o.pods.iter().copied()).collect();
    let unhelped = pending
        .iter()
        .filter(|(id, _)| !helped.contains(id))
        .map(|(id, _)| (*id, reasons.remove(id).unwrap_or_default()))
        .collect();
    Plan {
        chosen: choose(offers, expander, rng),
        unhelped,
    }
}

/// First-fit decreasing of the pods onto new nodes of the template, at most `room` of them.
// K8S: estimator/binpacking_estimator.go (Estimate), estimator/decreasing_pod_orderer.go
fn binpack(
    group: usize,
    pods: &[(PodId, &Pod)],
    template: &SimNode<'_>,
    room: usize,
    filters: &Filters,
) -> Option<Offer> {
    let alloc = template.info.allocatable;
    let size = |r: Resources| {
        let share = |used: i64, total: i64| {
            if total > 0 {
                used as f64 / total as f64
            } else {
                0.0
            }
        };
        share(r.milli_cpu, alloc.milli_cpu) + share(r.memory, alloc.memory)
    };
    let mut order: Vec<(PodId, &Pod)> = pods.to_vec();
    // Stable: equal sizes keep their pending order.
    order.sort_by(|a, b| size(b.1.spec.requests()).total_cmp(&size(a.1.spec.requests())));
    let mut nodes: Vec<SimNode<'_>> = Vec::new();
    let mut placed = Vec::new();
    for (id, pod) in order {
        let info = PodInfo::new(&pod.spec);
        let fits = nodes
            .iter()
            .position(|n| filters.fits(&info, &n.node, &n.info));
        match fits {
            Some(i) => nodes[i].add(&pod.spec),
            None if nodes.len() < room => {
                let mut node = template.clone();
                node.add(&pod.spec);
                nodes.push(node);
            }
            None => continue,
        }
        placed.push(id);
    }
    if nodes.is_empty() {
        return None;
    }
    let idle = |f: fn(&Resources) -> i64| {
        let total: i64 = nodes.iter().map(|n| f(&n.info.allocatable)).sum();
        let used: i64 = nodes.iter().map(|n| f(&n.info.requested)).sum();
        if total > 0 {
            (total - used) as f64 / total as f64
        } else {
            0.0
        }
    };
    placed.sort();
    Some(Offer {
        group,
        nodes: nodes.len(),
        pods: placed,
        waste: idle(|r| r.milli_cpu) + idle(|r| r.memory),
    })
}

/// The expander's choice; ties are broken at random, as upstream's fallback does.
// K8S: expander/waste/waste.go (BestOptions), expander/mostpods, expander/random
fn choose(mut options: Vec<Offer>, expander: Expander, rng: &mut StreamRng) -> Option<Offer> {
    if options.is_empty() {
        return None;
    }
    let best: Vec<usize> = match expander {
        Expander::Random => (0..options.len()).collect(),
        Expander::LeastWaste => {
            let least = options
                .iter()
                .map(|o| o.waste)
                .fold(f64::INFINITY, f64::min);
            (0..options.len())
                .filter(|&i| options[i].waste == least)
                .collect()
        }
        Expander::MostPods => {
            let most = options.iter().map(|o| o.pods.len()).max().unwrap_or(0);
            (0..options.len())
                .filter(|&i| options[i].pods.len() == most)
                .collect()
        }
    };
    let pick = if best.len() == 1 {
        best[0]
    } else {
        best[rand::Rng::random_range(rng, 0..best.len())]
    };
    Some(options.swap_remove(pick))
}

/// `pod didn't trigger scale-up: ...`: each reason with the number of groups that gave it.
// K8S: processors/status/eventing_scale_up_processor.go (ReasonsMessage: "%d %s", sorted)
pub fn reasons_message(reasons: &[String]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_default() += 1;
    }
    let mut parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, SimTime};
    use crate::model::pod::{PodStatus, QosClass};
    use crate::model::ObjectMeta;
    use serde_json::json;
    use std::sync::Arc;

    fn pod(name: &str, cpu: &str) -> Pod {
        let api = serde_json::from_value(json!({"containers": [
            {"name": "app", "image": "nginx", "resources": {"requests": {"cpu": cpu}}}
        ]}))
        .unwrap();
        Pod {
            meta: ObjectMeta {
                name: name.into(),
                namespace: "default".into(),
                ..Default::default()
            },
            spec: Arc::new(crate::manifest::pod_from_template(&api, "test").unwrap()),
            node_name: None,
            status: PodStatus::new(QosClass::Burstable),
        }
    }

    fn group(name: &str, cpu: &str, target: usize, max: usize) -> Candidate<'static> {
        let q = cpu.parse().unwrap();
        let node =
            crate::scenario::joining_node(name, vec![("cpu", q)], &[], vec![], SimTime::ZERO);
        Candidate {
            target,
            max,
            template: SimNode::empty(std::borrow::Cow::Owned(node), 0),
        }
    }

    fn plan_for(pods: &[Pod], groups: &[Candidate<'_>], expander: Expander) -> Plan {
        let pending: Vec<(PodId, &Pod)> = pods
            .iter()
            .enumerate()
            .map(|(i, p)| (PodId(i as u32), p))
            .collect();
        let mut rng = RngStreams::new(1).stream("cluster-autoscaler");
        plan(
            &pending,
            groups,
            usize::MAX,
            &Filters::default_profile(),
            expander,
            &mut rng,
        )
    }

    #[test]
    fn binpacking_counts_the_nodes_first_fit_decreasing_needs() {
        // 1500m, 1000m, 700m, 700m, 500m on 2-CPU nodes: {1500, 500}, {1000, 700}, {700}.
        let pods: Vec<Pod> = ["700m", "1500m", "500m", "1000m", "700m"]
            .iter()
            .enumerate()
            .map(|(i, cpu)| pod(&format!("p{i}"), cpu))
            .collect();
        let chosen = plan_for(&pods, &[group("w", "2", 1, 10)], Expander::LeastWaste).chosen;
        let offer = chosen.unwrap();
        assert_eq!((offer.group, offer.nodes, offer.pods.len()), (0, 3, 5));
    }

    #[test]
    fn the_group_maximum_caps_the_nodes_and_the_pods_helped() {
        let pods: Vec<Pod> = (0..4).map(|i| pod(&format!("p{i}"), "1500m")).collect();
        let plan = plan_for(&pods, &[group("w", "2", 3, 5)], Expander::LeastWaste);
        let offer = plan.chosen.unwrap();
        assert_eq!((offer.nodes, offer.pods.len()), (2, 2));
        // The two left over are helped by no group, and no group gave a reason against them.
        assert_eq!(plan.unhelped.len(), 2);
        assert!(plan.unhelped.iter().all(|(_, reasons)| reasons.is_empty()));
    }

    #[test]
    fn least_waste_picks_the_shape_that_leaves_least_idle() {
        // One 1800m pod: a 2-CPU node is 10 % idle, a 4-CPU node 55 %.
        let pods = [pod("p", "1800m")];
        let groups = [group("large", "4", 0, 3), group("small", "2", 0, 3)];
        let offer = plan_for(&pods, &groups, Expander::LeastWaste)
            .chosen
            .unwrap();
        assert_eq!(offer.group, 1);
        // most-pods ties (one pod each) and breaks the tie from the seeded stream.
        let offer = plan_for(&pods, &groups, Expander::MostPods).chosen.unwrap();
        assert!(offer.group < 2);
    }

    #[test]
    fn reasons_are_counted_per_group_and_sorted() {
        let reasons = [
            "node(s) had untolerated taint {a: b}".to_string(),
            "max node group size reached".to_string(),
            "Insufficient cpu".to_string(),
            "max node group size reached".to_string(),
        ];
        assert_eq!(
            reasons_message(&reasons),
            "1 Insufficient cpu, 1 node(s) had untolerated taint {a: b}, 2 max node group size reached"
        );
    }
}
