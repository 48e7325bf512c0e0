//! The API's HTTP vocabulary: which resource a path names, and the documents kube-apiserver
//! answers with (version, discovery, objects, lists, Tables, Status errors).

use serde_json::{json, Value};

use crate::apiserver::paths::Route;
use crate::apiserver::read;
use crate::apiserver::resources::Resource;
use crate::apiserver::tables::{self, ListFilter, Row};
use crate::apiserver::Status;
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
    pub user_agent: String,
    pub body: Vec<u8>,
}

impl ApiRequest {
    /// A bodiless GET of `path` with `query`, for tests.
    #[cfg(test)]
    pub fn get(path: &str, query: &[(&str, &str)]) -> ApiRequest {
        ApiRequest {
            method: "GET".into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            accept: String::new(),
            content_type: String::new(),
            user_agent: String::new(),
            body: Vec::new(),
        }
    }

    /// The query parameter `name`, decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The boolean query parameter `name`: true unless absent, `0` or `false` in any case
    /// (the Python client sends `watch=True`).
    // K8S: staging/src/k8s.io/apimachinery/pkg/runtime/conversion.go
    // (Convert_Slice_string_To_bool)
    pub fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    /// The writer a write is recorded under: its `fieldManager`, else the User-Agent's first
    /// word (`kubectl/v1.34.1 (linux/amd64) ...` writes as `kubectl`). An apply must name its
    /// manager itself.
    // K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go (managerOrUserAgent,
    // prefixFromUserAgent: up to the first `/`, printable characters, at most 128 bytes)
    pub fn field_manager(&self, apply: bool) -> Option<String> {
        if let Some(manager) = self.param("fieldManager") {
            return Some(manager.to_string());
        }
        if apply {
            return None;
        }
        let mut prefix = String::new();
        let first = self.user_agent.split('/').next().unwrap_or_default();
        for c in first.chars().filter(|c| !c.is_control()) {
            if prefix.len() + c.len_utf8() > 128 {
                break;
            }
            prefix.push(c);
        }
        (!prefix.is_empty()).then_some(prefix)
    }
}

/// An answer's body: a JSON document, text (`pods/log`), or a watch's stream of events.
#[derive(Debug)]
pub enum Payload {
    Json(Value),
    /// An aggregated discovery document (JSON of its own media type).
    Aggregated(Value),
    Text(String),
    Stream(tokio::sync::mpsc::UnboundedReceiver<bytes::Bytes>),
}

/// An answer and its HTTP status code.
#[derive(Debug)]
pub struct ApiResponse {
    pub code: u16,
    pub body: Payload,
}

