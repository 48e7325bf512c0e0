//! The [`Clock`] abstraction: where components read "now" from.
//!
//! Components take a `&impl Clock` (or `&dyn Clock`) instead of reading the
//! wall clock, so the same code runs in simulation, with a [`VirtualClock`]
//! driven by the event loop, and later in a real-execution mode, with a
//! wall-clock implementation to be added then. The trait is deliberately
//! minimal (one method) so that such an implementation stays trivial.
//! [`super::EventQueue`] also implements it, reporting its own current time.

use std::cell::Cell;

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

#[cfg(test)]
mod tests {
    use super::*;

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
