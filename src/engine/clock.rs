//! The [`Clock`] abstraction: where components read "now" from.
//!
//! Components take a `&impl Clock` (or `&dyn Clock`) instead of reading the
//! wall clock, so the same code runs in simulation, with a [`VirtualClock`]
//! driven by the event loop, and in real-execution mode, with a [`WallClock`].
//! The trait is deliberately minimal (one method) so that such an
//! implementation stays trivial. [`super::EventQueue`] also implements it,
//! reporting its own current time.
//!
//! A [`Pacer`] is how the event loop waits for an event's instant: a simulation
//! has none (each event happens exactly when it was scheduled), real mode paces
//! with a [`WallClock`] (each event happens once it is due on the wall clock, at
//! the instant measured then).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::time::SimTime;

/// A source of the current time.
pub trait Clock {
    /// The current time.
    fn now(&self) -> SimTime;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> SimTime {
        (**self).now()
    }
}

/// Simulated time, moved forward only by the simulation loop.
///
/// Uses a `Cell` so the loop can advance it through a shared reference while
/// components hold `&VirtualClock`; it is therefore single-threaded
/// (`!Sync`), as the simulation is.
#[derive(Debug, Default, Clone)]
pub struct VirtualClock {
    now: Cell<SimTime>,
}

impl VirtualClock {
    /// A clock at the start of the simulation.
    pub fn new() -> Self {
        Self::starting_at(SimTime::ZERO)
    }

    /// A clock showing `t`.
    pub fn starting_at(t: SimTime) -> Self {
        VirtualClock { now: Cell::new(t) }
    }

    /// Moves the clock to `t`.
    ///
    /// # Panics
    /// If `t` is earlier than the current time: simulated time never goes
    /// backwards.
    pub fn advance_to(&self, t: SimTime) {
        let now = self.now.get();
        assert!(
            t >= now,
            "VirtualClock invariant: time must not go backwards (now {now}, requested {t})"
        );
        self.now.set(t);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> SimTime {
        self.now.get()
    }
}

/// Why a paced run stopped before an event was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// Waits until an instant is due, for an event loop that runs on some clock other than its
/// own queue.
pub trait Pacer {
    /// Returns once `at` is due: the instant it is then (never before `at`), or
    /// [`Interrupted`] when the run must stop instead.
    fn reach(&mut self, at: SimTime) -> Result<SimTime, Interrupted>;
}

/// The wall clock, in whole milliseconds since it was made: real mode's time.
#[derive(Debug)]
pub struct WallClock {
    start: Instant,
    /// Set (by a signal handler) when the run must stop.
    stop: &'static AtomicBool,
}

/// How long a [`WallClock`] sleeps at most before looking at its stop flag again.
const STOP_CHECK: Duration = Duration::from_millis(50);

impl WallClock {
    /// A clock at zero now, that stops waiting once `stop` is set.
    pub fn starting_now(stop: &'static AtomicBool) -> Self {
        WallClock {
            start: Instant::now(),
            stop,
        }
    }
}

impl Clock for WallClock {
    /// The whole milliseconds elapsed since the clock was made.
    fn now(&self) -> SimTime {
        SimTime::from_millis(self.start.elapsed().as_millis() as u64)
    }
}

impl Pacer for WallClock {
    /// Sleeps until `at` has passed on the wall clock; the measured instant, which is later
    /// than `at` by however long the host took to get there.
    fn reach(&mut self, at: SimTime) -> Result<SimTime, Interrupted> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(Interrupted);
            }
            let now = self.now();
            if now >= at {
                return Ok(now);
            }
            let left = Duration::from_millis(at.saturating_duration_since(now).as_millis());
            std::thread::sleep(left.min(STOP_CHECK));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_clock_sleeps_until_an_instant_is_due_and_measures_it() {
        static NEVER: AtomicBool = AtomicBool::new(false);
        let mut clock = WallClock::starting_now(&NEVER);
        let before = Instant::now();
        let reached = clock.reach(SimTime::from_millis(120)).unwrap();
        let slept = before.elapsed();
        assert!(slept >= Duration::from_millis(119), "{slept:?}");
        assert!(reached >= SimTime::from_millis(120), "{reached}");
        assert!(reached <= SimTime::from_millis(120 + 500), "{reached}");
        // An instant already past is reached at once, at the time it is now.
        let again = clock.reach(SimTime::from_millis(10)).unwrap();
        assert!(again >= reached);
    }

    #[test]
    fn the_wall_clock_stops_waiting_once_told_to() {
        static STOP: AtomicBool = AtomicBool::new(false);
        let mut clock = WallClock::starting_now(&STOP);
        let setter = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            STOP.store(true, Ordering::SeqCst);
        });
        let before = Instant::now();
        assert_eq!(clock.reach(SimTime::from_secs(3600)), Err(Interrupted));
        assert!(before.elapsed() < Duration::from_secs(5));
        setter.join().unwrap();
    }

    #[test]
    fn advances_forward_only() {
        let c = VirtualClock::new();
        assert_eq!(c.now(), SimTime::ZERO);
        c.advance_to(SimTime::from_secs(2));
        c.advance_to(SimTime::from_secs(2));
        let dynamic: &dyn Clock = &c;
        assert_eq!(dynamic.now(), SimTime::from_secs(2));
        fn via_generic(clock: impl Clock) -> SimTime {
            clock.now()
        }
        assert_eq!(via_generic(&c), SimTime::from_secs(2));
    }

    #[test]
    #[should_panic(expected = "must not go backwards")]
    fn rejects_going_back() {
        let c = VirtualClock::starting_at(SimTime::from_secs(5));
        c.advance_to(SimTime::from_secs(4));
    }
}
