//! Deployment rolling-update arithmetic: how far a rollout may surge above and
//! dip below the desired replica count, how much the new ReplicaSet grows per
//! step, how old ReplicaSets shrink, and the condition texts the controller
//! writes on the way.
//!
//! Inputs are plain numbers; API defaulting (`maxSurge`/`maxUnavailable` of
//! `25%`) is the caller's job. Behaviour is that of Kubernetes 1.34 with its
//! default feature gates: `DeploymentReplicaSetTerminatingReplicas` and
//! `DeploymentPodReplacementPolicy` are off there, so terminating pods never
//! enter this arithmetic.
//!
//! Sums and differences saturate at the ends of `i32` where Go's int32 would
//! wrap. Counts are at most `apiserver::limits::PODS_PER_OBJECT` once loaded,
//! so no scenario reaches either end; saturation only keeps an arithmetic
//! overflow from ever being a panic.

use std::cmp::Ordering;

/// A `maxSurge`/`maxUnavailable` value: an absolute count or a string that
/// must be a percentage such as `"25%"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    /// An absolute number of pods.
    Int(i32),
    /// A string form; only `"<int>%"` is valid.
    Str(String),
}

/// Resolves an int-or-percent against `total`: ints are returned as they are,
/// percentages are `value * total / 100` rounded up or down (in f64, like Go).
///
/// Errors on strings that are not `<int>%`, with upstream's error text.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go (GetScaledValueFromIntOrPercent)
pub fn scaled_value(v: &IntOrPercent, total: i32, round_up: bool) -> Result<i64, String> {
    let s = match v {
        IntOrPercent::Int(i) => return Ok(i64::from(*i)),
        IntOrPercent::Str(s) => s,
    };
    let wrap = |e: String| format!("invalid value for IntOrString: {e}");
    let Some(digits) = s.strip_suffix('%') else {
        return Err(wrap("invalid type: string is not a percentage".into()));
    };
    let value: i64 = digits.parse().map_err(|e: std::num::ParseIntError| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        wrap(format!(
            "invalid value {s:?}: strconv.Atoi: parsing {digits:?}: {why}"
        ))
    })?;
    let exact = value as f64 * f64::from(total) / 100.0;
    Ok(if round_up {
        exact.ceil()
    } else {
        exact.floor()
    } as i64)
}

/// Resolves `maxSurge` (rounded up) and `maxUnavailable` (rounded down)
/// together; when both come out 0, `maxUnavailable` becomes 1 so a rollout
/// can always move (validation forbids an explicit 0/0, rounding can give it).
///
/// Upstream treats an unset field as 0: pass `IntOrPercent::Int(0)` for that.
// K8S: pkg/controller/deployment/util/deployment_util.go (ResolveFenceposts)
pub fn resolve_fenceposts(
    max_surge: &IntOrPercent,
    max_unavailable: &IntOrPercent,
    desired: i32,
) -> Result<(i32, i32), String> {
    let surge = scaled_value(max_surge, desired, true)?;
    let mut unavailable = scaled_value(max_unavailable, desired, false)?;
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    // Go converts the int results with int32(...), which wraps; here they saturate.
    Ok((saturate(surge), saturate(unavailable)))
}

/// An int as an int32, saturating where Go's conversion wraps.
fn saturate(n: i64) -> i32 {
    n.clamp(i32::MIN.into(), i32::MAX.into()) as i32
}

/// A Deployment's update strategy (`spec.strategy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Kill all old pods, then create the new ones.
    Recreate,
    /// Replace pods gradually within the surge/unavailability bounds.
    RollingUpdate {
        /// `rollingUpdate.maxSurge` (API default `25%`).
        max_surge: IntOrPercent,
        /// `rollingUpdate.maxUnavailable` (API default `25%`).
        max_unavailable: IntOrPercent,
    },
}

/// The parts of a Deployment's spec the rollout arithmetic reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentSpec {
    /// `spec.replicas` (after defaulting).
    pub replicas: i32,
    /// `spec.strategy`.
    pub strategy: Strategy,
}

/// How many pods may be unavailable during a rolling update, capped at
/// `replicas`; 0 for Recreate or a Deployment scaled to 0. A bad value
/// (caught by validation upstream) also gives 0.
// K8S: pkg/controller/deployment/util/deployment_util.go (MaxUnavailable)
pub fn max_unavailable(d: &DeploymentSpec) -> i32 {
    match &d.strategy {
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } if d.replicas != 0 => resolve_fenceposts(max_surge, max_unavailable, d.replicas)
            .map_or(0, |(_, u)| u.min(d.replicas)),
        _ => 0,
    }
}

