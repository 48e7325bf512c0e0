//! The HorizontalPodAutoscaler's Resource metrics: which pods' samples count (upstream's
//! `groupPods`) and the replicas a metric proposes (its replica calculator), for CPU and
//! memory, against a `Utilization` or an `AverageValue` target.
// K8S: pkg/controller/podautoscaler/replica_calculator.go (GetResourceReplicas,
// GetRawResourceReplicas, calcPlainMetricReplicas, groupPods), horizontal.go
// (computeStatusForResourceMetric), pkg/apis/autoscaling/v2/defaults.go

use k8s_openapi::api::autoscaling::v2::MetricSpec;

use super::load::LoadProfile;
use super::workload;
use crate::engine::{SimDuration, SimTime};
use crate::model::{Pod, PodPhase, Quantity};

/// Usage ratios this close to 1 leave the replicas alone
/// (`--horizontal-pod-autoscaler-tolerance`).
pub const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
const CPU_INITIALIZATION: SimDuration = SimDuration::from_secs(300);
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
const INITIAL_READINESS_DELAY: SimDuration = SimDuration::from_secs(30);
/// The window of one metrics-server sample: a pod has no metric until it has run this long.
// DEVIATION: metrics-server scrapes every 15 s at its own phase; here every pod's sample covers
// the 15 s before the HPA reads it.
const METRIC_WINDOW: SimDuration = SimDuration::from_secs(15);

/// A resource the load profiles give usage for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Cpu,
    Memory,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
        }
    }

    /// A value in the unit samples use (millicores, bytes).
    fn amount(self, q: &Quantity) -> i64 {
        match self {
            Resource::Cpu => q.milli_value(),
            Resource::Memory => q.value(),
        }
    }
}

/// What a metric aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// A percentage of the pods' requests.
    Utilization(i32),
    /// An average per pod, in the resource's sample unit.
    AverageValue(i64),
}

/// One Resource metric of an HPA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub resource: Resource,
    pub goal: Goal,
}

impl Metric {
    /// Upstream's name of the metric in conditions and events.
    pub fn name(&self) -> String {
        match self.goal {
            Goal::Utilization(_) => {
                format!(
                    "{} resource utilization (percentage of request)",
                    self.resource.name()
                )
            }
            Goal::AverageValue(_) => format!("{} resource", self.resource.name()),
        }
    }

    /// The prefix of its errors: `failed to get cpu utilization`.
    pub fn failure(&self) -> String {
        match self.goal {
            Goal::Utilization(_) => format!("failed to get {} utilization", self.resource.name()),
            Goal::AverageValue(_) => format!("failed to get {} usage", self.resource.name()),
        }
    }

    /// The resource's name.
    pub fn resource_name(&self) -> &'static str {
        self.resource.name()
    }
}

/// The HPA's metrics in order; with none, upstream's default of 80 % CPU utilization. A metric
/// kubesim cannot compute is an error in its place.
// DEVIATION: the default metric is applied when the HPA is reconciled, not stored in its spec.
pub fn metrics(specs: Option<&Vec<MetricSpec>>) -> Vec<Result<Metric, String>> {
    let Some(specs) = specs.filter(|s| !s.is_empty()) else {
        return vec![Ok(Metric {
            resource: Resource::Cpu,
            goal: Goal::Utilization(80),
        })];
    };
    specs.iter().map(metric).collect()
}

fn metric(spec: &MetricSpec) -> Result<Metric, String> {
    let refused = || {
        let what = match &spec.resource {
            Some(r) if spec.type_ == "Resource" => format!("the {} resource", r.name),
            _ => format!("{} metrics", spec.type_),
        };
        Err(format!(
            "kubesim computes cpu and memory Resource metrics only, not {what}"
        ))
    };
    let Some(r) = spec.resource.as_ref().filter(|_| spec.type_ == "Resource") else {
        return refused();
    };
    let resource = match r.name.as_str() {
        "cpu" => Resource::Cpu,
        "memory" => Resource::Memory,
        _ => return refused(),
    };
    let goal = match (r.target.type_.as_str(), &r.target) {
        ("Utilization", t) => Goal::Utilization(t.average_utilization.unwrap_or(0)),
        ("AverageValue", t) => {
            let value = t
                .average_value
                .as_ref()
                .and_then(|q| q.0.parse::<Quantity>().ok());
            Goal::AverageValue(value.map_or(0, |q| resource.amount(&q)))
        }
        _ => return refused(),
    };
    Ok(Metric { resource, goal })
}

/// Upstream's `groupPods`: which pods' samples count, as (usage, request) pairs.
#[derive(Debug, Default, Clone)]
pub struct Groups {
    pub ready: Vec<(i64, i64)>,
    /// Requests of the pods not ready yet and of those without a sample yet.
    pub unready: Vec<i64>,
    pub missing: Vec<i64>,
    /// Whether metrics-server had a sample for any of the pods.
    pub sampled: bool,
}

