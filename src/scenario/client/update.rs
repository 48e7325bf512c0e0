//! The kubectl commands that rewrite a whole object through the API server's update path:
//! `patch`, `set resources` and `edit`. `patch` sends its patch; the others read the live
//! object, change it and send it back whole ([`requests::update`]).

use serde_json::{json, Value};

use super::{not_found, qualified};
use crate::apiserver::patch::{self, PatchType};
use crate::apiserver::requests::{self, Written};
use crate::apiserver::Status;
use crate::engine::SimTime;
use crate::scenario::kubectl::{ObjectRef, ResourceKind};
use crate::sim::Simulation;

/// `kubectl patch`: `patched`, `patched (no change)` or the error.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go (RunPatch)
pub(super) fn patch(
    sim: &mut Simulation,
    ns: &str,
    o: &ObjectRef,
    text: &str,
    patch_type: PatchType,
    now: SimTime,
) -> String {
    let Some(_) = live(sim, o.kind, ns, &o.name) else {
        return not_found(o.kind, &o.name);
    };
    let result = patch::parse(text)
        .map_err(|e| format!("error: {e}"))
        .and_then(|p| {
            let resource = o.kind.resource();
            sim.request(now, |api| {
                requests::patch(api, resource, ns, &o.name, &p, patch_type)
            })
            .map_err(|status| status.kubectl(None))
        });
    match result {
        Ok(Written { changed: true, .. }) => format!("{} patched", qualified(o.kind, &o.name)),
        Ok(Written { changed: false, .. }) => {
            format!("{} patched (no change)", qualified(o.kind, &o.name))
        }
        Err(e) => e,
    }
}

/// `kubectl set resources`: the given limits and requests set on the selected containers (`-c`,
/// a glob; `*` all) of the object's pod template, or of the pod itself. Nothing is printed when
/// nothing changes.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/set/set_resources.go (Run)
pub(super) fn set_resources(
    sim: &mut Simulation,
    ns: &str,
    o: &ObjectRef,
    selector: &str,
    limits: &[(String, String)],
    requests: &[(String, String)],
    now: SimTime,
) -> String {
    let Some(mut live) = live(sim, o.kind, ns, &o.name) else {
        return not_found(o.kind, &o.name);
    };
    // K8S: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/updatepodspec.go
    let spec = match o.kind {
        ResourceKind::Pod => "/spec",
        ResourceKind::CronJob => "/spec/jobTemplate/spec/template/spec",
        _ => "/spec/template/spec",
    };
    let Some(pod_spec) = live.pointer_mut(spec) else {
        return format!(
            "error: {} does not have a pod template",
            qualified(o.kind, &o.name)
        );
    };
    let mut selected = 0;
    for list in ["containers", "initContainers"] {
        let containers = pod_spec.get_mut(list).and_then(Value::as_array_mut);
        for c in containers.into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or_default();
            if !glob(selector, name) {
                continue;
            }
            selected += 1;
            for (field, values) in [("limits", limits), ("requests", requests)] {
                for (resource, quantity) in values {
                    c["resources"][field][resource] = json!(quantity);
                }
            }
        }
    }
    if selected == 0 {
        return format!("error: unable to find container named {selector}");
    }
    match update(sim, o, ns, &live, now) {
        Ok(true) => format!(
            "{} resource requirements updated",
            qualified(o.kind, &o.name)
        ),
        Ok(false) => String::new(),
        Err(e) => format!(
            "error: failed to patch resources update to pod template {}",
            e.kubectl(None)
        ),
    }
}

