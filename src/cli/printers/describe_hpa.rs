//! `kubectl describe hpa NAME`: the target, each metric's current value against its target,
//! the replica bounds and counts, the status conditions and the events.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior;

use super::describe::{events, multiline, pairs};
use super::table::describe_text;
use crate::controllers::hpa_behavior::Rules;
use crate::engine::SimTime;
use crate::model::cluster::StoredObject;
use crate::model::time::rfc1123z;
use crate::model::ClusterState;

/// The describer's text.
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeHorizontalPodAutoscalerV2)
pub fn hpa(state: &ClusterState, object: &StoredObject, now: SimTime) -> String {
    let body = &object.body;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let map = |v: &Value| -> BTreeMap<String, String> {
        serde_json::from_value(v.clone()).unwrap_or_default()
    };
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "Name:\t{}", object.name);
    let _ = writeln!(w, "Namespace:\t{}", object.namespace);
    multiline(w, "Labels", &pairs(&object.labels(), "="));
    multiline(
        w,
        "Annotations",
        &pairs(&map(&body["metadata"]["annotations"]), ": "),
    );
    let _ = writeln!(w, "CreationTimestamp:\t{}", rfc1123z(object.creation));
    let spec = &body["spec"];
    let reference = &spec["scaleTargetRef"];
    let kind = text(&reference["kind"]);
    let _ = writeln!(w, "Reference:\t{kind}/{}", text(&reference["name"]));
    let _ = writeln!(w, "Metrics:\t( current / target )");
    let current = body["status"]["currentMetrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, metric) in spec["metrics"].as_array().into_iter().flatten().enumerate() {
        let _ = writeln!(w, "  {}", metric_line(metric, current.get(i)));
    }
    // K8S: pkg/apis/autoscaling/v2/defaults.go (minReplicas defaults to 1)
    let min = spec["minReplicas"].as_i64().unwrap_or(1);
    let _ = writeln!(w, "Min replicas:\t{min}");
    let _ = writeln!(
        w,
        "Max replicas:\t{}",
        spec["maxReplicas"].as_i64().unwrap_or(0)
    );
    if !spec["behavior"].is_null() {
        behavior(w, &spec["behavior"]);
    }
    let status = &body["status"];
    let _ = writeln!(
        w,
        "{kind} pods:\t{} current / {} desired",
        status["currentReplicas"].as_i64().unwrap_or(0),
        status["desiredReplicas"].as_i64().unwrap_or(0)
    );
    let conditions = status["conditions"].as_array().cloned().unwrap_or_default();
    if !conditions.is_empty() {
        let _ = writeln!(
            w,
            "Conditions:\n  Type\tStatus\tReason\tMessage\n  ----\t------\t------\t-------"
        );
        for c in &conditions {
            let _ = writeln!(
                w,
                "  {}\t{}\t{}\t{}",
                text(&c["type"]),
                text(&c["status"]),
                text(&c["reason"]),
                text(&c["message"])
            );
        }
    }
    let found = state.events_for("HorizontalPodAutoscaler", &object.namespace, &object.name);
    events(w, &found, now);
    describe_text(&out)
}

/// The Behavior section, when the spec has one: each direction's rules with the API server's
/// defaults for what it leaves out.
fn behavior(w: &mut String, spec: &Value) {
    let Ok(b) = serde_json::from_value::<HorizontalPodAutoscalerBehavior>(spec.clone()) else {
        return;
    };
    let _ = writeln!(w, "Behavior:");
    for (title, given, up) in [
        ("Scale Up", b.scale_up.as_ref(), true),
        ("Scale Down", b.scale_down.as_ref(), false),
    ] {
        let rules = Rules::of(given, up);
        let _ = writeln!(w, "  {title}:");
        let window = rules.window.as_millis() / 1000;
        let _ = writeln!(w, "    Stabilization Window: {window} seconds");
        let _ = writeln!(w, "    Select Policy: {}", rules.select);
        let _ = writeln!(w, "    Policies:");
        for (kind, value, period) in &rules.policies {
            let period = period.as_millis() / 1000;
            let _ = writeln!(
                w,
                "      - Type: {kind}\tValue: {value}\tPeriod: {period} seconds"
            );
        }
    }
}

/// One Resource metric's line: `resource cpu on pods  (as a percentage of request):\t25%
/// (50m) / 50%`, or for an AverageValue target `resource memory on pods:\t200Mi / 500Mi`.
fn metric_line(metric: &Value, status: Option<&Value>) -> String {
    let resource = &metric["resource"];
    let name = resource["name"].as_str().unwrap_or_default();
    let target = &resource["target"];
    let current = status
        .map(|s| &s["resource"]["current"])
        .filter(|c| !c.is_null());
    let quantity = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if metric["type"] != "Resource" {
        return format!(
            "{} metric:\t<unknown> / <unknown>",
            metric["type"].as_str().unwrap_or("")
        );
    }
    if !target["averageValue"].is_null() {
        let current = current.map_or("<unknown>".to_string(), |c| quantity(&c["averageValue"]));
        return format!(
            "resource {name} on pods:\t{current} / {}",
            quantity(&target["averageValue"])
        );
    }
    let current =
        current
            .filter(|c| c["averageUtilization"].is_i64())
            .map_or("<unknown>".to_string(), |c| {
                format!(
                    "{}% ({})",
                    c["averageUtilization"],
                    quantity(&c["averageValue"])
                )
            });
    let goal = target["averageUtilization"]
        .as_i64()
        .map_or("<auto>".to_string(), |p| format!("{p}%"));
    format!("resource {name} on pods  (as a percentage of request):\t{current} / {goal}")
}
