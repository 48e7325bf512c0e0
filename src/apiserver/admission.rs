//! The API server's side of `kubectl apply/create` and of the pods the controllers and kubelets
//! post: admission (namespace, LimitRanger, priority class, ResourceQuota, uniqueness) and
//! storing the object; what changed goes out as [`Effect`]s for the components that care.

use std::sync::Arc;

use super::server::{ApiServer, Effect};
use super::status::Status;
use super::{limit_ranger, limits, quota};
use crate::engine::SimTime;
use crate::manifest::{Manifest, Object};
use crate::model::pod::PodStatus;
use crate::model::{ClusterState, ObjectMeta, Pod, PodId};

/// A request above its limit, which only a limit a LimitRange filled in can bring about here
/// (the manifest's own were checked when it was read).
// K8S: pkg/apis/core/validation/validation.go (ValidateContainerResourceRequirements)
// DEVIATION: only the first such container is named; upstream lists every one.
fn requests_over_limits(spec: &crate::model::PodSpec) -> Option<String> {
    let containers = spec.containers.iter().map(|c| ("containers", c));
    let init = spec.init_containers.iter().map(|c| ("initContainers", c));
    let mut index: std::collections::BTreeMap<&str, usize> = Default::default();
    for (list, c) in containers.chain(init) {
        let i = *index.entry(list).and_modify(|i| *i += 1).or_insert(0);
        for (name, request) in &c.resources.requests {
            if let Some(limit) = c.resources.limits.get(name).filter(|l| request > *l) {
                return Some(format!(
                    "spec.{list}[{i}].resources.requests: Invalid value: \"{request}\": must be less than or equal to {name} limit of {limit}"
                ));
            }
        }
    }
    None
}

/// The `spec.limits` of each LimitRange in the namespace, in name order.
fn limit_ranges(state: &ClusterState, namespace: &str) -> Vec<Vec<limit_ranger::Item>> {
    state
        .objects_in("LimitRange", namespace)
        .map(|object| limit_ranger::items(&object.body))
        .collect()
}

/// The annotation that marks a mirror pod (the API's copy of a static pod).
pub const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// A kubelet starts a pod from its static pod directory and posts its mirror pod, named
/// `<name>-<node>`, owned by the Node, with the config annotations.
// K8S: pkg/kubelet/config/common.go (applyDefaults: name suffix, config.source file),
// pkg/kubelet/pod/mirror_client.go (CreateMirrorPod: config.mirror, owner reference to the Node)
pub fn admit_static_pod(api: &mut ApiServer<'_>, node: &str, manifest: &Manifest, now: SimTime) {
    let Object::Pod(pod) = &manifest.object else {
        return;
    };
    let Some(node_object) = api.state.node(node) else {
        return;
    };
    let owner = crate::model::OwnerReference {
        api_version: "v1".into(),
        kind: "Node".into(),
        name: node.to_string(),
        uid: node_object.meta.uid.clone(),
    };
    let base = pod.metadata.name.clone().unwrap_or_default();
    let mut annotations = pod.metadata.annotations.clone().unwrap_or_default();
    let hash = format!(
        "{:08x}",
        crate::controllers::names::fnv1a_32(base.as_bytes())
    );
    for (key, value) in [
        ("kubernetes.io/config.hash", hash.clone()),
        (MIRROR_ANNOTATION, hash),
        (
            "kubernetes.io/config.seen",
            crate::model::time::rfc3339(now),
        ),
        ("kubernetes.io/config.source", "file".to_string()),
    ] {
        annotations.insert(key.to_string(), value);
    }
    let mut spec = pod.spec.clone();
    spec.api.node_name = Some(node.to_string());
    let meta = ObjectMeta {
        name: format!("{base}-{node}"),
        namespace: pod
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string()),
        labels: pod.metadata.labels.clone().unwrap_or_default(),
        annotations,
        owner: Some(owner),
        ..Default::default()
    };
    let _ = admit_pod(api, meta, Arc::new(spec), now);
}

