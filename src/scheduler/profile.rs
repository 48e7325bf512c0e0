//! A scheduling profile built from its configuration: the plugin objects each extension point
//! runs, with their weights.

use super::config::ProfileConfig;
use super::framework::{FilterPlugin, ScorePlugin};
use super::plugins::{self, inter_pod_affinity::InterPodAffinity};

/// The profile a pod's `schedulerName` selects.
pub struct Profile {
    pub config: ProfileConfig,
    pub filters: Vec<Box<dyn FilterPlugin>>,
    /// Score plugins with their weights.
    pub scorers: Vec<(Box<dyn ScorePlugin>, i64)>,
    pub topology: TopologyPlugins,
}

/// Which of the two inter-pod plugins run, and how (see `topology`).
#[derive(Debug, Clone)]
pub struct TopologyPlugins {
    pub spread_filter: bool,
    pub spread_weight: Option<i64>,
    pub affinity_filter: bool,
    pub affinity_weight: Option<i64>,
    pub affinity: InterPodAffinity,
}

impl TopologyPlugins {
    /// Whether either plugin runs at all.
    pub fn any(&self) -> bool {
        self.spread_filter
            || self.affinity_filter
            || self.spread_weight.is_some()
            || self.affinity_weight.is_some()
    }
}

impl Profile {
    /// Instantiates the configured plugins.
    pub fn new(config: ProfileConfig) -> Self {
        let filters = config
            .filters
            .iter()
            .filter_map(|name| plugins::filter(name, &config))
            .collect();
        let scorers = config
            .scores
            .iter()
            .filter_map(|(name, weight)| Some((plugins::scorer(name, &config)?, *weight)))
            .collect();
        let weight = |plugin: &str| {
            config
                .scores
                .iter()
                .find(|(name, _)| *name == plugin)
                .map(|(_, w)| *w)
        };
        let topology = TopologyPlugins {
            spread_filter: config.filters.contains(&"PodTopologySpread"),
            spread_weight: weight("PodTopologySpread"),
            affinity_filter: config.filters.contains(&"InterPodAffinity"),
            affinity_weight: weight("InterPodAffinity"),
            affinity: config.inter_pod_affinity.clone(),
        };
        Profile {
            config,
            filters,
            scorers,
            topology,
        }
    }
}
