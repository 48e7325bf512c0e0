//! The columns and cells of stored kinds whose rows read only the object itself:
//! ConfigMaps, Secrets, ServiceAccounts, CronJobs, StatefulSets, PriorityClasses,
//! PodDisruptionBudgets and Ingresses.

use serde_json::Value;

use super::{col, label_selector_text, wide, workload_wide_cells, Column};
use crate::engine::SimTime;
use crate::model::cluster::StoredObject;
use crate::model::time::{age, parse_rfc3339};

// K8S: pkg/printers/internalversion/printers.go (the ...ColumnDefinitions of each kind)
const CONFIG_MAP: &[Column] = &[col("Name"), col("Data"), col("Age")];
const SECRET: &[Column] = &[col("Name"), col("Type"), col("Data"), col("Age")];
const SERVICE_ACCOUNT: &[Column] = &[col("Name"), col("Secrets"), col("Age")];
const CRON_JOB: &[Column] = &[
    col("Name"),
    col("Schedule"),
    col("Timezone"),
    col("Suspend"),
    col("Active"),
    col("Last Schedule"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];
const STATEFUL_SET: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
];
const PRIORITY_CLASS: &[Column] = &[
    col("Name"),
    col("Value"),
    col("Global-Default"),
    col("Age"),
    col("PreemptionPolicy"),
];
const POD_DISRUPTION_BUDGET: &[Column] = &[
    col("Name"),
    col("Min Available"),
    col("Max Unavailable"),
    col("Allowed Disruptions"),
    col("Age"),
];
const INGRESS: &[Column] = &[
    col("Name"),
    col("Class"),
    col("Hosts"),
    col("Address"),
    col("Ports"),
    col("Age"),
];

/// The columns of `kind`, if this module prints it.
pub(super) fn columns(kind: &str) -> Option<&'static [Column]> {
    Some(match kind {
        "ConfigMap" => CONFIG_MAP,
        "Secret" => SECRET,
        "ServiceAccount" => SERVICE_ACCOUNT,
        "CronJob" => CRON_JOB,
        "StatefulSet" => STATEFUL_SET,
        "PriorityClass" => PRIORITY_CLASS,
        "PodDisruptionBudget" => POD_DISRUPTION_BUDGET,
        "Ingress" => INGRESS,
        _ => return None,
    })
}

