//! The scenario's client: the commands of a timeline, run against the simulated cluster at
//! their instant. Each returns what kubectl (or `simulate`) would print, for the trace.

mod update;

use std::sync::Arc;

use serde_json::{json, Value};

use super::simulate::SimulateCommand;
use super::Action;
use crate::apiserver::admission;
use crate::apiserver::requests::{self, Propagation};
use crate::controllers::deployment::{bump_generation, is_paused, POD_TEMPLATE_HASH};
use crate::controllers::workload;
use crate::engine::SimTime;
use crate::model::labels::Selector;
use crate::model::node::TaintEffect;
use crate::model::time::rfc3339;
use crate::model::ObjectMeta;
use crate::scenario::kubectl::{
    self as k, Invocation, KubectlCommand, ObjectRef, ResourceKind, RolloutAction, Targets,
};
use crate::scenario::FileObject;
use crate::sim::{Command, Simulation};

impl Command for Action {
    fn tool(&self) -> &'static str {
        match self {
            Action::Simulate(_) => "simulate",
            Action::Request(call) => call.tool(),
            _ => "kubectl",
        }
    }

    fn run(&self, sim: &mut Simulation, now: SimTime) -> String {
        match self {
            Action::Kubectl(invocation) => run(sim, invocation, now),
            Action::DeleteFiles {
                invocation,
                objects,
            } => delete_files(sim, invocation, objects, now),
            Action::Edit { invocation, object } => edit(sim, invocation, object, now),
            Action::Simulate(action) => simulate(sim, action, now),
            Action::Request(call) => call.run(sim, now),
            // The simulation applies them itself, as it does the t=0 manifests.
            Action::Apply { .. } => String::new(),
        }
    }
}

/// Carries out one simulator action at `now`.
fn simulate(sim: &mut Simulation, action: &SimulateCommand, now: SimTime) -> String {
    use SimulateCommand as S;
    let namespace = |ns: &Option<String>| ns.clone().unwrap_or_else(|| "default".to_string());
    match action {
        S::NodeDown { node } => sim.node_down(node, now),
        S::NodeUp { node } => sim.node_up(node, now),
        S::NodeAdd {
            node,
            cpu,
            memory,
            pods,
            labels,
            taints,
        } => {
            let mut resources = vec![("cpu", cpu.clone()), ("memory", memory.clone())];
            resources.extend(pods.clone().map(|p| ("pods", p)));
            let taints = taints.iter().map(Into::into).collect();
            let node = super::joining_node(node, resources, labels, taints, now);
            sim.node_add(node, now)
        }
        S::NodeRemove { node } => sim.node_remove(node, now),
        S::Crash {
            namespace: ns,
            pod,
            container,
            exit_code,
        } => sim.crash(&namespace(ns), pod, container.as_deref(), *exit_code, now),
        S::Leak {
            namespace: ns,
            pod,
            container,
            per_second,
        } => {
            let rate = per_second.value().max(0) as u64;
            sim.leak(&namespace(ns), pod, container.as_deref(), rate, now)
        }
        S::SandboxKill { namespace: ns, pod } => sim.kill_sandbox(&namespace(ns), pod, now),
        S::StaticPodRemove { node, name } => sim.static_pod_remove(node, name, now),
    }
}

