//! The API's HTTP vocabulary: which resource a path names, and the documents kube-apiserver
//! answers with (version, discovery, objects, lists, Tables, Status errors).

use serde_json::{json, Map, Value};

use crate::apiserver::read;
use crate::apiserver::resources::{Resource, RESOURCES};
use crate::apiserver::tables::{self, ListFilter, Table};
use crate::model::labels::Selector;
use crate::model::node::NODE_INFO;
use crate::sim::Simulation;

/// An HTTP request as the API sees it.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: String,
    pub path: String,
    /// The query's parameters, decoded.
    pub query: Vec<(String, String)>,
    pub accept: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl ApiRequest {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON answer and its HTTP status code.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub code: u16,
    pub body: Value,
}

impl ApiResponse {
    fn ok(body: Value) -> Self {
        ApiResponse { code: 200, body }
    }
}

/// What a path names.
#[derive(Debug, PartialEq)]
pub enum Route<'p> {
    Version,
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: the named groups.
    Groups,
    /// `/api/v1`, `/apis/apps/v1`: a group version's resources.
    GroupVersion {
        group: &'p str,
        version: &'p str,
    },
    /// `/openapi/v3`: where each group version's OpenAPI document is.
    OpenApiRoot,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`.
    OpenApi {
        group: &'p str,
        version: &'p str,
    },
    /// A collection, an object, or an object's subresource.
    Resource {
        resource: &'static Resource,
        namespace: Option<&'p str>,
        name: Option<&'p str>,
        subresource: Option<&'p str>,
    },
}

/// The route of a path, or `None` for a path the API does not serve (404).
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (NewRequestInfo)
pub fn route(path: &str) -> Option<Route<'_>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] => return Some(Route::Version),
        ["api"] => return Some(Route::CoreVersions),
        ["apis"] => return Some(Route::Groups),
        ["openapi", "v3"] => return Some(Route::OpenApiRoot),
        ["openapi", "v3", "api", version] => ("", *version, &[][..]),
        ["openapi", "v3", "apis", group, version] => (*group, *version, &[][..]),
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let in_group = |plural: &str| {
        RESOURCES
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    };
    if rest.is_empty() {
        let served = RESOURCES
            .iter()
            .any(|r| r.group == group && r.version == version);
        return served.then_some(if segments[0] == "openapi" {
            Route::OpenApi { group, version }
        } else {
            Route::GroupVersion { group, version }
        });
    }
    // `/namespaces/NS/pods...` is a namespaced path; `/namespaces` and `/namespaces/NS` are
    // the namespaces themselves.
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
        _ => (None, rest),
    };
    let resource = in_group(rest[0])?;
    if namespace.is_some() && !resource.namespaced {
        return None;
    }
    match rest {
        [_] => Some(Route::Resource {
            resource,
            namespace,
            name: None,
            subresource: None,
        }),
        [_, name] | [_, name, ..] if rest.len() <= 3 => Some(Route::Resource {
            resource,
            namespace,
            name: Some(*name),
            subresource: rest.get(2).copied(),
        }),
        _ => None,
    }
}

/// `/version`: kube-apiserver's version.Info, for the version kubesim's nodes report.
// K8S: staging/src/k8s.io/apimachinery/pkg/version/types.go (Info)
pub fn version() -> Value {
    let git = NODE_INFO.kubelet_version;
    let minor = git.split('.').nth(1).unwrap_or_default();
    json!({
        "major": "1",
        "minor": minor,
        "emulationMajor": "1",
        "emulationMinor": minor,
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": minor,
        "gitVersion": git,
        "gitCommit": "kubesim",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "kubesim",
        "compiler": "kubesim",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub fn core_versions(address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    })
}

/// `/apis`: every named group, each with the one version kubesim serves.
pub fn groups() -> Value {
    let groups: Vec<Value> = group_versions()
        .into_iter()
        .filter(|(group, _)| !group.is_empty())
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1`, `/apis/GROUP/VERSION`: the group version's resources.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (APIResourceList)
pub fn group_version(group: &str, version: &str) -> Value {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            let mut resource = json!({
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": r.verbs,
            });
            if !r.short_names.is_empty() {
                resource["shortNames"] = json!(r.short_names);
            }
            if !r.categories.is_empty() {
                resource["categories"] = json!(r.categories);
            }
            resource
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
}

/// Every group version served, core first: `("", "v1")`, `("apps", "v1")`...
fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut names: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !names.contains(&(r.group, r.version)) {
            names.push((r.group, r.version));
        }
    }
    names
}