/// How many pods above `replicas` a rolling update may run; 0 for Recreate
/// (or a bad value).
// K8S: pkg/controller/deployment/util/deployment_util.go (MaxSurge)
pub fn max_surge(d: &DeploymentSpec) -> i32 {
    match &d.strategy {
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => resolve_fenceposts(max_surge, max_unavailable, d.replicas).map_or(0, |(s, _)| s),
        Strategy::Recreate => 0,
    }
}

/// The availability floor: `replicas - maxUnavailable` for rolling updates,
/// 0 for Recreate. The `Available` condition is True at or above it.
// K8S: pkg/controller/deployment/util/deployment_util.go (MinAvailable)
pub fn min_available(d: &DeploymentSpec) -> i32 {
    match d.strategy {
        Strategy::RollingUpdate { .. } => d.replicas.saturating_sub(max_unavailable(d)),
        Strategy::Recreate => 0,
    }
}

/// One ReplicaSet as the rollout arithmetic sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rs {
    /// `metadata.name` (creation-time tie breaker).
    pub name: String,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `metadata.creationTimestamp` in ms.
    pub created_ms: u64,
}

/// Oldest first, name as tie breaker: the order old ReplicaSets are cleaned
/// up and scaled down in.
// K8S: pkg/controller/controller_utils.go (ReplicaSetsByCreationTimestamp)
pub fn by_creation(a: &Rs, b: &Rs) -> Ordering {
    a.created_ms
        .cmp(&b.created_ms)
        .then_with(|| a.name.cmp(&b.name))
}

/// Sum of `spec.replicas`.
// K8S: pkg/controller/deployment/util/deployment_util.go (GetReplicaCountForReplicaSets)
pub fn replica_count(rss: &[Rs]) -> i32 {
    rss.iter().fold(0, |sum, r| sum.saturating_add(r.replicas))
}

/// Sum of `status.availableReplicas`.
// K8S: pkg/controller/deployment/util/deployment_util.go (GetAvailableReplicaCountForReplicaSets)
pub fn available_count(rss: &[Rs]) -> i32 {
    rss.iter().fold(0, |sum, r| sum.saturating_add(r.available))
}

/// The size the new ReplicaSet should have next: for a rolling update, grow
/// by whatever room `replicas + maxSurge - sum(all replicas)` leaves, never
/// past `replicas`; for Recreate, `replicas` at once.
///
/// `all_rs` is every ReplicaSet of the Deployment (normally including the new
/// one).
// K8S: pkg/controller/deployment/util/deployment_util.go (NewRSNewReplicas)
// DEVIATION: `podReplacementPolicy: TerminationComplete` (alpha gate
// DeploymentPodReplacementPolicy, off in 1.34), which also counts terminating
// pods against the surge, is not modelled.
pub fn new_rs_new_replicas(d: &DeploymentSpec, all_rs: &[Rs], new_rs: &Rs) -> Result<i32, String> {
    match &d.strategy {
        Strategy::Recreate => Ok(d.replicas),
        Strategy::RollingUpdate { max_surge, .. } => {
            // Go's int32(...) of the scaled value wraps; here it saturates.
            let surge = saturate(scaled_value(max_surge, d.replicas, true)?);
            let current = replica_count(all_rs);
            let max_total = d.replicas.saturating_add(surge);
            if current >= max_total {
                return Ok(new_rs.replicas);
            }
            let room = d.replicas.saturating_sub(new_rs.replicas);
            let scale_up = max_total.saturating_sub(current).min(room);
            Ok(new_rs.replicas.saturating_add(scale_up))
        }
    }
}

/// The new ReplicaSet step of a rolling update: `Some(size)` when it must be
/// resized (down to `replicas` if above it, else up per
/// [`new_rs_new_replicas`]), `None` when its size stays.
// K8S: pkg/controller/deployment/rolling.go (reconcileNewReplicaSet)
pub fn reconcile_new_replica_set(
    d: &DeploymentSpec,
    all_rs: &[Rs],
    new_rs: &Rs,
) -> Result<Option<i32>, String> {
    let target = match new_rs.replicas.cmp(&d.replicas) {
        Ordering::Equal => return Ok(None),
        Ordering::Greater => d.replicas,
        Ordering::Less => new_rs_new_replicas(d, all_rs, new_rs)?,
    };
    Ok((target != new_rs.replicas).then_some(target))
}

