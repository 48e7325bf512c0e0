//! The API server's errors: what kube-apiserver answers a refused request with, a `Status`
//! object (HTTP code, machine-readable reason, message). kubectl prints them, the controllers
//! quote them in their events, and `kubesim serve` will send them as they are.

use serde_json::{json, Value};

/// A refused request, as kube-apiserver's `metav1.Status`: `code` is the HTTP status, `reason`
/// the `StatusReason` (`NotFound`, `AlreadyExists`, `Invalid`, `Forbidden`), `message` the
/// sentence kubectl shows (`pods "x" not found`).
// K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// The object the error is about, when it is about one.
    pub details: Option<Box<Details>>,
}

/// `metav1.StatusDetails`: the name of the object, and its kind (an invalid object's kind) or
/// resource (`pods`, for the other reasons), as upstream's constructors fill them in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Details {
    pub name: String,
    pub kind: String,
    /// `metav1.StatusDetails.group`: the API group of `kind` when it has one.
    pub group: String,
    /// What exactly was wrong, field by field (an apply's conflicts).
    pub causes: Vec<Cause>,
}

/// `metav1.StatusCause`: one reason a request failed, and the field it is about.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (StatusCause; its Type is
// serialised as `reason`)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Status {
    /// An admission plugin's refusal of `resource "name"` (403).
    // K8S: staging/src/k8s.io/apiserver/pkg/admission/errors.go (NewForbidden)
    pub fn forbidden(resource: &str, name: &str, why: impl std::fmt::Display) -> Self {
        Status {
            code: 403,
            reason: "Forbidden",
            message: format!("{resource} \"{name}\" is forbidden: {why}"),
            details: Some(Box::new(Details {
                name: name.to_string(),
                kind: resource.to_string(),
                ..Details::default()
            })),
        }
    }

    /// No object of that name (404); `resource` is the group-qualified plural (`pods`,
    /// `deployments.apps`).
    // K8S: errors.go (NewNotFound)
    pub fn not_found(resource: &str, name: &str) -> Self {
        Status {
            code: 404,
            reason: "NotFound",
            message: format!("{resource} \"{name}\" not found"),
            details: Some(Box::new(Details {
                name: name.to_string(),
                kind: resource.to_string(),
                ..Details::default()
            })),
        }
    }

    /// A create of a name that is taken (409).
    // K8S: errors.go (NewAlreadyExists)
    pub fn already_exists(resource: &str, name: &str) -> Self {
        Status {
            code: 409,
            reason: "AlreadyExists",
            message: format!("{resource} \"{name}\" already exists"),
            details: Some(Box::new(Details {
                name: name.to_string(),
                kind: resource.to_string(),
                ..Details::default()
            })),
        }
    }

    /// An object that fails validation (422); `kind` is the object's kind (`Pod`), `why` the
    /// field errors.
    // K8S: errors.go (NewInvalid)
    pub fn invalid(kind: &str, name: &str, why: impl std::fmt::Display) -> Self {
        Status {
            code: 422,
            reason: "Invalid",
            message: format!("{kind} \"{name}\" is invalid: {why}"),
            details: Some(Box::new(Details {
                name: name.to_string(),
                kind: kind.to_string(),
                ..Details::default()
            })),
        }
    }

    /// An invalid object whose whole message (`Pod "x" is invalid: ...`, one problem a line) was
    /// written by validation.
    pub fn invalid_text(kind: &str, name: &str, message: &str) -> Self {
        Status {
            message: message.to_string(),
            ..Status::invalid(kind, name, "")
        }
    }

    /// A request the server cannot read or carry out as sent (400).
    // K8S: errors.go (NewBadRequest)
    pub fn bad_request(message: impl Into<String>) -> Self {
        Status {
            code: 400,
            reason: "BadRequest",
            message: message.into(),
            details: None,
        }
    }

    /// A request refused as a whole, about no object in particular (422): a JSON patch whose
    /// operations fail.
    // K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (a patch that does not
    // apply is a 422 with no details); client-go's message for a 422 without one
    pub fn unprocessable() -> Self {
        Status {
            code: 422,
            reason: "Invalid",
            message: "the server rejected our request due to an error in our request".into(),
            details: None,
        }
    }

    /// 404 for a path nothing is served at.
    pub fn not_found_path() -> Self {
        Status {
            code: 404,
            reason: "NotFound",
            message: "the server could not find the requested resource".to_string(),
            details: None,
        }
    }

    /// A verb kubesim does not serve for the resource (405).
    // K8S: errors.go (NewMethodNotSupported)
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Status {
            code: 405,
            reason: "MethodNotAllowed",
            message: message.into(),
            details: None,
        }
    }

    /// kubectl's line: for an object read from a file it names the file, as `kubectl
    /// apply/create -f` do.
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go, create.go ("error when creating")
    pub fn kubectl(&self, file: Option<&str>) -> String {
        // K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (StandardErrorMessage: an
        // Invalid status prints as "The <Kind> \"name\" is invalid: ...", without the file,
        // and one about no object as "The request is invalid: ...")
        if self.reason == "Invalid" {
            return match self.details {
                Some(_) => format!("The {}", self.message),
                None => format!("The request is invalid: {}", self.message),
            };
        }
        match file {
            Some(file) => format!(
                "Error from server ({}): error when creating \"{file}\": {}",
                self.reason, self.message
            ),
            None => format!("Error from server ({}): {}", self.reason, self.message),
        }
    }

    /// The `Status` object an HTTP response carries.
    // K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (Status)
    pub fn to_json(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            // K8S: types.go (StatusDetails: every field omitempty)
            let mut out = serde_json::Map::new();
            for (key, text) in [
                ("name", &details.name),
                ("group", &details.group),
                ("kind", &details.kind),
            ] {
                if !text.is_empty() {
                    out.insert(key.into(), json!(text));
                }
            }
            if !details.causes.is_empty() {
                let causes = details
                    .causes
                    .iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}));
                out.insert("causes".into(), causes.collect());
            }
            status["details"] = Value::Object(out);
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_print_as_kubectl_prints_them() {
        let forbidden = Status::forbidden("pods", "web", "exceeded quota: q");
        assert_eq!(
            forbidden.kubectl(Some("pod.yaml")),
            "Error from server (Forbidden): error when creating \"pod.yaml\": pods \"web\" is forbidden: exceeded quota: q"
        );
        assert_eq!(
            forbidden.kubectl(None),
            "Error from server (Forbidden): pods \"web\" is forbidden: exceeded quota: q"
        );
        let invalid = Status::invalid("Pod", "web", "x");
        assert_eq!(
            invalid.kubectl(Some("pod.yaml")),
            "The Pod \"web\" is invalid: x"
        );
        assert_eq!(
            Status::unprocessable().kubectl(None),
            "The request is invalid: the server rejected our request due to an error in our request"
        );
        assert_eq!(
            Status::already_exists("deployments.apps", "web").kubectl(None),
            "Error from server (AlreadyExists): deployments.apps \"web\" already exists"
        );
    }

    #[test]
    fn a_status_object_carries_code_reason_and_message() {
        assert_eq!(
            Status::not_found("pods", "x").to_json(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "pods \"x\" not found", "reason": "NotFound",
                   "details": {"name": "x", "kind": "pods"}, "code": 404})
        );
        assert_eq!(
            Status::bad_request("json: cannot unmarshal").to_json()["code"],
            400
        );
    }
}
