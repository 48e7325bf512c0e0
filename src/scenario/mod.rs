//! Scenario files: a cluster, the manifests applied at t=0, a timeline of kubectl commands and the
//! expectations `kubesim check` verifies. A plain manifest file is a scenario too: it runs on the
//! default cluster. The format is documented with a full example in `scenarios/README.md`.

mod autoscaling;
mod behaviours;
pub mod check;
mod client;
mod cluster;
mod expect;
mod images;
pub mod kubeadm;
pub mod kubectl;
pub mod lint;
mod load;
pub mod openb;
#[cfg(test)]
mod pacing_tests;
pub mod profile;
pub mod record;
pub mod request;
pub mod simulate;
mod timeline;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use cluster::{default_cluster, joining_node, NodeGroup};
pub use expect::{Expectation, Subject};
pub use timeline::{Action, FileObject, TimelineEntry};

use crate::engine::{SimDuration, SimTime};
use crate::manifest::decode::{strict, Source};
use crate::manifest::read;
use crate::manifest::yaml::{self, PathSeg};
use crate::manifest::{InputError, Manifest};
use crate::model::duration::GoDuration;
use crate::model::node::Node;

/// The scenario's API version and kind, as its YAML header must say.
pub const API_VERSION: &str = "kubesim.io/v1alpha1";

/// How long a scenario runs when it does not say.
pub const DEFAULT_DURATION: SimDuration = SimDuration::from_secs(600);

/// The seed used when neither the scenario nor `--seed` gives one.
pub const DEFAULT_SEED: u64 = 1;

/// A loaded, validated scenario: everything the simulation needs, nothing left to parse.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The file the user named (for messages).
    pub file: String,
    pub seed: u64,
    pub duration: SimDuration,
    pub nodes: Vec<Node>,
    /// Objects applied at t=0, in order.
    pub manifests: Vec<Manifest>,
    pub timeline: Vec<TimelineEntry>,
    pub expectations: Vec<Expectation>,
    /// What containers do, where the scenario says so.
    pub behaviours: Vec<crate::kubelet::StatedBehaviour>,
    /// Images the scenario declares (`spec.images`): whether they exist, their tags, whether
    /// they are private.
    pub images: Vec<crate::kubelet::registry::DeclaredImage>,
    /// Requests per second sent to Deployments over time (`spec.load`).
    pub load: Vec<crate::controllers::load::LoadProfile>,
    /// Static pods by node: what each kubelet finds in its `staticPodPath`.
    pub static_pods: Vec<(String, Manifest)>,
    /// The `KubeSchedulerConfiguration` (upstream's defaults when the scenario gives none).
    pub scheduler: crate::scheduler::config::Configuration,
    /// `sha256:<hex>` over the scenario and every manifest file it read.
    pub digest: String,
    pub description: Option<String>,
    /// The exercise's task for the learner (`kubesim.io/task`), shown by `kubesim exercise show`.
    pub task: Option<String>,
    /// The curriculum topic an exercise belongs to (`kubesim.io/topic`).
    pub topic: Option<String>,
    /// The file that filled the scenario's `learner: true` entries, if it has any: an exercise
    /// is checked against the learner's own manifest there.
    pub learner: Option<String>,
    /// `spec.imageRootfs`: real mode runs these images (references exactly as pods name them)
    /// from these root filesystem directories, resolved against the scenario's directory.
    /// The simulation does not read it.
    pub image_rootfs: BTreeMap<String, std::path::PathBuf>,
    /// The cluster autoscaler's settings and node groups (no groups: it does not run).
    pub autoscaler: crate::autoscaler::config::Config,
}

