//! Nodes: capacity, labels, taints, conditions.

use std::collections::BTreeMap;

use super::meta::ObjectMeta;
use super::resources::{ResourceList, Resources};
use crate::engine::{SimDuration, SimTime};

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
    /// How fast the node's runtime and registry link are (not an API field: scenario input).
    pub timings: RuntimeTimings,
    /// The scenario gave the node's `latency:` itself, so a latency profile leaves its
    /// timings alone.
    pub timings_declared: bool,
    /// When its kubelet stopped (`node-down`), while it stays down: the kubelet's lease is
    /// not renewed after it.
    pub kubelet_stopped: Option<SimTime>,
}

/// How long a node lease lasts.
// K8S: pkg/kubelet/apis/config/v1beta1/defaults.go (NodeLeaseDurationSeconds: 40)
pub const NODE_LEASE_SECONDS: u64 = 40;

/// The tag of an image reference (`nginx:1.14` → `1.14`), ignoring a registry port and a digest.
pub fn image_tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@digest");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, tag)| tag)
}

/// An image reference as a node's image cache keys it: with a tag (`nginx` → `nginx:latest`).
// K8S: pkg/scheduler/framework/plugins/imagelocality/image_locality.go (normalizedImageName)
pub fn normalized_image(image: &str) -> String {
    if image_tag(image).is_some() {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// A latency drawn from a log-normal distribution with this median and 95th percentile;
/// `p95 == median` makes it fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    pub median: SimDuration,
    pub p95: SimDuration,
}

impl Latency {
    /// One draw, in whole milliseconds. Uses `libm` so that the same draws give the same
    /// durations on every platform.
    pub fn sample(&self, rng: &mut impl rand::Rng) -> SimDuration {
        let median = self.median.as_millis() as f64;
        let p95 = self.p95.as_millis() as f64;
        if p95 <= median || median <= 0.0 {
            return self.median;
        }
        // P95 of the standard normal distribution.
        const Z95: f64 = 1.644_853_626_951_472_2;
        let sigma = libm::log(p95 / median) / Z95;
        // Box-Muller: a standard normal from two uniforms in (0, 1].
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2);
        SimDuration::from_millis(libm::round(median * libm::exp(sigma * z)) as u64)
    }
}

/// A node's container runtime timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeTimings {
    /// Pod sandbox creation (pause container and CNI network setup).
    pub sandbox: Latency,
    /// CRI CreateContainer + StartContainer of one container.
    pub container_start: Latency,
    /// Registry round trips before the first byte of a pull (and the time a failing pull
    /// takes to fail, and an `Always` pull of a present image).
    pub pull_overhead: SimDuration,
    /// Registry bandwidth, in bytes per second.
    pub pull_bytes_per_sec: i64,
}

impl Default for RuntimeTimings {
    /// Container start: `crun` create+start measured on this project's host at 27–42 ms
    /// median, p95 40–58 ms (`shared/reference/real-containers.md`), plus a kubelet
    /// round trip. Sandbox and registry figures are estimates of the same order, until the
    /// real-execution mode calibrates them.
    fn default() -> Self {
        RuntimeTimings {
            sandbox: Latency {
                median: SimDuration::from_millis(500),
                p95: SimDuration::from_millis(1000),
            },
            container_start: Latency {
                median: SimDuration::from_millis(50),
                p95: SimDuration::from_millis(90),
            },
            pull_overhead: SimDuration::from_millis(500),
            pull_bytes_per_sec: 20_000_000,
        }
    }
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

    /// When its kubelet last renewed its lease by `now`: every 10 s from the node's creation
    /// until the kubelet stops.
    // K8S: pkg/kubelet/kubelet.go (renewInterval = 0.25 × NodeLeaseDurationSeconds)
    // DEVIATION: renewals fall on exact 10 s steps from the node's creation.
    pub fn lease_renewed(&self, now: SimTime) -> SimTime {
        let renew = NODE_LEASE_SECONDS * 1000 / 4;
        let created = self.meta.creation.as_millis();
        let until = self.kubelet_stopped.unwrap_or(now).as_millis().max(created);
        SimTime::from_millis(created + (until - created) / renew * renew)
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
    /// Only set for `NoExecute` taints added by the node lifecycle controller (`-o yaml` shows
    /// it as `timeAdded`).
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn latency_draws_follow_the_median_and_p95() {
        let latency = Latency {
            median: SimDuration::from_millis(500),
            p95: SimDuration::from_millis(1000),
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut draws: Vec<u64> = (0..20_000)
            .map(|_| latency.sample(&mut rng).as_millis())
            .collect();
        draws.sort_unstable();
        let median = draws[draws.len() / 2];
        let p95 = draws[draws.len() * 95 / 100];
        assert!((480..=520).contains(&median), "median {median}");
        assert!((950..=1050).contains(&p95), "p95 {p95}");
        let d = SimDuration::from_millis(50);
        let fixed = Latency { median: d, p95: d };
        assert_eq!(fixed.sample(&mut rng), SimDuration::from_millis(50));
    }
}