/// The cells of the object's row, wide ones included, if this module prints its kind.
pub(super) fn cells(object: &StoredObject, now: SimTime) -> Option<Vec<String>> {
    let mut body = object.body.clone();
    crate::apiserver::defaults::stored(&object.kind, &mut body);
    let body = &body;
    let name = object.name.clone();
    let created = age(now, object.creation);
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str);
    let count = |pointer: &str| body.pointer(pointer).map_or(0, entries);
    Some(match object.kind.as_str() {
        // K8S: printers.go (printConfigMap: data and binaryData keys)
        "ConfigMap" => {
            let data = count("/data") + count("/binaryData");
            vec![name, data.to_string(), created]
        }
        // K8S: printers.go (printSecret; its data, stringData folded in as stored)
        "Secret" => {
            let kind = text("/type").unwrap_or("Opaque").to_string();
            vec![name, kind, count("/data").to_string(), created]
        }
        // K8S: printers.go (printServiceAccount)
        "ServiceAccount" => vec![name, count("/secrets").to_string(), created],
        // K8S: printers.go (printCronJob)
        "CronJob" => {
            let schedule = text("/spec/schedule").unwrap_or_default().to_string();
            let time_zone = text("/spec/timeZone").unwrap_or("<none>").to_string();
            let suspend = bool_pointer(body.pointer("/spec/suspend"));
            let last = text("/status/lastScheduleTime").and_then(parse_rfc3339);
            let last = last.map_or_else(|| "<none>".to_string(), |t| age(now, t));
            let template = &body["spec"]["jobTemplate"];
            let [containers, images, _] = workload_wide_cells(template);
            let selector = template.pointer("/spec/selector");
            let selector = selector.map_or_else(|| "<none>".to_string(), label_selector_text);
            let active = count("/status/active").to_string();
            vec![
                name, schedule, time_zone, suspend, active, last, created, containers, images,
                selector,
            ]
        }
        // K8S: printers.go (printStatefulSet)
        "StatefulSet" => {
            let desired = body.pointer("/spec/replicas").and_then(Value::as_i64);
            let ready = body
                .pointer("/status/readyReplicas")
                .and_then(Value::as_i64);
            let ready = format!("{}/{}", ready.unwrap_or(0), desired.unwrap_or(1));
            let [containers, images, _] = workload_wide_cells(body);
            vec![name, ready, created, containers, images]
        }
        // K8S: printers.go (printPriorityClass)
        "PriorityClass" => {
            let value = body["value"].as_i64().unwrap_or(0).to_string();
            let global = body["globalDefault"].as_bool().unwrap_or(false).to_string();
            let policy = text("/preemptionPolicy").unwrap_or_default().to_string();
            vec![name, value, global, created, policy]
        }
        // K8S: printers.go (printPodDisruptionBudget: IntOrString.String(), N/A when unset)
        "PodDisruptionBudget" => {
            let bound = |field: &str| match body.pointer(&format!("/spec/{field}")) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => "N/A".to_string(),
            };
            let allowed = body
                .pointer("/status/disruptionsAllowed")
                .and_then(Value::as_i64);
            let allowed = allowed.unwrap_or(0).to_string();
            vec![
                name,
                bound("minAvailable"),
                bound("maxUnavailable"),
                allowed,
                created,
            ]
        }
        // K8S: printers.go (printIngress, formatHosts, formatPorts)
        "Ingress" => {
            let class = text("/spec/ingressClassName")
                .unwrap_or("<none>")
                .to_string();
            let ports = match count("/spec/tls") {
                0 => "80",
                _ => "80, 443",
            };
            let address = ingress_address(&body["status"]["loadBalancer"]);
            vec![
                name,
                class,
                ingress_hosts(body),
                address,
                ports.to_string(),
                created,
            ]
        }
        _ => return None,
    })
}

/// How many entries an object or array holds.
fn entries(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    }
}

/// A `*bool` as printers.go's printBoolPtr writes it.
fn bool_pointer(value: Option<&Value>) -> String {
    match value.and_then(Value::as_bool) {
        Some(true) => "True".to_string(),
        Some(false) => "False".to_string(),
        None => "<unset>".to_string(),
    }
}

/// An Ingress's HOSTS: up to three rule hosts, `*` when no rule names one.
// K8S: printers.go (formatHosts)
fn ingress_hosts(body: &Value) -> String {
    const SHOWN: usize = 3;
    let rules = body.pointer("/spec/rules").and_then(Value::as_array);
    let rules = rules.map(Vec::as_slice).unwrap_or_default();
    let hosts: Vec<&str> = rules
        .iter()
        .take(SHOWN)
        .filter_map(|r| r["host"].as_str())
        .filter(|h| !h.is_empty())
        .collect();
    if hosts.is_empty() {
        return "*".to_string();
    }
    let joined = hosts.join(",");
    match rules.len() > SHOWN {
        true => format!("{joined} + {} more...", rules.len() - SHOWN),
        false => joined,
    }
}

/// An Ingress's ADDRESS: its load balancer's IPs and host names.
// K8S: printers.go (ingressLoadBalancerStatusStringer: a sorted set, joined by commas)
fn ingress_address(load_balancer: &Value) -> String {
    let ingress = load_balancer["ingress"].as_array();
    let mut addresses: Vec<&str> = ingress
        .into_iter()
        .flatten()
        .flat_map(|i| [i["ip"].as_str(), i["hostname"].as_str()])
        .flatten()
        .filter(|a| !a.is_empty())
        .collect();
    addresses.sort();
    addresses.dedup();
    addresses.join(",")
}
