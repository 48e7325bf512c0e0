//! Images: sizes (from the behaviour catalogue), pull times, and the references the node's
//! image cache and the pull errors use.

use super::behaviour::catalogue;
use crate::engine::SimDuration;

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

/// The image's compressed size in bytes.
pub fn size(image: &str) -> i64 {
    catalogue::lookup(image).map_or(DEFAULT_IMAGE_SIZE, |i| i.size_bytes as i64)
}

/// How long pulling `bytes` takes at `bytes_per_sec` after a fixed overhead.
pub fn pull_duration(bytes: i64, bytes_per_sec: i64, overhead: SimDuration) -> SimDuration {
    let ms = u128::from(bytes.max(0).unsigned_abs()) * 1000
        / u128::from(bytes_per_sec.max(1).unsigned_abs());
    overhead + SimDuration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

pub use crate::model::node::normalized_image as normalized;

/// The fully qualified reference containerd resolves (`redis123` →
/// `docker.io/library/redis123:latest`), which it also reports as a container's image.
pub fn fully_qualified(image: &str) -> String {
    let tagged = normalized(image);
    let first = tagged.split('/').next().unwrap_or_default();
    let has_registry = tagged.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        tagged
    } else if tagged.contains('/') {
        format!("docker.io/{tagged}")
    } else {
        format!("docker.io/library/{tagged}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_and_references() {
        assert_eq!(repository("nginx:1.14"), "nginx");
        assert_eq!(repository("docker.io/library/nginx"), "nginx");
        assert_eq!(
            repository("localhost:5000/team/app:v1"),
            "localhost:5000/team/app"
        );
        assert_eq!(
            fully_qualified("redis123"),
            "docker.io/library/redis123:latest"
        );
        assert_eq!(
            fully_qualified("luksa/kubia"),
            "docker.io/luksa/kubia:latest"
        );
        assert_eq!(
            fully_qualified("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
    }

    #[test]
    fn pull_time_follows_size_and_bandwidth() {
        let d = pull_duration(72_000_000, 20_000_000, SimDuration::from_millis(500));
        assert_eq!(d.as_millis(), 4_100);
    }
}
