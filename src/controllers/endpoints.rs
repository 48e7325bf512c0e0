//! The endpoints controller: a Service's `Endpoints` object lists the IPs of the pods its
//! selector matches, ready pods under `addresses` and unready ones under `notReadyAddresses`,
//! so a pod failing its readiness probe stops receiving traffic.

use serde_json::{json, Value};

use super::{workload, Controllers, Key};
use crate::engine::SimTime;
use crate::model::cluster::StoredObject;
use crate::model::{ClusterState, Pod};

/// Writes the Service's Endpoints object from the pods its selector matches.
// K8S: pkg/controller/endpoint/endpoints_controller.go (syncService)
// DEVIATION: EndpointSlices are not written; the Endpoints object carries the same addresses.
pub fn sync(_c: &mut Controllers, state: &mut ClusterState, key: &Key, now: SimTime) {
    let Some(service) = state.objects.get(key).cloned() else {
        state
            .objects
            .remove(&("Endpoints".to_string(), key.1.clone(), key.2.clone()));
        return;
    };
    let Some(selector) = service
        .body
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        })
    else {
        return; // a Service without selector: its Endpoints are the user's to write
    };
    let ports: Vec<Value> = service
        .body
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let pods: Vec<&Pod> = state
        .pods_by_name()
        .map(|(_, p)| p)
        .filter(|p| p.meta.namespace == key.1 && p.status.pod_ip.is_some())
        .filter(|p| p.meta.deletion.is_none() && !p.is_terminal())
        .filter(|p| {
            selector
                .iter()
                .all(|(k, v)| p.meta.labels.get(k) == Some(v))
        })
        .collect();
    let address = |p: &Pod| {
        json!({
            "ip": p.status.pod_ip,
            "nodeName": p.node_name,
            "targetRef": {"kind": "Pod", "name": p.meta.name, "namespace": p.meta.namespace, "uid": p.meta.uid},
        })
    };
    // K8S: pkg/api/v1/endpoints/util.go (RepackSubsets: addresses sorted by IP)
    let ip = |p: &&Pod| {
        let text = p.status.pod_ip.as_deref().unwrap_or_default();
        text.parse::<std::net::IpAddr>().ok()
    };
    let mut pods = pods;
    pods.sort_by_key(ip);
    let (ready, unready): (Vec<&Pod>, Vec<&Pod>) = pods
        .into_iter()
        .partition(|p| workload::active_and_ready(p).1);
    let subset_ports: Vec<Value> = ports
        .iter()
        .map(|p| {
            let target = p
                .get("targetPort")
                .cloned()
                .unwrap_or_else(|| p["port"].clone());
            let mut port = json!({
                "port": target,
                "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP")),
            });
            if let Some(name) = p.get("name") {
                port["name"] = name.clone();
            }
            port
        })
        .collect();
    let mut subset = json!({"ports": subset_ports});
    if !ready.is_empty() {
        subset["addresses"] = json!(ready.iter().map(|p| address(p)).collect::<Vec<_>>());
    }
    if !unready.is_empty() {
        subset["notReadyAddresses"] = json!(unready.iter().map(|p| address(p)).collect::<Vec<_>>());
    }
    let subsets = if ready.is_empty() && unready.is_empty() {
        json!([])
    } else {
        json!([subset])
    };
    let endpoints_key = ("Endpoints".to_string(), key.1.clone(), key.2.clone());
    let existing = state.objects.get_mut(&endpoints_key);
    match existing {
        Some(object) => {
            object.body["subsets"] = subsets;
        }
        None => {
            let body = json!({
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": key.2, "namespace": key.1, "labels": service.labels()},
                "subsets": subsets,
            });
            state.objects.insert(
                endpoints_key,
                StoredObject {
                    kind: "Endpoints".into(),
                    api_version: "v1".into(),
                    namespace: key.1.clone(),
                    name: key.2.clone(),
                    creation: now,
                    body,
                },
            );
        }
    }
}

/// `kubectl get endpoints`' ENDPOINTS column: ready `ip:port` pairs, three at most, then
/// `+ N more...`; `<none>` when empty.
// K8S: pkg/printers/internalversion/printers.go (formatEndpoints)
pub fn column(body: &Value) -> String {
    let mut list = Vec::new();
    let mut count = 0;
    for subset in body["subsets"].as_array().into_iter().flatten() {
        for address in subset["addresses"].as_array().into_iter().flatten() {
            for port in subset["ports"].as_array().into_iter().flatten() {
                count += 1;
                if list.len() < 3 {
                    let ip = address["ip"].as_str().unwrap_or_default();
                    let number = port["port"].as_i64().map(|n| n.to_string());
                    let port = number
                        .unwrap_or_else(|| port["port"].as_str().unwrap_or_default().to_string());
                    list.push(format!("{ip}:{port}"));
                }
            }
        }
    }
    match count {
        0 => "<none>".to_string(),
        n if n > 3 => format!("{} + {} more...", list.join(","), n - 3),
        _ => list.join(","),
    }
}
