//! A write to the API as an HTTP client sends it (method, path, body): what `kubesim serve`
//! receives, run as a timeline step through [`ApiCall`]'s [`Command`] implementation (so that a
//! session, once recorded into a scenario's timeline, can replay through the same code).

use std::cell::RefCell;

use serde_json::{json, Value};

use crate::apiserver::managed::{self, Writer};
use crate::apiserver::patch::PatchType;
use crate::apiserver::paths::{route, Route};
use crate::apiserver::requests::{self, Propagation};
use crate::apiserver::resources::Resource;
use crate::apiserver::{ApiServer, Cause, Details, Status};
use crate::engine::SimTime;
use crate::sim::{Command, Simulation};

/// One write request.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// `POST`, `PUT`, `PATCH`, `DELETE`.
    pub method: String,
    pub path: String,
    /// The body's media type; for PATCH it names the patch type.
    pub content_type: String,
    /// The body, decoded (`None`: none sent).
    pub body: Option<Value>,
    /// The writer the object's managedFields name: the `fieldManager` query parameter, or
    /// the name the client's User-Agent gives (`None`: an unnamed writer, whose writes are
    /// not recorded there).
    pub field_manager: Option<String>,
    /// An apply's `force` query parameter.
    pub force: Option<bool>,
    /// The last run's answer, for the HTTP door: the status code and object, or the Status.
    answer: RefCell<Option<Result<(u16, Value), Status>>>,
}

impl ApiCall {
    pub fn new(method: &str, path: &str, content_type: &str, body: Option<Value>) -> Self {
        ApiCall {
            method: method.to_string(),
            path: path.to_string(),
            content_type: content_type.to_string(),
            body,
            field_manager: None,
            force: None,
            answer: RefCell::new(None),
        }
    }

    /// The request with its `fieldManager` and `force` query parameters.
    pub fn with_query(mut self, field_manager: Option<String>, force: Option<bool>) -> Self {
        self.field_manager = field_manager;
        self.force = force;
        self
    }

    /// The trace's line for the request: `PATCH /api/v1/namespaces/default/pods/web`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The answer of the last run (taken: each run answers once).
    pub fn answer(&self) -> Option<Result<(u16, Value), Status>> {
        self.answer.borrow_mut().take()
    }

    /// The request as a timeline entry's `request:` mapping.
    pub fn to_value(&self) -> Value {
        let mut value = json!({"method": self.method, "path": self.path});
        if !self.content_type.is_empty() {
            value["contentType"] = json!(self.content_type);
        }
        if let Some(body) = &self.body {
            value["body"] = body.clone();
        }
        let mut query = serde_json::Map::new();
        if let Some(manager) = &self.field_manager {
            query.insert("fieldManager".into(), json!(manager));
        }
        if let Some(force) = self.force {
            query.insert("force".into(), json!(force));
        }
        if !query.is_empty() {
            value["query"] = Value::Object(query);
        }
        value
    }

