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
/// validated when its workload was applied); the error, if any, as text.
pub fn pod_from_template(api: &core::PodSpec, origin: &str) -> Result<PodSpec, String> {
    let located = super::yaml::Located::nowhere();
    let src = Source {
        file: origin,
        located: &located,
        prefix: &[],
    };
    pod_from_api(api, src, &[]).map_err(|e| e.to_string())
}

/// Converts and defaults a pod spec found at `path` of its object (`spec`, or
/// `spec.template.spec` in a workload). Returns the compact spec; its `api` field holds the
/// defaulted API spec for rendering.
pub fn pod_from_api(
    api: &core::PodSpec,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<PodSpec, InputError> {
    let mut api = api.clone();
    if api.containers.is_empty() {
        return Err(src
            .error(
                &child(path, PathSeg::key("containers")),
                "Pod spec.containers: Required value",
            )
            .with_hint(Some("a pod needs at least one container".to_string())));
    }
    let restart_policy = match api.restart_policy.as_deref() {
        None | Some("Always") => RestartPolicy::Always,
        Some("OnFailure") => RestartPolicy::OnFailure,
        Some("Never") => RestartPolicy::Never,
        Some(other) => {
            return Err(src
                .error(
                    &child(path, PathSeg::key("restartPolicy")),
                    format!("Unsupported value: \"{other}\": supported values: \"Always\", \"Never\", \"OnFailure\""),
                )
                .with_hint(None))
        }
    };
    let mut names = std::collections::BTreeSet::new();
    let mut containers = Vec::new();
    for (i, c) in api.containers.iter_mut().enumerate() {
        let p = child(&child(path, PathSeg::key("containers")), PathSeg::Index(i));
        containers.push(container_from_api(c, src, &p, &mut names)?);
    }
    let mut init_containers = Vec::new();
    for (i, c) in api.init_containers.iter_mut().flatten().enumerate() {
        let p = child(
            &child(path, PathSeg::key("initContainers")),
            PathSeg::Index(i),
        );
        init_containers.push(container_from_api(c, src, &p, &mut names)?);
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
    let mut tolerations = Vec::new();
    for (i, t) in tolerations_api.iter().enumerate() {
        let p = child(&child(path, PathSeg::key("tolerations")), PathSeg::Index(i));
        tolerations.push(toleration_from_api(t, src, &p)?);
    }
    // K8S: pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec)
    api.restart_policy = Some(restart_policy.as_str().to_string());
    api.dns_policy
        .get_or_insert_with(|| "ClusterFirst".to_string());
    api.scheduler_name
        .get_or_insert_with(|| "default-scheduler".to_string());
    api.termination_grace_period_seconds.get_or_insert(30);
    api.security_context.get_or_insert_with(Default::default);
    api.service_account_name
        .get_or_insert_with(|| "default".to_string());
    api.service_account = api.service_account_name.clone();
    api.enable_service_links.get_or_insert(true);
    api.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".to_string());
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
    names: &mut std::collections::BTreeSet<String>,
) -> Result<Container, InputError> {
    if !names.insert(c.name.clone()) {
        return Err(src.error(
            &child(path, PathSeg::key("name")),
            format!("Duplicate value: \"{}\"", c.name),
        ));
    }
    let image = c.image.clone().unwrap_or_default();
    if image.is_empty() {
        return Err(src
            .error(
                path,
                format!("container \"{}\": image: Required value", c.name),
            )
            .with_hint(Some(
                "add `image: <name>[:tag]` to the container".to_string(),
            )));
    }
    // K8S: pkg/apis/core/v1/defaults.go (SetDefaults_Container: Always for :latest or no tag)
    let pull_policy = match c.image_pull_policy.as_deref() {
        Some("Always") => PullPolicy::Always,
        Some("IfNotPresent") => PullPolicy::IfNotPresent,
        Some("Never") => PullPolicy::Never,
        None if image_tag(&image).is_none_or(|tag| tag == "latest") => PullPolicy::Always,
        None => PullPolicy::IfNotPresent,
        Some(other) => {
            return Err(src.error(
                &child(path, PathSeg::key("imagePullPolicy")),
                format!("Unsupported value: \"{other}\": supported values: \"Always\", \"IfNotPresent\", \"Never\""),
            ))
        }
    };
    c.image_pull_policy = Some(pull_policy.as_str().to_string());
    c.termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".to_string());
    c.termination_message_policy
        .get_or_insert_with(|| "File".to_string());
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
    for (name, request) in &requests {
        if let Some(limit) = limits.get(name) {
            if request > limit {
                return Err(src.error(
                    &child(&child(&child(path, PathSeg::key("resources")), PathSeg::key("requests")), PathSeg::key(name)),
                    format!("Invalid value: \"{request}\": must be less than or equal to {name} limit of {limit}"),
                ));
            }
        }
    }
    let mut ports = Vec::new();
    for (i, p) in c.ports.iter_mut().flatten().enumerate() {
        p.protocol.get_or_insert_with(|| "TCP".to_string());
        if !(1..=65535).contains(&p.container_port) {
            let at = child(
                &child(&child(path, PathSeg::key("ports")), PathSeg::Index(i)),
                PathSeg::key("containerPort"),
            );
            return Err(src.error(
                &at,
                format!(
                    "Invalid value: {}: must be between 1 and 65535, inclusive",
                    p.container_port
                ),
            ));
        }
        ports.push(ContainerPort {
            name: p.name.clone(),
            container_port: p.container_port,
            host_port: p.host_port,
            protocol: p.protocol.clone().unwrap_or_default(),
        });
    }
    let probe = |probe: &mut Option<core::Probe>,
                 field: &str|
     -> Result<Option<Probe>, InputError> {
        match probe {
            None => Ok(None),
            Some(p) => probe_from_api(p, field, src, &child(path, PathSeg::key(field))).map(Some),
        }
    };
    let liveness_probe = probe(&mut c.liveness_probe, "livenessProbe")?;
    let readiness_probe = probe(&mut c.readiness_probe, "readinessProbe")?;
    let startup_probe = probe(&mut c.startup_probe, "startupProbe")?;
    Ok(Container {
        name: c.name.clone(),
        image,
        image_pull_policy: pull_policy,
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
        liveness_probe,
        readiness_probe,
        startup_probe,
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

/// The tag of an image reference (`nginx:1.14` → `1.14`), ignoring a registry port and a digest.
pub fn image_tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@digest");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, tag)| tag)
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

fn probe_from_api(
    p: &mut core::Probe,
    field: &str,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<Probe, InputError> {
    let int_or_string = |v: &IntOrString| match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    };
    let mut handlers = Vec::new();
    if let Some(exec) = &p.exec {
        handlers.push(ProbeHandler::Exec {
            command: exec.command.clone().unwrap_or_default(),
        });
    }
    if let Some(http) = &mut p.http_get {
        http.scheme.get_or_insert_with(|| "HTTP".to_string());
        http.path.get_or_insert_with(|| "/".to_string());
        handlers.push(ProbeHandler::HttpGet {
            path: http.path.clone().unwrap_or_default(),
            port: int_or_string(&http.port),
            host: http.host.clone().unwrap_or_default(),
            scheme: http.scheme.clone().unwrap_or_default(),
        });
    }
    if let Some(tcp) = &p.tcp_socket {
        handlers.push(ProbeHandler::TcpSocket {
            port: int_or_string(&tcp.port),
            host: tcp.host.clone().unwrap_or_default(),
        });
    }
    if let Some(grpc) = &p.grpc {
        handlers.push(ProbeHandler::Grpc {
            port: grpc.port,
            service: grpc.service.clone().unwrap_or_default(),
        });
    }
    let handler = match handlers.len() {
        1 => handlers.remove(0),
        0 => {
            return Err(src
                .error(
                    path,
                    format!("{field}: Required value: must specify a handler type"),
                )
                .with_hint(Some(
                    "give the probe one of `exec:`, `httpGet:`, `tcpSocket:` or `grpc:`"
                        .to_string(),
                )))
        }
        _ => {
            return Err(src.error(
                path,
                format!("{field}: Forbidden: may not specify more than 1 handler type"),
            ))
        }
    };
    // K8S: pkg/apis/core/v1/defaults.go (SetDefaults_Probe)
    let timeout = *p.timeout_seconds.get_or_insert(1);
    let period = *p.period_seconds.get_or_insert(10);
    let success = *p.success_threshold.get_or_insert(1);
    let failure = *p.failure_threshold.get_or_insert(3);
    let delay = p.initial_delay_seconds.unwrap_or(0);
    for (name, value, min) in [
        ("initialDelaySeconds", delay, 0),
        ("timeoutSeconds", timeout, 1),
        ("periodSeconds", period, 1),
        ("successThreshold", success, 1),
        ("failureThreshold", failure, 1),
    ] {
        if value < min {
            return Err(src.error(
                &child(path, PathSeg::key(name)),
                format!("Invalid value: {value}: must be greater than or equal to {min}"),
            ));
        }
    }
    // K8S: pkg/apis/core/validation/validation.go (liveness and startup need successThreshold 1)
    if field != "readinessProbe" && success != 1 {
        return Err(src.error(
            &child(path, PathSeg::key("successThreshold")),
            format!("Invalid value: {success}: must be 1"),
        ));
    }
    Ok(Probe {
        handler,
        initial_delay_seconds: delay,
        timeout_seconds: timeout,
        period_seconds: period,
        success_threshold: success,
        failure_threshold: failure,
    })
}

fn toleration_from_api(
    t: &core::Toleration,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<Toleration, InputError> {
    let effect = match t.effect.as_deref() {
        None | Some("") => None,
        Some(e) => Some(TaintEffect::parse(e).ok_or_else(|| {
            src.error(
                &child(path, PathSeg::key("effect")),
                format!("Unsupported value: \"{e}\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""),
            )
        })?),
    };
    let operator_exists = match t.operator.as_deref() {
        None | Some("Equal") => false,
        Some("Exists") => true,
        Some(other) => {
            return Err(src.error(
                &child(path, PathSeg::key("operator")),
                format!("Unsupported value: \"{other}\": supported values: \"Equal\", \"Exists\""),
            ))
        }
    };
    Ok(Toleration {
        key: t.key.clone().unwrap_or_default(),
        operator_exists,
        value: t.value.clone().unwrap_or_default(),
        effect,
        toleration_seconds: t.toleration_seconds,
    })
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
    })
}
