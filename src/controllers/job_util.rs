//! Job controller numbers: the exponential back-off before replacing failed
//! pods, how many pods to create or delete per sync, when a Job has failed or
//! completed, and the condition and event texts it writes.
//!
//! Kubernetes 1.34 defaults apply: `JobPodReplacementPolicy` and
//! `JobManagedBy` are on, so terminal conditions are first written as
//! `FailureTarget`/`SuccessCriteriaMet` and only turn into
//! `Failed`/`Complete` once no pod is terminating.

/// First back-off after a pod failure (10 s).
// K8S: pkg/controller/job/job_controller.go (DefaultJobPodFailureBackOff)
pub const DEFAULT_POD_FAILURE_BACKOFF_MS: u64 = 10_000;
/// Cap of the pod-failure back-off (10 min).
// K8S: pkg/controller/job/job_controller.go (MaxJobPodFailureBackOff)
pub const MAX_POD_FAILURE_BACKOFF_MS: u64 = 600_000;
/// At most this many pods are created or deleted in one sync.
// K8S: pkg/controller/job/job_controller.go (MaxPodCreateDeletePerSync)
pub const MAX_POD_CREATE_DELETE_PER_SYNC: i32 = 500;
/// Pod events for one Job are batched into one sync per this period (1 s).
// K8S: pkg/controller/job/job_controller.go (syncJobBatchPeriod)
pub const SYNC_JOB_BATCH_PERIOD_MS: u64 = 1_000;

/// The back-off after `failures` consecutive failures: `default` doubled
/// `failures - 1` times, capped at `max`; 0 without failures.
// K8S: pkg/controller/job/backoff_utils.go (getRemainingTimeForFailuresCount)
pub fn backoff_duration_ms(failures: i32, default_ms: u64, max_ms: u64) -> u64 {
    if failures <= 0 {
        return 0;
    }
    let mut d = default_ms;
    for _ in 1..failures {
        d = d.saturating_mul(2);
        if d >= max_ms {
            return max_ms;
        }
    }
    d
}

/// [`backoff_duration_ms`] with the controller's 10 s / 10 min bounds.
pub fn calculate_backoff(failures: i32) -> u64 {
    backoff_duration_ms(
        failures,
        DEFAULT_POD_FAILURE_BACKOFF_MS,
        MAX_POD_FAILURE_BACKOFF_MS,
    )
}

/// How long pod creation must still wait: the back-off for `failures` minus
/// the time since the last failure, never below 0.
// K8S: pkg/controller/job/backoff_utils.go (getRemainingTimeForFailuresCount)
// DEVIATION: upstream dereferences a nil last-failure time (a panic it never
// hits); `None` here counts as "just failed" and gives the full back-off.
pub fn remaining_backoff_ms(
    failures: i32,
    last_failure_ms: Option<u64>,
    now_ms: u64,
    default_ms: u64,
    max_ms: u64,
) -> u64 {
    if failures <= 0 {
        return 0;
    }
    let backoff = i128::from(backoff_duration_ms(failures, default_ms, max_ms));
    let elapsed = last_failure_ms.map_or(0, |t| i128::from(now_ms) - i128::from(t));
    if backoff < elapsed {
        0
    } else {
        (backoff - elapsed) as u64
    }
}

/// Consecutive failures since the last success, the input of the global
/// (not per-index) back-off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackoffRecord {
    /// Pod failures after the latest success.
    pub failures_after_last_success: i32,
    /// Finish time of the latest of those failures.
    pub last_failure_ms: Option<u64>,
}

impl BackoffRecord {
    /// Remaining wait before creating pods, with the controller's bounds.
    // K8S: pkg/controller/job/backoff_utils.go (backoffRecord.getRemainingTime)
    pub fn remaining_ms(&self, now_ms: u64) -> u64 {
        remaining_backoff_ms(
            self.failures_after_last_success,
            self.last_failure_ms,
            now_ms,
            DEFAULT_POD_FAILURE_BACKOFF_MS,
            MAX_POD_FAILURE_BACKOFF_MS,
        )
    }
}

