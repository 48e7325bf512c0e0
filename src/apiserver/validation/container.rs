//! A pod's containers: names, images, ports, environment, mounts, pull policy, resources,
//! probes and lifecycle hooks, for app and init containers alike.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::field::{BadValue, Error, ErrorList, Path};
use super::names;
use crate::model::Quantity;

/// The containers and what they share: the pod's volume names and grace period.
pub struct PodContext<'a> {
    pub volumes: &'a BTreeSet<String>,
    pub grace_period: Option<i64>,
}

/// The app containers: at least one, unique names, and the fields only they may set.
// K8S: pkg/apis/core/validation/validation.go (validateContainers)
pub fn containers(list: &[core::Container], pod: &PodContext<'_>, path: &Path) -> ErrorList {
    if list.is_empty() {
        return vec![Error::required(path.clone(), "")];
    }
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, c) in list.iter().enumerate() {
        let at = path.index(i);
        errs.extend(common(c, pod, &at));
        if !names.insert(c.name.as_str()) {
            errs.push(Error::duplicate(
                at.child("name"),
                BadValue::Str(c.name.clone()),
            ));
        }
        errs.extend(probes_and_hooks(c, pod, &at));
        if c.restart_policy.is_some() {
            errs.push(Error::forbidden(
                at.child("restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    errs.extend(host_port_conflicts(list, path));
    errs
}

/// The init containers: names unique among all containers, `restartPolicy: Always` (a sidecar)
/// the only policy, probes and hooks for sidecars only.
// K8S: validation.go (validateInitContainers)
pub fn init_containers(
    list: &[core::Container],
    regular: &[core::Container],
    pod: &PodContext<'_>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names: BTreeSet<&str> = regular.iter().map(|c| c.name.as_str()).collect();
    for (i, c) in list.iter().enumerate() {
        let at = path.index(i);
        errs.extend(common(c, pod, &at));
        let sidecar = c.restart_policy.as_deref() == Some("Always");
        if let Some(policy) = c.restart_policy.as_deref().filter(|_| !sidecar) {
            errs.push(Error::not_supported(
                at.child("restartPolicy"),
                BadValue::Str(policy.into()),
                &["Always"],
            ));
        }
        if names.contains(c.name.as_str()) {
            errs.push(Error::duplicate(
                at.child("name"),
                BadValue::Str(c.name.clone()),
            ));
        } else if !c.name.is_empty() {
            names.insert(&c.name);
        }
        // K8S: init containers run one at a time, so each is checked alone (as the only, first, item)
        errs.extend(host_port_conflicts(std::slice::from_ref(c), path));
        if sidecar {
            errs.extend(probes_and_hooks(c, pod, &at));
        } else {
            let set = [
                ("lifecycle", c.lifecycle.is_some()),
                ("livenessProbe", c.liveness_probe.is_some()),
                ("readinessProbe", c.readiness_probe.is_some()),
                ("startupProbe", c.startup_probe.is_some()),
            ];
            for (field, _) in set.iter().filter(|(_, given)| *given) {
                errs.push(Error::forbidden(
                    at.child(field),
                    "may not be set for init containers without restartPolicy=Always",
                ));
            }
        }
    }
    errs
}

/// What every container must satisfy.
// K8S: validation.go (validateContainerCommon)
fn common(c: &core::Container, pod: &PodContext<'_>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if c.name.is_empty() {
        errs.push(Error::required(path.child("name"), ""));
    } else {
        for msg in names::dns1123_label(&c.name) {
            errs.push(Error::invalid(
                path.child("name"),
                BadValue::Str(c.name.clone()),
                &msg,
            ));
        }
    }
    if c.image.as_deref().unwrap_or_default().is_empty() {
        errs.push(Error::required(path.child("image"), ""));
    }
    match c.termination_message_policy.as_deref().unwrap_or_default() {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.push(Error::required(path.child("terminationMessagePolicy"), "")),
        other => errs.push(Error::not_supported(
            path.child("terminationMessagePolicy"),
            BadValue::Str(other.into()),
            &["File", "FallbackToLogsOnError"],
        )),
    }
    errs.extend(ports(
        c.ports.as_deref().unwrap_or_default(),
        &path.child("ports"),
    ));
    errs.extend(env(
        c.env.as_deref().unwrap_or_default(),
        &path.child("env"),
    ));
    errs.extend(volume_mounts(
        c.volume_mounts.as_deref().unwrap_or_default(),
        pod.volumes,
        &path.child("volumeMounts"),
    ));
    errs.extend(pull_policy(
        c.image_pull_policy.as_deref().unwrap_or_default(),
        &path.child("imagePullPolicy"),
    ));
    errs.extend(resources(c.resources.as_ref(), &path.child("resources")));
    errs
}

/// Lifecycle hooks and probes, where a container may have them.
fn probes_and_hooks(c: &core::Container, pod: &PodContext<'_>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(lifecycle) = &c.lifecycle {
        for (field, handler) in [
            ("postStart", &lifecycle.post_start),
            ("preStop", &lifecycle.pre_stop),
        ] {
            if let Some(h) = handler {
                let handlers = Handlers {
                    exec: h.exec.as_ref(),
                    http_get: h.http_get.as_ref(),
                    tcp_socket: h.tcp_socket.as_ref(),
                    grpc: None,
                    sleep: h.sleep.as_ref(),
                };
                errs.extend(handler_errors(
                    &handlers,
                    pod.grace_period,
                    &path.child("lifecycle").child(field),
                ));
            }
        }
    }
    for (field, probe) in [
        ("livenessProbe", &c.liveness_probe),
        ("readinessProbe", &c.readiness_probe),
        ("startupProbe", &c.startup_probe),
    ] {
        if let Some(p) = probe {
            errs.extend(self::probe(p, field, pod.grace_period, &path.child(field)));
        }
    }
    errs
}

/// Ports: IANA names unique in the container, numbers in range, a known protocol.
// K8S: validation.go (validateContainerPorts)
fn ports(ports: &[core::ContainerPort], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let at = path.index(i);
        if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
            let msgs = names::port_name(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(Error::invalid(
                        at.child("name"),
                        BadValue::Str(name.into()),
                        &msg,
                    ));
                }
            } else if !names.insert(name) {
                errs.push(Error::duplicate(
                    at.child("name"),
                    BadValue::Str(name.into()),
                ));
            }
        }
        if port.container_port == 0 {
            errs.push(Error::required(at.child("containerPort"), ""));
        } else {
            for msg in names::port_number(port.container_port.into()) {
                errs.push(Error::invalid(
                    at.child("containerPort"),
                    BadValue::Int(port.container_port.into()),
                    &msg,
                ));
            }
        }
        if let Some(host) = port.host_port.filter(|p| *p != 0) {
            for msg in names::port_number(host.into()) {
                errs.push(Error::invalid(
                    at.child("hostPort"),
                    BadValue::Int(host.into()),
                    &msg,
                ));
            }
        }
        match port.protocol.as_deref().unwrap_or_default() {
            "" => errs.push(Error::required(at.child("protocol"), "")),
            "TCP" | "UDP" | "SCTP" => {}
            other => errs.push(Error::not_supported(
                at.child("protocol"),
                BadValue::Str(other.into()),
                &["SCTP", "TCP", "UDP"],
            )),
        }
    }
    errs
}