/// A node joins the cluster (a Node applied, `simulate: node-add`): it gets its uid and the
/// next pod CIDR and IP, and the scheduler and the DaemonSet controller see it.
pub fn join_node(
    api: &mut ApiServer<'_>,
    mut node: crate::model::Node,
    now: SimTime,
) -> Result<(), Status> {
    let name = node.meta.name.clone();
    if api.state.nodes().len() >= limits::NODES {
        let why = format!("kubesim simulates at most {} nodes", limits::NODES);
        return Err(Status::forbidden("nodes", &name, why));
    }
    node.meta.uid = api.state.new_uid();
    node.meta.creation = now;
    node.assign_addresses(api.state.nodes_added());
    api.state.add_node(node);
    api.emit(Effect::NodeCreated(name));
    Ok(())
}

/// Admits a new pod (from a manifest or a controller): fills in its LimitRanges' defaults,
/// resolves its PriorityClass, checks it against the LimitRanges and quotas, stores it, and hands
/// it to its node's kubelet (when it names one) or to the scheduler. The error is the API
/// server's refusal.
// K8S: the admission order of kube-apiserver's default plugins: the mutating phase
// (LimitRanger, Priority), then the validating phase (LimitRanger, ResourceQuota last).
pub fn admit_pod(
    api: &mut ApiServer<'_>,
    mut meta: ObjectMeta,
    mut spec: Arc<crate::model::PodSpec>,
    now: SimTime,
) -> Result<PodId, Status> {
    // DEVIATION: a static pod's mirror skips LimitRanger and ResourceQuota: the kubelet runs the
    // file's spec whatever the API server answers, and here the mirror is that pod.
    let mirror = meta.annotations.contains_key(MIRROR_ANNOTATION);
    let ranges = if mirror {
        Vec::new()
    } else {
        limit_ranges(api.state, &meta.namespace)
    };
    for items in &ranges {
        if let Some(note) = limit_ranger::mutate(items, Arc::make_mut(&mut spec)) {
            meta.annotations
                .insert(limit_ranger::ANNOTATION.to_string(), note);
        }
    }
    // K8S: plugin/pkg/admission/priority (priorityClassName → spec.priority, preemptionPolicy)
    if let Some(class) = spec.priority_class_name.clone() {
        let Some((value, policy)) = api.state.priority_class(&class) else {
            return Err(Status::forbidden(
                "pods",
                &meta.name,
                format!("no PriorityClass with name {class} was found"),
            ));
        };
        let policy = policy.or_else(|| spec.api.preemption_policy.clone());
        if spec.priority != value || spec.api.preemption_policy != policy {
            let spec = Arc::make_mut(&mut spec);
            spec.priority = value;
            spec.api.priority = Some(value);
            spec.api.preemption_policy = policy;
        }
    }
    if api.state.pod_count() >= limits::PODS {
        return Err(Status::forbidden(
            "pods",
            &meta.name,
            format!("kubesim holds at most {} pods at once", limits::PODS),
        ));
    }
    if let Some(why) = requests_over_limits(&spec) {
        return Err(Status::invalid("Pod", &meta.name, why));
    }
    for items in &ranges {
        if let Some(why) = limit_ranger::validate(items, &spec) {
            return Err(Status::forbidden("pods", &meta.name, why));
        }
    }
    let quotas = quota::in_namespace(api.state, &meta.namespace);
    if !quotas.is_empty() && !mirror {
        let usage = quota::pod_usage(&spec, false);
        quota::admit(&quotas, &usage, Some(&spec))
            .map_err(|why| Status::forbidden("pods", &meta.name, why))?;
    }
    let qos = spec.qos_class();
    let user_node = spec.api.node_name.clone().filter(|n| !n.is_empty());
    meta.uid = api.state.new_uid();
    meta.creation = now;
    let namespace = meta.namespace.clone();
    let id = api.state.add_pod(Pod {
        meta,
        spec,
        node_name: user_node.clone(),
        status: PodStatus::new(qos),
    });
    if !quotas.is_empty() {
        quota::refresh(api.state, &namespace);
    }
    api.emit(Effect::PodCreated(id));
    Ok(id)
}

/// What storing a manifest's object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl Outcome {
    /// kubectl's word for it.
    pub fn verb(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// The object a manifest was stored as: its row in the resource table, namespace ("" for
/// cluster-scoped kinds) and name (generated, for a pod with `generateName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub resource: &'static super::resources::Resource,
    pub namespace: String,
    pub name: String,
}