/// Sorts the target's pods for one metric; the unready rules apply to CPU only.
pub fn group(
    pods: &[&Pod],
    resource: Resource,
    load: Option<&LoadProfile>,
    now: SimTime,
) -> Result<Groups, String> {
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
            match c.resources.requests.get(resource.name()) {
                Some(q) => request = resource.amount(q).saturating_add(request),
                None => {
                    return Err(format!(
                        "missing request for {} in container {} of Pod {}",
                        resource.name(),
                        c.name,
                        pod.meta.name
                    ))
                }
            }
        }
        if pod.status.phase == PodPhase::Pending {
            g.unready.push(request);
            continue;
        }
        let usage = load.and_then(|l| match resource {
            Resource::Cpu => Some(l.milli_cpu(pod, serving, now)),
            Resource::Memory => l.memory(pod, serving, now),
        });
        let start = pod.status.start_time;
        let (Some(start), Some(usage)) = (start.filter(|s| *s + METRIC_WINDOW <= now), usage)
        else {
            g.missing.push(request);
            continue;
        };
        g.sampled = true;
        if resource == Resource::Cpu && unready_for_cpu(pod, start, now) {
            g.unready.push(request);
            continue;
        }
        g.ready.push((usage, request));
    }
    Ok(g)
}

/// Upstream's CPU rule: a pod in its initialization period counts once Ready for a whole
/// sample window; after it, a pod counts unless it never became Ready after a short delay.
fn unready_for_cpu(pod: &Pod, start: SimTime, now: SimTime) -> bool {
    match pod.status.condition("Ready") {
        None => true,
        Some(ready) if start + CPU_INITIALIZATION > now => {
            ready.status != "True" || now < ready.last_transition + METRIC_WINDOW
        }
        Some(ready) => {
            ready.status != "True" && start + INITIAL_READINESS_DELAY > ready.last_transition
        }
    }
}

/// A metric's proposal: replicas, and what the status shows (utilization percent, for a
/// Utilization goal; the average per pod, in the sample unit).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub replicas: i32,
    pub percent: Option<i32>,
    pub average: i64,
}

/// The usage ratio of samples to the goal, with the percent and the average it shows.
// K8S: pkg/controller/podautoscaler/metrics/utilization.go (GetResourceUtilizationRatio: whole
// percent, truncated; GetMetricUsageRatio)
fn ratio(samples: &[(i64, i64)], goal: Goal) -> Option<(f64, Option<i32>, i64)> {
    // Sums saturate where Go's int64 would wrap (a load profile can ask for any usage).
    let usage = samples.iter().fold(0i64, |sum, s| sum.saturating_add(s.0));
    let average = usage / samples.len().max(1) as i64;
    match goal {
        Goal::Utilization(target) => {
            let requests = samples.iter().fold(0i64, |sum, s| sum.saturating_add(s.1));
            if requests == 0 {
                return None;
            }
            let percent = (usage.saturating_mul(100) / requests).clamp(0, i32::MAX.into()) as i32;
            Some((
                f64::from(percent) / f64::from(target),
                Some(percent),
                average,
            ))
        }
        Goal::AverageValue(target) => {
            (target > 0).then(|| (average as f64 / target as f64, None, average))
        }
    }
}

/// The replicas that bring usage to the goal.
// K8S: replica_calculator.go (GetResourceReplicas, calcPlainMetricReplicas)
pub fn replicas(g: Groups, current: i32, metric: &Metric) -> Result<Proposal, String> {
    if !g.sampled {
        return Err(format!(
            "unable to get metrics for resource {}: no metrics returned from resource metrics API",
            metric.resource.name()
        ));
    }
    if g.ready.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    let goal = metric.goal;
    let (r, percent, average) =
        ratio(&g.ready, goal).ok_or("no metrics returned matched known pods")?;
    let keep = Proposal {
        replicas: current,
        percent,
        average,
    };
    let up_with_unready = !g.unready.is_empty() && r > 1.0;
    if !up_with_unready && g.missing.is_empty() {
        if (1.0 - r).abs() <= TOLERANCE {
            return Ok(keep);
        }
        let replicas = (r * g.ready.len() as f64).ceil() as i32;
        return Ok(Proposal { replicas, ..keep });
    }
    // Missing samples count as the goal (at least the full request) on a scale-down and as
    // idle on a scale-up; unready pods as idle on a scale-up.
    let full = |request: i64| match goal {
        Goal::Utilization(target) => request * i64::from(target.max(100)) / 100,
        Goal::AverageValue(target) => target,
    };
    let mut samples = g.ready.clone();
    if r < 1.0 {
        samples.extend(g.missing.iter().map(|q| (full(*q), *q)));
    } else if r > 1.0 {
        samples.extend(g.missing.iter().map(|q| (0, *q)));
    }
    if up_with_unready {
        samples.extend(g.unready.iter().map(|q| (0, *q)));
    }
    let new_ratio = ratio(&samples, goal).map_or(r, |u| u.0);
    if (1.0 - new_ratio).abs() <= TOLERANCE || (r < 1.0) != (new_ratio < 1.0) {
        return Ok(keep);
    }
    let replicas = (new_ratio * samples.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok(keep);
    }
    Ok(Proposal { replicas, ..keep })
}

