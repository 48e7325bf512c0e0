//! Field managers: `metadata.managedFields`, which records for each writer of an object (the
//! `fieldManager` of its requests) which fields it set, and server-side apply, which merges a
//! manager's configuration into the object, removes the fields it stopped applying and refuses
//! to change a field another manager set to another value unless forced.

use serde_json::{json, Value};

use super::fieldpath::{self, Element, FieldSet};
use super::resources::Resource;
use super::server::ApiServer;
use super::status::{Cause, Details, Status};
use crate::engine::SimTime;
use crate::model::time::rfc3339;

/// How a manager wrote its fields.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (ManagedFieldsOperationType)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One entry of `metadata.managedFields`.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (ManagedFieldsEntry)
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    /// `scale` for a write to the scale subresource.
    pub subresource: Option<String>,
    /// When the manager last changed the object (`None`: it never did, it only co-owns).
    pub time: Option<String>,
    pub fields: FieldSet,
}

/// Who writes: the manager's name and the subresource written through.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pub manager: &'a str,
    pub subresource: Option<&'a str>,
}

impl Entry {
    fn is(&self, writer: Writer<'_>, operation: Operation, api_version: &str) -> bool {
        // An applier is the same manager whatever version it applies with.
        // K8S: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/managedfields.go
        // (BuildManagerIdentifier)
        self.manager == writer.manager
            && self.operation == operation
            && self.subresource.as_deref() == writer.subresource
            && (operation == Operation::Apply || self.api_version == api_version)
    }

    /// The manager's identifier (the JSON structured merge keys managers by; conflicts are
    /// grouped in its order).
    fn identifier(&self) -> String {
        let mut text = format!(
            "{{\"manager\":{},\"operation\":\"{}\"",
            json!(self.manager),
            self.operation.name()
        );
        if self.operation == Operation::Update {
            text += &format!(",\"apiVersion\":{}", json!(self.api_version));
        }
        if let Some(sub) = &self.subresource {
            text += &format!(",\"subresource\":{}", json!(sub));
        }
        text + "}"
    }

    /// The manager as a conflict names it: `"kubectl" with subresource "scale" using apps/v1`.
    // K8S: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go
    // (printManager; the identifier has no time)
    fn printed(&self) -> String {
        let mut text = json!(self.manager).to_string();
        if let Some(sub) = &self.subresource {
            text = format!("{text} with subresource {}", json!(sub));
        }
        match self.operation {
            Operation::Update => format!("{text} using {}", self.api_version),
            Operation::Apply => text,
        }
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation.name(),
            "apiVersion": self.api_version,
            "fieldsType": "FieldsV1",
            "fieldsV1": self.fields.to_fields_v1(),
        });
        if let Some(time) = &self.time {
            entry["time"] = json!(time);
        }
        if let Some(sub) = &self.subresource {
            entry["subresource"] = json!(sub);
        }
        entry
    }

    fn from_json(entry: &Value) -> Option<Entry> {
        let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
        let operation = match entry.get("operation")?.as_str()? {
            "Apply" => Operation::Apply,
            "Update" => Operation::Update,
            _ => return None,
        };
        Some(Entry {
            manager: text("manager").unwrap_or_default(),
            operation,
            api_version: text("apiVersion").unwrap_or_default(),
            subresource: text("subresource"),
            time: text("time"),
            fields: FieldSet::from_fields_v1(entry.get("fieldsV1")?),
        })
    }
}

/// The entries of an object's `metadata.managedFields`.
pub fn entries(object: &Value) -> Vec<Entry> {
    let listed = object.pointer("/metadata/managedFields");
    let listed = listed.and_then(Value::as_array).map(Vec::as_slice);
    listed
        .unwrap_or_default()
        .iter()
        .filter_map(Entry::from_json)
        .collect()
}

/// Writes `entries` into the object's metadata, in the API server's order (appliers first,
/// then by time, manager, version and subresource); none leaves no `managedFields`.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/managedfields.go
// (sortEncodedManagedFields)
pub fn set_entries(object: &mut Value, mut entries: Vec<Entry>) {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(|a, b| {
        let order = |e: &Entry| {
            let time = e.time.clone().unwrap_or_default();
            (e.operation, time, e.manager.clone(), e.api_version.clone())
        };
        order(a)
            .cmp(&order(b))
            .then_with(|| a.subresource.cmp(&b.subresource))
    });
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    match entries.is_empty() {
        true => meta.remove("managedFields"),
        false => meta.insert(
            "managedFields".into(),
            entries.iter().map(Entry::to_json).collect(),
        ),
    };
}