/// Updates the back-off record with the pods that finished since the last
/// sync (their finish times, see [`finished_time_ms`]). New failures add up
/// unless a success is newer; a success resets the count to the failures that
/// finished strictly after it.
// K8S: pkg/controller/job/backoff_utils.go (newBackoffRecord)
pub fn new_backoff_record(
    prev: BackoffRecord,
    new_succeeded_ms: &[u64],
    new_failed_ms: &[u64],
) -> BackoffRecord {
    let last_failed = new_failed_ms.iter().copied().max();
    let Some(last_success) = new_succeeded_ms.iter().copied().max() else {
        return match last_failed {
            None => prev,
            Some(t) => BackoffRecord {
                failures_after_last_success: prev.failures_after_last_success
                    + new_failed_ms.len() as i32,
                last_failure_ms: Some(t),
            },
        };
    };
    let after: Vec<u64> = new_failed_ms
        .iter()
        .copied()
        .filter(|&t| t > last_success)
        .collect();
    BackoffRecord {
        failures_after_last_success: after.len() as i32,
        last_failure_ms: after.iter().copied().max(),
    }
}

/// The per-index back-off (`backoffLimitPerIndex`): the index's failure
/// count is the last failed pod's failure and ignored-failure annotations
/// plus one, timed from that pod's finish.
// K8S: pkg/controller/job/backoff_utils.go (getRemainingTimePerIndex)
pub fn remaining_backoff_per_index_ms(
    index_failure_count: i32,
    index_ignored_failure_count: i32,
    last_failed_finish_ms: u64,
    now_ms: u64,
    default_ms: u64,
    max_ms: u64,
) -> u64 {
    let failures = index_failure_count + index_ignored_failure_count + 1;
    remaining_backoff_ms(
        failures,
        Some(last_failed_finish_ms),
        now_ms,
        default_ms,
        max_ms,
    )
}

/// What a finished pod reports about when it finished.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinishedPodTimes {
    /// One entry per container status, regular and init containers: the
    /// terminated state's `finishedAt`, `None` when not terminated (or the
    /// time is unset).
    pub container_finished_ms: Vec<Option<u64>>,
    /// `lastTransitionTime` of a Ready condition with status False.
    pub ready_false_since_ms: Option<u64>,
    /// `deletionTimestamp` and `deletionGracePeriodSeconds` (0 if unset).
    pub deletion: Option<(u64, i64)>,
    /// `creationTimestamp`.
    pub created_ms: u64,
}

/// When a pod finished, for the back-off: the latest container finish if all
/// containers terminated, else when Ready turned False, else the deletion
/// time minus the grace period, else the creation time.
// K8S: pkg/controller/job/backoff_utils.go (getFinishedTime)
pub fn finished_time_ms(p: &FinishedPodTimes) -> u64 {
    let all_done: Option<Vec<u64>> = p.container_finished_ms.iter().copied().collect();
    if let Some(latest) = all_done.and_then(|v| v.into_iter().max()) {
        return latest;
    }
    if let Some(t) = p.ready_false_since_ms {
        return t;
    }
    if let Some((deleted, grace_s)) = p.deletion {
        return (i128::from(deleted) - i128::from(grace_s) * 1000).max(0) as u64;
    }
    p.created_ms
}

/// The pod counts one `manageJob` call decides from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// `spec.parallelism`.
    pub parallelism: i32,
    /// `spec.completions`; `None` is a work-queue Job.
    pub completions: Option<i32>,
    /// Active pods (not finished, not being deleted).
    pub active: i32,
    /// Succeeded pods counted so far (status plus new ones).
    pub succeeded: i32,
    /// Pods being deleted that have not finished yet.
    pub terminating: i32,
    /// Replacements wait for terminating pods to finish: `podReplacementPolicy:
    /// Failed`, which is forced when a `podFailurePolicy` is set.
    pub only_replace_failed: bool,
    /// `spec.suspend`.
    pub suspended: bool,
}

/// How many pods should run: `min(parallelism, completions - succeeded)`
/// (not below 0); for a work-queue Job, `parallelism` until the first
/// success and then just the pods already running.
// K8S: pkg/controller/job/job_controller.go (manageJob)
pub fn want_active(c: &JobCounts) -> i32 {
    match c.completions {
        None if c.succeeded > 0 => c.active,
        None => c.parallelism,
        Some(n) => n.saturating_sub(c.succeeded).min(c.parallelism).max(0),
    }
}

