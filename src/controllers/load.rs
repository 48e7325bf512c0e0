//! Load profiles (`spec.load` of a scenario): requests per second sent to a Deployment over
//! time, turned into the CPU each of its ready pods uses. They stand in for metrics-server,
//! which is where the HorizontalPodAutoscaler reads pod usage.

use crate::engine::SimTime;
use crate::model::Pod;

/// The load on one Deployment: a step function of requests per second, and what one request
/// costs in CPU.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    pub namespace: String,
    pub deployment: String,
    /// Millicores one request per second keeps busy.
    pub milli_cpu_per_request: f64,
    /// Memory in bytes: what every running pod holds, and what one request per second of its
    /// share adds. `None`: the scenario gives no memory model, so memory metrics are missing.
    pub memory: Option<MemoryModel>,
    /// From each instant on, this many requests per second (sorted by instant; 0 before the
    /// first).
    pub steps: Vec<(SimTime, f64)>,
}

impl LoadProfile {
    /// The requests per second at `now`.
    pub fn rps_at(&self, now: SimTime) -> f64 {
        self.steps
            .iter()
            .take_while(|(at, _)| *at <= now)
            .last()
            .map_or(0.0, |(_, rps)| *rps)
    }

    /// What `pod` spends at `now` on its share of the load, at `per_request` a request per
    /// second: an even share over `ready` ready pods while it is ready, none otherwise.
    fn share(&self, per_request: f64, pod: &Pod, ready: usize, now: SimTime) -> f64 {
        if ready == 0 || !crate::controllers::workload::active_and_ready(pod).1 {
            return 0.0;
        }
        self.rps_at(now) * per_request / ready as f64
    }

    /// The millicores `pod` uses at `now` when the load is spread evenly over `ready` ready
    /// pods: its share, throttled at the sum of its containers' CPU limits when every
    /// container has one. Pods that are not ready get no traffic and use nothing.
    // DEVIATION: usage follows the load at once and exactly; a real pod's usage is noisy and
    // metrics-server reports an average over its last scrape window.
    pub fn milli_cpu(&self, pod: &Pod, ready: usize, now: SimTime) -> i64 {
        let share = self.share(self.milli_cpu_per_request, pod, ready, now);
        let limits: Option<i64> = pod
            .spec
            .containers
            .iter()
            .map(|c| c.resources.limits.get("cpu").map(|q| q.milli_value()))
            .try_fold(0i64, |sum, limit| Some(sum.saturating_add(limit?)));
        let share = share.round() as i64;
        limits.map_or(share, |limit| share.min(limit))
    }
}

/// A pod's memory under load: a base plus a cost per request per second it serves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryModel {
    pub per_pod: i64,
    pub per_request: f64,
}

impl LoadProfile {
    /// The bytes `pod` uses at `now`: the base while it runs, plus its share of the load
    /// while it is ready (the share spread over `ready` ready pods). `None` without a memory
    /// model.
    pub fn memory(&self, pod: &Pod, ready: usize, now: SimTime) -> Option<i64> {
        let model = self.memory?;
        if pod.status.phase != crate::model::PodPhase::Running {
            return Some(0);
        }
        let share = self.share(model.per_request, pod, ready, now);
        // Saturating: a scenario may give any quantity (`8Ei` a pod plus a share).
        Some(model.per_pod.saturating_add(share.round() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_from_their_instant_on() {
        let profile = LoadProfile {
            namespace: "default".into(),
            deployment: "web".into(),
            milli_cpu_per_request: 2.0,
            memory: None,
            steps: vec![
                (SimTime::from_millis(0), 50.0),
                (SimTime::from_millis(60_000), 400.0),
            ],
        };
        assert_eq!(profile.rps_at(SimTime::from_millis(59_999)), 50.0);
        assert_eq!(profile.rps_at(SimTime::from_millis(60_000)), 400.0);
    }
}