/// Records a write that is not an apply (operation `Update`): the fields it changed become
/// the writer's and stop being anyone else's; the fields it removed stop being anyone's.
// K8S: sigs.k8s.io/structured-merge-diff/v4/merge/update.go (Updater.Update) and
// staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/managedfieldsupdater.go
// (the writer's time moves when it took fields)
pub fn record_update(
    entries: &mut Vec<Entry>,
    before: Option<&Value>,
    after: &Value,
    api_version: &str,
    writer: Writer<'_>,
    now: SimTime,
) {
    let diff = fieldpath::compare(before, after);
    let touched = diff.changed.union(&diff.removed);
    for entry in entries.iter_mut() {
        entry.fields = entry.fields.difference(&touched);
    }
    // K8S: merge/update.go (a manager left with no fields is dropped)
    entries.retain(|e| !e.fields.is_empty());
    if diff.changed.is_empty() {
        return;
    }
    let at = entries
        .iter()
        .position(|e| e.is(writer, Operation::Update, api_version));
    let entry = match at {
        Some(at) => &mut entries[at],
        None => {
            entries.push(Entry {
                manager: writer.manager.to_string(),
                operation: Operation::Update,
                api_version: api_version.to_string(),
                subresource: writer.subresource.map(str::to_string),
                time: None,
                fields: FieldSet::default(),
            });
            entries.last_mut().expect("just pushed")
        }
    };
    entry.fields = entry.fields.union(&diff.changed);
    entry.time = Some(rfc3339(now));
}

/// An apply of `applied` by `manager` to `live` (`None`: there is no object yet): the object to
/// store, with `entries` updated; or the 409 naming every field another manager set to
/// another value, when not `force`d (forced, those fields become the applier's).
// K8S: sigs.k8s.io/structured-merge-diff/v4/merge/update.go (Updater.Apply, prune, update)
pub fn apply_fields(
    entries: &mut Vec<Entry>,
    live: Option<&Value>,
    applied: &Value,
    api_version: &str,
    manager: &str,
    force: bool,
    now: SimTime,
) -> Result<Value, Status> {
    let writer = Writer {
        manager,
        subresource: None,
    };
    let mine = |e: &Entry| e.is(writer, Operation::Apply, api_version);
    let set = fieldpath::set_of(applied);
    let last = entries.iter().find(|e| mine(e)).map(|e| e.fields.clone());
    let owned = entries
        .iter()
        .filter(|e| !mine(e))
        .fold(set.clone(), |all, e| all.union(&e.fields));
    let mut object = match live {
        Some(live) => fieldpath::merge(live, applied),
        None => applied.clone(),
    };
    fieldpath::remove(
        &mut object,
        &last.unwrap_or_default().difference(&owned),
        &owned,
    );
    let diff = fieldpath::compare(live, &object);
    let mut conflicts: Vec<(&Entry, Vec<Element>)> = entries
        .iter()
        .filter(|e| !mine(e))
        .flat_map(|e| {
            let paths = e.fields.intersection(&diff.changed).paths();
            paths.into_iter().map(move |p| (e, p))
        })
        .collect();
    if !force && !conflicts.is_empty() {
        conflicts.sort_by_key(|(e, _)| e.identifier());
        return Err(conflict(&conflicts));
    }
    let taken = diff.changed.union(&diff.removed);
    for entry in entries.iter_mut().filter(|e| !mine(e)) {
        entry.fields = entry.fields.difference(&taken);
    }
    entries.retain(|e| !e.fields.is_empty());
    let time = (diff != fieldpath::Comparison::default()).then(|| rfc3339(now));
    match entries.iter_mut().find(|e| mine(e)) {
        Some(entry) => {
            entry.fields = set;
            entry.api_version = api_version.to_string();
            entry.time = time.or(entry.time.take());
        }
        None => entries.push(Entry {
            manager: manager.to_string(),
            operation: Operation::Apply,
            api_version: api_version.to_string(),
            subresource: None,
            time,
            fields: set,
        }),
    }
    Ok(object)
}

