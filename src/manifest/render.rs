//! Simulated objects back out as Kubernetes API objects (`-o json|yaml`), status included.
//! Keys come out sorted, as kubectl's printers sort them.

use serde_json::{json, Map, Value};

use crate::model::node::Node;
use crate::model::pod::{ContainerStatus, PodCondition};
use crate::model::time::{rfc3339, rfc3339_or_epoch};
use crate::model::{ContainerState, ObjectMeta, Pod};

fn metadata(meta: &ObjectMeta) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(meta.name));
    if !meta.namespace.is_empty() {
        m.insert("namespace".into(), json!(meta.namespace));
    }
    m.insert("uid".into(), json!(meta.uid));
    m.insert("creationTimestamp".into(), json!(rfc3339(meta.creation)));
    if !meta.labels.is_empty() {
        m.insert("labels".into(), json!(meta.labels));
    }
    if !meta.annotations.is_empty() {
        m.insert("annotations".into(), json!(meta.annotations));
    }
    if let Some(t) = meta.deletion {
        m.insert("deletionTimestamp".into(), json!(rfc3339(t)));
    }
    if let Some(owner) = &meta.owner {
        m.insert(
            "ownerReferences".into(),
            json!([{
                "apiVersion": owner.api_version,
                "blockOwnerDeletion": true,
                "controller": true,
                "kind": owner.kind,
                "name": owner.name,
                "uid": owner.uid,
            }]),
        );
    }
    if let Some(g) = meta.deletion_grace_period_seconds {
        m.insert("deletionGracePeriodSeconds".into(), json!(g));
    }
    Value::Object(m)
}

fn condition(c: &PodCondition) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(c.type_));
    m.insert("status".into(), json!(c.status));
    m.insert("lastProbeTime".into(), Value::Null);
    m.insert(
        "lastTransitionTime".into(),
        json!(rfc3339(c.last_transition)),
    );
    if let Some(r) = &c.reason {
        m.insert("reason".into(), json!(r));
    }
    if let Some(msg) = &c.message {
        m.insert("message".into(), json!(msg));
    }
    Value::Object(m)
}

fn state(s: &ContainerState) -> Value {
    match s {
        ContainerState::Waiting { reason, message } => {
            let mut m = Map::new();
            m.insert("reason".into(), json!(reason));
            if let Some(msg) = message {
                m.insert("message".into(), json!(msg));
            }
            json!({ "waiting": m })
        }
        ContainerState::Running { started_at } => {
            json!({"running": {"startedAt": rfc3339(*started_at)}})
        }
        ContainerState::Terminated {
            exit_code,
            reason,
            message,
            started_at,
            finished_at,
            ..
        } => {
            let mut m = Map::new();
            m.insert("exitCode".into(), json!(exit_code));
            m.insert("reason".into(), json!(reason));
            if let Some(msg) = message {
                m.insert("message".into(), json!(msg));
            }
            m.insert("startedAt".into(), json!(rfc3339_or_epoch(*started_at)));
            m.insert("finishedAt".into(), json!(rfc3339(*finished_at)));
            json!({ "terminated": m })
        }
    }
}

fn container_status(s: &ContainerStatus) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(s.name));
    m.insert("image".into(), json!(s.image));
    m.insert("imageID".into(), json!(s.image_id));
    if !s.container_id.is_empty() {
        m.insert("containerID".into(), json!(s.container_id));
    }
    m.insert("ready".into(), json!(s.ready));
    m.insert("restartCount".into(), json!(s.restart_count));
    if let Some(started) = s.started {
        m.insert("started".into(), json!(started));
    }
    m.insert("state".into(), state(&s.state));
    m.insert(
        "lastState".into(),
        s.last_state.as_ref().map_or(json!({}), state),
    );
    Value::Object(m)
}

