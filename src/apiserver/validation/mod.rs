//! The API server's validation of the objects kubesim reads: every problem of an object found
//! at once and worded as upstream words it (`spec.containers[0].name: Required value`), to be
//! printed as kubectl prints an Invalid status.
//!
//! Each check runs on the object after [`super::defaults`], as upstream validates after
//! decoding (which defaults).

mod container;
pub mod field;
mod meta;
pub mod names;
mod pod;
mod scheduling;
mod workload;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use field::{BadValue, Error, ErrorList, Path};
pub use names::NameRule;
pub use workload::{job, workload, Workload};

/// `must be greater than or equal to 0` for a negative number.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go (ValidateNonnegativeField)
fn non_negative(value: i64, path: &Path) -> ErrorList {
    if value < 0 {
        vec![Error::invalid(
            path.clone(),
            BadValue::Int(value),
            "must be greater than or equal to 0",
        )]
    } else {
        Vec::new()
    }
}

/// A pod on creation: its metadata, its spec, and what only a pod (not a template) is held to.
// K8S: pkg/apis/core/validation/validation.go (ValidatePodCreate, validatePodMetadataAndSpec)
pub fn pod(metadata: &ObjectMeta, spec: &core::PodSpec) -> ErrorList {
    let (meta_path, spec_path) = (Path::new(&["metadata"]), Path::new(&["spec"]));
    let mut errs = meta::object_meta(metadata, true, NameRule::Subdomain, &meta_path);
    errs.extend(pod::spec(spec, &spec_path));
    errs.extend(container::only_for_pod(
        &spec.containers,
        &spec_path.child("containers"),
    ));
    let init = spec.init_containers.as_deref().unwrap_or_default();
    errs.extend(container::only_for_pod(
        init,
        &spec_path.child("initContainers"),
    ));
    errs
}

/// A pod spec alone, at `spec` (a pod a kubectl command builds).
pub fn pod_spec(spec: &core::PodSpec) -> ErrorList {
    pod::spec(spec, &Path::new(&["spec"]))
}

/// The metadata of an object of any other kind: its name (by the kind's rule), namespace,
/// labels, annotations and finalizers.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMeta)
pub fn object_meta(metadata: &ObjectMeta, namespaced: bool, rule: NameRule) -> ErrorList {
    meta::object_meta(metadata, namespaced, rule, &Path::new(&["metadata"]))
}

/// The rule a kind's names follow.
// K8S: pkg/apis/core/validation/validation.go (ValidateNamespaceName, ValidateServiceName),
// pkg/apis/apps/validation/validation.go (ValidateStatefulSetName)
pub fn name_rule(kind: &str) -> NameRule {
    match kind {
        "Namespace" | "StatefulSet" => NameRule::Label,
        "Service" => NameRule::Label1035,
        _ => NameRule::Subdomain,
    }
}

/// kubectl's words for an Invalid status: `The Pod "x" is invalid: ` and the one problem on the
/// same line, or each problem on a line of its own after a `* `.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (checkErr: IsInvalid, MultilineError)
pub fn kubectl_lines<'a>(
    kind: &str,
    name: &str,
    errors: &'a [Error],
) -> (String, Vec<(&'a Error, String)>) {
    let header = format!("The {kind} {} is invalid: ", field::go_quote(name));
    match field::deduplicated(errors).as_slice() {
        [one] => (format!("{header}{one}"), Vec::new()),
        many => (
            header,
            many.iter().map(|e| (*e, format!("* {e}"))).collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(yaml: &str) -> Vec<String> {
        let pod: core::Pod = serde_json::from_value(serde_json::from_str(yaml).unwrap()).unwrap();
        let mut spec = pod.spec.unwrap();
        super::super::defaults::pod_spec(&mut spec);
        super::pod(&pod.metadata, &spec)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_pod_is_checked_whole() {
        let found = errors(
            r#"{"metadata": {"name": "Web_1"}, "spec": {"restartPolicy": "Sometimes", "containers": [
                {"name": "", "image": "nginx"},
                {"name": "app", "image": "", "ports": [{"containerPort": 70000, "name": "http_port"}],
                 "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}},
                {"name": "app", "image": " nginx", "imagePullPolicy": "Sometimes"}]}}"#,
        );
        assert_eq!(
            found,
            [
                "metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "spec.containers[0].name: Required value",
                "spec.containers[1].image: Required value",
                "spec.containers[1].ports[0].name: Invalid value: \"http_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "spec.containers[1].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
                "spec.containers[2].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
                "spec.containers[2].name: Duplicate value: \"app\"",
                "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
                "spec.containers[2].image: Invalid value: \" nginx\": must not have leading or trailing whitespace",
            ]
        );
    }

    #[test]
    fn kubectl_prints_one_problem_inline_and_several_as_a_list() {
        let a = Error::required(Path::new(&["a"]), "");
        let b = Error::required(Path::new(&["b"]), "");
        assert_eq!(
            kubectl_lines("Pod", "x", std::slice::from_ref(&a)),
            (
                "The Pod \"x\" is invalid: a: Required value".to_string(),
                vec![]
            )
        );
        let errors = [a.clone(), b, a];
        let (header, lines) = kubectl_lines("Pod", "x", &errors);
        assert_eq!(header, "The Pod \"x\" is invalid: ");
        let lines: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(lines, ["* a: Required value", "* b: Required value"]);
    }
}