/// Two containers (or two ports) may not claim the same host port, protocol and address.
// K8S: validation.go (AccumulateUniqueHostPorts)
fn host_port_conflicts(containers: &[core::Container], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut seen = BTreeSet::new();
    for (ci, c) in containers.iter().enumerate() {
        for (pi, p) in c.ports.iter().flatten().enumerate() {
            let Some(host) = p.host_port.filter(|h| *h != 0) else {
                continue;
            };
            let key = format!(
                "{}/{}/{host}",
                p.protocol.as_deref().unwrap_or_default(),
                p.host_ip.as_deref().unwrap_or_default()
            );
            if !seen.insert(key.clone()) {
                let at = path.index(ci).child("ports").index(pi).child("hostPort");
                errs.push(Error::duplicate(at, BadValue::Str(key)));
            }
        }
    }
    errs
}

/// Environment variables: a name, and at most one source for the value.
// K8S: validation.go (ValidateEnv with the relaxed names of v1.34, validateEnvVarValueFrom)
fn env(vars: &[core::EnvVar], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, var) in vars.iter().enumerate() {
        let at = path.index(i);
        if var.name.is_empty() {
            errs.push(Error::required(at.child("name"), ""));
        } else {
            for msg in names::env_var_name(&var.name) {
                errs.push(Error::invalid(
                    at.child("name"),
                    BadValue::Str(var.name.clone()),
                    &msg,
                ));
            }
        }
        let Some(from) = &var.value_from else {
            continue;
        };
        let sources = [
            from.field_ref.is_some(),
            from.resource_field_ref.is_some(),
            from.config_map_key_ref.is_some(),
            from.secret_key_ref.is_some(),
        ]
        .iter()
        .filter(|s| **s)
        .count();
        let empty = BadValue::Str(String::new());
        let detail = match sources {
            0 => Some("must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"),
            _ if var.value.as_deref().is_some_and(|v| !v.is_empty()) => Some("may not be specified when `value` is not empty"),
            n if n > 1 => Some("may not have more than one field specified at a time"),
            _ => None,
        };
        if let Some(detail) = detail {
            errs.push(Error::invalid(at.child("valueFrom"), empty, detail));
        }
    }
    errs
}

