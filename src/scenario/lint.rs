//! Warnings before the run, for the mistakes that are valid Kubernetes but rarely what the
//! author meant: a container whose command exits at once under `restartPolicy: Always`, a
//! probe on a port nothing listens on, requests no node can hold, a Service selecting nothing.
//!
//! Each names the object's file and line and says what will happen and what to change. They
//! never stop the run: a learner may be reproducing the mistake on purpose.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Action, Scenario};
use crate::kubelet::behaviour::{self, Ctx, Fs, Process, Server, Step, World};
use crate::manifest::{Manifest, Object};
use crate::model::pod::{Probe, ProbeHandler, RestartPolicy};
use crate::model::resources::Resources;
use crate::model::{Container, PodSpec};

/// How long a container's process is played to see whether it stays up and what it listens on.
const HORIZON_MS: u64 = 60_000;
/// A process that exits sooner than this under `restartPolicy: Always` "exits at once".
const EXITS_AT_ONCE_MS: u64 = 10_000;

/// The warnings for a scenario, in the order its objects appear.
pub fn warnings(scenario: &Scenario) -> Vec<String> {
    let manifests = manifests(scenario);
    let pods: Vec<PodOf> = manifests.iter().filter_map(|m| pod_of(m)).collect();
    let mut out = Vec::new();
    let largest = largest_allocatable(scenario);
    for pod in &pods {
        if scenario
            .behaviours
            .iter()
            .any(|b| b.pod.as_deref() == Some(pod.name.as_str()))
        {
            continue; // the scenario says what its containers do
        }
        let stated_image = |c: &Container| {
            scenario
                .behaviours
                .iter()
                .any(|b| b.image.as_deref() == Some(c.image.as_str()))
        };
        let runs: Vec<(&Container, Run)> = pod
            .spec
            .containers
            .iter()
            .filter(|c| !stated_image(c))
            .map(|c| (c, Run::of(c, &pod.namespace, &pod.name)))
            .collect();
        let where_ = format!("{}: {} {}", pod.origin, pod.kind, pod.name);
        for (c, run) in &runs {
            if let (RestartPolicy::Always, Some((code, ms))) = (pod.spec.restart_policy, run.exit) {
                if ms < EXITS_AT_ONCE_MS {
                    out.push(format!(
                        "{where_}: container {} exits with code {code} after {}s (it runs `{}`); under restartPolicy Always it is restarted again and again and ends in CrashLoopBackOff. Give it a command that keeps running (for example `sleep 3600`), or use restartPolicy Never or OnFailure for a one-off task.",
                        c.name,
                        ms / 1000,
                        run.argv.join(" ")
                    ));
                }
            }
        }
        let listening: BTreeSet<u16> = runs.iter().flat_map(|(_, r)| r.ports.clone()).collect();
        let known =
            runs.len() == pod.spec.containers.len() && runs.iter().all(|(_, r)| !r.unsupported);
        for c in &pod.spec.containers {
            for (kind, probe) in [
                ("livenessProbe", &c.liveness_probe),
                ("readinessProbe", &c.readiness_probe),
                ("startupProbe", &c.startup_probe),
            ] {
                let Some(probe) = probe else { continue };
                let (field, port) = match &probe.handler {
                    ProbeHandler::HttpGet { port, .. } => ("httpGet", port),
                    ProbeHandler::TcpSocket { port, .. } => ("tcpSocket", port),
                    _ => continue,
                };
                if let Some(problem) = probe_port_problem(port, c, &listening, known) {
                    out.push(format!(
                        "{where_}: container {}: {kind}.{field}.port {port}: {problem}; the probe will fail{}.",
                        c.name,
                        if kind == "readinessProbe" {
                            " and the pod never becomes Ready"
                        } else {
                            " and the kubelet will restart the container"
                        }
                    ));
                }
            }
        }
        out.extend(too_big(&where_, &pod.spec, &largest));
    }
    out.extend(lonely_services(&manifests, &pods));
    out
}

/// A pod, or a workload's pod template, as the lint sees it.
struct PodOf {
    origin: String,
    /// `pod`, `deployment`...: how the warning names it.
    kind: String,
    name: String,
    namespace: String,
    spec: PodSpec,
    labels: BTreeMap<String, String>,
}

/// A scenario's manifests and those its timeline applies, in the order they appear.
fn manifests(scenario: &Scenario) -> Vec<&Manifest> {
    scenario
        .manifests
        .iter()
        .chain(scenario.timeline.iter().flat_map(|e| match &e.action {
            Action::Apply { manifests, .. } => manifests.iter().collect(),
            _ => Vec::new(),
        }))
        .collect()
}

/// The pods and pod templates among a scenario's manifests (see [`manifests`]).
fn pods(scenario: &Scenario) -> Vec<PodOf> {
    manifests(scenario).into_iter().filter_map(pod_of).collect()
}