/// The URL path of a group version: `api/v1`, `apis/apps/v1`.
fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: each group version's document.
// K8S: staging/src/k8s.io/client-go/openapi/client.go (the root's paths and their
// serverRelativeURL)
pub fn openapi_root() -> Value {
    let paths: Map<String, Value> = group_versions()
        .into_iter()
        .map(|(group, version)| {
            let path = group_version_path(group, version);
            let url = format!("/openapi/v3/{path}?hash={}", env!("CARGO_PKG_VERSION"));
            (path, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// A group version's OpenAPI v3 document: each object path and its PATCH operation with the
/// `fieldValidation` parameter, which tells kubectl the server validates fields itself (so it
/// sends `fieldValidation=Strict` instead of validating against schemas).
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go
// (supportsQueryParamV3: a PATCH operation for the GVK with the query parameter)
// DEVIATION: no schemas (`kubectl explain` against the server is not served); kubesim's own
// decoder refuses unknown and mistyped fields with the API's messages.
pub fn openapi(group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let scope = if r.namespaced {
            "namespaces/{namespace}/"
        } else {
            ""
        };
        let path = format!(
            "/{}/{scope}{}/{{name}}",
            group_version_path(group, version),
            r.plural
        );
        let operation = json!({
            "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": r.kind},
        });
        paths.insert(path, json!({"patch": operation}));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": NODE_INFO.kubelet_version},
        "paths": paths,
    })
}

/// An API error as kube-apiserver writes it.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (StatusError)
pub fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> ApiResponse {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    ApiResponse { code, body }
}

/// 404 for an object: `pods "web" not found`.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound)
pub fn not_found(resource: &Resource, name: &str) -> ApiResponse {
    let mut details = json!({"name": name, "kind": resource.plural});
    if !resource.group.is_empty() {
        details["group"] = json!(resource.group);
    }
    status(
        404,
        "NotFound",
        &format!("{} \"{name}\" not found", resource.group_resource()),
        Some(details),
    )
}

/// 404 for a path nothing is served at.
pub fn no_route() -> ApiResponse {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        None,
    )
}

/// 405 for a verb kubesim does not serve on a resource yet.
pub fn not_allowed(method: &str) -> ApiResponse {
    status(
        405,
        "MethodNotAllowed",
        &format!("the server does not allow this method on the requested resource ({method} is not served by kubesim yet)"),
        None,
    )
}

/// Turns the first line kubectl would print for a refused request (`Error from server
/// (AlreadyExists): pods "web" already exists`) back into the Status the API server sent.
pub fn from_kubectl_error(output: &str) -> Option<ApiResponse> {
    let rest = output.lines().next()?.strip_prefix("Error from server (")?;
    let (reason, message) = rest.split_once("): ")?;
    // K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (StatusReason codes)
    let code = match reason {
        "NotFound" => 404,
        "AlreadyExists" | "Conflict" => 409,
        "Forbidden" => 403,
        "Invalid" => 422,
        "BadRequest" => 400,
        _ => 500,
    };
    Some(status(code, reason, message, None))
}

/// Serves a read: get, or list (as a Table when the client asks for one).
pub fn read(sim: &Simulation, req: &ApiRequest, route: &Route<'_>) -> ApiResponse {
    let Route::Resource {
        resource,
        namespace,
        name,
        subresource: None,
    } = *route
    else {
        return no_route();
    };
    let selector = match Selector::parse(req.param("labelSelector").unwrap_or("")) {
        Ok(selector) => selector,
        Err(e) => {
            return status(
                400,
                "BadRequest",
                &format!("unable to parse requirement: {e}"),
                None,
            )
        }
    };
    let fields = match FieldSelector::parse(req.param("fieldSelector").unwrap_or("")) {
        Ok(fields) => fields,
        Err(message) => return status(400, "BadRequest", &message, None),
    };
    let filter = ListFilter {
        namespace,
        name,
        selector: &selector,
    };
    let objects = read::objects(&sim.state, resource.kind, &filter);
    let kept: Vec<bool> = objects.iter().map(|(_, o)| fields.matches(o)).collect();
    if let Some(name) = name {
        if !kept.first().copied().unwrap_or(false) {
            return not_found(resource, name);
        }
    }
    if req.accept.contains("as=Table") {
        let table = tables::table(&sim.state, resource.kind, sim.now(), &filter);
        let include = req.param("includeObject").unwrap_or("Metadata");
        return ApiResponse::ok(table_body(&table, objects, &kept, include));
    }
    let mut items: Vec<Value> = objects
        .into_iter()
        .zip(kept)
        .filter(|(_, keep)| *keep)
        .map(|((_, object), _)| object)
        .collect();
    if name.is_some() {
        return ApiResponse::ok(items.remove(0));
    }
    ApiResponse::ok(json!({
        "kind": format!("{}List", resource.kind),
        "apiVersion": resource.api_version(),
        "metadata": {"resourceVersion": resource_version(sim)},
        "items": items,
    }))
}

