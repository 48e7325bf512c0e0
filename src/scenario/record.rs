//! `kubesim serve --record`: a served session written as a scenario that `kubesim run` replays
//! to the same trace: the served input (less its `expect:` entries and the timeline entries
//! the session did not reach), the seed, the session's span as `duration`, and every write the
//! API handled as a `request:` timeline entry at its instant.

use std::path::Path;

use serde_json::{json, Value};

use crate::engine::SimTime;
use crate::manifest::yaml;
use crate::model::duration::GoDuration;

/// One recorded write: its instant and its `request:` mapping.
pub type Recorded = (SimTime, Value);

/// The recorded scenario as YAML. `served` is the input file (`None`: the default kubeadm
/// cluster, empty) with its text; a scenario file keeps everything it says, a plain manifest's
/// objects become the scenario's inline manifests.
// DEVIATION: a served scenario's relative file references resolve from the recorded file's
// directory, so record beside the scenario (kubesim does not rewrite them).
pub fn scenario_text(
    served: Option<(&Path, &str)>,
    name: &str,
    seed: u64,
    end: SimTime,
    requests: &[Recorded],
) -> Result<String, String> {
    let documents = match served {
        Some((path, text)) => yaml::parse_documents(text)
            .map_err(|e| format!("{}: cannot read it back: {}", path.display(), e.message))?,
        None => Vec::new(),
    };
    let is_scenario = documents.len() == 1
        && documents[0].value.get("kind").and_then(Value::as_str) == Some("Scenario");
    let mut scenario = if is_scenario {
        documents[0].value.clone()
    } else {
        let manifests: Vec<Value> = documents
            .iter()
            .filter(|d| !d.value.is_null())
            .map(|d| json!({"inline": d.value}))
            .collect();
        json!({
            "apiVersion": "kubesim.io/v1alpha1",
            "kind": "Scenario",
            "metadata": {"name": name},
            "spec": {"cluster": "kubeadm", "manifests": manifests},
        })
    };
    let spec = &mut scenario["spec"];
    // The scenario's expectations were about its own course, which the session changed.
    if let Some(spec) = spec.as_object_mut() {
        spec.remove("expect");
    }
    spec["seed"] = json!(seed);
    spec["duration"] = json!(end.to_string());
    // The scenario's own entries after the session's end did not happen in it.
    let happened = |entry: &Value| {
        let at = entry["at"].as_str().and_then(|t| GoDuration::parse(t).ok());
        at.is_none_or(|at| i128::from(at.as_nanos()) <= i128::from(end.as_millis()) * 1_000_000)
    };
    let mut timeline: Vec<Value> = spec["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| happened(entry))
        .cloned()
        .collect();
    for (at, request) in requests {
        timeline.push(json!({"at": at.to_string(), "request": request}));
    }
    spec["timeline"] = Value::Array(timeline);
    Ok(format!(
        "# Recorded by kubesim serve: `kubesim run` replays the session.\n{}",
        crate::manifest::render::to_yaml(&scenario)
    ))
}
