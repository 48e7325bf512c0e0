//! The endpoints and EndpointSlice controllers: a Service's pods (those its selector matches)
//! become its `Endpoints` object (ready pods under `addresses`, unready ones under
//! `notReadyAddresses`) and its `EndpointSlice`s (up to 100 endpoints each, with ready,
//! serving and terminating conditions), so a pod failing its readiness probe stops receiving
//! traffic.
//!
//! Membership is kept up to date from every pod change, so a sync reads only the Service's own
//! pods, and a pod change wakes only the Services whose selector it matches (before or after).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::{names, workload, Controllers, Key};
use crate::engine::{SimTime, StreamRng};
use crate::model::cluster::StoredObject;
use crate::model::{ClusterState, Pod};

/// At most this many addresses in an Endpoints object; the rest are dropped and the object
/// says so in an annotation.
// K8S: pkg/controller/endpoint/endpoints_controller.go (maxCapacity, truncateEndpoints)
const MAX_ENDPOINTS_ADDRESSES: usize = 1000;
const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";
/// At most this many endpoints per EndpointSlice (`--max-endpoints-per-slice`).
// K8S: cmd/kube-controller-manager/app/options (MaxEndpointsPerSlice default 100)
const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// The labels tying a slice to its Service and to this controller.
// K8S: staging/src/k8s.io/api/discovery/v1/well_known_labels.go
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
const MANAGED_BY: &str = "endpointslice-controller.k8s.io";

/// What the controllers remember of each Service between syncs.
#[derive(Default)]
pub struct Services {
    /// The Service's selector as last synced (none: the Service selects nothing itself).
    selectors: BTreeMap<Key, Option<BTreeMap<String, String>>>,
    /// The names of the pods of its namespace that the selector matches.
    members: BTreeMap<Key, BTreeSet<String>>,
    /// The names of its EndpointSlices, in the order they are filled.
    slices: BTreeMap<Key, Vec<String>>,
}

impl Services {
    /// A Service was created or changed: it will be synced.
    pub fn observe(&mut self, key: &Key) {
        self.selectors.entry(key.clone()).or_insert(None);
    }

    /// A pod changed: the Services whose selector matched it or matches it now follow, and
    /// are returned for a sync.
    pub fn observe_pod(&mut self, before: Option<&Pod>, after: Option<&Pod>) -> Vec<Key> {
        let Some(pod) = after.or(before) else {
            return Vec::new();
        };
        let ns = pod.meta.namespace.as_str();
        let mut touched = Vec::new();
        for (key, selector) in self.selectors.iter().filter(|(k, _)| k.1 == ns) {
            let Some(selector) = selector else {
                continue;
            };
            let matches = |p: Option<&Pod>| p.is_some_and(|p| selects(selector, p));
            let members = self.members.entry(key.clone()).or_default();
            if matches(after) {
                members.insert(pod.meta.name.clone());
            } else {
                members.remove(&pod.meta.name);
            }
            if matches(before) || matches(after) {
                touched.push(key.clone());
            }
        }
        touched
    }
}

/// Whether a selector (plain labels, as a Service's) selects the pod.
fn selects(selector: &BTreeMap<String, String>, pod: &Pod) -> bool {
    selector
        .iter()
        .all(|(k, v)| pod.meta.labels.get(k) == Some(v))
}

