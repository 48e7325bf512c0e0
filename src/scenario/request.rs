//! A write to the API as an HTTP client sends it (method, path, body): what `kubesim serve`
//! receives, run as a timeline step through [`ApiCall`]'s [`Command`] implementation (so that a
//! session, once recorded into a scenario's timeline, can replay through the same code).

use std::cell::RefCell;

use serde_json::{json, Value};

use crate::apiserver::patch::PatchType;
use crate::apiserver::paths::{route, Route};
use crate::apiserver::requests::{self, Propagation};
use crate::apiserver::Status;
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
            answer: RefCell::new(None),
        }
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
        Ok(ApiCall::new(
            method,
            path,
            content_type,
            value.get("body").cloned(),
        ))
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
        match (self.method.as_str(), name, subresource) {
            ("POST", None, None) => {
                let created = sim.request(now, |api| requests::create(api, ns, &body, now))?;
                Ok((201, created))
            }
            ("PUT", Some(name), None) => {
                let written =
                    sim.request(now, |api| requests::update(api, resource, ns, name, &body))?;
                Ok((200, written.object))
            }
            ("PATCH", Some(name), None) => {
                let patch_type = patch_type(&self.content_type)?;
                let written = sim.request(now, |api| {
                    requests::patch(api, resource, ns, name, &body, patch_type)
                })?;
                Ok((200, written.object))
            }
            ("PATCH" | "PUT", Some(name), Some("scale")) => {
                let replicas = body
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| Status::bad_request("a Scale needs spec.replicas"))?;
                let scale = sim.request(now, |api| {
                    requests::scale(api, resource, ns, name, replicas)
                })?;
                Ok((200, scale))
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

/// The patch type a PATCH's media type names.
// K8S: staging/src/k8s.io/apimachinery/pkg/types/patch.go (PatchType)
fn patch_type(content_type: &str) -> Result<PatchType, Status> {
    match content_type.split(';').next().unwrap_or_default().trim() {
        "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
        "application/merge-patch+json" => Ok(PatchType::Merge),
        "application/json-patch+json" => Ok(PatchType::Json),
        other => Err(Status {
            code: 415,
            reason: "UnsupportedMediaType",
            message: format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (kubesim does not serve {other} yet)"
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