/// Mounts name a volume of the pod, each at its own path.
// K8S: validation.go (ValidateVolumeMounts)
fn volume_mounts(
    mounts: &[core::VolumeMount],
    volumes: &BTreeSet<String>,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut points = BTreeSet::new();
    for (i, m) in mounts.iter().enumerate() {
        let at = path.index(i);
        if m.name.is_empty() {
            errs.push(Error::required(at.child("name"), ""));
        }
        if !volumes.contains(&m.name) {
            errs.push(Error::not_found(
                at.child("name"),
                BadValue::Str(m.name.clone()),
            ));
        }
        if m.mount_path.is_empty() {
            errs.push(Error::required(at.child("mountPath"), ""));
        }
        if !points.insert(m.mount_path.as_str()) {
            errs.push(Error::invalid(
                at.child("mountPath"),
                BadValue::Str(m.mount_path.clone()),
                "must be unique",
            ));
        }
    }
    errs
}

// K8S: validation.go (validatePullPolicy: the valid values sorted)
fn pull_policy(policy: &str, path: &Path) -> ErrorList {
    match policy {
        "Always" | "IfNotPresent" | "Never" => Vec::new(),
        "" => vec![Error::required(path.clone(), "")],
        other => vec![Error::not_supported(
            path.clone(),
            BadValue::Str(other.into()),
            &["Always", "IfNotPresent", "Never"],
        )],
    }
}

/// Resource names a container may request, quantities not negative (whole for countable
/// resources), requests within limits.
// K8S: validation.go (validateResourceRequirements, validateContainerResourceName,
// ValidateResourceQuantityValue)
// DEVIATION: resources are checked in name order (upstream walks a Go map); quantities that do
// not parse are left to the decoder's error.
pub fn resources(requirements: Option<&core::ResourceRequirements>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(r) = requirements else {
        return errs;
    };
    let parse = |list: &Option<
        std::collections::BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    >| {
        list.iter()
            .flatten()
            .filter_map(|(name, q)| Some((name.clone(), Quantity::parse(&q.0).ok()?)))
            .collect::<Vec<_>>()
    };
    let (limits, requests) = (parse(&r.limits), parse(&r.requests));
    let (lim_path, req_path) = (path.child("limits"), path.child("requests"));
    for (name, q) in &limits {
        let at = lim_path.key(name);
        errs.extend(container_resource_name(name, &at));
        errs.extend(quantity_value(name, q, &at));
    }
    for (name, q) in &requests {
        let at = req_path.key(name);
        errs.extend(container_resource_name(name, &at));
        errs.extend(quantity_value(name, q, &at));
        match limits.iter().find(|(n, _)| n == name) {
            Some((_, limit)) if q != limit && !overcommit_allowed(name) => {
                errs.push(Error::invalid(
                    req_path.clone(),
                    BadValue::Str(q.to_string()),
                    &format!("must be equal to {name} limit of {limit}"),
                ))
            }
            Some((_, limit)) if q > limit => errs.push(Error::invalid(
                req_path.clone(),
                BadValue::Str(q.to_string()),
                &format!("must be less than or equal to {name} limit of {limit}"),
            )),
            Some(_) => {}
            None if !overcommit_allowed(name) => errs.push(Error::required(
                lim_path.clone(),
                "Limit must be set for non overcommitable resources",
            )),
            None => {}
        }
    }
    errs
}

