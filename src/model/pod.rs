//! Pods and containers: the spec subset the simulation acts on, and the full status it produces.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::meta::ObjectMeta;
use super::node::{Taint, TaintEffect};
use super::quantity::Quantity;
use super::resources::{ResourceList, Resources};
use crate::engine::SimTime;

/// A pod: metadata, an immutable (shared) spec and the status the kubelet and scheduler write.
#[derive(Debug, Clone)]
pub struct Pod {
    pub meta: ObjectMeta,
    /// Shared so that thousands of replicas of one template cost one spec.
    pub spec: Arc<PodSpec>,
    /// `spec.nodeName`: set by the binder (or by the user); lives outside the shared spec because
    /// it is the one spec field that changes after creation.
    pub node_name: Option<String>,
    pub status: PodStatus,
}

impl Pod {
    /// Whether the pod has reached a terminal phase (Succeeded or Failed).
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.phase, PodPhase::Succeeded | PodPhase::Failed)
    }
}

/// The pod spec, compacted from the API object at admission (defaults applied).
#[derive(Debug, Clone)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub restart_policy: RestartPolicy,
    pub termination_grace_period_seconds: i64,
    pub priority: i32,
    pub priority_class_name: Option<String>,
    pub scheduler_name: String,
    pub service_account_name: String,
    /// The defaulted API spec as the API server would store it, kept for `-o yaml|json` and for
    /// features later stages read directly (affinity, topology spread).
    pub api: k8s_openapi::api::core::v1::PodSpec,
}

impl PodSpec {
    /// The pod's effective requests as the scheduler's fit filter counts them:
    /// `max(sum of app containers, max of any init container)`.
    // K8S: k8s.io/component-helpers/resource (PodRequests)
    pub fn requests(&self) -> Resources {
        let mut sum = Resources::default();
        for container in &self.containers {
            sum += Resources::from_list(&container.resources.requests);
        }
        for init in &self.init_containers {
            let r = Resources::from_list(&init.resources.requests);
            sum.milli_cpu = sum.milli_cpu.max(r.milli_cpu);
            sum.memory = sum.memory.max(r.memory);
            sum.ephemeral_storage = sum.ephemeral_storage.max(r.ephemeral_storage);
        }
        sum
    }

    /// The QoS class, as the API server computes it from the defaulted containers (requests
    /// already defaulted from limits).
    // K8S: pkg/apis/core/helper/qos/qos.go (GetPodQOS)
    pub fn qos_class(&self) -> QosClass {
        let mut requests: BTreeMap<&str, Quantity> = BTreeMap::new();
        let mut limits: BTreeMap<&str, Quantity> = BTreeMap::new();
        let mut guaranteed = true;
        for c in self.containers.iter().chain(&self.init_containers) {
            let mut limits_found = 0;
            for resource in ["cpu", "memory"] {
                if let Some(q) = c
                    .resources
                    .requests
                    .get(resource)
                    .filter(|q| q.signum() > 0)
                {
                    let total = requests.entry(resource).or_default();
                    *total = total.checked_add(q).unwrap_or_else(|| total.clone());
                }
                if let Some(q) = c.resources.limits.get(resource).filter(|q| q.signum() > 0) {
                    limits_found += 1;
                    let total = limits.entry(resource).or_default();
                    *total = total.checked_add(q).unwrap_or_else(|| total.clone());
                }
            }
            if limits_found < 2 {
                guaranteed = false;
            }
        }
        if requests.is_empty() && limits.is_empty() {
            return QosClass::BestEffort;
        }
        if guaranteed
            && requests.len() == limits.len()
            && requests
                .iter()
                .all(|(name, req)| limits.get(name) == Some(req))
        {
            QosClass::Guaranteed
        } else {
            QosClass::Burstable
        }
    }
}

/// `spec.restartPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    Always,
    OnFailure,
    Never,
}

impl RestartPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicy::Always => "Always",
            RestartPolicy::OnFailure => "OnFailure",
            RestartPolicy::Never => "Never",
        }
    }
}

/// `status.qosClass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QosClass {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl QosClass {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

/// A toleration; an empty key with `Exists` tolerates everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    /// `Equal` (default) or `Exists`.
    pub operator_exists: bool,
    pub value: String,
    /// `None` matches every effect.
    pub effect: Option<TaintEffect>,
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates the taint.
    // K8S: staging/src/k8s.io/api/core/v1/toleration.go (ToleratesTaint)
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|effect| effect != taint.effect) {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        self.operator_exists || self.value == taint.value
    }
}

/// A container of the pod (app or init).
#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub image_pull_policy: PullPolicy,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// Literal `env` values, for the container's process.
    pub env: BTreeMap<String, String>,
    pub ports: Vec<ContainerPort>,
    pub resources: ResourceRequirements,
    pub liveness_probe: Option<Probe>,
    pub readiness_probe: Option<Probe>,
    pub startup_probe: Option<Probe>,
    /// `restartPolicy: Always` on an init container makes it a sidecar.
    pub restart_policy_always: bool,
    /// `lifecycle.postStart` and `lifecycle.preStop`.
    pub post_start: Option<Hook>,
    pub pre_stop: Option<Hook>,
}

