//! From typed API objects to kubesim's compact model, applying the API server's defaults on the
//! way (restartPolicy, imagePullPolicy, probe timings, default tolerations...).
//!
//! Values the API would reject at admission (a malformed quantity, an unknown restartPolicy) are
//! errors here, located in the user's file.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::decode::Source;
use super::error::InputError;
use super::yaml::PathSeg;
use crate::model::node::{Node, NodeCondition, Taint, TaintEffect};
use crate::model::pod::{
    Container, ContainerPort, Hook, PodSpec, Probe, ProbeHandler, PullPolicy, ResourceRequirements,
    RestartPolicy, Toleration,
};
use crate::model::{ObjectMeta, Quantity, ResourceList};

fn child(path: &[PathSeg], seg: PathSeg) -> Vec<PathSeg> {
    let mut p = path.to_vec();
    p.push(seg);
    p
}

/// Converts a pod template's spec that comes from no file (a controller's template, already
/// validated when its workload was applied; a pod a kubectl command builds): defaulted and
/// validated as the API server would, the problems, if any, as text.
pub fn pod_from_template(api: &core::PodSpec, origin: &str) -> Result<PodSpec, String> {
    let mut api = api.clone();
    crate::apiserver::defaults::pod_spec(&mut api);
    let located = super::yaml::Located::nowhere();
    let src = Source {
        file: origin,
        located: &located,
        prefix: &[],
    };
    let spec = pod_from_api(&api, src, &[]).map_err(|e| e.to_string())?;
    let errors = crate::apiserver::validation::pod_spec(&spec.api);
    if !errors.is_empty() {
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(messages.join(", "));
    }
    Ok(spec)
}

