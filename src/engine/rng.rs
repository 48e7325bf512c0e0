//! Seeded random streams: [`RngStreams`] turns one root seed into an
//! independent, named ChaCha8 stream per component.
//!
//! Giving each component its own stream means that adding, removing or
//! reordering draws in one component never shifts the numbers another
//! component sees, which keeps runs comparable when the model changes.
//!
//! # Pinned algorithm
//!
//! * Generator: `rand_chacha::ChaCha8Rng` ([`StreamRng`]). Eight rounds are
//!   plenty for simulation and the cheapest ChaCha variant. Its output for a
//!   given key is fixed by the ChaCha algorithm, not by the platform.
//! * Key derivation for `stream(name)` with root seed `s`: a 32-byte ChaCha
//!   key made of four little-endian `u64` words
//!   `[mix(s), mix(fnv1a(name)), mix(fnv1a_alt(name)), mix(len(name))]`,
//!   where `fnv1a` is 64-bit FNV-1a over the name's UTF-8 bytes,
//!   `fnv1a_alt` is the same with offset basis
//!   `0xcbf29ce484222325 ^ 0x9e3779b97f4a7c15`, and `mix` is the SplitMix64
//!   finaliser. The two differently-seeded hashes plus the length make
//!   accidental key collisions between names practically impossible.
//!   `stream_indexed(name, i)` uses the same key and selects ChaCha stream
//!   number `i` (`set_stream`).
//!
//! All of this is implemented here, never via `std`'s `DefaultHasher` (whose
//! output may change between Rust versions). The unit test
//! `stream_values_are_pinned` fixes the first outputs so any change to the
//! derivation or the generator is caught.

use std::fmt;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator type behind every stream (pinned: ChaCha8).
pub type StreamRng = ChaCha8Rng;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// 64-bit FNV-1a of `bytes` starting from `basis`.
fn fnv1a(basis: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(basis, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// SplitMix64 finaliser: a fixed bijective bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Derives the 32-byte ChaCha key for `(root_seed, name)`; see module docs.
fn derive_key(root_seed: u64, name: &str) -> [u8; 32] {
    let bytes = name.as_bytes();
    let words = [
        mix(root_seed),
        mix(fnv1a(FNV_OFFSET, bytes)),
        mix(fnv1a(FNV_OFFSET ^ GOLDEN, bytes)),
        mix(bytes.len() as u64),
    ];
    let mut key = [0u8; 32];
    for (chunk, word) in key.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    key
}

/// The source of all randomness in a simulation run.
///
/// Holds only the root seed; each call to [`RngStreams::stream`] builds a
/// fresh generator at the start of the named stream. Every component should
/// ask for its stream once, under a name unique to it (asking twice for the
/// same name gives the same numbers twice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RngStreams {
    root_seed: u64,
}

impl RngStreams {
    /// Streams derived from `root_seed`.
    pub const fn new(root_seed: u64) -> Self {
        RngStreams { root_seed }
    }

    /// The root seed.
    pub const fn root_seed(&self) -> u64 {
        self.root_seed
    }

    /// The generator for stream `name`, positioned at its start.
    pub fn stream(&self, name: &str) -> StreamRng {
        ChaCha8Rng::from_seed(derive_key(self.root_seed, name))
    }

    /// Sub-stream `index` of `name`, for families of like components (one
    /// stream per worker, say) without formatting a name for each.
    /// `stream_indexed(name, 0)` equals `stream(name)`.
    pub fn stream_indexed(&self, name: &str, index: u64) -> StreamRng {
        let mut rng = self.stream(name);
        rng.set_stream(index);
        rng
    }

    /// Like [`RngStreams::stream`], wrapped with its name for debugging.
    pub fn named(&self, name: &str) -> NamedRng {
        NamedRng {
            name: name.into(),
            rng: self.stream(name),
        }
    }
}

/// A stream generator that remembers its name, so debug output and
/// assertions can say which component's randomness is involved.
///
/// Implements [`RngCore`], so all of `rand::Rng`'s methods work on it.
#[derive(Clone, PartialEq, Eq)]
pub struct NamedRng {
    name: Box<str>,
    rng: StreamRng,
}

impl NamedRng {
    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many 32-bit words have been drawn so far (ChaCha word position).
    pub fn words_drawn(&self) -> u128 {
        self.rng.get_word_pos()
    }

    /// The underlying generator.
    pub fn inner_mut(&mut self) -> &mut StreamRng {
        &mut self.rng
    }
}

impl fmt::Debug for NamedRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedRng")
            .field("name", &self.name)
            .field("words_drawn", &self.words_drawn())
            .finish()
    }
}

impl RngCore for NamedRng {
    fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.rng.fill_bytes(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(rng: &mut impl RngCore, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn stream_values_are_pinned() {
        let mut rng = RngStreams::new(7).stream("scheduler");
        assert_eq!(
            first(&mut rng, 3),
            vec![
                15_009_902_555_547_623_811,
                8_054_197_479_100_910_250,
                1_648_058_972_359_866_761
            ]
        );
    }

    #[test]
    fn same_seed_and_name_repeat() {
        let s = RngStreams::new(42);
        assert_eq!(first(&mut s.stream("x"), 16), first(&mut s.stream("x"), 16));
        let t = RngStreams::new(42);
        assert_eq!(first(&mut s.stream("x"), 16), first(&mut t.stream("x"), 16));
    }

    #[test]
    fn streams_are_independent() {
        let s = RngStreams::new(1);
        let expected_b = first(&mut s.stream("b"), 8);

        // Interleave heavy use of "a" with draws from "b".
        let mut a = s.stream("a");
        let mut b = s.stream("b");
        let mut got_b = Vec::new();
        for i in 0..8 {
            for _ in 0..(i * 37) {
                a.next_u64();
            }
            let _: f64 = a.random();
            got_b.push(b.next_u64());
        }
        assert_eq!(got_b, expected_b);
    }

    #[test]
    fn names_seeds_and_indices_differ() {
        let s = RngStreams::new(1);
        let a = first(&mut s.stream("a"), 4);
        assert_ne!(a, first(&mut s.stream("b"), 4));
        assert_ne!(a, first(&mut s.stream("a "), 4));
        assert_ne!(a, first(&mut s.stream(""), 4));
        assert_ne!(a, first(&mut RngStreams::new(2).stream("a"), 4));
        assert_eq!(a, first(&mut s.stream_indexed("a", 0), 4));
        assert_ne!(a, first(&mut s.stream_indexed("a", 1), 4));
        assert_ne!(
            first(&mut s.stream_indexed("a", 1), 4),
            first(&mut s.stream_indexed("a", 2), 4)
        );
    }

    #[test]
    fn named_rng_matches_stream_and_reports() {
        let s = RngStreams::new(9);
        let mut named = s.named("net");
        assert_eq!(named.name(), "net");
        assert_eq!(first(&mut named, 5), first(&mut s.stream("net"), 5));
        assert_eq!(named.words_drawn(), 10);
        let x = named.random_range(10..20u32);
        assert!((10..20).contains(&x));
        assert!(format!("{named:?}").contains("net"));
    }

    #[test]
    fn helpers_are_stable() {
        // FNV-1a 64 reference values.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(mix(0), 0);
    }
}