/// A container lifecycle hook handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hook {
    Exec {
        command: Vec<String>,
    },
    HttpGet {
        path: String,
        port: String,
    },
    Sleep {
        seconds: i64,
    },
    /// Accepted by the API for compatibility only: it does nothing.
    TcpSocket,
}

/// `imagePullPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// A declared container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: i32,
    pub host_port: Option<i32>,
    pub protocol: String,
}

/// `resources.requests` and `resources.limits`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceRequirements {
    pub requests: ResourceList,
    pub limits: ResourceList,
}

/// A probe with upstream's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub handler: ProbeHandler,
    pub initial_delay_seconds: i32,
    pub timeout_seconds: i32,
    pub period_seconds: i32,
    pub success_threshold: i32,
    pub failure_threshold: i32,
}

/// What a probe does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeHandler {
    Exec {
        command: Vec<String>,
    },
    HttpGet {
        path: String,
        port: String,
        host: String,
        scheme: String,
    },
    TcpSocket {
        port: String,
        host: String,
    },
    Grpc {
        port: i32,
        service: String,
    },
}

/// `status.phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl PodPhase {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
            PodPhase::Unknown => "Unknown",
        }
    }
}

/// The pod's status as the kubelet and scheduler report it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodStatus {
    pub phase: PodPhase,
    pub conditions: Vec<PodCondition>,
    pub init_container_statuses: Vec<ContainerStatus>,
    pub container_statuses: Vec<ContainerStatus>,
    pub host_ip: Option<String>,
    pub pod_ip: Option<String>,
    pub start_time: Option<SimTime>,
    pub qos_class: QosClass,
    /// Set for evicted pods (`Evicted`) and the like.
    pub reason: Option<String>,
    pub message: Option<String>,
    pub nominated_node_name: Option<String>,
}

impl PodStatus {
    /// The status of a pod the API server just accepted: Pending, no conditions.
    pub fn new(qos_class: QosClass) -> Self {
        PodStatus {
            phase: PodPhase::Pending,
            conditions: Vec::new(),
            init_container_statuses: Vec::new(),
            container_statuses: Vec::new(),
            host_ip: None,
            pod_ip: None,
            start_time: None,
            qos_class,
            reason: None,
            message: None,
            nominated_node_name: None,
        }
    }

    /// The condition of the given type, if set.
    pub fn condition(&self, type_: &str) -> Option<&PodCondition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// Sets a condition, keeping its transition time when the status does not change, as the
    /// API server does. New condition types are appended.
    pub fn set_condition(&mut self, condition: PodCondition) -> bool {
        match self
            .conditions
            .iter_mut()
            .find(|c| c.type_ == condition.type_)
        {
            Some(existing) => {
                let changed = existing.status != condition.status
                    || existing.reason != condition.reason
                    || existing.message != condition.message;
                if existing.status != condition.status {
                    existing.last_transition = condition.last_transition;
                }
                existing.status = condition.status;
                existing.reason = condition.reason;
                existing.message = condition.message;
                changed
            }
            None => {
                self.conditions.push(condition);
                true
            }
        }
    }

    /// Total restarts across app containers (what kubectl's RESTARTS column sums).
    pub fn restarts(&self) -> i32 {
        self.container_statuses
            .iter()
            .map(|c| c.restart_count)
            .sum()
    }
}

/// A pod condition (`PodScheduled`, `Initialized`, `ContainersReady`, `Ready`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodCondition {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition: SimTime,
}

impl PodCondition {
    /// A condition with no reason or message.
    pub fn new(type_: &str, status: bool, at: SimTime) -> Self {
        PodCondition {
            type_: type_.to_string(),
            status: if status { "True" } else { "False" }.to_string(),
            reason: None,
            message: None,
            last_transition: at,
        }
    }

    /// Adds a reason and a message.
    pub fn because(mut self, reason: &str, message: impl Into<String>) -> Self {
        self.reason = Some(reason.to_string());
        self.message = Some(message.into());
        self
    }
}

/// One container's status.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerStatus {
    pub name: String,
    pub state: ContainerState,
    pub last_state: Option<ContainerState>,
    pub ready: bool,
    pub started: Option<bool>,
    pub restart_count: i32,
    pub image: String,
    pub image_id: String,
    pub container_id: String,
}

impl ContainerStatus {
    /// A container not created yet: waiting with the given reason (`ContainerCreating`,
    /// `PodInitializing`).
    pub fn waiting(name: &str, image: &str, reason: &str) -> Self {
        ContainerStatus {
            name: name.to_string(),
            state: ContainerState::Waiting {
                reason: reason.to_string(),
                message: None,
            },
            last_state: None,
            ready: false,
            started: Some(false),
            restart_count: 0,
            image: image.to_string(),
            image_id: String::new(),
            container_id: String::new(),
        }
    }
}

/// A container's state: exactly one of waiting, running, terminated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running {
        started_at: SimTime,
    },
    Terminated {
        exit_code: i32,
        signal: Option<i32>,
        reason: String,
        message: Option<String>,
        /// `None` when the process never started (a start error).
        started_at: Option<SimTime>,
        finished_at: SimTime,
    },
}

impl ContainerState {
    /// The word the trace and `describe` use for the state.
    pub fn name(&self) -> &'static str {
        match self {
            ContainerState::Waiting { .. } => "Waiting",
            ContainerState::Running { .. } => "Running",
            ContainerState::Terminated { .. } => "Terminated",
        }
    }
}