/// `kubectl apply -f` (`create -f` when `create_only`) of one object. Returns kubectl's line.
pub fn apply(
    api: &mut ApiServer<'_>,
    manifest: &Manifest,
    create_only: bool,
    now: SimTime,
) -> String {
    match put(api, manifest, create_only, now) {
        Ok((outcome, target)) => format!(
            "{}/{} {}",
            target.resource.group_kind_name(),
            target.name,
            outcome.verb()
        ),
        // DEVIATION: kubectl names the file in every refusal of `apply/create -f`; kubesim's
        // lines name it for admission's refusals only (not for a missing namespace, a taken
        // name or the node limit).
        Err(status)
            if status.reason == "Forbidden" && !matches!(manifest.object, Object::Node(_)) =>
        {
            status.kubectl(Some(&manifest.file))
        }
        Err(status) => status.kubectl(None),
    }
}

/// Creates the manifest's object, or with `create_only` false updates the one of that name
/// (`kubectl apply`): the create that a POST asks for, and apply's update.
pub fn put(
    api: &mut ApiServer<'_>,
    manifest: &Manifest,
    create_only: bool,
    now: SimTime,
) -> Result<(Outcome, Target), Status> {
    let target = |kind: &str, namespace: &str, name: &str| Target {
        resource: super::resources::of_kind(kind),
        namespace: namespace.to_string(),
        name: name.to_string(),
    };
    match &manifest.object {
        Object::Pod(pod) => {
            let namespace = pod
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_string());
            let name = pod.metadata.name.clone().unwrap_or_else(|| {
                let prefix = pod.metadata.generate_name.clone().unwrap_or_default();
                format!("{prefix}{}", generated_suffix(api.state.new_uid()))
            });
            if !api.state.namespaces.contains_key(&namespace) {
                return Err(Status::not_found("namespaces", &namespace));
            }
            let pod_target = target("Pod", &namespace, &name);
            if let Some(id) = api.state.pod_id(&namespace, &name) {
                if create_only {
                    return Err(Status::already_exists("pods", &name));
                }
                return match update_pod(api, id, &pod.spec)? {
                    true => Ok((Outcome::Configured, pod_target)),
                    false => Ok((Outcome::Unchanged, pod_target)),
                };
            }
            for field in &pod.unsimulated {
                api.emit(Effect::UnsimulatedField {
                    field: field.clone(),
                    object: format!("pod/{name} at {}", manifest.origin),
                });
            }
            let meta = ObjectMeta {
                name: name.clone(),
                namespace,
                labels: pod.metadata.labels.clone().unwrap_or_default(),
                annotations: pod.metadata.annotations.clone().unwrap_or_default(),
                ..Default::default()
            };
            admit_pod(api, meta, Arc::new(pod.spec.clone()), now)?;
            Ok((Outcome::Created, pod_target))
        }
        Object::Node(node) => {
            let name = node.meta.name.clone();
            let node_target = target("Node", "", &name);
            if api.state.node(&name).is_some() {
                if create_only {
                    return Err(Status::already_exists("nodes", &name));
                }
                return Ok((Outcome::Unchanged, node_target));
            }
            join_node(api, node.as_ref().clone(), now)?;
            Ok((Outcome::Created, node_target))
        }
        Object::Namespace(name) => {
            let namespace_target = target("Namespace", "", name);
            if api.state.namespaces.contains_key(name) {
                if create_only {
                    return Err(Status::already_exists("namespaces", name));
                }
                return Ok((Outcome::Unchanged, namespace_target));
            }
            api.state.namespaces.insert(name.clone(), now);
            api.emit(Effect::NamespaceCreated(name.clone()));
            Ok((Outcome::Created, namespace_target))
        }
        Object::Stored(stored) => {
            let table = stored.resource();
            let namespace = if table.namespaced {
                stored
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "default".to_string())
            } else {
                String::new()
            };
            let key = (
                stored.kind.to_string(),
                namespace.clone(),
                stored.name.clone(),
            );
            let resource = table.group_kind_name();
            let stored_target = Target {
                resource: table,
                namespace: namespace.clone(),
                name: stored.name.clone(),
            };
            if let Some(existing) = api.state.objects.get_mut(&key) {
                if create_only {
                    return Err(Status::already_exists(
                        &table.group_resource(),
                        &stored.name,
                    ));
                }
                if !update_stored(existing, &stored.body) {
                    return Ok((Outcome::Unchanged, stored_target));
                }
                quota::refresh(api.state, &namespace);
                api.emit(Effect::ObjectUpdated(
                    stored.kind.to_string(),
                    namespace,
                    stored.name.clone(),
                ));
                return Ok((Outcome::Configured, stored_target));
            }
            let quotas = quota::in_namespace(api.state, &namespace);
            let usage = quota::object_usage(table, &stored.body);
            if let Err(why) = quota::admit(&quotas, &usage, None) {
                return Err(Status::forbidden(
                    &table.group_resource(),
                    &stored.name,
                    why,
                ));
            }
            // Kinds acted on: PriorityClasses, LimitRanges and ResourceQuotas (admission),
            // Deployments, ReplicaSets, Jobs, DaemonSets and Services.
            if !matches!(
                stored.kind,
                "PriorityClass"
                    | "LimitRange"
                    | "ResourceQuota"
                    | "Deployment"
                    | "ReplicaSet"
                    | "Job"
                    | "DaemonSet"
                    | "Service"
                    | "HorizontalPodAutoscaler"
            ) {
                api.emit(Effect::NotSimulated(format!(
                    "{resource}/{} ({})",
                    stored.name, manifest.origin
                )));
            }
            store_object(
                api,
                crate::model::cluster::StoredObject {
                    kind: stored.kind.to_string(),
                    api_version: stored.api_version.clone(),
                    namespace,
                    name: stored.name.clone(),
                    creation: now,
                    body: stored.body.clone(),
                },
                now,
            );
            Ok((Outcome::Created, stored_target))
        }
    }
}

