//! The API's requests on one object, as the HTTP verbs kube-apiserver serves them: GET, POST
//! (create), PUT (update) and PATCH. Each answers with the object as JSON or a [`Status`]; the
//! writes go through an [`ApiServer`], whose effects the caller fans out.

use serde_json::{json, Value};

use super::admission;
use super::patch::{self, PatchType};
use super::resources::Resource;
use super::server::ApiServer;
use super::status::Status;
use crate::engine::SimTime;
use crate::manifest::yaml::Located;
use crate::manifest::{Manifest, Object};
use crate::model::ClusterState;

/// The answer to a write: the object as stored afterwards, and whether the write changed it
/// (what kubectl's `patched (no change)` and `Edit cancelled` go by).
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub object: Value,
    pub changed: bool,
}

/// GET `resource` `name` in `namespace` ("" for cluster-scoped kinds): a pod or a node as
/// `kubectl get -o json` shows it, another object as stored (the body an update replaces).
pub fn get(
    state: &ClusterState,
    resource: &Resource,
    namespace: &str,
    name: &str,
) -> Result<Value, Status> {
    let not_found = || Status::not_found(&resource.group_resource(), name);
    match resource.kind {
        "Pod" => {
            let id = state.pod_id(namespace, name).ok_or_else(not_found)?;
            let pod = state.pod(id).ok_or_else(not_found)?;
            return Ok(crate::manifest::render::pod(pod));
        }
        "Node" => {
            let node = state.node(name).ok_or_else(not_found)?;
            return Ok(crate::manifest::render::node(node));
        }
        "Namespace" => {
            let created = state.namespaces.get(name).ok_or_else(not_found)?;
            return Ok(crate::manifest::render::namespace(name, *created));
        }
        _ => {}
    }
    let key = stored_key(resource, namespace, name);
    Ok(state.objects.get(&key).ok_or_else(not_found)?.body.clone())
}

/// POST to `namespace` (the URL's; "" for cluster-scoped kinds): `object`, as a client sends
/// it, is decoded, defaulted, validated and admitted as a manifest is, then stored. Answers with
/// the stored object.
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go (createHandler)
pub fn create(
    api: &mut ApiServer<'_>,
    namespace: &str,
    object: &Value,
    now: SimTime,
) -> Result<Value, Status> {
    let mut object = object.clone();
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let namespaced = super::resources::by_kind(&kind).is_some_and(|r| r.namespaced);
    if namespaced {
        match object["metadata"]["namespace"].as_str() {
            None => object["metadata"]["namespace"] = json!(namespace),
            // K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go
            // (EnsureObjectNamespaceMatchesRequestNamespace)
            Some(given) if given != namespace => {
                return Err(Status::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ))
            }
            Some(_) => {}
        }
    }
    let manifest = decode(&object, &kind, &name)?;
    let (_, target) = admission::put(api, &manifest, true, now)?;
    get(api.state, target.resource, &target.namespace, &target.name)
}

/// The one object a request carries, decoded as a manifest is; the error is the API server's.
fn decode(object: &Value, kind: &str, name: &str) -> Result<Manifest, Status> {
    let mut loaded = Vec::new();
    let origin = format!("{kind}/{name}");
    crate::manifest::load_value(object, &Located::nowhere(), &origin, &[], &mut loaded).map_err(
        |e| match e.invalid {
            true => {
                let text = e.kubectl_text();
                let message = text.strip_prefix("The ").unwrap_or(&text);
                Status::invalid_text(kind, name, message)
            }
            // DEVIATION: a decoding error's reason is kubesim's decoder's, after the API
            // server's first words.
            false => Status::invalid(kind, name, &e.message),
        },
    )?;
    match loaded.len() {
        1 => Ok(loaded.remove(0)),
        _ => Err(Status::bad_request("a request carries one object")),
    }
}

