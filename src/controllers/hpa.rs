//! The HorizontalPodAutoscaler controller (autoscaling/v2): every 15 s it reads the CPU use of
//! the target's pods (from the scenario's load profile, standing in for metrics-server),
//! computes the replicas that bring utilization to the target, smooths that through the
//! `behavior` rules, and scales the Deployment or ReplicaSet.
// K8S: pkg/controller/podautoscaler/horizontal.go (reconcileAutoscaler),
// pkg/controller/podautoscaler/replica_calculator.go (GetResourceReplicas, groupPods)

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use serde_json::{json, Value};

use super::hpa_behavior::{Args, Rules};
use super::hpa_metrics::{group, metrics, replicas, status};
use super::load::LoadProfile;
use super::{workload, Controllers, Key};
use crate::engine::{SimDuration, SimTime};
use crate::model::label_selector::Selector;
use crate::model::time::rfc3339;
use crate::model::{ClusterState, Event, EventType, ObjectRef, Pod};

/// How often each HPA is reconciled (`--horizontal-pod-autoscaler-sync-period`).
pub const SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);

/// The event source.
pub const HPA_CONTROLLER: &str = "horizontal-pod-autoscaler";

/// The target of an HPA as the controller reads it.
struct Target {
    key: Key,
    replicas: i32,
    selector: Selector,
}

fn target(state: &ClusterState, namespace: &str, reference: &Value) -> Result<Target, String> {
    let kind = reference["kind"].as_str().unwrap_or_default();
    let name = reference["name"].as_str().unwrap_or_default();
    let resource = match kind {
        "Deployment" => "deployments.apps",
        "ReplicaSet" => "replicasets.apps",
        other => {
            return Err(format!(
                "kubesim scales deployments and replicasets, not {other}"
            ))
        }
    };
    let key: Key = (kind.into(), namespace.into(), name.into());
    let object = state
        .objects
        .get(&key)
        .ok_or_else(|| format!("{resource} \"{name}\" not found"))?;
    let selector = serde_json::from_value(object.body["spec"]["selector"].clone()).ok();
    Ok(Target {
        replicas: object.body["spec"]["replicas"].as_i64().unwrap_or(1) as i32,
        selector: Selector::parse(selector.as_ref()).unwrap_or(Selector::Nothing),
        key,
    })
}

/// What one reconcile decided, for the status.
struct Outcome {
    desired: i32,
    /// `status.currentMetrics`, one entry per metric of the spec (`{"type": ""}` for one that
    /// could not be computed); `None` when no metric was.
    metrics: Option<Vec<Value>>,
    conditions: Vec<(&'static str, bool, &'static str, String)>,
}

impl Controllers {
    /// Hands the scenario's load profiles to the HPA controller.
    pub fn set_load(&mut self, load: Vec<LoadProfile>) {
        self.load = load;
    }
}