/// Stores a new object with the metadata the API server sets (uid, generation), and tells the
/// controllers.
pub fn store_object(
    api: &mut ApiServer<'_>,
    mut object: crate::model::cluster::StoredObject,
    now: SimTime,
) {
    object.creation = now;
    if let Some(meta) = object
        .body
        .get_mut("metadata")
        .and_then(|m| m.as_object_mut())
    {
        meta.insert("uid".into(), api.state.new_uid().into());
        meta.entry("generation").or_insert(1.into());
    }
    if object.kind == "Service" {
        allocate_cluster_ip(api.state, &mut object.body);
    }
    let key = (
        object.kind.clone(),
        object.namespace.clone(),
        object.name.clone(),
    );
    api.state.objects.insert(key.clone(), object);
    quota::refresh(api.state, &key.1);
    api.emit(Effect::ObjectCreated(key.0, key.1, key.2));
}

/// Gives a Service without one a cluster IP from the default service range 10.96.0.0/12.
// K8S: pkg/registry/core/service/ipallocator (the kube-apiserver's --service-cluster-ip-range)
// DEVIATION: addresses are handed out in order from 10.96.0.10, not at random.
fn allocate_cluster_ip(state: &ClusterState, body: &mut serde_json::Value) {
    let spec = &body["spec"];
    let given = spec.get("clusterIP").and_then(serde_json::Value::as_str);
    let external = spec.get("type").and_then(serde_json::Value::as_str) == Some("ExternalName");
    if given.is_some() || external {
        return;
    }
    let in_use: std::collections::BTreeSet<&str> = (state.objects.iter())
        .filter(|((kind, _, _), _)| kind == "Service")
        .filter_map(|(_, o)| o.body.pointer("/spec/clusterIP")?.as_str())
        .collect();
    let address = |host: usize| format!("10.96.{}.{}", host / 256, host % 256);
    let free = (10..)
        .map(address)
        .find(|ip| !in_use.contains(ip.as_str()))
        .expect("the service range outlasts the Services");
    body["spec"]["clusterIP"] = free.into();
}

/// `kubectl apply` of an object that exists: the new spec replaces the old one (status and the
/// server-set metadata stay); a changed spec moves `metadata.generation`. Says whether anything
/// changed.
pub fn update_stored(
    existing: &mut crate::model::cluster::StoredObject,
    given: &serde_json::Value,
) -> bool {
    let mut next = given.clone();
    if let (Some(meta), Some(old)) = (
        next.get_mut("metadata").and_then(|m| m.as_object_mut()),
        existing.body.get("metadata").and_then(|m| m.as_object()),
    ) {
        for kept in ["uid", "generation", "ownerReferences"] {
            if let Some(v) = old.get(kept) {
                meta.insert(kept.into(), v.clone());
            }
        }
        // The field managers are the API server's to record, not the client's to send back.
        match old.get("managedFields") {
            Some(owners) => meta.insert("managedFields".into(), owners.clone()),
            None => meta.remove("managedFields"),
        };
    }
    if let Some(status) = existing.body.get("status") {
        next["status"] = status.clone();
    }
    if next == existing.body {
        return false;
    }
    let spec_changed = next.get("spec") != existing.body.get("spec");
    existing.body = next;
    if spec_changed {
        crate::controllers::deployment::bump_generation(existing);
    }
    true
}

