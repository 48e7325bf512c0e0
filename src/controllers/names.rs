//! Object names the way the API server and controllers make them: the random
//! five-character suffix of `generateName`, the "safe" encoding of hashes and
//! the `pod-template-hash` a Deployment gives its ReplicaSets.
//!
//! Everything here is a pure function; randomness comes from the caller's
//! seeded generator so runs stay reproducible.

use rand::Rng;

/// The characters of generated names and encoded hashes: no vowels (so no
/// accidental words) and no `0 1 3` (easily confused with letters).
// K8S: staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go (alphanums)
pub const ALPHANUMS: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

/// Length of the random part of a generated name.
// K8S: staging/src/k8s.io/apiserver/pkg/storage/names/generate.go (randomLength)
pub const RANDOM_LENGTH: usize = 5;

/// Longest `generateName` base kept before the suffix is appended (63 - 5), so
/// the final name still fits a 63-character label.
// K8S: staging/src/k8s.io/apiserver/pkg/storage/names/generate.go (maxGeneratedNameLength)
pub const MAX_GENERATED_NAME_LENGTH: usize = 63 - RANDOM_LENGTH;

/// `n` random characters from [`ALPHANUMS`], drawn like upstream: each 63-bit
/// draw is cut into twelve 5-bit indices and indices >= 27 are skipped.
///
/// Mirroring the draw pattern (not just the alphabet) keeps the number of
/// generator calls per name the same shape as upstream's.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go (String)
// DEVIATION: the bits come from the caller's seeded generator, not Go's
// math/rand, so the characters differ from a real cluster's.
pub fn random_string(rng: &mut impl Rng, n: usize) -> String {
    const IDX_BITS: u32 = 5;
    const IDX_MASK: u64 = (1 << IDX_BITS) - 1;
    const PER_DRAW: u32 = 63 / IDX_BITS;
    let mut out = String::with_capacity(n);
    let mut bits = rng.random::<u64>() >> 1;
    let mut remaining = PER_DRAW;
    while out.len() < n {
        if remaining == 0 {
            bits = rng.random::<u64>() >> 1;
            remaining = PER_DRAW;
        }
        let idx = (bits & IDX_MASK) as usize;
        if idx < ALPHANUMS.len() {
            out.push(char::from(ALPHANUMS[idx]));
        }
        bits >>= IDX_BITS;
        remaining -= 1;
    }
    out
}

/// The five random characters appended to a `generateName` prefix, e.g. the
/// `x7k2q` of pod `web-5d4f8c7b9-x7k2q`.
pub fn random_suffix(rng: &mut impl Rng) -> String {
    random_string(rng, RANDOM_LENGTH)
}

/// Name for an object created with `generateName: base`: the base cut to 58
/// bytes, then five random characters.
// K8S: staging/src/k8s.io/apiserver/pkg/storage/names/generate.go (GenerateName)
// DEVIATION: upstream cuts at byte 58 even inside a multi-byte character; we
// cut at the nearest character boundary below (names are ASCII in practice).
pub fn generate_name(base: &str, rng: &mut impl Rng) -> String {
    let mut cut = base.len().min(MAX_GENERATED_NAME_LENGTH);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &base[..cut], random_suffix(rng))
}

/// The `generateName` a controller gives the pods it creates: `<name>-`, or
/// just `<name>` when `<name>-` would not be a valid pod-name prefix.
// K8S: pkg/controller/controller_utils.go (getPodsPrefix)
pub fn pods_generate_name_prefix(controller_name: &str) -> String {
    let prefix = format!("{controller_name}-");
    if is_dns1123_subdomain(&mask_trailing_dash(&prefix)) {
        prefix
    } else {
        controller_name.to_string()
    }
}

/// Makes a generateName prefix checkable as a full name: a trailing dash is
/// replaced by `a`. Upstream slices `len-2`, so the character before the dash
/// is dropped as well; kept as is because it decides which prefixes pass.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go (maskTrailingDash)
fn mask_trailing_dash(name: &str) -> String {
    match name.strip_suffix('-') {
        Some(rest) if name.len() > 1 => {
            // Byte len-2 in Go; the nearest character boundary below it here.
            let mut cut = rest.len() - 1;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}a", &rest[..cut])
        }
        _ => name.to_string(),
    }
}

/// RFC 1123 subdomain check used for pod names (lower-case alphanumerics,
/// `-` and `.`, alphanumeric at both ends of every label, at most 253 chars).
// K8S: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Subdomain)
fn is_dns1123_subdomain(s: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && alnum(b[0])
                && alnum(b[b.len() - 1])
                && b.iter().all(|&c| alnum(c) || c == b'-')
        })
}