/// Writes the Service's Endpoints and EndpointSlices from the pods its selector matches.
// K8S: pkg/controller/endpoint/endpoints_controller.go (syncService),
// pkg/controller/endpointslice/endpointslice_controller.go (syncService)
pub fn sync(c: &mut Controllers, state: &mut ClusterState, key: &Key, now: SimTime) {
    let Some(service) = state.objects.get(key).cloned() else {
        forget(c, state, key);
        return;
    };
    let selector = service
        .body
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect::<BTreeMap<_, _>>()
        });
    let Some(selector) = selector else {
        // A Service without selector: its Endpoints are the user's to write.
        c.services.selectors.insert(key.clone(), None);
        return;
    };
    if c.services.selectors.get(key) != Some(&Some(selector.clone())) {
        let members = state
            .pods_by_name()
            .map(|(_, p)| p)
            .filter(|p| p.meta.namespace == key.1 && selects(&selector, p))
            .map(|p| p.meta.name.clone())
            .collect();
        c.services.members.insert(key.clone(), members);
        c.services.selectors.insert(key.clone(), Some(selector));
    }
    let members = c.services.members.get(key).cloned().unwrap_or_default();
    let mut pods: Vec<&Pod> = members
        .iter()
        .filter_map(|name| state.pod(state.pod_id(&key.1, name)?))
        .filter(|p| p.status.pod_ip.is_some() && !p.is_terminal())
        .collect();
    // K8S: pkg/api/v1/endpoints/util.go (RepackSubsets: addresses sorted by IP)
    pods.sort_by_key(|p| {
        let text = p.status.pod_ip.as_deref().unwrap_or_default();
        text.parse::<std::net::IpAddr>().ok()
    });
    let service_ports: Vec<Value> = service
        .body
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let endpoints: Vec<Endpoint> = pods
        .iter()
        .map(|pod| Endpoint::of(pod, &service_ports))
        .collect();
    let publish_not_ready =
        service.body.pointer("/spec/publishNotReadyAddresses") == Some(&Value::Bool(true));
    let endpoints_body = endpoints_object(&service, &endpoints, publish_not_ready);
    put(state, "Endpoints", "v1", key, endpoints_body, now);
    write_slices(c, state, &service, &endpoints, publish_not_ready, now);
}

/// A Service went away: so do its Endpoints and slices.
fn forget(c: &mut Controllers, state: &mut ClusterState, key: &Key) {
    let endpoints = ("Endpoints".to_string(), key.1.clone(), key.2.clone());
    state.objects.remove(&endpoints);
    for name in c.services.slices.remove(key).unwrap_or_default() {
        state
            .objects
            .remove(&("EndpointSlice".to_string(), key.1.clone(), name));
    }
    c.services.selectors.remove(key);
    c.services.members.remove(key);
}

/// A Service port resolved on a pod: (name, number, protocol).
type ResolvedPort = (String, i64, String);

/// One of the Service's pods, with the port numbers its Service ports resolve to on it.
struct Endpoint {
    ip: String,
    node: Option<String>,
    target: Value,
    ready: bool,
    terminating: bool,
    /// Each Service port the pod resolves.
    ports: Vec<ResolvedPort>,
}

impl Endpoint {
    fn of(pod: &Pod, service_ports: &[Value]) -> Endpoint {
        Endpoint {
            ip: pod.status.pod_ip.clone().unwrap_or_default(),
            node: pod.node_name.clone(),
            target: json!({
                "kind": "Pod",
                "name": pod.meta.name,
                "namespace": pod.meta.namespace,
                "uid": pod.meta.uid,
            }),
            ready: workload::active_and_ready(pod).1,
            terminating: pod.meta.deletion.is_some(),
            ports: service_ports
                .iter()
                .filter_map(|port| {
                    let name = port["name"].as_str().unwrap_or_default().to_string();
                    let protocol = port["protocol"].as_str().unwrap_or("TCP").to_string();
                    Some((name, target_port(pod, port)?, protocol))
                })
                .collect(),
        }
    }

    fn address(&self) -> Value {
        let mut address = json!({"ip": self.ip, "targetRef": self.target});
        if let Some(node) = &self.node {
            address["nodeName"] = json!(node);
        }
        address
    }
}

/// The port number a Service port sends to on this pod: its `targetPort` number, or the
/// container port of that name; none when the pod has no port of that name.
// K8S: pkg/api/v1/pod/util.go (FindPort)
fn target_port(pod: &Pod, port: &Value) -> Option<i64> {
    match port.get("targetPort").unwrap_or(&port["port"]) {
        Value::String(name) => pod
            .spec
            .api
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| i64::from(p.container_port)),
        number => number.as_i64(),
    }
}

