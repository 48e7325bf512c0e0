//! The three patch types of `kubectl patch`, applied to an object's JSON as the API server does:
//! JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch, whose lists
//! merge by a per-field key instead of being replaced.

use serde_json::{Map, Value};

use super::Status;

/// How a patch's body is read: the `Content-Type` of a PATCH request, which kubectl's
/// `patch --type` picks (strategic merge by default).
// K8S: staging/src/k8s.io/apimachinery/pkg/types/patch.go (PatchType)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/merge-patch+json` (RFC 7386)
    Merge,
    /// `application/json-patch+json` (RFC 6902)
    Json,
}

/// Reads a patch as kubectl does: YAML or JSON (JSON is YAML), one document.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go (yaml.ToJSON of --patch)
pub fn parse(text: &str) -> Result<Value, String> {
    let docs = crate::manifest::yaml::parse_documents(text)
        .map_err(|e| format!("unable to parse {text:?}: {}", e.message))?;
    match docs.into_iter().next() {
        Some(doc) => Ok(doc.value),
        None => Err(format!("unable to parse {text:?}: empty patch")),
    }
}

/// The object after the patch; the error is the API server's (a JSON patch that fails, a
/// merge patch that is not an object).
pub fn apply(object: &Value, patch: &Value, patch_type: PatchType) -> Result<Value, Status> {
    let mut out = object.clone();
    if patch_type != PatchType::Json && !patch.is_object() {
        // K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (the patch is
        // unmarshalled into a map; encoding/json's error, as a BadRequest)
        let what = match patch {
            Value::Array(_) => "array",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            _ => "null",
        };
        return Err(Status::bad_request(format!(
            "json: cannot unmarshal {what} into Go value of type map[string]interface {{}}"
        )));
    }
    match patch_type {
        PatchType::Merge => json_patch::merge(&mut out, patch),
        PatchType::Json => {
            let ops: json_patch::Patch =
                serde_json::from_value(patch.clone()).map_err(|_| Status::unprocessable())?;
            json_patch::patch(&mut out, &ops).map_err(|_| Status::unprocessable())?;
        }
        PatchType::Strategic => {
            let patch = patch.as_object().cloned().unwrap_or_default();
            let original = out.as_object().cloned().unwrap_or_default();
            out = Value::Object(merge_map(original, &patch, &[]).unwrap_or_default());
        }
    }
    Ok(out)
}

/// The directive key of strategic merge patch.
const DIRECTIVE: &str = "$patch";

/// Merges a patch map into a map; `None` when the patch says `$patch: delete`.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (mergeMap)
fn merge_map(
    mut original: Map<String, Value>,
    patch: &Map<String, Value>,
    path: &[&str],
) -> Option<Map<String, Value>> {
    match patch.get(DIRECTIVE).and_then(Value::as_str) {
        Some("delete") => return None,
        Some("replace") => return Some(strip(patch)),
        _ => {}
    }
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        original.retain(|k, _| keep.iter().any(|kept| kept == k.as_str()));
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue; // directives: $setElementOrder/…, $retainKeys, $deleteFromPrimitiveList/…
        }
        let child: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
        let merged = match (original.remove(key), value) {
            (_, Value::Null) => None,
            (Some(Value::Object(old)), Value::Object(new)) => {
                merge_map(old, new, &child).map(Value::Object)
            }
            (Some(Value::Array(old)), Value::Array(new)) => {
                Some(Value::Array(merge_list(old, new, &child)))
            }
            (_, new) => fresh(new),
        };
        if let Some(v) = merged {
            original.insert(key.clone(), v);
        }
    }
    Some(original)
}

/// Merges a patch list into a list: by the field's merge key when it has one, else the patch
/// list replaces it.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (mergeSlice)
fn merge_list(mut original: Vec<Value>, patch: &[Value], path: &[&str]) -> Vec<Value> {
    let directive = |v: &Value| v.get(DIRECTIVE).and_then(Value::as_str).map(str::to_string);
    let Some(merge_key) = merge_key(path) else {
        return patch.iter().filter_map(fresh).collect();
    };
    if patch
        .iter()
        .any(|v| directive(v).as_deref() == Some("replace"))
    {
        return patch
            .iter()
            .filter(|v| directive(v).is_none())
            .filter_map(fresh)
            .collect();
    }
    for item in patch {
        let id = item.get(merge_key);
        let at = id.and_then(|id| original.iter().position(|o| o.get(merge_key) == Some(id)));
        match (directive(item).as_deref(), at, item) {
            (Some("delete"), _, _) => original.retain(|o| id.is_none() || o.get(merge_key) != id),
            (_, Some(i), Value::Object(new)) => {
                let old = original.remove(i);
                let old = old.as_object().cloned().unwrap_or_default();
                if let Some(merged) = merge_map(old, new, path) {
                    original.insert(i, Value::Object(merged));
                }
            }
            (_, _, new) => original.extend(fresh(new)),
        }
    }
    original
}

/// A patch value that lands where nothing was: its directives taken out.
fn fresh(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) if map.get(DIRECTIVE).and_then(Value::as_str) == Some("delete") => None,
        Value::Object(map) => Some(Value::Object(strip(map))),
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(fresh).collect())),
        other => Some(other.clone()),
    }
}