/// What one `manageJob` call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManageAction {
    /// Nothing to create or delete.
    Nothing,
    /// Create this many pods (slow-start batches 1, 2, 4... upstream).
    Create(i32),
    /// Delete this many excess pods (chosen by the `ActivePods` order).
    Delete(i32),
    /// Pods are missing but the failure back-off has this long to run; the
    /// Job is requeued after it.
    WaitBackoff(u64),
}

/// The pod-count decision of one sync: a suspended Job deletes all active
/// pods; excess pods are deleted (deletion wins over creation); missing pods
/// are created unless the back-off (`backoff_remaining_ms`, see
/// [`BackoffRecord::remaining_ms`]) is still running. Both directions are
/// capped at 500 per sync.
///
/// Indexed Jobs may also delete duplicate-index pods and create fewer pods
/// than missing (only free indexes); that bookkeeping is not modelled here.
// K8S: pkg/controller/job/job_controller.go (manageJob)
pub fn manage_job(c: &JobCounts, backoff_remaining_ms: u64) -> ManageAction {
    if c.suspended {
        return if c.active > 0 {
            ManageAction::Delete(c.active)
        } else {
            ManageAction::Nothing
        };
    }
    let want = want_active(c);
    let excess = c.active.saturating_sub(want);
    if excess > 0 {
        return ManageAction::Delete(excess.min(MAX_POD_CREATE_DELETE_PER_SYNC));
    }
    let terminating = if c.only_replace_failed {
        c.terminating
    } else {
        0
    };
    let missing = want.saturating_sub(terminating).saturating_sub(c.active);
    if missing <= 0 {
        return ManageAction::Nothing;
    }
    if backoff_remaining_ms > 0 {
        return ManageAction::WaitBackoff(backoff_remaining_ms);
    }
    ManageAction::Create(missing.min(MAX_POD_CREATE_DELETE_PER_SYNC))
}

/// True when enough pods succeeded and none is still active (work-queue
/// Jobs: any success and nothing active).
// K8S: pkg/controller/job/job_controller.go (syncJob)
pub fn job_complete(completions: Option<i32>, succeeded: i32, active: i32) -> bool {
    active == 0
        && match completions {
            None => succeeded > 0,
            Some(n) => succeeded >= n,
        }
}

/// `restartPolicy: OnFailure` pods restart in place, so their restarts count
/// against the limit: the sum of container and init-container restarts over
/// Pending and Running pods reaches `backoffLimit` (any restart when it is 0).
// K8S: pkg/controller/job/job_controller.go (pastBackoffLimitOnFailure)
pub fn past_backoff_limit_on_failure(restarts_of_live_pods: i32, backoff_limit: i32) -> bool {
    if backoff_limit == 0 {
        restarts_of_live_pods > 0
    } else {
        restarts_of_live_pods >= backoff_limit
    }
}

/// True when the Job has run at least `activeDeadlineSeconds` since its
/// start time (never while suspended or before it started).
// K8S: pkg/controller/job/job_controller.go (pastActiveDeadline)
pub fn past_active_deadline(
    active_deadline_s: Option<i64>,
    start_ms: Option<u64>,
    now_ms: u64,
    suspended: bool,
) -> bool {
    match (active_deadline_s, start_ms) {
        (Some(d), Some(start)) if !suspended => {
            i128::from(now_ms) - i128::from(start) >= i128::from(d) * 1000
        }
        _ => false,
    }
}

/// The failure verdict of a sync, in upstream's order: more failed pods
/// than `backoffLimit` (or, for `OnFailure` pods, `on_failure_restarts`
/// past the limit), else the active deadline. Returns (reason, message).
// K8S: pkg/controller/job/job_controller.go (syncJob)
pub fn job_failure(
    failed: i32,
    backoff_limit: i32,
    on_failure_restarts: Option<i32>,
    past_deadline: bool,
) -> Option<(&'static str, &'static str)> {
    let on_failure =
        on_failure_restarts.is_some_and(|r| past_backoff_limit_on_failure(r, backoff_limit));
    if failed > backoff_limit || on_failure {
        Some((REASON_BACKOFF_LIMIT_EXCEEDED, MSG_BACKOFF_LIMIT_EXCEEDED))
    } else if past_deadline {
        Some((REASON_DEADLINE_EXCEEDED, MSG_DEADLINE_EXCEEDED))
    } else {
        None
    }
}