impl ApiResponse {
    pub fn ok(body: Value) -> Self {
        ApiResponse {
            code: 200,
            body: Payload::Json(body),
        }
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

/// An API error as kube-apiserver writes it.
pub fn status(code: u16, reason: &'static str, message: &str) -> ApiResponse {
    Status {
        code,
        reason,
        message: message.to_string(),
        details: None,
    }
    .into()
}

impl From<Status> for ApiResponse {
    fn from(status: Status) -> Self {
        ApiResponse {
            code: status.code,
            body: Payload::Json(status.to_json()),
        }
    }
}

/// 404 for an object: `pods "web" not found`.
pub fn not_found(resource: &Resource, name: &str) -> ApiResponse {
    Status::not_found(&resource.group_resource(), name).into()
}

/// 404 for a path nothing is served at.
pub fn no_route() -> ApiResponse {
    Status::not_found_path().into()
}

/// 405 for a verb kubesim does not serve on a resource yet.
pub fn not_allowed(method: &str) -> ApiResponse {
    status(
        405,
        "MethodNotAllowed",
        &format!("the server does not allow this method on the requested resource ({method} is not served by kubesim yet)"),
    )
}

/// What a get, list or watch selects and how it wants the answer, read from the request.
pub struct Query {
    pub resource: &'static Resource,
    pub namespace: Option<String>,
    pub name: Option<String>,
    selector: Selector,
    fields: FieldSelector,
    /// `Some(includeObject)` when the client asked for Tables.
    pub table: Option<String>,
}

/// One selected object: its namespace ("" if cluster-scoped) and name, its JSON, and its
/// row of the kind's table when the client asked for Tables.
pub struct Listed {
    pub key: (String, String),
    pub object: Value,
    pub row: Option<Row>,
}

impl Query {
    /// The query of a request to a resource, or the 400 its selectors earn.
    pub fn of(req: &ApiRequest, route: &Route<'_>) -> Result<Query, ApiResponse> {
        let Route::Resource {
            resource,
            namespace,
            name,
            subresource: None,
        } = *route
        else {
            return Err(no_route());
        };
        let selector = Selector::parse(req.param("labelSelector").unwrap_or("")).map_err(|e| {
            status(
                400,
                "BadRequest",
                &format!("unable to parse requirement: {e}"),
            )
        })?;
        let fields = FieldSelector::parse(req.param("fieldSelector").unwrap_or(""))
            .map_err(|message| status(400, "BadRequest", &message))?;
        let table = req
            .accept
            .contains("as=Table")
            .then(|| req.param("includeObject").unwrap_or("Metadata").to_string());
        Ok(Query {
            resource,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            selector,
            fields,
            table,
        })
    }

    /// The objects selected now, in the API's order, with their rows only for Tables.
    pub fn list(&self, sim: &Simulation) -> Vec<Listed> {
        let filter = ListFilter {
            namespace: self.namespace.as_deref(),
            name: self.name.as_deref(),
            selector: &self.selector,
        };
        let objects = read::objects(&sim.state, self.resource.kind, sim.now(), &filter);
        let mut rows = match self.table {
            Some(_) => {
                let table = tables::table(&sim.state, self.resource.kind, sim.now(), &filter);
                debug_assert_eq!(objects.len(), table.rows.len());
                table.rows.into_iter().map(Some).collect()
            }
            None => Vec::new(),
        }
        .into_iter();
        objects
            .into_iter()
            .map(|(name, object)| (name, object, rows.next().flatten()))
            .filter(|(_, object, _)| self.fields.matches(object))
            .map(|(name, object, row)| {
                let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default();
                Listed {
                    key: (namespace.to_string(), name),
                    object,
                    row,
                }
            })
            .collect()
    }

    /// A Table of `listed`, in the form the client asked for.
    pub fn table_of<'l>(&self, listed: impl IntoIterator<Item = &'l Listed>) -> Value {
        let include = self.table.as_deref().unwrap_or("Metadata");
        table_body(tables::columns(self.resource.kind), listed, include)
    }
}

/// Serves a read: get, or list (as a Table when the client asks for one).
pub fn read(sim: &Simulation, query: &Query) -> ApiResponse {
    let mut listed = query.list(sim);
    if let Some(name) = &query.name {
        if listed.is_empty() {
            return not_found(query.resource, name);
        }
    }
    if query.table.is_some() {
        return ApiResponse::ok(query.table_of(&listed));
    }
    if query.name.is_some() {
        return ApiResponse::ok(listed.remove(0).object);
    }
    let items: Vec<Value> = listed.into_iter().map(|l| l.object).collect();
    let resource = query.resource;
    ApiResponse::ok(json!({
        "kind": format!("{}List", resource.kind),
        "apiVersion": resource.api_version(),
        "metadata": {"resourceVersion": resource_version(sim)},
        "items": items,
    }))
}

/// `pods/log`: what a container printed, as text. The container is the `container` parameter,
/// or the pod's only one; `previous`, `tailLines` and `limitBytes` as the kubelet reads them.
// K8S: pkg/registry/core/pod/rest/log.go and pkg/registry/core/pod/strategy.go (LogLocation:
// a pod with several app containers needs one named; a pod not yet on a node has an empty log)
// DEVIATION: `follow` returns what was printed so far and closes; `sinceSeconds`,
// `sinceTime` and `timestamps` are not served (kubesim's logs have no per-line times).
pub fn logs(sim: &Simulation, req: &ApiRequest, namespace: &str, name: &str) -> ApiResponse {
    let pods = crate::apiserver::resources::of_kind("Pod");
    let Some(id) = sim.state.pod_id(namespace, name) else {
        return not_found(pods, name);
    };
    let pod = sim.state.pod(id).expect("an indexed pod exists");
    let container = match crate::apiserver::pod_streams::container(pod, req.param("container")) {
        Ok(container) => container,
        Err(refused) => return refused.into(),
    };
    if pod.node_name.is_none() {
        return ApiResponse {
            code: 200,
            body: Payload::Text(String::new()),
        };
    }
    let previous = req.flag("previous");
    let lines = match sim.kubelets().logs(pod, id, &container, previous) {
        Ok(lines) => lines,
        Err(why) => return status(400, "BadRequest", &why),
    };
    let tail = req
        .param("tailLines")
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| lines.len().saturating_sub(n));
    let mut text: String = lines[tail..].iter().map(|l| format!("{l}\n")).collect();
    if let Some(limit) = req
        .param("limitBytes")
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut cut = limit.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    ApiResponse {
        code: 200,
        body: Payload::Text(text),
    }
}

/// The list's resourceVersion: how many events the simulation has handled.
// DEVIATION: no per-object resourceVersions yet; a list's version only grows with the
// simulation, which is what clients compare.
pub fn resource_version(sim: &Simulation) -> String {
    sim.stats.events.to_string()
}

/// A meta.k8s.io/v1 Table: the columns with their priorities and each row's cells, with the
/// object's metadata (`includeObject=Metadata`, the default), the whole object (`Object`) or
/// nothing (`None`).
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (Table, TableRow)
fn table_body<'l>(
    columns: &[crate::apiserver::tables::Column],
    listed: impl IntoIterator<Item = &'l Listed>,
    include: &str,
) -> Value {
    let columns: Vec<Value> = columns
        .iter()
        .map(|c| {
            let format = if c.name == "Name" { "name" } else { "" };
            json!({"name": c.name, "type": "string", "format": format, "description": "", "priority": c.priority})
        })
        .collect();
    let rows: Vec<Value> = listed
        .into_iter()
        .map(|Listed { object, row, .. }| {
            let row = row
                .as_ref()
                .expect("a Table's objects are listed with their rows");
            let mut value = json!({"cells": row.cells});
            match include {
                "None" => {}
                "Object" => value["object"] = object.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_boolean_parameter_is_false_only_when_absent_zero_or_false() {
        let request = |query: &[(&str, &str)]| ApiRequest::get("/api/v1/pods", query);
        for on in ["true", "True", "1", "yes", ""] {
            assert!(request(&[("watch", on)]).flag("watch"), "{on:?}");
        }
        for off in ["false", "FALSE", "0"] {
            assert!(!request(&[("watch", off)]).flag("watch"), "{off:?}");
        }
        assert!(!request(&[]).flag("watch"));
    }
}
