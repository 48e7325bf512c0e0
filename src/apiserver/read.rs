//! get and list: the stored objects as the API returns them, for `kubesim get -o json|yaml`
//! and for `kubesim serve`.

use serde_json::Value;

use super::tables::{listed_events, ListFilter};
use std::collections::BTreeMap;

use crate::engine::SimTime;
use crate::manifest::render::{self, NODE_LEASE_NAMESPACE};
use crate::model::cluster::namespace_labels;
use crate::model::ClusterState;

/// The objects of `kind` that `filter` selects, with their names, in the order the API lists
/// them (by namespace and name; nodes by name).
pub fn objects(
    state: &ClusterState,
    kind: &str,
    now: SimTime,
    filter: &ListFilter<'_>,
) -> Vec<(String, Value)> {
    match kind {
        "Pod" => state
            .pods_by_name()
            .map(|(_, pod)| pod)
            .filter(|pod| filter.wants(&pod.meta.namespace, &pod.meta.name, &pod.meta.labels))
            .map(|pod| (pod.meta.name.clone(), render::pod(pod)))
            .collect(),
        "Node" => {
            let mut nodes: Vec<_> = state
                .nodes()
                .iter()
                .filter(|node| filter.wants("", &node.meta.name, &node.meta.labels))
                .map(|node| (node.meta.name.clone(), render::node(node)))
                .collect();
            nodes.sort_by(|a, b| a.0.cmp(&b.0));
            nodes
        }
        "Namespace" => state
            .namespaces
            .iter()
            .filter(|(name, _)| filter.wants("", name, &namespace_labels(name)))
            .map(|(name, created)| (name.clone(), render::namespace(name, *created)))
            .collect(),
        "Event" => listed_events(state, filter)
            .into_iter()
            .map(|(name, event)| {
                let mut body = render::event(name, event);
                if let Some(uid) = involved_uid(state, &event.involved) {
                    body["involvedObject"]["uid"] = Value::String(uid);
                }
                (name.to_string(), body)
            })
            .collect(),
        "Lease" => {
            let mut leases = stored(state, kind, filter);
            let no_labels = BTreeMap::new();
            let nodes = state.nodes().iter();
            let nodes =
                nodes.filter(|n| filter.wants(NODE_LEASE_NAMESPACE, &n.meta.name, &no_labels));
            leases.extend(nodes.map(|n| (n.meta.name.clone(), render::node_lease(n, now))));
            let key = |(name, lease): &(String, Value)| {
                (
                    lease["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    name.clone(),
                )
            };
            leases.sort_by_key(key);
            leases
        }
        kind => stored(state, kind, filter),
    }
}

/// The stored objects of `kind`, with the API's defaults.
fn stored(state: &ClusterState, kind: &str, filter: &ListFilter<'_>) -> Vec<(String, Value)> {
    state
        .objects
        .iter()
        .filter(|((k, ns, name), object)| k == kind && filter.wants(ns, name, &object.labels()))
        .map(|((_, _, name), object)| {
            let mut body = render::stored(object);
            super::defaults::stored(kind, &mut body);
            (name.clone(), body)
        })
        .collect()
}

/// The uid of the object an event is about, while it exists: what `kubectl describe` selects
/// the object's events by (`involvedObject.uid=...`).
// DEVIATION: an event outliving its object has no uid (upstream keeps the one it was
// recorded with).
fn involved_uid(state: &ClusterState, involved: &crate::model::ObjectRef) -> Option<String> {
    let uid = match involved.kind {
        "Pod" => {
            let id = state.pod_id(&involved.namespace, &involved.name)?;
            state.pod(id)?.meta.uid.clone()
        }
        "Node" => state.node(&involved.name)?.meta.uid.clone(),
        kind => {
            let key = (
                kind.to_string(),
                involved.namespace.clone(),
                involved.name.clone(),
            );
            let object = state.objects.get(&key)?;
            object.body.pointer("/metadata/uid")?.as_str()?.to_string()
        }
    };
    (!uid.is_empty()).then_some(uid)
}