/// Reconciles one HPA and schedules its next sync.
// K8S: horizontal.go (reconcileAutoscaler)
pub fn sync(c: &mut Controllers, state: &mut ClusterState, key: &Key, now: SimTime) {
    let Some((object, hpa)) = workload::load::<HorizontalPodAutoscaler>(state, key) else {
        c.hpa_history.remove(key);
        return;
    };
    if !c.timers.iter().any(|(_, k)| k == key) {
        c.timers.insert((now + SYNC_PERIOD, key.clone()));
    }
    let spec = hpa.spec.unwrap_or_default();
    let reference = &object.body["spec"]["scaleTargetRef"];
    let event = |state: &mut ClusterState, type_, reason: &str, message: String| {
        state.record_event(Event::new(
            ObjectRef::new("HorizontalPodAutoscaler", &key.1, &key.2),
            type_,
            reason,
            message,
            HPA_CONTROLLER,
            now,
        ))
    };
    let target = match target(state, &key.1, reference) {
        Ok(t) => t,
        Err(e) => {
            event(state, EventType::Warning, "FailedGetScale", e.clone());
            let message =
                format!("the HPA controller was unable to get the target's current scale: {e}");
            let outcome = Outcome {
                desired: 0,
                metrics: None,
                conditions: vec![("AbleToScale", false, "FailedGetScale", message)],
            };
            write_status(state, key, &outcome, 0, now);
            return;
        }
    };
    let min = spec.min_replicas.unwrap_or(1);
    let max = spec.max_replicas;
    let current = target.replicas;
    // Later entries of a type replace earlier ones, as upstream's successive setCondition calls.
    let mut conditions = vec![(
        "AbleToScale",
        true,
        "SucceededGetScale",
        "the HPA controller was able to get the target's current scale".to_string(),
    )];
    let mut statuses = None;
    let (desired, reason) = if current == 0 && min != 0 {
        conditions.push((
            "ScalingActive",
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero".to_string(),
        ));
        (0, None)
    } else if current > max {
        (
            max,
            Some("Current number of replicas above Spec.MaxReplicas".to_string()),
        )
    } else if current < min {
        (
            min,
            Some("Current number of replicas below Spec.MinReplicas".to_string()),
        )
    } else {
        let load = c
            .load
            .iter()
            .find(|l| l.namespace == key.1 && l.deployment == target.key.2);
        let pods: Vec<&Pod> = state
            .pods_by_name()
            .map(|(_, p)| p)
            .filter(|p| p.meta.namespace == key.1 && target.selector.matches(&p.meta.labels))
            .collect();
        let computed = compute(spec.metrics.as_ref(), &pods, load, current, now);
        match computed {
            Err(e) => {
                event(
                    state,
                    EventType::Warning,
                    "FailedGetResourceMetric",
                    e.metric.clone(),
                );
                event(
                    state,
                    EventType::Warning,
                    "FailedComputeMetricsReplicas",
                    e.replicas.clone(),
                );
                conditions.push((
                    "ScalingActive",
                    false,
                    "FailedGetResourceMetric",
                    format!(
                        "the HPA was unable to compute the replica count: {}",
                        e.metric
                    ),
                ));
                let outcome = Outcome {
                    desired: current,
                    metrics: e.statuses,
                    conditions,
                };
                write_status(state, key, &outcome, current, now);
                return;
            }
            Ok(computed) => {
                conditions.push((
                    "ScalingActive",
                    true,
                    "ValidMetricFound",
                    format!(
                        "the HPA was able to successfully calculate a replica count from {}",
                        computed.name
                    ),
                ));
                let replicas = computed.replicas;
                statuses = Some(computed.statuses);
                let reason = if replicas < current {
                    "All metrics below target".to_string()
                } else {
                    format!("{} above target", computed.name)
                };
                let behavior = spec.behavior.as_ref();
                let up = Rules::of(behavior.and_then(|b| b.scale_up.as_ref()), true);
                let down = Rules::of(behavior.and_then(|b| b.scale_down.as_ref()), false);
                let args = Args {
                    up: &up,
                    down: &down,
                    min,
                    max,
                    current,
                };
                let history = c.hpa_history.entry(key.clone()).or_default();
                let n = history.normalize(&args, replicas, now);
                conditions.push(("AbleToScale", n.able.0, n.able.1, n.able.2.to_string()));
                conditions.push((
                    "ScalingLimited",
                    n.limited.0,
                    n.limited.1,
                    n.limited.2.to_string(),
                ));
                if n.replicas != current {
                    history.rescaled(current, n.replicas, &up, &down, now);
                }
                (n.replicas, Some(reason))
            }
        }
    };
    if desired != current {
        if let Some(object) = state.objects.get_mut(&target.key) {
            object.body["spec"]["replicas"] = json!(desired);
            super::deployment::bump_generation(object);
        }
        c.dirty.insert(target.key.clone());
        let reason = reason.unwrap_or_default();
        event(
            state,
            EventType::Normal,
            "SuccessfulRescale",
            format!("New size: {desired}; reason: {reason}"),
        );
        let message =
            format!("the HPA controller was able to update the target scale to {desired}");
        conditions.push(("AbleToScale", true, "SucceededRescale", message));
    }
    let outcome = Outcome {
        desired,
        metrics: statuses,
        conditions,
    };
    write_status(state, key, &outcome, current, now);
    if desired != current {
        if let Some(object) = state.objects.get_mut(key) {
            object.body["status"]["lastScaleTime"] = json!(rfc3339(now));
        }
    }
}