    /// A timeline entry's `request:` mapping read back, or what is wrong with it.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let method = text("method").filter(|m| matches!(*m, "POST" | "PUT" | "PATCH" | "DELETE"));
        let Some(method) = method else {
            return Err("a request needs a `method:` (POST, PUT, PATCH or DELETE)".to_string());
        };
        let Some(path) = text("path").filter(|p| route(p).is_some()) else {
            return Err(
                "a request needs a `path:` the API serves (/api/v1/namespaces/default/pods)"
                    .to_string(),
            );
        };
        let content_type = text("contentType").unwrap_or_default();
        let query = value.get("query");
        let field_manager = query.and_then(|q| q.get("fieldManager"));
        let field_manager = match field_manager {
            None => None,
            Some(Value::String(manager)) => Some(manager.clone()),
            Some(_) => return Err("a request's `query.fieldManager:` is a name".to_string()),
        };
        let force = match query.and_then(|q| q.get("force")) {
            None => None,
            Some(Value::Bool(force)) => Some(*force),
            Some(_) => return Err("a request's `query.force:` is true or false".to_string()),
        };
        let call = ApiCall::new(method, path, content_type, value.get("body").cloned());
        Ok(call.with_query(field_manager, force))
    }

    /// The named writer of the object `name`, if the request has one.
    fn writer<'n>(
        &'n self,
        name: &'n str,
        subresource: Option<&'n str>,
    ) -> Option<(&'n str, Writer<'n>)> {
        let manager = self.field_manager.as_deref()?;
        Some((
            name,
            Writer {
                manager,
                subresource,
            },
        ))
    }

    /// Runs a write that is not an apply; with a named writer, what it changed is recorded in
    /// the object's managedFields.
    fn tracked(
        &self,
        sim: &mut Simulation,
        now: SimTime,
        resource: &Resource,
        namespace: &str,
        writer: Option<(&str, Writer<'_>)>,
        write: impl FnOnce(&mut ApiServer<'_>) -> Result<Value, Status>,
    ) -> Result<Value, Status> {
        sim.request(now, |api| match writer {
            Some((name, writer)) => {
                managed::tracked_write(api, resource, namespace, name, writer, now, write)
            }
            None => write(api),
        })
    }

    fn call(&self, sim: &mut Simulation, now: SimTime) -> Result<(u16, Value), Status> {
        let not_served = || {
            Status::method_not_allowed(format!(
                "the server does not allow this method on the requested resource ({} {} is not served by kubesim yet)",
                self.method, self.path
            ))
        };
        let Some(Route::Resource {
            resource,
            namespace,
            name,
            subresource,
        }) = route(&self.path)
        else {
            return Err(Status::not_found_path());
        };
        let ns = namespace.unwrap_or("");
        let body = self.body.clone().unwrap_or(Value::Null);
        let apply = media_type(&self.content_type) == APPLY;
        if self.method == "PATCH" {
            patch_options(apply, self.field_manager.as_deref(), self.force)?;
        }
        let name_given = body["metadata"]["name"].as_str().unwrap_or_default();
        match (self.method.as_str(), name, subresource) {
            ("PATCH", Some(name), None) if apply => {
                let manager = self.field_manager.as_deref().unwrap_or_default();
                let force = self.force.unwrap_or(false);
                sim.request(now, |api| {
                    managed::apply(api, resource, ns, name, &body, manager, force, now)
                })
            }
            ("POST", None, None) => {
                let create = |api: &mut ApiServer<'_>| requests::create(api, ns, &body, now);
                let created = self.tracked(
                    sim,
                    now,
                    resource,
                    ns,
                    self.writer(name_given, None),
                    create,
                )?;
                Ok((201, created))
            }
            ("PUT", Some(name), None) => {
                let update = |api: &mut ApiServer<'_>| {
                    Ok(requests::update(api, resource, ns, name, &body)?.object)
                };
                Ok((
                    200,
                    self.tracked(sim, now, resource, ns, self.writer(name, None), update)?,
                ))
            }
            ("PATCH", Some(name), None) => {
                let patch_type = patch_type(&self.content_type)?;
                let patch = |api: &mut ApiServer<'_>| {
                    Ok(requests::patch(api, resource, ns, name, &body, patch_type)?.object)
                };
                Ok((
                    200,
                    self.tracked(sim, now, resource, ns, self.writer(name, None), patch)?,
                ))
            }
            ("PATCH" | "PUT", Some(name), Some("scale")) => {
                let replicas = body
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| Status::bad_request("a Scale needs spec.replicas"))?;
                let scale =
                    |api: &mut ApiServer<'_>| requests::scale(api, resource, ns, name, replicas);
                let writer = self.writer(name, Some("scale"));
                Ok((200, self.tracked(sim, now, resource, ns, writer, scale)?))
            }
            ("DELETE", Some(name), None) => {
                let (grace, propagation) = delete_options(&body)?;
                let object = sim.delete(resource, ns, name, grace, propagation, now)?;
                Ok((200, object))
            }
            // K8S: pkg/registry/core/pod/storage/eviction.go (an eviction deletes the pod with
            // its deleteOptions and answers a Success Status, 201)
            ("POST", Some(name), Some("eviction")) if resource.kind == "Pod" => {
                let options = body.get("deleteOptions").cloned().unwrap_or(Value::Null);
                let (grace, propagation) = delete_options(&options)?;
                sim.delete(resource, ns, name, grace, propagation, now)?;
                let success = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                    "status": "Success", "code": 201});
                Ok((201, success))
            }
            _ => Err(not_served()),
        }
    }
}

/// The media type of server-side apply's PATCH.
// K8S: staging/src/k8s.io/apimachinery/pkg/types/patch.go (ApplyYAMLPatchType)
pub const APPLY: &str = "application/apply-patch+yaml";

/// A Content-Type without its parameters.
pub fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

