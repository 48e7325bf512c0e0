//! The scenario's nodes: groups of identical nodes, and the default CKA-style cluster.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::parse_duration_field;
use crate::apiserver::limits;
use crate::autoscaler::config as autoscaler;
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;
use crate::model::node::{
    default_capacity, Latency, Node, NodeCondition, RuntimeTimings, Taint, TaintEffect,
};
use crate::model::{ObjectMeta, Quantity, ResourceList};

/// A `spec.nodes` entry: one node, or `count` numbered copies (`worker-1` .. `worker-N`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeGroup {
    name: String,
    count: Option<u32>,
    #[serde(default)]
    capacity: BTreeMap<String, String>,
    #[serde(default)]
    allocatable: BTreeMap<String, String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    taints: Vec<TaintSpec>,
    #[serde(default)]
    unschedulable: bool,
    /// Overrides of the node's runtime timings.
    latency: Option<LatencySpec>,
    /// Manifests in each node's static pod directory, shaped like `manifests:` entries.
    #[serde(default)]
    pub(super) static_pods: Vec<super::ManifestEntry>,
    /// The cluster autoscaler may resize the group between `min` and `max`.
    autoscaling: Option<AutoscalingSpec>,
}

/// `autoscaling:` of a node group.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AutoscalingSpec {
    min: usize,
    max: usize,
    /// From the scale-up to the new node Ready: a distribution like `latency:`'s.
    provisioning: Option<DistributionSpec>,
}

impl NodeGroup {
    /// The names of the group's nodes: `name`, or `name-1` .. `name-N` with `count`. An
    /// autoscaled group is always numbered, and starts with `min` nodes without a `count`.
    pub(super) fn node_names(&self) -> Vec<String> {
        let count = match (&self.autoscaling, self.count) {
            (Some(a), None) => a.min as u32,
            (Some(_), Some(n)) => n,
            (None, None | Some(0)) => return vec![self.name.clone()],
            (None, Some(n)) => n,
        };
        (1..=count).map(|i| format!("{}-{i}", self.name)).collect()
    }
}

/// `latency:` of a node group: how fast its runtime and registry link are.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LatencySpec {
    sandbox: Option<DistributionSpec>,
    container_start: Option<DistributionSpec>,
    pull_overhead: Option<String>,
    /// Bytes per second, as a quantity (`20M`, `100Mi`).
    pull_bandwidth: Option<String>,
}