/// The Endpoints object: one subset per distinct set of resolved ports, terminating pods left
/// out (unless the Service publishes unready addresses), at most 1000 addresses.
// K8S: endpoints_controller.go (syncService, truncateEndpoints), pkg/api/v1/endpoints/util.go
fn endpoints_object(service: &StoredObject, endpoints: &[Endpoint], publish: bool) -> Value {
    // By ports: the ready addresses, and the unready ones.
    type Lists = (Vec<Value>, Vec<Value>);
    let mut subsets: BTreeMap<&[ResolvedPort], Lists> = BTreeMap::new();
    let listed = endpoints.iter().filter(|e| publish || !e.terminating);
    // Ready addresses are kept first when there are too many.
    let (ready, unready): (Vec<&Endpoint>, Vec<&Endpoint>) =
        listed.partition(|e| e.ready || publish);
    let total = ready.len() + unready.len();
    let kept = ready
        .iter()
        .map(|e| (e, true))
        .chain(unready.iter().map(|e| (e, false)))
        .take(MAX_ENDPOINTS_ADDRESSES);
    for (endpoint, is_ready) in kept {
        let subset = subsets.entry(&endpoint.ports).or_default();
        let list = if is_ready {
            &mut subset.0
        } else {
            &mut subset.1
        };
        list.push(endpoint.address());
    }
    let subsets: Vec<Value> = subsets
        .into_iter()
        .map(|(ports, (ready, unready))| {
            let ports: Vec<Value> = ports
                .iter()
                .map(|(name, number, protocol)| {
                    let mut port = json!({"port": number, "protocol": protocol});
                    if !name.is_empty() {
                        port["name"] = json!(name);
                    }
                    port
                })
                .collect();
            let mut subset = json!({"ports": ports});
            if !ready.is_empty() {
                subset["addresses"] = json!(ready);
            }
            if !unready.is_empty() {
                subset["notReadyAddresses"] = json!(unready);
            }
            subset
        })
        .collect();
    let mut metadata = json!({
        "name": service.name,
        "namespace": service.namespace,
        "labels": service.labels(),
    });
    if total > MAX_ENDPOINTS_ADDRESSES {
        metadata["annotations"] = json!({ OVER_CAPACITY: "truncated" });
    }
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": metadata,
        "subsets": subsets,
    })
}