/// `generateName` for a pod of an Indexed Job: `<job>-<index>-`, the job name
/// cut so the prefix stays within 58 characters.
// K8S: pkg/controller/job/indexed_job_utils.go (podGenerateNameWithIndex)
pub fn pod_generate_name_with_index(job_name: &str, index: i32) -> String {
    const MAX: usize = super::names::MAX_GENERATED_NAME_LENGTH;
    let suffix = format!("-{index}-");
    let prefix = format!("{job_name}{suffix}");
    if prefix.len() <= MAX {
        return prefix;
    }
    let mut cut = MAX - suffix.len();
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &prefix[..cut])
}

/// Condition type: the Job finished successfully.
// K8S: staging/src/k8s.io/api/batch/v1/types.go (JobConditionType)
pub const COND_COMPLETE: &str = "Complete";
/// Condition type: the Job failed.
pub const COND_FAILED: &str = "Failed";
/// Condition type: the Job is suspended.
pub const COND_SUSPENDED: &str = "Suspended";
/// Interim condition: the Job will fail once its pods are gone.
pub const COND_FAILURE_TARGET: &str = "FailureTarget";
/// Interim condition: the Job will complete once its pods are gone.
pub const COND_SUCCESS_CRITERIA_MET: &str = "SuccessCriteriaMet";

/// Failure reason: too many failed pods.
// K8S: staging/src/k8s.io/api/batch/v1/types.go (JobReason*)
pub const REASON_BACKOFF_LIMIT_EXCEEDED: &str = "BackoffLimitExceeded";
/// Failure reason: `activeDeadlineSeconds` passed.
pub const REASON_DEADLINE_EXCEEDED: &str = "DeadlineExceeded";
/// Failure reason: a `podFailurePolicy` rule with action FailJob matched.
pub const REASON_POD_FAILURE_POLICY: &str = "PodFailurePolicy";
/// Failure reason: more failed indexes than `maxFailedIndexes`.
pub const REASON_MAX_FAILED_INDEXES_EXCEEDED: &str = "MaxFailedIndexesExceeded";
/// Failure reason: some index failed and all indexes are done.
pub const REASON_FAILED_INDEXES: &str = "FailedIndexes";
/// Success reason: a `successPolicy` rule matched.
pub const REASON_SUCCESS_POLICY: &str = "SuccessPolicy";
/// Success reason: `completions` pods succeeded.
pub const REASON_COMPLETIONS_REACHED: &str = "CompletionsReached";

/// Message of `BackoffLimitExceeded`.
// K8S: pkg/controller/job/job_controller.go (syncJob)
pub const MSG_BACKOFF_LIMIT_EXCEEDED: &str = "Job has reached the specified backoff limit";
/// Message of `DeadlineExceeded`.
pub const MSG_DEADLINE_EXCEEDED: &str = "Job was active longer than specified deadline";
/// Message of `MaxFailedIndexesExceeded`.
pub const MSG_MAX_FAILED_INDEXES_EXCEEDED: &str =
    "Job has exceeded the specified maximal number of failed indexes";
/// Message of `FailedIndexes`.
pub const MSG_FAILED_INDEXES: &str = "Job has failed indexes";
/// Message of `CompletionsReached` (on both `SuccessCriteriaMet` and
/// `Complete`).
pub const MSG_COMPLETIONS_REACHED: &str = "Reached expected number of succeeded pods";
/// Reason and message of the `Suspended` condition (True) and event reason
/// `Suspended`.
pub const REASON_SUSPENDED: &str = "JobSuspended";
/// Message of the suspend condition and event.
pub const MSG_SUSPENDED: &str = "Job suspended";
/// Reason of the `Suspended` condition turning False.
pub const REASON_RESUMED: &str = "JobResumed";
/// Message of the resume condition and event.
pub const MSG_RESUMED: &str = "Job resumed";

