//! One file per upstream plugin, named as upstream names it.

pub mod default_preemption;
pub mod image_locality;
pub mod inter_pod_affinity;
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

use super::config::ProfileConfig;
use super::framework::{FilterPlugin, ScorePlugin};

/// The filter plugin of this name, configured by the profile; `None` for the plugins that run
/// elsewhere (the inter-pod ones, in `topology`) or at no simulated point.
pub fn filter(name: &str, profile: &ProfileConfig) -> Option<Box<dyn FilterPlugin>> {
    Some(match name {
        "NodeUnschedulable" => Box::new(node_unschedulable::NodeUnschedulable),
        "NodeName" => Box::new(node_name::NodeName),
        "TaintToleration" => Box::new(taint_toleration::TaintToleration),
        "NodeAffinity" => Box::new(node_affinity::NodeAffinity),
        "NodePorts" => Box::new(node_ports::NodePorts),
        "NodeResourcesFit" => Box::new(profile.fit.clone()),
        _ => return None,
    })
}

/// The score plugin of this name, configured by the profile; `None` as for [`filter`].
pub fn scorer(name: &str, profile: &ProfileConfig) -> Option<Box<dyn ScorePlugin>> {
    Some(match name {
        "TaintToleration" => Box::new(taint_toleration::TaintToleration),
        "NodeAffinity" => Box::new(node_affinity::NodeAffinity),
        "NodeResourcesFit" => Box::new(profile.fit.clone()),
        "NodeResourcesBalancedAllocation" => {
            Box::new(node_resources_balanced_allocation::NodeResourcesBalancedAllocation)
        }
        "ImageLocality" => Box::new(image_locality::ImageLocality),
        _ => return None,
    })
}
