//! The HorizontalPodAutoscaler's `behavior`: the stabilization window over recent
//! recommendations and the scaling policies that cap how fast replicas change, with upstream's
//! defaults when the HPA gives none.
// K8S: pkg/controller/podautoscaler/horizontal.go (normalizeDesiredReplicasWithBehaviors,
// stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithBehaviorRate,
// calculateScaleUpLimitWithScalingRules, calculateScaleDownLimitWithBehaviors),
// pkg/apis/autoscaling/v2/defaults.go (GenerateHPAScaleUpRules, GenerateHPAScaleDownRules)

use k8s_openapi::api::autoscaling::v2::HPAScalingRules;

use crate::engine::{SimDuration, SimTime};

/// How one direction of scaling is limited.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub window: SimDuration,
    /// `selectPolicy`: `Max`, `Min` or `Disabled`.
    pub select: String,
    /// (`Pods` or `Percent`, value, period).
    pub policies: Vec<(String, i32, SimDuration)>,
}

impl Rules {
    /// The rules given, with upstream's defaults for what is left out: scale-up at once by
    /// max(100 %, 4 pods) per 15 s, scale-down after a 300 s window by up to 100 % per 15 s.
    pub fn of(given: Option<&HPAScalingRules>, up: bool) -> Rules {
        let secs = |s: i32| SimDuration::from_secs(s.max(0) as u64);
        let policies = match given.and_then(|g| g.policies.as_ref()) {
            Some(p) => p
                .iter()
                .map(|p| (p.type_.clone(), p.value, secs(p.period_seconds)))
                .collect(),
            // K8S: pkg/apis/autoscaling/v2/defaults.go (GenerateHPAScaleUpRules: Pods, then Percent)
            None if up => vec![
                ("Pods".to_string(), 4, secs(15)),
                ("Percent".to_string(), 100, secs(15)),
            ],
            None => vec![("Percent".to_string(), 100, secs(15))],
        };
        let default_window = if up { 0 } else { 300 };
        Rules {
            window: secs(
                given
                    .and_then(|g| g.stabilization_window_seconds)
                    .unwrap_or(default_window),
            ),
            select: given
                .and_then(|g| g.select_policy.clone())
                .unwrap_or_else(|| "Max".to_string()),
            policies,
        }
    }
}

/// What the controller remembers of one HPA between syncs.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Recent recommendations (replicas, when).
    recommendations: Vec<(i32, SimTime)>,
    /// Rescales (replicas added or removed, when).
    ups: Vec<(i32, SimTime)>,
    downs: Vec<(i32, SimTime)>,
}

/// A condition the normalization sets: (status, reason, message).
pub type Verdict = (bool, &'static str, &'static str);

/// The normalized recommendation, with the `AbleToScale` and `ScalingLimited` verdicts.
pub struct Normalized {
    pub replicas: i32,
    pub able: Verdict,
    pub limited: Verdict,
}

/// The bounds and rules one normalization works with.
pub struct Args<'a> {
    pub up: &'a Rules,
    pub down: &'a Rules,
    pub min: i32,
    pub max: i32,
    pub current: i32,
}

impl History {
    /// Stabilizes `desired` over the recent recommendations, then limits it by the policies.
    pub fn normalize(&mut self, args: &Args<'_>, desired: i32, now: SimTime) -> Normalized {
        if self.recommendations.is_empty() {
            // K8S: horizontal.go (maybeInitScaleDownStabilizationWindow)
            self.recommendations.push((args.current, now));
        }
        let stabilized = self.stabilize(args, desired, now);
        let able = if stabilized.0 != desired {
            (true, stabilized.1, stabilized.2)
        } else {
            (
                true,
                "ReadyForNewScale",
                "recommended size matches current size",
            )
        };
        let (replicas, reason, message) = self.rate_limit(args, stabilized.0, now);
        Normalized {
            replicas,
            able,
            limited: (replicas != stabilized.0, reason, message),
        }
    }