/// A latency distribution: median, and optionally the 95th percentile (fixed without it).
#[derive(Debug, Clone, Deserialize)]
struct DistributionSpec {
    median: String,
    p95: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct TaintSpec {
    key: String,
    #[serde(default)]
    value: String,
    effect: String,
}

/// Builds the nodes of all groups, numbering pod CIDRs and internal IPs in order, and the
/// autoscaled groups for the cluster autoscaler.
pub fn build_nodes(
    groups: &[NodeGroup],
    src: Source<'_>,
) -> Result<(Vec<Node>, Vec<autoscaler::NodeGroup>), InputError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut autoscaled = Vec::new();
    // The nodes the groups so far can have.
    let mut planned: u64 = 0;
    for (g, group) in groups.iter().enumerate() {
        let path = [
            PathSeg::key("spec"),
            PathSeg::key("nodes"),
            PathSeg::Index(g),
        ];
        let at = |field: &str, sub: Option<&str>| {
            let mut p = path.to_vec();
            p.push(PathSeg::key(field));
            if let Some(s) = sub {
                p.push(PathSeg::key(s));
            }
            p
        };
        let mut capacity = default_capacity();
        for (name, text) in &group.capacity {
            capacity.insert(
                name.clone(),
                quantity(text, src, &at("capacity", Some(name)))?,
            );
        }
        let mut allocatable = capacity.clone();
        for (name, text) in &group.allocatable {
            let q = quantity(text, src, &at("allocatable", Some(name)))?;
            if capacity.get(name).is_some_and(|c| &q > c) {
                return Err(src.error(
                    &at("allocatable", Some(name)),
                    format!("allocatable {name} {q} is more than the node's capacity"),
                ));
            }
            allocatable.insert(name.clone(), q);
        }
        let mut taints = Vec::new();
        for (i, t) in group.taints.iter().enumerate() {
            let effect = TaintEffect::parse(&t.effect).ok_or_else(|| {
                let mut p = at("taints", None);
                p.push(PathSeg::Index(i));
                p.push(PathSeg::key("effect"));
                src.error(
                    &p,
                    format!("Unsupported value: \"{}\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"", t.effect),
                )
            })?;
            taints.push(Taint {
                key: t.key.clone(),
                value: t.value.clone(),
                effect,
                time_added: None,
            });
        }
        let timings = match &group.latency {
            Some(spec) => timings(spec, src, &at("latency", None))?,
            None => RuntimeTimings::default(),
        };
        if group.count == Some(0) && group.autoscaling.is_none() {
            return Err(src.error(&at("count", None), "count must be at least 1"));
        }
        // The most nodes the group can have, checked before any is built: an autoscaled group
        // counts at its `max` (or its `count` or `min`, should either be larger).
        let (most, field) = match &group.autoscaling {
            Some(a) => {
                let count = u64::from(group.count.unwrap_or(0));
                let bounds = [(a.min as u64, "min"), (a.max as u64, "max")];
                match bounds.into_iter().max_by_key(|(n, _)| *n) {
                    Some((n, bound)) if n > count => (n, at("autoscaling", Some(bound))),
                    _ => (count, at("count", None)),
                }
            }
            None => (u64::from(group.count.unwrap_or(1)), at("count", None)),
        };
        planned = planned.saturating_add(most);
        if let Some(why) = limits::node_count(planned) {
            return Err(src.error(&field, why).with_hint(Some(format!(
                "kubesim builds every node it simulates; keep spec.nodes' counts (autoscaled groups at their max) within {} in all",
                limits::NODES
            ))));
        }
        let names = group.node_names();
        for name in names {
            if nodes.iter().any(|n| n.meta.name == name) {
                return Err(src.error(
                    &at("name", None),
                    format!("node \"{name}\" is defined twice"),
                ));
            }
            let mut labels = standard_labels(&name);
            labels.extend(group.labels.clone());
            let mut node = new_node(
                name,
                labels,
                capacity.clone(),
                allocatable.clone(),
                taints.clone(),
                group.unschedulable,
                nodes.len(),
            );
            node.timings = timings;
            node.timings_declared = group.latency.is_some();
            nodes.push(node);
        }
        if let Some(spec) = &group.autoscaling {
            let mut template = new_node(
                group.name.clone(),
                standard_labels(&group.name),
                capacity.clone(),
                allocatable.clone(),
                taints.clone(),
                group.unschedulable,
                0,
            );
            template.meta.labels.extend(group.labels.clone());
            template.timings = timings;
            template.timings_declared = group.latency.is_some();
            autoscaled.push(autoscaled_group(group, spec, template, src, &at)?);
        }
    }
    Ok((nodes, autoscaled))
}

/// The cluster autoscaler's view of an `autoscaling:` group, checked.
fn autoscaled_group(
    group: &NodeGroup,
    spec: &AutoscalingSpec,
    template: Node,
    src: Source<'_>,
    at: &dyn Fn(&str, Option<&str>) -> Vec<PathSeg>,
) -> Result<autoscaler::NodeGroup, InputError> {
    let mut path = at("autoscaling", None);
    if spec.max == 0 || spec.min > spec.max {
        path.push(PathSeg::key("max"));
        return Err(src.error(
            &path,
            format!(
                "max {} must be at least 1 and at least min {}",
                spec.max, spec.min
            ),
        ));
    }
    let initial = group.node_names();
    if initial.len() < spec.min || initial.len() > spec.max {
        return Err(src.error(
            &at("count", None),
            format!(
                "count {} is outside the group's autoscaling range {}..{}",
                initial.len(),
                spec.min,
                spec.max
            ),
        ));
    }
    let provisioning = match &spec.provisioning {
        Some(d) => {
            path.push(PathSeg::key("provisioning"));
            distribution(d, src, &path)?
        }
        None => autoscaler::DEFAULT_PROVISIONING,
    };
    Ok(autoscaler::NodeGroup {
        name: group.name.clone(),
        min: spec.min,
        max: spec.max,
        template,
        provisioning,
        initial,
    })
}

/// A node group's runtime timings: the defaults, with what the group overrides.
pub(super) fn timings(
    spec: &LatencySpec,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<RuntimeTimings, InputError> {
    let at = |field: &str, sub: Option<&str>| {
        let mut p = path.to_vec();
        p.push(PathSeg::key(field));
        p.extend(sub.map(PathSeg::key));
        p
    };
    let mut t = RuntimeTimings::default();
    let distributions = [
        ("sandbox", &spec.sandbox, &mut t.sandbox),
        (
            "containerStart",
            &spec.container_start,
            &mut t.container_start,
        ),
    ];
    for (field, given, latency) in distributions {
        let Some(d) = given else { continue };
        *latency = distribution(d, src, &at(field, None))?;
    }
    if let Some(text) = &spec.pull_overhead {
        t.pull_overhead = parse_duration_field(text, src, &at("pullOverhead", None))?;
    }
    if let Some(text) = &spec.pull_bandwidth {
        let q = quantity(text, src, &at("pullBandwidth", None))?;
        if q.value() <= 0 {
            return Err(src.error(&at("pullBandwidth", None), "pullBandwidth must be positive"));
        }
        t.pull_bytes_per_sec = q.value();
    }
    Ok(t)
}

/// A `median:`/`p95:` pair at `path`; without `p95` the latency is fixed.
fn distribution(
    d: &DistributionSpec,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<Latency, InputError> {
    let at = |field: &str| {
        let mut p = path.to_vec();
        p.push(PathSeg::key(field));
        p
    };
    let median = parse_duration_field(&d.median, src, &at("median"))?;
    let p95 = match &d.p95 {
        Some(p95) => parse_duration_field(p95, src, &at("p95"))?,
        None => median,
    };
    if p95 < median {
        return Err(src.error(
            &at("p95"),
            format!("p95 {} is below the median {}", p95, median),
        ));
    }
    Ok(Latency { median, p95 })
}

fn quantity(text: &str, src: Source<'_>, path: &[PathSeg]) -> Result<Quantity, InputError> {
    text.parse().map_err(|e| {
        src.error(path, format!("invalid quantity \"{text}\": {e}"))
            .with_hint(Some(
                "write CPU as 4 or 3900m, memory as 16Gi or 500M, pods as 110".to_string(),
            ))
    })
}

/// The labels the kubelet puts on every node.
// K8S: pkg/kubelet/kubelet_node_status.go (initialNode: hostname, os and arch labels)
fn standard_labels(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
        ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
        ("kubernetes.io/arch".to_string(), "amd64".to_string()),
        ("kubernetes.io/hostname".to_string(), name.to_string()),
        ("kubernetes.io/os".to_string(), "linux".to_string()),
    ])
}

/// A node that joins while the simulation runs (`simulate: node-add`), with the defaults the
/// scenario's node groups get: the standard labels, the default capacity for what `resources`
/// does not set, allocatable equal to capacity; Ready since `now`. Its addresses are assigned
/// when it joins.
pub fn joining_node(
    name: &str,
    resources: Vec<(&str, Quantity)>,
    labels: &[(String, String)],
    taints: Vec<Taint>,
    now: crate::engine::SimTime,
) -> Node {
    let mut capacity = default_capacity();
    capacity.extend(resources.into_iter().map(|(k, q)| (k.to_string(), q)));
    let mut all_labels = standard_labels(name);
    all_labels.extend(labels.iter().cloned());
    let mut node = new_node(
        name.to_string(),
        all_labels,
        capacity.clone(),
        capacity,
        taints,
        false,
        0,
    );
    node.conditions = NodeCondition::healthy_set(now);
    node
}

/// A healthy node, the `index`-th of the cluster (which fixes its pod CIDR and IP).
fn new_node(
    name: String,
    labels: BTreeMap<String, String>,
    capacity: ResourceList,
    allocatable: ResourceList,
    taints: Vec<Taint>,
    unschedulable: bool,
    index: usize,
) -> Node {
    let mut node = Node {
        meta: ObjectMeta {
            name,
            labels,
            ..Default::default()
        },
        capacity,
        allocatable,
        taints,
        unschedulable,
        conditions: NodeCondition::healthy_set(crate::engine::SimTime::ZERO),
        pod_cidr: String::new(),
        internal_ip: String::new(),
        images: BTreeMap::new(),
        timings: RuntimeTimings::default(),
        timings_declared: false,
        kubelet_stopped: None,
    };
    node.assign_addresses(index);
    node
}

/// The default cluster, named like a CKA practice cluster: `controlplane` (tainted
/// `node-role.kubernetes.io/control-plane:NoSchedule`), `node01` and `node02`, each 2 CPU, 4Gi
/// memory and 110 pods.
pub fn default_cluster() -> Vec<Node> {
    let capacity = default_capacity();
    ["controlplane", "node01", "node02"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut labels = standard_labels(name);
            let mut taints = Vec::new();
            if *name == "controlplane" {
                // K8S: kubeadm (control-plane role label and taint)
                labels.insert(
                    "node-role.kubernetes.io/control-plane".to_string(),
                    String::new(),
                );
                labels.insert(
                    "node.kubernetes.io/exclude-from-external-load-balancers".to_string(),
                    String::new(),
                );
                taints.push(Taint {
                    key: "node-role.kubernetes.io/control-plane".to_string(),
                    value: String::new(),
                    effect: TaintEffect::NoSchedule,
                    time_added: None,
                });
            }
            new_node(
                name.to_string(),
                labels,
                capacity.clone(),
                capacity.clone(),
                taints,
                false,
                i,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn a_joining_node_gets_the_defaults_of_the_scenario_nodes() {
        let cpu: Quantity = "4".parse().unwrap();
        let labels = [("disktype".to_string(), "ssd".to_string())];
        let at = SimTime::from_millis(60_000);
        let node = joining_node("node03", vec![("cpu", cpu.clone())], &labels, vec![], at);
        assert_eq!(node.capacity.get("cpu"), Some(&cpu));
        assert_eq!(node.capacity.get("memory").unwrap().to_string(), "4Gi");
        assert_eq!(node.capacity.get("pods").unwrap().to_string(), "110");
        assert_eq!(node.allocatable, node.capacity);
        assert_eq!(node.meta.labels["kubernetes.io/hostname"], "node03");
        assert_eq!(node.meta.labels["disktype"], "ssd");
        assert!(node.is_ready());
        assert!(node.conditions.iter().all(|c| c.last_transition == at));
    }
}