/// The metric's `status.currentMetrics` entry.
// K8S: horizontal.go (computeStatusForResourceMetric: averageValue as a milli-quantity)
pub fn status(metric: &Metric, p: &Proposal) -> serde_json::Value {
    let milli = match metric.resource {
        Resource::Cpu => p.average,
        Resource::Memory => p.average.saturating_mul(1000),
    };
    let mut current = serde_json::json!({"averageValue": Quantity::from_milli(milli).to_string()});
    if let Some(percent) = p.percent {
        current["averageUtilization"] = percent.into();
    }
    serde_json::json!({
        "type": "Resource",
        "resource": {"name": metric.resource.name(), "current": current},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPU_50: Metric = Metric {
        resource: Resource::Cpu,
        goal: Goal::Utilization(50),
    };

    fn sampled(ready: Vec<(i64, i64)>) -> Groups {
        Groups {
            ready,
            sampled: true,
            ..Default::default()
        }
    }

    #[test]
    fn within_tolerance_keeps_the_replicas() {
        // 54 % against 50 %: a ratio of 1.08; 56 %: 1.12.
        let g = sampled(vec![(54, 100), (54, 100)]);
        assert_eq!(replicas(g, 2, &CPU_50).map(|p| p.replicas), Ok(2));
        let g = sampled(vec![(56, 100), (56, 100)]);
        assert_eq!(replicas(g, 2, &CPU_50).map(|p| p.replicas), Ok(3));
    }

    #[test]
    fn unready_pods_count_as_idle_on_a_scale_up() {
        // Two ready pods at 100 % of a 50 % target, two starting: 200 / 400 = 50 %, no change.
        let g = Groups {
            unready: vec![100, 100],
            ..sampled(vec![(100, 100), (100, 100)])
        };
        assert_eq!(replicas(g, 4, &CPU_50).map(|p| p.replicas), Ok(4));
    }

    #[test]
    fn missing_samples_count_as_the_full_request_on_a_scale_down() {
        // One pod at 20 % of a 50 % target wants 1 of 2; the pod without a sample counts as
        // 100 %: (20 + 100) / 200 = 60 % is above target, so nothing changes.
        let g = Groups {
            missing: vec![100],
            ..sampled(vec![(20, 100)])
        };
        assert_eq!(replicas(g, 2, &CPU_50).map(|p| p.replicas), Ok(2));
        // Three idle pods and one without a sample: (0 + 100) / 400 = 25 %, half the target.
        let g = Groups {
            missing: vec![100],
            ..sampled(vec![(0, 100), (0, 100), (0, 100)])
        };
        assert_eq!(replicas(g, 4, &CPU_50).map(|p| p.replicas), Ok(2));
    }

    #[test]
    fn memory_utilization_is_a_whole_percent_of_the_requests() {
        let mi = 1024 * 1024;
        let memory_60 = Metric {
            resource: Resource::Memory,
            goal: Goal::Utilization(60),
        };
        // 300Mi and 200Mi of 256Mi each: 97 % (truncated) of a 60 % target: ceil(1.616 × 2).
        let g = sampled(vec![(300 * mi, 256 * mi), (200 * mi, 256 * mi)]);
        let p = replicas(g, 2, &memory_60).unwrap();
        assert_eq!((p.replicas, p.percent, p.average), (4, Some(97), 250 * mi));
        assert_eq!(
            status(&memory_60, &p),
            serde_json::json!({"type": "Resource", "resource": {"name": "memory",
                "current": {"averageUtilization": 97, "averageValue": "262144k"}}})
        );
    }

    #[test]
    fn an_average_value_goal_ignores_the_requests() {
        // 900m average against 500m: ratio 1.8, ceil(1.8 × 3) = 6.
        let cpu_500m = Metric {
            resource: Resource::Cpu,
            goal: Goal::AverageValue(500),
        };
        let g = sampled(vec![(900, 100), (800, 100), (1000, 100)]);
        let p = replicas(g, 3, &cpu_500m).unwrap();
        assert_eq!((p.replicas, p.percent, p.average), (6, None, 900));
        assert_eq!(cpu_500m.name(), "cpu resource");
        assert_eq!(
            status(&cpu_500m, &p)["resource"]["current"],
            serde_json::json!({"averageValue": "900m"})
        );
    }

    #[test]
    fn metrics_default_to_80_percent_cpu_and_refuse_what_is_not_computed() {
        assert_eq!(
            metrics(None),
            [Ok(Metric {
                resource: Resource::Cpu,
                goal: Goal::Utilization(80)
            })]
        );
        let specs: Vec<MetricSpec> = serde_json::from_value(serde_json::json!([
            {"type": "Resource", "resource": {"name": "memory",
                "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "rps"},
                "target": {"type": "AverageValue", "averageValue": "10"}}},
        ]))
        .unwrap();
        let parsed = metrics(Some(&specs));
        assert_eq!(
            parsed[0],
            Ok(Metric {
                resource: Resource::Memory,
                goal: Goal::AverageValue(500 * 1024 * 1024)
            })
        );
        assert_eq!(
            parsed[1],
            Err(
                "kubesim computes cpu and memory Resource metrics only, not Pods metrics"
                    .to_string()
            )
        );
    }
}
