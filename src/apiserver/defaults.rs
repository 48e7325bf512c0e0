//! The defaults the API server fills in: a pod spec's when it decodes it, before validating it;
//! a Service's as it serves it.

use k8s_openapi::api::core::v1 as core;

/// Fills in a pod spec's defaults (its containers' and probes' included), as every pod and pod
/// template gets them on its way in.
// K8S: pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec, SetDefaults_Container,
// SetDefaults_ContainerPort, SetDefaults_Probe, SetDefaults_HTTPGetAction)
pub fn pod_spec(spec: &mut core::PodSpec) {
    spec.restart_policy
        .get_or_insert_with(|| "Always".to_string());
    spec.dns_policy
        .get_or_insert_with(|| "ClusterFirst".to_string());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".to_string());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.security_context.get_or_insert_with(Default::default);
    spec.service_account_name
        .get_or_insert_with(|| "default".to_string());
    spec.service_account = spec.service_account_name.clone();
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".to_string());
    let init = spec.init_containers.iter_mut().flatten();
    for c in spec.containers.iter_mut().chain(init) {
        container(c);
    }
}

fn container(c: &mut core::Container) {
    // K8S: SetDefaults_Container (Always for `:latest` or no tag, else IfNotPresent)
    let image = c.image.as_deref().unwrap_or_default();
    let latest = crate::model::node::image_tag(image).is_none_or(|tag| tag == "latest");
    let policy = if latest { "Always" } else { "IfNotPresent" };
    c.image_pull_policy
        .get_or_insert_with(|| policy.to_string());
    c.termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".to_string());
    c.termination_message_policy
        .get_or_insert_with(|| "File".to_string());
    c.resources.get_or_insert_with(Default::default);
    for port in c.ports.iter_mut().flatten() {
        port.protocol.get_or_insert_with(|| "TCP".to_string());
    }
    let probes = [
        &mut c.liveness_probe,
        &mut c.readiness_probe,
        &mut c.startup_probe,
    ];
    for p in probes.into_iter().flatten() {
        probe(p);
    }
}

fn probe(p: &mut core::Probe) {
    p.timeout_seconds.get_or_insert(1);
    p.period_seconds.get_or_insert(10);
    p.success_threshold.get_or_insert(1);
    p.failure_threshold.get_or_insert(3);
    if let Some(http) = &mut p.http_get {
        http.scheme.get_or_insert_with(|| "HTTP".to_string());
        http.path.get_or_insert_with(|| "/".to_string());
    }
}

/// Fills in the API server's defaults on a stored object of `kind` that kubesim keeps as the
/// user wrote it (the kinds no controller or decoder defaults already).
pub fn stored(kind: &str, body: &mut serde_json::Value) {
    match kind {
        "Service" => service(body),
        "CronJob" => cron_job(body),
        _ => {}
    }
}

/// A CronJob's defaults: not suspended, concurrent runs allowed, three successful and one
/// failed Job kept.
// K8S: pkg/apis/batch/v1/defaults.go (SetDefaults_CronJob)
fn cron_job(body: &mut serde_json::Value) {
    use serde_json::json;
    let Some(spec) = body
        .get_mut("spec")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    spec.entry("suspend").or_insert(json!(false));
    spec.entry("concurrencyPolicy").or_insert(json!("Allow"));
    spec.entry("successfulJobsHistoryLimit").or_insert(json!(3));
    spec.entry("failedJobsHistoryLimit").or_insert(json!(1));
}

/// Fills in what the API server sets on a Service it stores: type, session affinity, traffic
/// policy, the single IPv4 family and `clusterIPs`, each port's protocol and target port.
// K8S: pkg/apis/core/v1/defaults.go (SetDefaults_Service) and
// pkg/registry/core/service/storage/alloc.go (ipFamilies, ipFamilyPolicy, clusterIPs)
fn service(body: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let Some(spec) = body.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let mut set = |key: &str, value: Value| {
        spec.entry(key.to_string()).or_insert(value);
    };
    set("type", json!("ClusterIP"));
    set("sessionAffinity", json!("None"));
    set("internalTrafficPolicy", json!("Cluster"));
    set("ipFamilies", json!(["IPv4"]));
    set("ipFamilyPolicy", json!("SingleStack"));
    if let Some(ip) = spec.get("clusterIP").cloned() {
        spec.entry("clusterIPs").or_insert(json!([ip]));
    }
    for port in spec
        .get_mut("ports")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let Some(port) = port.as_object_mut() else {
            continue;
        };
        port.entry("protocol").or_insert(json!("TCP"));
        if let Some(number) = port.get("port").cloned() {
            port.entry("targetPort").or_insert(number);
        }
    }
}

#[cfg(test)]
mod service_tests {
    use serde_json::json;

    #[test]
    fn a_stored_service_gets_the_api_servers_defaults() {
        let mut body = json!({"spec": {"clusterIP": "10.96.0.11", "ports": [{"port": 80}],
            "selector": {"app": "web"}}});
        super::service(&mut body);
        assert_eq!(
            body["spec"],
            json!({"clusterIP": "10.96.0.11", "clusterIPs": ["10.96.0.11"],
                "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack", "ports": [{"port": 80, "protocol": "TCP",
                "targetPort": 80}], "selector": {"app": "web"}, "sessionAffinity": "None",
                "type": "ClusterIP"})
        );
    }
}
