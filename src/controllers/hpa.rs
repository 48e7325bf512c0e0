//! The HorizontalPodAutoscaler controller (autoscaling/v2): every 15 s it reads the CPU use of
//! the target's pods (from the scenario's load profile, standing in for metrics-server),
//! computes the replicas that bring utilization to the target, smooths that through the
//! `behavior` rules, and scales the Deployment or ReplicaSet.
// K8S: pkg/controller/podautoscaler/horizontal.go (reconcileAutoscaler),
// pkg/controller/podautoscaler/replica_calculator.go (GetResourceReplicas, groupPods)

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use serde_json::{json, Value};

use super::hpa_behavior::{Args, Rules};
use super::load::LoadProfile;
use super::{workload, Controllers, Key};
use crate::engine::{SimDuration, SimTime};
use crate::model::label_selector::Selector;
use crate::model::time::rfc3339;
use crate::model::{ClusterState, Event, EventType, ObjectRef, Pod, PodPhase};

/// How often each HPA is reconciled (`--horizontal-pod-autoscaler-sync-period`).
pub const SYNC_PERIOD: SimDuration = SimDuration::from_secs(15);
/// Usage ratios this close to 1 leave the replicas alone
/// (`--horizontal-pod-autoscaler-tolerance`).
pub const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
const CPU_INITIALIZATION: SimDuration = SimDuration::from_secs(300);
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
const INITIAL_READINESS_DELAY: SimDuration = SimDuration::from_secs(30);
/// The window of one metrics-server sample: a pod has no CPU metric until it has run this long.
// DEVIATION: metrics-server scrapes every 15 s at its own phase; here every pod's sample covers
// the 15 s before the HPA reads it.
const METRIC_WINDOW: SimDuration = SimDuration::from_secs(15);
/// The event source.
pub const HPA_CONTROLLER: &str = "horizontal-pod-autoscaler";
const CPU_METRIC: &str = "cpu resource utilization (percentage of request)";

/// Upstream's `groupPods`: which pods' samples count.
#[derive(Default)]
struct Groups {
    /// (usage, request) in millicores of the pods whose sample counts.
    ready: Vec<(i64, i64)>,
    /// Requests of the pods not ready yet and of those without a sample yet.
    unready: Vec<i64>,
    missing: Vec<i64>,
    /// Whether metrics-server had a sample for any of the pods.
    sampled: bool,
}

/// Utilization in whole percent (truncated, as upstream's integer division) and the ratio
/// to the target; `None` when no pod has a request.
// K8S: pkg/controller/podautoscaler/metrics/utilization.go (GetResourceUtilizationRatio)
fn utilization(samples: &[(i64, i64)], target: i32) -> Option<(f64, i32, i64)> {
    let usage: i64 = samples.iter().map(|s| s.0).sum();
    let requests: i64 = samples.iter().map(|s| s.1).sum();
    if requests == 0 {
        return None;
    }
    let percent = (usage * 100 / requests) as i32;
    let average = usage / samples.len() as i64;
    Some((f64::from(percent) / f64::from(target), percent, average))
}

/// A metric's proposal: replicas, utilization percent and average millicores.
struct Proposal {
    replicas: i32,
    percent: i32,
    average: i64,
}

/// The replicas that bring CPU utilization to `target` percent.
// K8S: replica_calculator.go (calcPlainMetricReplicas)
fn cpu_replicas(g: Groups, current: i32, target: i32) -> Result<Proposal, String> {
    if !g.sampled {
        return Err(
            "unable to get metrics for resource cpu: no metrics returned from resource metrics API"
                .into(),
        );
    }
    if g.ready.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    let (ratio, percent, average) =
        utilization(&g.ready, target).ok_or("no metrics returned matched known pods")?;
    let keep = Proposal {
        replicas: current,
        percent,
        average,
    };
    let up_with_unready = !g.unready.is_empty() && ratio > 1.0;
    if !up_with_unready && g.missing.is_empty() {
        if (1.0 - ratio).abs() <= TOLERANCE {
            return Ok(keep);
        }
        let replicas = (ratio * g.ready.len() as f64).ceil() as i32;
        return Ok(Proposal { replicas, ..keep });
    }
    // Missing samples count as the full request on a scale-down and as idle on a scale-up;
    // unready pods as idle on a scale-up.
    let mut samples = g.ready.clone();
    if ratio < 1.0 {
        let fallback = i64::from(target.max(100));
        samples.extend(g.missing.iter().map(|r| (r * fallback / 100, *r)));
    } else if ratio > 1.0 {
        samples.extend(g.missing.iter().map(|r| (0, *r)));
    }
    if up_with_unready {
        samples.extend(g.unready.iter().map(|r| (0, *r)));
    }
    let new_ratio = utilization(&samples, target).map_or(ratio, |u| u.0);
    if (1.0 - new_ratio).abs() <= TOLERANCE || (ratio < 1.0) != (new_ratio < 1.0) {
        return Ok(keep);
    }
    let replicas = (new_ratio * samples.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok(keep);
    }
    Ok(Proposal { replicas, ..keep })
}