/// A pod as `kubectl get pod -o json` shows it.
pub fn pod(pod: &Pod) -> Value {
    let mut spec = serde_json::to_value(&pod.spec.api).unwrap_or_default();
    if let Some(node) = &pod.node_name {
        spec["nodeName"] = json!(node);
    }
    let mut status = Map::new();
    status.insert("phase".into(), json!(pod.status.phase.as_str()));
    status.insert("qosClass".into(), json!(pod.status.qos_class.as_str()));
    if !pod.status.conditions.is_empty() {
        status.insert(
            "conditions".into(),
            pod.status.conditions.iter().map(condition).collect(),
        );
    }
    if !pod.status.container_statuses.is_empty() {
        status.insert(
            "containerStatuses".into(),
            pod.status
                .container_statuses
                .iter()
                .map(container_status)
                .collect(),
        );
    }
    if !pod.status.init_container_statuses.is_empty() {
        status.insert(
            "initContainerStatuses".into(),
            pod.status
                .init_container_statuses
                .iter()
                .map(container_status)
                .collect(),
        );
    }
    if let Some(ip) = &pod.status.host_ip {
        status.insert("hostIP".into(), json!(ip));
        status.insert("hostIPs".into(), json!([{ "ip": ip }]));
    }
    if let Some(ip) = &pod.status.pod_ip {
        status.insert("podIP".into(), json!(ip));
        status.insert("podIPs".into(), json!([{ "ip": ip }]));
    }
    if let Some(t) = pod.status.start_time {
        status.insert("startTime".into(), json!(rfc3339(t)));
    }
    if let Some(r) = &pod.status.reason {
        status.insert("reason".into(), json!(r));
    }
    if let Some(m) = &pod.status.message {
        status.insert("message".into(), json!(m));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(&pod.meta),
        "spec": spec,
        "status": status,
    })
}

/// A node as `kubectl get node -o json` shows it.
pub fn node(node: &Node) -> Value {
    let mut spec = Map::new();
    spec.insert("podCIDR".into(), json!(node.pod_cidr));
    spec.insert("podCIDRs".into(), json!([node.pod_cidr]));
    if !node.taints.is_empty() {
        let taints: Vec<Value> = node
            .taints
            .iter()
            .map(|t| {
                let mut m = Map::new();
                m.insert("key".into(), json!(t.key));
                if !t.value.is_empty() {
                    m.insert("value".into(), json!(t.value));
                }
                m.insert("effect".into(), json!(t.effect.as_str()));
                // K8S: pkg/controller/nodelifecycle (SwapNodeControllerTaint stamps timeAdded)
                if let Some(added) = t.time_added {
                    m.insert(
                        "timeAdded".into(),
                        json!(crate::model::time::rfc3339(added)),
                    );
                }
                Value::Object(m)
            })
            .collect();
        spec.insert("taints".into(), Value::Array(taints));
    }
    if node.unschedulable {
        spec.insert("unschedulable".into(), json!(true));
    }
    let list = |l: &crate::model::ResourceList| -> Value {
        l.iter()
            .map(|(k, q)| (k.clone(), json!(q.to_string())))
            .collect::<Map<_, _>>()
            .into()
    };
    let conditions: Vec<Value> = node
        .conditions
        .iter()
        .map(|c| {
            json!({
                "type": c.type_, "status": c.status, "reason": c.reason, "message": c.message,
                "lastHeartbeatTime": rfc3339(c.last_heartbeat), "lastTransitionTime": rfc3339(c.last_transition),
            })
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": metadata(&node.meta),
        "spec": spec,
        "status": {
            "addresses": [{"type": "InternalIP", "address": node.internal_ip}, {"type": "Hostname", "address": node.meta.name}],
            "allocatable": list(&node.allocatable),
            "capacity": list(&node.capacity),
            "conditions": conditions,
            "nodeInfo": crate::model::node::NODE_INFO.to_json(),
        },
    })
}

/// The node's lease in `kube-node-lease`, as its kubelet keeps it: held by the node, renewed
/// every 10 s from the node's creation until its kubelet stops.
// K8S: staging/src/k8s.io/component-helpers/apimachinery/lease/controller.go (newLease:
// holderIdentity, leaseDurationSeconds, renewTime, owned by the Node)
// DEVIATION: the lease has no uid.
pub fn node_lease(node: &Node, now: crate::engine::SimTime) -> Value {
    let renewed = node.lease_renewed(now);
    json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": node.meta.name,
            "namespace": NODE_LEASE_NAMESPACE,
            "creationTimestamp": rfc3339(node.meta.creation),
            "ownerReferences": [{
                "apiVersion": "v1", "kind": "Node", "name": node.meta.name, "uid": node.meta.uid,
            }],
        },
        "spec": {
            "holderIdentity": node.meta.name,
            "leaseDurationSeconds": crate::model::node::NODE_LEASE_SECONDS,
            "renewTime": crate::model::time::rfc3339_micro(renewed),
        },
    })
}

