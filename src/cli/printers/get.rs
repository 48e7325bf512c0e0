//! `kubectl get`: tables for pods, nodes, events and the stored workload kinds.

use serde_json::Value;

use super::pods::pod_row;
use super::table::get_table;
use crate::engine::SimTime;
use crate::manifest::render::event_namespace;
use crate::model::labels::Selector;
use crate::model::time::age;
use crate::model::{ClusterState, Node};

/// What to list and how.
#[derive(Clone)]
pub struct GetOptions<'a> {
    pub namespace: Option<&'a str>,
    pub all_namespaces: bool,
    pub selector: Selector,
    pub wide: bool,
    pub show_labels: bool,
    pub name: Option<&'a str>,
    /// Put before every name, as `kubectl get all` writes `pod/web` (empty otherwise).
    pub name_prefix: &'a str,
}

impl GetOptions<'_> {
    /// Whether an object with this namespace, name and labels is to be listed.
    pub fn wants(
        &self,
        namespace: &str,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> bool {
        let ns_ok = self.all_namespaces
            || namespace.is_empty()
            || namespace == self.namespace.unwrap_or("default");
        ns_ok && self.name.is_none_or(|n| n == name) && self.selector.matches(labels)
    }
}

fn labels_text(labels: &std::collections::BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        "<none>".to_string()
    } else {
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Prepends NAMESPACE and appends LABELS as kubectl does for `-A` and `--show-labels`.
fn finish(
    mut header: Vec<String>,
    rows: Vec<(String, Vec<String>, String)>,
    opts: &GetOptions<'_>,
) -> String {
    if opts.all_namespaces {
        header.insert(0, "NAMESPACE".into());
    }
    if opts.show_labels {
        header.push("LABELS".into());
    }
    let mut table = vec![header];
    for (ns, mut cells, labels) in rows {
        cells[0].insert_str(0, opts.name_prefix);
        if opts.all_namespaces {
            cells.insert(0, ns);
        }
        if opts.show_labels {
            cells.push(labels);
        }
        table.push(cells);
    }
    get_table(&table)
}

/// `kubectl get pods`.
pub fn pods(state: &ClusterState, now: SimTime, opts: &GetOptions<'_>) -> Option<String> {
    let mut rows = Vec::new();
    for (_, pod) in state.pods_by_name() {
        if !opts.wants(&pod.meta.namespace, &pod.meta.name, &pod.meta.labels) {
            continue;
        }
        let r = pod_row(pod, now);
        let mut cells = vec![r.name, r.ready, r.status, r.restarts, r.age];
        if opts.wide {
            cells.extend([r.ip, r.node, r.nominated, r.readiness_gates]);
        }
        rows.push((
            pod.meta.namespace.clone(),
            cells,
            labels_text(&pod.meta.labels),
        ));
    }
    if rows.is_empty() {
        return None;
    }
    let mut header: Vec<String> = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        .map(String::from)
        .to_vec();
    if opts.wide {
        header.extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"].map(String::from));
    }
    Some(finish(header, rows, opts))
}

/// The STATUS column of a node.
// K8S: pkg/printers/internalversion/printers.go (printNode)
pub fn node_status(node: &Node) -> String {
    let mut status = match node.condition("Ready") {
        Some(c) if c.status == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if node.unschedulable {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// `kubectl get nodes`.
pub fn nodes(state: &ClusterState, now: SimTime, opts: &GetOptions<'_>) -> Option<String> {
    let mut sorted: Vec<&Node> = state.nodes().iter().collect();
    sorted.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    let info = &crate::model::node::NODE_INFO;
    let rows: Vec<_> = sorted
        .into_iter()
        .filter(|n| {
            opts.name.is_none_or(|name| name == n.meta.name)
                && opts.selector.matches(&n.meta.labels)
        })
        .map(|n| {
            let roles = n.roles();
            let mut cells = vec![
                n.meta.name.clone(),
                node_status(n),
                if roles.is_empty() {
                    "<none>".to_string()
                } else {
                    roles.join(",")
                },
                age(now, n.meta.creation),
                info.kubelet_version.to_string(),
            ];
            if opts.wide {
                cells.extend([
                    n.internal_ip.clone(),
                    "<none>".to_string(),
                    info.os_image.to_string(),
                    info.kernel_version.to_string(),
                    info.container_runtime_version.to_string(),
                ]);
            }
            (String::new(), cells, labels_text(&n.meta.labels))
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut header: Vec<String> = ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
        .map(String::from)
        .to_vec();
    if opts.wide {
        header.extend(
            [
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ]
            .map(String::from),
        );
    }
    let opts = GetOptions {
        all_namespaces: false,
        selector: opts.selector.clone(),
        ..*opts
    };
    Some(finish(header, rows, &opts))
}

/// The events `kubectl get events` lists, in the order the API lists them: by namespace, then
/// by name (`<object>.<hex creation nanoseconds>`, so one object's events come in the order
/// they were created). kubectl keeps that order unless given `--sort-by`.
// K8S: the API server lists by storage key (`/registry/events/<namespace>/<name>`);
// staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (sorts only with --sort-by)
pub fn listed_events<'s>(
    state: &'s ClusterState,
    opts: &GetOptions<'_>,
) -> Vec<(&'s str, &'s crate::model::Event)> {
    let mut events: Vec<_> = state
        .named_events()
        .filter(|(name, e)| opts.wants(event_namespace(e), name, &Default::default()))
        .collect();
    // etcd orders the keys as strings: `kube-system/...` before `kube/...`.
    events.sort_by_cached_key(|&(name, e)| format!("{}/{name}", event_namespace(e)));
    events
}

/// `kubectl get events`.
// K8S: pkg/printers/internalversion/printers.go (printEvent)
pub fn events(state: &ClusterState, now: SimTime, opts: &GetOptions<'_>) -> Option<String> {
    let rows: Vec<_> = listed_events(state, opts)
        .into_iter()
        .map(|(_, e)| {
            let cells = vec![
                age(now, e.last),
                e.type_.as_str().to_string(),
                e.reason.clone(),
                format!(
                    "{}/{}",
                    e.involved.kind.to_ascii_lowercase(),
                    e.involved.name
                ),
                e.message.trim().to_string(),
            ];
            (event_namespace(e).to_string(), cells, "<none>".to_string())
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        .map(String::from)
        .to_vec();
    let opts = GetOptions {
        show_labels: false,
        selector: opts.selector.clone(),
        ..*opts
    };
    Some(finish(header, rows, &opts))
}

/// A Job's STATUS column: its final condition, else Running.
// K8S: pkg/printers/internalversion/printers.go (printJob: Complete, Failed, Suspended,
// FailureTarget shown as Failed, SuccessCriteriaMet as Complete)
pub fn job_status(body: &Value) -> String {
    let conditions = body
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has = |t: &str| {
        conditions
            .iter()
            .any(|c| c["type"] == t && c["status"] == "True")
    };
    let status = if has("Failed") || has("FailureTarget") {
        "Failed"
    } else if has("Complete") || has("SuccessCriteriaMet") {
        "Complete"
    } else if has("Suspended") {
        "Suspended"
    } else {
        "Running"
    };
    status.to_string()
}

/// `kubectl get deployments|replicasets|jobs|daemonsets|services`: the status columns come from
/// the status the controllers wrote (zero for kinds without a controller yet).
pub fn stored(
    state: &ClusterState,
    kind: &str,
    now: SimTime,
    opts: &GetOptions<'_>,
) -> Option<String> {
    let mut rows = Vec::new();
    for ((k, ns, name), object) in &state.objects {
        let labels = object.labels();
        if k != kind || !opts.wants(ns, name, &labels) {
            continue;
        }
        let replicas = object
            .body
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let a = age(now, object.creation);
        let status = |field: &str| {
            object
                .body
                .pointer(&format!("/status/{field}"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        // K8S: pkg/printers/internalversion/printers.go (printDeployment, printReplicaSet)
        let cells = match kind {
            "Deployment" => vec![
                name.clone(),
                format!("{}/{replicas}", status("readyReplicas")),
                status("updatedReplicas").to_string(),
                status("availableReplicas").to_string(),
                a,
            ],
            "ReplicaSet" => vec![
                name.clone(),
                replicas.to_string(),
                status("replicas").to_string(),
                status("readyReplicas").to_string(),
                a,
            ],
            // K8S: pkg/printers/internalversion/printers.go (printDaemonSet)
            "DaemonSet" => {
                let selector = object
                    .body
                    .pointer("/spec/template/spec/nodeSelector")
                    .and_then(Value::as_object)
                    .filter(|m| !m.is_empty())
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_else(|| "<none>".to_string());
                vec![
                    name.clone(),
                    status("desiredNumberScheduled").to_string(),
                    status("currentNumberScheduled").to_string(),
                    status("numberReady").to_string(),
                    status("updatedNumberScheduled").to_string(),
                    status("numberAvailable").to_string(),
                    selector,
                    a,
                ]
            }
            // K8S: pkg/printers/internalversion/printers.go (printJob)
            "Job" => {
                let spec = |field: &str| {
                    object
                        .body
                        .pointer(&format!("/spec/{field}"))
                        .and_then(Value::as_i64)
                };
                let completions = match (spec("completions"), spec("parallelism")) {
                    (Some(_), _) | (None, None) => {
                        format!(
                            "{}/{}",
                            status("succeeded"),
                            spec("completions").unwrap_or(1)
                        )
                    }
                    (None, Some(p)) if p > 1 => format!("{}/1 of {p}", status("succeeded")),
                    (None, Some(_)) => format!("{}/1", status("succeeded")),
                };
                let time = |field: &str| {
                    object
                        .body
                        .pointer(&format!("/status/{field}"))
                        .and_then(Value::as_str)
                        .and_then(crate::model::time::parse_rfc3339)
                };
                let duration = match time("startTime") {
                    Some(start) => {
                        crate::model::time::age(time("completionTime").unwrap_or(now), start)
                    }
                    None => String::new(),
                };
                vec![
                    name.clone(),
                    job_status(&object.body),
                    completions,
                    duration,
                    a,
                ]
            }
            "Service" => {
                let type_ = object
                    .body
                    .pointer("/spec/type")
                    .and_then(Value::as_str)
                    .unwrap_or("ClusterIP")
                    .to_string();
                let cluster_ip = object
                    .body
                    .pointer("/spec/clusterIP")
                    .and_then(Value::as_str)
                    .unwrap_or("<none>")
                    .to_string();
                vec![
                    name.clone(),
                    type_,
                    cluster_ip,
                    "<none>".into(),
                    service_ports(&object.body),
                    a,
                ]
            }
            "Endpoints" => vec![
                name.clone(),
                crate::controllers::endpoints::column(&object.body),
                a,
            ],
            "EndpointSlice" => {
                let (ports, endpoints) = crate::controllers::endpoints::slice_columns(&object.body);
                let address_type = object.body["addressType"].as_str().unwrap_or_default();
                vec![name.clone(), address_type.to_string(), ports, endpoints, a]
            }
            "ResourceQuota" => {
                let (request, limit) = quota_columns(&object.body);
                vec![name.clone(), a, request, limit]
            }
            "HorizontalPodAutoscaler" => {
                let mut cells = vec![name.clone()];
                cells.extend(hpa_columns(&object.body));
                cells.push(a);
                cells
            }
            // K8S: pkg/printers/internalversion/printers.go (limitRangeColumnDefinitions)
            "LimitRange" => vec![name.clone(), crate::model::time::rfc3339(object.creation)],
            _ => vec![name.clone(), a],
        };
        rows.push((ns.clone(), cells, labels_text(&labels)));
    }
    if rows.is_empty() {
        return None;
    }
    let header: &[&str] = match kind {
        "Deployment" => &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "ReplicaSet" => &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        "Endpoints" => &["NAME", "ENDPOINTS", "AGE"],
        "EndpointSlice" => &["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
        "ResourceQuota" => &["NAME", "AGE", "REQUEST", "LIMIT"],
        "LimitRange" => &["NAME", "CREATED AT"],
        "HorizontalPodAutoscaler" => &[
            "NAME",
            "REFERENCE",
            "TARGETS",
            "MINPODS",
            "MAXPODS",
            "REPLICAS",
            "AGE",
        ],
        "DaemonSet" => &[
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE",
        ],
        "Job" => &["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
        "Service" => &[
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
        ],
        _ => &["NAME", "AGE"],
    };
    Some(finish(
        header.iter().map(|s| s.to_string()).collect(),
        rows,
        opts,
    ))
}

/// An HPA's REFERENCE, TARGETS, MINPODS, MAXPODS and REPLICAS columns.
// K8S: pkg/printers/internalversion/printers.go (printHorizontalPodAutoscaler,
// formatHPAMetrics: Resource metrics only here)
fn hpa_columns(body: &Value) -> Vec<String> {
    let spec = &body["spec"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let reference = format!(
        "{}/{}",
        text(&spec["scaleTargetRef"]["kind"]),
        text(&spec["scaleTargetRef"]["name"])
    );
    let specs = spec["metrics"].as_array().cloned().unwrap_or_default();
    let statuses = body["status"]["currentMetrics"].as_array().cloned();
    let mut targets: Vec<String> = Vec::new();
    for (i, metric) in specs.iter().enumerate().take(2) {
        let resource = &metric["resource"];
        let current = statuses
            .as_ref()
            .and_then(|s| s.get(i))
            .map(|s| &s["resource"]["current"]);
        let target = &resource["target"];
        targets.push(if let Some(value) = target["averageValue"].as_str() {
            let current = current.and_then(|c| c["averageValue"].as_str());
            let name = text(&resource["name"]);
            format!("{name}: {}/{value}", current.unwrap_or("<unknown>"))
        } else {
            let percent = |v: Option<&Value>| v.and_then(Value::as_i64).map(|p| format!("{p}%"));
            let current = percent(current.map(|c| &c["averageUtilization"]));
            let goal = percent(Some(&target["averageUtilization"]));
            format!(
                "{}: {}/{}",
                text(&resource["name"]),
                current.as_deref().unwrap_or("<unknown>"),
                goal.as_deref().unwrap_or("<auto>")
            )
        });
    }
    let mut targets = if targets.is_empty() {
        "<none>".to_string()
    } else {
        targets.join(", ")
    };
    if specs.len() > 2 {
        targets.push_str(&format!(" + {} more...", specs.len() - 2));
    }
    // K8S: pkg/apis/autoscaling/v2/defaults.go (minReplicas defaults to 1)
    let min = spec["minReplicas"].as_i64().unwrap_or(1).to_string();
    vec![
        reference,
        targets,
        min,
        spec["maxReplicas"].as_i64().unwrap_or(0).to_string(),
        body["status"]["currentReplicas"]
            .as_i64()
            .unwrap_or(0)
            .to_string(),
    ]
}

fn service_ports(body: &Value) -> String {
    let ports: Vec<String> = body
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ports| {
            ports
                .iter()
                .map(|p| {
                    format!(
                        "{}/{}",
                        p.get("port").and_then(Value::as_i64).unwrap_or(0),
                        p.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    }
}

/// The REQUEST and LIMIT columns of a ResourceQuota: `used/hard` of each resource in
/// `status.hard`, in name order, the `limits.*` ones under LIMIT.
// K8S: pkg/printers/internalversion/printers.go (printResourceQuota)
fn quota_columns(body: &Value) -> (String, String) {
    let text = |pointer: &str, name: &str| {
        body.pointer(pointer)
            .and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_string()
    };
    let (mut request, mut limit) = (Vec::new(), Vec::new());
    let hard = body.pointer("/status/hard").and_then(Value::as_object);
    for name in hard.into_iter().flat_map(|h| h.keys()) {
        let cell = format!(
            "{name}: {}/{}",
            text("/status/used", name),
            text("/status/hard", name)
        );
        match name.split_once('.') {
            Some(("limits", _)) => limit.push(cell),
            _ => request.push(cell),
        }
    }
    (request.join(", "), limit.join(", "))
}
