//! Simulated time: [`SimTime`] (an instant) and [`SimDuration`] (a span).
//!
//! Both are whole milliseconds in a `u64`, so time arithmetic is exact and
//! identical on every platform (see the determinism contract in
//! [`crate::engine`]). Both print in Go's `time.Duration` style (`1m30s`,
//! `300ms`) so spans read the same as in logs of Go-based tools;
//! a [`SimTime`] prints as the span since the simulation started.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Sub, SubAssign};

use serde::{Deserialize, Serialize};

const MS_PER_SEC: u64 = 1_000;
const MS_PER_MIN: u64 = 60 * MS_PER_SEC;
const MS_PER_HOUR: u64 = 60 * MS_PER_MIN;

/// An instant of simulated time: milliseconds since the simulation started.
///
/// Serialized as a plain integer number of milliseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

/// A span of simulated time in whole milliseconds.
///
/// Serialized as a plain integer number of milliseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable instant.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// The instant `ms` milliseconds after the simulation started.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms)
    }

    /// The instant `secs` seconds after the simulation started, clamped to [`SimTime::MAX`].
    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs_to_millis(secs))
    }

    /// Milliseconds since the simulation started.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the simulation started, as a float (for reporting only;
    /// never use it to order or schedule events).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_SEC as f64
    }

    /// The span since the simulation started.
    pub const fn since_start(self) -> SimDuration {
        SimDuration(self.0)
    }

    /// `self + d`, or `None` on overflow.
    pub const fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        match self.0.checked_add(d.0) {
            Some(ms) => Some(SimTime(ms)),
            None => None,
        }
    }

    /// `self - d`, or `None` if that would be before the simulation start.
    pub const fn checked_sub(self, d: SimDuration) -> Option<SimTime> {
        match self.0.checked_sub(d.0) {
            Some(ms) => Some(SimTime(ms)),
            None => None,
        }
    }

    /// `self + d`, clamped to [`SimTime::MAX`].
    pub const fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// The span from `earlier` to `self`, or `None` if `earlier` is later.
    pub const fn checked_duration_since(self, earlier: SimTime) -> Option<SimDuration> {
        match self.0.checked_sub(earlier.0) {
            Some(ms) => Some(SimDuration(ms)),
            None => None,
        }
    }

    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// The empty span.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable span.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms)
    }

    /// A span of `secs` seconds, clamped to [`SimDuration::MAX`].
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs_to_millis(secs))
    }

    /// A span of `mins` minutes, clamped to [`SimDuration::MAX`].
    pub const fn from_mins(mins: u64) -> SimDuration {
        SimDuration(mins.saturating_mul(MS_PER_MIN))
    }

    /// The span in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The span in seconds, as a float (for reporting only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_SEC as f64
    }

    /// Whether the span is empty.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: SimDuration) -> Option<SimDuration> {
        match self.0.checked_add(other.0) {
            Some(ms) => Some(SimDuration(ms)),
            None => None,
        }
    }

    /// `self - other`, or `None` if `other` is longer.
    pub const fn checked_sub(self, other: SimDuration) -> Option<SimDuration> {
        match self.0.checked_sub(other.0) {
            Some(ms) => Some(SimDuration(ms)),
            None => None,
        }
    }

    /// `self * k`, or `None` on overflow.
    pub const fn checked_mul(self, k: u64) -> Option<SimDuration> {
        match self.0.checked_mul(k) {
            Some(ms) => Some(SimDuration(ms)),
            None => None,
        }
    }

    /// `self + other`, clamped to [`SimDuration::MAX`].
    pub const fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }

    /// `self - other`, clamped to zero.
    pub const fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

const fn secs_to_millis(secs: u64) -> u64 {
    secs.saturating_mul(MS_PER_SEC)
}

/// `SimTime + SimDuration`, clamped to [`SimTime::MAX`]: an instant past the last representable
/// one (a `sleep 99999999999999999`, a huge grace period) is "never" in any run, not a panic
/// (use [`SimTime::checked_add`] to tell overflow apart).
impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        self.saturating_add(d)
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

/// `SimTime - SimDuration`, saturating at [`SimTime::ZERO`].
impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

/// `SimTime - SimTime`: the span between them, saturating at zero when the
/// right-hand side is later.
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.saturating_duration_since(earlier)
    }
}

/// `SimDuration + SimDuration`, clamped to [`SimDuration::MAX`] (use
/// [`SimDuration::checked_add`] to tell overflow apart).
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, other: SimDuration) -> SimDuration {
        self.saturating_add(other)
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, other: SimDuration) {
        *self = *self + other;
    }
}

/// `SimDuration - SimDuration`, saturating at zero.
impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, other: SimDuration) -> SimDuration {
        self.saturating_sub(other)
    }
}

impl SubAssign for SimDuration {
    fn sub_assign(&mut self, other: SimDuration) {
        *self = *self - other;
    }
}

/// `SimDuration * u64`, clamped to [`SimDuration::MAX`] (use [`SimDuration::checked_mul`] to
/// tell overflow apart).
impl Mul<u64> for SimDuration {
    type Output = SimDuration;
    fn mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
}

impl Sum for SimDuration {
    fn sum<I: Iterator<Item = SimDuration>>(iter: I) -> SimDuration {
        iter.fold(SimDuration::ZERO, |a, b| a + b)
    }
}

impl From<SimDuration> for std::time::Duration {
    fn from(d: SimDuration) -> std::time::Duration {
        std::time::Duration::from_millis(d.0)
    }
}

