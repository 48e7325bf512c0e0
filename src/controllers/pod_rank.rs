//! Which pods a ReplicaSet (or Job) deletes first when it has too many: the
//! controller sorts candidates so the "cheapest" to lose come first — not yet
//! scheduled, not yet running, not ready, crowded onto one node, recently
//! ready, crash-looping, recently created.
//!
//! Default feature gates of Kubernetes 1.34 apply: `PodDeletionCost` (beta,
//! on) and `LogarithmicScaleDown` (GA, always on).

use std::cmp::Ordering;

/// A pod's `status.phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPhase {
    /// Accepted, not all containers started.
    Pending,
    /// Bound and at least one container running.
    Running,
    /// All containers exited 0.
    Succeeded,
    /// All containers exited, at least one with failure.
    Failed,
    /// State could not be obtained.
    Unknown,
}

/// Rank of a phase in the deletion order: Pending < Unknown < Running.
/// Succeeded and Failed are absent from upstream's map and so read as 0 (the
/// Go zero value), the same as Pending.
// K8S: pkg/controller/controller_utils.go (podPhaseToOrdinal)
fn phase_ordinal(p: PodPhase) -> u8 {
    match p {
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        PodPhase::Pending | PodPhase::Succeeded | PodPhase::Failed => 0,
    }
}

/// What the deletion order looks at for one pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodRank {
    /// `metadata.uid`, the tie breaker inside one logarithmic time bucket.
    pub uid: String,
    /// `spec.nodeName` is set.
    pub assigned: bool,
    /// `status.phase`.
    pub phase: PodPhase,
    /// The Ready condition is True.
    pub ready: bool,
    /// `lastTransitionTime` of the True Ready condition in ms; `None` when it
    /// is unset (sorts as "just became ready"). Ignored unless `ready`.
    pub ready_since_ms: Option<u64>,
    /// Highest `restartCount` over the regular containers.
    pub restarts: i32,
    /// Highest `restartCount` over sidecars (init containers with
    /// `restartPolicy: Always`); compared only when `restarts` tie.
    pub sidecar_restarts: i32,
    /// `controller.kubernetes.io/pod-deletion-cost` (0 when unset or invalid);
    /// lower is deleted first.
    pub deletion_cost: i32,
    /// `metadata.creationTimestamp` in ms.
    pub created_ms: u64,
    /// Active pods of the same owner family on this pod's node, this pod
    /// included (see [`ranks_by_related_pods_on_same_node`]); more is deleted
    /// first so replicas spread out.
    pub node_pods_of_same_owner: i32,
}

/// The pod's deletion cost from its `controller.kubernetes.io/pod-deletion-cost`
/// annotation: an int32 without `+` or leading zeros; anything else (or no
/// annotation) counts as 0.
// K8S: pkg/apis/core/helper/helpers.go (GetDeletionCostFromPodAnnotations)
pub fn deletion_cost_from_annotation(value: Option<&str>) -> i32 {
    let Some(v) = value else { return 0 };
    let first_ok = match v.as_bytes().first() {
        Some(b'-') | Some(b'1'..=b'9') => true,
        Some(b'0') => v == "0",
        _ => false,
    };
    if first_ok {
        v.parse().unwrap_or(0)
    } else {
        0
    }
}

/// Logarithmic age bucket: `floor(log2(now - t))` with the age in
/// nanoseconds, -1 for ages <= 0. Pods in the same bucket count as equally
/// old, which spreads scale-down over pods of similar age.
// K8S: pkg/controller/controller_utils.go (logarithmicRankDiff)
fn log_bucket(t_ms: u64, now_ms: u64) -> i64 {
    let age_ns = (i128::from(now_ms) - i128::from(t_ms)) * 1_000_000;
    if age_ns > 0 {
        (age_ns as f64).log2() as i64
    } else {
        -1
    }
}

/// Orders two instants "newer first" (`Less` = `ta` is newer): with `now_ms`, by logarithmic
/// bucket only (same bucket is `Equal`). `None` is Go's zero time, which sorts first.
// K8S: pkg/controller/controller_utils.go (afterOrZero, logarithmicRankDiff)
fn newer_first(ta: Option<u64>, tb: Option<u64>, now_ms: Option<u64>) -> Ordering {
    match (ta, tb, now_ms) {
        (None, None, _) => Ordering::Equal,
        (None, Some(_), _) => Ordering::Less,
        (Some(_), None, _) => Ordering::Greater,
        (Some(x), Some(y), None) => y.cmp(&x),
        (Some(x), Some(y), Some(now)) => log_bucket(x, now).cmp(&log_bucket(y, now)),
    }
}

