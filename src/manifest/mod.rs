//! Real Kubernetes YAML in and out.
//!
//! In: multi-document files and `kind: List`, each object decoded strictly into its typed API
//! struct (k8s-openapi, Kubernetes 1.34) so that an unknown field or a wrong type is an error
//! naming the file, line and field, as `kubectl apply --validate=strict` would reject it.
//! Out (`render`): the simulated objects as Kubernetes API JSON/YAML, status included.

mod convert;
pub mod decode;
pub mod error;
mod hints;
pub mod limit_range;
pub mod read;
mod refusal;
pub mod render;
mod unsimulated;
pub mod yaml;
mod yaml_out;

use std::path::Path;

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use serde_json::Value;

use crate::apiserver::resources::{self, Resource};
use crate::apiserver::validation::{self, Workload};

pub use convert::{node_from_api, pod_from_api, pod_from_template};
pub use decode::Source;
pub use error::InputError;
use yaml::{Located, PathSeg};

/// One object read from a file.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// `file:line` of the object's first line, for messages.
    pub origin: String,
    /// The file as `kubectl apply -f` was given it, for kubectl's own messages
    /// (`error when creating "pod.yaml"`).
    pub file: String,
    pub object: Object,
}

/// A decoded object: the kinds the simulator acts on, typed; the others stored as given.
#[derive(Debug, Clone)]
pub enum Object {
    Pod(Box<PodManifest>),
    Node(Box<crate::model::Node>),
    Namespace(String),
    /// A kind that is valid Kubernetes but not simulated yet: validated, kept, and listed.
    Stored(StoredKind),
}

/// A pod as given (metadata, for naming and labels) and its converted, defaulted spec.
#[derive(Debug, Clone)]
pub struct PodManifest {
    pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    pub spec: crate::model::PodSpec,
    /// Fields given that are valid but not simulated yet (`spec.volumes`), for a one-time note.
    pub unsimulated: Vec<String>,
}

/// An object of a kind kubesim accepts but does not act on yet.
#[derive(Debug, Clone)]
pub struct StoredKind {
    pub kind: &'static str,
    pub api_version: String,
    pub name: String,
    pub namespace: Option<String>,
    pub body: Value,
}

impl StoredKind {
    /// This kind's row in the API's resource table (scope, names).
    pub fn resource(&self) -> &'static Resource {
        resources::of_kind(self.kind)
    }
}

impl Object {
    /// The object's kind as written in YAML.
    pub fn kind(&self) -> &str {
        match self {
            Object::Pod(_) => "Pod",
            Object::Node(_) => "Node",
            Object::Namespace(_) => "Namespace",
            Object::Stored(s) => s.kind,
        }
    }
}

/// Reads every object of a manifest file.
pub fn load_file(path: &Path) -> Result<Vec<Manifest>, InputError> {
    let label = path.display().to_string();
    let text = read::text(path, read::YAML).map_err(|e| {
        e.into_input(|what| InputError::file(&label, format!("cannot read manifest: {what}")))
    })?;
    load_str(&text, &label)
}

/// Reads every object of a manifest text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Vec<Manifest>, InputError> {
    let docs = yaml::parse_documents(text).map_err(|e| {
        let line_text = text.lines().nth(e.pos.line.saturating_sub(1));
        let previous = e.pos.line.checked_sub(2).and_then(|i| text.lines().nth(i));
        InputError::at(
            file,
            e.pos.line,
            e.pos.column,
            format!("invalid YAML: {}", e.message),
        )
        .with_hint(hints::for_syntax_error(&e.message, line_text, previous))
    })?;
    let mut out = Vec::new();
    for doc in &docs {
        load_value(&doc.value, &doc.located, file, &[], &mut out)?;
    }
    Ok(out)
}

