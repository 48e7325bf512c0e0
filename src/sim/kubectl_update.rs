//! The kubectl commands that rewrite a whole object through the API server's update path:
//! `patch`, `set resources` and `edit`. Each reads the live object as JSON, changes it, and
//! hands the result to [`replace`], which validates it as `kubectl apply` input is validated and
//! stores it (a pod only where the API server lets a running pod change).

use serde_json::{json, Value};

use super::kubectl::{key, not_found, qualified};
use super::{admission, patch, Simulation};
use crate::engine::SimTime;
use crate::manifest::yaml::Located;
use crate::manifest::Object;
use crate::scenario::kubectl::{ObjectRef, PatchType, ResourceKind};

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
    let Some(live) = live(sim, o.kind, ns, &o.name) else {
        return not_found(o.kind, &o.name);
    };
    let result = patch::parse(text)
        .map_err(|e| format!("error: {e}"))
        .and_then(|p| patch::apply(&live, &p, patch_type))
        .and_then(|next| replace(sim, o.kind, ns, &o.name, &next, now));
    match result {
        Ok(true) => format!("{} patched", qualified(o.kind, &o.name)),
        Ok(false) => format!("{} patched (no change)", qualified(o.kind, &o.name)),
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
    match replace(sim, o.kind, ns, &o.name, &live, now) {
        Ok(true) => format!(
            "{} resource requirements updated",
            qualified(o.kind, &o.name)
        ),
        Ok(false) => String::new(),
        Err(e) => format!("error: failed to patch resources update to pod template {e}"),
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
    match replace(sim, o.kind, ns, &o.name, &next, now) {
        Ok(true) => format!("{} edited", qualified(o.kind, &o.name)),
        Ok(false) => "Edit cancelled, no changes made.".to_string(),
        Err(e) => e,
    }
}

/// The live object as JSON, as `kubectl get -o json` shows it (a pod without the `nodeName`
/// the scheduler set, so that an update does not seem to change it).
fn live(sim: &Simulation, kind: ResourceKind, ns: &str, name: &str) -> Option<Value> {
    if kind == ResourceKind::Pod {
        let pod = sim.state.pod(sim.state.pod_id(ns, name)?)?;
        let mut json = crate::manifest::render::pod(pod);
        if pod.spec.api.node_name.is_none() {
            if let Some(spec) = json["spec"].as_object_mut() {
                spec.remove("nodeName");
            }
        }
        return Some(json);
    }
    Some(sim.state.objects.get(&key(kind, ns, name))?.body.clone())
}

/// Validates `next` as a new version of the object and stores it; says whether anything
/// changed. Status is the controllers' and kubelets', so the one given is ignored.
fn replace(
    sim: &mut Simulation,
    kind: ResourceKind,
    ns: &str,
    name: &str,
    next: &Value,
    now: SimTime,
) -> Result<bool, String> {
    let mut next = next.clone();
    if let Some(map) = next.as_object_mut() {
        map.remove("status");
    }
    let same_object = next["kind"] == kind.name() && next["metadata"]["name"] == name;
    if !same_object {
        // K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/editor/editoptions.go
        return Err("error: At least one of apiVersion, kind and name was changed".to_string());
    }
    let mut loaded = Vec::new();
    let origin = qualified(kind, name);
    crate::manifest::load_value(&next, &Located::nowhere(), &origin, &[], &mut loaded).map_err(
        // DEVIATION: the reason is kubesim's decoder's, after the API server's first words.
        |e| format!("The {} \"{name}\" is invalid: {}", kind.name(), e.message),
    )?;
    match loaded.pop().map(|m| m.object) {
        Some(Object::Pod(given)) => {
            let id = sim
                .state
                .pod_id(ns, name)
                .ok_or_else(|| not_found(kind, name))?;
            let changed = admission::update_pod(sim, id, &given.spec, now)?;
            let pod = sim.state.pod_mut(id).expect("indexed pods exist");
            let labels = given.metadata.labels.unwrap_or_default();
            let annotations = given.metadata.annotations.unwrap_or_default();
            let relabelled = pod.meta.labels != labels || pod.meta.annotations != annotations;
            pod.meta.labels = labels;
            pod.meta.annotations = annotations;
            Ok(changed || relabelled)
        }
        Some(Object::Stored(given)) => {
            let existing = sim
                .state
                .objects
                .get_mut(&key(kind, ns, name))
                .ok_or_else(|| not_found(kind, name))?;
            let changed = admission::update_stored(existing, &given.body);
            if changed {
                sim.controllers.observe_object(kind.name(), ns, name);
            }
            Ok(changed)
        }
        _ => Err(format!(
            "error: kubesim does not update {} objects",
            kind.name()
        )),
    }
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
    use super::glob;

    #[test]
    fn container_globs_match_as_go_filepath_match() {
        assert!(glob("*", "web"));
        assert!(glob("web", "web"));
        assert!(!glob("web", "web2"));
        assert!(glob("w?b*", "web-2"));
        assert!(!glob("side*", "web"));
    }
}