/// Upstream's `Less`: true when `a` should be deleted before `b`. With
/// `ranked` false the pod-deletion cost, the node rank and the logarithmic
/// buckets are skipped (plain `ActivePods`).
fn delete_before(a: &PodRank, b: &PodRank, now_ms: Option<u64>, ranked: bool) -> bool {
    // 1. Unassigned < assigned.
    if a.assigned != b.assigned {
        return !a.assigned;
    }
    // 2. Pending < Unknown < Running.
    let (pa, pb) = (phase_ordinal(a.phase), phase_ordinal(b.phase));
    if pa != pb {
        return pa < pb;
    }
    // 3. Not ready < ready.
    if a.ready != b.ready {
        return !a.ready;
    }
    if ranked {
        // 4. Lower pod-deletion-cost first.
        if a.deletion_cost != b.deletion_cost {
            return a.deletion_cost < b.deletion_cost;
        }
        // 5. More colocated related pods first.
        if a.node_pods_of_same_owner != b.node_pods_of_same_owner {
            return a.node_pods_of_same_owner > b.node_pods_of_same_owner;
        }
    }
    let now = if ranked { now_ms } else { None };
    // 6. Ready for a shorter time first.
    if a.ready && b.ready {
        match newer_first(a.ready_since_ms, b.ready_since_ms, now) {
            Ordering::Equal => {}
            o => return o == Ordering::Less,
        }
    }
    // 7. More restarts first: regular containers, then sidecars.
    if a.restarts != b.restarts {
        return a.restarts > b.restarts;
    }
    if a.sidecar_restarts != b.sidecar_restarts {
        return a.sidecar_restarts > b.sidecar_restarts;
    }
    // 8. Newer first.
    match newer_first(Some(a.created_ms), Some(b.created_ms), now) {
        Ordering::Equal => {}
        o => return o == Ordering::Less,
    }
    // With buckets, pods of the same age bucket go by UID.
    now.is_some() && a.uid < b.uid
}

/// Turns a strict "less" into an [`Ordering`] for `sort_by`.
fn to_ordering(less: impl Fn(&PodRank, &PodRank) -> bool, a: &PodRank, b: &PodRank) -> Ordering {
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// The ReplicaSet deletion order (`Less` = delete `a` first): unassigned,
/// then Pending < Unknown < Running, not ready, lower deletion cost, more
/// colocated related pods, ready more recently, more restarts, created more
/// recently.
///
/// `now_ms` enables the logarithmic buckets for ready and creation times
/// (pods in the same power-of-two age bucket count as equally old); `None` is
/// upstream's zero `Now` and compares the times directly.
// K8S: pkg/controller/controller_utils.go (ActivePodsWithRanks.Less)
// DEVIATION: upstream breaks a tie of buckets on UID at once when the two
// times differ but goes on to the next criteria when they are equal, which is
// not a total order (Rust's sort rejects such comparators); here a tie of
// buckets always goes on to the next criteria, with UID last.
// DEVIATION: times are whole milliseconds; API timestamps have 1 s
// resolution, so callers wanting real-cluster buckets pass second-aligned
// times. Upstream's zero creation time (sorts first) has no equivalent: every
// simulated pod has a creation time.
pub fn deletion_order(a: &PodRank, b: &PodRank, now_ms: Option<u64>) -> Ordering {
    to_ordering(|x, y| delete_before(x, y, now_ms, true), a, b)
}

/// The plain `ActivePods` order (no deletion cost, node rank or logarithmic
/// buckets), which the Job controller uses to pick excess pods.
// K8S: pkg/controller/controller_utils.go (ActivePods.Less)
pub fn active_pods_order(a: &PodRank, b: &PodRank) -> Ordering {
    to_ordering(|x, y| delete_before(x, y, None, false), a, b)
}

/// A pod of the same owner family (all ReplicaSets of the Deployment), as the
/// node rank counts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedPod {
    /// `spec.nodeName` (`""` when unscheduled).
    pub node: String,
    /// Not Succeeded/Failed and not being deleted.
    pub active: bool,
}

