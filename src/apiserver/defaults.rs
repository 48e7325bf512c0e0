//! The defaults the API server fills in: a pod spec's when it decodes it, before validating it;
//! a Service's as it serves it.

use k8s_openapi::api::core::v1 as core;

/// Fills in a pod's spec defaults: its template's, and what a pod alone gets on its way in (the
/// service account, service links, the preemption policy).
// K8S: pkg/apis/core/v1/defaults.go (SetDefaults_Pod: enableServiceLinks),
// plugin/pkg/admission/serviceaccount (serviceAccountName), plugin/pkg/admission/priority
// (preemptionPolicy)
pub fn pod_spec(spec: &mut core::PodSpec) {
    template_spec(spec);
    spec.service_account_name
        .get_or_insert_with(|| "default".to_string());
    spec.service_account = spec.service_account_name.clone();
    spec.enable_service_links.get_or_insert(true);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".to_string());
}

/// Fills in the defaults every pod spec gets, a workload's pod template's included (its
/// containers' and probes').
// K8S: pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec, SetDefaults_Container,
// SetDefaults_ContainerPort, SetDefaults_Probe, SetDefaults_HTTPGetAction)
fn template_spec(spec: &mut core::PodSpec) {
    spec.restart_policy
        .get_or_insert_with(|| "Always".to_string());
    spec.dns_policy
        .get_or_insert_with(|| "ClusterFirst".to_string());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".to_string());
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.security_context.get_or_insert_with(Default::default);
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
    let template = match kind {
        "Service" => return service(body),
        "Secret" => return secret(body),
        "CronJob" => {
            cron_job(body);
            "/spec/jobTemplate/spec/template"
        }
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" => {
            workload(kind, body);
            "/spec/template"
        }
        _ => return,
    };
    if let Some(template) = body.pointer_mut(template) {
        pod_template(template);
    }
}

/// Fills in a pod template's spec defaults, as the API server stores every template: what
/// the Deployment controller compares templates by.
pub fn pod_template(template: &mut serde_json::Value) {
    let Some(spec) = template.get_mut("spec") else {
        return;
    };
    if let Ok(mut api) = serde_json::from_value::<core::PodSpec>(spec.clone()) {
        template_spec(&mut api);
        *spec = serde_json::to_value(api).unwrap_or_default();
    }
}

/// A Secret as stored: `stringData` folded into `data` (base64, winning over a `data` key of
/// the same name), as `stringData` is write-only.
// K8S: pkg/apis/core/v1/conversion.go (Convert_v1_Secret_To_core_Secret)
fn secret(body: &mut serde_json::Value) {
    use base64::Engine;
    let Some(object) = body.as_object_mut() else {
        return;
    };
    let Some(serde_json::Value::Object(strings)) = object.remove("stringData") else {
        return;
    };
    let data = object
        .entry("data")
        .or_insert_with(|| serde_json::json!({}));
    for (key, value) in strings {
        let text = value.as_str().unwrap_or_default();
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        data[key] = serde_json::Value::String(encoded);
    }
}

