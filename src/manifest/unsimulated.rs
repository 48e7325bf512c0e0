//! Valid pod fields that kubesim accepts but does not act on yet (volumes, env, security
//! contexts...). They are kept in the object (and in `-o yaml`), and named once per run so that
//! nobody mistakes "accepted" for "simulated".
//!
//! The lists below say what *is* simulated; they grow as the simulator does.

use serde_json::Value;

/// Pod `spec` fields the simulator acts on.
const SIMULATED_POD_FIELDS: &[&str] = &[
    "containers",
    "initContainers",
    "nodeName",
    "nodeSelector",
    "priority",
    "priorityClassName",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "tolerations",
];

/// Container fields the simulator acts on.
const SIMULATED_CONTAINER_FIELDS: &[&str] = &[
    "args",
    "command",
    "env",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "name",
    "ports",
    "readinessProbe",
    "resources",
    "restartPolicy",
    "startupProbe",
];

/// The not-simulated fields present in a pod spec given as JSON, as generic paths
/// (`spec.volumes`, `spec.containers[].env`), sorted and without repeats. `prefix` is where the
/// spec sits (`spec`, or `spec.template.spec` in a workload).
pub fn pod_spec_fields(spec: &Value, prefix: &str) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    let Some(map) = spec.as_object() else {
        return Vec::new();
    };
    for (key, value) in map {
        if !SIMULATED_POD_FIELDS.contains(&key.as_str()) {
            found.insert(format!("{prefix}.{key}"));
            continue;
        }
        if key == "containers" || key == "initContainers" {
            for container in value.as_array().into_iter().flatten() {
                let fields = container.as_object().into_iter().flat_map(|c| c.keys());
                for field in fields.filter(|f| !SIMULATED_CONTAINER_FIELDS.contains(&f.as_str())) {
                    found.insert(format!("{prefix}.{key}[].{field}"));
                }
                // Only literal `value`s reach the process.
                let env = container
                    .get("env")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                if env.into_iter().any(|e| e.get("valueFrom").is_some()) {
                    found.insert(format!("{prefix}.{key}[].env[].valueFrom"));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_each_unsimulated_field_once() {
        let spec = json!({
            "volumes": [{"name": "data", "emptyDir": {}}],
            "nodeSelector": {"disktype": "ssd"},
            "containers": [
                {"name": "a", "image": "nginx", "securityContext": {}, "volumeMounts": []},
                {"name": "b", "image": "busybox", "env": [{"name": "X", "valueFrom": {}}]},
            ],
        });
        assert_eq!(
            pod_spec_fields(&spec, "spec"),
            [
                "spec.containers[].env[].valueFrom",
                "spec.containers[].securityContext",
                "spec.containers[].volumeMounts",
                "spec.volumes"
            ]
        );
        let simulated = json!({"containers": [{"name": "a", "image": "nginx", "resources": {}}]});
        assert!(pod_spec_fields(&simulated, "spec").is_empty());
    }
}
