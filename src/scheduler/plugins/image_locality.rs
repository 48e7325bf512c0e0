//! ImageLocality: prefers nodes that already have the pod's images, weighing each image by its
//! size and by how widely it has spread (so that one node holding a popular image does not
//! attract every pod).

use crate::model::Node;
use crate::scheduler::framework::{NodeInfo, PodInfo, ScorePlugin, MAX_NODE_SCORE};

/// The plugin.
pub struct ImageLocality;

// K8S: pkg/scheduler/framework/plugins/imagelocality/image_locality.go
const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// The score from the summed scaled sizes of the images present, between 23 MB and 1000 MB per
/// container.
fn priority(sum: i64, containers: usize) -> i64 {
    let max = MAX_CONTAINER_THRESHOLD * containers as i64;
    let sum = sum.clamp(MIN_THRESHOLD, max.max(MIN_THRESHOLD));
    if max <= MIN_THRESHOLD {
        return 0;
    }
    MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD)
}

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }

    /// Init and app containers' images, each `size × nodes having it / all nodes`.
    fn score(&self, pod: &PodInfo<'_>, node: &Node, _info: &NodeInfo) -> i64 {
        if pod.image_spread.is_empty() {
            return 0; // none of its images is on any node
        }
        let total = pod.total_nodes.max(1) as f64;
        let sum: i64 = pod
            .image_spread
            .iter()
            .filter_map(|(image, spread)| {
                let size = *node.images.get(image)?;
                Some((size as f64 * (*spread as f64 / total)) as i64)
            })
            .sum();
        let containers = pod.spec.containers.len() + pod.spec.init_containers.len();
        priority(sum, containers)
    }

    /// None of the pod's images is on any node: every score is 0 (and stays 0 normalized).
    fn uniform_score(&self, pod: &PodInfo<'_>) -> Option<i64> {
        pod.image_spread.is_empty().then_some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Worked from upstream's formula (not its test table): a 250 MB image on half the nodes
    // counts 125 MB; (125 - 23) * 100 / (1000 - 23) = 10.
    #[test]
    fn priority_follows_the_upstream_formula() {
        assert_eq!(priority(250 * MB / 2, 1), 10);
        assert_eq!(priority(0, 1), 0);
        assert_eq!(priority(2000 * MB, 1), 100);
        // Two containers double the ceiling.
        assert_eq!(priority(1000 * MB, 2), 49);
    }
}