/// The labels the API server gives a Job's pod template (and so its pods) and the selector it
/// generates from them: the Job's uid and name, in the `batch.kubernetes.io/` form and the
/// legacy one.
// K8S: pkg/registry/batch/job/strategy.go (generateSelector)
pub fn job_template_labels(uid: &str, name: &str) -> [(&'static str, String); 4] {
    [
        ("batch.kubernetes.io/controller-uid", uid.to_string()),
        ("batch.kubernetes.io/job-name", name.to_string()),
        ("controller-uid", uid.to_string()),
        ("job-name", name.to_string()),
    ]
}

/// A workload's spec defaults (a Job's generated selector too).
// K8S: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment, SetDefaults_ReplicaSet,
// SetDefaults_DaemonSet, SetDefaults_StatefulSet), pkg/apis/batch/v1/defaults.go
// (SetDefaults_Job)
fn workload(kind: &str, body: &mut serde_json::Value) {
    use serde_json::{json, Value};
    if kind == "Job" {
        job_selector(body);
    }
    let Some(spec) = body.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let set = |spec: &mut serde_json::Map<String, Value>, key: &str, value: Value| {
        spec.entry(key.to_string()).or_insert(value);
    };
    match kind {
        "Deployment" => {
            set(spec, "replicas", json!(1));
            set(spec, "revisionHistoryLimit", json!(10));
            set(spec, "progressDeadlineSeconds", json!(600));
            let fill = [("maxUnavailable", json!("25%")), ("maxSurge", json!("25%"))];
            rolling_update(spec, "strategy", &fill, true);
        }
        "ReplicaSet" => set(spec, "replicas", json!(1)),
        "DaemonSet" => {
            set(spec, "revisionHistoryLimit", json!(10));
            let fill = [("maxUnavailable", json!(1)), ("maxSurge", json!(0))];
            rolling_update(spec, "updateStrategy", &fill, true);
        }
        "StatefulSet" => {
            set(spec, "replicas", json!(1));
            set(spec, "revisionHistoryLimit", json!(10));
            set(spec, "podManagementPolicy", json!("OrderedReady"));
            rolling_update(spec, "updateStrategy", &[("partition", json!(0))], false);
            let retain = json!({"whenDeleted": "Retain", "whenScaled": "Retain"});
            set(spec, "persistentVolumeClaimRetentionPolicy", retain);
        }
        _ => {
            if !spec.contains_key("completions") && !spec.contains_key("parallelism") {
                spec.insert("completions".into(), json!(1));
            }
            set(spec, "parallelism", json!(1));
            set(spec, "backoffLimit", json!(6));
            set(spec, "completionMode", json!("NonIndexed"));
            set(spec, "suspend", json!(false));
            // K8S: SetDefaults_Job (JobPodReplacementPolicy, GA in 1.34)
            let failure_policy = spec.contains_key("podFailurePolicy");
            let replacement = if failure_policy {
                "Failed"
            } else {
                "TerminatingOrFailed"
            };
            set(spec, "podReplacementPolicy", json!(replacement));
        }
    }
}

/// A workload's update strategy (at `key` of its spec): RollingUpdate when it names none, and
/// the rolling update's `fill` defaults where it has one. A strategy typed RollingUpdate with no
/// parameters gets them only when `always` (a StatefulSet's stays without).
// K8S: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment, SetDefaults_DaemonSet,
// SetDefaults_StatefulSet)
fn rolling_update(
    spec: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    fill: &[(&str, serde_json::Value)],
    always: bool,
) {
    use serde_json::{json, Value};
    let strategy = spec.entry(key.to_string()).or_insert_with(|| json!({}));
    let Some(strategy) = strategy.as_object_mut() else {
        return;
    };
    let untyped = !strategy.contains_key("type");
    if untyped {
        strategy.insert("type".into(), json!("RollingUpdate"));
    }
    if strategy.get("type") != Some(&json!("RollingUpdate")) {
        return;
    }
    if always || untyped {
        strategy.entry("rollingUpdate").or_insert_with(|| json!({}));
    }
    if let Some(rolling) = strategy
        .get_mut("rollingUpdate")
        .and_then(Value::as_object_mut)
    {
        for (name, value) in fill {
            rolling.entry(name.to_string()).or_insert(value.clone());
        }
    }
}

/// A Job's generated selector and template labels, and the template's labels on the Job when
/// it has none of its own (unless the user chose the selector: `manualSelector: true`).
// K8S: pkg/registry/batch/job/strategy.go (generateSelector), pkg/apis/batch/v1/defaults.go
// (SetDefaults_Job copies the template's labels)
fn job_selector(body: &mut serde_json::Value) {
    use serde_json::{json, Value};
    if body.pointer("/spec/manualSelector") == Some(&json!(true)) {
        return;
    }
    let uid = body
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let labels = job_template_labels(&uid, &name);
    let Some(spec) = body.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    spec.insert("manualSelector".into(), json!(false));
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {labels[0].0: uid}}),
    );
    let template = spec.entry("template").or_insert_with(|| json!({}));
    let template_labels = &mut template["metadata"]["labels"];
    if !template_labels.is_object() {
        *template_labels = json!({});
    }
    for (key, value) in &labels {
        template_labels[*key] = json!(value);
    }
    let template_labels = template_labels.clone();
    let meta = &mut body["metadata"];
    if meta
        .get("labels")
        .and_then(Value::as_object)
        .is_none_or(|l| l.is_empty())
    {
        meta["labels"] = template_labels;
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

#[cfg(test)]
mod secret_tests {
    use serde_json::json;

    #[test]
    fn a_served_secret_has_its_string_data_folded_into_data() {
        let mut body = json!({"data": {"a": "eA==", "b": "eQ=="}, "stringData": {"b": "hi"}});
        super::stored("Secret", &mut body);
        assert_eq!(body, json!({"data": {"a": "eA==", "b": "aGk="}}));
    }
}

#[cfg(test)]
mod workload_tests {
    use serde_json::json;

    fn template() -> serde_json::Value {
        json!({"spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})
    }

    #[test]
    fn a_served_daemon_set_and_stateful_set_get_their_strategies_and_template_defaults() {
        let mut ds = json!({"spec": {"template": template()}});
        super::stored("DaemonSet", &mut ds);
        assert_eq!(
            ds["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})
        );
        assert_eq!(ds["spec"]["revisionHistoryLimit"], 10);
        let spec = &ds["spec"]["template"]["spec"];
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["containers"][0]["imagePullPolicy"], "IfNotPresent");
        // A template is not a pod: no service account, service links or preemption policy.
        assert_eq!(spec.get("serviceAccountName"), None);
        assert_eq!(spec.get("enableServiceLinks"), None);
        assert_eq!(spec.get("preemptionPolicy"), None);
        let mut deploy = json!({"spec": {"strategy": {}, "template": template()}});
        super::stored("Deployment", &mut deploy);
        assert_eq!(
            deploy["spec"]["strategy"],
            json!({"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        );
        let mut recreate = json!({"spec": {"strategy": {"type": "Recreate"}}});
        super::stored("Deployment", &mut recreate);
        assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
        let mut sts = json!({"spec": {"replicas": 3, "template": template()}});
        super::stored("StatefulSet", &mut sts);
        assert_eq!(sts["spec"]["replicas"], 3);
        assert_eq!(sts["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(
            sts["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        );
    }

    #[test]
    fn a_served_job_gets_its_generated_selector_and_labels_unless_chosen_by_hand() {
        let mut job = json!({"metadata": {"name": "pi", "uid": "u-1"},
            "spec": {"parallelism": 2, "template": template()}});
        super::stored("Job", &mut job);
        let spec = &job["spec"];
        assert_eq!(spec.get("completions"), None);
        assert_eq!(spec["parallelism"], 2);
        assert_eq!(spec["backoffLimit"], 6);
        assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
        assert_eq!(spec["manualSelector"], false);
        assert_eq!(
            spec["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        let labels = json!({"batch.kubernetes.io/controller-uid": "u-1",
            "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1", "job-name": "pi"});
        assert_eq!(spec["template"]["metadata"]["labels"], labels);
        assert_eq!(job["metadata"]["labels"], labels);
        let mut manual = json!({"metadata": {"name": "pi", "uid": "u-1", "labels": {"a": "b"}},
            "spec": {"manualSelector": true, "selector": {"matchLabels": {"a": "b"}},
                "podFailurePolicy": {"rules": []}, "template": template()}});
        super::stored("Job", &mut manual);
        assert_eq!(
            manual["spec"]["selector"],
            json!({"matchLabels": {"a": "b"}})
        );
        assert_eq!(manual["spec"]["completions"], 1);
        assert_eq!(manual["spec"]["podReplacementPolicy"], "Failed");
        assert_eq!(manual["metadata"]["labels"], json!({"a": "b"}));
    }
}
