//! Server-side printing: the rows the API server returns for `Accept: ...;as=Table`, with
//! upstream's columns and priorities (0 always shown, 1 with `-o wide`). `kubesim get` prints
//! the same tables as text, and `kubesim serve` sends them to kubectl, so the two never differ.
// K8S: pkg/printers/internalversion/printers.go (the column definitions and print functions,
// which the API server runs with Wide set: every cell is computed, kubectl picks by priority)

pub mod pods;
mod stored;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine::SimTime;
use crate::manifest::render::event_namespace;
use crate::model::cluster::namespace_labels;
use crate::model::labels::Selector;
use crate::model::time::age;
use crate::model::{ClusterState, Node};
use pods::pod_row;

/// One column of a table: upstream's name (kubectl prints it upper-cased) and priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: u8,
}

/// One object's row: its cells in column order, and the metadata kubectl's table printer uses
/// besides them (`-A` prints the namespace, `--show-labels` and `-L` the labels).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub cells: Vec<String>,
}

/// A kind's columns and the rows of the objects listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: &'static [Column],
    pub rows: Vec<Row>,
}

/// Which objects a list returns: a namespace (`None`: every one), a name, a label selector.
#[derive(Clone, Copy)]
pub struct ListFilter<'a> {
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
    pub selector: &'a Selector,
}

impl ListFilter<'_> {
    /// Whether an object with this namespace (empty when cluster-scoped), name and labels is
    /// listed.
    pub fn wants(&self, namespace: &str, name: &str, labels: &BTreeMap<String, String>) -> bool {
        let ns_ok = namespace.is_empty() || self.namespace.is_none_or(|ns| ns == namespace);
        ns_ok && self.name.is_none_or(|n| n == name) && self.selector.matches(labels)
    }
}

const fn col(name: &'static str) -> Column {
    Column { name, priority: 0 }
}

const fn wide(name: &'static str) -> Column {
    Column { name, priority: 1 }
}

/// The columns of `kind`'s table.
pub fn columns(kind: &str) -> &'static [Column] {
    match kind {
        "Pod" => POD_COLUMNS,
        "Node" => NODE_COLUMNS,
        "Event" => EVENT_COLUMNS,
        "Namespace" => NAMESPACE_COLUMNS,
        "Lease" => LEASE_COLUMNS,
        stored => stored_columns(stored),
    }
}

/// The table of `kind`'s objects that `filter` selects, at `now` (ages are relative to it).
pub fn table(state: &ClusterState, kind: &str, now: SimTime, filter: &ListFilter<'_>) -> Table {
    match kind {
        "Pod" => pods(state, now, filter),
        "Node" => nodes(state, now, filter),
        "Event" => events(state, now, filter),
        "Namespace" => namespaces(state, now, filter),
        "Lease" => leases(state, now, filter),
        stored => stored_table(state, stored, now, filter),
    }
}

// K8S: pkg/printers/internalversion/printers.go (leaseColumnDefinitions, printLease)
const LEASE_COLUMNS: &[Column] = &[col("Name"), col("Holder"), col("Age")];

/// Leases, the kubelets' among them: rows from the objects as served.
fn leases(state: &ClusterState, now: SimTime, filter: &ListFilter<'_>) -> Table {
    let rows = super::read::objects(state, "Lease", now, filter)
        .into_iter()
        .map(|(name, lease)| {
            let text = |pointer: &str| lease.pointer(pointer).and_then(Value::as_str);
            let created = text("/metadata/creationTimestamp")
                .and_then(crate::model::time::parse_rfc3339)
                .unwrap_or(SimTime::ZERO);
            let labels = lease["metadata"]["labels"]
                .as_object()
                .into_iter()
                .flatten();
            let labels =
                labels.map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()));
            Row {
                namespace: text("/metadata/namespace").unwrap_or_default().to_string(),
                labels: labels.collect(),
                cells: vec![
                    name.clone(),
                    text("/spec/holderIdentity").unwrap_or_default().to_string(),
                    age(now, created),
                ],
                name,
            }
        })
        .collect();
    Table {
        columns: LEASE_COLUMNS,
        rows,
    }
}

// K8S: pkg/printers/internalversion/printers.go (namespaceColumnDefinitions)
const NAMESPACE_COLUMNS: &[Column] = &[col("Name"), col("Status"), col("Age")];

fn namespaces(state: &ClusterState, now: SimTime, filter: &ListFilter<'_>) -> Table {
    let rows = state
        .namespaces
        .iter()
        .map(|(name, created)| (name, created, namespace_labels(name)))
        .filter(|(name, _, labels)| filter.wants("", name, labels))
        .map(|(name, created, labels)| Row {
            namespace: String::new(),
            name: name.clone(),
            labels,
            cells: vec![name.clone(), "Active".to_string(), age(now, *created)],
        })
        .collect();
    Table {
        columns: NAMESPACE_COLUMNS,
        rows,
    }
}

const POD_COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Status"),
    col("Restarts"),
    col("Age"),
    wide("IP"),
    wide("Node"),
    wide("Nominated Node"),
    wide("Readiness Gates"),
];

