//! get and list: the stored objects as the API returns them, for `kubesim get -o json|yaml`
//! and for `kubesim serve`.

use serde_json::Value;

use super::tables::{listed_events, ListFilter};
use crate::manifest::render;
use crate::model::cluster::namespace_labels;
use crate::model::ClusterState;

/// The objects of `kind` that `filter` selects, with their names, in the order the API lists
/// them (by namespace and name; nodes by name).
pub fn objects(state: &ClusterState, kind: &str, filter: &ListFilter<'_>) -> Vec<(String, Value)> {
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
        kind => state
            .objects
            .iter()
            .filter(|((k, ns, name), object)| k == kind && filter.wants(ns, name, &object.labels()))
            .map(|((_, _, name), object)| {
                let mut body = render::stored(object);
                super::defaults::stored(kind, &mut body);
                (name.clone(), body)
            })
            .collect(),
    }
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