/// `kubectl edit`, the editor's result given as `object`: `edited`, or kubectl's message when
/// the object saved is the object opened.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/editor/editoptions.go (Run)
// DEVIATION: annotations of the live object that the given object leaves out are kept (the
// controllers' `deployment.kubernetes.io/revision` and such): the scenario's author writes the
// object without what the server added. An invalid edit prints the server's error, where kubectl
// would reopen the editor.
pub(super) fn edit(
    sim: &mut Simulation,
    ns: &str,
    o: &ObjectRef,
    object: &Value,
    now: SimTime,
) -> String {
    let Some(live) = live(sim, o.kind, ns, &o.name) else {
        return not_found(o.kind, &o.name);
    };
    let mut next = object.clone();
    if let Some(Value::Object(kept)) = live.pointer("/metadata/annotations") {
        for (k, v) in kept {
            let annotations = &mut next["metadata"]["annotations"];
            if annotations.get(k).is_none() {
                annotations[k] = v.clone();
            }
        }
    }
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/editor/editoptions.go (kubectl's own check,
    // before it sends anything)
    if next["kind"] != o.kind.name() || next["metadata"]["name"] != o.name.as_str() {
        return "error: At least one of apiVersion, kind and name was changed".to_string();
    }
    match update(sim, o, ns, &next, now) {
        Ok(true) => format!("{} edited", qualified(o.kind, &o.name)),
        Ok(false) => "Edit cancelled, no changes made.".to_string(),
        Err(e) => e.kubectl(None),
    }
}

/// The live object as JSON, as `kubectl get -o json` shows it.
pub(super) fn live(sim: &Simulation, kind: ResourceKind, ns: &str, name: &str) -> Option<Value> {
    requests::get(&sim.state, kind.resource(), ns, name).ok()
}

/// Sends `next` as the object's new version; says whether anything changed.
pub(super) fn update(
    sim: &mut Simulation,
    o: &ObjectRef,
    ns: &str,
    next: &Value,
    now: SimTime,
) -> Result<bool, Status> {
    let resource = o.kind.resource();
    sim.request(now, |api| {
        requests::update(api, resource, ns, &o.name, next)
    })
    .map(|written| written.changed)
}

/// Whether a container name matches `-c`: Go's `filepath.Match` with `*` and `?`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/set/helper.go (selectContainers)
fn glob(pattern: &str, name: &str) -> bool {
    match (pattern.chars().next(), name.chars().next()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob(&pattern[1..], name)
                || (!name.is_empty()
                    && glob(
                        pattern,
                        &name[name.chars().next().map_or(0, char::len_utf8)..],
                    ))
        }
        (Some('?'), Some(c)) => glob(&pattern[1..], &name[c.len_utf8()..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[p.len_utf8()..], &name[c.len_utf8()..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{json, Value};

    use super::glob;
    use crate::engine::SimTime;
    use crate::scenario::client as kubectl;
    use crate::scenario::kubectl::parse;
    use crate::sim::Simulation;

    /// A Deployment `web` (2 × nginx:1.25) and a bare pod `solo`, 30 s in.
    fn cluster() -> Simulation {
        let text = r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: updates}
spec:
  duration: 5m
  manifests:
  - inline:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec: {containers: [{name: nginx, image: "nginx:1.25"}]}
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: solo, labels: {app: solo}}
      spec: {containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
"#;
        let scenario = crate::scenario::load_str(text, "updates.yaml", Path::new(".")).unwrap();
        let mut sim = Simulation::new(scenario.setup(), 1, None).unwrap();
        sim.run_until(SimTime::from_secs(30)).unwrap();
        sim
    }

    /// Runs a command now, as a timeline entry would, and wakes the controllers it concerns.
    fn run(sim: &mut Simulation, line: &str) -> String {
        let now = sim.now();
        let output = kubectl::run(sim, &parse(line).unwrap(), now);
        sim.ensure_controllers(now);
        output
    }

    fn deployment(sim: &Simulation) -> Value {
        let key = (
            "Deployment".to_string(),
            "default".to_string(),
            "web".to_string(),
        );
        sim.state.objects[&key].body.clone()
    }

    fn solo(sim: &Simulation) -> &crate::model::Pod {
        sim.state
            .pod(sim.state.pod_id("default", "solo").unwrap())
            .unwrap()
    }

    const FORBIDDEN: &str = "The Pod \"solo\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    #[test]
    fn strategic_patch_of_a_template_moves_the_generation_once() {
        let mut sim = cluster();
        let image = r#"patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}'"#;
        assert_eq!(run(&mut sim, image), "deployment.apps/web patched");
        let d = deployment(&sim);
        assert_eq!(d["metadata"]["generation"], 2);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"],
            json!([{"name": "nginx", "image": "nginx:1.26"}])
        );
        assert_eq!(
            run(&mut sim, image),
            "deployment.apps/web patched (no change)"
        );
        assert_eq!(deployment(&sim)["metadata"]["generation"], 2);
    }

    #[test]
    fn merge_and_json_patches_and_their_errors() {
        let mut sim = cluster();
        let merge = r#"patch deployment web --type merge -p 'spec: {replicas: 5}'"#;
        assert_eq!(run(&mut sim, merge), "deployment.apps/web patched");
        assert_eq!(deployment(&sim)["spec"]["replicas"], 5);
        let test = r#"patch deployment web --type json -p '[{"op":"test","path":"/spec/replicas","value":4}]'"#;
        assert_eq!(run(&mut sim, test), "The request is invalid: the server rejected our request due to an error in our request");
        let add = r#"patch deployment web --type=json -p '[{"op":"add","path":"/metadata/labels","value":{"tier":"front"}}]'"#;
        assert_eq!(run(&mut sim, add), "deployment.apps/web patched");
        assert_eq!(
            deployment(&sim)["metadata"]["labels"],
            json!({"tier": "front"})
        );
        assert_eq!(
            run(
                &mut sim,
                r#"patch deployment api -p '{"spec":{"replicas":1}}'"#
            ),
            "Error from server (NotFound): deployments.apps \"api\" not found"
        );
        let wrong_type = r#"patch deployment web --type merge -p '{"spec":{"replicas":"many"}}'"#;
        assert!(run(&mut sim, wrong_type).starts_with("The Deployment \"web\" is invalid: "));
        assert_eq!(deployment(&sim)["spec"]["replicas"], 5);
        // K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go (checkName)
        let rename = r#"patch deployment web --type merge -p '{"metadata":{"name":"api"}}'"#;
        assert_eq!(
            run(&mut sim, rename),
            "Error from server (BadRequest): the name of the object (api) does not match the name on the URL (web)"
        );
    }

    #[test]
    fn a_pod_takes_label_and_image_patches_and_refuses_the_rest() {
        let mut sim = cluster();
        let labels = r#"patch pod solo -p '{"metadata":{"labels":{"tier":"db"}}}'"#;
        assert_eq!(run(&mut sim, labels), "pod/solo patched");
        assert_eq!(
            solo(&sim).meta.labels.get("tier").map(String::as_str),
            Some("db")
        );
        assert_eq!(run(&mut sim, labels), "pod/solo patched (no change)");
        let image =
            r#"patch pod solo -p '{"spec":{"containers":[{"name":"c","image":"busybox:1.37"}]}}'"#;
        assert_eq!(run(&mut sim, image), "pod/solo patched");
        assert_eq!(solo(&sim).spec.containers[0].image, "busybox:1.37");
        let command =
            r#"patch pod solo -p '{"spec":{"containers":[{"name":"c","command":["sh"]}]}}'"#;
        assert_eq!(run(&mut sim, command), FORBIDDEN);
    }

    #[test]
    fn set_resources_updates_templates_and_is_refused_on_a_pod() {
        let mut sim = cluster();
        let line =
            "set resources deployment web --limits=cpu=200m,memory=512Mi --requests=cpu=100m";
        assert_eq!(
            run(&mut sim, line),
            "deployment.apps/web resource requirements updated"
        );
        let d = deployment(&sim);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["resources"],
            json!({"limits": {"cpu": "200m", "memory": "512Mi"}, "requests": {"cpu": "100m"}})
        );
        assert_eq!(d["metadata"]["generation"], 2);
        assert_eq!(run(&mut sim, line), "");
        assert_eq!(
            run(
                &mut sim,
                "set resources deployments --all --requests=memory=0.5Gi"
            ),
            "deployment.apps/web resource requirements updated"
        );
        let d = deployment(&sim);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"],
            json!({"cpu": "100m", "memory": "512Mi"})
        );
        assert_eq!(
            run(
                &mut sim,
                "set resources deployment web -c sidecar --limits=cpu=1"
            ),
            "error: unable to find container named sidecar"
        );
        assert_eq!(
            run(&mut sim, "set resources pod solo --limits=cpu=1"),
            format!("error: failed to patch resources update to pod template {FORBIDDEN}")
        );
    }

    #[test]
    fn pause_and_resume_answer_as_kubectl() {
        let mut sim = cluster();
        assert_eq!(
            run(&mut sim, "rollout pause deployment/web"),
            "deployment.apps/web paused"
        );
        assert_eq!(deployment(&sim)["spec"]["paused"], true);
        assert_eq!(
            run(&mut sim, "rollout pause deployment/web"),
            "error: deployments.apps \"web\" is already paused"
        );
        assert_eq!(
            run(&mut sim, "rollout restart deployment/web"),
            "error: deployments.apps \"web\" can't restart paused deployment (run rollout resume first)"
        );
        assert_eq!(
            run(&mut sim, "rollout undo deployment/web --to-revision=1"),
            "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
        );
        assert_eq!(
            run(&mut sim, "rollout resume deployment/web"),
            "deployment.apps/web resumed"
        );
        assert_eq!(deployment(&sim)["spec"].get("paused"), None);
        assert_eq!(
            run(&mut sim, "rollout resume deploy web"),
            "error: deployments.apps \"web\" is not paused"
        );
    }

    /// The Deployment's ReplicaSets as (image, replicas), oldest first.
    fn replica_sets(sim: &Simulation) -> Vec<(String, i64)> {
        let mut out: Vec<_> = sim
            .state
            .objects
            .values()
            .filter(|o| o.kind == "ReplicaSet")
            .map(|o| {
                let b = &o.body;
                let image = b["spec"]["template"]["spec"]["containers"][0]["image"].clone();
                let revision =
                    b["metadata"]["annotations"]["deployment.kubernetes.io/revision"].clone();
                (
                    revision.to_string(),
                    image.as_str().unwrap().to_string(),
                    b["spec"]["replicas"].as_i64().unwrap(),
                )
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, image, n)| (image, n)).collect()
    }

    #[test]
    fn a_paused_deployment_scales_but_does_not_roll_until_resumed() {
        let mut sim = cluster();
        run(&mut sim, "rollout pause deployment/web");
        run(&mut sim, "set image deployment/web nginx=nginx:1.26");
        run(&mut sim, "scale deployment/web --replicas=3");
        sim.run_until(SimTime::from_secs(60)).unwrap();
        assert_eq!(replica_sets(&sim), [("nginx:1.25".to_string(), 3)]);
        let progressing = &deployment(&sim)["status"]["conditions"][1];
        assert_eq!(
            (
                &progressing["status"],
                &progressing["reason"],
                &progressing["message"]
            ),
            (
                &json!("Unknown"),
                &json!("DeploymentPaused"),
                &json!("Deployment is paused")
            )
        );
        run(&mut sim, "rollout resume deployment/web");
        sim.run_until(SimTime::from_secs(61)).unwrap();
        assert_eq!(
            replica_sets(&sim),
            // maxSurge 25% of 3 rounds up to 1, maxUnavailable down to 0.
            [("nginx:1.25".to_string(), 3), ("nginx:1.26".to_string(), 1)]
        );
        assert_eq!(
            deployment(&sim)["status"]["conditions"][1]["status"],
            "True"
        );
    }

    #[test]
    fn edit_saves_the_given_object_or_cancels_when_identical() {
        let mut sim = cluster();
        let now = sim.now();
        let edit = parse("edit deployment web").unwrap();
        let mut saved = deployment(&sim);
        saved["metadata"]["annotations"] = json!({});
        assert_eq!(
            kubectl::edit(&mut sim, &edit, &saved, now),
            "Edit cancelled, no changes made."
        );
        saved["spec"]["replicas"] = json!(3);
        assert_eq!(
            kubectl::edit(&mut sim, &edit, &saved, now),
            "deployment.apps/web edited"
        );
        assert_eq!(deployment(&sim)["spec"]["replicas"], 3);
        saved["metadata"]["name"] = json!("api");
        assert_eq!(
            kubectl::edit(&mut sim, &edit, &saved, now),
            "error: At least one of apiVersion, kind and name was changed"
        );
    }

    #[test]
    fn delete_answers_for_each_kind_as_the_api_server_does() {
        let mut sim = cluster();
        assert_eq!(
            run(&mut sim, "delete deployment web"),
            "deployment.apps \"web\" deleted from default namespace"
        );
        assert_eq!(
            run(&mut sim, "delete deployment web"),
            "Error from server (NotFound): deployments.apps \"web\" not found"
        );
        assert_eq!(
            run(&mut sim, "delete node node01"),
            "node \"node01\" deleted"
        );
        assert!(sim.state.node("node01").is_none());
        assert_eq!(
            run(&mut sim, "delete namespace default"),
            "Error from server (MethodNotAllowed): kubesim does not delete namespaces yet"
        );
    }

    #[test]
    fn container_globs_match_as_go_filepath_match() {
        assert!(glob("*", "web"));
        assert!(glob("web", "web"));
        assert!(!glob("web", "web2"));
        assert!(glob("w?b*", "web-2"));
        assert!(!glob("side*", "web"));
    }
}