/// The 409 of an apply that would change other managers' fields.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go
// (NewConflictError, getConflictMessage) and apimachinery/pkg/api/errors/errors.go
// (NewApplyConflict)
fn conflict(conflicts: &[(&Entry, Vec<Element>)]) -> Status {
    let message = match conflicts {
        [(entry, path)] => format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            entry.printed(),
            fieldpath::display(path)
        ),
        _ => {
            let mut lines = Vec::new();
            let mut last = None;
            for (entry, path) in conflicts {
                if last != Some(entry.identifier()) {
                    lines.push(format!("conflicts with {}:", entry.printed()));
                    last = Some(entry.identifier());
                }
                lines.push(format!("- {}", fieldpath::display(path)));
            }
            format!(
                "Apply failed with {} conflicts: {}",
                conflicts.len(),
                lines.join("\n")
            )
        }
    };
    let causes = conflicts
        .iter()
        .map(|(entry, path)| Cause {
            reason: "FieldManagerConflict",
            message: format!("conflict with {}", entry.printed()),
            field: fieldpath::display(path),
        })
        .collect();
    Status {
        code: 409,
        reason: "Conflict",
        message,
        details: Some(Box::new(Details {
            causes,
            ..Details::default()
        })),
    }
}

/// PATCH with `application/apply-patch+yaml`: server-side apply of `applied` by `manager`,
/// creating the object when there is none (201) or merging into it (200). Answers with the
/// stored object.
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (applyPatcher, with
// forceAllowCreate) and staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal
// (fieldmanager.go: managedFields must be nil; versioncheck.go)
#[allow(clippy::too_many_arguments)]
pub fn apply(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
    applied: &Value,
    manager: &str,
    force: bool,
    now: SimTime,
) -> Result<(u16, Value), Status> {
    if !applied.is_object() {
        return Err(Status::bad_request(
            "error decoding patch: json: cannot unmarshal non-object into Go value of type map[string]interface {}",
        ));
    }
    let api_version = resource.api_version();
    let given_version = applied["apiVersion"].as_str().unwrap_or_default();
    if given_version != api_version {
        return Err(Status::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {given_version}, expected: {api_version}"
        )));
    }
    if applied["kind"] != resource.kind {
        return Err(Status::bad_request(format!(
            "invalid object type: {api_version}, Kind={}",
            applied["kind"].as_str().unwrap_or_default()
        )));
    }
    if applied.pointer("/metadata/managedFields").is_some() {
        return Err(Status::bad_request("metadata.managedFields must be nil"));
    }
    super::requests::check_name(applied, name)?;
    let live = match super::requests::get(api.state, resource, namespace, name) {
        Ok(live) => Some(live),
        Err(status) if status.code == 404 => None,
        Err(status) => return Err(status),
    };
    let mut owners = live.as_ref().map(entries).unwrap_or_default();
    let object = apply_fields(
        &mut owners,
        live.as_ref(),
        applied,
        &api_version,
        manager,
        force,
        now,
    )?;
    let code = match live {
        None => {
            super::requests::create(api, namespace, &object, now)?;
            201
        }
        Some(_) => {
            super::requests::update(api, resource, namespace, name, &object)?;
            200
        }
    };
    store_entries(api, resource, namespace, name, owners);
    Ok((
        code,
        super::requests::get(api.state, resource, namespace, name)?,
    ))
}

/// Keeps `entries` as the stored object's managedFields.
// DEVIATION: only the objects kubesim stores as documents (Deployments, Services,
// ConfigMaps...) keep managedFields; pods, nodes and namespaces, which it models natively,
// keep none (an apply to one merges without owners, so without conflicts).
fn store_entries(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
    entries: Vec<Entry>,
) {
    let key = super::requests::stored_key(resource, namespace, name);
    if let Some(stored) = api.state.objects.get_mut(&key) {
        set_entries(&mut stored.body, entries);
    }
}