/// Decodes one object (or a `List` of them) from an already parsed value. The scenario reader
/// uses this for inline manifests; `prefix` is the object's path inside the document.
pub fn load_value(
    value: &Value,
    located: &Located,
    file: &str,
    prefix: &[PathSeg],
    out: &mut Vec<Manifest>,
) -> Result<(), InputError> {
    let src = Source {
        file,
        located,
        prefix,
    };
    let Value::Object(map) = value else {
        return Err(src.error(
            &[],
            "a Kubernetes object must be a mapping with apiVersion, kind and metadata",
        ));
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str);
    let kind = map.get("kind").and_then(Value::as_str);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        let mut missing = Vec::new();
        if api_version.is_none() {
            missing.push("apiVersion not set");
        }
        if kind.is_none() {
            missing.push("kind not set");
        }
        // K8S: kubectl's client-side validation message
        return Err(src.error(
            &[],
            format!("error validating data: [{}]", missing.join(", ")),
        ));
    };
    if kind == "List" {
        let items = map
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let mut path = prefix.to_vec();
            path.push(PathSeg::Key("items".into()));
            path.push(PathSeg::Index(i));
            load_value(item, located, file, &path, out)?;
        }
        return Ok(());
    }
    let Some(spec) = KINDS.iter().find(|k| k.kind == kind) else {
        return Err(src
            .error(
                &[PathSeg::Key("kind".into())],
                format!("no matches for kind \"{kind}\" in version \"{api_version}\""),
            )
            .with_hint(Some(format!(
                "kubesim knows these kinds: {}",
                known_kinds()
            ))));
    };
    let served = resources::of_kind(spec.kind).api_version();
    if served != api_version {
        return Err(src
            .error(
                &[PathSeg::Key("apiVersion".into())],
                format!("no matches for kind \"{kind}\" in version \"{api_version}\""),
            )
            .with_hint(Some(format!("{kind} is served as `apiVersion: {served}`"))));
    }
    let pos = located.locate(prefix);
    let object = (spec.decode)(value, src)?;
    out.push(Manifest {
        origin: format!("{file}:{}", pos.line),
        file: file.to_string(),
        object,
    });
    Ok(())
}

