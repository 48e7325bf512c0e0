//! Images: the sizes of common images (for pull times) and the per-node image cache rules.

use crate::engine::SimDuration;

/// Compressed sizes of common images, in bytes, as a registry reports them (linux/amd64).
/// Unknown images get [`DEFAULT_IMAGE_SIZE`]; the kubelet issue grows this into a catalogue
/// with start latencies and behaviours.
const SIZES: &[(&str, i64)] = &[
    ("nginx", 72_000_000),
    ("httpd", 58_000_000),
    ("redis", 45_000_000),
    ("busybox", 2_200_000),
    ("alpine", 3_600_000),
    ("centos", 76_000_000),
    ("ubuntu", 29_000_000),
    ("polinux/stress", 4_000_000),
    ("registry.k8s.io/pause", 320_000),
];

/// Size assumed for an image kubesim knows nothing about.
pub const DEFAULT_IMAGE_SIZE: i64 = 50_000_000;

/// The repository part of an image reference (`docker.io/library/nginx:1.14` → `nginx`).
pub fn repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let without_tag = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    without_tag
        .strip_prefix("docker.io/library/")
        .or_else(|| without_tag.strip_prefix("docker.io/"))
        .unwrap_or(without_tag)
}

/// The image's size in bytes.
pub fn size(image: &str) -> i64 {
    let repo = repository(image);
    SIZES
        .iter()
        .find(|(name, _)| *name == repo)
        .map_or(DEFAULT_IMAGE_SIZE, |(_, size)| *size)
}

/// How long pulling `bytes` takes at `bytes_per_sec` after a fixed overhead.
pub fn pull_duration(bytes: i64, bytes_per_sec: i64, overhead: SimDuration) -> SimDuration {
    overhead + SimDuration::from_millis((bytes.max(0) as u64 * 1000) / bytes_per_sec.max(1) as u64)
}

/// The image name with `:latest` added when it has no tag, as the image cache keys it.
// K8S: pkg/scheduler/framework/plugins/imagelocality/image_locality.go (normalizedImageName)
pub fn normalized(image: &str) -> String {
    if crate::manifest::image_tag(image).is_some() {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_and_sizes() {
        assert_eq!(repository("nginx:1.14"), "nginx");
        assert_eq!(repository("docker.io/library/nginx"), "nginx");
        assert_eq!(repository("localhost:5000/app:v1"), "localhost:5000/app");
        assert_eq!(size("busybox:1.28"), 2_200_000);
        assert_eq!(normalized("busybox"), "busybox:latest");
        assert_eq!(
            pull_duration(20_000_000, 10_000_000, SimDuration::from_millis(500)),
            SimDuration::from_millis(2500)
        );
    }
}