/// Names without a `/` that the API knows (`IsStandardResourceName`).
// K8S: pkg/apis/core/helper/helpers.go (standardResources, IsStandardContainerResourceName)
fn is_standard_resource(name: &str) -> bool {
    const STANDARD: &[&str] = &[
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
        "services",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
        "services.loadbalancers",
    ];
    STANDARD.contains(&name)
        || ["hugepages-", "requests.hugepages-", "limits.hugepages-"]
            .iter()
            .any(|p| name.starts_with(p))
}

fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// Whether a request may be below its limit: native resources other than huge pages.
// K8S: helper.IsOvercommitAllowed
fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !name.starts_with("hugepages-")
}

fn container_resource_name(name: &str, path: &Path) -> ErrorList {
    let invalid = |detail: &str| Error::invalid(path.clone(), BadValue::Str(name.into()), detail);
    let mut errs: ErrorList = names::qualified_name(name)
        .iter()
        .map(|m| invalid(m))
        .collect();
    if !errs.is_empty() {
        return errs;
    }
    if !name.contains('/') {
        if !is_standard_resource(name) {
            errs.push(invalid(
                "must be a standard resource type or fully qualified",
            ));
        }
        let container = matches!(name, "cpu" | "memory" | "ephemeral-storage")
            || name.starts_with("hugepages-");
        if !container {
            errs.push(invalid("must be a standard resource for containers"));
        }
    } else if !is_native(name) {
        let extended = !name.starts_with("requests.")
            && names::qualified_name(&format!("requests.{name}")).is_empty();
        if !extended {
            errs.push(invalid("doesn't follow extended resource name standard"));
        }
    }
    errs
}

// K8S: validation.go (ValidateResourceQuantityValue; helper.IsIntegerResourceName)
fn quantity_value(name: &str, q: &Quantity, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if q.signum() < 0 {
        errs.push(Error::invalid(
            path.clone(),
            BadValue::Str(q.to_string()),
            "must be greater than or equal to 0",
        ));
    }
    let integer =
        !is_native(name) || matches!(name, "pods" | "services" | "secrets" | "configmaps");
    if integer && q.milli_value() % 1000 != 0 {
        errs.push(Error::invalid(
            path.clone(),
            BadValue::Printed(q.to_string()),
            "must be an integer",
        ));
    }
    errs
}

/// The handler types a probe or hook sets.
struct Handlers<'a> {
    exec: Option<&'a core::ExecAction>,
    http_get: Option<&'a core::HTTPGetAction>,
    tcp_socket: Option<&'a core::TCPSocketAction>,
    grpc: Option<&'a core::GRPCAction>,
    sleep: Option<&'a core::SleepAction>,
}

