//! The API server's validation through the CLI: what a real API server refuses, kubesim
//! refuses with kubectl's words, each problem at its file, line and column, every problem of a
//! document at once, exit code 2.

use crate::common;

use common::{kubesim, stderr};

const LABEL_RULE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// Runs `kubesim run` on a fixture and returns its stderr, checking the exit code is 2.
fn refusal(fixture: &str) -> String {
    let o = kubesim(&["run", &format!("tests/fixtures/validation/{fixture}")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    stderr(&o)
}

// K8S: pkg/apis/core/validation/validation.go (validateContainerCommon, validateContainers,
// validateContainerPorts, validateResourceRequirements, validatePullPolicy, ValidatePodSpec's
// restartPolicy with its values in upstream's order); kubectl's MultilineError prints several
// causes as `* ` lines after `The Pod "web" is invalid: ` (helpers.go).
#[test]
fn a_pod_with_several_problems_is_refused_with_all_of_them() {
    let f = "tests/fixtures/validation/pod-many.yaml";
    assert_eq!(
        refusal("pod-many.yaml"),
        format!(
            "{f}:1:1: The Pod \"web\" is invalid: \n\
             {f}:8:5: * spec.containers[0].name: Invalid value: \"Web\": {LABEL_RULE}\n\
             {f}:12:7: * spec.containers[0].ports[0].name: Invalid value: \"http_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)\n\
             {f}:11:7: * spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n\
             {f}:14:7: * spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1\n\
             {f}:18:5: * spec.containers[1].name: Invalid value: \"Web\": {LABEL_RULE}\n\
             {f}:20:5: * spec.containers[1].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"\n\
             {f}:18:5: * spec.containers[1].name: Duplicate value: \"Web\"\n\
             {f}:21:5: * spec.containers[2].name: Required value\n  \
             hint: add `name: <something>` (lower case letters, digits and '-')\n\
             {f}:6:3: * spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"\n"
        )
    );
}

#[test]
fn one_problem_is_printed_on_the_line_of_its_field() {
    assert_eq!(
        refusal("pod-one.yaml"),
        "tests/fixtures/validation/pod-one.yaml:7:5: The Pod \"x\" is invalid: spec.containers[0].name: Required value\n  \
         hint: add `name: <something>` (lower case letters, digits and '-')\n"
    );
}

// K8S: pkg/apis/apps/validation/validation.go (ValidatePodTemplateSpecForReplicaSet: the
// template is a pod spec at spec.template.spec, and its restartPolicy must be Always)
#[test]
fn a_deployments_template_is_validated_on_its_own_path() {
    let f = "tests/fixtures/validation/deployment.yaml";
    assert_eq!(
        refusal("deployment.yaml"),
        format!(
            "{f}:1:1: The Deployment \"web\" is invalid: \n\
             {f}:20:11: * spec.template.spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi\n\
             {f}:15:7: * spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"\n"
        )
    );
}

// K8S: pkg/apis/core/validation/validation.go (ValidateServiceName: NameIsDNS1035Label)
#[test]
fn object_names_follow_their_kinds_rule() {
    assert_eq!(
        refusal("names.yaml"),
        "tests/fixtures/validation/names.yaml:4:3: The Service \"1-web\" is invalid: metadata.name: Invalid value: \"1-web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')\n"
    );
}

#[test]
fn every_unknown_field_is_named_at_once() {
    let f = "tests/fixtures/validation/unknown-fields.yaml";
    assert_eq!(
        refusal("unknown-fields.yaml"),
        format!(
            "{f}:9:5: unknown field \"-name\" in Pod spec.containers[0]\n  \
             hint: put a space after the dash: `- name:` starts a list item; `-name:` is a key named \"-name\"\n\
             {f}:8:5: unknown field \"imagee\" in Pod spec.containers[0]\n  \
             hint: did you mean `image`?\n\
             {f}:10:3: unknown field \"restartPolicyy\" in Pod spec\n  \
             hint: did you mean `restartPolicy`?\n"
        )
    );
}