    fn stabilize(
        &mut self,
        a: &Args<'_>,
        desired: i32,
        now: SimTime,
    ) -> (i32, &'static str, &'static str) {
        let up = desired >= a.current;
        let (window, reason, message) = if up {
            (a.up.window, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
        } else {
            (a.down.window, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
        };
        let longest = a.up.window.max(a.down.window);
        let mut recommendation = desired;
        let mut old = None;
        for (i, (replicas, at)) in self.recommendations.iter().enumerate() {
            if *at + window > now {
                recommendation = if up {
                    recommendation.min(*replicas)
                } else {
                    recommendation.max(*replicas)
                };
            }
            if *at + longest < now {
                old = Some(i);
            }
        }
        // The last obsolete sample makes room for this one.
        match old {
            Some(i) => self.recommendations[i] = (desired, now),
            None => self.recommendations.push((desired, now)),
        }
        (recommendation, reason, message)
    }

    fn rate_limit(
        &self,
        a: &Args<'_>,
        desired: i32,
        now: SimTime,
    ) -> (i32, &'static str, &'static str) {
        if desired > a.current {
            let limit = self.limit(a.up, a.current, now, true).max(a.current);
            if a.max > limit {
                if desired > limit {
                    return (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate");
                }
            } else if desired > a.max {
                return (
                    a.max,
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                );
            }
        } else if desired < a.current {
            let limit = self.limit(a.down, a.current, now, false).min(a.current);
            if a.min < limit {
                if desired < limit {
                    return (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate");
                }
            } else if desired < a.min {
                return (
                    a.min,
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                );
            }
        }
        (
            desired,
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    }

    /// The most (scaling up) or fewest (down) replicas the policies allow now.
    fn limit(&self, rules: &Rules, current: i32, now: SimTime, up: bool) -> i32 {
        if rules.select == "Disabled" {
            return current;
        }
        // `Max` picks the policy allowing the biggest change, `Min` the smallest.
        let biggest = rules.select != "Min";
        let mut result: Option<i32> = None;
        for (type_, value, period) in &rules.policies {
            let within = |events: &[(i32, SimTime)]| -> i32 {
                events
                    .iter()
                    .filter(|(_, at)| *at + *period > now)
                    .fold(0i32, |sum, (n, _)| sum.saturating_add(*n))
            };
            // Saturating where Go's int32 would wrap (a policy's value may be any int32).
            let start = current
                .saturating_sub(within(&self.ups))
                .saturating_add(within(&self.downs));
            let proposed = match (type_.as_str(), up) {
                ("Pods", true) => start.saturating_add(*value),
                ("Pods", false) => start.saturating_sub(*value),
                (_, true) => (f64::from(start) * (1.0 + f64::from(*value) / 100.0)).ceil() as i32,
                (_, false) => (f64::from(start) * (1.0 - f64::from(*value) / 100.0)) as i32,
            };
            let pick_max = biggest == up;
            result = Some(match result {
                None => proposed,
                Some(r) if pick_max => r.max(proposed),
                Some(r) => r.min(proposed),
            });
        }
        result.unwrap_or(current)
    }

    /// Remembers a rescale from `from` to `to` replicas, for the policies' periods.
    // K8S: horizontal.go (storeScaleEvent)
    pub fn rescaled(&mut self, from: i32, to: i32, up: &Rules, down: &Rules, now: SimTime) {
        let keep = |events: &mut Vec<(i32, SimTime)>, rules: &Rules| {
            let longest = rules.policies.iter().map(|p| p.2).max().unwrap_or_default();
            events.retain(|(_, at)| *at + longest > now);
        };
        keep(&mut self.ups, up);
        keep(&mut self.downs, down);
        if to > from {
            self.ups.push((to.saturating_sub(from), now));
        } else {
            self.downs.push((from.saturating_sub(to), now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::from_millis(s * 1000)
    }

    /// Upstream's default rules for both directions.
    fn defaults() -> (Rules, Rules) {
        (Rules::of(None, true), Rules::of(None, false))
    }

    fn args(rules: &(Rules, Rules), min: i32, max: i32, current: i32) -> Args<'_> {
        Args {
            up: &rules.0,
            down: &rules.1,
            min,
            max,
            current,
        }
    }

    #[test]
    fn default_scale_up_doubles_or_adds_four_per_15s() {
        let rules = defaults();
        let mut h = History::default();
        let args = args(&rules, 1, 100, 2);
        let n = h.normalize(&args, 20, at(0));
        assert_eq!(n.replicas, 6);
        assert_eq!(
            n.limited,
            (
                true,
                "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate"
            )
        );
        h.rescaled(2, 6, &rules.0, &rules.1, at(0));
        // Within the same 15 s period the start is still 2.
        let args = Args { current: 6, ..args };
        assert_eq!(h.normalize(&args, 20, at(10)).replicas, 6);
        // A period later: 6 doubles to 12.
        assert_eq!(h.normalize(&args, 20, at(15)).replicas, 12);
    }

    #[test]
    fn scale_down_waits_for_the_highest_recommendation_of_300s() {
        let rules = defaults();
        let mut h = History::default();
        let args = args(&rules, 1, 10, 8);
        let n = h.normalize(&args, 2, at(0));
        assert_eq!(n.replicas, 8);
        assert_eq!(n.able.1, "ScaleDownStabilized");
        assert_eq!(h.normalize(&args, 2, at(285)).replicas, 8);
        // The 8 of t=0 is no longer after the cutoff 300 s back.
        assert_eq!(h.normalize(&args, 2, at(300)).replicas, 2);
    }

    #[test]
    fn max_replicas_limits_with_too_many_replicas() {
        let rules = defaults();
        let args = args(&rules, 1, 5, 4);
        let n = History::default().normalize(&args, 9, at(0));
        assert_eq!((n.replicas, n.limited.1), (5, "TooManyReplicas"));
    }
}
