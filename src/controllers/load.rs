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

    /// The millicores `pod` uses at `now` when the load is spread evenly over `ready` ready
    /// pods: its share, throttled at the sum of its containers' CPU limits when every
    /// container has one. Pods that are not ready get no traffic and use nothing.
    // DEVIATION: usage follows the load at once and exactly; a real pod's usage is noisy and
    // metrics-server reports an average over its last scrape window.
    pub fn milli_cpu(&self, pod: &Pod, ready: usize, now: SimTime) -> i64 {
        if ready == 0 || !crate::controllers::workload::active_and_ready(pod).1 {
            return 0;
        }
        let share = self.rps_at(now) * self.milli_cpu_per_request / ready as f64;
        let limits: Option<i64> = pod
            .spec
            .containers
            .iter()
            .map(|c| c.resources.limits.get("cpu").map(|q| q.milli_value()))
            .sum();
        let share = share.round() as i64;
        limits.map_or(share, |limit| share.min(limit))
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
            steps: vec![
                (SimTime::from_millis(0), 50.0),
                (SimTime::from_millis(60_000), 400.0),
            ],
        };
        assert_eq!(profile.rps_at(SimTime::from_millis(59_999)), 50.0);
        assert_eq!(profile.rps_at(SimTime::from_millis(60_000)), 400.0);
    }
}