/// A PATCH's options as the API server checks them: an apply names its field manager, and
/// only an apply may be forced.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
// (ValidatePatchOptions), refused as an Invalid PatchOptions.meta.k8s.io
fn patch_options(
    apply: bool,
    field_manager: Option<&str>,
    force: Option<bool>,
) -> Result<(), Status> {
    let (field, reason, message) = match (apply, field_manager, force) {
        (true, None | Some(""), _) => (
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch",
        ),
        (false, _, Some(_)) => (
            "force",
            "FieldValueForbidden",
            "Forbidden: may not be specified for non-apply patch",
        ),
        _ => return Ok(()),
    };
    Err(Status {
        code: 422,
        reason: "Invalid",
        message: format!("PatchOptions.meta.k8s.io \"\" is invalid: {field}: {message}"),
        details: Some(Box::new(Details {
            group: "meta.k8s.io".into(),
            kind: "PatchOptions".into(),
            causes: vec![Cause {
                reason,
                message: message.to_string(),
                field: field.to_string(),
            }],
            ..Details::default()
        })),
    })
}

/// The patch type a PATCH's media type names (server-side apply's is served apart).
// K8S: staging/src/k8s.io/apimachinery/pkg/types/patch.go (PatchType)
fn patch_type(content_type: &str) -> Result<PatchType, Status> {
    match media_type(content_type) {
        "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
        "application/merge-patch+json" => Ok(PatchType::Merge),
        "application/json-patch+json" => Ok(PatchType::Json),
        other => Err(Status {
            code: 415,
            reason: "UnsupportedMediaType",
            message: format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (kubesim does not serve {other} yet)"
            ),
            details: None,
        }),
    }
}

/// DeleteOptions' grace period and propagation policy.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (DeleteOptions)
fn delete_options(options: &Value) -> Result<(Option<i64>, Propagation), Status> {
    let grace = options.get("gracePeriodSeconds").and_then(Value::as_i64);
    let propagation = match options.get("propagationPolicy").and_then(Value::as_str) {
        None | Some("Background") => Propagation::Background,
        Some("Foreground") => Propagation::Foreground,
        Some("Orphan") => Propagation::Orphan,
        Some(other) => {
            return Err(Status::bad_request(format!(
                "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            )))
        }
    };
    Ok((grace, propagation))
}

impl Command for ApiCall {
    fn tool(&self) -> &'static str {
        "api"
    }

    /// Runs the request; the trace's output is the answer's status line.
    fn run(&self, sim: &mut Simulation, now: SimTime) -> String {
        let answer = self.call(sim, now);
        let line = match &answer {
            Ok((code, _)) => code.to_string(),
            Err(status) => format!("{} {}: {}", status.code, status.reason, status.message),
        };
        *self.answer.borrow_mut() = Some(answer);
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_keeps_its_field_manager_and_force_through_a_recording() {
        let call = ApiCall::new(
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/web",
            APPLY,
            None,
        )
        .with_query(Some("kubectl".into()), Some(true));
        let value = call.to_value();
        assert_eq!(
            value["query"],
            json!({"fieldManager": "kubectl", "force": true})
        );
        let back = ApiCall::from_value(&value).unwrap();
        assert_eq!(
            (back.field_manager.as_deref(), back.force),
            (Some("kubectl"), Some(true))
        );
        let plain = ApiCall::new("DELETE", "/api/v1/namespaces/default/pods/web", "", None);
        assert_eq!(plain.to_value().get("query"), None);
        let mut bad = value.clone();
        bad["query"]["force"] = json!("yes");
        assert_eq!(
            ApiCall::from_value(&bad).unwrap_err(),
            "a request's `query.force:` is true or false"
        );
    }

    #[test]
    fn patch_options_are_checked_as_upstream_does() {
        let refused = patch_options(true, None, None).unwrap_err();
        assert_eq!((refused.code, refused.reason), (422, "Invalid"));
        assert_eq!(
            refused.to_json()["details"],
            json!({"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [{
                "reason": "FieldValueRequired",
                "message": "Required value: is required for apply patch",
                "field": "fieldManager"}]})
        );
        assert_eq!(
            refused.message,
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
        );
        assert_eq!(
            patch_options(false, Some("kubectl"), Some(false)).unwrap_err().message,
            "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
        );
        assert!(patch_options(true, Some("kubectl"), Some(true)).is_ok());
        assert!(patch_options(false, None, None).is_ok());
        assert_eq!(
            media_type("application/apply-patch+yaml; charset=utf-8"),
            APPLY
        );
    }
}
