//! The scheduling queue: activeQ (ready to try, by priority then age), backoffQ (waiting out a
//! backoff after a failure) and the unschedulable pods (waiting for a cluster change).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{SimDuration, SimTime};
use crate::model::PodId;

/// How long a pod may wait in the unschedulable set before it is retried anyway.
// K8S: pkg/scheduler/backend/queue/scheduling_queue.go (DefaultPodMaxInUnschedulablePodsDuration)
pub const MAX_UNSCHEDULABLE_STAY: SimDuration = SimDuration::from_secs(300);

/// How often the leftover unschedulable pods are looked at.
// K8S: pkg/scheduler/backend/queue/scheduling_queue.go (flushUnschedulablePodsLeftover every 30 s)
pub const FLUSH_PERIOD: SimDuration = SimDuration::from_secs(30);

#[derive(Debug, Clone, Copy)]
struct Waiting {
    priority: i32,
    timestamp: SimTime,
    attempts: u32,
    since: SimTime,
}

/// The three sub-queues. Orders are total (ties broken by an insertion sequence), so pops are
/// deterministic.
#[derive(Debug)]
pub struct SchedulingQueue {
    /// (higher priority first, earlier timestamp first, sequence, pod)
    active: BTreeSet<(Reverse<i32>, SimTime, u64, PodId)>,
    /// (ready at, sequence, pod)
    backoff: BTreeSet<(SimTime, u64, PodId)>,
    unschedulable: BTreeMap<PodId, Waiting>,
    known: BTreeMap<PodId, Waiting>,
    seq: u64,
    /// `podInitialBackoffSeconds` and `podMaxBackoffSeconds`.
    initial_backoff: SimDuration,
    max_backoff: SimDuration,
}

impl Default for SchedulingQueue {
    // K8S: pkg/scheduler/scheduler.go (DefaultPodInitialBackoffDuration 1 s,
    // DefaultPodMaxBackoffDuration 10 s)
    fn default() -> Self {
        SchedulingQueue {
            active: BTreeSet::new(),
            backoff: BTreeSet::new(),
            unschedulable: BTreeMap::new(),
            known: BTreeMap::new(),
            seq: 0,
            initial_backoff: SimDuration::from_secs(1),
            max_backoff: SimDuration::from_secs(10),
        }
    }
}

impl SchedulingQueue {
    /// Sets the backoff bounds from the scheduler's configuration.
    pub fn set_backoff(&mut self, initial: SimDuration, max: SimDuration) {
        self.initial_backoff = initial;
        self.max_backoff = max;
    }

    /// A new pod to schedule.
    // K8S: pkg/scheduler/framework/plugins/queuesort/priority_sort.go (Less)
    pub fn add(&mut self, pod: PodId, priority: i32, now: SimTime) {
        let waiting = Waiting {
            priority,
            timestamp: now,
            attempts: 0,
            since: now,
        };
        self.known.insert(pod, waiting);
        self.push_active(pod, waiting);
    }

    fn push_active(&mut self, pod: PodId, w: Waiting) {
        self.seq += 1;
        self.active
            .insert((Reverse(w.priority), w.timestamp, self.seq, pod));
    }

    /// The next pod to try at `now`, moving pods whose backoff has expired first.
    pub fn pop(&mut self, now: SimTime) -> Option<PodId> {
        while let Some(&(ready, seq, pod)) = self.backoff.first() {
            if ready > now {
                break;
            }
            self.backoff.remove(&(ready, seq, pod));
            if let Some(w) = self.known.get(&pod).copied() {
                self.push_active(pod, w);
            }
        }
        self.active.pop_first().map(|(_, _, _, pod)| pod)
    }

    /// The pod failed to schedule: it waits for a cluster change (or the periodic flush).
    pub fn add_unschedulable(&mut self, pod: PodId, now: SimTime) {
        if let Some(w) = self.known.get_mut(&pod) {
            w.attempts += 1;
            w.since = now;
            self.unschedulable.insert(pod, *w);
        }
    }

    /// The pod was bound or deleted: forget it.
    pub fn forget(&mut self, pod: PodId) {
        self.known.remove(&pod);
        self.unschedulable.remove(&pod);
    }

    /// A cluster change may make unschedulable pods fit: retry each once its backoff is over.
    // K8S: pkg/scheduler/backend/queue/scheduling_queue.go (MoveAllToActiveOrBackoffQueue)
    pub fn move_all_to_active_or_backoff(&mut self, now: SimTime) {
        let pods: Vec<PodId> = self.unschedulable.keys().copied().collect();
        self.requeue(pods, now);
    }

    /// Moves pods that waited longer than the maximum stay.
    // K8S: pkg/scheduler/backend/queue/scheduling_queue.go (flushUnschedulablePodsLeftover)
    pub fn flush_leftover(&mut self, now: SimTime) {
        let pods: Vec<PodId> = self
            .unschedulable
            .iter()
            .filter(|(_, w)| now.saturating_duration_since(w.since) > MAX_UNSCHEDULABLE_STAY)
            .map(|(pod, _)| *pod)
            .collect();
        self.requeue(pods, now);
    }

    fn requeue(&mut self, pods: Vec<PodId>, now: SimTime) {
        for pod in pods {
            let Some(w) = self.unschedulable.remove(&pod) else {
                continue;
            };
            let ready =
                w.since + super::backoff(w.attempts, self.initial_backoff, self.max_backoff);
            if ready <= now {
                self.push_active(pod, w);
            } else {
                self.seq += 1;
                self.backoff.insert((ready, self.seq, pod));
            }
        }
    }

    /// When a pod will next be ready to try: `now` if one is, else the earliest backoff expiry.
    pub fn next_ready(&self, now: SimTime) -> Option<SimTime> {
        if !self.active.is_empty() {
            return Some(now);
        }
        self.backoff.first().map(|&(ready, _, _)| ready.max(now))
    }

    /// Whether any pod waits as unschedulable (the periodic flush only runs when so).
    pub fn has_unschedulable(&self) -> bool {
        !self.unschedulable.is_empty()
    }
}