fn pods(state: &ClusterState, now: SimTime, filter: &ListFilter<'_>) -> Table {
    let rows = state
        .pods_by_name()
        .map(|(_, pod)| pod)
        .filter(|pod| filter.wants(&pod.meta.namespace, &pod.meta.name, &pod.meta.labels))
        .map(|pod| {
            let r = pod_row(pod, now);
            Row {
                namespace: pod.meta.namespace.clone(),
                name: pod.meta.name.clone(),
                labels: pod.meta.labels.clone(),
                cells: vec![
                    r.name,
                    r.ready,
                    r.status,
                    r.restarts,
                    r.age,
                    r.ip,
                    r.node,
                    r.nominated,
                    r.readiness_gates,
                ],
            }
        })
        .collect();
    Table {
        columns: POD_COLUMNS,
        rows,
    }
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

// K8S: pkg/printers/internalversion/printers.go (nodeColumnDefinitions)
const NODE_COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Roles"),
    col("Age"),
    col("Version"),
    wide("Internal-IP"),
    wide("External-IP"),
    wide("OS-Image"),
    wide("Kernel-Version"),
    wide("Container-Runtime"),
];

fn nodes(state: &ClusterState, now: SimTime, filter: &ListFilter<'_>) -> Table {
    let mut sorted: Vec<&Node> = state.nodes().iter().collect();
    sorted.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    let info = &crate::model::node::NODE_INFO;
    let rows = sorted
        .into_iter()
        .filter(|n| filter.wants("", &n.meta.name, &n.meta.labels))
        .map(|n| {
            let roles = n.roles();
            Row {
                namespace: String::new(),
                name: n.meta.name.clone(),
                labels: n.meta.labels.clone(),
                cells: vec![
                    n.meta.name.clone(),
                    node_status(n),
                    none_if_empty(roles.join(",")),
                    age(now, n.meta.creation),
                    info.kubelet_version.to_string(),
                    n.internal_ip.clone(),
                    "<none>".to_string(),
                    info.os_image.to_string(),
                    info.kernel_version.to_string(),
                    info.container_runtime_version.to_string(),
                ],
            }
        })
        .collect();
    Table {
        columns: NODE_COLUMNS,
        rows,
    }
}

fn none_if_empty(text: String) -> String {
    if text.is_empty() {
        "<none>".to_string()
    } else {
        text
    }
}

/// The events `kubectl get events` lists, in the order the API lists them: by namespace, then
/// by name (`<object>.<hex creation nanoseconds>`, so one object's events come in the order
/// they were created). kubectl keeps that order unless given `--sort-by`.
// K8S: the API server lists by storage key (`/registry/events/<namespace>/<name>`);
// staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (sorts only with --sort-by)
pub fn listed_events<'s>(
    state: &'s ClusterState,
    filter: &ListFilter<'_>,
) -> Vec<(&'s str, &'s crate::model::Event)> {
    let mut events: Vec<_> = state
        .named_events()
        .filter(|(name, e)| filter.wants(event_namespace(e), name, &Default::default()))
        .collect();
    // etcd orders the keys as strings: `kube-system/...` before `kube/...`.
    events.sort_by_cached_key(|&(name, e)| format!("{}/{name}", event_namespace(e)));
    events
}

// K8S: pkg/printers/internalversion/printers.go (eventColumnDefinitions)
const EVENT_COLUMNS: &[Column] = &[
    col("Last Seen"),
    col("Type"),
    col("Reason"),
    col("Object"),
    wide("Subobject"),
    wide("Source"),
    col("Message"),
    wide("First Seen"),
    wide("Count"),
    wide("Name"),
];

