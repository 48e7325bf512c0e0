//! `KubeSchedulerConfiguration` (kubescheduler.config.k8s.io/v1): profiles chosen by
//! `schedulerName`, plugins enabled and disabled per extension point, plugin arguments,
//! `percentageOfNodesToScore` and the queue's backoff bounds, decoded with file and line on every
//! error.

use serde::Deserialize;
use serde_json::Value;

use super::plugins::inter_pod_affinity::InterPodAffinity;
use super::plugins::node_resources_fit::{NodeResourcesFit, ScoredResource, ScoringStrategy};
use crate::manifest::decode::{strict, Source};
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;

/// The configuration's API version, the only one kube-scheduler still serves.
pub const API_VERSION: &str = "kubescheduler.config.k8s.io/v1";

/// The scheduler's configuration, defaults applied.
#[derive(Debug, Clone)]
pub struct Configuration {
    pub profiles: Vec<ProfileConfig>,
    /// `podInitialBackoffSeconds`, `podMaxBackoffSeconds`.
    pub initial_backoff_seconds: u64,
    pub max_backoff_seconds: u64,
}

/// One profile: which plugins run at each extension point kubesim simulates, with what weights
/// and arguments.
#[derive(Debug, Clone)]
pub struct ProfileConfig {
    pub scheduler_name: String,
    /// 0: upstream's adaptive default.
    pub percentage_of_nodes_to_score: i64,
    /// Filter plugins in upstream's order.
    pub filters: Vec<&'static str>,
    /// Score plugins with their weights.
    pub scores: Vec<(&'static str, i64)>,
    /// Whether DefaultPreemption runs at PostFilter.
    pub preemption: bool,
    pub fit: NodeResourcesFit,
    pub inter_pod_affinity: InterPodAffinity,
    /// `DefaultPreemptionArgs` (minCandidateNodesPercentage, minCandidateNodesAbsolute).
    pub min_candidates: (usize, usize),
}

/// What an upstream plugin does at the extension points kubesim simulates.
struct Known {
    name: &'static str,
    filter: bool,
    /// The default weight when it scores.
    score: Option<i64>,
    post_filter: bool,
}

const fn known(name: &'static str, filter: bool, score: Option<i64>) -> Known {
    Known {
        name,
        filter,
        score,
        post_filter: false,
    }
}

/// Upstream's in-tree plugins, in the default profile's order. Those that act at no simulated
/// point (queue sort, binding, volumes, DRA) are accepted and change nothing.
// K8S: pkg/scheduler/apis/config/v1/default_plugins.go (getDefaultPlugins)
const PLUGINS: &[Known] = &[
    known("SchedulingGates", false, None),
    known("PrioritySort", false, None),
    known("NodeUnschedulable", true, None),
    known("NodeName", true, None),
    known("TaintToleration", true, Some(3)),
    known("NodeAffinity", true, Some(2)),
    known("NodePorts", true, None),
    known("NodeResourcesFit", true, Some(1)),
    known("VolumeRestrictions", false, None),
    known("NodeVolumeLimits", false, None),
    known("VolumeBinding", false, None),
    known("VolumeZone", false, None),
    known("PodTopologySpread", true, Some(2)),
    known("InterPodAffinity", true, Some(2)),
    known("DynamicResources", false, None),
    Known {
        name: "DefaultPreemption",
        filter: false,
        score: None,
        post_filter: true,
    },
    known("NodeResourcesBalancedAllocation", false, Some(1)),
    known("ImageLocality", false, Some(1)),
    known("DefaultBinder", false, None),
];

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig {
            scheduler_name: super::COMPONENT.to_string(),
            percentage_of_nodes_to_score: 0,
            filters: PLUGINS
                .iter()
                .filter(|p| p.filter)
                .map(|p| p.name)
                .collect(),
            scores: PLUGINS
                .iter()
                .filter_map(|p| Some((p.name, p.score?)))
                .collect(),
            preemption: true,
            fit: NodeResourcesFit::default(),
            inter_pod_affinity: InterPodAffinity::default(),
            min_candidates: (10, 100),
        }
    }
}