/// Event reason for a created pod (message [`msg_created_pod`]).
// K8S: pkg/controller/controller_utils.go (SuccessfulCreatePodReason)
pub const EVENT_SUCCESSFUL_CREATE: &str = "SuccessfulCreate";
/// Warning event reason for a failed pod creation (`Error creating: <err>`).
pub const EVENT_FAILED_CREATE: &str = "FailedCreate";
/// Event reason for a deleted pod (message [`msg_deleted_pod`]).
pub const EVENT_SUCCESSFUL_DELETE: &str = "SuccessfulDelete";
/// Event reason when the Job completes (message [`MSG_JOB_COMPLETED`]).
// K8S: pkg/controller/job/job_controller.go (recordJobFinished)
pub const EVENT_COMPLETED: &str = "Completed";
/// Message of the `Completed` event.
pub const MSG_JOB_COMPLETED: &str = "Job completed";
/// Warning event when more pods succeeded than `completions`.
pub const EVENT_TOO_MANY_SUCCEEDED: &str = "TooManySucceededPods";
/// Message of `TooManySucceededPods`.
pub const MSG_TOO_MANY_SUCCEEDED: &str =
    "Too many succeeded pods running after completion count reached";
// A failed Job emits a Warning event whose reason and message are the
// Failed condition's.

/// `Created pod: <name>`.
// K8S: pkg/controller/controller_utils.go (RealPodControl.createPods)
pub fn msg_created_pod(pod: &str) -> String {
    format!("Created pod: {pod}")
}