/// A kind kubesim accepts (served in the version the resource table gives), and how to decode
/// it.
struct KindSpec {
    kind: &'static str,
    decode: fn(&Value, Source<'_>) -> Result<Object, InputError>,
}

/// Decodes a kind that is stored but not simulated: validate strictly, keep the JSON.
fn stored<T>(kind: &'static str, value: &Value, src: Source<'_>) -> Result<Object, InputError>
where
    T: serde::de::DeserializeOwned
        + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
{
    let typed: T = decode::strict(value, kind, src)?;
    keep(kind, value, typed.metadata(), Vec::new(), src)
}

/// Keeps an object once its metadata and `spec_errors` pass the API server's validation.
fn keep(
    kind: &'static str,
    value: &Value,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec_errors: Vec<validation::field::Error>,
    src: Source<'_>,
) -> Result<Object, InputError> {
    let namespaced = resources::of_kind(kind).namespaced;
    let mut errors = validation::object_meta(meta, namespaced, validation::name_rule(kind));
    errors.extend(spec_errors);
    refusal::check(kind, meta, &errors, src)?;
    // DEVIATION: kubesim generates names for pods only; other kinds need theirs.
    let name = meta.name.clone().ok_or_else(|| required_name(kind, src))?;
    Ok(Object::Stored(StoredKind {
        kind,
        api_version: value["apiVersion"].as_str().unwrap_or_default().to_string(),
        name,
        namespace: meta.namespace.clone(),
        body: value.clone(),
    }))
}

fn required_name(kind: &str, src: Source<'_>) -> InputError {
    src.error(
        &[PathSeg::Key("metadata".into())],
        format!("The {kind} \"\" is invalid: metadata.name: Required value: name is required"),
    )
    .with_hint(Some(
        "kubesim generates names for pods only: add `name: <something>` under `metadata:`"
            .to_string(),
    ))
}

/// Defaults a workload's pod template as the API server does and checks its quantities, so
/// that validation sees what upstream's sees.
fn default_template(
    template: &mut core::PodTemplateSpec,
    src: Source<'_>,
    path: &[&str],
) -> Result<(), InputError> {
    let spec = template.spec.get_or_insert_with(Default::default);
    crate::apiserver::defaults::pod_spec(spec);
    let at: Vec<PathSeg> = path.iter().map(|f| PathSeg::key(f)).collect();
    *spec = convert::pod_from_api(spec, src, &at)?.api;
    Ok(())
}

macro_rules! stored_kinds {
    ($($kind:literal, $ty:ty;)*) => {
        &[
            KindSpec { kind: "Pod", decode: decode_pod },
            KindSpec { kind: "Node", decode: decode_node },
            KindSpec { kind: "Namespace", decode: decode_namespace },
            KindSpec { kind: "Job", decode: decode_job },
            KindSpec { kind: "CronJob", decode: decode_cron_job },
            KindSpec { kind: "Deployment", decode: |v, s| decode_workload::<apps::Deployment>(Workload::Deployment, v, s, |d| d.spec.clone().map(|s| (s.replicas, s.selector, s.template))) },
            KindSpec { kind: "ReplicaSet", decode: |v, s| decode_workload::<apps::ReplicaSet>(Workload::ReplicaSet, v, s, |d| d.spec.clone().map(|s| (s.replicas, s.selector, s.template.unwrap_or_default()))) },
            KindSpec { kind: "DaemonSet", decode: |v, s| decode_workload::<apps::DaemonSet>(Workload::DaemonSet, v, s, |d| d.spec.clone().map(|s| (None, s.selector, s.template))) },
            KindSpec { kind: "StatefulSet", decode: |v, s| decode_workload::<apps::StatefulSet>(Workload::StatefulSet, v, s, |d| d.spec.clone().map(|s| (s.replicas, s.selector, s.template))) },
            KindSpec { kind: "LimitRange", decode: decode_limit_range },
            KindSpec { kind: "ResourceQuota", decode: decode_resource_quota },
            KindSpec { kind: "HorizontalPodAutoscaler", decode: decode_hpa },
            $(KindSpec { kind: $kind, decode: |v, s| stored::<$ty>($kind, v, s) },)*
        ]
    };
}

/// Every kind kubesim reads. Pods and nodes are simulated; the others are validated and kept
/// (the controllers issue brings Deployments, ReplicaSets, Jobs, DaemonSets and Services alive).
const KINDS: &[KindSpec] = stored_kinds! {
    "Service", core::Service;
    "ConfigMap", core::ConfigMap;
    "Secret", core::Secret;
    "ServiceAccount", core::ServiceAccount;
    "PersistentVolumeClaim", core::PersistentVolumeClaim;
    "PriorityClass", k8s_openapi::api::scheduling::v1::PriorityClass;
    "PodDisruptionBudget", k8s_openapi::api::policy::v1::PodDisruptionBudget;
    "Ingress", k8s_openapi::api::networking::v1::Ingress;
    "Lease", k8s_openapi::api::coordination::v1::Lease;
};

fn known_kinds() -> String {
    KINDS.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ")
}

fn decode_pod(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let pod: core::Pod = decode::strict(value, "Pod", src)?;
    let mut api_spec = pod.spec.clone().unwrap_or_default();
    crate::apiserver::defaults::pod_spec(&mut api_spec);
    let spec = convert::pod_from_api(&api_spec, src, &[PathSeg::key("spec")])?;
    let errors = validation::pod(&pod.metadata, &spec.api);
    refusal::check("Pod", &pod.metadata, &errors, src)?;
    Ok(Object::Pod(Box::new(PodManifest {
        metadata: pod.metadata,
        spec,
        unsimulated: unsimulated::pod_spec_fields(&value["spec"], "spec"),
    })))
}

/// The replicas, selector and pod template of a workload's spec.
type WorkloadParts = (
    Option<i32>,
    k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
    core::PodTemplateSpec,
);

/// A Deployment, ReplicaSet, DaemonSet or StatefulSet, with its pod template defaulted and
/// validated and its selector checked against the template, as the API server does.
fn decode_workload<T>(
    workload: Workload,
    value: &Value,
    src: Source<'_>,
    parts: fn(&T) -> Option<WorkloadParts>,
) -> Result<Object, InputError>
where
    T: serde::de::DeserializeOwned
        + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
{
    let kind = <T as k8s_openapi::Resource>::KIND;
    let typed: T = decode::strict(value, kind, src)?;
    let (replicas, selector, mut template) = parts(&typed).unwrap_or_default();
    default_template(&mut template, src, &["spec", "template", "spec"])?;
    // The API types default a missing selector to an empty one; the document tells them apart.
    let selector = (!value["spec"]["selector"].is_null()).then_some(&selector);
    let errors = validation::workload(workload, replicas, selector, &template);
    keep(kind, value, typed.metadata(), errors, src)
}

/// A Job, its pod template defaulted and validated with the Job's own rules.
fn decode_job(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let job: batch::Job = decode::strict(value, "Job", src)?;
    let mut spec = job.spec.clone().unwrap_or_default();
    default_template(&mut spec.template, src, &["spec", "template", "spec"])?;
    let errors = validation::job(&spec, &validation::field::Path::new(&["spec"]));
    keep("Job", value, &job.metadata, errors, src)
}

/// A CronJob, its job template checked as a Job's spec.
fn decode_cron_job(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let cron: batch::CronJob = decode::strict(value, "CronJob", src)?;
    let mut spec = cron
        .spec
        .clone()
        .unwrap_or_default()
        .job_template
        .spec
        .unwrap_or_default();
    let path = ["spec", "jobTemplate", "spec", "template", "spec"];
    default_template(&mut spec.template, src, &path)?;
    let errors = validation::job(&spec, &validation::field::Path::new(&path[..3]));
    keep("CronJob", value, &cron.metadata, errors, src)
}

/// A LimitRange is stored with the API's defaults once every quantity of its items parses and
/// they are consistent (admission reads them).
fn decode_limit_range(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let range: core::LimitRange = decode::strict(value, "LimitRange", src)?;
    let items = range.spec.iter().flat_map(|s| &s.limits);
    for (i, item) in items.enumerate() {
        for (field, list) in [
            ("min", &item.min),
            ("max", &item.max),
            ("default", &item.default),
            ("defaultRequest", &item.default_request),
            ("maxLimitRequestRatio", &item.max_limit_request_ratio),
        ] {
            let path = [
                PathSeg::key("spec"),
                PathSeg::key("limits"),
                PathSeg::Index(i),
                PathSeg::key(field),
            ];
            convert::resource_list(list.as_ref(), src, &path)?;
        }
    }
    let mut defaulted = value.clone();
    limit_range::apply_defaults(&mut defaulted);
    limit_range::validate(&defaulted, src)?;
    stored::<core::LimitRange>("LimitRange", &defaulted, src)
}

/// A ResourceQuota is stored as given once its `spec.hard` quantities parse.
fn decode_resource_quota(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let quota: core::ResourceQuota = decode::strict(value, "ResourceQuota", src)?;
    let hard = quota.spec.as_ref().and_then(|s| s.hard.as_ref());
    convert::resource_list(hard, src, &[PathSeg::key("spec"), PathSeg::key("hard")])?;
    stored::<core::ResourceQuota>("ResourceQuota", value, src)
}

/// A HorizontalPodAutoscaler, stored as given once its replica bounds are valid and within the
/// pods kubesim simulates for one object.
// K8S: pkg/apis/autoscaling/validation/validation.go (validateHorizontalPodAutoscalerSpec: the
// minReplicas lower bound is 1 with the HPAScaleToZero gate off, as in 1.34)
fn decode_hpa(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    use validation::field::{BadValue, Error, Path};
    let kind = "HorizontalPodAutoscaler";
    let hpa: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler =
        decode::strict(value, kind, src)?;
    let spec = hpa.spec.clone().unwrap_or_default();
    let (min_path, max_path) = (
        Path::new(&["spec", "minReplicas"]),
        Path::new(&["spec", "maxReplicas"]),
    );
    let max = spec.max_replicas;
    let invalid =
        |path: &Path, n: i32, detail| Error::invalid(path.clone(), BadValue::Int(n.into()), detail);
    let mut errors = Vec::new();
    if let Some(min) = spec.min_replicas.filter(|m| *m < 1) {
        errors.push(invalid(
            &min_path,
            min,
            "must be greater than or equal to 1",
        ));
    }
    if max < 1 {
        errors.push(invalid(&max_path, max, "must be greater than 0"));
    }
    if spec.min_replicas.is_some_and(|min| max < min) {
        errors.push(invalid(
            &max_path,
            max,
            "must be greater than or equal to `minReplicas`",
        ));
    }
    errors.extend(crate::apiserver::limits::pod_count(Some(max), &max_path));
    keep(kind, value, &hpa.metadata, errors, src)
}

fn decode_node(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let node: core::Node = decode::strict(value, "Node", src)?;
    let errors = validation::object_meta(&node.metadata, false, validation::NameRule::Subdomain);
    refusal::check("Node", &node.metadata, &errors, src)?;
    let node = convert::node_from_api(&node, &crate::model::node::default_capacity(), src)?;
    Ok(Object::Node(Box::new(node)))
}

fn decode_namespace(value: &Value, src: Source<'_>) -> Result<Object, InputError> {
    let ns: core::Namespace = decode::strict(value, "Namespace", src)?;
    let errors = validation::object_meta(&ns.metadata, false, validation::name_rule("Namespace"));
    refusal::check("Namespace", &ns.metadata, &errors, src)?;
    let name = ns
        .metadata
        .name
        .ok_or_else(|| required_name("Namespace", src))?;
    Ok(Object::Namespace(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_read_has_a_row_in_the_resource_table() {
        for spec in KINDS {
            assert!(resources::by_kind(spec.kind).is_some(), "{}", spec.kind);
        }
    }

    fn err(text: &str) -> String {
        load_str(text, "pod.yaml").unwrap_err().to_string()
    }

    #[test]
    fn a_workload_selector_must_select_its_template() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  \
                    template:\n    metadata: {labels: {app: wbe}}\n    spec: {containers: [{name: c, image: nginx}]}\n";
        assert_eq!(
            err(text),
            // K8S: kubectl's checkErr prints an Invalid status's kind without its group
            // (staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go)
            "pod.yaml:7:16: The Deployment \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"wbe\"}: `selector` does not match template `labels`\n  \
             hint: the template's labels must carry every label the selector asks for (a typo on one side?)"
        );
        let missing = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec:\n  \
                       template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx}]}}\n";
        assert!(err(missing)
            .contains("The ReplicaSet \"rs\" is invalid: spec.selector: Required value"));
    }

    #[test]
    fn an_indexed_job_needs_completions() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  completionMode: Indexed\n  \
                    template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}\n";
        assert_eq!(
            err(text),
            // A missing field is located at its nearest given parent.
            "pod.yaml:4:1: The Job \"j\" is invalid: spec.completions: Required value: when completion mode is Indexed\n  \
             hint: an Indexed Job needs `completions:` (one pod succeeds per index 0..completions-1)"
        );
    }

    #[test]
    fn reads_multi_document_files_and_lists() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: nginx}]}\n---\n\
                    apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n  \
                    spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: x}]}}}\n";
        let objects = load_str(text, "f.yaml").unwrap();
        assert_eq!(
            objects.iter().map(|m| m.object.kind()).collect::<Vec<_>>(),
            ["Pod", "Deployment"]
        );
        assert_eq!(objects[0].origin, "f.yaml:1");
        assert_eq!(objects[1].origin, "f.yaml:9");
    }

    #[test]
    fn quota_and_limit_range_quantities_are_checked_where_written() {
        let e = err("apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec:\n  hard:\n    pods: three\n");
        assert!(
            e.starts_with("pod.yaml:6:5: quantities must match the regular expression"),
            "{e}"
        );
        let e = err("apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec:\n  limits:\n  - type: Container\n    max: {memory: 1GB}\n");
        assert!(
            e.starts_with("pod.yaml:7:11: quantities must match the regular expression"),
            "{e}"
        );
    }

    #[test]
    fn unknown_field_names_file_line_and_path() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - image: busybox\n    -name: c\n";
        assert_eq!(
            err(text),
            "pod.yaml:8:5: unknown field \"-name\" in Pod spec.containers[0]\n  hint: put a space after the dash: `- name:` starts a list item; `-name:` is a key named \"-name\""
        );
    }

    #[test]
    fn wrong_types_and_unknown_kinds() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    image: centos\n    command: [sleep, 10000]\n";
        let e = err(text);
        assert!(e.starts_with("pod.yaml:8:22: Pod spec.containers[0].command[1]: invalid type: integer `10000`, expected a string"), "{e}");
        assert!(e.contains("quote the value"));
        let e = err("apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n");
        assert!(
            e.starts_with("pod.yaml:1:1: no matches for kind \"Deployment\" in version \"v1\""),
            "{e}"
        );
        let e = err("apiVersion: v1\nkind: Pdo\nmetadata: {name: x}\n");
        assert!(
            e.starts_with("pod.yaml:2:1: no matches for kind \"Pdo\" in version \"v1\""),
            "{e}"
        );
        assert_eq!(
            err("kind: Pod\n"),
            "pod.yaml:1:1: error validating data: [apiVersion not set]"
        );
    }

    #[test]
    fn tabs_get_a_hint() {
        let e = err("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: kubia-manual\n");
        assert!(e.starts_with("pod.yaml:4:"), "{e}");
        assert!(e.contains("tabs"), "{e}");
    }
}