impl Scenario {
    /// What the simulation of this scenario is built from; the timeline's commands run through
    /// the scenario's client.
    pub fn setup(&self) -> crate::sim::Setup {
        let timeline = self.timeline.iter().map(|entry| crate::sim::Step {
            at: entry.at,
            line: entry.command.clone(),
            action: match &entry.action {
                Action::Apply {
                    manifests,
                    create_only,
                } => crate::sim::StepAction::Apply {
                    manifests: manifests.clone(),
                    create_only: *create_only,
                },
                other => crate::sim::StepAction::Run(std::rc::Rc::new(other.clone())),
            },
        });
        crate::sim::Setup {
            name: self.name.clone(),
            digest: self.digest.clone(),
            duration: self.duration,
            nodes: self.nodes.clone(),
            manifests: self.manifests.clone(),
            timeline: timeline.collect(),
            behaviours: self.behaviours.clone(),
            images: self.images.clone(),
            load: self.load.clone(),
            static_pods: self.static_pods.clone(),
            scheduler: self.scheduler.clone(),
            autoscaler: self.autoscaler.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScenarioFile {
    #[allow(dead_code)] // checked before decoding
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Spec {
    seed: Option<u64>,
    duration: Option<String>,
    nodes: Option<Vec<NodeGroup>>,
    #[serde(default)]
    manifests: Vec<ManifestEntry>,
    #[serde(default)]
    timeline: Vec<timeline::RawEntry>,
    #[serde(default)]
    expect: Vec<expect::RawExpectation>,
    #[serde(default)]
    behaviours: Vec<behaviours::RawBehaviour>,
    #[serde(default)]
    images: Vec<images::RawImage>,
    #[serde(default)]
    load: Vec<load::RawLoad>,
    scheduler_configuration: Option<ManifestEntry>,
    /// Real mode: a root filesystem directory for each image that is not busybox-compatible.
    #[serde(default)]
    image_rootfs: BTreeMap<String, String>,
    /// The cluster autoscaler's flags (it runs when a node group has `autoscaling:`).
    cluster_autoscaler: Option<autoscaling::RawOptions>,
    /// What the cluster has before the scenario's manifests (default `bare`).
    cluster: Option<kubeadm::ClusterKind>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct ManifestEntry {
    path: Option<String>,
    inline: Option<Value>,
    /// `learner: true`: the learner's manifest of an exercise (see [`LEARNER_DEFAULT`]).
    learner: Option<bool>,
}

/// The file a `learner: true` entry reads when no learner file is given: the exercise's
/// solution, next to the scenario, so `kubesim check exercise.yaml` proves the solution.
pub const LEARNER_DEFAULT: &str = "solution.yaml";

/// Loads a scenario file, or a plain manifest file to run on the default cluster.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    load_with_learner(path, None)
}

/// Loads a scenario whose `learner: true` entries read `learner` (default: [`LEARNER_DEFAULT`]
/// next to the scenario).
pub fn load_with_learner(path: &Path, learner: Option<&Path>) -> Result<Scenario, InputError> {
    let file = path.display().to_string();
    let text = read::text(path, read::YAML).map_err(|e| {
        e.into_input(|what| InputError::file(&file, format!("cannot read scenario: {what}")))
    })?;
    load_str_with_learner(
        &text,
        &file,
        path.parent().unwrap_or(Path::new(".")),
        learner,
    )
}

/// Loads a scenario from text; relative manifest paths resolve against `base_dir`.
pub fn load_str(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, InputError> {
    load_str_with_learner(text, file, base_dir, None)
}

/// [`load_str`] with the file `learner: true` entries read.
fn load_str_with_learner(
    text: &str,
    file: &str,
    base_dir: &Path,
    learner: Option<&Path>,
) -> Result<Scenario, InputError> {
    let mut digest = Sha256::new();
    digest.update(text.as_bytes());
    let docs = yaml::parse_documents(text).map_err(|_| ()).ok();
    let is_scenario = docs.as_ref().is_some_and(|docs| {
        docs.len() == 1 && docs[0].value.get("kind").and_then(Value::as_str) == Some("Scenario")
    });
    if !is_scenario {
        let manifests = crate::manifest::load_str(text, file)?;
        let name = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut scenario = Scenario {
            name,
            file: file.to_string(),
            seed: DEFAULT_SEED,
            duration: DEFAULT_DURATION,
            nodes: default_cluster(),
            manifests,
            timeline: Vec::new(),
            expectations: Vec::new(),
            behaviours: Vec::new(),
            images: Vec::new(),
            load: Vec::new(),
            static_pods: Vec::new(),
            scheduler: Default::default(),
            digest: hex_digest(digest),
            description: None,
            task: None,
            topic: None,
            learner: None,
            image_rootfs: BTreeMap::new(),
            autoscaler: Default::default(),
        };
        kubeadm::add_to(&mut scenario).expect("the default cluster has a control-plane node");
        return Ok(scenario);
    }
    let doc = &docs.expect("checked above")[0];
    let src = Source {
        file,
        located: &doc.located,
        prefix: &[],
    };
    let version = doc
        .value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if version != API_VERSION {
        return Err(src
            .error(
                &[PathSeg::Key("apiVersion".into())],
                format!("unsupported scenario apiVersion \"{version}\""),
            )
            .with_hint(Some(format!("use `apiVersion: {API_VERSION}`"))));
    }
    let raw: ScenarioFile = strict(&doc.value, "Scenario", src)?;
    let spec = raw.spec;
    let duration = match &spec.duration {
        Some(text) => {
            parse_duration_field(text, src, &[PathSeg::key("spec"), PathSeg::key("duration")])?
        }
        None => DEFAULT_DURATION,
    };
    if duration == SimDuration::ZERO {
        return Err(src.error(
            &[PathSeg::key("spec"), PathSeg::key("duration")],
            "duration must be greater than 0",
        ));
    }
    let (nodes, autoscaled) = match &spec.nodes {
        Some(groups) => cluster::build_nodes(groups, src)?,
        None => (default_cluster(), Vec::new()),
    };
    let autoscaler = crate::autoscaler::config::Config {
        options: match &spec.cluster_autoscaler {
            Some(raw) => autoscaling::parse(raw, src)?,
            None => Default::default(),
        },
        groups: autoscaled,
    };
    let learner_file = learner.map_or_else(|| base_dir.join(LEARNER_DEFAULT), Path::to_path_buf);
    let entries = Entries {
        src,
        located: &doc.located,
        base_dir,
        learner: &learner_file,
        learner_used: std::cell::Cell::new(false),
    };
    let manifests_path = [PathSeg::key("spec"), PathSeg::key("manifests")];
    let manifests = entries.load(&spec.manifests, &manifests_path, &mut digest)?;
    let mut static_pods = Vec::new();
    for (g, group) in spec.nodes.iter().flatten().enumerate() {
        let path = [
            PathSeg::key("spec"),
            PathSeg::key("nodes"),
            PathSeg::Index(g),
            PathSeg::key("staticPods"),
        ];
        let loaded = entries.load(&group.static_pods, &path, &mut digest)?;
        for node in group.node_names() {
            static_pods.extend(loaded.iter().map(|m| (node.clone(), m.clone())));
        }
    }
    let mut timeline = Vec::new();
    for (i, entry) in spec.timeline.iter().enumerate() {
        let path = [
            PathSeg::key("spec"),
            PathSeg::key("timeline"),
            PathSeg::Index(i),
        ];
        timeline.push(timeline::parse_entry(
            entry,
            src,
            &path,
            base_dir,
            &mut digest,
            duration,
        )?);
    }
    let mut expectations = Vec::new();
    for (i, e) in spec.expect.iter().enumerate() {
        let path = [
            PathSeg::key("spec"),
            PathSeg::key("expect"),
            PathSeg::Index(i),
        ];
        let pos = doc.located.locate(&path);
        let origin = format!("{file}:{}", pos.line);
        expectations.push(expect::parse(e, src, &path, duration, origin)?);
    }
    let mut stated = Vec::new();
    for (i, raw) in spec.behaviours.iter().enumerate() {
        let path = [
            PathSeg::key("spec"),
            PathSeg::key("behaviours"),
            PathSeg::Index(i),
        ];
        stated.push(behaviours::parse(raw, src, &path)?);
    }
    let declared_images = images::parse(
        &spec.images,
        src,
        &[PathSeg::key("spec"), PathSeg::key("images")],
    )?;
    let mut profiles = Vec::new();
    for (i, raw) in spec.load.iter().enumerate() {
        let path = [
            PathSeg::key("spec"),
            PathSeg::key("load"),
            PathSeg::Index(i),
        ];
        profiles.push(load::parse(raw, src, &path)?);
    }
    let scheduler = match &spec.scheduler_configuration {
        None => Default::default(),
        Some(entry) => scheduler_configuration(entry, src, base_dir, &mut digest)?,
    };
    let annotation = |key: &str| raw.metadata.annotations.get(key).cloned();
    let mut scenario = Scenario {
        learner: entries
            .learner_used
            .get()
            .then(|| learner_file.display().to_string()),
        task: annotation("kubesim.io/task"),
        topic: annotation("kubesim.io/topic"),
        name: raw.metadata.name,
        file: file.to_string(),
        seed: spec.seed.unwrap_or(DEFAULT_SEED),
        duration,
        nodes,
        manifests,
        timeline,
        expectations,
        behaviours: stated,
        images: declared_images,
        load: profiles,
        static_pods,
        scheduler,
        digest: hex_digest(digest),
        description: annotation("kubesim.io/description"),
        image_rootfs: spec
            .image_rootfs
            .iter()
            .map(|(image, dir)| (image.clone(), base_dir.join(dir)))
            .collect(),
        autoscaler,
    };
    if spec.cluster == Some(kubeadm::ClusterKind::Kubeadm) {
        kubeadm::add_to(&mut scenario)
            .map_err(|why| src.error(&[PathSeg::key("spec"), PathSeg::key("cluster")], why))?;
    }
    Ok(scenario)
}

/// Where `manifests:`-shaped entries are read from.
struct Entries<'a> {
    src: Source<'a>,
    located: &'a crate::manifest::yaml::Located,
    base_dir: &'a Path,
    /// What `learner: true` entries read, and whether any did.
    learner: &'a Path,
    learner_used: std::cell::Cell<bool>,
}

impl Entries<'_> {
    /// Loads each entry (`path:` relative to the scenario, `inline:`, or `learner: true`) found
    /// under `path`.
    fn load(
        &self,
        entries: &[ManifestEntry],
        path: &[PathSeg],
        digest: &mut Sha256,
    ) -> Result<Vec<Manifest>, InputError> {
        let mut manifests = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let path = [path, &[PathSeg::Index(i)]].concat();
            let learner = entry.learner == Some(true);
            let file = match (&entry.path, &entry.inline, learner) {
                (Some(rel), None, false) => Some(self.base_dir.join(rel)),
                (None, None, true) => {
                    self.learner_used.set(true);
                    Some(self.learner.to_path_buf())
                }
                _ => None,
            };
            match (file, &entry.inline) {
                (Some(full), _) => {
                    let text = read::text(&full, read::YAML).map_err(|e| {
                        e.into_input(|what| {
                            let field = if learner { "learner" } else { "path" };
                            self.src.error(
                                &[&path[..], &[PathSeg::key(field)]].concat(),
                                format!("cannot read manifest {}: {what}", full.display()),
                            )
                        })
                    })?;
                    digest.update(text.as_bytes());
                    manifests.extend(crate::manifest::load_str(
                        &text,
                        &full.display().to_string(),
                    )?);
                }
                (None, Some(value)) if entry.path.is_none() && entry.learner.is_none() => {
                    let inline_path = [&path[..], &[PathSeg::key("inline")]].concat();
                    crate::manifest::load_value(
                        value,
                        self.located,
                        self.src.file,
                        &inline_path,
                        &mut manifests,
                    )?;
                }
                _ => {
                    return Err(self.src.error(
                        &path,
                        "each manifests entry needs exactly one of `path:`, `inline:` or `learner: true`",
                    ))
                }
            }
        }
        Ok(manifests)
    }
}

/// `spec.schedulerConfiguration`: a `KubeSchedulerConfiguration` inline or in a file.
fn scheduler_configuration(
    entry: &ManifestEntry,
    src: Source<'_>,
    base_dir: &Path,
    digest: &mut Sha256,
) -> Result<crate::scheduler::config::Configuration, InputError> {
    let field = [PathSeg::key("spec"), PathSeg::key("schedulerConfiguration")];
    match (&entry.path, &entry.inline) {
        (None, Some(value)) => {
            let prefix = [&field[..], &[PathSeg::key("inline")]].concat();
            let inline = Source {
                file: src.file,
                located: src.located,
                prefix: &prefix,
            };
            crate::scheduler::config::parse(value, inline)
        }
        (Some(rel), None) => {
            let full = base_dir.join(rel);
            let shown = full.display().to_string();
            let text = read::text(&full, read::YAML).map_err(|e| {
                e.into_input(|what| {
                    let path = [&field[..], &[PathSeg::key("path")]].concat();
                    src.error(
                        &path,
                        format!("cannot read scheduler configuration {shown}: {what}"),
                    )
                })
            })?;
            digest.update(text.as_bytes());
            let docs = yaml::parse_documents(&text)
                .map_err(|e| InputError::at(&shown, e.pos.line, e.pos.column, e.message))?;
            let [doc] = docs.as_slice() else {
                return Err(InputError::file(
                    &shown,
                    "a scheduler configuration file holds exactly one document",
                ));
            };
            let file_src = Source {
                file: &shown,
                located: &doc.located,
                prefix: &[],
            };
            crate::scheduler::config::parse(&doc.value, file_src)
        }
        _ => Err(src.error(
            &field,
            "schedulerConfiguration needs exactly one of `path:` or `inline:`",
        )),
    }
}

fn hex_digest(digest: Sha256) -> String {
    let bytes = digest.finalize();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Parses a Go-style duration field (`45s`, `1m30s`); negative or malformed values are errors.
pub(super) fn parse_duration_field(
    text: &str,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<SimDuration, InputError> {
    let nanos = GoDuration::parse(text)
        .map(GoDuration::as_nanos)
        .map_err(|e| {
            src.error(path, e.to_string()).with_hint(Some(
                "write durations like 45s, 1m30s, 2h or 500ms".to_string(),
            ))
        })?;
    if nanos < 0 {
        return Err(src
            .error(
                path,
                format!("invalid duration \"{text}\": must not be negative"),
            )
            .with_hint(Some(
                "durations count from the start of the simulation, so they are 0 or more"
                    .to_string(),
            )));
    }
    Ok(SimDuration::from_millis((nanos / 1_000_000) as u64))
}

/// Parses an instant within the scenario (`at:` fields): a duration no later than its end.
fn parse_instant(
    text: &str,
    src: Source<'_>,
    path: &[PathSeg],
    duration: SimDuration,
) -> Result<SimTime, InputError> {
    let offset = parse_duration_field(text, src, path)?;
    if offset > duration {
        return Err(src
            .error(
                path,
                format!("{text} is after the end of the scenario ({duration})"),
            )
            .with_hint(Some(
                "raise spec.duration or move this entry earlier".to_string(),
            )));
    }
    Ok(SimTime::ZERO + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_manifest_runs_on_the_default_cluster() {
        let s = load_str(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: nginx}]}\n",
            "web.yaml",
            Path::new("."),
        )
        .unwrap();
        assert_eq!(s.name, "web");
        assert_eq!(
            s.nodes
                .iter()
                .map(|n| n.meta.name.as_str())
                .collect::<Vec<_>>(),
            ["controlplane", "node01", "node02"]
        );
        assert_eq!(s.duration, DEFAULT_DURATION);
        assert!(s.digest.starts_with("sha256:"));
    }

    #[test]
    fn scenario_errors_are_located() {
        let text = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  duration: -5s\n";
        let e = load_str(text, "s.yaml", Path::new(".")).unwrap_err();
        assert_eq!(
            e.to_string().lines().next().unwrap(),
            "s.yaml:5:3: invalid duration \"-5s\": must not be negative"
        );
        let text = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  nodez: []\n";
        let e = load_str(text, "s.yaml", Path::new(".")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("s.yaml:5:3: unknown field \"nodez\" in Scenario spec"),
            "{e}"
        );
        let text = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  duration: 1m\n  expect:\n  - {at: 2m, pod: web, phase: Running}\n";
        let e = load_str(text, "s.yaml", Path::new(".")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("s.yaml:7:6: 2m is after the end of the scenario (1m0s)"),
            "{e}"
        );
    }

    #[test]
    fn learner_entries_read_the_given_file_and_stand_alone() {
        let dir = std::env::temp_dir().join(format!("kubesim-learner-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mine = dir.join("mine.yaml");
        std::fs::write(
            &mine,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: nginx}]}\n",
        )
        .unwrap();
        let text = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  manifests:\n  - learner: true\n";
        let s = load_str_with_learner(text, "s.yaml", Path::new("."), Some(&mine)).unwrap();
        assert_eq!(s.manifests.len(), 1);
        assert_eq!(s.learner, Some(mine.display().to_string()));
        assert_eq!(
            load_str(
                text.replace(
                    "  - learner: true\n",
                    "  - inline: {apiVersion: v1, kind: Namespace, metadata: {name: dev}}\n"
                )
                .as_str(),
                "s.yaml",
                Path::new(".")
            )
            .unwrap()
            .learner,
            None
        );
        let both = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  manifests:\n  - {learner: true, path: a.yaml}\n";
        let e = load_str_with_learner(both, "s.yaml", Path::new("."), Some(&mine)).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "s.yaml:6:5: each manifests entry needs exactly one of `path:`, `inline:` or `learner: true`"
            ),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