/// Sorts the target's pods as upstream's `groupPods` does for a CPU metric.
fn group(pods: &[&Pod], load: Option<&LoadProfile>, now: SimTime) -> Result<Groups, String> {
    let serving = pods
        .iter()
        .filter(|p| workload::active_and_ready(p).1)
        .count();
    let mut g = Groups::default();
    for pod in pods {
        if pod.meta.deletion.is_some() || pod.status.phase == PodPhase::Failed {
            continue;
        }
        let mut request = 0;
        for c in &pod.spec.containers {
            match c.resources.requests.get("cpu") {
                Some(q) => request += q.milli_value(),
                None => {
                    return Err(format!(
                        "missing request for cpu in container {} of Pod {}",
                        c.name, pod.meta.name
                    ))
                }
            }
        }
        let start = pod.status.start_time;
        if pod.status.phase == PodPhase::Pending {
            g.unready.push(request);
            continue;
        }
        let Some(start) = start.filter(|s| *s + METRIC_WINDOW <= now) else {
            g.missing.push(request);
            continue;
        };
        g.sampled = true;
        let unready = match pod.status.condition("Ready") {
            None => true,
            Some(ready) if start + CPU_INITIALIZATION > now => {
                ready.status != "True" || now < ready.last_transition + METRIC_WINDOW
            }
            Some(ready) => {
                ready.status != "True" && start + INITIAL_READINESS_DELAY > ready.last_transition
            }
        };
        if unready {
            g.unready.push(request);
            continue;
        }
        let usage = load.map_or(0, |l| l.milli_cpu(pod, serving, now));
        g.ready.push((usage, request));
    }
    Ok(g)
}

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
    metric: Option<Proposal>,
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
                metric: None,
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
    let mut metric = None;
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
        let cpu_target = spec.metrics.iter().flatten().find_map(|m| {
            let r = m.resource.as_ref().filter(|r| r.name == "cpu")?;
            r.target.average_utilization
        });
        // DEVIATION: only a cpu Utilization metric is computed (the load profile gives CPU);
        // other metrics are refused as a metric upstream could not read.
        let proposal = match cpu_target {
            None => Err("kubesim computes cpu Utilization metrics only".to_string()),
            Some(t) => group(&pods, load, now).and_then(|g| cpu_replicas(g, current, t)),
        };
        match proposal {
            Err(e) => {
                let e = format!("failed to get cpu utilization: {e}");
                event(
                    state,
                    EventType::Warning,
                    "FailedGetResourceMetric",
                    e.clone(),
                );
                let message = format!("invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {e}");
                event(
                    state,
                    EventType::Warning,
                    "FailedComputeMetricsReplicas",
                    message,
                );
                conditions.push((
                    "ScalingActive",
                    false,
                    "FailedGetResourceMetric",
                    format!("the HPA was unable to compute the replica count: {e}"),
                ));
                let outcome = Outcome {
                    desired: current,
                    metric: None,
                    conditions,
                };
                write_status(state, key, &outcome, current, now);
                return;
            }
            Ok(p) => {
                conditions.push(("ScalingActive", true, "ValidMetricFound", format!("the HPA was able to successfully calculate a replica count from {CPU_METRIC}")));
                let replicas = p.replicas;
                metric = Some(p);
                let reason = if replicas < current {
                    "All metrics below target".to_string()
                } else {
                    format!("{CPU_METRIC} above target")
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
        metric,
        conditions,
    };
    write_status(state, key, &outcome, current, now);
    if desired != current {
        if let Some(object) = state.objects.get_mut(key) {
            object.body["status"]["lastScaleTime"] = json!(rfc3339(now));
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
    if let Some(m) = &o.metric {
        status["currentMetrics"] = json!([{
            "type": "Resource",
            "resource": {"name": "cpu", "current": {
                "averageUtilization": m.percent,
                "averageValue": format!("{}m", m.average),
            }},
        }]);
    }
    workload::set_status(object, status);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_tolerance_keeps_the_replicas() {
        // 54 % against 50 %: a ratio of 1.08.
        let g = Groups {
            ready: vec![(54, 100), (54, 100)],
            sampled: true,
            ..Default::default()
        };
        assert_eq!(cpu_replicas(g, 2, 50).map(|p| p.replicas), Ok(2));
        let g = Groups {
            ready: vec![(56, 100), (56, 100)],
            sampled: true,
            ..Default::default()
        };
        assert_eq!(cpu_replicas(g, 2, 50).map(|p| p.replicas), Ok(3));
    }

    #[test]
    fn unready_pods_count_as_idle_on_a_scale_up() {
        // Two ready pods at 100 % of a 50 % target, two starting: 200 / 400 = 50 %, no change.
        let g = Groups {
            ready: vec![(100, 100), (100, 100)],
            unready: vec![100, 100],
            sampled: true,
            ..Default::default()
        };
        assert_eq!(cpu_replicas(g, 4, 50).map(|p| p.replicas), Ok(4));
    }

    #[test]
    fn missing_samples_count_as_the_full_request_on_a_scale_down() {
        // One pod at 20 % of a 50 % target wants 1 of 2; the pod without a sample counts as
        // 100 %: (20 + 100) / 200 = 60 % is above target, so nothing changes.
        let g = Groups {
            ready: vec![(20, 100)],
            missing: vec![100],
            sampled: true,
            ..Default::default()
        };
        assert_eq!(cpu_replicas(g, 2, 50).map(|p| p.replicas), Ok(2));
        // Three idle pods and one without a sample: (0 + 100) / 400 = 25 %, half the target.
        let g = Groups {
            ready: vec![(0, 100), (0, 100), (0, 100)],
            missing: vec![100],
            sampled: true,
            ..Default::default()
        };
        assert_eq!(cpu_replicas(g, 4, 50).map(|p| p.replicas), Ok(2));
    }
}