// K8S: pkg/printers/internalversion/printers.go (printEvent, formatEventSource)
fn events(state: &ClusterState, now: SimTime, filter: &ListFilter<'_>) -> Table {
    let rows = listed_events(state, filter)
        .into_iter()
        .map(|(name, e)| {
            let source = match &e.host {
                Some(host) => format!("{}, {host}", e.source),
                None => e.source.to_string(),
            };
            Row {
                namespace: event_namespace(e).to_string(),
                name: name.to_string(),
                labels: BTreeMap::new(),
                cells: vec![
                    age(now, e.last),
                    e.type_.as_str().to_string(),
                    e.reason.clone(),
                    format!(
                        "{}/{}",
                        e.involved.kind.to_ascii_lowercase(),
                        e.involved.name
                    ),
                    e.involved.field_path.clone().unwrap_or_default(),
                    source,
                    e.message.trim().to_string(),
                    age(now, e.first),
                    e.count.to_string(),
                    name.to_string(),
                ],
            }
        })
        .collect();
    Table {
        columns: EVENT_COLUMNS,
        rows,
    }
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

const DEPLOYMENT_COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Up-to-date"),
    col("Available"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

const REPLICA_SET_COLUMNS: &[Column] = &[
    col("Name"),
    col("Desired"),
    col("Current"),
    col("Ready"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

const DAEMON_SET_COLUMNS: &[Column] = &[
    col("Name"),
    col("Desired"),
    col("Current"),
    col("Ready"),
    col("Up-to-date"),
    col("Available"),
    col("Node Selector"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

const JOB_COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Completions"),
    col("Duration"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

const SERVICE_COLUMNS: &[Column] = &[
    col("Name"),
    col("Type"),
    col("Cluster-IP"),
    col("External-IP"),
    col("Port(s)"),
    col("Age"),
    wide("Selector"),
];

const ENDPOINTS_COLUMNS: &[Column] = &[col("Name"), col("Endpoints"), col("Age")];

const ENDPOINT_SLICE_COLUMNS: &[Column] = &[
    col("Name"),
    col("AddressType"),
    col("Ports"),
    col("Endpoints"),
    col("Age"),
];

const RESOURCE_QUOTA_COLUMNS: &[Column] = &[col("Name"), col("Age"), col("Request"), col("Limit")];

const LIMIT_RANGE_COLUMNS: &[Column] = &[col("Name"), col("Created At")];

const HORIZONTAL_POD_AUTOSCALER_COLUMNS: &[Column] = &[
    col("Name"),
    col("Reference"),
    col("Targets"),
    col("MinPods"),
    col("MaxPods"),
    col("Replicas"),
    col("Age"),
];

const NAME_AGE_COLUMNS: &[Column] = &[col("Name"), col("Age")];

/// The columns of a stored kind.
// K8S: pkg/printers/internalversion/printers.go (the ...ColumnDefinitions of each kind)
fn stored_columns(kind: &str) -> &'static [Column] {
    match kind {
        "Deployment" => DEPLOYMENT_COLUMNS,
        "ReplicaSet" => REPLICA_SET_COLUMNS,
        "DaemonSet" => DAEMON_SET_COLUMNS,
        "Job" => JOB_COLUMNS,
        "Service" => SERVICE_COLUMNS,
        "Endpoints" => ENDPOINTS_COLUMNS,
        "EndpointSlice" => ENDPOINT_SLICE_COLUMNS,
        "ResourceQuota" => RESOURCE_QUOTA_COLUMNS,
        "LimitRange" => LIMIT_RANGE_COLUMNS,
        "HorizontalPodAutoscaler" => HORIZONTAL_POD_AUTOSCALER_COLUMNS,
        other => stored::columns(other).unwrap_or(NAME_AGE_COLUMNS),
    }
}

/// The CONTAINERS, IMAGES and SELECTOR columns of a workload (`-o wide`).
// K8S: pkg/printers/internalversion/printers.go (layoutContainerCells,
// metav1.FormatLabelSelector)
fn workload_wide_cells(body: &Value) -> [String; 3] {
    let containers = body
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let joined = |field: &str| {
        containers
            .iter()
            .map(|c| c[field].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    };
    let selector = body
        .pointer("/spec/selector")
        .map(label_selector_text)
        .unwrap_or_else(|| "<none>".to_string());
    [joined("name"), joined("image"), selector]
}

/// A LabelSelector as metav1.FormatLabelSelector writes it: `app=web,tier in (a,b)`, `<none>`
/// when it selects nothing, `<none>` also for an empty selector's text as upstream prints it.
fn label_selector_text(selector: &Value) -> String {
    let mut parts: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for expression in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = expression["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = expression["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        parts.push(match expression["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other} ({})", values.join(",")),
        });
    }
    none_if_empty(parts.join(","))
}

/// A map of labels as labels.FormatLabels writes it (`a=b,c=d`, `<none>` when empty).
fn map_text(map: Option<&Value>) -> String {
    let parts: Vec<String> = map
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    none_if_empty(parts.join(","))
}

/// Deployments, ReplicaSets, Jobs, DaemonSets, Services...: the status columns come from the
/// status the controllers wrote (zero for kinds without a controller yet).
fn stored_table(state: &ClusterState, kind: &str, now: SimTime, filter: &ListFilter<'_>) -> Table {
    let mut rows = Vec::new();
    for ((k, ns, name), object) in &state.objects {
        let labels = object.labels();
        if k != kind || !filter.wants(ns, name, &labels) {
            continue;
        }
        rows.push(Row {
            namespace: ns.clone(),
            name: name.clone(),
            labels,
            cells: stored_cells(object, now),
        });
    }
    Table {
        columns: stored_columns(kind),
        rows,
    }
}

fn stored_cells(object: &crate::model::cluster::StoredObject, now: SimTime) -> Vec<String> {
    if let Some(cells) = stored::cells(object, now) {
        return cells;
    }
    let name = &object.name;
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
    let [containers, images, workload_selector] = workload_wide_cells(&object.body);
    // K8S: pkg/printers/internalversion/printers.go (printDeployment, printReplicaSet)
    let mut cells = match object.kind.as_str() {
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
            let selector = map_text(object.body.pointer("/spec/template/spec/nodeSelector"));
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
    if matches!(
        object.kind.as_str(),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "Job"
    ) {
        cells.extend([containers, images, workload_selector]);
    } else if object.kind == "Service" {
        // K8S: pkg/printers/internalversion/printers.go (printService: the selector map)
        cells.push(map_text(object.body.pointer("/spec/selector")));
    }
    cells
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