/// Runs a write that is not an apply and records it as `writer`'s `Update` of the object
/// `name` (for a create, the name the object is given).
pub fn tracked_write(
    api: &mut ApiServer<'_>,
    resource: &Resource,
    namespace: &str,
    name: &str,
    writer: Writer<'_>,
    now: SimTime,
    write: impl FnOnce(&mut ApiServer<'_>) -> Result<Value, Status>,
) -> Result<Value, Status> {
    let key = super::requests::stored_key(resource, namespace, name);
    let before = api.state.objects.get(&key).map(|o| o.body.clone());
    let answer = write(api)?;
    let Some(after) = api.state.objects.get(&key).map(|o| o.body.clone()) else {
        return Ok(answer);
    };
    let mut owners = entries(&after);
    let api_version = resource.api_version();
    record_update(
        &mut owners,
        before.as_ref(),
        &after,
        &api_version,
        writer,
        now,
    );
    store_entries(api, resource, namespace, name, owners);
    match writer.subresource {
        Some(_) => Ok(answer),
        None => super::requests::get(api.state, resource, namespace, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(replicas: i64, image: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": image}]}}
            }
        })
    }

    const AT: SimTime = SimTime::from_millis(5_000);

    fn apply_as(
        entries: &mut Vec<Entry>,
        live: Option<&Value>,
        applied: &Value,
        manager: &str,
        force: bool,
    ) -> Result<Value, Status> {
        apply_fields(entries, live, applied, "apps/v1", manager, force, AT)
    }

    fn update_as(entries: &mut Vec<Entry>, before: &Value, after: &Value, manager: &str) {
        let writer = Writer {
            manager,
            subresource: None,
        };
        record_update(entries, Some(before), after, "apps/v1", writer, AT);
    }

    #[test]
    fn an_apply_owns_what_it_applied_and_entries_encode_as_upstream() {
        let mut entries = Vec::new();
        let applied = deployment(2, "nginx:1.25");
        let object = apply_as(&mut entries, None, &applied, "kubectl", false).unwrap();
        assert_eq!(object, applied);
        let mut stored = object.clone();
        set_entries(&mut stored, entries);
        assert_eq!(
            stored["metadata"]["managedFields"],
            json!([{
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {
                        "f:replicas": {},
                        "f:selector": {},
                        "f:template": {
                            "f:metadata": {"f:labels": {"f:app": {}}},
                            "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                                ".": {}, "f:image": {}, "f:name": {}
                            }}}
                        }
                    }
                },
                "manager": "kubectl",
                "operation": "Apply",
                "time": "2025-01-01T00:00:05Z"
            }])
        );
        assert_eq!(super::entries(&stored).len(), 1);
    }

    #[test]
    fn a_changed_field_of_another_manager_is_a_conflict_with_upstreams_message() {
        let live = deployment(2, "nginx:1.25");
        let mut entries = Vec::new();
        update_as(&mut entries, &json!({}), &live, "kubectl-client-side-apply");
        let mut refused_with = |applied: Value| {
            apply_as(&mut entries, Some(&live), &applied, "kubectl", false).unwrap_err()
        };
        let refused = refused_with(deployment(3, "nginx:1.25"));
        assert_eq!((refused.code, refused.reason), (409, "Conflict"));
        assert_eq!(
            refused.message,
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
        );
        assert_eq!(
            refused.to_json()["details"],
            json!({"causes": [{"reason": "FieldManagerConflict",
                               "message": "conflict with \"kubectl-client-side-apply\" using apps/v1",
                               "field": ".spec.replicas"}]})
        );
        let refused = refused_with(deployment(3, "nginx:1.26"));
        assert_eq!(
            refused.message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image"
        );
        // The same values co-own: no conflict, both managers own them.
        apply_as(&mut entries, Some(&live), &live, "kubectl", false).unwrap();
        let replicas = fieldpath::set_of(&json!({"spec": {"replicas": 2}}));
        assert!(entries
            .iter()
            .all(|e| e.fields.intersection(&replicas) == replicas));
    }

    #[test]
    fn conflicts_are_grouped_by_manager_and_name_the_subresource() {
        let live = deployment(2, "nginx:1.25");
        let mut entries = Vec::new();
        let scaled = deployment(4, "nginx:1.25");
        let scale = Writer {
            manager: "kubectl",
            subresource: Some("scale"),
        };
        record_update(&mut entries, Some(&live), &scaled, "apps/v1", scale, AT);
        let mut edited = scaled.clone();
        edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
        update_as(&mut entries, &scaled, &edited, "kubectl-edit");
        let refused = apply_as(&mut entries, Some(&edited), &live, "ci", false).unwrap_err();
        assert_eq!(
            refused.message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl\" with subresource \"scale\" using apps/v1:\n- .spec.replicas\nconflicts with \"kubectl-edit\" using apps/v1:\n- .spec.template.spec.containers[name=\"nginx\"].image"
        );
    }

    #[test]
    fn force_takes_the_fields_and_a_dropped_field_is_removed_unless_owned() {
        let live = deployment(2, "nginx:1.25");
        let mut entries = Vec::new();
        apply_as(&mut entries, None, &live, "kubectl", false).unwrap();
        let scaled = deployment(5, "nginx:1.25");
        update_as(&mut entries, &live, &scaled, "hpa");
        let object = apply_as(&mut entries, Some(&scaled), &live, "kubectl", true).unwrap();
        assert_eq!(object["spec"]["replicas"], 2);
        assert_eq!(entries.len(), 1, "hpa owned nothing else: {entries:?}");
        // Dropping replicas from the configuration removes the field.
        let mut without = live.clone();
        without["spec"].as_object_mut().unwrap().remove("replicas");
        let object = apply_as(&mut entries, Some(&object), &without, "kubectl", false).unwrap();
        assert_eq!(object["spec"].get("replicas"), None);
        // Unless another manager owns it too.
        let object = apply_as(&mut entries, Some(&object), &live, "kubectl", false).unwrap();
        apply_as(&mut entries, Some(&object), &live, "other", false).unwrap();
        let object = apply_as(&mut entries, Some(&object), &without, "kubectl", false).unwrap();
        assert_eq!(object["spec"]["replicas"], 2);
    }

    #[test]
    fn an_update_takes_what_it_changed_from_the_others() {
        let live = deployment(2, "nginx:1.25");
        let mut entries = Vec::new();
        apply_as(&mut entries, None, &live, "kubectl", false).unwrap();
        update_as(
            &mut entries,
            &live,
            &deployment(3, "nginx:1.25"),
            "kubectl-scale",
        );
        let owned = |name: &str| {
            let entry = entries.iter().find(|e| e.manager == name).unwrap();
            entry
                .fields
                .paths()
                .iter()
                .map(|p| fieldpath::display(p))
                .collect::<Vec<_>>()
        };
        assert_eq!(owned("kubectl-scale"), [".spec.replicas"]);
        assert!(!owned("kubectl").contains(&".spec.replicas".to_string()));
        let before = entries.clone();
        update_as(&mut entries, &live, &live, "kubectl-scale");
        assert_eq!(
            entries, before,
            "a write that changes nothing records nothing"
        );
    }

    #[test]
    fn an_apply_request_creates_then_merges_and_refuses_what_upstream_refuses() {
        let mut state = crate::model::ClusterState::new();
        let mut api = ApiServer::new(&mut state);
        let deployments = super::super::resources::of_kind("Deployment");
        let mut run = |applied: &Value, force| {
            let name = "web";
            apply(
                &mut api,
                deployments,
                "default",
                name,
                applied,
                "kubectl",
                force,
                AT,
            )
        };
        let mut refusal = |applied: Value| run(&applied, false).unwrap_err().message;
        let mut wrong = deployment(2, "nginx:1.25");
        wrong["apiVersion"] = json!("apps/v1beta1");
        assert_eq!(
            refusal(wrong),
            "Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1"
        );
        let mut wrong = deployment(2, "nginx:1.25");
        wrong["kind"] = json!("ReplicaSet");
        assert_eq!(
            refusal(wrong),
            "invalid object type: apps/v1, Kind=ReplicaSet"
        );
        let mut wrong = deployment(2, "nginx:1.25");
        wrong["metadata"]["managedFields"] = json!([]);
        assert_eq!(refusal(wrong), "metadata.managedFields must be nil");
        let mut wrong = deployment(2, "nginx:1.25");
        wrong["metadata"]["name"] = json!("api");
        assert_eq!(
            refusal(wrong),
            "the name of the object (api) does not match the name on the URL (web)"
        );
        let (code, created) = run(&deployment(2, "nginx:1.25"), false).unwrap();
        assert_eq!((code, created["spec"]["replicas"].as_i64()), (201, Some(2)));
        assert_eq!(
            created["metadata"]["managedFields"][0]["manager"],
            "kubectl"
        );
        let (code, merged) = run(&deployment(3, "nginx:1.26"), false).unwrap();
        assert_eq!((code, merged["spec"]["replicas"].as_i64()), (200, Some(3)));
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:1.26"
        );
    }
}