/// The list's resourceVersion: how many events the simulation has handled.
// DEVIATION: no per-object resourceVersions yet; a list's version only grows with the
// simulation, which is what clients compare.
fn resource_version(sim: &Simulation) -> String {
    sim.stats.events.to_string()
}

/// A meta.k8s.io/v1 Table: the columns with their priorities and each row's cells, with the
/// object's metadata (`includeObject=Metadata`, the default), the whole object (`Object`) or
/// nothing (`None`).
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (Table, TableRow)
fn table_body(table: &Table, objects: Vec<(String, Value)>, kept: &[bool], include: &str) -> Value {
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            let format = if c.name == "Name" { "name" } else { "" };
            json!({"name": c.name, "type": "string", "format": format, "description": "", "priority": c.priority})
        })
        .collect();
    let rows: Vec<Value> = table
        .rows
        .iter()
        .zip(objects)
        .zip(kept)
        .filter(|(_, keep)| **keep)
        .map(|((row, (_, object)), _)| {
            let mut value = json!({"cells": row.cells});
            match include {
                "None" => {}
                "Object" => value["object"] = object,
                _ => {
                    value["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    })
                }
            }
            value
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": columns,
        "rows": rows,
    })
}

/// A field selector (`involvedObject.name=web,status.phase!=Running`) over an object's JSON.
// K8S: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (ParseSelector: `=`, `==`,
// `!=`, terms joined by commas)
// DEVIATION: any field path is accepted; the API accepts only each kind's selectable fields.
struct FieldSelector {
    terms: Vec<(Vec<String>, String, bool)>,
}

impl FieldSelector {
    fn parse(text: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for term in text.split(',').filter(|t| !t.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, v, true)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                ));
            };
            let path = field.split('.').map(str::to_string).collect();
            terms.push((path, value.to_string(), equal));
        }
        Ok(FieldSelector { terms })
    }

    fn matches(&self, object: &Value) -> bool {
        self.terms.iter().all(|(path, value, equal)| {
            let found = path
                .iter()
                .try_fold(object, |v, key| v.get(key))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            (found == *value) == *equal
        })
    }
}

/// A JSON object's `metadata.name`, for a created object's response.
pub fn name_of(body: &Map<String, Value>) -> Option<&str> {
    body.get("metadata")?.get("name")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_resources_as_the_api_server_parses_them() {
        let pods = crate::apiserver::resources::of_kind("Pod");
        assert_eq!(
            route("/api/v1/namespaces/default/pods/web/log"),
            Some(Route::Resource {
                resource: pods,
                namespace: Some("default"),
                name: Some("web"),
                subresource: Some("log"),
            })
        );
        let namespaces = crate::apiserver::resources::of_kind("Namespace");
        assert_eq!(
            route("/api/v1/namespaces/kube-system"),
            Some(Route::Resource {
                resource: namespaces,
                namespace: None,
                name: Some("kube-system"),
                subresource: None,
            })
        );
        assert_eq!(
            route("/apis/apps/v1"),
            Some(Route::GroupVersion {
                group: "apps",
                version: "v1"
            })
        );
        assert_eq!(route("/apis/apps/v2"), None);
        assert_eq!(route("/api/v1/namespaces/default/nodes"), None);
        assert_eq!(route("/healthz"), None);
    }

    #[test]
    fn field_selectors_compare_fields_of_the_object() {
        let event = json!({"involvedObject": {"name": "web", "kind": "Pod"}, "count": 2});
        let matches = |s: &str| FieldSelector::parse(s).unwrap().matches(&event);
        assert!(matches("involvedObject.name=web,involvedObject.kind==Pod"));
        assert!(matches("count=2,involvedObject.uid!=x"));
        assert!(!matches("involvedObject.name!=web"));
        assert!(FieldSelector::parse("nonsense").is_err());
    }

    #[test]
    fn refusals_become_statuses_with_their_codes() {
        let refused =
            from_kubectl_error("Error from server (AlreadyExists): pods \"web\" already exists")
                .unwrap();
        assert_eq!(refused.code, 409);
        assert_eq!(refused.body["message"], "pods \"web\" already exists");
        assert_eq!(from_kubectl_error("pod/web created"), None);
    }
}