/// Runs a command; returns kubectl's output.
pub(crate) fn run(sim: &mut Simulation, invocation: &Invocation, now: SimTime) -> String {
    let ns = invocation.namespace.as_deref().unwrap_or("default");
    let lines: Vec<String> = match &invocation.command {
        KubectlCommand::Delete(d) => delete(sim, ns, d, now),
        KubectlCommand::Scale { targets, replicas } => objects(targets)
            .map(|o| scale(sim, ns, o, *replicas, now))
            .collect(),
        KubectlCommand::SetImage { targets, images } => objects(targets)
            .map(|o| set_image(sim, ns, o, images, now))
            .collect(),
        KubectlCommand::Rollout { action, targets } => objects(targets)
            .map(|o| rollout(sim, ns, o, action, now))
            .collect(),
        KubectlCommand::CreateDeployment {
            name,
            images,
            replicas,
            port,
            command,
        } => vec![create_deployment(
            sim, ns, name, images, *replicas, *port, command, now,
        )],
        KubectlCommand::CreateNamespace { name } => vec![create_namespace(sim, name, now)],
        KubectlCommand::CreateService {
            name,
            service_type,
            ports,
            node_port,
        } => {
            let ports: Vec<Value> = ports
                .iter()
                .map(|p| {
                    let target = match &p.target_port {
                        k::TargetPort::Number(n) => json!(n),
                        k::TargetPort::Name(n) => json!(n),
                    };
                    let mut port = json!({"name": p.name, "port": p.port, "protocol": "TCP", "targetPort": target});
                    if let Some(n) = node_port {
                        port["nodePort"] = json!(n);
                    }
                    port
                })
                .collect();
            let type_ = match service_type {
                k::ServiceType::ClusterIP => "ClusterIP",
                k::ServiceType::NodePort => "NodePort",
            };
            // K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_service.go (selector app: NAME)
            let spec = json!({"ports": ports, "selector": {"app": name}, "type": type_});
            vec![create_service(
                sim,
                ns,
                name,
                json!({"app": name}),
                spec,
                "created",
                now,
            )]
        }
        KubectlCommand::Expose(e) => objects(&e.targets)
            .map(|o| expose(sim, ns, o, e, now))
            .collect(),
        KubectlCommand::Run(r) => vec![run_pod(sim, ns, r, now)],
        KubectlCommand::Label(edit) => edit_metadata(sim, ns, edit, "labels", "labeled", now),
        KubectlCommand::Annotate(edit) => {
            edit_metadata(sim, ns, edit, "annotations", "annotated", now)
        }
        KubectlCommand::Cordon { nodes } => node_names(nodes)
            .map(|n| cordon(sim, n, true, now))
            .collect(),
        KubectlCommand::Uncordon { nodes } => node_names(nodes)
            .map(|n| cordon(sim, n, false, now))
            .collect(),
        KubectlCommand::Drain(d) => node_names(&d.nodes)
            .map(|n| drain(sim, n, d, now))
            .collect(),
        KubectlCommand::Taint {
            nodes, add, remove, ..
        } => node_names(nodes)
            .map(|n| taint(sim, n, add, remove, now))
            .collect(),
        KubectlCommand::Patch {
            targets,
            patch,
            patch_type,
        } => objects(targets)
            .map(|o| update::patch(sim, ns, o, patch, *patch_type, now))
            .collect(),
        KubectlCommand::SetResources {
            targets,
            containers,
            limits,
            requests,
        } => selected(sim, ns, targets)
            .iter()
            .map(|o| update::set_resources(sim, ns, o, containers, limits, requests, now))
            .filter(|line| !line.is_empty())
            .collect(),
        // The timeline reads their objects when the scenario loads ([`delete_files`], [`edit`]).
        KubectlCommand::ApplyFile { .. } | KubectlCommand::Edit { .. } => {
            vec!["error: this command runs with the objects read when the scenario loads".into()]
        }
    };
    lines.join("\n")
}

fn objects(targets: &Targets) -> impl Iterator<Item = &ObjectRef> {
    match targets {
        Targets::Objects(objects) => objects.iter(),
        _ => [].iter(),
    }
}

/// The named objects, or those of the kinds a selector (`-l`, `--all`) matches now.
fn selected(sim: &Simulation, ns: &str, targets: &Targets) -> Vec<ObjectRef> {
    match targets {
        Targets::Objects(objects) => objects.clone(),
        Targets::Selector { kinds, selector } => {
            let Ok(selector) = Selector::parse(selector) else {
                return Vec::new();
            };
            kinds
                .iter()
                .flat_map(|&kind| {
                    matching(sim, kind, ns, &selector)
                        .into_iter()
                        .map(move |name| ObjectRef { kind, name })
                })
                .collect()
        }
        Targets::Files(_) => Vec::new(),
    }
}

fn node_names(targets: &Targets) -> impl Iterator<Item = &str> {
    objects(targets).map(|o| o.name.as_str())
}

/// `deployment.apps/web`, `pod/web`: how kubectl names an object in its messages.
pub(super) fn qualified(kind: ResourceKind, name: &str) -> String {
    format!("{}/{name}", kind.resource().group_kind_name())
}

/// `deployments.apps "web"` as NotFound errors print it.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound, of the
// GroupResource)
pub(super) fn not_found(kind: ResourceKind, name: &str) -> String {
    let resource = kind.resource().group_resource();
    format!("{NOT_FOUND}{resource} \"{name}\" not found")
}