/// PUT: `object` becomes the new version of the object, validated as a created object is.
/// Status is the controllers' and kubelets', so the one given is ignored; the server-set
/// metadata stays. A running pod may change only where the API server lets it (its images).
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/update.go (UpdateResource)
pub fn update(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
    object: &Value,
) -> Result<Written, Status> {
    let mut next = object.clone();
    if let Some(map) = next.as_object_mut() {
        map.remove("status");
    }
    check_name(&next, name)?;
    if next["kind"] != resource.kind {
        // DEVIATION: upstream's decoder refuses an object of another kind with its own words.
        return Err(Status::bad_request(format!(
            "the kind of the object ({}) is not {}",
            next["kind"].as_str().unwrap_or_default(),
            resource.kind
        )));
    }
    let stored_node = bound_node(api.state, resource, namespace, name);
    if let (Some(node), Some(spec)) = (stored_node, next["spec"].as_object_mut()) {
        // The node the scheduler bound the pod to is the pod's, not the user's, in kubesim's
        // model: the same nodeName sent back is no change.
        if spec.get("nodeName").and_then(Value::as_str) == Some(node.as_str()) {
            spec.remove("nodeName");
        }
    }
    let manifest = decode(&next, resource.kind, name)?;
    let not_found = || Status::not_found(&resource.group_resource(), name);
    let changed = match manifest.object {
        Object::Pod(given) => {
            let id = api.state.pod_id(namespace, name).ok_or_else(not_found)?;
            let changed = admission::update_pod(api, id, &given.spec)?;
            let pod = api.state.pod_mut(id).expect("indexed pods exist");
            let labels = given.metadata.labels.unwrap_or_default();
            let annotations = given.metadata.annotations.unwrap_or_default();
            let relabelled = pod.meta.labels != labels || pod.meta.annotations != annotations;
            pod.meta.labels = labels;
            pod.meta.annotations = annotations;
            changed || relabelled
        }
        Object::Stored(given) => {
            let key = stored_key(resource, namespace, name);
            let existing = api.state.objects.get_mut(&key).ok_or_else(not_found)?;
            let changed = admission::update_stored(existing, &given.body);
            if changed {
                api.emit(super::Effect::ObjectUpdated(key.0, key.1, key.2));
            }
            changed
        }
        // What a user changes on a Node: labels, annotations, `spec.unschedulable` (cordon)
        // and `spec.taints`; its status and addresses are the kubelet's.
        // K8S: pkg/registry/core/node/strategy.go (PrepareForUpdate keeps the status)
        Object::Node(given) => {
            let node = api.state.node_mut(name).ok_or_else(not_found)?;
            let taints = |n: &crate::model::Node| {
                n.taints
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone(), t.effect))
                    .collect::<Vec<_>>()
            };
            let changed = node.meta.labels != given.meta.labels
                || node.meta.annotations != given.meta.annotations
                || node.unschedulable != given.unschedulable
                || taints(node) != taints(&given);
            if changed {
                node.meta.labels = given.meta.labels.clone();
                node.meta.annotations = given.meta.annotations.clone();
                node.unschedulable = given.unschedulable;
                let kept = std::mem::take(&mut node.taints);
                // A taint kept keeps the instant the node lifecycle controller added it.
                node.taints = given
                    .taints
                    .iter()
                    .map(|t| {
                        let same = |k: &&crate::model::node::Taint| {
                            (&k.key, &k.value, k.effect) == (&t.key, &t.value, t.effect)
                        };
                        kept.iter().find(same).cloned().unwrap_or_else(|| t.clone())
                    })
                    .collect();
                api.emit(super::Effect::NodeUpdated(name.to_string()));
            }
            changed
        }
        // DEVIATION: Namespaces change through kubesim's own paths, not by update.
        _ => {
            return Err(Status::method_not_allowed(format!(
                "kubesim does not update {} objects",
                resource.kind
            )))
        }
    };
    let object = get(api.state, resource, namespace, name)?;
    Ok(Written { object, changed })
}

/// An object sent to the URL of `name` must be named so.
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go (checkName)
pub(super) fn check_name(object: &Value, name: &str) -> Result<(), Status> {
    let given = object["metadata"]["name"].as_str().unwrap_or_default();
    match given == name {
        true => Ok(()),
        false => Err(Status::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        ))),
    }
}

