//! client-go's `flowcontrol.Backoff` as the kubelet uses it twice: for restarting crashed
//! containers (CrashLoopBackOff) and for retrying failed image pulls (ImagePullBackOff).
//! No jitter: the kubelet builds both with `NewBackOff`, whose jitter factor is 0.

use std::collections::BTreeMap;

use crate::engine::{SimDuration, SimTime};

/// Per-key exponential backoff: `initial`, doubling on each `next`, capped at `max`.
// K8S: staging/src/k8s.io/client-go/util/flowcontrol/backoff.go
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: SimDuration,
    max: SimDuration,
    /// An entry older than this (since its last update) is forgotten.
    expire_after: SimDuration,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    backoff: SimDuration,
    last_update: SimTime,
}

impl Backoff {
    /// 10 s doubling to 300 s, forgotten 600 s after the last update: the same figures for
    /// container restarts and for image pulls.
    // K8S: pkg/kubelet/kubelet.go (initialCrashLoopBackOff, MaxCrashLoopBackOff, HasExpiredFunc
    // 600 s; imageBackOffPeriod, MaxImageBackOff, whose default expiry is 2 × 300 s)
    pub fn new() -> Self {
        Backoff {
            initial: SimDuration::from_secs(10),
            max: SimDuration::from_secs(300),
            expire_after: SimDuration::from_secs(600),
            entries: BTreeMap::new(),
        }
    }

    fn live(&self, key: &str, event_time: SimTime) -> Option<Entry> {
        self.entries
            .get(key)
            .copied()
            .filter(|e| event_time.saturating_duration_since(e.last_update) <= self.expire_after)
    }

    /// The current delay for `key` (what the waiting message shows), zero without an entry.
    pub fn get(&self, key: &str) -> SimDuration {
        self.entries
            .get(key)
            .map_or(SimDuration::ZERO, |e| e.backoff)
    }

    /// Whether `now` is still inside the backoff that began at `event_time` (a container's
    /// `finishedAt`); if so, when it ends.
    // K8S: client-go flowcontrol (IsInBackOffSince)
    pub fn in_backoff_since(
        &self,
        key: &str,
        event_time: SimTime,
        now: SimTime,
    ) -> Option<SimTime> {
        let entry = self.live(key, event_time)?;
        let ends = event_time + entry.backoff;
        (now < ends).then_some(ends)
    }

    /// Whether `now` is inside the backoff counted from the last update (image pulls).
    // K8S: client-go flowcontrol (IsInBackOffSinceUpdate)
    pub fn in_backoff_since_update(&self, key: &str, now: SimTime) -> Option<SimTime> {
        let entry = self.live(key, now)?;
        let ends = entry.last_update + entry.backoff;
        (now < ends).then_some(ends)
    }

    /// Records another failure (or restart) of `key` at `now`: a fresh entry starts at
    /// `initial`, a live one doubles up to `max`. `event_time` decides expiry.
    // K8S: client-go flowcontrol (Next)
    pub fn next(&mut self, key: &str, event_time: SimTime, now: SimTime) {
        let backoff = match self.live(key, event_time) {
            Some(e) => (e.backoff + e.backoff).min(self.max),
            None => self.initial,
        };
        self.entries.insert(
            key.to_string(),
            Entry {
                backoff,
                last_update: now,
            },
        );
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    #[test]
    fn crash_loop_delays_are_0_10_20_40_then_capped_at_300() {
        let mut b = Backoff::new();
        // A container that exits within seconds of each restart.
        let mut now = at(5);
        let mut delays = Vec::new();
        for _ in 0..9 {
            let finished = now;
            let restart = b
                .in_backoff_since("c", finished, finished)
                .unwrap_or(finished);
            delays.push(restart.saturating_duration_since(finished).as_millis() / 1000);
            b.next("c", finished, restart);
            now = restart + SimDuration::from_secs(2);
        }
        assert_eq!(delays, [0, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(b.get("c").as_millis() / 1000, 300);
    }

    #[test]
    fn ten_minutes_of_running_resets_the_backoff() {
        let mut b = Backoff::new();
        b.next("c", at(0), at(0));
        b.next("c", at(5), at(15));
        assert_eq!(b.get("c").as_millis() / 1000, 20);
        // Ran from its restart at 15 s until 615 s: exactly 600 s is not yet expired...
        assert!(b.in_backoff_since("c", at(615), at(615)).is_some());
        // ...but 601 s is, so the restart is immediate and the next delay starts over at 10 s.
        assert_eq!(b.in_backoff_since("c", at(616), at(616)), None);
        b.next("c", at(616), at(616));
        assert_eq!(b.get("c").as_millis() / 1000, 10);
    }

    #[test]
    fn image_backoff_counts_from_the_last_failure() {
        let mut b = Backoff::new();
        b.next("img", at(3), at(3));
        assert_eq!(b.in_backoff_since_update("img", at(12)), Some(at(13)));
        assert_eq!(b.in_backoff_since_update("img", at(13)), None);
        b.next("img", at(13), at(13));
        assert_eq!(b.in_backoff_since_update("img", at(20)), Some(at(33)));
    }
}
