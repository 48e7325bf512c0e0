//! The API server's side of `kubectl apply/create`: admission (namespace, priority class,
//! uniqueness) and storing the object, then telling the components that care.

use std::sync::Arc;

use super::Simulation;
use crate::engine::SimTime;
use crate::manifest::{Manifest, Object};
use crate::model::pod::PodStatus;
use crate::model::{ObjectMeta, Pod, PodId};
use crate::trace::{Body, Change, ObjectKey};

/// Applies the objects in order and returns what kubectl would print, one line each.
pub(super) fn apply(
    sim: &mut Simulation,
    manifests: &[Manifest],
    create_only: bool,
    now: SimTime,
) -> String {
    let mut lines = Vec::new();
    for manifest in manifests {
        lines.push(apply_one(sim, manifest, create_only, now));
    }
    lines.join("\n")
}

fn apply_one(sim: &mut Simulation, manifest: &Manifest, create_only: bool, now: SimTime) -> String {
    match &manifest.object {
        Object::Pod(pod) => {
            let namespace = pod
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_string());
            let name = pod.metadata.name.clone().unwrap_or_else(|| {
                let prefix = pod.metadata.generate_name.clone().unwrap_or_default();
                format!("{prefix}{}", generated_suffix(sim.state.new_uid()))
            });
            if !sim.state.namespaces.contains_key(&namespace) {
                return format!(
                    "Error from server (NotFound): namespaces \"{namespace}\" not found"
                );
            }
            if let Some(id) = sim.state.pod_id(&namespace, &name) {
                return if create_only {
                    format!("Error from server (AlreadyExists): pods \"{name}\" already exists")
                } else {
                    update_pod(sim, id, &pod.spec, now)
                };
            }
            for field in &pod.unsimulated {
                sim.unsimulated_fields
                    .entry(field.clone())
                    .or_insert_with(|| format!("pod/{name} at {}", manifest.origin));
            }
            let mut spec = pod.spec.clone();
            // K8S: plugin/pkg/admission/priority (priorityClassName → spec.priority)
            if let Some(class) = &spec.priority_class_name {
                match sim.state.priority_class(class) {
                    Some((value, policy)) => {
                        spec.priority = value;
                        spec.api.priority = Some(value);
                        if policy.is_some() {
                            spec.api.preemption_policy = policy;
                        }
                    }
                    None => {
                        return format!(
                            "Error from server (Forbidden): pods \"{name}\" is forbidden: no PriorityClass with name {class} was found"
                        )
                    }
                }
            }
            let qos = spec.qos_class();
            let user_node = spec.api.node_name.clone().filter(|n| !n.is_empty());
            let meta = ObjectMeta {
                name: name.clone(),
                namespace: namespace.clone(),
                uid: sim.state.new_uid(),
                labels: pod.metadata.labels.clone().unwrap_or_default(),
                annotations: pod.metadata.annotations.clone().unwrap_or_default(),
                creation: now,
                deletion: None,
                deletion_grace_period_seconds: None,
            };
            let priority = spec.priority;
            let scheduler_name = spec.scheduler_name.clone();
            let id = sim.state.add_pod(Pod {
                meta,
                spec: Arc::new(spec),
                node_name: user_node.clone(),
                status: PodStatus::new(qos),
            });
            sim.record(
                now,
                super::pod_key(&namespace, &name),
                Body::Change(Change::Created),
            );
            match user_node {
                // A pod that names its node skips the scheduler: that node's kubelet takes it.
                Some(node) if sim.state.node(&node).is_some() => {
                    sim.scheduler.on_pod_bound(&sim.state, id);
                    let mut out = Vec::new();
                    sim.kubelets.pod_bound(&mut sim.state, id, now, &mut out);
                    sim.push_kubelet(out);
                }
                Some(_) => {} // no such node: the pod stays Pending, as in a real cluster
                None if sim.scheduler.has_profile(&scheduler_name) => {
                    sim.scheduler.queue.add(id, priority, now);
                    sim.ensure_scheduling(now);
                }
                None => {} // a scheduler no profile answers to: Pending forever, as upstream
            }
            format!("pod/{name} created")
        }
        Object::Node(node) => {
            let name = node.meta.name.clone();
            if sim.state.node(&name).is_some() {
                return format!("node/{name} unchanged");
            }
            let mut node = node.as_ref().clone();
            let index = sim.state.nodes().len();
            node.meta.uid = sim.state.new_uid();
            node.meta.creation = now;
            node.assign_addresses(index);
            sim.state.add_node(node);
            sim.scheduler.sync_nodes(&sim.state);
            sim.scheduler.queue.move_all_to_active_or_backoff(now);
            sim.record(
                now,
                ObjectKey {
                    kind: "Node".into(),
                    namespace: String::new(),
                    name: name.clone(),
                },
                Body::Change(Change::Created),
            );
            sim.ensure_scheduling(now);
            format!("node/{name} created")
        }
        Object::Namespace(name) => {
            if sim.state.namespaces.contains_key(name) {
                return format!("namespace/{name} unchanged");
            }
            sim.state.namespaces.insert(name.clone(), now);
            sim.record(
                now,
                ObjectKey {
                    kind: "Namespace".into(),
                    namespace: String::new(),
                    name: name.clone(),
                },
                Body::Change(Change::Created),
            );
            format!("namespace/{name} created")
        }
        Object::Stored(stored) => {
            let namespace = if stored.is_namespaced() {
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
            let resource = stored.resource_name();
            if sim.state.objects.contains_key(&key) {
                return if create_only {
                    format!(
                        "Error from server (AlreadyExists): {} \"{}\" already exists",
                        stored.plural(),
                        stored.name
                    )
                } else {
                    format!("{resource}/{} unchanged", stored.name)
                };
            }
            sim.state.objects.insert(
                key,
                crate::model::cluster::StoredObject {
                    kind: stored.kind.to_string(),
                    api_version: stored.api_version.clone(),
                    namespace: namespace.clone(),
                    name: stored.name.clone(),
                    creation: now,
                    body: stored.body.clone(),
                },
            );
            // PriorityClasses are acted on: admission resolves them into pod priorities.
            if stored.kind != "PriorityClass" {
                sim.not_simulated
                    .push(format!("{resource}/{} ({})", stored.name, manifest.origin));
            }
            sim.record(
                now,
                ObjectKey {
                    kind: stored.kind.to_string(),
                    namespace,
                    name: stored.name.clone(),
                },
                Body::Change(Change::Created),
            );
            format!("{resource}/{} created", stored.name)
        }
    }
}