/// PATCH with a body of `patch_type`: the patched object is stored as by [`update`].
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (PatchResource)
pub fn patch(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
    patch: &Value,
    patch_type: PatchType,
) -> Result<Written, Status> {
    let live = get(api.state, resource, namespace, name)?;
    let next = patch::apply(&live, patch, patch_type)?;
    update(api, resource, namespace, name, &next)
}

/// The workloads with a `scale` subresource.
// DEVIATION: only Deployments and ReplicaSets have it (upstream: StatefulSets and
// ReplicationControllers too); the Scale's status.selector is left out.
const SCALABLE: &[&str] = &["Deployment", "ReplicaSet"];

/// GET of the `scale` subresource: the workload's `Scale`.
// K8S: pkg/registry/apps/deployment/storage/storage.go (ScaleREST.Get)
pub fn get_scale(
    state: &ClusterState,
    resource: &Resource,
    namespace: &str,
    name: &str,
) -> Result<Value, Status> {
    scalable(resource)?;
    let key = stored_key(resource, namespace, name);
    let object = state.objects.get(&key);
    let object = object.ok_or_else(|| Status::not_found(&resource.group_resource(), name))?;
    Ok(scale_of(object, namespace, name))
}

/// PUT of the `scale` subresource: the workload's `spec.replicas` becomes `replicas` (its
/// generation moves when that changes it). Answers with the `Scale` object.
// K8S: pkg/registry/apps/deployment/storage/storage.go (ScaleREST.Update)
pub fn scale(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
    replicas: i64,
) -> Result<Value, Status> {
    scalable(resource)?;
    let key = stored_key(resource, namespace, name);
    let not_found = || Status::not_found(&resource.group_resource(), name);
    let object = api.state.objects.get_mut(&key).ok_or_else(not_found)?;
    if object.body["spec"]["replicas"] != replicas {
        object.body["spec"]["replicas"] = json!(replicas);
        crate::controllers::deployment::bump_generation(object);
    }
    let scale = scale_of(object, namespace, name);
    api.emit(super::Effect::ObjectUpdated(key.0, key.1, key.2));
    Ok(scale)
}

fn scalable(resource: &Resource) -> Result<(), Status> {
    match SCALABLE.contains(&resource.kind) {
        true => Ok(()),
        false => Err(Status::method_not_allowed(format!(
            "kubesim scales deployments and replicasets, not {}",
            resource.plural
        ))),
    }
}

/// A workload's `Scale`: its desired replicas and the ones it has.
// K8S: staging/src/k8s.io/api/autoscaling/v1/types.go (Scale)
fn scale_of(object: &crate::model::cluster::StoredObject, namespace: &str, name: &str) -> Value {
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": object.body["metadata"]["uid"],
        },
        "spec": {"replicas": object.body["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": object.body["status"]["replicas"].as_i64().unwrap_or(0)},
    })
}

/// What a DELETE does to the objects the deleted one owns (`propagationPolicy`).
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (DeletionPropagation)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// The owner goes at once; the garbage collector deletes what it owned (kubectl's default).
    #[default]
    Background,
    /// What it owned goes first.
    Foreground,
    /// What it owned stays, without an owner.
    Orphan,
}

/// DELETE of an object other than a pod (a pod's graceful deletion involves its kubelet, which
/// the simulation drives): it leaves the store at once. Answers with the object as it was.
/// What it owns is the garbage collector's to delete.
// K8S: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Delete, with no
// finalizers: the object is removed and returned)
pub fn delete(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
) -> Result<Value, Status> {
    if matches!(resource.kind, "Pod" | "Node") {
        return Err(Status::method_not_allowed(format!(
            "kubesim deletes {} through the simulation",
            resource.plural
        )));
    }
    if resource.kind == "Namespace" {
        // DEVIATION: namespaces are not deleted (upstream's namespace controller would delete
        // everything in one, then the namespace).
        return Err(Status::method_not_allowed(
            "kubesim does not delete namespaces yet",
        ));
    }
    let key = stored_key(resource, namespace, name);
    let not_found = || Status::not_found(&resource.group_resource(), name);
    let object = api.state.objects.remove(&key).ok_or_else(not_found)?;
    super::quota::refresh(api.state, namespace);
    api.emit(super::Effect::ObjectDeleted(key.0, key.1, key.2));
    Ok(object.body)
}