/// Where the kubelets keep their leases.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";

/// An object of a kind not simulated yet, as given plus the metadata the API server sets. No
/// status: without its controller, nothing would have written one.
pub fn stored(object: &crate::model::cluster::StoredObject) -> Value {
    let mut body = object.body.clone();
    if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        if !object.namespace.is_empty() {
            meta.insert("namespace".into(), json!(object.namespace));
        }
        meta.insert("creationTimestamp".into(), json!(rfc3339(object.creation)));
    }
    body
}

/// A Namespace as the API serves it: the name label the API server adds, the `kubernetes`
/// finalizer, phase Active (kubesim never terminates a namespace).
// K8S: pkg/registry/core/namespace/strategy.go (PrepareForCreate: the finalizer, the
// kubernetes.io/metadata.name label)
pub fn namespace(name: &str, created: crate::engine::SimTime) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "creationTimestamp": rfc3339(created),
            "labels": crate::model::cluster::namespace_labels(name),
            "name": name,
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// Several objects as kubectl prints a list (`apiVersion: v1, kind: List, items: [...]`).
pub fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// An Event as the API serves it in core/v1, as client-go's recorder wrote it: named
/// `<object>.<hex nanoseconds>`, in its object's namespace (`default` for cluster-scoped
/// objects), first and last timestamps, count, source and reporting component.
// K8S: staging/src/k8s.io/client-go/tools/record/event.go (makeEvent, generateEvent) and
// staging/src/k8s.io/api/core/v1/types.go (Event: `eventTime` is always written, null here)
// DEVIATION: no uid or resourceVersion in metadata (the involved object's uid is added by
// apiserver::read while the object exists); the scheduler's
// events come out in this legacy shape too (upstream's scheduler writes events.k8s.io/v1 ones,
// which carry `eventTime` and `action` instead of first/last timestamps and count).
pub fn event(name: &str, event: &crate::model::Event) -> Value {
    let involved = &event.involved;
    let mut reference = Map::new();
    reference.insert(
        "apiVersion".into(),
        json!(crate::apiserver::resources::by_kind(involved.kind)
            .map_or_else(|| "v1".to_string(), |r| r.api_version())),
    );
    if let Some(path) = &involved.field_path {
        reference.insert("fieldPath".into(), json!(path));
    }
    reference.insert("kind".into(), json!(involved.kind));
    reference.insert("name".into(), json!(involved.name));
    if !involved.namespace.is_empty() {
        reference.insert("namespace".into(), json!(involved.namespace));
    }
    let mut source = Map::new();
    source.insert("component".into(), json!(event.source));
    if let Some(host) = &event.host {
        source.insert("host".into(), json!(host));
    }
    json!({
        "apiVersion": "v1",
        "count": event.count,
        "eventTime": null,
        "firstTimestamp": rfc3339(event.first),
        "involvedObject": reference,
        "kind": "Event",
        "lastTimestamp": rfc3339(event.last),
        "message": event.message,
        "metadata": {
            "creationTimestamp": rfc3339(event.first),
            "name": name,
            "namespace": event_namespace(event),
        },
        "reason": event.reason,
        "reportingComponent": event.source,
        "reportingInstance": event.host.as_deref().unwrap_or_default(),
        "source": source,
        "type": event.type_.as_str(),
    })
}

/// The namespace an event is stored in: its object's, or `default` for cluster-scoped objects.
// K8S: staging/src/k8s.io/client-go/tools/record/event.go (makeEvent)
pub fn event_namespace(event: &crate::model::Event) -> &str {
    match event.involved.namespace.as_str() {
        "" => "default",
        namespace => namespace,
    }
}

/// JSON as `kubectl get -o json` writes it: Go's `json.MarshalIndent` with four spaces, which
/// escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings, and a final newline.
// K8S: staging/src/k8s.io/cli-runtime/pkg/printers/json.go (JSONPrinter.PrintObj) and Go's
// encoding/json (HTML-safe string escapes)
pub fn to_json(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("a JSON value serialises");
    let text = String::from_utf8(out).expect("serde_json writes UTF-8");
    // These characters can only stand inside strings, where serde_json leaves them as they are.
    let mut escaped = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            c => escaped.push(c),
        }
    }
    escaped.push('\n');
    escaped
}

pub use super::yaml_out::to_yaml;