/// The Service's EndpointSlices: its endpoints grouped by resolved ports, in IP order, 100 to
/// a slice, terminating pods included with their conditions; one empty placeholder slice when
/// it has none. Slices keep their generated names as they are refilled.
// K8S: pkg/controller/endpointslice/reconciler.go, staging/src/k8s.io/endpointslice/utils.go
// (podToEndpoint: ready = Ready and not terminating, serving = Ready, terminating)
// DEVIATION: every sync repacks the slices in IP order; upstream's reconciler moves as few
// endpoints between slices as it can, so which slice holds a pod may differ.
fn write_slices(
    c: &mut Controllers,
    state: &mut ClusterState,
    service: &StoredObject,
    endpoints: &[Endpoint],
    publish: bool,
    now: SimTime,
) {
    let key = (
        "Service".to_string(),
        service.namespace.clone(),
        service.name.clone(),
    );
    let mut groups: BTreeMap<&[ResolvedPort], Vec<&Endpoint>> = BTreeMap::new();
    for endpoint in endpoints {
        groups.entry(&endpoint.ports).or_default().push(endpoint);
    }
    let mut bodies = Vec::new();
    for (ports, members) in &groups {
        for chunk in members.chunks(MAX_ENDPOINTS_PER_SLICE) {
            let ports: Vec<Value> = ports
                .iter()
                .map(|(name, port, protocol)| {
                    json!({"name": name, "port": port, "protocol": protocol})
                })
                .collect();
            let endpoints: Vec<Value> = chunk.iter().map(|e| slice_endpoint(e, publish)).collect();
            bodies.push((json!(endpoints), json!(ports)));
        }
    }
    if bodies.is_empty() {
        bodies.push((Value::Null, Value::Null));
    }
    let names = c.services.slices.entry(key.clone()).or_default();
    while names.len() < bodies.len() {
        let prefix = names::pods_generate_name_prefix(&service.name);
        let name = loop {
            let candidate = names::generate_name(&prefix, &mut c.slice_rng);
            let taken = (
                "EndpointSlice".to_string(),
                key.1.clone(),
                candidate.clone(),
            );
            if !state.objects.contains_key(&taken) {
                break candidate;
            }
        };
        names.push(name);
    }
    for stale in names.split_off(bodies.len()) {
        state
            .objects
            .remove(&("EndpointSlice".to_string(), key.1.clone(), stale));
    }
    let names = names.clone();
    let owner = workload::owner_reference(service);
    let mut labels = service.labels();
    labels.insert(SERVICE_NAME_LABEL.to_string(), service.name.clone());
    labels.insert(MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string());
    for (name, (endpoints, ports)) in names.iter().zip(bodies) {
        let body = json!({
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": name,
                "generateName": names::pods_generate_name_prefix(&service.name),
                "namespace": service.namespace,
                "labels": labels,
                "ownerReferences": [{
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": owner.name,
                    "uid": owner.uid,
                    "controller": true,
                    "blockOwnerDeletion": true,
                }],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": ports,
        });
        let slice_key = ("Service".to_string(), key.1.clone(), name.clone());
        put(
            state,
            "EndpointSlice",
            "discovery.k8s.io/v1",
            &slice_key,
            body,
            now,
        );
    }
}

/// One endpoint of a slice.
fn slice_endpoint(e: &Endpoint, publish: bool) -> Value {
    let serving = e.ready || publish;
    let mut endpoint = json!({
        "addresses": [e.ip],
        "conditions": {
            "ready": serving && !e.terminating,
            "serving": serving,
            "terminating": e.terminating,
        },
        "targetRef": e.target,
    });
    if let Some(node) = &e.node {
        endpoint["nodeName"] = json!(node);
    }
    endpoint
}

/// Stores `body` as the object `kind` named like `key`, created now or updated in place.
fn put(
    state: &mut ClusterState,
    kind: &str,
    api_version: &str,
    key: &Key,
    body: Value,
    now: SimTime,
) {
    let object_key = (kind.to_string(), key.1.clone(), key.2.clone());
    match state.objects.get_mut(&object_key) {
        Some(object) => object.body = body,
        None => {
            state.objects.insert(
                object_key,
                StoredObject {
                    kind: kind.into(),
                    api_version: api_version.into(),
                    namespace: key.1.clone(),
                    name: key.2.clone(),
                    creation: now,
                    body,
                },
            );
        }
    }
}

/// The generator of slice names: its own stream, so Services do not shift the names of the
/// pods that the other controllers draw.
pub fn slice_names(streams: crate::engine::RngStreams) -> StreamRng {
    streams.stream("endpointslice-controller")
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
                    list.push(format!("{ip}:{}", port["port"]));
                }
            }
        }
    }
    more(list, count, "<none>")
}