/// Writes `ms` the way Go's `time.Duration.String` writes a whole number of
/// milliseconds: `0s`, `300ms`, `1.5s`, `1m30s`, `2h0m5s`, `1h0m0.001s`.
fn write_go_duration(f: &mut fmt::Formatter<'_>, ms: u64) -> fmt::Result {
    if ms == 0 {
        return f.write_str("0s");
    }
    if ms < MS_PER_SEC {
        return write!(f, "{ms}ms");
    }
    let hours = ms / MS_PER_HOUR;
    let mins = (ms % MS_PER_HOUR) / MS_PER_MIN;
    let secs = (ms % MS_PER_MIN) / MS_PER_SEC;
    let frac = ms % MS_PER_SEC;
    if hours > 0 {
        write!(f, "{hours}h{mins}m")?;
    } else if mins > 0 {
        write!(f, "{mins}m")?;
    }
    write!(f, "{secs}")?;
    if frac > 0 {
        // Three digits, trailing zeros trimmed: 500 -> ".5", 10 -> ".01".
        let digits = format!("{frac:03}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    f.write_str("s")
}

/// Go duration style, e.g. `1m30s` (see [`SimDuration`]'s `Display`).
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_go_duration(f, self.0)
    }
}

/// The time since simulation start in Go duration style, e.g. `2h0m5s`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_go_duration(f, self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(ms: u64) -> String {
        SimDuration::from_millis(ms).to_string()
    }

    #[test]
    fn display_matches_go_duration_string() {
        assert_eq!(d(0), "0s");
        assert_eq!(d(1), "1ms");
        assert_eq!(d(300), "300ms");
        assert_eq!(d(999), "999ms");
        assert_eq!(d(1_000), "1s");
        assert_eq!(d(1_500), "1.5s");
        assert_eq!(d(1_010), "1.01s");
        assert_eq!(d(1_001), "1.001s");
        assert_eq!(d(59_999), "59.999s");
        assert_eq!(d(60_000), "1m0s");
        assert_eq!(d(90_000), "1m30s");
        assert_eq!(d(90_250), "1m30.25s");
        assert_eq!(d(3_600_000), "1h0m0s");
        assert_eq!(d(7_205_000), "2h0m5s");
        assert_eq!(d(3_600_001), "1h0m0.001s");
        assert_eq!(d(100 * 3_600_000 + 61_000), "100h1m1s");
        assert_eq!(SimTime::from_secs(90).to_string(), "1m30s");
        assert_eq!(SimTime::ZERO.to_string(), "0s");
        // Go prints u64::MAX ms equivalents the same way; just check it works.
        assert!(SimDuration::MAX.to_string().ends_with('s'));
    }

    #[test]
    fn arithmetic() {
        let t = SimTime::from_secs(10);
        assert_eq!(t.as_millis(), 10_000);
        assert_eq!(
            t + SimDuration::from_millis(5),
            SimTime::from_millis(10_005)
        );
        assert_eq!(t - SimTime::from_secs(4), SimDuration::from_secs(6));
        assert_eq!(SimTime::from_secs(4) - t, SimDuration::ZERO);
        assert_eq!(t - SimDuration::from_secs(20), SimTime::ZERO);
        assert_eq!(SimTime::MAX.checked_add(SimDuration::from_millis(1)), None);
        assert_eq!(
            SimTime::MAX.saturating_add(SimDuration::from_millis(1)),
            SimTime::MAX
        );
        assert_eq!(
            t.checked_sub(SimDuration::from_secs(3)),
            Some(SimTime::from_secs(7))
        );
        assert_eq!(t.checked_sub(SimDuration::from_secs(11)), None);
        assert_eq!(t.checked_duration_since(SimTime::from_secs(11)), None);
        assert_eq!(
            SimDuration::from_secs(2) * 3 + SimDuration::from_millis(1),
            SimDuration::from_millis(6_001)
        );
        assert_eq!(
            SimDuration::from_secs(1) - SimDuration::from_secs(2),
            SimDuration::ZERO
        );
        assert_eq!(SimDuration::from_mins(2), SimDuration::from_secs(120));
        assert_eq!(SimDuration::from_millis(1_500).as_secs_f64(), 1.5);
        assert_eq!(SimTime::from_millis(250).as_secs_f64(), 0.25);
        let total: SimDuration = (1..=3).map(SimDuration::from_secs).sum();
        assert_eq!(total, SimDuration::from_secs(6));
        let mut t2 = t;
        t2 += SimDuration::from_secs(1);
        assert_eq!(t2, SimTime::from_secs(11));
        assert_eq!(
            std::time::Duration::from(SimDuration::from_millis(1_500)),
            std::time::Duration::from_millis(1_500)
        );
    }

    #[test]
    fn overflow_saturates() {
        let ms = SimDuration::from_millis(1);
        assert_eq!(SimTime::MAX + ms, SimTime::MAX);
        assert_eq!(SimDuration::MAX + ms, SimDuration::MAX);
        assert_eq!(SimDuration::MAX * 2, SimDuration::MAX);
        assert_eq!(SimTime::from_secs(u64::MAX), SimTime::MAX);
        assert_eq!(SimDuration::from_secs(u64::MAX), SimDuration::MAX);
        assert_eq!(SimDuration::from_mins(u64::MAX), SimDuration::MAX);
        let mut t = SimTime::from_secs(1);
        t += SimDuration::MAX;
        assert_eq!(t, SimTime::MAX);
    }

    #[test]
    fn serde_is_plain_integer() {
        let t = SimTime::from_millis(1_234);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1234");
        assert_eq!(serde_json::from_str::<SimTime>("1234").unwrap(), t);
        let d = SimDuration::from_secs(2);
        assert_eq!(serde_json::to_string(&d).unwrap(), "2000");
        assert_eq!(serde_json::from_str::<SimDuration>("2000").unwrap(), d);
    }
}