/// Shrinks old ReplicaSets by their unavailable pods (those scale-downs cost
/// no availability), oldest first, at most `max_cleanup` pods in total.
/// Sorts `old` oldest first and updates `replicas` in place; returns the
/// number of pods removed.
///
/// An RS with more available pods than replicas is an error, as upstream
/// (earlier RSes keep the sizes they were given, like upstream's API writes).
// K8S: pkg/controller/deployment/rolling.go (cleanupUnhealthyReplicas)
pub fn cleanup_unhealthy_replicas(old: &mut [Rs], max_cleanup: i32) -> Result<i32, String> {
    old.sort_by(by_creation);
    let mut total = 0;
    for rs in old.iter_mut() {
        if total >= max_cleanup {
            break;
        }
        if rs.replicas == 0 || rs.replicas == rs.available {
            continue;
        }
        let down = max_cleanup
            .saturating_sub(total)
            .min(rs.replicas.saturating_sub(rs.available));
        let target = rs.replicas.saturating_sub(down);
        if target > rs.replicas {
            return Err(format!(
                "when cleaning up unhealthy replicas, got invalid request to scale down {} {} -> {}",
                rs.name, rs.replicas, target
            ));
        }
        rs.replicas = target;
        total = total.saturating_add(down);
    }
    Ok(total)
}

/// Scales old ReplicaSets down, oldest first, by as many pods as availability
/// above the floor (`replicas - maxUnavailable`) allows. Available pods are
/// counted over `old` plus `new_rs`. Sorts `old` and updates it in place;
/// returns the number of pods removed.
// K8S: pkg/controller/deployment/rolling.go (scaleDownOldReplicaSetsForRollingUpdate)
pub fn scale_down_old_replica_sets_for_rolling_update(
    d: &DeploymentSpec,
    new_rs: Option<&Rs>,
    old: &mut [Rs],
) -> Result<i32, String> {
    let min_available = d.replicas.saturating_sub(max_unavailable(d));
    let available = available_count(old).saturating_add(new_rs.map_or(0, |r| r.available));
    if available <= min_available {
        return Ok(0);
    }
    old.sort_by(by_creation);
    let budget = available.saturating_sub(min_available);
    let mut total = 0;
    for rs in old.iter_mut() {
        if total >= budget {
            break;
        }
        if rs.replicas == 0 {
            continue;
        }
        let down = rs.replicas.min(budget.saturating_sub(total));
        let target = rs.replicas.saturating_sub(down);
        if target > rs.replicas {
            return Err(format!(
                "when scaling down old RS, got invalid request to scale down {} {} -> {}",
                rs.name, rs.replicas, target
            ));
        }
        rs.replicas = target;
        total = total.saturating_add(down);
    }
    Ok(total)
}

/// Result of the old-ReplicaSet step of a rolling update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OldRsPlan {
    /// True when any old ReplicaSet shrank (upstream then only syncs status).
    pub scaled: bool,
    /// The active old ReplicaSets, oldest first, with their new sizes.
    pub old: Vec<Rs>,
}

/// The old ReplicaSet step of a rolling update: first drop unhealthy old
/// pods, then scale old ReplicaSets down within the availability budget.
///
/// The budget is `sum(all replicas) - minAvailable - unavailable pods of the
/// new RS`, so a crash-looping new RS cannot eat availability. `old` may hold
/// every old ReplicaSet; those at 0 replicas are left out, as upstream's
/// caller filters them (`FilterActiveReplicaSets`).
// K8S: pkg/controller/deployment/rolling.go (reconcileOldReplicaSets)
pub fn reconcile_old_replica_sets(d: &DeploymentSpec, old: &[Rs], new_rs: &Rs) -> OldRsPlan {
    let mut old: Vec<Rs> = old.iter().filter(|r| r.replicas > 0).cloned().collect();
    let old_pods = replica_count(&old);
    if old_pods == 0 {
        return OldRsPlan { scaled: false, old };
    }
    let all_pods = old_pods.saturating_add(new_rs.replicas);
    let new_unavailable = new_rs.replicas.saturating_sub(new_rs.available);
    let max_scaled_down = all_pods
        .saturating_sub(d.replicas.saturating_sub(max_unavailable(d)))
        .saturating_sub(new_unavailable);
    if max_scaled_down <= 0 {
        return OldRsPlan { scaled: false, old };
    }
    // Upstream reports no scaling when either step errors, even though the
    // sizes already written stay written.
    let Ok(cleaned) = cleanup_unhealthy_replicas(&mut old, max_scaled_down) else {
        return OldRsPlan { scaled: false, old };
    };
    let Ok(scaled_down) = scale_down_old_replica_sets_for_rolling_update(d, Some(new_rs), &mut old)
    else {
        return OldRsPlan { scaled: false, old };
    };
    OldRsPlan {
        scaled: cleaned.saturating_add(scaled_down) > 0,
        old,
    }
}