/// A map without its directive keys, nested values cleaned too.
fn strip(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .filter_map(|(k, v)| Some((k.clone(), fresh(v)?)))
        .collect()
}

/// The `patchMergeKey` of the list at `path` (field names from the object's root, list indexes
/// left out), for the lists of the simulated kinds that have one; the others are replaced.
// K8S: staging/src/k8s.io/api/core/v1/types.go and apps/v1/types.go (patchStrategy:"merge"
// patchMergeKey tags)
pub(super) fn merge_key(path: &[&str]) -> Option<&'static str> {
    let field = *path.last()?;
    let in_container = path[..path.len() - 1]
        .iter()
        .any(|p| matches!(*p, "containers" | "initContainers" | "ephemeralContainers"));
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "ports" if in_container => "containerPort",
        "ports" => "port",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ownerReferences" => "uid",
        "conditions" => "type",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
            "spec": {
                "replicas": 3,
                "template": {"spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                        {"name": "sidecar", "image": "envoy:1"}
                    ],
                    "tolerations": [{"key": "a", "operator": "Exists"}]
                }}
            }
        })
    }

    fn strategic(patch: Value) -> Value {
        apply(&deployment(), &patch, PatchType::Strategic).unwrap()
    }

    #[test]
    fn strategic_merges_containers_by_name_and_keeps_the_others() {
        let out = strategic(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.26"}
        ]}}}}));
        let containers = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["image"], "nginx:1.26");
        assert_eq!(containers[0]["ports"], json!([{"containerPort": 80}]));
        assert_eq!(
            containers[1],
            json!({"name": "sidecar", "image": "envoy:1"})
        );
    }

    #[test]
    fn strategic_appends_new_keys_and_merges_env_and_ports() {
        let out = strategic(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
             "ports": [{"containerPort": 443}]}
        ]}}}}));
        let web = &out["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            web["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}])
        );
        assert_eq!(
            web["ports"],
            json!([{"containerPort": 80}, {"containerPort": 443}])
        );
    }

    #[test]
    fn strategic_replaces_lists_without_a_merge_key_and_null_deletes() {
        let out = strategic(json!({
            "metadata": {"labels": {"tier": null}},
            "spec": {"template": {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}}
        }));
        assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "b", "operator": "Exists"}])
        );
    }

    #[test]
    fn strategic_directives_delete_and_replace() {
        let out = strategic(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "$patch": "delete"}
        ]}}}}));
        let containers = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0]["name"], "web");
        let out = strategic(json!({"metadata": {"labels": {"$patch": "replace", "app": "api"}}}));
        assert_eq!(out["metadata"]["labels"], json!({"app": "api"}));
        let out = strategic(json!({"spec": {"template": {"spec": {"containers": [
            {"$patch": "replace"}, {"name": "only", "image": "busybox"}
        ]}}}}));
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only", "image": "busybox"}])
        );
    }

    #[test]
    fn merge_patch_replaces_lists_whole() {
        let patch = json!({"spec": {"replicas": 5, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.26"}
        ]}}}});
        let out = apply(&deployment(), &patch, PatchType::Merge).unwrap();
        assert_eq!(out["spec"]["replicas"], 5);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "web", "image": "nginx:1.26"}])
        );
    }

    #[test]
    fn json_patch_operations_and_rejections() {
        let patch = json!([
            {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "envoy:2"},
            {"op": "remove", "path": "/metadata/labels/tier"},
            {"op": "test", "path": "/spec/replicas", "value": 3}
        ]);
        let out = apply(&deployment(), &patch, PatchType::Json).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][1]["image"],
            "envoy:2"
        );
        assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
        let failing = json!([{"op": "test", "path": "/spec/replicas", "value": 4}]);
        assert_eq!(
            apply(&deployment(), &failing, PatchType::Json),
            Err(Status::unprocessable())
        );
        let missing = json!([{"op": "remove", "path": "/spec/paused"}]);
        assert_eq!(
            apply(&deployment(), &missing, PatchType::Json).unwrap_err(),
            Status::unprocessable()
        );
    }

    #[test]
    fn a_patch_that_is_not_a_map_is_a_bad_request() {
        assert_eq!(
            apply(&deployment(), &json!("x"), PatchType::Strategic)
                .unwrap_err()
                .kubectl(None),
            "Error from server (BadRequest): json: cannot unmarshal string into Go value of type map[string]interface {}"
        );
        assert!(apply(&deployment(), &json!([1]), PatchType::Merge)
            .unwrap_err()
            .message
            .contains("cannot unmarshal array"));
    }

    #[test]
    fn patches_parse_as_json_or_yaml() {
        assert_eq!(
            parse(r#"{"spec":{"replicas":2}}"#).unwrap(),
            json!({"spec": {"replicas": 2}})
        );
        assert_eq!(
            parse("spec:\n  paused: true\n").unwrap(),
            json!({"spec": {"paused": true}})
        );
        assert!(parse("{\"spec\": ")
            .unwrap_err()
            .starts_with("unable to parse "));
    }
}
