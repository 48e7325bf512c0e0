//! OpenAPI v3: the root that lists each group version's document, and the documents, with the
//! schemas of the pinned API (1.34) that `kubectl explain` walks and the PATCH operations that
//! tell `kubectl apply` the server validates fields itself.
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/openapi (the /openapi/v3 documents) and
// staging/src/k8s.io/kubectl/pkg/explain/v2/templates/plaintext.tmpl (what explain reads: the
// GVK on a path's operation, then the component schema carrying the same GVK)
// DEVIATION: the schemas are k8s-openapi's for 1.34, which keep upstream's descriptions but
// not its `enum` lists, defaults or patch extensions; explain prints no `enum:` lines.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch,
    coordination::v1 as coordination, core::v1 as core, discovery::v1 as discovery,
    networking::v1 as networking, policy::v1 as policy, scheduling::v1 as scheduling,
};
use k8s_openapi::schemars::{generate::SchemaSettings, JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::discovery::{group_version_path, group_versions};
use crate::apiserver::resources::RESOURCES;
use crate::model::node::NODE_INFO;

/// Where a document's `$ref`s point.
const SCHEMAS: &str = "#/components/schemas/";

/// `/openapi/v3`: each group version's document.
// K8S: staging/src/k8s.io/client-go/openapi/client.go (the root's paths and their
// serverRelativeURL)
pub fn root() -> Value {
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
/// sends `fieldValidation=Strict` instead of validating against schemas), and the schemas its
/// kinds reach.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go
// (supportsQueryParamV3: a PATCH operation for the GVK with the query parameter)
// DEVIATION: the operations have no request body, so kubectl apply computes its patches from
// its built-in types (as it does without OpenAPI) rather than from these schemas.
pub fn document(group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    let served = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version);
    for r in served {
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
        "components": {"schemas": schemas_of(group, version)},
    })
}

/// Every served kind's schema, and the schemas they reach, by name
/// (`io.k8s.api.core.v1.Pod`); each kind's carries its group, version and kind.
struct Schemas {
    definitions: BTreeMap<String, Value>,
    /// The schema name of each kind, by (group, version, kind).
    kinds: BTreeMap<(&'static str, &'static str, &'static str), String>,
}

/// The schemas of the kinds of one group version, with every schema they refer to.
fn schemas_of(group: &str, version: &str) -> Map<String, Value> {
    let all = schemas();
    let mut wanted: Vec<String> = all
        .kinds
        .iter()
        .filter(|((g, v, _), _)| *g == group && *v == version)
        .map(|(_, name)| name.clone())
        .collect();
    let mut reached = BTreeSet::new();
    while let Some(name) = wanted.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = all.definitions.get(&name) {
            collect_refs(schema, &mut wanted);
        }
    }
    reached
        .into_iter()
        .filter_map(|name| Some((name.clone(), all.definitions.get(&name)?.clone())))
        .collect()
}

/// The schema names a schema refers to.
fn collect_refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMAS))
            {
                out.push(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The schemas, generated once.
fn schemas() -> &'static Schemas {
    static SCHEMAS_ONCE: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS_ONCE.get_or_init(generate)
}

fn generate() -> Schemas {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let mut kinds = BTreeMap::new();
    macro_rules! kinds {
        ($($ty:ty),* $(,)?) => {
            $(add::<$ty>(&mut generator, &mut kinds);)*
        };
    }
    kinds![
        core::ConfigMap,
        core::Endpoints,
        core::Event,
        core::LimitRange,
        core::Namespace,
        core::Node,
        core::PersistentVolumeClaim,
        core::Pod,
        core::ResourceQuota,
        core::Secret,
        core::ServiceAccount,
        core::Service,
        apps::DaemonSet,
        apps::Deployment,
        apps::ReplicaSet,
        apps::StatefulSet,
        autoscaling::HorizontalPodAutoscaler,
        batch::CronJob,
        batch::Job,
        coordination::Lease,
        discovery::EndpointSlice,
        networking::Ingress,
        policy::PodDisruptionBudget,
        scheduling::PriorityClass,
    ];
    let mut definitions: BTreeMap<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    for ((group, version, kind), name) in &kinds {
        if let Some(Value::Object(schema)) = definitions.get_mut(name) {
            schema.insert(
                "x-kubernetes-group-version-kind".into(),
                json!([{"group": group, "version": version, "kind": kind}]),
            );
            // k8s-openapi calls an object's metadata required (its field is not optional);
            // upstream's schemas do not.
            if let Some(Value::Array(required)) = schema.get_mut("required") {
                required.retain(|field| field != "metadata");
                if required.is_empty() {
                    schema.remove("required");
                }
            }
        }
    }
    Schemas { definitions, kinds }
}

/// Generates `T`'s schema (and those it reaches) and notes which kind it is.
fn add<T: JsonSchema + k8s_openapi::Resource>(
    generator: &mut SchemaGenerator,
    kinds: &mut BTreeMap<(&'static str, &'static str, &'static str), String>,
) {
    generator.subschema_for::<T>();
    kinds.insert(
        (T::GROUP, T::VERSION, T::KIND),
        T::schema_name().into_owned(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_kind_has_a_schema_with_its_group_version_kind() {
        let kinds = &schemas().kinds;
        for r in RESOURCES {
            let name = kinds
                .get(&(r.group, r.version, r.kind))
                .unwrap_or_else(|| panic!("{} has no schema", r.kind));
            let schema = &schemas().definitions[name];
            assert_eq!(
                schema["x-kubernetes-group-version-kind"],
                json!([{"group": r.group, "version": r.version, "kind": r.kind}])
            );
        }
        assert_eq!(kinds.len(), RESOURCES.len());
    }

    #[test]
    fn a_document_holds_the_schemas_its_kinds_reach_and_refers_within_itself() {
        let document = document("apps", "v1");
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(deployment.get("required"), None);
        assert_eq!(
            deployment["properties"]["spec"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"
        );
        assert!(schemas.contains_key("io.k8s.api.core.v1.Container"));
        assert!(!schemas.contains_key("io.k8s.api.core.v1.Pod"));
        let mut refs = Vec::new();
        collect_refs(&document, &mut refs);
        for name in refs {
            assert!(
                schemas.contains_key(&name),
                "{name} is referred to but missing"
            );
        }
    }
}