impl Default for Configuration {
    fn default() -> Self {
        Configuration {
            profiles: vec![ProfileConfig::default()],
            initial_backoff_seconds: 1,
            max_backoff_seconds: 10,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfiguration {
    #[allow(dead_code)] // checked before decoding
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    percentage_of_nodes_to_score: Option<i64>,
    pod_initial_backoff_seconds: Option<i64>,
    pod_max_backoff_seconds: Option<i64>,
    #[serde(default)]
    profiles: Vec<RawProfile>,
    // Process settings with no bearing on placement.
    #[allow(dead_code)]
    parallelism: Option<i64>,
    #[allow(dead_code)]
    leader_election: Option<Value>,
    #[allow(dead_code)]
    client_connection: Option<Value>,
    #[allow(dead_code)]
    delay_cache_until_active: Option<bool>,
    #[allow(dead_code)]
    extenders: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProfile {
    scheduler_name: Option<String>,
    percentage_of_nodes_to_score: Option<i64>,
    #[serde(default)]
    plugins: RawPlugins,
    #[serde(default)]
    plugin_config: Vec<RawPluginConfig>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPlugins {
    multi_point: Option<RawPluginSet>,
    filter: Option<RawPluginSet>,
    score: Option<RawPluginSet>,
    post_filter: Option<RawPluginSet>,
    // Extension points whose plugins kubesim runs as part of the ones above, or not at all.
    #[allow(dead_code)]
    pre_enqueue: Option<RawPluginSet>,
    #[allow(dead_code)]
    queue_sort: Option<RawPluginSet>,
    #[allow(dead_code)]
    pre_filter: Option<RawPluginSet>,
    #[allow(dead_code)]
    pre_score: Option<RawPluginSet>,
    #[allow(dead_code)]
    reserve: Option<RawPluginSet>,
    #[allow(dead_code)]
    permit: Option<RawPluginSet>,
    #[allow(dead_code)]
    pre_bind: Option<RawPluginSet>,
    #[allow(dead_code)]
    bind: Option<RawPluginSet>,
    #[allow(dead_code)]
    post_bind: Option<RawPluginSet>,
}

#[derive(Deserialize, Default)]
struct RawPluginSet {
    #[serde(default)]
    enabled: Vec<RawPlugin>,
    #[serde(default)]
    disabled: Vec<RawPlugin>,
}

#[derive(Deserialize)]
struct RawPlugin {
    name: String,
    weight: Option<i64>,
}

#[derive(Deserialize)]
struct RawPluginConfig {
    name: String,
    #[serde(default)]
    args: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFitArgs {
    #[allow(dead_code)]
    api_version: Option<String>,
    #[allow(dead_code)]
    kind: Option<String>,
    scoring_strategy: Option<RawScoringStrategy>,
    #[serde(default)]
    ignored_resources: Vec<String>,
    #[serde(default)]
    ignored_resource_groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawScoringStrategy {
    #[serde(rename = "type")]
    type_: Option<String>,
    resources: Option<Vec<RawResource>>,
    requested_to_capacity_ratio: Option<RawRatio>,
}

#[derive(Deserialize)]
struct RawResource {
    name: String,
    weight: Option<i64>,
}

#[derive(Deserialize)]
struct RawRatio {
    shape: Vec<RawPoint>,
}

#[derive(Deserialize)]
struct RawPoint {
    utilization: i64,
    score: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAffinityArgs {
    #[allow(dead_code)]
    api_version: Option<String>,
    #[allow(dead_code)]
    kind: Option<String>,
    hard_pod_affinity_weight: Option<i32>,
    ignore_preferred_terms_of_existing_pods: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPreemptionArgs {
    #[allow(dead_code)]
    api_version: Option<String>,
    #[allow(dead_code)]
    kind: Option<String>,
    min_candidate_nodes_percentage: Option<i64>,
    min_candidate_nodes_absolute: Option<i64>,
}

type Path = Vec<PathSeg>;

fn at(base: &[PathSeg], rest: &[PathSeg]) -> Path {
    [base, rest].concat()
}

/// Decodes a `KubeSchedulerConfiguration` object.
pub fn parse(value: &Value, src: Source<'_>) -> Result<Configuration, InputError> {
    for (field, want) in [
        ("apiVersion", API_VERSION),
        ("kind", "KubeSchedulerConfiguration"),
    ] {
        let got = value.get(field).and_then(Value::as_str).unwrap_or_default();
        if got != want {
            return Err(src
                .error(
                    &[PathSeg::key(field)],
                    format!("unsupported scheduler configuration {field} \"{got}\""),
                )
                .with_hint(Some(format!("use `{field}: {want}`"))));
        }
    }
    let raw: RawConfiguration = strict(value, "KubeSchedulerConfiguration", src)?;
    let global_pct = percentage(
        raw.percentage_of_nodes_to_score,
        &[PathSeg::key("percentageOfNodesToScore")],
        src,
    )?;
    let mut config = Configuration::default();
    if let Some(s) = raw.pod_initial_backoff_seconds {
        config.initial_backoff_seconds = positive(s, "podInitialBackoffSeconds", src)?;
    }
    if let Some(s) = raw.pod_max_backoff_seconds {
        config.max_backoff_seconds = positive(s, "podMaxBackoffSeconds", src)?;
    }
    if config.max_backoff_seconds < config.initial_backoff_seconds {
        return Err(src.error(
            &[PathSeg::key("podMaxBackoffSeconds")],
            "podMaxBackoffSeconds: Invalid value: must be greater than or equal to PodInitialBackoffSeconds",
        ));
    }
    if !raw.profiles.is_empty() {
        config.profiles.clear();
    }
    for (i, raw_profile) in raw.profiles.iter().enumerate() {
        let path = [PathSeg::key("profiles"), PathSeg::Index(i)];
        let profile = parse_profile(raw_profile, global_pct, &path, src)?;
        if config
            .profiles
            .iter()
            .any(|p| p.scheduler_name == profile.scheduler_name)
        {
            return Err(src.error(
                &at(&path, &[PathSeg::key("schedulerName")]),
                format!(
                    "profiles[{i}].schedulerName: Duplicate value: \"{}\"",
                    profile.scheduler_name
                ),
            ));
        }
        config.profiles.push(profile);
    }
    if raw.profiles.is_empty() {
        config.profiles[0].percentage_of_nodes_to_score = global_pct;
    }
    Ok(config)
}

fn positive(value: i64, field: &str, src: Source<'_>) -> Result<u64, InputError> {
    u64::try_from(value).ok().filter(|v| *v > 0).ok_or_else(|| {
        src.error(
            &[PathSeg::key(field)],
            format!("{field}: Invalid value: {value}: must be greater than 0"),
        )
    })
}

// K8S: pkg/scheduler/apis/config/validation/validation.go (validatePercentageOfNodesToScore)
fn percentage(value: Option<i64>, path: &[PathSeg], src: Source<'_>) -> Result<i64, InputError> {
    match value {
        None => Ok(0),
        Some(v @ 0..=100) => Ok(v),
        Some(v) => Err(src.error(
            path,
            format!("percentageOfNodesToScore: Invalid value: {v}: not in valid range [0-100]"),
        )),
    }
}

fn parse_profile(
    raw: &RawProfile,
    global_pct: i64,
    path: &[PathSeg],
    src: Source<'_>,
) -> Result<ProfileConfig, InputError> {
    let mut profile = ProfileConfig::default();
    if let Some(name) = &raw.scheduler_name {
        profile.scheduler_name = name.clone();
    }
    profile.percentage_of_nodes_to_score = match raw.percentage_of_nodes_to_score {
        None => global_pct,
        Some(_) => percentage(
            raw.percentage_of_nodes_to_score,
            &at(path, &[PathSeg::key("percentageOfNodesToScore")]),
            src,
        )?,
    };
    let plugins_path = at(path, &[PathSeg::key("plugins")]);
    // K8S: pkg/scheduler/apis/config/v1/default_plugins.go (mergePlugins: multiPoint first, then
    // each extension point's own list, which wins)
    let points: [(&str, Option<&RawPluginSet>); 4] = [
        ("multiPoint", raw.plugins.multi_point.as_ref()),
        ("filter", raw.plugins.filter.as_ref()),
        ("score", raw.plugins.score.as_ref()),
        ("postFilter", raw.plugins.post_filter.as_ref()),
    ];
    for (point, set) in points {
        let Some(set) = set else { continue };
        let point_path = at(&plugins_path, &[PathSeg::key(point)]);
        apply_plugin_set(&mut profile, point, set, &point_path, src)?;
    }
    for (i, entry) in raw.plugin_config.iter().enumerate() {
        let entry_path = at(path, &[PathSeg::key("pluginConfig"), PathSeg::Index(i)]);
        apply_args(&mut profile, entry, &entry_path, src)?;
    }
    Ok(profile)
}

fn lookup(name: &str, path: &[PathSeg], src: Source<'_>) -> Result<&'static Known, InputError> {
    PLUGINS.iter().find(|k| k.name == name).ok_or_else(|| {
        let names: Vec<&str> = PLUGINS.iter().map(|k| k.name).collect();
        src.error(path, format!("plugin \"{name}\" does not exist"))
            .with_hint(Some(format!("in-tree plugins: {}", names.join(", "))))
    })
}

fn apply_plugin_set(
    profile: &mut ProfileConfig,
    point: &str,
    set: &RawPluginSet,
    path: &[PathSeg],
    src: Source<'_>,
) -> Result<(), InputError> {
    let (does_filter, does_score, does_post) = match point {
        "filter" => (true, false, false),
        "score" => (false, true, false),
        "postFilter" => (false, false, true),
        _ => (true, true, true),
    };
    for (i, plugin) in set.disabled.iter().enumerate() {
        let entry = at(path, &[PathSeg::key("disabled"), PathSeg::Index(i)]);
        let all = plugin.name == "*";
        if !all {
            lookup(&plugin.name, &at(&entry, &[PathSeg::key("name")]), src)?;
        }
        let off = |name: &str| all || name == plugin.name;
        if does_filter {
            profile.filters.retain(|name| !off(name));
        }
        if does_score {
            profile.scores.retain(|(name, _)| !off(name));
        }
        if does_post && off("DefaultPreemption") {
            profile.preemption = false;
        }
    }
    for (i, plugin) in set.enabled.iter().enumerate() {
        let entry = at(path, &[PathSeg::key("enabled"), PathSeg::Index(i)]);
        let known = lookup(&plugin.name, &at(&entry, &[PathSeg::key("name")]), src)?;
        if does_filter && known.filter && !profile.filters.contains(&known.name) {
            profile.filters.push(known.name);
        }
        if does_score {
            if let Some(default_weight) = known.score {
                let weight = match plugin.weight {
                    None | Some(0) => default_weight,
                    // K8S: validation.go (validatePluginConfig: score weight must be positive)
                    Some(w) if w > 0 => w,
                    Some(w) => {
                        return Err(src.error(
                            &at(&entry, &[PathSeg::key("weight")]),
                            format!("weight: Invalid value: {w}: must be a positive value"),
                        ))
                    }
                };
                profile.scores.retain(|(name, _)| *name != known.name);
                profile.scores.push((known.name, weight));
            } else if point == "score" {
                return Err(src.error(
                    &at(&entry, &[PathSeg::key("name")]),
                    format!("plugin \"{}\" is not a score plugin", known.name),
                ));
            }
        }
        if does_post && known.post_filter {
            profile.preemption = true;
        }
    }
    // Filters keep upstream's order, whatever order they were enabled in.
    profile
        .filters
        .sort_by_key(|name| PLUGINS.iter().position(|k| k.name == *name));
    Ok(())
}

fn apply_args(
    profile: &mut ProfileConfig,
    entry: &RawPluginConfig,
    path: &[PathSeg],
    src: Source<'_>,
) -> Result<(), InputError> {
    let args_path = at(path, &[PathSeg::key("args")]);
    let args_src = Source {
        file: src.file,
        located: src.located,
        prefix: &at(src.prefix, &args_path),
    };
    match entry.name.as_str() {
        "NodeResourcesFit" => {
            let raw: RawFitArgs = strict(&entry.args, "NodeResourcesFitArgs", args_src)?;
            if !raw.ignored_resources.is_empty() || !raw.ignored_resource_groups.is_empty() {
                return Err(args_src.error(
                    &[PathSeg::key("ignoredResources")],
                    "NodeResourcesFitArgs ignoredResources/ignoredResourceGroups name extended resources, which kubesim does not simulate",
                ));
            }
            if let Some(strategy) = &raw.scoring_strategy {
                profile.fit = fit_strategy(strategy, args_src)?;
            }
        }
        "InterPodAffinity" => {
            let raw: RawAffinityArgs = strict(&entry.args, "InterPodAffinityArgs", args_src)?;
            if let Some(w) = raw.hard_pod_affinity_weight {
                // K8S: validation_pluginargs.go (ValidateInterPodAffinityArgs: 0..=100)
                if !(0..=100).contains(&w) {
                    return Err(args_src.error(
                        &[PathSeg::key("hardPodAffinityWeight")],
                        format!(
                            "hardPodAffinityWeight: Invalid value: {w}: not in valid range [0-100]"
                        ),
                    ));
                }
                profile.inter_pod_affinity.hard_pod_affinity_weight = w;
            }
            if let Some(ignore) = raw.ignore_preferred_terms_of_existing_pods {
                profile
                    .inter_pod_affinity
                    .ignore_preferred_terms_of_existing_pods = ignore;
            }
        }
        "DefaultPreemption" => {
            let raw: RawPreemptionArgs = strict(&entry.args, "DefaultPreemptionArgs", args_src)?;
            let (mut pct, mut abs) = profile.min_candidates;
            if let Some(p) = raw.min_candidate_nodes_percentage {
                pct = usize::try_from(p).ok().filter(|p| *p <= 100).ok_or_else(|| {
                    args_src.error(
                        &[PathSeg::key("minCandidateNodesPercentage")],
                        format!("minCandidateNodesPercentage: Invalid value: {p}: not in valid range [0, 100]"),
                    )
                })?;
            }
            if let Some(a) = raw.min_candidate_nodes_absolute {
                abs = usize::try_from(a).map_err(|_| {
                    args_src.error(
                        &[PathSeg::key("minCandidateNodesAbsolute")],
                        format!("minCandidateNodesAbsolute: Invalid value: {a}: not in valid range [0, inf)"),
                    )
                })?;
            }
            profile.min_candidates = (pct, abs);
        }
        other => {
            lookup(other, &at(path, &[PathSeg::key("name")]), src)?;
            return Err(src
                .error(
                    &at(path, &[PathSeg::key("name")]),
                    format!("kubesim does not simulate arguments for plugin \"{other}\""),
                )
                .with_hint(Some(
                    "arguments are read for NodeResourcesFit, InterPodAffinity and DefaultPreemption"
                        .to_string(),
                )));
        }
    }
    Ok(())
}

// K8S: pkg/scheduler/apis/config/v1/defaults.go (scoringStrategy defaults: LeastAllocated over
// cpu and memory, weight 1)
fn fit_strategy(raw: &RawScoringStrategy, src: Source<'_>) -> Result<NodeResourcesFit, InputError> {
    let mut fit = NodeResourcesFit::default();
    let kind = raw.type_.as_deref().unwrap_or("LeastAllocated");
    fit.strategy = match kind {
        "LeastAllocated" => ScoringStrategy::LeastAllocated,
        "MostAllocated" => ScoringStrategy::MostAllocated,
        "RequestedToCapacityRatio" => {
            let Some(ratio) = &raw.requested_to_capacity_ratio else {
                return Err(src.error(
                    &[PathSeg::key("scoringStrategy")],
                    "scoringStrategy.requestedToCapacityRatio: Required value",
                ));
            };
            let shape = ratio.shape.iter().map(|p| (p.utilization, p.score)).collect();
            ScoringStrategy::RequestedToCapacityRatio(shape)
        }
        other => {
            return Err(src.error(
                &[PathSeg::key("scoringStrategy"), PathSeg::key("type")],
                format!("scoringStrategy.type: Unsupported value: \"{other}\": supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\""),
            ))
        }
    };
    if let Some(resources) = &raw.resources {
        fit.resources.clear();
        for (i, r) in resources.iter().enumerate() {
            let resource = match r.name.as_str() {
                "cpu" => ScoredResource::Cpu,
                "memory" => ScoredResource::Memory,
                "ephemeral-storage" => ScoredResource::EphemeralStorage,
                other => {
                    return Err(src.error(
                        &[
                            PathSeg::key("scoringStrategy"),
                            PathSeg::key("resources"),
                            PathSeg::Index(i),
                            PathSeg::key("name"),
                        ],
                        format!("resource \"{other}\" is not simulated (cpu, memory and ephemeral-storage are)"),
                    ))
                }
            };
            fit.resources.push((resource, r.weight.unwrap_or(1)));
        }
    }
    Ok(fit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::yaml::parse_documents;

    fn parse_text(text: &str) -> Result<Configuration, String> {
        let docs = parse_documents(text).expect("valid YAML");
        let src = Source {
            file: "c.yaml",
            located: &docs[0].located,
            prefix: &[],
        };
        parse(&docs[0].value, src).map_err(|e| e.to_string().lines().next().unwrap().to_string())
    }

    const HEAD: &str =
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";

    // K8S: pkg/scheduler/apis/config/v1/default_plugins.go (getDefaultPlugins)
    #[test]
    fn defaults_are_upstreams_profile() {
        let config = parse_text(HEAD).unwrap();
        let p = &config.profiles[0];
        assert_eq!(p.scheduler_name, "default-scheduler");
        assert_eq!(
            p.filters,
            [
                "NodeUnschedulable",
                "NodeName",
                "TaintToleration",
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "PodTopologySpread",
                "InterPodAffinity"
            ]
        );
        assert_eq!(
            p.scores,
            [
                ("TaintToleration", 3),
                ("NodeAffinity", 2),
                ("NodeResourcesFit", 1),
                ("PodTopologySpread", 2),
                ("InterPodAffinity", 2),
                ("NodeResourcesBalancedAllocation", 1),
                ("ImageLocality", 1)
            ]
        );
        assert!(p.preemption);
        assert_eq!(
            (config.initial_backoff_seconds, config.max_backoff_seconds),
            (1, 10)
        );
    }

    #[test]
    fn extension_points_override_multi_point() {
        let text = format!(
            "{HEAD}percentageOfNodesToScore: 30\npodMaxBackoffSeconds: 20\nprofiles:\n\
             - schedulerName: lean\n  plugins:\n    multiPoint:\n      disabled: [{{name: '*'}}]\n      \
             enabled: [{{name: NodeResourcesFit, weight: 5}}, {{name: TaintToleration}}]\n    \
             score:\n      disabled: [{{name: TaintToleration}}]\n\
             - schedulerName: second\n  percentageOfNodesToScore: 70\n  plugins:\n    postFilter:\n      \
             disabled: [{{name: DefaultPreemption}}]\n  pluginConfig:\n  - name: InterPodAffinity\n    \
             args: {{hardPodAffinityWeight: 7}}\n"
        );
        let config = parse_text(&text).unwrap();
        let lean = &config.profiles[0];
        assert_eq!(lean.filters, ["TaintToleration", "NodeResourcesFit"]);
        assert_eq!(lean.scores, [("NodeResourcesFit", 5)]);
        assert!(!lean.preemption);
        assert_eq!(lean.percentage_of_nodes_to_score, 30);
        let second = &config.profiles[1];
        assert_eq!(second.percentage_of_nodes_to_score, 70);
        assert!(!second.preemption);
        assert_eq!(second.inter_pod_affinity.hard_pod_affinity_weight, 7);
        assert_eq!(second.filters.len(), 8);
        assert_eq!(config.max_backoff_seconds, 20);
    }

    #[test]
    fn scoring_strategy_and_weights() {
        let text = format!(
            "{HEAD}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      \
             scoringStrategy:\n        type: RequestedToCapacityRatio\n        \
             resources: [{{name: cpu, weight: 3}}]\n        \
             requestedToCapacityRatio:\n          shape: [{{utilization: 0, score: 10}}, {{utilization: 100, score: 0}}]\n"
        );
        let fit = parse_text(&text).unwrap().profiles[0].fit.clone();
        assert_eq!(
            fit.strategy,
            ScoringStrategy::RequestedToCapacityRatio(vec![(0, 10), (100, 0)])
        );
        assert_eq!(fit.resources, [(ScoredResource::Cpu, 3)]);
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let cases = [
            (
                format!("{HEAD}profiles:\n- plugins:\n    score:\n      enabled: [{{name: NodeResourceFit}}]\n"),
                "c.yaml:6:18: plugin \"NodeResourceFit\" does not exist",
            ),
            (
                format!("{HEAD}percentageOfNodesToScore: 101\n"),
                "c.yaml:3:1: percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]",
            ),
            (
                format!("{HEAD}profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args: {{hardPodAffinityWeight: 101}}\n"),
                "c.yaml:6:12: hardPodAffinityWeight: Invalid value: 101: not in valid range [0-100]",
            ),
            (
                format!("{HEAD}profiles:\n- schedulerName: a\n- schedulerName: a\n"),
                "c.yaml:5:3: profiles[1].schedulerName: Duplicate value: \"a\"",
            ),
            (
                "apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n".to_string(),
                "c.yaml:1:1: unsupported scheduler configuration apiVersion \"kubescheduler.config.k8s.io/v1beta3\"",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_text(&text).unwrap_err(), want, "{text}");
        }
    }
}
