//! Reading and writing workload objects kept as their API JSON: typed views of what a
//! controller reads, and the status it writes back.

use serde_json::{json, Value};

use crate::engine::{SimDuration, SimTime};
use crate::model::cluster::StoredObject;
use crate::model::{OwnerReference, Pod, PodPhase};

/// Whether a pod counts as active (not finished, not being deleted) and, if so, as ready.
// K8S: pkg/controller/controller_utils.go (IsPodActive), pkg/api/v1/pod/util.go (IsPodReady)
pub fn active_and_ready(pod: &Pod) -> (bool, bool) {
    let active = pod.meta.deletion.is_none()
        && !matches!(pod.status.phase, PodPhase::Succeeded | PodPhase::Failed);
    let ready = active
        && pod
            .status
            .condition("Ready")
            .is_some_and(|c| c.status == "True");
    (active, ready)
}

/// How many of `pods` are available at `now` (ready for longer than `min_ready`), and when
/// the controller must look again for the first of the others that will be: upstream requeues
/// a workload `minReadySeconds` + 1 s after one of its pods turns ready.
// K8S: pkg/api/v1/pod/util.go (IsPodAvailable: the Ready transition time, whole seconds as the
// API stores it, plus minReadySeconds, strictly before now), replica_set.go (updatePod)
pub fn available<'a>(
    pods: impl Iterator<Item = &'a Pod>,
    min_ready: SimDuration,
    now: SimTime,
) -> (i32, Option<SimTime>) {
    let mut available = 0;
    let mut next: Option<SimTime> = None;
    for pod in pods.filter(|p| active_and_ready(p).1) {
        let Some(ready) = pod.status.condition("Ready") else {
            continue;
        };
        let stored = SimTime::from_millis(ready.last_transition.as_millis() / 1000 * 1000);
        if stored + min_ready < now {
            available += 1;
        } else {
            let at = ready.last_transition + min_ready + SimDuration::from_secs(1);
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    (available, next)
}

/// The stored object at `key` and its typed API view, for a controller's sync (none when it
/// is gone or does not read as `T`).
pub fn load<T: serde::de::DeserializeOwned>(
    state: &crate::model::ClusterState,
    key: &super::Key,
) -> Option<(StoredObject, T)> {
    let object = state.objects.get(key)?.clone();
    let typed = serde_json::from_value(object.body.clone()).ok()?;
    Some((object, typed))
}

/// The object's `metadata.uid`.
pub fn uid(object: &StoredObject) -> String {
    object
        .body
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The object's `metadata.generation` (1 when unset).
pub fn generation(object: &StoredObject) -> i64 {
    object
        .body
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// A controller reference to `object`, for what it creates.
pub fn owner_reference(object: &StoredObject) -> OwnerReference {
    OwnerReference {
        api_version: object.api_version.clone(),
        kind: object.kind.clone(),
        name: object.name.clone(),
        uid: uid(object),
    }
}

/// The controller reference (`controller: true`) in the object's own metadata, if any.
fn controller_ref(object: &StoredObject) -> Option<&Value> {
    let refs = object
        .body
        .pointer("/metadata/ownerReferences")?
        .as_array()?;
    refs.iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

/// The object's controller, as (kind, name).
pub fn owner_of(object: &StoredObject) -> Option<(String, String)> {
    let owner = controller_ref(object)?;
    Some((
        owner.get("kind")?.as_str()?.to_string(),
        owner.get("name")?.as_str()?.to_string(),
    ))
}

/// The uid of the object's controller.
pub fn controller_uid(object: &StoredObject) -> Option<&str> {
    controller_ref(object)?.get("uid")?.as_str()
}

/// Writes `status` if it differs; says whether it did.
pub fn set_status(object: &mut StoredObject, status: Value) -> bool {
    if object.body.get("status") == Some(&status) {
        return false;
    }
    object.body["status"] = status;
    true
}

/// A JSON object holding only the entries whose value is not zero: the API server's JSON
/// omits zero counts (`omitempty`).
pub fn counts(pairs: &[(&str, i64)]) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in pairs {
        if *value != 0 {
            map.insert((*key).to_string(), json!(value));
        }
    }
    Value::Object(map)
}