/// `kubectl get endpointslices`' PORTS and ENDPOINTS columns.
// K8S: pkg/printers/internalversion/printers.go (printEndpointSlice, formatDiscoveryPorts,
// formatDiscoveryEndpoints)
pub fn slice_columns(body: &Value) -> (String, String) {
    let ports: Vec<String> = body["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["port"].to_string())
        .collect();
    let ports = if ports.is_empty() {
        "<unset>".to_string()
    } else {
        ports.join(",")
    };
    let mut list = Vec::new();
    let mut count = 0;
    for endpoint in body["endpoints"].as_array().into_iter().flatten() {
        for address in endpoint["addresses"].as_array().into_iter().flatten() {
            count += 1;
            if list.len() < 3 {
                list.push(address.as_str().unwrap_or_default().to_string());
            }
        }
    }
    (ports, more(list, count, "<unset>"))
}

/// Three items joined, then `+ N more...`.
fn more(list: Vec<String>, count: usize, empty: &str) -> String {
    match count {
        0 => empty.to_string(),
        n if n > 3 => format!("{} + {} more...", list.join(","), n - 3),
        _ => list.join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(ip: &str, ready: bool, terminating: bool) -> Endpoint {
        Endpoint {
            ip: ip.to_string(),
            node: Some("node01".to_string()),
            target: json!({"kind": "Pod", "name": ip}),
            ready,
            terminating,
            ports: vec![("http".to_string(), 8080, "TCP".to_string())],
        }
    }

    fn service() -> StoredObject {
        StoredObject {
            kind: "Service".into(),
            api_version: "v1".into(),
            namespace: "default".into(),
            name: "web".into(),
            creation: SimTime::ZERO,
            body: json!({"metadata": {"name": "web", "labels": {"app": "web"}}}),
        }
    }

    #[test]
    fn endpoints_leave_out_terminating_pods_and_split_ready_from_unready() {
        let endpoints = [
            endpoint("10.244.1.2", true, false),
            endpoint("10.244.1.3", false, false),
            endpoint("10.244.1.4", false, true),
        ];
        let body = endpoints_object(&service(), &endpoints, false);
        let subset = &body["subsets"][0];
        assert_eq!(subset["addresses"][0]["ip"], "10.244.1.2");
        assert_eq!(subset["notReadyAddresses"][0]["ip"], "10.244.1.3");
        assert_eq!(subset["notReadyAddresses"].as_array().unwrap().len(), 1);
        assert_eq!(
            subset["ports"],
            json!([{"name": "http", "port": 8080, "protocol": "TCP"}])
        );
        assert_eq!(column(&body), "10.244.1.2:8080");
    }

    #[test]
    fn endpoints_stop_at_a_thousand_addresses_ready_ones_first() {
        let mut endpoints: Vec<Endpoint> = (0..1001)
            .map(|i| endpoint(&format!("10.0.{}.{}", i / 250, i % 250), false, false))
            .collect();
        endpoints.push(endpoint("10.9.9.9", true, false));
        let body = endpoints_object(&service(), &endpoints, false);
        assert_eq!(body["metadata"]["annotations"][OVER_CAPACITY], "truncated");
        let subset = &body["subsets"][0];
        assert_eq!(subset["addresses"][0]["ip"], "10.9.9.9");
        assert_eq!(subset["notReadyAddresses"].as_array().unwrap().len(), 999);
    }

    #[test]
    fn a_terminating_ready_pod_serves_but_is_not_ready_in_its_slice() {
        let slice = slice_endpoint(&endpoint("10.244.1.4", true, true), false);
        assert_eq!(
            slice["conditions"],
            json!({"ready": false, "serving": true, "terminating": true})
        );
        assert_eq!(slice["addresses"], json!(["10.244.1.4"]));
    }

    #[test]
    fn slice_columns_count_every_address() {
        let body = json!({
            "ports": [{"port": 80}, {"port": 443}],
            "endpoints": (1..=5).map(|i| json!({"addresses": [format!("10.0.0.{i}")]})).collect::<Vec<_>>(),
        });
        assert_eq!(
            slice_columns(&body),
            (
                "80,443".to_string(),
                "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...".to_string()
            )
        );
        let empty = json!({"endpoints": null, "ports": null});
        assert_eq!(
            slice_columns(&empty),
            ("<unset>".to_string(), "<unset>".to_string())
        );
    }
}
