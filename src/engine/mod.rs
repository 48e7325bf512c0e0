//! Discrete-event simulation engine: simulated time, the event queue, the
//! clock abstraction and seeded random streams.
//!
//! This module knows nothing about what is being simulated; callers choose
//! the event type and give meaning to it. It owns only the machinery that
//! makes a run reproducible.
//!
//! # Determinism contract
//!
//! Two runs with the same inputs and the same root seed produce exactly the
//! same sequence of events, on any platform and with any Rust version. The
//! engine guarantees this by the following rules, which every simulation
//! component must also follow:
//!
//! 1. **Integer time.** Simulated time is a [`SimTime`]: whole milliseconds
//!    since the start of the simulation, stored as `u64`. No floating point
//!    is used to order or schedule anything.
//! 2. **Stable tie-breaking.** Events scheduled for the same instant fire in
//!    insertion order: every scheduled event gets a monotonically increasing
//!    sequence number and the [`EventQueue`] orders by `(time, sequence)`.
//! 3. **Named random streams.** All randomness comes from [`RngStreams`]: one
//!    root `u64` seed, from which each component derives its own ChaCha8
//!    stream by name, so draws in one component never shift another's.
//! 4. **No ambient nondeterminism.** Simulation paths never read the wall
//!    clock (they use a [`Clock`], normally a [`VirtualClock`]), never use an
//!    OS-seeded or thread-local RNG, and never iterate a `HashMap`/`HashSet`
//!    (use `BTreeMap`/`BTreeSet` or `Vec` when order can matter; hash maps are
//!    acceptable for pure lookups only).

pub mod clock;
pub mod queue;
pub mod rng;
pub mod time;

pub use clock::{Clock, Interrupted, Pacer, VirtualClock, WallClock};
pub use queue::{EventId, EventQueue, ScheduleError};
pub use rng::{NamedRng, RngStreams, StreamRng};
pub use time::{SimDuration, SimTime};
