//! The served cluster's clock: simulated time runs at `speed` simulated seconds per wall
//! second, or stands still while paused, and only ever moves forward.

use std::time::{Duration, Instant};

use crate::engine::{SimDuration, SimTime};

/// Maps wall-clock instants to simulated ones.
#[derive(Debug, Clone)]
pub struct Clock {
    /// The simulated instant at `anchor`.
    at: SimTime,
    anchor: Instant,
    speed: f64,
    paused: bool,
}

impl Clock {
    /// A clock at t=0 from `now`.
    pub fn new(now: Instant, speed: f64, paused: bool) -> Self {
        Clock {
            at: SimTime::ZERO,
            anchor: now,
            speed,
            paused,
        }
    }

    /// The simulated instant at wall instant `now`.
    pub fn sim_now(&self, now: Instant) -> SimTime {
        if self.paused {
            return self.at;
        }
        let elapsed = now.saturating_duration_since(self.anchor).as_secs_f64() * self.speed;
        self.at + SimDuration::from_millis((elapsed * 1000.0) as u64)
    }

    /// How long, on the wall, until simulated instant `t` (zero if due; `None` while paused).
    pub fn wall_until(&self, now: Instant, t: SimTime) -> Option<Duration> {
        if self.paused {
            return None;
        }
        let ahead = t.as_millis().saturating_sub(self.sim_now(now).as_millis());
        Some(Duration::from_secs_f64(ahead as f64 / 1000.0 / self.speed))
    }

    /// Re-anchors at `now`, so that a change of speed or pause takes effect from here.
    fn rebase(&mut self, now: Instant) {
        self.at = self.sim_now(now);
        self.anchor = now;
    }

    pub fn pause(&mut self, now: Instant) {
        self.rebase(now);
        self.paused = true;
    }

    pub fn resume(&mut self, now: Instant) {
        self.rebase(now);
        self.paused = false;
    }

    pub fn set_speed(&mut self, now: Instant, speed: f64) {
        self.rebase(now);
        self.speed = speed;
    }

    /// Moves simulated time on by `by`, at once.
    pub fn advance(&mut self, now: Instant, by: SimDuration) {
        self.rebase(now);
        self.at += by;
    }

    /// Moves the clock up to `t` if it is behind it (a request handled a millisecond after the
    /// events of the instant it came at).
    pub fn catch_up(&mut self, now: Instant, t: SimTime) {
        self.rebase(now);
        self.at = self.at.max(t);
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_runs_at_speed_stands_while_paused_and_never_goes_back() {
        let start = Instant::now();
        let mut clock = Clock::new(start, 60.0, false);
        let after = |s: u64| start + Duration::from_secs(s);
        assert_eq!(clock.sim_now(after(2)), SimTime::from_millis(120_000));
        clock.pause(after(2));
        assert_eq!(clock.sim_now(after(10)), SimTime::from_millis(120_000));
        assert_eq!(
            clock.wall_until(after(10), SimTime::from_millis(200_000)),
            None
        );
        clock.advance(after(10), SimDuration::from_millis(300_000));
        assert_eq!(clock.sim_now(after(11)), SimTime::from_millis(420_000));
        clock.resume(after(11));
        clock.set_speed(after(11), 1.0);
        assert_eq!(clock.sim_now(after(13)), SimTime::from_millis(422_000));
        clock.catch_up(after(13), SimTime::from_millis(1000));
        assert_eq!(clock.sim_now(after(13)), SimTime::from_millis(422_000));
        assert_eq!(
            clock.wall_until(after(13), SimTime::from_millis(424_000)),
            Some(Duration::from_secs(2))
        );
    }
}