/// Converts a pod spec found at `path` of its object (`spec`, or `spec.template.spec` in a
/// workload), already defaulted; what it refuses is a quantity that does not parse, as the
/// API server's decoder does. Returns the compact spec; its `api` field holds the API spec
/// with what admission adds, which the API server then validates: the model is only used
/// once it has passed.
pub fn pod_from_api(
    api: &core::PodSpec,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<PodSpec, InputError> {
    let mut api = api.clone();
    // Validated before use: the policy is one of the three.
    let restart_policy = match api.restart_policy.as_deref() {
        Some("OnFailure") => RestartPolicy::OnFailure,
        Some("Never") => RestartPolicy::Never,
        _ => RestartPolicy::Always,
    };
    let mut containers = Vec::new();
    for (i, c) in api.containers.iter_mut().enumerate() {
        let p = child(&child(path, PathSeg::key("containers")), PathSeg::Index(i));
        containers.push(container_from_api(c, src, &p)?);
    }
    let mut init_containers = Vec::new();
    for (i, c) in api.init_containers.iter_mut().flatten().enumerate() {
        let p = child(
            &child(path, PathSeg::key("initContainers")),
            PathSeg::Index(i),
        );
        init_containers.push(container_from_api(c, src, &p)?);
    }
    // PriorityClass names are resolved at admission (sim), where the cluster's classes are known.
    let priority = api.priority.unwrap_or(0);
    // K8S: plugin/pkg/admission/defaulttolerationseconds (300 s for not-ready and unreachable)
    let tolerations_api = api.tolerations.get_or_insert_with(Vec::new);
    for taint_key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let present = tolerations_api.iter().any(|t| {
            t.key.as_deref() == Some(taint_key)
                || (t.key.is_none() && t.operator.as_deref() == Some("Exists"))
        });
        if !present {
            tolerations_api.push(core::Toleration {
                key: Some(taint_key.to_string()),
                operator: Some("Exists".to_string()),
                effect: Some("NoExecute".to_string()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
    let tolerations = tolerations_api.iter().map(toleration_from_api).collect();
    api.priority = Some(priority);
    Ok(PodSpec {
        containers,
        init_containers,
        node_selector: api.node_selector.clone().unwrap_or_default(),
        tolerations,
        restart_policy,
        termination_grace_period_seconds: api.termination_grace_period_seconds.unwrap_or(30),
        priority,
        priority_class_name: api.priority_class_name.clone(),
        scheduler_name: api.scheduler_name.clone().unwrap_or_default(),
        service_account_name: api.service_account_name.clone().unwrap_or_default(),
        api,
    })
}

fn container_from_api(
    c: &mut core::Container,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<Container, InputError> {
    let image = c.image.clone().unwrap_or_default();
    // Validated before use: the policy is one of the three.
    let image_pull_policy = match c.image_pull_policy.as_deref() {
        Some("IfNotPresent") => PullPolicy::IfNotPresent,
        Some("Never") => PullPolicy::Never,
        _ => PullPolicy::Always,
    };
    let resources_api = c.resources.get_or_insert_with(Default::default);
    let limits = resource_list(
        resources_api.limits.as_ref(),
        src,
        &child(
            &child(path, PathSeg::key("resources")),
            PathSeg::key("limits"),
        ),
    )?;
    let mut requests = resource_list(
        resources_api.requests.as_ref(),
        src,
        &child(
            &child(path, PathSeg::key("resources")),
            PathSeg::key("requests"),
        ),
    )?;
    // K8S: pkg/apis/core/v1/defaults.go (requests default to limits, per resource)
    for (name, q) in &limits {
        if !requests.contains_key(name) {
            requests.insert(name.clone(), q.clone());
            resources_api
                .requests
                .get_or_insert_with(Default::default)
                .insert(name.clone(), ApiQuantity(q.to_string()));
        }
    }
    let ports = c
        .ports
        .iter()
        .flatten()
        .map(|p| ContainerPort {
            name: p.name.clone(),
            container_port: p.container_port,
            host_port: p.host_port,
            protocol: p.protocol.clone().unwrap_or_default(),
        })
        .collect();
    Ok(Container {
        name: c.name.clone(),
        image,
        image_pull_policy,
        command: c.command.clone().unwrap_or_default(),
        args: c.args.clone().unwrap_or_default(),
        // `valueFrom` (ConfigMaps, Secrets, the downward API) is not simulated: such variables
        // are left out, and the field is named in the run summary.
        env: c
            .env
            .iter()
            .flatten()
            .filter_map(|e| e.value.clone().map(|v| (e.name.clone(), v)))
            .collect(),
        ports,
        resources: ResourceRequirements { requests, limits },
        liveness_probe: c.liveness_probe.as_ref().map(probe_from_api),
        readiness_probe: c.readiness_probe.as_ref().map(probe_from_api),
        startup_probe: c.startup_probe.as_ref().map(probe_from_api),
        restart_policy_always: c.restart_policy.as_deref() == Some("Always"),
        post_start: c
            .lifecycle
            .as_ref()
            .and_then(|l| l.post_start.as_ref())
            .map(hook_from_api),
        pre_stop: c
            .lifecycle
            .as_ref()
            .and_then(|l| l.pre_stop.as_ref())
            .map(hook_from_api),
    })
}

/// A lifecycle handler; the API server has already required exactly one handler type.
fn hook_from_api(h: &core::LifecycleHandler) -> Hook {
    if let Some(exec) = &h.exec {
        Hook::Exec {
            command: exec.command.clone().unwrap_or_default(),
        }
    } else if let Some(http) = &h.http_get {
        Hook::HttpGet {
            path: http.path.clone().unwrap_or_else(|| "/".to_string()),
            port: match &http.port {
                IntOrString::Int(i) => i.to_string(),
                IntOrString::String(s) => s.clone(),
            },
        }
    } else if let Some(sleep) = &h.sleep {
        Hook::Sleep {
            seconds: sleep.seconds,
        }
    } else {
        Hook::TcpSocket
    }
}

/// Parses a resource list found at `path`: each quantity must parse and not be negative.
pub(super) fn resource_list(
    list: Option<&BTreeMap<String, ApiQuantity>>,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<ResourceList, InputError> {
    let mut out = ResourceList::new();
    for (name, q) in list.into_iter().flatten() {
        let parsed: Quantity = q.0.parse().map_err(|e| {
            src.error(&child(path, PathSeg::key(name)), format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"{}\" ({e})", q.0))
                .with_hint(Some("write CPU as 500m or 0.5, memory as 300Mi, 1Gi or 500M".to_string()))
        })?;
        if parsed.signum() < 0 {
            return Err(src.error(
                &child(path, PathSeg::key(name)),
                format!(
                    "Invalid value: \"{}\": must be greater than or equal to 0",
                    q.0
                ),
            ));
        }
        out.insert(name.clone(), parsed);
    }
    Ok(out)
}

/// A probe, defaulted; validated before use: exactly one handler.
fn probe_from_api(p: &core::Probe) -> Probe {
    let int_or_string = |v: &IntOrString| match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    };
    let handler = if let Some(http) = &p.http_get {
        ProbeHandler::HttpGet {
            path: http.path.clone().unwrap_or_default(),
            port: int_or_string(&http.port),
            host: http.host.clone().unwrap_or_default(),
            scheme: http.scheme.clone().unwrap_or_default(),
        }
    } else if let Some(tcp) = &p.tcp_socket {
        ProbeHandler::TcpSocket {
            port: int_or_string(&tcp.port),
            host: tcp.host.clone().unwrap_or_default(),
        }
    } else if let Some(grpc) = &p.grpc {
        ProbeHandler::Grpc {
            port: grpc.port,
            service: grpc.service.clone().unwrap_or_default(),
        }
    } else {
        ProbeHandler::Exec {
            command: p
                .exec
                .as_ref()
                .and_then(|e| e.command.clone())
                .unwrap_or_default(),
        }
    };
    Probe {
        handler,
        initial_delay_seconds: p.initial_delay_seconds.unwrap_or(0),
        timeout_seconds: p.timeout_seconds.unwrap_or(1),
        period_seconds: p.period_seconds.unwrap_or(10),
        success_threshold: p.success_threshold.unwrap_or(1),
        failure_threshold: p.failure_threshold.unwrap_or(3),
    }
}

/// A toleration; validated before use: a known operator and effect.
fn toleration_from_api(t: &core::Toleration) -> Toleration {
    Toleration {
        key: t.key.clone().unwrap_or_default(),
        operator_exists: t.operator.as_deref() == Some("Exists"),
        value: t.value.clone().unwrap_or_default(),
        effect: t.effect.as_deref().and_then(TaintEffect::parse),
        toleration_seconds: t.toleration_seconds,
    }
}

/// Converts a `kind: Node` manifest. Capacity comes from `status.capacity` (the only place the
/// API has for it); a node without one gets the default node shape.
pub fn node_from_api(
    api: &core::Node,
    default_capacity: &ResourceList,
    src: Source<'_>,
) -> Result<Node, InputError> {
    let status_path = [PathSeg::key("status")];
    let capacity = match api.status.as_ref().and_then(|s| s.capacity.as_ref()) {
        Some(list) => resource_list(
            Some(list),
            src,
            &child(&status_path, PathSeg::key("capacity")),
        )?,
        None => default_capacity.clone(),
    };
    let allocatable = match api.status.as_ref().and_then(|s| s.allocatable.as_ref()) {
        Some(list) => resource_list(
            Some(list),
            src,
            &child(&status_path, PathSeg::key("allocatable")),
        )?,
        None => capacity.clone(),
    };
    let spec = api.spec.clone().unwrap_or_default();
    let mut taints = Vec::new();
    for (i, t) in spec.taints.iter().flatten().enumerate() {
        let effect = TaintEffect::parse(&t.effect).ok_or_else(|| {
            src.error(
                &[PathSeg::key("spec"), PathSeg::key("taints"), PathSeg::Index(i), PathSeg::key("effect")],
                format!("Unsupported value: \"{}\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"", t.effect),
            )
        })?;
        taints.push(Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect,
            time_added: None,
        });
    }
    let name = api.metadata.name.clone().unwrap_or_default();
    Ok(Node {
        meta: ObjectMeta {
            labels: api.metadata.labels.clone().unwrap_or_default(),
            annotations: api.metadata.annotations.clone().unwrap_or_default(),
            name,
            ..Default::default()
        },
        capacity,
        allocatable,
        taints,
        unschedulable: spec.unschedulable.unwrap_or(false),
        conditions: NodeCondition::healthy_set(crate::engine::SimTime::ZERO),
        timings: Default::default(),
        timings_declared: false,
        pod_cidr: spec.pod_cidr.clone().unwrap_or_default(),
        internal_ip: String::new(),
        images: BTreeMap::new(),
        kubelet_stopped: None,
    })
}