/// The largest proposal of an HPA's metrics, the name of the metric that made it, and every
/// metric's status entry.
struct Computed {
    replicas: i32,
    name: String,
    statuses: Vec<Value>,
}

/// Why no replica count came out: the texts of the two warning events, and the status
/// entries of the metrics that were computed.
struct Failed {
    metric: String,
    replicas: String,
    statuses: Option<Vec<Value>>,
}

/// Computes every metric and keeps the largest proposal, unless every metric failed, or one
/// failed and the others would scale down.
// K8S: horizontal.go (computeReplicasForMetrics)
fn compute(
    specs: Option<&Vec<k8s_openapi::api::autoscaling::v2::MetricSpec>>,
    pods: &[&Pod],
    load: Option<&LoadProfile>,
    current: i32,
    now: SimTime,
) -> Result<Computed, Failed> {
    let metrics = metrics(specs);
    let total = metrics.len();
    let mut best: Option<(i32, String)> = None;
    let mut statuses = Vec::with_capacity(total);
    let mut errors: Vec<(String, String)> = Vec::new();
    for metric in metrics {
        // The texts of the two warning events when the metric fails.
        let result = metric.map_err(|e| (e.clone(), e)).and_then(|m| {
            let proposal = group(pods, m.resource, load, now)
                .and_then(|g| replicas(g, current, &m))
                .map_err(|e| {
                    let e = format!("{}: {e}", m.failure());
                    let resource = m.resource_name();
                    (
                        e.clone(),
                        format!("failed to get {resource} resource metric value: {e}"),
                    )
                })?;
            Ok((m, proposal))
        });
        match result {
            Ok((m, p)) => {
                statuses.push(status(&m, &p));
                if best.as_ref().is_none_or(|(r, _)| p.replicas > *r) {
                    best = Some((p.replicas, m.name()));
                }
            }
            Err(texts) => {
                statuses.push(json!({"type": ""}));
                errors.push(texts);
            }
        }
    }
    match best {
        Some((replicas, name)) if errors.is_empty() || replicas >= current => Ok(Computed {
            replicas,
            name,
            statuses,
        }),
        _ => {
            let (metric, value) = errors.swap_remove(0);
            let computed = statuses.iter().any(|s| s["type"] != "");
            Err(Failed {
                metric,
                replicas: format!(
                    "invalid metrics ({} invalid out of {total}), first error is: {value}",
                    errors.len() + 1
                ),
                statuses: computed.then_some(statuses),
            })
        }
    }
}

/// Writes `status`: replicas, the CPU metric, and the conditions this reconcile set (the
/// others stay as they were; a condition's transition time moves only when its status does).
// K8S: horizontal.go (setCondition, setCurrentReplicasAndMetricsInStatus)
fn write_status(state: &mut ClusterState, key: &Key, o: &Outcome, current: i32, now: SimTime) {
    let Some(object) = state.objects.get_mut(key) else {
        return;
    };
    let old = object.body.get("status").cloned().unwrap_or(json!({}));
    let mut conditions: Vec<Value> = old["conditions"].as_array().cloned().unwrap_or_default();
    for (type_, status, reason, message) in &o.conditions {
        let status = if *status { "True" } else { "False" };
        let at = conditions.iter().position(|c| c["type"] == *type_);
        let transition = match at.map(|i| &conditions[i]) {
            Some(p) if p["status"] == status => p["lastTransitionTime"].clone(),
            _ => json!(rfc3339(now)),
        };
        let condition = json!({
            "type": type_,
            "status": status,
            "reason": reason,
            "message": message,
            "lastTransitionTime": transition,
        });
        match at {
            Some(i) => conditions[i] = condition,
            None => conditions.push(condition),
        }
    }
    let mut status = json!({
        "currentReplicas": current,
        "desiredReplicas": o.desired,
        "conditions": conditions,
    });
    if let Some(last) = old.get("lastScaleTime") {
        status["lastScaleTime"] = last.clone();
    }
    if let Some(metrics) = &o.metrics {
        status["currentMetrics"] = json!(metrics);
    }
    workload::set_status(object, status);
}