/// What `kubectl delete` prints for each object it deleted: `pod "web" deleted from default
/// namespace`, `force deleted` with a grace period of 0, no namespace for cluster-scoped kinds.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go (PrintObj; v1.34 names the
// namespace)
fn deleted(kind: ResourceKind, ns: &str, name: &str, grace: Option<i64>) -> String {
    let qualified = qualified(kind, name);
    let (resource, _) = qualified
        .split_once('/')
        .expect("qualified names have a slash");
    let operation = match grace {
        Some(0) => "force deleted",
        _ => "deleted",
    };
    if kind.namespaced() {
        format!("{resource} \"{name}\" {operation} from {ns} namespace")
    } else {
        format!("{resource} \"{name}\" {operation}")
    }
}

/// kubectl's warning before it deletes with a grace period of 0 (`--force`), on standard error.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go (Validate)
const FORCE_WARNING: &str = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.";

/// How kubectl starts a NotFound error from the API server.
const NOT_FOUND: &str = "Error from server (NotFound): ";

pub(super) fn key(kind: ResourceKind, ns: &str, name: &str) -> (String, String, String) {
    (kind.name().to_string(), ns.to_string(), name.to_string())
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go
fn delete(sim: &mut Simulation, ns: &str, d: &k::Delete, now: SimTime) -> Vec<String> {
    let grace = if d.force { Some(0) } else { d.grace_period };
    let mut lines: Vec<String> = d
        .force
        .then(|| FORCE_WARNING.to_string())
        .into_iter()
        .collect();
    lines.extend(delete_targets(sim, ns, d, grace, now));
    lines
}

/// The lines `delete` prints about its targets.
fn delete_targets(
    sim: &mut Simulation,
    ns: &str,
    d: &k::Delete,
    grace: Option<i64>,
    now: SimTime,
) -> Vec<String> {
    match &d.targets {
        Targets::Objects(objects) => objects
            .iter()
            .map(|o| delete_one(sim, ns, o.kind, &o.name, grace, now))
            .collect(),
        Targets::Selector { kinds, selector } => {
            let Ok(selector) = Selector::parse(selector) else {
                return vec![format!("error: unable to parse requirement: {selector}")];
            };
            let mut lines = Vec::new();
            for &kind in kinds {
                for name in matching(sim, kind, ns, &selector) {
                    lines.push(delete_one(sim, ns, kind, &name, grace, now));
                }
            }
            if lines.is_empty() {
                lines.push("No resources found".to_string());
            }
            lines
        }
        Targets::Files(_) => {
            vec!["error: `delete -f` runs with the objects read when the scenario loads".into()]
        }
    }
}

/// `kubectl delete -f`: the files' objects, read when the scenario loaded, deleted as by name.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go (DeleteResult; AddSourceToErr)
fn delete_files(
    sim: &mut Simulation,
    invocation: &Invocation,
    objects: &[FileObject],
    now: SimTime,
) -> String {
    let KubectlCommand::Delete(d) = &invocation.command else {
        return String::new();
    };
    let grace = if d.force { Some(0) } else { d.grace_period };
    let default_ns = invocation.namespace.as_deref().unwrap_or("default");
    let mut lines: Vec<String> = d
        .force
        .then(|| FORCE_WARNING.to_string())
        .into_iter()
        .collect();
    for o in objects {
        let ns = o.namespace.as_deref().unwrap_or(default_ns);
        let line = delete_one(sim, ns, o.kind, &o.name, grace, now);
        match line.strip_prefix(NOT_FOUND) {
            Some(_) if d.ignore_not_found => {}
            Some(rest) => lines.push(format!(
                "{NOT_FOUND}error when deleting \"{}\": {rest}",
                o.file
            )),
            None => lines.push(line),
        }
    }
    lines.join("\n")
}

/// `kubectl edit KIND NAME`, with the object as the user saved it.
fn edit(sim: &mut Simulation, invocation: &Invocation, object: &Value, now: SimTime) -> String {
    let ns = invocation.namespace.as_deref().unwrap_or("default");
    match &invocation.command {
        KubectlCommand::Edit { target } => update::edit(sim, ns, target, object, now),
        _ => String::new(),
    }
}

/// The names of the objects of `kind` in `ns` whose labels match.
fn matching(sim: &Simulation, kind: ResourceKind, ns: &str, selector: &Selector) -> Vec<String> {
    if kind == ResourceKind::Pod {
        return sim
            .state
            .pods_by_name()
            .map(|(_, p)| p)
            .filter(|p| p.meta.namespace == ns && selector.matches(&p.meta.labels))
            .map(|p| p.meta.name.clone())
            .collect();
    }
    sim.state
        .objects
        .iter()
        .filter(|((k, n, _), o)| k == kind.name() && n == ns && selector.matches(&o.labels()))
        .map(|((_, _, name), _)| name.clone())
        .collect()
}

fn delete_one(
    sim: &mut Simulation,
    ns: &str,
    kind: ResourceKind,
    name: &str,
    grace: Option<i64>,
    now: SimTime,
) -> String {
    let resource = kind.resource();
    let propagation = Propagation::Background;
    match sim.delete(resource, ns, name, grace, propagation, now) {
        Ok(_) => deleted(kind, ns, name, grace),
        Err(status) => status.kubectl(None),
    }
}

/// Changes a stored workload's body and tells the controllers; `None` when it does not exist.
fn edit_workload(
    sim: &mut Simulation,
    kind: ResourceKind,
    ns: &str,
    name: &str,
    edit: impl FnOnce(&mut Value),
) -> Option<()> {
    let object = sim.state.objects.get_mut(&key(kind, ns, name))?;
    let before = object.body.get("spec").cloned();
    edit(&mut object.body);
    if object.body.get("spec") != before.as_ref() {
        bump_generation(object);
    }
    sim.object_changed(kind.name(), ns, name);
    Some(())
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go
fn scale(sim: &mut Simulation, ns: &str, o: &ObjectRef, replicas: i64, now: SimTime) -> String {
    if !matches!(o.kind, ResourceKind::Deployment | ResourceKind::ReplicaSet) {
        return format!(
            "error: cannot scale {}: kubesim scales deployments and replicasets",
            qualified(o.kind, &o.name)
        );
    }
    let resource = o.kind.resource();
    match sim.request(now, |api| {
        requests::scale(api, resource, ns, &o.name, replicas)
    }) {
        Ok(_) => format!("{} scaled", qualified(o.kind, &o.name)),
        Err(status) => status.kubectl(None),
    }
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go
fn set_image(
    sim: &mut Simulation,
    ns: &str,
    o: &ObjectRef,
    images: &[(String, String)],
    now: SimTime,
) -> String {
    let done = format!("{} image updated", qualified(o.kind, &o.name));
    if o.kind == ResourceKind::Pod {
        let Some(id) = sim.state.pod_id(ns, &o.name) else {
            return not_found(o.kind, &o.name);
        };
        let mut spec = (*sim.state.pod(id).expect("indexed").spec).clone();
        for (container, image) in images {
            let mut found = false;
            for c in spec.containers.iter_mut().chain(&mut spec.init_containers) {
                if container == "*" || c.name == *container {
                    c.image = image.clone();
                    found = true;
                }
            }
            for c in spec.api.containers.iter_mut() {
                if container == "*" || c.name == *container {
                    c.image = Some(image.clone());
                }
            }
            if !found {
                return format!("error: unable to find container named \"{container}\"");
            }
        }
        let _ = sim.request(now, |api| admission::update_pod(api, id, &spec));
        return done;
    }
    let mut missing = None;
    let edited = edit_workload(sim, o.kind, ns, &o.name, |body| {
        let Some(containers) = body
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        for (container, image) in images {
            let mut found = false;
            for c in containers.iter_mut() {
                if container == "*" || c["name"] == container.as_str() {
                    c["image"] = json!(image);
                    found = true;
                }
            }
            if !found {
                missing = Some(container.clone());
            }
        }
    });
    match (edited, missing) {
        (None, _) => not_found(o.kind, &o.name),
        (Some(()), Some(container)) => {
            format!("error: unable to find container named \"{container}\"")
        }
        (Some(()), None) => done,
    }
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/rollout (status, history, undo, restart)
fn rollout(
    sim: &mut Simulation,
    ns: &str,
    o: &ObjectRef,
    action: &RolloutAction,
    now: SimTime,
) -> String {
    if o.kind != ResourceKind::Deployment {
        return format!(
            "error: kubesim rolls out deployments, not {}",
            qualified(o.kind, &o.name)
        );
    }
    let Some(object) = sim.state.objects.get(&key(o.kind, ns, &o.name)) else {
        return not_found(o.kind, &o.name);
    };
    let name = &o.name;
    let paused = is_paused(object);
    match action {
        RolloutAction::Status { .. } => rollout_status(&object.body, name),
        RolloutAction::History { .. } => {
            let mut out = format!("{}\nREVISION  CHANGE-CAUSE\n", qualified(o.kind, name));
            for (revision, _) in revisions(sim, &object.body, ns) {
                out.push_str(&format!("{revision:<10}<none>\n"));
            }
            out.trim_end().to_string()
        }
        RolloutAction::Undo { to_revision } => {
            let history = revisions(sim, &object.body, ns);
            let current = history.last().map(|(r, _)| *r).unwrap_or(0);
            let target = match to_revision {
                0 => history.iter().rev().nth(1),
                r => history.iter().find(|(rev, _)| rev == r),
            };
            let Some((revision, template)) = target.cloned() else {
                return match to_revision {
                    0 => format!("error: no rollout history found for deployment \"{name}\""),
                    r => format!("error: unable to find specified revision {r} in history"),
                };
            };
            // K8S: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollback.go
            if paused {
                return "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again".to_string();
            }
            if Some(&template) == object.body.pointer("/spec/template") || revision == current {
                return format!(
                    "{} skipped rollback (current template already matches revision {revision})",
                    qualified(o.kind, name)
                );
            }
            edit_workload(sim, o.kind, ns, name, |body| {
                body["spec"]["template"] = template
            });
            format!("{} rolled back", qualified(o.kind, name))
        }
        // K8S: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/objectrestarter.go
        RolloutAction::Restart if paused => format!(
            "error: deployments.apps \"{name}\" can't restart paused deployment (run rollout resume first)"
        ),
        RolloutAction::Restart => {
            edit_workload(sim, o.kind, ns, name, |body| {
                body["spec"]["template"]["metadata"]["annotations"]
                    ["kubectl.kubernetes.io/restartedAt"] = json!(rfc3339(now));
            });
            format!("{} restarted", qualified(o.kind, name))
        }
        // K8S: staging/src/k8s.io/kubectl/pkg/cmd/rollout/rollout_pause.go, rollout_resume.go,
        // pkg/polymorphichelpers/objectpauser.go, objectresumer.go
        RolloutAction::Pause | RolloutAction::Resume => {
            let pause = matches!(action, RolloutAction::Pause);
            if paused == pause {
                let error = if pause {
                    "is already paused"
                } else {
                    "is not paused"
                };
                return format!("error: deployments.apps \"{name}\" {error}");
            }
            edit_workload(sim, o.kind, ns, name, |body| {
                if pause {
                    body["spec"]["paused"] = json!(true);
                } else if let Some(spec) = body["spec"].as_object_mut() {
                    spec.remove("paused");
                }
            });
            let verb = if pause { "paused" } else { "resumed" };
            format!("{} {verb}", qualified(o.kind, name))
        }
    }
}

/// The Deployment's revisions, oldest first, each with its ReplicaSet's template (the
/// pod-template-hash label taken out, as `rollout undo` copies it back).
fn revisions(sim: &Simulation, deployment: &Value, ns: &str) -> Vec<(i64, Value)> {
    let uid = deployment.pointer("/metadata/uid").and_then(Value::as_str);
    let mut out: Vec<(i64, Value)> = sim
        .state
        .objects
        .iter()
        .filter(|((kind, n, _), o)| {
            kind == "ReplicaSet" && n == ns && workload::controller_uid(o) == uid
        })
        .filter_map(|(_, o)| {
            let revision = o
                .body
                .pointer("/metadata/annotations/deployment.kubernetes.io~1revision")?
                .as_str()?
                .parse()
                .ok()?;
            let mut template = o.body.pointer("/spec/template")?.clone();
            if let Some(labels) = template
                .pointer_mut("/metadata/labels")
                .and_then(Value::as_object_mut)
            {
                labels.remove(POD_TEMPLATE_HASH);
            }
            Some((revision, template))
        })
        .collect();
    out.sort_by_key(|(revision, _)| *revision);
    out
}

/// What `kubectl rollout status` prints at this instant (it would then wait; the timeline does
/// not).
// K8S: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go (DeploymentStatusViewer)
// DEVIATION: the command does not block until the rollout finishes.
fn rollout_status(body: &Value, name: &str) -> String {
    let int = |path: &str| body.pointer(path).and_then(Value::as_i64).unwrap_or(0);
    let generation = body
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    if generation > int("/status/observedGeneration") {
        return "Waiting for deployment spec update to be observed...".to_string();
    }
    // K8S: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go
    let conditions = body.pointer("/status/conditions").and_then(Value::as_array);
    let progressing = conditions.and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"));
    if progressing.is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded") {
        return format!("error: deployment \"{name}\" exceeded its progress deadline");
    }
    let replicas = body
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let (updated, current, available) = (
        int("/status/updatedReplicas"),
        int("/status/replicas"),
        int("/status/availableReplicas"),
    );
    if updated < replicas {
        format!("Waiting for deployment \"{name}\" rollout to finish: {updated} out of {replicas} new replicas have been updated...")
    } else if current > updated {
        format!(
            "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...",
            current - updated
        )
    } else if available < updated {
        format!("Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...")
    } else {
        format!("deployment \"{name}\" successfully rolled out")
    }
}

/// `kubectl create deployment`: labels `app: NAME`, one container per image named after it.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_deployment.go
#[allow(clippy::too_many_arguments)]
fn create_deployment(
    sim: &mut Simulation,
    ns: &str,
    name: &str,
    images: &[String],
    replicas: i32,
    port: Option<i32>,
    command: &[String],
    now: SimTime,
) -> String {
    if sim
        .state
        .objects
        .contains_key(&key(ResourceKind::Deployment, ns, name))
    {
        return format!(
            "error: failed to create deployment: deployments.apps \"{name}\" already exists"
        );
    }
    let containers: Vec<Value> = images
        .iter()
        .map(|image| {
            let mut c = json!({"name": container_name(image), "image": image, "resources": {}});
            if let Some(p) = port {
                c["ports"] = json!([{"containerPort": p}]);
            }
            if !command.is_empty() {
                c["command"] = json!(command);
            }
            c
        })
        .collect();
    let labels = json!({"app": name});
    let body = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "strategy": {},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
        },
    });
    let object = crate::model::cluster::StoredObject {
        kind: "Deployment".into(),
        api_version: "apps/v1".into(),
        namespace: ns.to_string(),
        name: name.to_string(),
        creation: now,
        body,
    };
    sim.request(now, |api| admission::store_object(api, object, now));
    format!("deployment.apps/{name} created")
}