/// True when the new ReplicaSet owns the whole Deployment: its size, its
/// `deployment.kubernetes.io/desired-replicas` annotation and its available
/// pods all equal `replicas`. Then old ReplicaSets go straight to 0.
// K8S: pkg/controller/deployment/util/deployment_util.go (IsSaturated)
pub fn is_saturated(deployment_replicas: i32, rs: &Rs, desired_annotation: Option<i32>) -> bool {
    desired_annotation == Some(deployment_replicas)
        && rs.replicas == deployment_replicas
        && rs.available == deployment_replicas
}

/// The replica counters of a Deployment status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// `status.replicas`.
    pub replicas: i32,
    /// `status.updatedReplicas`.
    pub updated: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.observedGeneration`.
    pub observed_generation: i64,
}

/// A rollout is complete when every desired replica is updated and available,
/// no old pod is left and the controller has seen the latest generation.
// K8S: pkg/controller/deployment/util/deployment_util.go (DeploymentComplete)
pub fn deployment_complete(desired: i32, generation: i64, new: &StatusCounts) -> bool {
    new.updated == desired
        && new.replicas == desired
        && new.available == desired
        && new.observed_generation >= generation
}

/// Progress between two status computations: more updated, fewer old, more
/// ready or more available pods. Progress refreshes the Progressing
/// condition's `lastUpdateTime` (and so the deadline).
// K8S: pkg/controller/deployment/util/deployment_util.go (DeploymentProgressing)
pub fn deployment_progressing(old: &StatusCounts, new: &StatusCounts) -> bool {
    new.updated > old.updated
        || new.replicas.saturating_sub(new.updated) < old.replicas.saturating_sub(old.updated)
        || new.ready > old.ready
        || new.available > old.available
}

/// True when `progressDeadlineSeconds` is set and not the "never" value
/// (`i32::MAX`).
// K8S: pkg/controller/deployment/util/deployment_util.go (HasProgressDeadline)
pub fn has_progress_deadline(progress_deadline_s: Option<i32>) -> bool {
    progress_deadline_s.is_some_and(|s| s != i32::MAX)
}

/// Whether a rollout has timed out: the Progressing condition (reason and
/// `lastUpdateTime`, if there is one) is older than the deadline. A completed
/// rollout (`NewReplicaSetAvailable`) never times out; a
/// `ProgressDeadlineExceeded` one stays timed out.
// K8S: pkg/controller/deployment/util/deployment_util.go (DeploymentTimedOut)
pub fn deployment_timed_out(
    progress_deadline_s: Option<i32>,
    progressing: Option<(&str, u64)>,
    now_ms: u64,
) -> bool {
    let (Some(deadline), Some((reason, last_update_ms))) = (progress_deadline_s, progressing)
    else {
        return false;
    };
    if !has_progress_deadline(Some(deadline)) || reason == NEW_RS_AVAILABLE_REASON {
        return false;
    }
    if reason == TIMED_OUT_REASON {
        return true;
    }
    // Go: from.Add(delta).Before(now), strictly before.
    let deadline_at = last_update_ms as i128 + i128::from(deadline) * 1000;
    deadline_at < now_ms as i128
}

/// Progressing reason: a ReplicaSet was scaled during the rollout.
// K8S: pkg/controller/deployment/util/deployment_util.go (ReplicaSetUpdatedReason)
pub const RS_UPDATED_REASON: &str = "ReplicaSetUpdated";
/// Progressing reason: creating the new ReplicaSet failed.
pub const FAILED_RS_CREATE_REASON: &str = "ReplicaSetCreateError";
/// Progressing reason: the new ReplicaSet was created.
pub const NEW_RS_REASON: &str = "NewReplicaSetCreated";
/// Progressing reason: an existing ReplicaSet matches the template.
pub const FOUND_NEW_RS_REASON: &str = "FoundNewReplicaSet";
/// Progressing reason: the rollout finished.
pub const NEW_RS_AVAILABLE_REASON: &str = "NewReplicaSetAvailable";
/// Progressing reason (status False): no progress within the deadline.
pub const TIMED_OUT_REASON: &str = "ProgressDeadlineExceeded";
/// Progressing reason (status Unknown): the Deployment is paused.
pub const PAUSED_REASON: &str = "DeploymentPaused";
/// Progressing reason (status Unknown): the Deployment was resumed.
pub const RESUMED_REASON: &str = "DeploymentResumed";
/// Available reason: at least `minAvailable` pods are available.
pub const MIN_REPLICAS_AVAILABLE: &str = "MinimumReplicasAvailable";
/// Available reason (status False): fewer than `minAvailable` are available.
pub const MIN_REPLICAS_UNAVAILABLE: &str = "MinimumReplicasUnavailable";
/// Event reason for every ReplicaSet resize.
pub const SCALING_RS_EVENT: &str = "ScalingReplicaSet";

/// Message of the True `Available` condition.
// K8S: pkg/controller/deployment/sync.go (calculateStatus)
pub const MSG_MIN_AVAILABLE: &str = "Deployment has minimum availability.";
/// Message of the False `Available` condition.
pub const MSG_MIN_UNAVAILABLE: &str = "Deployment does not have minimum availability.";
/// Message of the paused Progressing condition.
// K8S: pkg/controller/deployment/sync.go (checkPausedConditions)
pub const MSG_PAUSED: &str = "Deployment is paused";
/// Message of the resumed Progressing condition.
pub const MSG_RESUMED: &str = "Deployment is resumed";

/// Go's `%q` for an object name (names never hold quotes or backslashes, so
/// only the surrounding quotes matter).
fn q(name: &str) -> String {
    format!("{name:?}")
}

/// `ReplicaSet "<rs>" has successfully progressed.` (or the Deployment form
/// when there is no new RS), the `NewReplicaSetAvailable` message.
// K8S: pkg/controller/deployment/progress.go (syncRolloutStatus)
pub fn msg_rs_progressed(deployment: &str, new_rs: Option<&str>) -> String {
    match new_rs {
        Some(rs) => format!("ReplicaSet {} has successfully progressed.", q(rs)),
        None => format!("Deployment {} has successfully progressed.", q(deployment)),
    }
}

/// `ReplicaSet "<rs>" is progressing.`, the `ReplicaSetUpdated` message.
// K8S: pkg/controller/deployment/progress.go (syncRolloutStatus)
pub fn msg_rs_progressing(deployment: &str, new_rs: Option<&str>) -> String {
    match new_rs {
        Some(rs) => format!("ReplicaSet {} is progressing.", q(rs)),
        None => format!("Deployment {} is progressing.", q(deployment)),
    }
}

/// `ReplicaSet "<rs>" has timed out progressing.`, the
/// `ProgressDeadlineExceeded` message.
// K8S: pkg/controller/deployment/progress.go (syncRolloutStatus)
pub fn msg_timed_out(deployment: &str, new_rs: Option<&str>) -> String {
    match new_rs {
        Some(rs) => format!("ReplicaSet {} has timed out progressing.", q(rs)),
        None => format!("Deployment {} has timed out progressing.", q(deployment)),
    }
}

/// `Created new replica set "<rs>"`, the `NewReplicaSetCreated` message.
// K8S: pkg/controller/deployment/sync.go (getNewReplicaSet)
pub fn msg_new_rs_created(rs: &str) -> String {
    format!("Created new replica set {}", q(rs))
}

/// `Found new replica set "<rs>"`, the `FoundNewReplicaSet` message.
// K8S: pkg/controller/deployment/sync.go (getNewReplicaSet)
pub fn msg_found_new_rs(rs: &str) -> String {
    format!("Found new replica set {}", q(rs))
}

/// `ScalingReplicaSet` event text for a resize of an existing ReplicaSet:
/// `Scaled up replica set web-abc to 3 from 1`.
// K8S: pkg/controller/deployment/sync.go (scaleReplicaSet)
pub fn msg_scaled(rs: &str, from: i32, to: i32) -> String {
    let dir = if from < to { "up" } else { "down" };
    format!("Scaled {dir} replica set {rs} to {to} from {from}")
}

/// `ScalingReplicaSet` event text when a new ReplicaSet is created with
/// pods: `Scaled up replica set web-abc to 1` (no "from").
// K8S: pkg/controller/deployment/sync.go (getNewReplicaSet)
pub fn msg_created_scaled(rs: &str, to: i32) -> String {
    format!("Scaled up replica set {rs} to {to}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i32) -> IntOrPercent {
        IntOrPercent::Int(i)
    }
    fn pct(s: &str) -> IntOrPercent {
        IntOrPercent::Str(s.to_string())
    }
    fn rolling(replicas: i32, surge: IntOrPercent, unavail: IntOrPercent) -> DeploymentSpec {
        DeploymentSpec {
            replicas,
            strategy: Strategy::RollingUpdate {
                max_surge: surge,
                max_unavailable: unavail,
            },
        }
    }
    fn rs(name: &str, replicas: i32, available: i32) -> Rs {
        Rs {
            name: name.into(),
            replicas,
            available,
            created_ms: 0,
        }
    }

    // K8S: staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr_test.go (TestGetIntFromIntOrPercent)
    #[test]
    fn scaled_value_table() {
        let ok: [(IntOrPercent, i32, bool, i64); 4] = [
            (int(123), 0, false, 123),
            (pct("90%"), 100, true, 90),
            (pct("90%"), 95, true, 86),
            (pct("90%"), 95, false, 85),
        ];
        for (v, total, up, want) in ok {
            assert_eq!(scaled_value(&v, total, up), Ok(want), "{v:?}");
        }
        for bad in ["%", "90#", "#%", "90"] {
            assert!(scaled_value(&pct(bad), 0, false).is_err(), "{bad}");
        }
        assert_eq!(
            scaled_value(&pct("90"), 0, false).unwrap_err(),
            "invalid value for IntOrString: invalid type: string is not a percentage"
        );
    }

    // K8S: pkg/controller/deployment/util/deployment_util_test.go (TestResolveFenceposts)
    // Upstream's nil fields are Int(0) here (ValueOrDefault).
    #[test]
    fn resolve_fenceposts_table() {
        let cases = [
            (pct("0%"), pct("0%"), 0, Some((0, 1))),
            (pct("39%"), pct("39%"), 10, Some((4, 3))),
            (pct("oops"), pct("39%"), 10, None),
            (pct("55%"), pct("urg"), 10, None),
            (int(0), pct("39%"), 10, Some((0, 3))),
            (pct("39%"), int(0), 10, Some((4, 0))),
            (int(0), int(0), 10, Some((0, 1))),
        ];
        for (surge, unavail, desired, want) in cases {
            assert_eq!(
                resolve_fenceposts(&surge, &unavail, desired).ok(),
                want,
                "{surge:?} {unavail:?} {desired}"
            );
        }
    }

    // K8S: pkg/controller/deployment/util/deployment_util_test.go (TestMaxUnavailable)
    #[test]
    fn max_unavailable_table() {
        let cases = [
            (rolling(10, int(1), int(5)), 5),
            (rolling(10, int(1), int(10)), 10),
            (rolling(5, int(1), int(10)), 5),
            (rolling(0, int(1), int(10)), 0),
            (
                DeploymentSpec {
                    replicas: 0,
                    strategy: Strategy::Recreate,
                },
                0,
            ),
            (rolling(10, int(1), pct("50%")), 5),
            (rolling(10, int(1), pct("100%")), 10),
            (rolling(5, int(1), pct("100%")), 5),
        ];
        for (d, want) in cases {
            assert_eq!(max_unavailable(&d), want, "{d:?}");
        }
    }

    // K8S: pkg/controller/deployment/util/deployment_util_test.go (TestNewRSNewReplicas)
    // allRSs is just rs5 (5 replicas), as upstream; maxUnavailable 1.
    #[test]
    fn new_rs_new_replicas_table() {
        let rs5 = [rs("rs5", 5, 0)];
        let cases = [
            (rolling(1, int(1), int(1)), 5, 5),
            (rolling(6, int(10), int(1)), 2, 6),
            (
                DeploymentSpec {
                    replicas: 3,
                    strategy: Strategy::Recreate,
                },
                1,
                3,
            ),
        ];
        for (d, new_replicas, want) in cases {
            let new_rs = rs("new", new_replicas, 0);
            assert_eq!(new_rs_new_replicas(&d, &rs5, &new_rs), Ok(want), "{d:?}");
        }
    }

    // K8S: pkg/controller/deployment/rolling_test.go (TestDeploymentController_reconcileNewReplicaSet)
    // The two "ignore terminating pods" rows behave as the gate-off default
    // here; the TerminationComplete rows need DeploymentPodReplacementPolicy
    // (alpha, off in 1.34) and are not ported.
    #[test]
    fn reconcile_new_replica_set_table() {
        // (deployment replicas, maxSurge, old, new, expected new size)
        let cases = [
            (10, 0, 10, 0, None),
            (10, 2, 10, 0, Some(2)),
            (10, 2, 5, 0, Some(7)),
            (10, 2, 10, 2, None),
            (10, 2, 2, 11, Some(10)),
            (10, 2, 5, 0, Some(7)),
            (10, 2, 5, 0, Some(7)),
        ];
        for (replicas, surge, old, new, want) in cases {
            let d = rolling(replicas, int(surge), int(0));
            let new_rs = rs("foo-v2", new, 0);
            let all = [new_rs.clone(), rs("foo-v1", old, 0)];
            assert_eq!(
                reconcile_new_replica_set(&d, &all, &new_rs),
                Ok(want),
                "{replicas} {surge} {old} {new}"
            );
        }
    }

    // K8S: pkg/controller/deployment/rolling_test.go (TestDeploymentController_reconcileOldReplicaSets)
    // Upstream asserts only `scaled`; the expected old sizes of its table are
    // checked too.
    #[test]
    fn reconcile_old_replica_sets_table() {
        // (replicas, maxUnavailable, old, new, ready old, ready new, scaled, old after)
        let cases = [
            (10, 0, 10, 0, 10, 0, true, 9),
            (10, 2, 10, 0, 10, 0, true, 8),
            (10, 2, 10, 0, 8, 0, true, 8),
            (10, 2, 10, 0, 9, 0, true, 8),
            (10, 2, 8, 2, 8, 0, false, 8),
        ];
        for (replicas, unavail, old, new, ready_old, ready_new, scaled, after) in cases {
            let d = rolling(replicas, int(0), int(unavail));
            let plan = reconcile_old_replica_sets(
                &d,
                &[rs("foo-old", old, ready_old)],
                &rs("foo-new", new, ready_new),
            );
            assert_eq!(plan.scaled, scaled, "{replicas} {unavail} {old} {new}");
            assert_eq!(plan.old[0].replicas, after);
        }
    }

    // K8S: pkg/controller/deployment/rolling_test.go (TestDeploymentController_cleanupUnhealthyReplicas)
    #[test]
    fn cleanup_unhealthy_replicas_table() {
        // (old replicas, ready, max cleanup, cleaned)
        let cases = [(10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0)];
        for (old, ready, max, want) in cases {
            let mut olds = [rs("foo-v2", old, ready)];
            assert_eq!(cleanup_unhealthy_replicas(&mut olds, max), Ok(want));
            assert_eq!(olds[0].replicas, old - want);
        }
    }

    // K8S: pkg/controller/deployment/rolling_test.go (TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate)
    #[test]
    fn scale_down_old_table() {
        // (replicas, maxUnavailable, ready, old, expected old after or None)
        let cases = [
            (10, 0, 10, 10, Some(9)),
            (10, 2, 10, 10, Some(8)),
            (10, 2, 8, 10, None),
            (10, 2, 10, 0, None),
            (10, 2, 1, 10, None),
        ];
        for (replicas, unavail, ready, old, want) in cases {
            let d = rolling(replicas, int(0), int(unavail));
            let mut olds = [rs("foo-v2", old, ready)];
            let down = scale_down_old_replica_sets_for_rolling_update(&d, None, &mut olds).unwrap();
            match want {
                Some(after) => assert_eq!((down > 0, olds[0].replicas), (true, after)),
                None => assert_eq!(down, 0, "{replicas} {unavail} {ready} {old}"),
            }
        }
    }

    #[test]
    fn old_replica_sets_go_oldest_first() {
        let d = rolling(4, int(0), int(2));
        let old = [
            Rs {
                created_ms: 20,
                ..rs("b", 2, 2)
            },
            Rs {
                created_ms: 10,
                ..rs("a", 2, 2)
            },
        ];
        let plan = reconcile_old_replica_sets(&d, &old, &rs("new", 0, 0));
        let sizes: Vec<_> = plan
            .old
            .iter()
            .map(|r| (r.name.as_str(), r.replicas))
            .collect();
        assert_eq!(sizes, [("a", 0), ("b", 2)]);
    }

    // K8S: pkg/controller/deployment/util/deployment_util_test.go (TestDeploymentComplete)
    #[test]
    fn deployment_complete_table() {
        // (desired, current, updated, available, expected); maxUnavailable and
        // maxSurge of the upstream table do not enter the function.
        let cases = [
            (5, 5, 5, 4, false),
            (5, 5, 5, 3, false),
            (5, 5, 5, 5, true),
            (5, 5, 4, 5, false),
            (1, 2, 1, 1, false),
            (1, 1, 1, 0, false),
        ];
        for (desired, replicas, updated, available, want) in cases {
            let s = StatusCounts {
                replicas,
                updated,
                available,
                ..Default::default()
            };
            assert_eq!(deployment_complete(desired, 0, &s), want, "{s:?}");
        }
    }

    // K8S: pkg/controller/deployment/util/deployment_util_test.go (TestDeploymentProgressing)
    #[test]
    fn deployment_progressing_table() {
        let st = |replicas, updated, ready, available| StatusCounts {
            replicas,
            updated,
            ready,
            available,
            observed_generation: 0,
        };
        let cases = [
            (st(10, 4, 4, 4), st(10, 6, 4, 4), true),
            (st(10, 4, 4, 4), st(10, 4, 4, 4), false),
            (st(10, 4, 6, 6), st(8, 4, 6, 6), true),
            (st(10, 7, 3, 3), st(10, 6, 3, 3), false),
            (st(10, 4, 7, 7), st(8, 8, 5, 5), true),
            (st(10, 10, 9, 8), st(10, 10, 10, 8), true),
            (st(10, 10, 10, 9), st(10, 10, 10, 10), true),
        ];
        for (old, new, want) in cases {
            assert_eq!(deployment_progressing(&old, &new), want, "{old:?} {new:?}");
        }
    }

    // K8S: pkg/controller/deployment/util/deployment_util_test.go (TestDeploymentTimedOut)
    #[test]
    fn deployment_timed_out_table() {
        let t = |min: u64, sec: u64| (min * 60 + sec) * 1000;
        let now = t(1, 20);
        assert!(!deployment_timed_out(None, Some(("", t(1, 9))), now));
        assert!(!deployment_timed_out(
            Some(i32::MAX),
            Some(("", t(1, 9))),
            now
        ));
        assert!(deployment_timed_out(Some(10), Some(("", t(1, 9))), now));
        assert!(!deployment_timed_out(Some(10), Some(("", t(1, 11))), now));
        assert!(!deployment_timed_out(
            None,
            Some((NEW_RS_AVAILABLE_REASON, 0)),
            0
        ));
    }

    #[test]
    fn saturation() {
        assert!(is_saturated(3, &rs("n", 3, 3), Some(3)));
        assert!(!is_saturated(3, &rs("n", 3, 2), Some(3)));
        assert!(!is_saturated(3, &rs("n", 3, 3), None));
    }

    #[test]
    fn messages() {
        assert_eq!(
            msg_rs_progressed("web", Some("web-abc")),
            r#"ReplicaSet "web-abc" has successfully progressed."#
        );
        assert_eq!(
            msg_rs_progressing("web", None),
            r#"Deployment "web" is progressing."#
        );
        assert_eq!(
            msg_timed_out("web", Some("web-abc")),
            r#"ReplicaSet "web-abc" has timed out progressing."#
        );
        assert_eq!(
            msg_new_rs_created("web-abc"),
            r#"Created new replica set "web-abc""#
        );
        assert_eq!(
            msg_found_new_rs("web-abc"),
            r#"Found new replica set "web-abc""#
        );
        assert_eq!(
            msg_scaled("web-abc", 1, 3),
            "Scaled up replica set web-abc to 3 from 1"
        );
        assert_eq!(
            msg_scaled("web-abc", 3, 0),
            "Scaled down replica set web-abc to 0 from 3"
        );
        assert_eq!(
            msg_created_scaled("web-abc", 1),
            "Scaled up replica set web-abc to 1"
        );
    }

    #[test]
    fn default_quarter_fenceposts() {
        // 25%/25% of 4: surge 1, unavailable 1; of 1: surge 1, unavailable 0.
        let d = rolling(4, pct("25%"), pct("25%"));
        assert_eq!(
            (max_surge(&d), max_unavailable(&d), min_available(&d)),
            (1, 1, 3)
        );
        let d = rolling(1, pct("25%"), pct("25%"));
        assert_eq!((max_surge(&d), max_unavailable(&d)), (1, 0));
    }
}
