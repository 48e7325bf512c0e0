//! Nodes: capacity, labels, taints, conditions.

use std::collections::BTreeMap;

use super::meta::ObjectMeta;
use super::resources::{ResourceList, Resources};
use crate::engine::SimTime;

/// A node of the cluster, as `kubectl get node -o yaml` would show the parts that matter.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub meta: ObjectMeta,
    pub capacity: ResourceList,
    /// Defaults to `capacity` when the scenario gives none.
    pub allocatable: ResourceList,
    pub taints: Vec<Taint>,
    /// `spec.unschedulable`, set by `kubectl cordon`.
    pub unschedulable: bool,
    pub conditions: Vec<NodeCondition>,
    /// `spec.podCIDR`: pod IPs are handed out from it in order.
    pub pod_cidr: String,
    pub internal_ip: String,
    /// Images present on the node (the kubelet's image cache), by normalised name.
    pub images: BTreeMap<String, i64>,
}

impl Node {
    /// The allocatable resources as integers, for the scheduler's fit checks.
    pub fn allocatable_resources(&self) -> Resources {
        Resources::from_list(&self.allocatable)
    }

    /// Gives the `index`-th node of the cluster its pod CIDR (`10.244.<index>.0/24`) and its
    /// internal IP, so that addresses depend only on the order nodes joined.
    pub fn assign_addresses(&mut self, index: usize) {
        self.pod_cidr = format!("10.244.{}.0/24", index % 256);
        self.internal_ip = format!("192.168.{}.{}", 1 + index / 250, 10 + index % 250);
    }

    /// Whether the `Ready` condition is `True`.
    pub fn is_ready(&self) -> bool {
        self.condition("Ready")
            .is_some_and(|condition| condition.status == "True")
    }

    /// The condition of the given type, if the node reports it.
    pub fn condition(&self, type_: &str) -> Option<&NodeCondition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// The roles kubectl shows, from `node-role.kubernetes.io/<role>` and `kubernetes.io/role`
    /// labels, sorted; `<none>` when there are none.
    // K8S: pkg/printers/internalversion/printers.go (findNodeRoles)
    pub fn roles(&self) -> Vec<String> {
        let mut roles: Vec<String> = Vec::new();
        for (key, value) in &self.meta.labels {
            if let Some(role) = key.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.push(role.to_string());
                }
            } else if key == "kubernetes.io/role" && !value.is_empty() {
                roles.push(value.clone());
            }
        }
        roles.sort();
        roles.dedup();
        roles
    }
}

/// What each simulated node reports in `status.nodeInfo`: fixed, plausible values (there is no
/// real machine behind a simulated node).
pub struct NodeInfoFacts {
    pub kubelet_version: &'static str,
    pub os_image: &'static str,
    pub kernel_version: &'static str,
    pub container_runtime_version: &'static str,
}

impl NodeInfoFacts {
    /// The facts as the API's `nodeInfo` object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "architecture": "amd64",
            "containerRuntimeVersion": self.container_runtime_version,
            "kernelVersion": self.kernel_version,
            "kubeletVersion": self.kubelet_version,
            "operatingSystem": "linux",
            "osImage": self.os_image,
        })
    }
}

/// The `nodeInfo` of every simulated node (Kubernetes 1.34, as the pinned API).
pub const NODE_INFO: NodeInfoFacts = NodeInfoFacts {
    kubelet_version: "v1.34.0",
    os_image: "Ubuntu 24.04.1 LTS",
    kernel_version: "6.8.0-45-generic",
    container_runtime_version: "containerd://1.7.22",
};

/// The default node shape: 2 CPU, 4Gi memory, 110 pods, 20Gi ephemeral storage (the default
/// cluster's nodes, and any node that does not say).
pub fn default_capacity() -> ResourceList {
    [
        ("cpu", "2"),
        ("memory", "4Gi"),
        ("pods", "110"),
        ("ephemeral-storage", "20Gi"),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_string(),
            v.parse().expect("default capacities are valid"),
        )
    })
    .collect()
}

/// A node taint (`key=value:Effect`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
    /// Only set for `NoExecute` taints added by the node lifecycle controller.
    pub time_added: Option<SimTime>,
}

impl std::fmt::Display for Taint {
    /// `key=value:Effect`, or `key:Effect` without a value, as `kubectl describe node` prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect)
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect)
        }
    }
}

/// What a taint does to pods that do not tolerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    /// Parses the API spelling; anything else is not a valid effect.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "NoSchedule" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

impl std::fmt::Display for TaintEffect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node condition (`Ready`, `MemoryPressure`, ...), with the kubelet's reason and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCondition {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub last_heartbeat: SimTime,
    pub last_transition: SimTime,
}

impl NodeCondition {
    /// The four conditions a healthy kubelet reports, with upstream's reasons and messages.
    // K8S: pkg/kubelet/nodestatus/setters.go (MemoryPressureCondition, ReadyCondition ...)
    pub fn healthy_set(at: SimTime) -> Vec<NodeCondition> {
        let condition = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
            type_: type_.to_string(),
            status: status.to_string(),
            reason: reason.to_string(),
            message: message.to_string(),
            last_heartbeat: at,
            last_transition: at,
        };
        vec![
            condition(
                "MemoryPressure",
                "False",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            condition(
                "DiskPressure",
                "False",
                "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure",
            ),
            condition(
                "PIDPressure",
                "False",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
            condition(
                "Ready",
                "True",
                "KubeletReady",
                "kubelet is posting ready status",
            ),
        ]
    }
}