/// `kubectl apply` of a pod that exists: only container images may change, as the API server
/// allows; the pod's kubelet then restarts the containers whose image changed.
// K8S: pkg/apis/core/validation/validation.go (ValidatePodUpdate)
fn update_pod(
    sim: &mut Simulation,
    id: PodId,
    new: &crate::model::PodSpec,
    now: SimTime,
) -> String {
    let pod = sim.state.pod(id).expect("indexed pods exist");
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
    // The live object keeps its defaulted fields (imagePullPolicy among them).
    let mut submitted = new.api.clone();
    let live_policies = old
        .api
        .containers
        .iter()
        .chain(old.api.init_containers.iter().flatten());
    let init = submitted.init_containers.iter_mut().flatten();
    for (c, live) in submitted
        .containers
        .iter_mut()
        .chain(init)
        .zip(live_policies)
    {
        c.image_pull_policy = live.image_pull_policy.clone();
    }
    if !same_shape || merged != submitted {
        return format!(
            "The Pod \"{name}\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
        );
    }
    if merged == old.api {
        return format!("pod/{name} unchanged");
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
    sim.state.pod_mut(id).expect("exists").spec = Arc::new(spec);
    let mut out = Vec::new();
    sim.kubelets.pod_updated(&mut sim.state, id, now, &mut out);
    sim.push_kubelet(out);
    format!("pod/{name} configured")
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