/// Exactly one handler, each well formed.
// K8S: validation.go (validateHandler and the actions' checks)
fn handler_errors(h: &Handlers<'_>, grace_period: Option<i64>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut count = 0;
    let mut one = |field: &str, given: bool, errs: &mut ErrorList| {
        if !given {
            return false;
        }
        count += 1;
        if count > 1 {
            errs.push(Error::forbidden(
                path.child(field),
                "may not specify more than 1 handler type",
            ));
            return false;
        }
        true
    };
    if one("exec", h.exec.is_some(), &mut errs)
        && h.exec
            .is_some_and(|e| e.command.as_deref().unwrap_or_default().is_empty())
    {
        errs.push(Error::required(path.child("exec").child("command"), ""));
    }
    if let Some(http) = h
        .http_get
        .filter(|_| one("httpGet", h.http_get.is_some(), &mut errs))
    {
        let at = path.child("httpGet");
        if http.path.as_deref().unwrap_or_default().is_empty() {
            errs.push(Error::required(at.child("path"), ""));
        }
        errs.extend(port_number_or_name(&http.port, &at.child("port")));
        let scheme = http.scheme.as_deref().unwrap_or_default();
        if !matches!(scheme, "HTTP" | "HTTPS") {
            errs.push(Error::not_supported(
                at.child("scheme"),
                BadValue::Str(scheme.into()),
                &["HTTP", "HTTPS"],
            ));
        }
        for header in http.http_headers.iter().flatten() {
            for msg in names::http_header_name(&header.name) {
                errs.push(Error::invalid(
                    at.child("httpHeaders"),
                    BadValue::Str(header.name.clone()),
                    &msg,
                ));
            }
        }
    }
    if let Some(tcp) = h
        .tcp_socket
        .filter(|_| one("tcpSocket", h.tcp_socket.is_some(), &mut errs))
    {
        errs.extend(port_number_or_name(
            &tcp.port,
            &path.child("tcpSocket").child("port"),
        ));
    }
    if let Some(grpc) = h.grpc.filter(|_| one("grpc", h.grpc.is_some(), &mut errs)) {
        errs.extend(port_number_or_name(
            &IntOrString::Int(grpc.port),
            &path.child("grpc").child("port"),
        ));
    }
    if let Some(sleep) = h
        .sleep
        .filter(|_| one("sleep", h.sleep.is_some(), &mut errs))
    {
        // K8S: PodLifecycleSleepActionAllowZero, on by default since v1.33
        if let Some(grace) = grace_period.filter(|g| sleep.seconds < 0 || sleep.seconds > *g) {
            errs.push(Error::invalid(
                path.child("sleep"),
                BadValue::Int(sleep.seconds),
                &format!(
                    "must be non-negative and less than terminationGracePeriodSeconds ({grace})"
                ),
            ));
        }
    }
    if count == 0 {
        errs.push(Error::required(path.clone(), "must specify a handler type"));
    }
    errs
}

// K8S: validation.go (ValidatePortNumOrName)
fn port_number_or_name(port: &IntOrString, path: &Path) -> ErrorList {
    match port {
        IntOrString::Int(n) => names::port_number((*n).into())
            .iter()
            .map(|m| Error::invalid(path.clone(), BadValue::Int((*n).into()), m))
            .collect(),
        IntOrString::String(s) => names::port_name(s)
            .iter()
            .map(|m| Error::invalid(path.clone(), BadValue::Str(s.clone()), m))
            .collect(),
    }
}

/// A probe (already defaulted): one handler, no negative timings, `successThreshold: 1` for
/// liveness and startup probes.
// K8S: validation.go (validateProbe, validateLivenessProbe, validateReadinessProbe,
// validateStartupProbe)
fn probe(p: &core::Probe, kind: &str, grace_period: Option<i64>, path: &Path) -> ErrorList {
    let handlers = Handlers {
        exec: p.exec.as_ref(),
        http_get: p.http_get.as_ref(),
        tcp_socket: p.tcp_socket.as_ref(),
        grpc: p.grpc.as_ref(),
        sleep: None,
    };
    let mut errs = handler_errors(&handlers, grace_period, path);
    for (field, value) in [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("periodSeconds", p.period_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
    ] {
        errs.extend(super::non_negative(
            value.unwrap_or(0).into(),
            &path.child(field),
        ));
    }
    if let Some(grace) = p.termination_grace_period_seconds.filter(|g| *g <= 0) {
        errs.push(Error::invalid(
            path.child("terminationGracePeriodSeconds"),
            BadValue::Int(grace),
            "must be greater than 0",
        ));
    }
    let success = p.success_threshold.unwrap_or(0);
    match kind {
        "readinessProbe" => {
            if let Some(grace) = p.termination_grace_period_seconds {
                errs.push(Error::invalid(
                    path.child("terminationGracePeriodSeconds"),
                    BadValue::Int(grace),
                    "must not be set for readinessProbes",
                ));
            }
        }
        _ if success != 1 => errs.push(Error::invalid(
            path.child("successThreshold"),
            BadValue::Int(success.into()),
            "must be 1",
        )),
        _ => {}
    }
    errs
}

/// What only a pod (not a template) is held to: no whitespace around an image.
// K8S: validation.go (validateContainerOnlyForPod)
pub fn only_for_pod(list: &[core::Container], path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, c) in list.iter().enumerate() {
        let image = c.image.as_deref().unwrap_or_default();
        if image.trim() != image {
            errs.push(Error::invalid(
                path.index(i).child("image"),
                BadValue::Str(image.into()),
                "must not have leading or trailing whitespace",
            ));
        }
    }
    errs
}