/// The container name kubectl derives from an image: its last path element without tag or
/// digest.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_deployment.go (buildPodSpec)
fn container_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let bare = last.split(['@', ':']).next().unwrap_or(last);
    bare.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_namespace.go
fn create_namespace(sim: &mut Simulation, name: &str, now: SimTime) -> String {
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    match sim.request(now, |api| requests::create(api, "", &namespace, now)) {
        Ok(_) => format!("namespace/{name} created"),
        Err(status) => status.kubectl(None),
    }
}

/// `kubectl run`: one pod, its container named after the pod.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/run/run.go
fn run_pod(sim: &mut Simulation, ns: &str, r: &k::Run, now: SimTime) -> String {
    if sim.state.pod_id(ns, &r.name).is_some() {
        return format!(
            "Error from server (AlreadyExists): pods \"{}\" already exists",
            r.name
        );
    }
    let restart = match r.restart {
        k::RestartPolicy::Always => "Always",
        k::RestartPolicy::OnFailure => "OnFailure",
        k::RestartPolicy::Never => "Never",
    };
    let mut container = json!({"name": r.name, "image": r.image, "resources": {}});
    if let Some(p) = r.port {
        container["ports"] = json!([{"containerPort": p}]);
    }
    if !r.env.is_empty() {
        let env: Vec<Value> = r
            .env
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect();
        container["env"] = json!(env);
    }
    if !r.command.is_empty() {
        container["command"] = json!(r.command);
    }
    if !r.args.is_empty() {
        container["args"] = json!(r.args);
    }
    let api = json!({"containers": [container], "restartPolicy": restart});
    let spec = serde_json::from_value(api)
        .map_err(|e| e.to_string())
        .and_then(|api| crate::manifest::pod_from_template(&api, "kubectl run"));
    let spec = match spec {
        Ok(spec) => spec,
        Err(e) => return format!("error: {e}"),
    };
    let meta = ObjectMeta {
        name: r.name.clone(),
        namespace: ns.to_string(),
        labels: r.labels.iter().cloned().collect(),
        ..Default::default()
    };
    match sim.request(now, |api| {
        admission::admit_pod(api, meta, Arc::new(spec), now)
    }) {
        Ok(_) => format!("pod/{} created", r.name),
        Err(refusal) => refusal.kubectl(None),
    }
}