/// `Deleted pod: <name>`.
// K8S: pkg/controller/controller_utils.go (RealPodControl.DeletePod)
pub fn msg_deleted_pod(pod: &str) -> String {
    format!("Deleted pod: {pod}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_257_894_000_000; // 2009-11-10T23:00:00Z, upstream's test time
    const S: u64 = 1_000;

    // K8S: pkg/controller/job/backoff_utils_test.go (TestGetRemainingBackoffTime)
    #[test]
    fn remaining_backoff_table() {
        // (failures, last failure, now, want), default 5 s, max 700 s.
        let cases = [
            (0, None, T, 0),
            (1, Some(T), T, 5 * S),
            (1, Some(T), T + S, 4 * S),
            (1, Some(T), T + 5 * S, 0),
            (1, Some(T), T + 6 * S, 0),
            (3, Some(T), T, 20 * S),
            (8, Some(T), T, 640 * S),
            (9, Some(T), T, 700 * S),
        ];
        for (failures, last, now, want) in cases {
            assert_eq!(
                remaining_backoff_ms(failures, last, now, 5 * S, 700 * S),
                want,
                "{failures} failures"
            );
        }
    }

    // K8S: pkg/controller/job/backoff_utils_test.go (TestGetRemainingBackoffTimePerIndex)
    #[test]
    fn remaining_backoff_per_index_table() {
        assert_eq!(
            remaining_backoff_per_index_ms(2, 0, T, T, 5 * S, 700 * S),
            20 * S
        );
        assert_eq!(
            remaining_backoff_per_index_ms(1, 1, T, T, 5 * S, 700 * S),
            20 * S
        );
        // "no failures" (no last failed pod) is simply not calling this: 0.
        assert_eq!(remaining_backoff_ms(0, None, T, 5 * S, 700 * S), 0);
    }

    #[test]
    fn controller_backoff_bounds() {
        let secs: Vec<u64> = (0..=8).map(|f| calculate_backoff(f) / S).collect();
        assert_eq!(secs, [0, 10, 20, 40, 80, 160, 320, 600, 600]);
    }

    // K8S: pkg/controller/job/backoff_utils_test.go (TestNewBackoffRecord)
    #[test]
    fn new_backoff_record_table() {
        let rec = |n, t: Option<u64>| BackoffRecord {
            failures_after_last_success: n,
            last_failure_ms: t,
        };
        let empty = BackoffRecord::default();
        let cases: [(BackoffRecord, Vec<u64>, Vec<u64>, BackoffRecord); 8] = [
            (empty, vec![], vec![T], rec(1, Some(T))),
            (empty, vec![], vec![T, T - 1], rec(2, Some(T))),
            (empty, vec![T], vec![T - 2, T - 1], rec(0, None)),
            (
                empty,
                vec![T - 2],
                vec![T, T - 4, T - 3, T - 1],
                rec(2, Some(T)),
            ),
            (rec(2, None), vec![], vec![T], rec(3, Some(T))),
            (empty, vec![T], vec![T], rec(0, None)),
            (empty, vec![], vec![], rec(0, None)),
            (empty, vec![T], vec![], rec(0, None)),
        ];
        for (i, (prev, ok, failed, want)) in cases.into_iter().enumerate() {
            assert_eq!(new_backoff_record(prev, &ok, &failed), want, "case {i}");
        }
    }

    // K8S: pkg/controller/job/backoff_utils_test.go (TestGetFinishedTime)
    #[test]
    fn finished_time_table() {
        let c = |v: &[Option<u64>]| v.to_vec();
        let p = |containers, ready_false, deletion, created| FinishedPodTimes {
            container_finished_ms: containers,
            ready_false_since_ms: ready_false,
            deletion,
            created_ms: created,
        };
        let cases = [
            (
                p(c(&[Some(T - S), Some(T), Some(T - 2 * S)]), None, None, 0),
                T,
            ),
            (
                p(
                    c(&[Some(T - S), None, Some(T - 2 * S)]),
                    None,
                    Some((T, 0)),
                    0,
                ),
                T,
            ),
            (p(c(&[None]), None, Some((T, 0)), 0), T),
            (p(c(&[None]), None, Some((T, 30)), 0), T - 30 * S),
            (p(c(&[None]), Some(T), None, 0), T),
            // Ready=True is not a finish signal: falls to the deletion time.
            (p(c(&[None]), None, Some((T, 0)), 0), T),
            (p(c(&[None]), None, None, T), T),
            // A regular container and an init container that ended later.
            (p(c(&[Some(T - S), Some(T)]), None, None, 0), T),
        ];
        for (i, (pod, want)) in cases.into_iter().enumerate() {
            assert_eq!(finished_time_ms(&pod), want, "case {i}");
        }
    }

    // K8S: pkg/controller/job/job_controller_test.go (TestControllerSyncJob)
    // The rows whose outcome is a plain create/delete count.
    #[test]
    fn manage_job_sync_rows() {
        let job = |parallelism, completions: i32, active, succeeded| JobCounts {
            parallelism,
            completions: (completions >= 0).then_some(completions),
            active,
            succeeded,
            ..Default::default()
        };
        let rows = [
            ("job start", job(2, 5, 0, 0), ManageAction::Create(2)),
            ("WQ job start", job(2, -1, 0, 0), ManageAction::Create(2)),
            ("pending pods", job(2, 5, 2, 0), ManageAction::Nothing),
            ("correct # of pods", job(3, 5, 3, 0), ManageAction::Nothing),
            (
                "WQ job: correct # of pods",
                job(2, -1, 2, 0),
                ManageAction::Nothing,
            ),
            (
                "too few active pods",
                job(2, 5, 1, 1),
                ManageAction::Create(1),
            ),
            (
                "too few, dynamic job",
                job(2, -1, 1, 0),
                ManageAction::Create(1),
            ),
            (
                "too many active pods",
                job(2, 5, 3, 0),
                ManageAction::Delete(1),
            ),
            (
                "failed + succeed pods",
                job(2, 5, 1, 1),
                ManageAction::Create(1),
            ),
            ("new failed pod", job(2, 5, 1, 0), ManageAction::Create(1)),
            ("WQ job finishing", job(2, -1, 1, 1), ManageAction::Nothing),
            (
                "more active than parallelism",
                job(2, 5, 10, 0),
                ManageAction::Delete(8),
            ),
            (
                "more active than remaining",
                job(3, 4, 3, 2),
                ManageAction::Delete(1),
            ),
            ("status change", job(2, 5, 2, 2), ManageAction::Nothing),
        ];
        for (name, counts, want) in rows {
            assert_eq!(manage_job(&counts, 0), want, "{name}");
        }
    }

    // K8S: pkg/controller/job/job_controller_test.go (TestControllerSyncJob)
    // Rows with terminating pods, back-off records and suspension.
    #[test]
    fn manage_job_terminating_and_backoff_rows() {
        let failed_policy = |parallelism, completions, active, terminating| JobCounts {
            parallelism,
            completions,
            active,
            terminating,
            only_replace_failed: true,
            ..Default::default()
        };
        // "more terminating pods than parallelism" (policy Failed).
        assert_eq!(
            manage_job(&failed_policy(1, Some(1), 2, 4), 0),
            ManageAction::Delete(1)
        );
        // "WQ job: recreate pods when failed" (policy Failed).
        assert_eq!(
            manage_job(&failed_policy(1, None, 1, 1), 0),
            ManageAction::Nothing
        );
        // "indexed job with some pods deleted": Failed waits, TerminatingOrFailed does not.
        assert_eq!(
            manage_job(&failed_policy(2, Some(5), 0, 1), 0),
            ManageAction::Create(1)
        );
        let terminating_or_failed = JobCounts {
            only_replace_failed: false,
            ..failed_policy(2, Some(5), 0, 1)
        };
        assert_eq!(
            manage_job(&terminating_or_failed, 0),
            ManageAction::Create(2)
        );

        // "too few active pods and active back-off" / "... and no back-offs".
        let one = JobCounts {
            parallelism: 1,
            completions: Some(1),
            ..Default::default()
        };
        let now = T;
        let backoff = BackoffRecord {
            failures_after_last_success: 1,
            last_failure_ms: Some(now),
        };
        assert_eq!(
            manage_job(&one, backoff.remaining_ms(now)),
            ManageAction::WaitBackoff(DEFAULT_POD_FAILURE_BACKOFF_MS)
        );
        let no_backoff = BackoffRecord {
            failures_after_last_success: 0,
            ..backoff
        };
        assert_eq!(
            manage_job(&one, no_backoff.remaining_ms(now)),
            ManageAction::Create(1)
        );

        // "limited pods" relies on a fake pod-control limit; the real cap is 500.
        let big = JobCounts {
            parallelism: 1000,
            completions: Some(2000),
            ..Default::default()
        };
        assert_eq!(manage_job(&big, 0), ManageAction::Create(500));
        let suspended = JobCounts {
            suspended: true,
            active: 3,
            ..big
        };
        assert_eq!(manage_job(&suspended, 0), ManageAction::Delete(3));
    }

    // K8S: pkg/controller/job/job_controller_test.go (TestControllerSyncJob)
    #[test]
    fn completion_and_failure_rows() {
        // "job finish", "WQ job all finished", "WQ job all finished despite one failure".
        assert!(job_complete(Some(5), 5, 0));
        assert!(job_complete(None, 2, 0));
        assert!(job_complete(None, 1, 0));
        // "WQ job finishing": still one active.
        assert!(!job_complete(None, 1, 1));
        // "too many job failures": backoffLimit 0, one failure.
        assert_eq!(
            job_failure(1, 0, None, false),
            Some((REASON_BACKOFF_LIMIT_EXCEEDED, MSG_BACKOFF_LIMIT_EXCEEDED))
        );
        assert_eq!(job_failure(6, 6, None, false), None);
        assert_eq!(
            job_failure(0, 6, None, true),
            Some((REASON_DEADLINE_EXCEEDED, MSG_DEADLINE_EXCEEDED))
        );
        assert_eq!(
            job_failure(0, 2, Some(2), false).map(|r| r.0),
            Some(REASON_BACKOFF_LIMIT_EXCEEDED)
        );
    }

    #[test]
    fn deadlines_and_on_failure_restarts() {
        assert!(past_active_deadline(Some(10), Some(T), T + 10 * S, false));
        assert!(!past_active_deadline(
            Some(10),
            Some(T),
            T + 10 * S - 1,
            false
        ));
        assert!(!past_active_deadline(Some(10), Some(T), T + 20 * S, true));
        assert!(!past_active_deadline(None, Some(T), T + 20 * S, false));
        assert!(past_backoff_limit_on_failure(1, 0));
        assert!(!past_backoff_limit_on_failure(0, 0));
        assert!(past_backoff_limit_on_failure(6, 6));
        assert!(!past_backoff_limit_on_failure(5, 6));
    }

    // K8S: pkg/controller/job/indexed_job_utils_test.go (TestPodGenerateNameWithIndex)
    #[test]
    fn generate_name_with_index_table() {
        let cases = [
            ("indexed-job", 1, "indexed-job-1-"),
            (
                "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooo",
                1,
                "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-",
            ),
            (
                "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhoo",
                1,
                "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-",
            ),
        ];
        for (job, index, want) in cases {
            assert_eq!(pod_generate_name_with_index(job, index), want);
        }
    }

    #[test]
    fn event_messages() {
        assert_eq!(msg_created_pod("pi-x7k2q"), "Created pod: pi-x7k2q");
        assert_eq!(msg_deleted_pod("pi-x7k2q"), "Deleted pod: pi-x7k2q");
    }
}
