//! One file per upstream plugin, named as upstream names it.

pub mod default_preemption;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod label_selector;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_balanced_allocation;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod snapshot;
pub mod taint_toleration;

#[cfg(test)]
mod testing;

use super::framework::{FilterPlugin, ScorePlugin};

/// The default profile's filters, in upstream's order.
// K8S: pkg/scheduler/apis/config/v1/default_plugins.go (getDefaultPlugins)
pub fn default_filters() -> Vec<Box<dyn FilterPlugin>> {
    vec![
        Box::new(node_unschedulable::NodeUnschedulable),
        Box::new(node_name::NodeName),
        Box::new(taint_toleration::TaintToleration),
        Box::new(node_affinity::NodeAffinity),
        Box::new(node_ports::NodePorts),
        Box::new(node_resources_fit::NodeResourcesFit::default()),
    ]
}

/// The default profile's score plugins implemented so far, with upstream's weights.
// K8S: pkg/scheduler/apis/config/v1/default_plugins.go (TaintToleration 3, NodeAffinity 2,
// NodeResourcesFit 1, NodeResourcesBalancedAllocation 1, ImageLocality 1)
pub fn default_scorers() -> Vec<Box<dyn ScorePlugin>> {
    vec![
        Box::new(taint_toleration::TaintToleration),
        Box::new(node_affinity::NodeAffinity),
        Box::new(node_resources_fit::NodeResourcesFit::default()),
        Box::new(node_resources_balanced_allocation::NodeResourcesBalancedAllocation),
        Box::new(image_locality::ImageLocality),
    ]
}