/// For each node name in `nodes`, how many active `related` pods sit on that
/// node (unscheduled pods share the node `""`). `related` normally includes
/// the pods being ranked.
// K8S: pkg/controller/replicaset/replica_set.go (getPodsRankedByRelatedPodsOnSameNode)
pub fn ranks_by_related_pods_on_same_node(nodes: &[&str], related: &[RelatedPod]) -> Vec<i32> {
    let mut per_node: std::collections::BTreeMap<&str, i32> = Default::default();
    for r in related.iter().filter(|r| r.active) {
        *per_node.entry(r.node.as_str()).or_default() += 1;
    }
    nodes
        .iter()
        .map(|n| per_node.get(n).copied().unwrap_or(0))
        .collect()
}

/// Which of `pods` (with their node names in `nodes`) a ReplicaSet deletes
/// when it has `diff` too many: indices into `pods`, in deletion order. When
/// `diff` covers all pods they are returned unsorted, as upstream skips the
/// sort. Each pod's `node_pods_of_same_owner` is recomputed from `related`.
// K8S: pkg/controller/replicaset/replica_set.go (getPodsToDelete)
// DEVIATION: Rust's stable sort keeps input order among equal pods; Go's
// sort.Sort is unstable, so ties may come out in another order upstream.
pub fn get_pods_to_delete(
    pods: &[PodRank],
    nodes: &[&str],
    related: &[RelatedPod],
    diff: usize,
    now_ms: u64,
) -> Vec<usize> {
    assert_eq!(pods.len(), nodes.len(), "one node name per pod");
    let mut idx: Vec<usize> = (0..pods.len()).collect();
    if diff < pods.len() {
        let ranks = ranks_by_related_pods_on_same_node(nodes, related);
        let ranked: Vec<PodRank> = pods
            .iter()
            .zip(ranks)
            .map(|(p, r)| PodRank {
                node_pods_of_same_owner: r,
                ..p.clone()
            })
            .collect();
        idx.sort_by(|&i, &j| deletion_order(&ranked[i], &ranked[j], Some(now_ms)));
    }
    idx.truncate(diff);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;
    const HOUR: u64 = 3_600_000;
    const MONTH: u64 = 30 * 24 * HOUR;

    fn pod(uid: &str, assigned: bool, phase: PodPhase) -> PodRank {
        PodRank {
            uid: uid.into(),
            assigned,
            phase,
            ready: false,
            ready_since_ms: None,
            restarts: 0,
            sidecar_restarts: 0,
            deletion_cost: 0,
            created_ms: 0,
            node_pods_of_same_owner: 1,
        }
    }

    #[test]
    fn ranked_order_is_total_when_times_share_a_bucket() {
        // Two pods ready at the same instant (which falls through to restarts) and one ready a
        // little later in the same bucket: upstream's comparator would order them in a cycle.
        let ready = |uid: &str, since: u64, restarts: i32| PodRank {
            ready: true,
            ready_since_ms: Some(since),
            restarts,
            created_ms: 0,
            ..pod(uid, true, PodPhase::Running)
        };
        let pods: Vec<PodRank> = (0..300)
            .map(|i| {
                ready(
                    &format!("uid-{:03}", (i * 37) % 300),
                    NOW - HOUR - (i % 7) * 1000,
                    (i % 3) as i32,
                )
            })
            .collect();
        let mut order: Vec<usize> = (0..pods.len()).collect();
        order.sort_by(|&i, &j| deletion_order(&pods[i], &pods[j], Some(NOW)));
        for w in order.windows(2) {
            assert_ne!(
                deletion_order(&pods[w[0]], &pods[w[1]], Some(NOW)),
                Ordering::Greater
            );
        }
        // Same bucket: more restarts go first, then UID.
        let (a, b) = (ready("b", NOW - HOUR, 2), ready("a", NOW - HOUR - 1000, 0));
        assert_eq!(deletion_order(&a, &b, Some(NOW)), Ordering::Less);
    }

    /// The helper of TestSortingActivePodsWithRanks. UIDs are all empty, as
    /// upstream's test pods have none; the name is kept for messages only.
    fn rpod(
        assigned: bool,
        phase: PodPhase,
        ready: bool,
        restarts: i32,
        ready_since: Option<u64>,
        created: u64,
    ) -> PodRank {
        PodRank {
            ready,
            ready_since_ms: ready_since,
            restarts: if ready { restarts } else { 0 },
            created_ms: created,
            ..pod("", assigned, phase)
        }
    }

    // K8S: pkg/controller/controller_utils_test.go (TestSortingActivePods)
    // Go's zero creation times are 0 here; they never decide an order below.
    #[test]
    fn sorting_active_pods() {
        let ready = |uid: &str, since: Option<u64>, restarts: i32, created: u64| PodRank {
            ready: true,
            ready_since_ms: since,
            restarts,
            created_ms: created,
            ..pod(uid, true, PodPhase::Running)
        };
        let want = vec![
            pod("unscheduled", false, PodPhase::Pending),
            pod("scheduledButPending", true, PodPhase::Pending),
            pod("unknownPhase", true, PodPhase::Unknown),
            pod("runningButNotReady", true, PodPhase::Running),
            ready("runningNoLastTransitionTime", None, 3, 0),
            ready("runningWithLastTransitionTime", Some(NOW), 3, 0),
            ready("runningLongerTime", Some(NOW - MONTH), 3, 0),
            ready("lowerContainerRestartCount", Some(NOW - MONTH), 2, NOW),
            ready("oldest", Some(NOW - MONTH), 2, NOW - MONTH),
        ];
        let n = want.len();
        // Deterministic stand-ins for upstream's 20 random permutations.
        for k in 0..20 {
            let mut pods: Vec<PodRank> = (0..n).map(|i| want[(i * 7 + k) % n].clone()).collect();
            if k % 2 == 1 {
                pods.reverse();
            }
            pods.sort_by(active_pods_order);
            assert_eq!(pods, want, "permutation {k}");
            // The ranked order with equal ranks and log buckets agrees.
            pods.reverse();
            pods.sort_by(|a, b| deletion_order(a, b, Some(NOW)));
            assert_eq!(pods, want, "ranked, permutation {k}");
        }
    }

    // K8S: pkg/controller/controller_utils_test.go (TestSortingActivePodsWithRanks)
    #[test]
    fn sorting_active_pods_with_ranks() {
        use PodPhase::*;
        let then1m = NOW - MONTH;
        let unscheduled = rpod(false, Pending, false, 0, None, 0);
        let scheduled_pending = rpod(true, Pending, false, 0, None, 0);
        let unknown_phase = rpod(true, Unknown, false, 0, None, 0);
        let running_not_ready = rpod(true, Running, false, 0, None, 0);
        let ready_no_ltt = rpod(true, Running, true, 0, None, 0);
        let ready_now = rpod(true, Running, true, 0, Some(NOW), NOW);
        let ready_then = rpod(true, Running, true, 0, Some(then1m), then1m);
        let ready_now_high_restarts = rpod(true, Running, true, 9001, Some(NOW), NOW);
        let ready_now_created_then = rpod(true, Running, true, 0, Some(NOW), then1m);
        let low_cost = PodRank {
            deletion_cost: 10,
            ..ready_now_created_then.clone()
        };
        let high_cost = PodRank {
            deletion_cost: 100,
            ..ready_now_created_then.clone()
        };
        let unscheduled_5h = rpod(
            false,
            Pending,
            false,
            0,
            Some(NOW - 5 * HOUR),
            NOW - 5 * HOUR,
        );
        let unscheduled_8h = rpod(
            false,
            Pending,
            false,
            0,
            Some(NOW - 8 * HOUR),
            NOW - 8 * HOUR,
        );
        let ready_2h = rpod(false, Running, true, 0, Some(NOW - 2 * HOUR), then1m);
        let ready_5h = rpod(false, Running, true, 0, Some(NOW - 5 * HOUR), then1m);
        let ready_8h = rpod(false, Running, true, 0, Some(NOW - 8 * HOUR), then1m);

        let equal = [
            (&unscheduled, &unscheduled),
            (&scheduled_pending, &scheduled_pending),
            (&unknown_phase, &unknown_phase),
            (&running_not_ready, &running_not_ready),
            (&ready_now_created_then, &ready_now_created_then),
            (&ready_now, &ready_now),
            (&ready_then, &ready_then),
            (&ready_now_high_restarts, &ready_now_high_restarts),
            (&ready_now_created_then, &ready_now_created_then),
            (&unscheduled_5h, &unscheduled_8h),
            (&ready_5h, &ready_8h),
        ];
        for (i, (a, b)) in equal.into_iter().enumerate() {
            assert_eq!(
                deletion_order(a, b, Some(NOW)),
                Ordering::Equal,
                "equality {i}"
            );
        }

        let with_rank = |p: &PodRank, r: i32| PodRank {
            node_pods_of_same_owner: r,
            ..p.clone()
        };
        // Upstream's row with PodDeletionCost disabled is not ported (the gate
        // is on by default and not modelled).
        let lesser_greater = [
            ((&unscheduled, 1), (&scheduled_pending, 2)),
            ((&unscheduled, 2), (&scheduled_pending, 1)),
            ((&scheduled_pending, 1), (&unknown_phase, 2)),
            ((&unknown_phase, 1), (&running_not_ready, 2)),
            ((&running_not_ready, 1), (&ready_no_ltt, 1)),
            ((&ready_no_ltt, 1), (&ready_now, 1)),
            ((&ready_now, 2), (&ready_no_ltt, 1)),
            ((&ready_now, 1), (&ready_then, 1)),
            ((&ready_now, 2), (&ready_then, 1)),
            ((&ready_now_high_restarts, 1), (&ready_now, 1)),
            ((&ready_now, 2), (&ready_now_high_restarts, 1)),
            ((&ready_now, 1), (&ready_now_created_then, 1)),
            ((&ready_now_created_then, 2), (&ready_now, 1)),
            ((&low_cost, 2), (&high_cost, 1)),
            ((&ready_2h, 1), (&ready_5h, 1)),
        ];
        for (i, ((l, lr), (g, gr))) in lesser_greater.into_iter().enumerate() {
            let (l, g) = (with_rank(l, lr), with_rank(g, gr));
            assert_eq!(
                deletion_order(&l, &g, Some(NOW)),
                Ordering::Less,
                "inequality {i}"
            );
            assert_eq!(
                deletion_order(&g, &l, Some(NOW)),
                Ordering::Greater,
                "inequality {i}"
            );
        }
    }

    #[test]
    fn same_bucket_ties_break_on_uid() {
        let a = PodRank {
            created_ms: NOW - 5 * HOUR,
            ..pod("a", true, PodPhase::Running)
        };
        let b = PodRank {
            created_ms: NOW - 8 * HOUR,
            ..pod("b", true, PodPhase::Running)
        };
        assert_eq!(deletion_order(&a, &b, Some(NOW)), Ordering::Less);
        assert_eq!(deletion_order(&b, &a, Some(NOW)), Ordering::Greater);
        // Without buckets the newer pod (a) goes first anyway.
        assert_eq!(deletion_order(&b, &a, None), Ordering::Greater);
    }

    #[test]
    fn sidecar_restarts_break_ties() {
        let a = PodRank {
            sidecar_restarts: 2,
            ..pod("a", true, PodPhase::Running)
        };
        let b = pod("b", true, PodPhase::Running);
        assert_eq!(active_pods_order(&a, &b), Ordering::Less);
    }

    // K8S: pkg/controller/replicaset/replica_set_test.go (TestGetPodsToDelete)
    #[test]
    fn get_pods_to_delete_table() {
        use PodPhase::*;
        let not_ready = |uid: &str, assigned, phase| pod(uid, assigned, phase);
        let ready = |uid: &str| PodRank {
            ready: true,
            ..pod(uid, true, Running)
        };
        // (pod, node)
        let unscheduled_pending = (not_ready("unscheduled-pending", false, Pending), "");
        let scheduled_pending = (not_ready("scheduled-pending", true, Pending), "fake-node");
        let running_not_ready = (not_ready("running-not-ready", true, Running), "fake-node");
        let ready_n1 = (ready("ready-node-1"), "fake-node-1");
        let ready_n2 = (ready("ready-node-2"), "fake-node-2");

        type P = (PodRank, &'static str);
        // (name, pods, related (None: the pods), diff, expected deletions)
        type Case<'a> = (&'a str, Vec<&'a P>, Option<Vec<&'a P>>, usize, Vec<&'a P>);
        let cases: Vec<Case> = vec![
            ("len 0", vec![], None, 0, vec![]),
            (
                "diff = len",
                vec![&running_not_ready, &ready_n1],
                None,
                2,
                vec![&running_not_ready, &ready_n1],
            ),
            (
                "diff < len",
                vec![&ready_n1, &running_not_ready],
                None,
                1,
                vec![&running_not_ready],
            ),
            (
                "various, diff = len",
                vec![
                    &ready_n1,
                    &ready_n1,
                    &ready_n2,
                    &running_not_ready,
                    &scheduled_pending,
                    &unscheduled_pending,
                ],
                None,
                6,
                vec![
                    &ready_n1,
                    &ready_n1,
                    &ready_n2,
                    &running_not_ready,
                    &scheduled_pending,
                    &unscheduled_pending,
                ],
            ),
            (
                "various, diff = len, related empty",
                vec![
                    &ready_n1,
                    &ready_n1,
                    &ready_n2,
                    &running_not_ready,
                    &scheduled_pending,
                    &unscheduled_pending,
                ],
                Some(vec![]),
                6,
                vec![
                    &ready_n1,
                    &ready_n1,
                    &ready_n2,
                    &running_not_ready,
                    &scheduled_pending,
                    &unscheduled_pending,
                ],
            ),
            (
                "scheduled vs unscheduled",
                vec![&scheduled_pending, &unscheduled_pending],
                None,
                1,
                vec![&unscheduled_pending],
            ),
            (
                "ready vs not-ready",
                vec![&ready_n1, &running_not_ready, &running_not_ready],
                None,
                2,
                vec![&running_not_ready, &running_not_ready],
            ),
            (
                "colocated vs not",
                vec![&ready_n1, &ready_n2],
                Some(vec![&ready_n1, &ready_n2, &ready_n2]),
                1,
                vec![&ready_n2],
            ),
            (
                "pending vs running",
                vec![&scheduled_pending, &running_not_ready],
                None,
                1,
                vec![&scheduled_pending],
            ),
            (
                "various, diff < len",
                vec![
                    &ready_n1,
                    &ready_n2,
                    &running_not_ready,
                    &scheduled_pending,
                    &unscheduled_pending,
                ],
                None,
                3,
                vec![&unscheduled_pending, &scheduled_pending, &running_not_ready],
            ),
        ];
        for (name, pods, related, diff, want) in cases {
            let related: Vec<RelatedPod> = related
                .unwrap_or_else(|| pods.clone())
                .iter()
                .map(|(_, n)| RelatedPod {
                    node: n.to_string(),
                    active: true,
                })
                .collect();
            let ranks: Vec<PodRank> = pods.iter().map(|(p, _)| p.clone()).collect();
            let nodes: Vec<&str> = pods.iter().map(|(_, n)| *n).collect();
            let got: Vec<&str> = get_pods_to_delete(&ranks, &nodes, &related, diff, NOW)
                .into_iter()
                .map(|i| ranks[i].uid.as_str())
                .collect();
            let want: Vec<&str> = want.iter().map(|(p, _)| p.uid.as_str()).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn deletion_cost_parsing() {
        let cases = [
            (None, 0),
            (Some("10"), 10),
            (Some("-5"), -5),
            (Some("0"), 0),
            (Some("+10"), 0),
            (Some("008"), 0),
            (Some("abc"), 0),
            (Some("3000000000"), 0),
            (Some(""), 0),
        ];
        for (v, want) in cases {
            assert_eq!(deletion_cost_from_annotation(v), want, "{v:?}");
        }
    }

    #[test]
    fn ranks_count_active_only() {
        let related = [
            RelatedPod {
                node: "n1".into(),
                active: true,
            },
            RelatedPod {
                node: "n1".into(),
                active: false,
            },
            RelatedPod {
                node: "".into(),
                active: true,
            },
        ];
        assert_eq!(
            ranks_by_related_pods_on_same_node(&["n1", "", "n2"], &related),
            [1, 1, 0]
        );
    }
}