/// `kubectl label` / `annotate` on pods, nodes and stored objects: the live object with the
/// map changed, sent back as an update (kubectl sends the change as a patch).
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/label/label.go
fn edit_metadata(
    sim: &mut Simulation,
    ns: &str,
    edit: &k::MetadataEdit,
    field: &str,
    verb: &str,
    now: SimTime,
) -> Vec<String> {
    objects(&edit.targets)
        .map(|o| {
            let Some(mut object) = update::live(sim, o.kind, ns, &o.name) else {
                return not_found(o.kind, &o.name);
            };
            let mut map: std::collections::BTreeMap<String, String> = object
                .pointer(&format!("/metadata/{field}"))
                .and_then(|m| serde_json::from_value(m.clone()).ok())
                .unwrap_or_default();
            for (k, v) in &edit.set {
                if map.get(k).is_some_and(|old| old != v) && !edit.overwrite {
                    return format!(
                        "error: '{k}' already has a value ({}), and --overwrite is false",
                        map[k]
                    );
                }
                map.insert(k.clone(), v.clone());
            }
            for k in &edit.remove {
                map.remove(k);
            }
            object["metadata"][field] = json!(map);
            match update::update(sim, o, ns, &object, now) {
                Ok(_) => format!("{} {verb}", qualified(o.kind, &o.name)),
                Err(status) => status.kubectl(None),
            }
        })
        .collect()
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/drain/cordon.go
fn cordon(sim: &mut Simulation, name: &str, on: bool, now: SimTime) -> String {
    let Some(node) = sim.state.node_mut(name) else {
        return not_found(ResourceKind::Node, name);
    };
    let verb = if on { "cordoned" } else { "uncordoned" };
    if node.unschedulable == on {
        return format!("node/{name} already {verb}");
    }
    node.unschedulable = on;
    sim.nodes_changed(now);
    format!("node/{name} {verb}")
}

// K8S: staging/src/k8s.io/kubectl/pkg/cmd/taint/taint.go
fn taint(
    sim: &mut Simulation,
    name: &str,
    add: &[k::Taint],
    remove: &[k::TaintRemoval],
    now: SimTime,
) -> String {
    let Some(node) = sim.state.node_mut(name) else {
        return not_found(ResourceKind::Node, name);
    };
    let effect = TaintEffect::from;
    for r in remove {
        let before = node.taints.len();
        node.taints
            .retain(|t| !(t.key == r.key && r.effect.is_none_or(|e| effect(e) == t.effect)));
        if node.taints.len() == before {
            return format!("error: taint \"{}\" not found", r.key);
        }
    }
    for t in add {
        let effect = effect(t.effect);
        node.taints
            .retain(|old| !(old.key == t.key && old.effect == effect));
        node.taints.push(t.into());
    }
    sim.nodes_changed(now);
    let verb = if add.is_empty() {
        "untainted"
    } else {
        "tainted"
    };
    format!("node/{name} {verb}")
}

/// `kubectl drain`: cordon, then evict every pod of the node, unless some cannot go: pods of no
/// controller (without `--force`) and DaemonSet pods (without `--ignore-daemonsets`; with it,
/// they stay).
// K8S: staging/src/k8s.io/kubectl/pkg/drain/filters.go, pkg/cmd/drain/drain.go
// DEVIATION: evictions return at once (kubectl waits for each pod to be gone); the error texts
// are kubectl v1.33's, including its doubled "cannot delete cannot delete".
fn drain(sim: &mut Simulation, name: &str, d: &k::Drain, now: SimTime) -> String {
    let Some(node) = sim.state.node(name) else {
        return not_found(ResourceKind::Node, name);
    };
    let mut out = vec![if node.unschedulable {
        format!("node/{name} already cordoned")
    } else {
        cordon(sim, name, true, now)
    }];
    let mut daemon = Vec::new();
    let mut unmanaged = Vec::new();
    let mut evict = Vec::new();
    for (_, pod) in sim.state.pods_by_name() {
        if pod.node_name.as_deref() != Some(name) || pod.meta.deletion.is_some() {
            continue;
        }
        let id = format!("{}/{}", pod.meta.namespace, pod.meta.name);
        let owner = pod.meta.owner.as_ref().map(|o| o.kind.as_str());
        match owner {
            // K8S: drain/filters.go (mirrorPodFilter): static pods are the kubelet's, not drained.
            Some("Node") => {}
            Some("DaemonSet") => daemon.push(id),
            None if !pod.is_terminal() => {
                unmanaged.push(id.clone());
                evict.push(id);
            }
            _ => evict.push(id),
        }
    }
    let mut fatal = Vec::new();
    if !daemon.is_empty() && !d.ignore_daemonsets {
        fatal.push(format!(
            "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {}",
            daemon.join(", ")
        ));
    }
    if !unmanaged.is_empty() && !d.force {
        fatal.push(format!(
            "cannot delete cannot delete Pods that declare no controller (use --force to override): {}",
            unmanaged.join(", ")
        ));
    }
    if !fatal.is_empty() {
        let joined = match fatal.len() {
            1 => fatal[0].clone(),
            _ => format!("[{}]", fatal.join(", ")),
        };
        out.push(format!(
            "error: unable to drain node \"{name}\" due to error: {joined}, continuing command...\nThere are pending nodes to be drained:\n {name}\n{}",
            fatal.join("\n")
        ));
        return out.join("\n");
    }
    if !daemon.is_empty() {
        out.push(format!(
            "Warning: ignoring DaemonSet-managed Pods: {}",
            daemon.join(", ")
        ));
    }
    if !unmanaged.is_empty() {
        out.push(format!(
            "Warning: deleting Pods that declare no controller: {}",
            unmanaged.join(", ")
        ));
    }
    for id in &evict {
        out.push(format!("evicting pod {id}"));
    }
    for id in &evict {
        let (ns, pod) = id.split_once('/').expect("namespace/name");
        let pods = ResourceKind::Pod.resource();
        // The pod was listed just now: it is there to delete.
        let _ = sim.delete(pods, ns, pod, d.grace_period, Propagation::Background, now);
        out.push(format!("pod/{pod} evicted"));
    }
    out.push(format!("node/{name} drained"));
    out.join("\n")
}

/// Stores a Service unless one of that name exists; `verb` is kubectl's (`created`, `exposed`).
fn create_service(
    sim: &mut Simulation,
    ns: &str,
    name: &str,
    labels: Value,
    spec: Value,
    verb: &str,
    now: SimTime,
) -> String {
    if sim
        .state
        .objects
        .contains_key(&key(ResourceKind::Service, ns, name))
    {
        return format!("Error from server (AlreadyExists): services \"{name}\" already exists");
    }
    let body = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": spec,
    });
    let object = crate::model::cluster::StoredObject {
        kind: "Service".into(),
        api_version: "v1".into(),
        namespace: ns.to_string(),
        name: name.to_string(),
        creation: now,
        body,
    };
    sim.request(now, |api| admission::store_object(api, object, now));
    format!("service/{name} {verb}")
}