/// The node a stored pod was bound to by the scheduler (rather than named by its spec).
fn bound_node(
    state: &ClusterState,
    resource: &Resource,
    namespace: &str,
    name: &str,
) -> Option<String> {
    if resource.kind != "Pod" {
        return None;
    }
    let pod = state.pod(state.pod_id(namespace, name)?)?;
    pod.spec
        .api
        .node_name
        .is_none()
        .then(|| pod.node_name.clone())?
}

/// The key of a stored (not natively modelled) object: its kind, namespace and name.
pub(super) fn stored_key(
    resource: &Resource,
    namespace: &str,
    name: &str,
) -> (String, String, String) {
    (
        resource.kind.to_string(),
        namespace.to_string(),
        name.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apiserver::{resources, Effect};
    use crate::engine::SimTime;

    /// A Deployment `web` and a pod `solo`, stored as `kubectl apply` stores them.
    fn cluster() -> ClusterState {
        let mut state = ClusterState::new();
        let mut api = ApiServer::new(&mut state);
        let objects = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}},
                                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
                   "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}),
        ];
        for object in objects {
            let mut loaded = Vec::new();
            crate::manifest::load_value(&object, &Located::nowhere(), "t.yaml", &[], &mut loaded)
                .unwrap();
            admission::apply(&mut api, &loaded[0], false, SimTime::ZERO);
        }
        state
    }

    fn deployments() -> &'static Resource {
        resources::of_kind("Deployment")
    }

    #[test]
    fn a_create_answers_with_the_stored_object_or_the_reason_it_was_refused() {
        let mut state = cluster();
        let mut api = ApiServer::new(&mut state);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                         "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
        let created = create(&mut api, "default", &pod, SimTime::ZERO).unwrap();
        assert_eq!(created["metadata"]["namespace"], "default");
        assert!(created["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty()));
        assert_eq!(created["status"]["phase"], "Pending");
        let again = create(&mut api, "default", &pod, SimTime::ZERO).unwrap_err();
        assert_eq!(
            (again.code, again.message.as_str()),
            (409, "pods \"p\" already exists")
        );
        let elsewhere = create(&mut api, "kube-system", &created, SimTime::ZERO).unwrap_err();
        assert_eq!(
            elsewhere.kubectl(None),
            "Error from server (BadRequest): the namespace of the provided object does not match the namespace sent on the request"
        );
        let nameless = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"},
                              "spec": {"containers": [{"name": "c"}]}});
        let invalid = create(&mut api, "default", &nameless, SimTime::ZERO).unwrap_err();
        assert_eq!((invalid.code, invalid.reason), (422, "Invalid"));
        assert!(invalid
            .kubectl(None)
            .starts_with("The Pod \"q\" is invalid: spec.containers[0].image: Required value"));
        let team = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
        let namespace = create(&mut api, "", &team, SimTime::ZERO).unwrap();
        assert_eq!(namespace["status"]["phase"], "Active");
        let taken = create(&mut api, "", &team, SimTime::ZERO).unwrap_err();
        assert_eq!(
            taken.kubectl(None),
            "Error from server (AlreadyExists): namespaces \"team\" already exists"
        );
        let id = api.state.pod_id("default", "p").unwrap();
        assert_eq!(
            api.into_effects(),
            vec![
                Effect::PodCreated(id),
                Effect::NamespaceCreated("team".into())
            ]
        );
    }

    #[test]
    fn scale_sets_the_replicas_and_answers_with_a_scale_object() {
        let mut state = cluster();
        let mut api = ApiServer::new(&mut state);
        let answer = scale(&mut api, deployments(), "default", "web", 5).unwrap();
        assert_eq!(answer["kind"], "Scale");
        assert_eq!(answer["apiVersion"], "autoscaling/v1");
        assert_eq!(answer["spec"]["replicas"], 5);
        let stored = get(api.state, deployments(), "default", "web").unwrap();
        assert_eq!(stored["spec"]["replicas"], 5);
        assert_eq!(stored["metadata"]["generation"], 2);
        scale(&mut api, deployments(), "default", "web", 5).unwrap();
        let stored = get(api.state, deployments(), "default", "web").unwrap();
        assert_eq!(stored["metadata"]["generation"], 2);
        let missing = scale(&mut api, deployments(), "default", "api", 1).unwrap_err();
        assert_eq!(missing.message, "deployments.apps \"api\" not found");
        let pods = resources::of_kind("Pod");
        assert_eq!(
            scale(&mut api, pods, "default", "solo", 1)
                .unwrap_err()
                .code,
            405
        );
    }

    #[test]
    fn a_delete_answers_with_the_object_it_removed() {
        let mut state = cluster();
        let mut api = ApiServer::new(&mut state);
        let gone = delete(&mut api, deployments(), "default", "web").unwrap();
        assert_eq!(gone["metadata"]["name"], "web");
        let again = delete(&mut api, deployments(), "default", "web").unwrap_err();
        assert_eq!(
            again.kubectl(None),
            "Error from server (NotFound): deployments.apps \"web\" not found"
        );
        let pods = resources::of_kind("Pod");
        assert_eq!(
            delete(&mut api, pods, "default", "solo").unwrap_err().code,
            405
        );
        assert_eq!(
            api.into_effects(),
            vec![Effect::ObjectDeleted(
                "Deployment".into(),
                "default".into(),
                "web".into()
            )]
        );
    }

    #[test]
    fn a_missing_object_is_a_404_naming_its_resource() {
        let state = cluster();
        let err = get(&state, deployments(), "default", "api").unwrap_err();
        assert_eq!((err.code, err.reason), (404, "NotFound"));
        assert_eq!(err.message, "deployments.apps \"api\" not found");
        let pods = resources::of_kind("Pod");
        assert_eq!(
            get(&state, pods, "default", "solo").unwrap()["metadata"]["name"],
            "solo"
        );
    }

    #[test]
    fn a_patch_answers_with_the_stored_object_and_tells_the_controllers() {
        let mut state = cluster();
        let mut api = ApiServer::new(&mut state);
        let patch = json!({"spec": {"replicas": 3}});
        let three = |api: &mut ApiServer<'_>| {
            super::patch(
                api,
                deployments(),
                "default",
                "web",
                &patch,
                PatchType::Merge,
            )
            .unwrap()
        };
        let written = three(&mut api);
        assert!(written.changed);
        assert_eq!(written.object["spec"]["replicas"], 3);
        assert_eq!(written.object["metadata"]["generation"], 2);
        assert!(!three(&mut api).changed);
        let key = (
            "Deployment".to_string(),
            "default".to_string(),
            "web".to_string(),
        );
        assert_eq!(
            api.into_effects(),
            vec![Effect::ObjectUpdated(key.0, key.1, key.2)]
        );
    }

    #[test]
    fn an_update_under_another_name_is_a_bad_request() {
        let mut state = cluster();
        let mut api = ApiServer::new(&mut state);
        let mut object = get(api.state, deployments(), "default", "web").unwrap();
        object["metadata"]["name"] = json!("api");
        let err = update(&mut api, deployments(), "default", "web", &object).unwrap_err();
        assert_eq!(
            err.kubectl(None),
            "Error from server (BadRequest): the name of the object (api) does not match the name on the URL (web)"
        );
    }

    #[test]
    fn a_pod_update_beyond_its_images_is_invalid_and_its_node_sent_back_is_no_change() {
        let mut state = cluster();
        let id = state.pod_id("default", "solo").unwrap();
        state.pod_mut(id).unwrap().node_name = Some("node01".into());
        let pods = resources::of_kind("Pod");
        let mut api = ApiServer::new(&mut state);
        let mut object = get(api.state, pods, "default", "solo").unwrap();
        assert_eq!(object["spec"]["nodeName"], "node01");
        let unchanged = update(&mut api, pods, "default", "solo", &object).unwrap();
        assert!(!unchanged.changed);
        object["spec"]["containers"][0]["name"] = json!("d");
        let err = update(&mut api, pods, "default", "solo", &object).unwrap_err();
        assert_eq!((err.code, err.reason), (422, "Invalid"));
        assert!(err
            .kubectl(None)
            .starts_with("The Pod \"solo\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"));
    }
}