/// An update of a pod that exists (`apply`, `patch`, `edit`): only container images may change,
/// as the API server allows; the pod's kubelet then restarts the containers whose image
/// changed. Says whether anything changed.
// K8S: pkg/apis/core/validation/validation.go (ValidatePodUpdate)
pub fn update_pod(
    api: &mut ApiServer<'_>,
    id: PodId,
    new: &crate::model::PodSpec,
) -> Result<bool, Status> {
    let pod = api.state.pod(id).expect("indexed pods exist");
    let name = pod.meta.name.clone();
    let old = &pod.spec;
    let mut merged = old.api.clone();
    let same_shape = merged.containers.len() == new.api.containers.len()
        && merged.init_containers.as_ref().map(Vec::len)
            == new.api.init_containers.as_ref().map(Vec::len);
    if same_shape {
        let images = new
            .api
            .containers
            .iter()
            .chain(new.api.init_containers.iter().flatten())
            .map(|c| c.image.clone());
        let init = merged.init_containers.iter_mut().flatten();
        for (c, image) in merged.containers.iter_mut().chain(init).zip(images) {
            c.image = image;
        }
    }
    // The live object keeps its defaulted fields (imagePullPolicy among them) and what
    // admission filled in (a LimitRange's requests and limits): apply leaves alone the fields
    // its manifest never set.
    let mut submitted = new.api.clone();
    let live_containers = old
        .api
        .containers
        .iter()
        .chain(old.api.init_containers.iter().flatten());
    let init = submitted.init_containers.iter_mut().flatten();
    for (c, live) in submitted
        .containers
        .iter_mut()
        .chain(init)
        .zip(live_containers)
    {
        c.image_pull_policy = live.image_pull_policy.clone();
        let (Some(live), resources) = (
            live.resources.as_ref(),
            c.resources.get_or_insert_with(Default::default),
        ) else {
            continue;
        };
        for (list, kept) in [
            (&mut resources.requests, &live.requests),
            (&mut resources.limits, &live.limits),
        ] {
            for (name, q) in kept.iter().flatten() {
                list.get_or_insert_with(Default::default)
                    .entry(name.clone())
                    .or_insert_with(|| q.clone());
            }
        }
    }
    if !same_shape || merged != submitted {
        return Err(pod_update_forbidden(&name));
    }
    if merged == old.api {
        return Ok(false);
    }
    let mut spec = (**old).clone();
    let images = merged
        .containers
        .iter()
        .chain(merged.init_containers.iter().flatten())
        .map(|c| c.image.clone().unwrap_or_default());
    for (c, image) in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut())
        .zip(images)
    {
        c.image = image;
    }
    spec.api = merged;
    api.state.pod_mut(id).expect("exists").spec = Arc::new(spec);
    api.emit(Effect::PodUpdated(id));
    Ok(true)
}

/// The API server's answer to a pod update that changes more than it allows.
// K8S: pkg/apis/core/validation/validation.go (ValidatePodUpdate)
fn pod_update_forbidden(name: &str) -> Status {
    Status::invalid(
        "Pod",
        name,
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    )
}

/// Five lowercase alphanumerics from a uid, the shape of upstream's generated name suffixes.
fn generated_suffix(uid: String) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut n: u64 = uid.bytes().fold(1469598103934665603, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    });
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_defaulted_limit_below_the_request_is_invalid() {
        let api = serde_json::from_value(serde_json::json!({
            "initContainers": [{"name": "i", "image": "busybox"}],
            "containers": [{"name": "a", "image": "nginx"},
                {"name": "b", "image": "nginx", "resources": {"requests": {"cpu": "2"}}}]
        }))
        .unwrap();
        let mut spec = crate::manifest::pod_from_template(&api, "test").unwrap();
        assert_eq!(requests_over_limits(&spec), None);
        spec.containers[1]
            .resources
            .limits
            .insert("cpu".into(), "500m".parse().unwrap());
        assert_eq!(
            requests_over_limits(&spec).as_deref(),
            Some("spec.containers[1].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 500m")
        );
    }
}