/// `kubectl expose`: a Service selecting what the object selects (a Deployment's or
/// ReplicaSet's selector, a pod's labels), on `--port` (else the first container port).
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/expose/expose.go
fn expose(sim: &mut Simulation, ns: &str, o: &ObjectRef, e: &k::Expose, now: SimTime) -> String {
    let (selector, labels, container_port) = match o.kind {
        ResourceKind::Pod => {
            let Some(pod) = sim
                .state
                .pod_id(ns, &o.name)
                .and_then(|id| sim.state.pod(id))
            else {
                return not_found(o.kind, &o.name);
            };
            let port = pod
                .spec
                .containers
                .iter()
                .flat_map(|c| &c.ports)
                .map(|p| p.container_port)
                .next();
            (json!(pod.meta.labels), json!(pod.meta.labels), port)
        }
        kind => {
            let Some(object) = sim.state.objects.get(&key(kind, ns, &o.name)) else {
                return not_found(kind, &o.name);
            };
            let selector = object
                .body
                .pointer("/spec/selector/matchLabels")
                .or_else(|| object.body.pointer("/spec/selector"))
                .cloned()
                .unwrap_or(json!({}));
            let port = object
                .body
                .pointer("/spec/template/spec/containers/0/ports/0/containerPort")
                .and_then(Value::as_i64)
                .map(|p| p as i32);
            (selector, json!(object.labels()), port)
        }
    };
    let selector = match &e.selector {
        Some(text) => {
            let pairs: serde_json::Map<String, Value> = text
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            Value::Object(pairs)
        }
        None => selector,
    };
    let port = e
        .port
        .as_deref()
        .and_then(|p| p.parse::<i32>().ok())
        .or(container_port);
    let Some(port) = port else {
        return "error: couldn't find port via --port flag or introspection".to_string();
    };
    let target = match e.target_port.as_deref() {
        Some(t) => t.parse::<i64>().map_or(json!(t), |n| json!(n)),
        None => json!(port),
    };
    let spec = json!({
        "ports": [{"port": port, "protocol": "TCP", "targetPort": target}],
        "selector": selector,
        "type": e.service_type.clone().unwrap_or_else(|| "ClusterIP".to_string()),
    });
    let name = e.name.clone().unwrap_or_else(|| o.name.clone());
    create_service(sim, ns, &name, labels, spec, "exposed", now)
}