/// Maps every character of `s` onto [`ALPHANUMS`] (code point mod 27), so
/// hash digits look like generated names (`"0123456789"` → `"456789bcdf"`).
///
/// Like upstream, the output has as many bytes as the input and each
/// character's code lands at its first byte; the other bytes of a multi-byte
/// character stay NUL. Hash input is decimal digits, where this never shows.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go (SafeEncodeString)
pub fn safe_encode(s: &str) -> String {
    let mut out = vec![0u8; s.len()];
    for (i, c) in s.char_indices() {
        out[i] = ALPHANUMS[(c as usize) % ALPHANUMS.len()];
    }
    String::from_utf8(out).expect("ASCII and NUL bytes are valid UTF-8")
}

/// 32-bit FNV-1a offset basis.
const FNV32_OFFSET: u32 = 0x811c_9dc5;
/// 32-bit FNV prime.
const FNV32_PRIME: u32 = 0x0100_0193;

/// Continues a 32-bit FNV-1a hash over `bytes` (start from the offset basis).
fn fnv1a_32_update(hash: u32, bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u32::from(b)).wrapping_mul(FNV32_PRIME))
}

/// 32-bit FNV-1a of `bytes`, the hash Go's `hash/fnv.New32a` computes.
pub fn fnv1a_32(bytes: &[u8]) -> u32 {
    fnv1a_32_update(FNV32_OFFSET, bytes)
}

/// The `pod-template-hash` label value (and ReplicaSet name suffix) for a pod
/// template: FNV-1a over the template, then over the collision count as 8
/// bytes (little-endian u32 plus four zero bytes) when there is one, then the
/// decimal digits of the hash run through [`safe_encode`].
///
/// `collision_count` is the Deployment's `status.collisionCount`; bumping it
/// gives a new name when two templates hash alike.
// K8S: pkg/controller/controller_utils.go (ComputeHash)
// DEVIATION: upstream hashes a spew/dump print of the Go PodTemplateSpec
// struct; we hash the caller's canonical JSON of the template. The hash is
// just as stable and collision-resistant, but its value differs from what a
// real cluster would print for the same template.
pub fn pod_template_hash(template_json: &str, collision_count: Option<i32>) -> String {
    let mut hash = fnv1a_32(template_json.as_bytes());
    if let Some(count) = collision_count {
        let mut buf = [0u8; 8];
        // Go: binary.LittleEndian.PutUint32(buf[0:4], uint32(count)); bytes 4..8 stay 0.
        buf[..4].copy_from_slice(&(count as u32).to_le_bytes());
        hash = fnv1a_32_update(hash, &buf);
    }
    safe_encode(&hash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    // K8S: staging/src/k8s.io/apimachinery/pkg/util/rand/rand_test.go (TestString)
    #[test]
    fn random_string_lengths_and_alphabet() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for n in [0, 1, 2, 10, 123] {
            let s = random_string(&mut rng, n);
            assert_eq!(s.len(), n);
            assert!(s.bytes().all(|c| ALPHANUMS.contains(&c)), "{s}");
        }
    }

    #[test]
    fn random_suffix_is_seeded() {
        let a = random_suffix(&mut ChaCha8Rng::seed_from_u64(7));
        let b = random_suffix(&mut ChaCha8Rng::seed_from_u64(7));
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
    }

    #[test]
    fn generate_name_truncates_base() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let name = generate_name("web-5d4f8c7b9-", &mut rng);
        assert!(name.starts_with("web-5d4f8c7b9-") && name.len() == 19);
        let long = "a".repeat(70);
        let name = generate_name(&long, &mut rng);
        assert_eq!(name.len(), 63);
        assert!(name.starts_with(&"a".repeat(58)));
    }

    #[test]
    fn pods_prefix() {
        assert_eq!(pods_generate_name_prefix("web-5d4f8c7b9"), "web-5d4f8c7b9-");
        // Not a valid subdomain with the dash: upstream falls back to the name.
        assert_eq!(pods_generate_name_prefix("Web"), "Web");
    }

    #[test]
    fn safe_encode_digits() {
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
        assert_eq!(safe_encode(""), "");
    }

    #[test]
    fn fnv1a_vectors() {
        // Published FNV-1a 32-bit test vectors.
        assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn template_hash_of_empty_input() {
        // 2166136261 encoded digit by digit.
        assert_eq!(pod_template_hash("", None), "65bb57b6b5");
    }

    // K8S: pkg/controller/controller_utils_test.go (TestComputeHash)
    #[test]
    fn collision_count_changes_hash() {
        let template = r#"{"metadata":{},"spec":{}}"#;
        let cases = [(Some(1), Some(2)), (None, Some(i32::MAX))];
        for (a, b) in cases {
            assert_ne!(
                pod_template_hash(template, a),
                pod_template_hash(template, b)
            );
        }
    }
}