/// A container's probes, by the name the kubelet's events give them.
fn probes(c: &Container) -> [(&'static str, &Option<Probe>); 3] {
    [
        ("liveness", &c.liveness_probe),
        ("readiness", &c.readiness_probe),
        ("startup", &c.startup_probe),
    ]
}

/// The distinct `periodSeconds` of every probe in the scenario's pods and pod templates, in
/// milliseconds, smallest first: the ticks a probe result can race on (`kubesim validate`).
pub fn probe_periods_ms(scenario: &Scenario) -> Vec<u64> {
    let periods: BTreeSet<u64> = pods(scenario)
        .iter()
        .flat_map(|pod| pod.spec.containers.iter().chain(&pod.spec.init_containers))
        .flat_map(|c| probes(c).map(|(_, probe)| probe))
        .flatten()
        .map(|probe| u64::try_from(probe.period_seconds).unwrap_or_default() * 1000)
        .collect();
    periods.into_iter().collect()
}

/// The first exec probe whose command the interpreter cannot play, if any, in the order the
/// scenario's objects appear: the probe, its container, the pod (or pod template) and the
/// command, and why. Its simulated outcome would be made up (the prober counts it a failure).
pub fn uninterpretable_probe(scenario: &Scenario) -> Option<String> {
    pods(scenario).iter().find_map(|pod| {
        let containers = pod.spec.containers.iter().chain(&pod.spec.init_containers);
        containers.into_iter().find_map(|c| {
            probes(c).into_iter().find_map(|(which, probe)| {
                let probe = probe.as_ref()?;
                let ProbeHandler::Exec { command } = &probe.handler else {
                    return None;
                };
                let mut fs = Fs::for_container(&pod.namespace, &pod.name, &c.image);
                let timeout_ms = u64::try_from(probe.timeout_seconds).unwrap_or(1) * 1000;
                let run = behaviour::run_to_completion(
                    command.clone(),
                    c.env.clone(),
                    &mut fs,
                    &Alone,
                    0,
                    timeout_ms,
                );
                let behaviour::ProbeRun::Unsupported(why) = run else {
                    return None;
                };
                Some(format!(
                    "the {which} probe of container {} of {} {}/{}: its command `{}` cannot be simulated: {why}",
                    c.name,
                    pod.kind,
                    pod.namespace,
                    pod.name,
                    shlex::try_join(command.iter().map(String::as_str)).unwrap_or_else(|_| command.join(" "))
                ))
            })
        })
    })
}

/// The command a container of the pod `namespace/pod` runs (its image's ENTRYPOINT/CMD resolved
/// as the simulator does; words with spaces quoted), from the scenario's Pod of that name or the pod template whose
/// pods' names begin with the template's owner's (`web-7f87b594f7-x5kq9` from Deployment
/// `web`).
pub fn container_command(
    scenario: &Scenario,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Option<String> {
    let pods = pods(scenario);
    let owner = |of: &PodOf| match of.kind.as_str() {
        "pod" => of.name == pod,
        _ => pod.starts_with(&format!("{}-", of.name)),
    };
    let of = pods
        .iter()
        .find(|of| of.namespace == namespace && owner(of))?;
    let c = of
        .spec
        .containers
        .iter()
        .chain(&of.spec.init_containers)
        .find(|c| c.name == container)?;
    let argv = behaviour::catalogue::argv(&c.image, &c.command, &c.args);
    let words: Vec<String> = argv
        .iter()
        .map(
            |arg| match arg.is_empty() || arg.contains(char::is_whitespace) {
                true => format!("{arg:?}"),
                false => arg.clone(),
            },
        )
        .collect();
    Some(words.join(" "))
}

fn pod_of(m: &Manifest) -> Option<PodOf> {
    match &m.object {
        Object::Pod(p) => Some(PodOf {
            origin: m.origin.clone(),
            kind: "pod".into(),
            name: p.metadata.name.clone().unwrap_or_default(),
            namespace: p
                .metadata
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into()),
            spec: p.spec.clone(),
            labels: p.metadata.labels.clone().unwrap_or_default(),
        }),
        Object::Stored(s) => {
            let template = s.body.pointer("/spec/template")?;
            let api: k8s_openapi::api::core::v1::PodTemplateSpec =
                serde_json::from_value(template.clone()).ok()?;
            let spec = crate::manifest::pod_from_template(&api.spec?, &s.name).ok()?;
            Some(PodOf {
                origin: m.origin.clone(),
                kind: s.kind.to_ascii_lowercase(),
                name: s.name.clone(),
                namespace: s.namespace.clone().unwrap_or_else(|| "default".into()),
                spec,
                labels: api.metadata.and_then(|m| m.labels).unwrap_or_default(),
            })
        }
        _ => None,
    }
}

/// What a container's process does in its first minute, alone (no Services resolve).
struct Run {
    argv: Vec<String>,
    /// Exit code and when, if it exits.
    exit: Option<(i32, u64)>,
    ports: BTreeSet<u16>,
    /// The interpreter could not tell what it does.
    unsupported: bool,
}

/// A world in which no name resolves: nothing else runs yet.
struct Alone;

impl World for Alone {
    fn resolve(&self, _name: &str) -> Option<String> {
        None
    }
}

impl Run {
    fn of(c: &Container, namespace: &str, pod: &str) -> Run {
        let argv = behaviour::catalogue::argv(&c.image, &c.command, &c.args);
        let mut process = Process::spawn(argv.clone(), c.env.clone());
        let mut fs = Fs::for_container(namespace, pod, &c.image);
        let (mut output, mut listening, mut memory) =
            (Vec::new(), BTreeMap::<u16, Server>::new(), 0);
        let mut elapsed = 0;
        let mut exit = None;
        while elapsed <= HORIZON_MS {
            let mut ctx = Ctx {
                fs: &mut fs,
                world: &Alone,
                output: &mut output,
                errors: None,
                listening: &mut listening,
                memory: &mut memory,
                now_ms: elapsed,
            };
            elapsed += match process.resume(&mut ctx) {
                Step::Exit { code } => {
                    exit = Some((code, elapsed));
                    break;
                }
                Step::Forever { .. } => break,
                Step::Sleep { ms } | Step::Allocate { ms, .. } => ms.max(1),
            };
        }
        Run {
            argv,
            exit,
            ports: listening.keys().copied().collect(),
            unsupported: process.unsupported().is_some(),
        }
    }
}

/// Why a probe's port will not answer, if it will not: a name no container port has, or a
/// number nothing in the pod listens on (when the pod's processes are all known).
fn probe_port_problem(
    port: &str,
    c: &Container,
    listening: &BTreeSet<u16>,
    known: bool,
) -> Option<String> {
    let number = match port.parse::<u16>() {
        Ok(n) => n,
        Err(_) => match c.ports.iter().find(|p| p.name.as_deref() == Some(port)) {
            Some(named) => named.container_port as u16,
            None => return Some(format!("container {} has no port named {port}", c.name)),
        },
    };
    if !known || listening.contains(&number) {
        return None;
    }
    let heard: Vec<String> = listening.iter().map(u16::to_string).collect();
    Some(match heard.is_empty() {
        true => "nothing in the pod listens on a port".to_string(),
        false => format!(
            "nothing in the pod listens on {number} (it listens on {})",
            heard.join(", ")
        ),
    })
}

/// The most any one node can give, per resource.
fn largest_allocatable(scenario: &Scenario) -> Resources {
    let mut largest = Resources::default();
    for node in &scenario.nodes {
        let a = node.allocatable_resources();
        largest.milli_cpu = largest.milli_cpu.max(a.milli_cpu);
        largest.memory = largest.memory.max(a.memory);
    }
    largest
}

/// A pod asking for more CPU or memory than any node has.
fn too_big(where_: &str, spec: &PodSpec, largest: &Resources) -> Vec<String> {
    let asked = spec.requests();
    let mut out = Vec::new();
    if largest.memory > 0 && asked.memory > largest.memory {
        out.push(format!(
            "{where_}: requests {} of memory, more than any node can give (the largest allocatable is {}); it will stay Pending. Lower resources.requests.memory or add a bigger node.",
            mebibytes(asked.memory),
            mebibytes(largest.memory)
        ));
    }
    if largest.milli_cpu > 0 && asked.milli_cpu > largest.milli_cpu {
        out.push(format!(
            "{where_}: requests {}m of CPU, more than any node can give (the largest allocatable is {}m); it will stay Pending. Lower resources.requests.cpu or add a bigger node.",
            asked.milli_cpu, largest.milli_cpu
        ));
    }
    out
}

/// Bytes in the largest binary unit that divides them (`8Gi`, `1536Mi`).
fn mebibytes(bytes: i64) -> String {
    let mi = bytes / (1024 * 1024);
    match mi % 1024 {
        0 => format!("{}Gi", mi / 1024),
        _ => format!("{mi}Mi"),
    }
}

/// Services whose selector matches no pod or pod template of the scenario.
fn lonely_services(manifests: &[&Manifest], pods: &[PodOf]) -> Vec<String> {
    let mut out = Vec::new();
    for m in manifests {
        let Object::Stored(s) = &m.object else {
            continue;
        };
        if s.kind != "Service" {
            continue;
        }
        let Some(selector) = s.body.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        if selector.is_empty() {
            continue;
        }
        let ns = s.namespace.clone().unwrap_or_else(|| "default".into());
        let matches = |labels: &BTreeMap<String, String>| {
            selector
                .iter()
                .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
        };
        if pods.iter().any(|p| p.namespace == ns && matches(&p.labels)) {
            continue;
        }
        let text: Vec<String> = selector
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        out.push(format!(
            "{}: service {} selects {}, which no pod or pod template in the scenario carries; its endpoints stay empty. Check the selector against the pods' labels.",
            m.origin,
            s.name,
            text.join(",")
        ));
    }
    out
}
