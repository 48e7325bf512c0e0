//! `spec.load`: requests per second sent to a Deployment over time and the CPU one request
//! costs, which the HorizontalPodAutoscaler reads as its pods' CPU usage.

use serde::Deserialize;

use super::parse_duration_field;
use crate::controllers::load::{LoadProfile, MemoryModel};
use crate::engine::SimTime;
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;
use crate::model::Quantity;

/// One `load:` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawLoad {
    deployment: String,
    #[serde(default)]
    namespace: Option<String>,
    cpu_per_request: String,
    /// Memory every running pod holds (`200Mi`).
    memory_per_pod: Option<String>,
    /// Memory one request per second of a pod's share adds (`2Mi`).
    memory_per_request: Option<String>,
    requests_per_second: Vec<RawStep>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawStep {
    at: String,
    value: f64,
}

/// Validates the entry found at `path`.
pub fn parse(raw: &RawLoad, src: Source<'_>, path: &[PathSeg]) -> Result<LoadProfile, InputError> {
    let at = |segs: &[PathSeg]| [path, segs].concat();
    let cost_path = at(&[PathSeg::key("cpuPerRequest")]);
    let cost: Quantity = raw.cpu_per_request.parse().map_err(|e| {
        src.error(
            &cost_path,
            format!("invalid quantity \"{}\": {e}", raw.cpu_per_request),
        )
        .with_hint(Some("write CPU like 5m or 0.005".to_string()))
    })?;
    if cost.signum() <= 0 {
        return Err(src.error(&cost_path, "cpuPerRequest must be greater than 0"));
    }
    let memory_field =
        |field: &str, text: &Option<String>| -> Result<Option<Quantity>, InputError> {
            let Some(text) = text else { return Ok(None) };
            let path = at(&[PathSeg::key(field)]);
            let q: Quantity = text.parse().map_err(|e| {
                src.error(&path, format!("invalid quantity \"{text}\": {e}"))
                    .with_hint(Some("write memory like 200Mi or 1G".to_string()))
            })?;
            if q.signum() < 0 {
                return Err(src.error(&path, format!("{field} must not be negative")));
            }
            Ok(Some(q))
        };
    let per_pod = memory_field("memoryPerPod", &raw.memory_per_pod)?;
    let per_request = memory_field("memoryPerRequest", &raw.memory_per_request)?;
    let memory = (per_pod.is_some() || per_request.is_some()).then(|| MemoryModel {
        per_pod: per_pod.map_or(0, |q| q.value()),
        per_request: per_request.map_or(0.0, |q| q.scaled_value(-3) as f64 / 1000.0),
    });
    let mut steps: Vec<(SimTime, f64)> = Vec::new();
    for (i, step) in raw.requests_per_second.iter().enumerate() {
        let here = |field: &str| {
            at(&[
                PathSeg::key("requestsPerSecond"),
                PathSeg::Index(i),
                PathSeg::key(field),
            ])
        };
        let t = SimTime::ZERO + parse_duration_field(&step.at, src, &here("at"))?;
        if steps.last().is_some_and(|(prev, _)| *prev >= t) {
            return Err(src
                .error(&here("at"), "steps must be in increasing order of `at`")
                .with_hint(Some("sort the entries by `at`".to_string())));
        }
        if !step.value.is_finite() || step.value < 0.0 {
            return Err(src.error(&here("value"), "requests per second must be 0 or more"));
        }
        steps.push((t, step.value));
    }
    if steps.is_empty() {
        return Err(src
            .error(
                &at(&[PathSeg::key("requestsPerSecond")]),
                "needs at least one step",
            )
            .with_hint(Some(
                "e.g. `requestsPerSecond: [{at: 0s, value: 100}]`".to_string(),
            )));
    }
    Ok(LoadProfile {
        namespace: raw
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string()),
        deployment: raw.deployment.clone(),
        // In microcores, so that costs below a millicore (`500u`) count.
        milli_cpu_per_request: cost.scaled_value(-6) as f64 / 1000.0,
        memory,
        steps,
    })
}
