//! `kubesim explain pod`'s story: the pod's current state and the chain of records that led to
//! it, walked back through the trace's cause links and told in plain words, the same facts as
//! the trace (times, messages, exit codes).

use std::fmt::Write as _;

use crate::apiserver::tables::pods::pod_row;
use crate::engine::SimTime;
use crate::kubelet::service_named_by;
use crate::model::{ContainerState, Pod};
use crate::sim::Simulation;
use crate::trace::causes::{is_container_state, Causes};
use crate::trace::{Body, Change, Record};

/// How far back a story goes at most.
const MAX_STEPS: usize = 12;

/// The pod's state at `now` and why, from the trace `records` of the run that reached it.
pub fn pod_story(sim: &Simulation, pod: &Pod, records: &[Record], now: SimTime) -> String {
    let row = pod_row(pod, now);
    let mut out = String::new();
    let restarts = pod.status.restarts();
    let _ = writeln!(
        out,
        "Pod {}/{} at {now}: {}, {} ready, {restarts} restart{}.",
        pod.meta.namespace,
        pod.meta.name,
        row.status,
        row.ready,
        if restarts == 1 { "" } else { "s" },
    );
    let causes = Causes::new(records);
    let about_pod = |r: &&Record| {
        r.object.kind == "Pod"
            && r.object.namespace == pod.meta.namespace
            && r.object.name == pod.meta.name
    };
    // The latest record of the pod that says something (its current state, mostly).
    let Some(anchor) = records
        .iter()
        .rev()
        .filter(about_pod)
        .find(|r| sentence(r, pod, None).is_some())
        .or_else(|| records.iter().rev().find(about_pod))
    else {
        return out;
    };
    // A restarted container's story starts at its last start before the anchor; a first run's
    // goes back to the pod's creation and what created it (a controller, a kubectl command).
    let container = container_of(anchor);
    // The container's current run began with its last start before the anchor.
    let run_start = container.and_then(|c| {
        records
            .iter()
            .rev()
            .filter(about_pod)
            .filter(|r| r.seq < anchor.seq)
            .find(|r| is_container_state(r, c, "running"))
    });
    let restarted = run_start.filter(|r| {
        matches!(r.body, Body::Change(Change::Container { restart_count, .. }) if restart_count > 0)
    });
    let mut chain = causes.chain(anchor, MAX_STEPS, |r| {
        restarted.is_some_and(|s| r.seq <= s.seq)
    });
    // A cause from before the container's last start belongs to an earlier run: the story of
    // this run begins at that start.
    if let Some(start) = restarted {
        if let Some(i) = chain.iter().position(|r| r.seq < start.seq) {
            chain.truncate(i);
            chain.push(start);
        }
    }
    // What the same step did just before each link: the exit before a CrashLoopBackOff, the
    // probe failure that reached the threshold before a kill.
    let mut chain: Vec<&Record> = chain
        .iter()
        .flat_map(|&record| {
            let mut step = vec![record];
            if let Some(cause) = causes.cause_of(record) {
                let siblings = causes.effects_of(cause).into_iter().rev().filter(|s| {
                    s.seq < record.seq
                        && s.t == record.t
                        && about_pod(s)
                        && sentence(s, pod, None).is_some()
                        && !chain.iter().any(|c| c.seq == s.seq)
                });
                step.extend(siblings);
            }
            step
        })
        .collect();
    // The run's start is told even when the links pass it by (a probe's failures link to the
    // prober, started with the pod).
    if let Some(start) = run_start.filter(|s| !chain.iter().any(|r| r.seq == s.seq)) {
        let at = chain
            .iter()
            .position(|r| r.seq < start.seq)
            .unwrap_or(chain.len());
        chain.insert(at, start);
    }
    // The story of a first run goes back to the pod's creation, even where the links pass it
    // by (pods applied together are scheduled by one shared step).
    let created =
        |r: &&Record| about_pod(r) && matches!(r.body, Body::Change(Change::Created { .. }));
    if restarted.is_none() && !chain.iter().any(created) {
        chain.extend(records.iter().rev().find(created));
    }
    // The latest refusal of the image is the root of an image pull back-off: what came before
    // only repeats it.
    let refused = |r: &&Record| matches!(&r.body, Body::Event(e) if e.message.starts_with("Failed to pull image"));
    if let Some(i) = chain.iter().position(refused) {
        chain.truncate(i + 1);
    }
    out.push_str("\nWhy (latest first; each line follows from the one below it):\n");
    // Each sentence may read the last one told before it (the kill before an exit; the
    // replacement's routine pull and start in between tell nothing).
    let mut previous: Option<&Record> = None;
    let mut lines = Vec::new();
    for record in chain.iter().rev() {
        if let Some(text) = sentence(record, pod, previous) {
            lines.push((record.time.clone(), text));
            previous = Some(record);
        }
    }
    lines.reverse();
    let lines = collapse(lines);
    let width = lines.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    for (time, text) in lines {
        let _ = writeln!(out, "  {time:>width$}  {text}");
    }
    if let Some(next) = waiting_note(sim, pod) {
        let _ = writeln!(out, "\n{next}");
    }
    out
}

/// Runs of the same sentence (a back-off repeating) told once, with how often and since when.
fn collapse(lines: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String, usize, String)> = Vec::new();
    for (time, text) in lines {
        match out.last_mut() {
            Some((_, last, count, first)) if *last == text => {
                *count += 1;
                *first = time;
            }
            _ => out.push((time.clone(), text, 1, time)),
        }
    }
    out.into_iter()
        .map(|(time, text, count, first)| match count {
            1 => (time, text),
            n => (time, format!("{text} ({n} times since {first})")),
        })
        .collect()
}

/// The container a record is about: a container change, or an event with its field path.
fn container_of(record: &Record) -> Option<&str> {
    match &record.body {
        Body::Change(Change::Container { name, .. }) => Some(name),
        Body::Event(e) => e
            .field_path
            .as_deref()
            .and_then(|p| p.split_once('{'))
            .and_then(|(_, rest)| rest.strip_suffix('}')),
        _ => None,
    }
}

/// One record in plain words, or `None` for those that add nothing to the story (conditions,
/// routine pulls). `earlier` is the last record told before it in the chain.
fn sentence(record: &Record, pod: &Pod, earlier: Option<&Record>) -> Option<String> {
    let own = record.object.kind == "Pod" && record.object.name == pod.meta.name;
    match &record.body {
        Body::Change(Change::Container {
            name,
            init,
            state,
            reason,
            exit_code,
            restart_count,
            ready,
        }) => {
            let kind = if *init { "init container" } else { "container" };
            let again = match restart_count {
                0 => String::new(),
                n => format!(" again (restart {n})"),
            };
            Some(match (state.as_str(), reason.as_deref()) {
                ("running", _) if *init && !*ready => format!("{kind} {name} is running{again}"),
                ("running", _) if *ready => format!("{kind} {name} is running{again} and ready"),
                ("running", _) => format!("{kind} {name} is running{again}, not ready"),
                ("terminated", reason) => {
                    let code = exit_code.unwrap_or(0);
                    let reason = reason.unwrap_or("Terminated");
                    format!(
                        "{kind} {name} exited with code {code} ({reason}){}",
                        exit_meaning(code, reason, name, pod, record, earlier)
                    )
                }
                ("waiting", Some("CrashLoopBackOff")) => format!(
                    "{kind} {name} waits in CrashLoopBackOff: the kubelet backs off before restarting a container that keeps failing"
                ),
                ("waiting", Some(reason @ ("ErrImagePull" | "ImagePullBackOff"))) => {
                    format!("{kind} {name} waits in {reason}: its image cannot be pulled")
                }
                // Every container waits so until its turn comes: nothing to explain.
                ("waiting", Some("ContainerCreating" | "PodInitializing")) => return None,
                ("waiting", Some(reason)) => format!("{kind} {name} is waiting ({reason})"),
                (state, _) => format!("{kind} {name} is {state}"),
            })
        }
        Body::Change(Change::Created { .. }) if own => Some(match &pod.meta.owner {
            Some(owner) => format!("the pod was created by {} {}", owner.kind, owner.name),
            None => "the pod was created".to_string(),
        }),
        Body::Change(Change::Bound { node, .. }) if own => {
            Some(format!("the scheduler assigned it to {node}"))
        }
        Body::Change(Change::DeletionRequested {
            grace_period_seconds,
        }) if own => Some(format!(
            "its deletion was requested, with a {grace_period_seconds}s grace period"
        )),
        Body::Change(Change::Phase { phase }) if own && phase != "Running" => {
            Some(format!("the pod's phase became {phase}"))
        }
        Body::Change(Change::Command { command, output }) => {
            Some(command_sentence(&record.object.name, command, output))
        }
        Body::Change(Change::Note { container, note }) => {
            Some(format!("note on {container}: {note}"))
        }
        Body::Event(e) => match e.reason.as_str() {
            // Routine steps the container changes already tell.
            "Pulling" | "Pulled" | "Created" | "Started" | "BackOff" | "Scheduled" => None,
            "Killing" => Some(format!("the kubelet stopped it: {}", e.message)),
            _ => Some(format!("{} ({}): {}", e.reason, e.source, e.message)),
        },
        _ => None,
    }
}

/// What an exit code tells, for a learner: a signal's number, the OOM killer and the limit, or
/// how long after the kubelet's stop it came.
fn exit_meaning(
    code: i32,
    reason: &str,
    container: &str,
    pod: &Pod,
    record: &Record,
    earlier: Option<&Record>,
) -> String {
    if reason == "OOMKilled" {
        let limit = pod
            .spec
            .containers
            .iter()
            .chain(&pod.spec.init_containers)
            .find(|c| c.name == container)
            .and_then(|c| c.resources.limits.get("memory"));
        return match limit {
            Some(limit) => format!(
                ": the kernel's OOM killer stopped it when its memory went over its {limit} limit"
            ),
            None => ": the kernel's OOM killer stopped it".to_string(),
        };
    }
    let killed_after = earlier
        .filter(|e| matches!(&e.body, Body::Event(ev) if ev.reason == "Killing"))
        .map(|e| (record.t - e.t) / 1000);
    let grace = pod.spec.termination_grace_period_seconds;
    match (code, killed_after) {
        (137, Some(s)) if s >= 1 => format!(
            ": 137 = 128 + 9, SIGKILL; its process ignored SIGTERM, so it was killed when the {grace}s grace period ran out"
        ),
        (137, _) => ": 137 = 128 + 9, killed by SIGKILL".to_string(),
        (143, _) => ": 143 = 128 + 15, it exited on SIGTERM".to_string(),
        (0, _) => String::new(),
        (code, _) => format!(": its process exited with {code}"),
    }
}

/// What the pod waits for now: a back-off to run out, or an init container to finish (and the
/// missing Service its `nslookup` loop waits for).
fn waiting_note(sim: &Simulation, pod: &Pod) -> Option<String> {
    let init_running = pod.status.init_container_statuses.iter().find(|s| {
        matches!(s.state, ContainerState::Running { .. })
            && !pod
                .spec
                .init_containers
                .iter()
                .any(|c| c.name == s.name && c.restart_policy_always)
    });
    if let Some(status) = init_running {
        let spec = pod
            .spec
            .init_containers
            .iter()
            .find(|c| c.name == status.name)?;
        let command: Vec<&str> = spec
            .command
            .iter()
            .chain(&spec.args)
            .map(String::as_str)
            .collect();
        let mut note = format!(
            "Now: init container {} is running `{}`; the next containers start only once it exits with code 0.",
            status.name,
            command.join(" ")
        );
        if let Some(missing) = missing_service(sim, pod, &status.name) {
            note.push_str(&missing);
        }
        return Some(note);
    }
    pod.status
        .init_container_statuses
        .iter()
        .chain(&pod.status.container_statuses)
        .find_map(|s| match (&s.state, &s.last_state) {
            (
                ContainerState::Waiting {
                    reason,
                    message: Some(message),
                },
                _,
            ) if reason == "CrashLoopBackOff" || reason == "ImagePullBackOff" => {
                Some(format!("Now: {message}."))
            }
            _ => None,
        })
}

/// The Service a running container's last `nslookup` could not resolve, when that Service
/// still does not exist: what an `until nslookup myservice...; do sleep 2; done` loop waits for.
fn missing_service(sim: &Simulation, pod: &Pod, container: &str) -> Option<String> {
    let id = sim.state.pod_id(&pod.meta.namespace, &pod.meta.name)?;
    let log = sim.kubelets().logs(pod, id, container, false).ok()?;
    let host = log.iter().rev().find_map(|line| {
        line.strip_prefix("nslookup: can't resolve '")?
            .strip_suffix('\'')
    })?;
    let (service, namespace) = service_named_by(host, &pod.meta.namespace);
    let key = (
        "Service".to_string(),
        namespace.to_string(),
        service.to_string(),
    );
    if sim.state.objects.contains_key(&key) || (service, namespace) == ("kubernetes", "default") {
        return None;
    }
    Some(format!(
        " It waits for Service \"{service}\", which does not exist in namespace \"{namespace}\": its last `nslookup {host}` failed."
    ))
}

/// The node's state at `now` and what led to it: its own records (conditions, events) and the
/// commands that named it, latest first; then what runs on it.
pub fn node_story(
    state: &crate::model::ClusterState,
    node: &crate::model::Node,
    records: &[Record],
    now: SimTime,
) -> String {
    let name = &node.meta.name;
    let mut out = String::new();
    let status = crate::apiserver::tables::node_status(node);
    let _ = writeln!(out, "Node {name} at {now}: {status}.");
    if let Some(ready) = node.conditions.iter().find(|c| c.type_ == "Ready") {
        let _ = writeln!(
            out,
            "  Ready={} since {} ({}): {}",
            ready.status, ready.last_transition, ready.reason, ready.message
        );
    }
    for taint in &node.taints {
        let _ = writeln!(out, "  taint {taint}");
    }
    let names_node = |r: &&Record| match &r.body {
        Body::Change(Change::Command { command, .. }) => command
            .split_whitespace()
            .any(|w| w == name || w == format!("node/{name}")),
        _ => r.object.kind == "Node" && r.object.name == *name,
    };
    let mut lines: Vec<(String, String)> = records
        .iter()
        .rev()
        .filter(names_node)
        .filter_map(|r| node_sentence(r).map(|text| (r.time.clone(), text)))
        .take(MAX_STEPS)
        .collect();
    lines = collapse(lines);
    if !lines.is_empty() {
        out.push_str("\nWhy (latest first):\n");
        let width = lines.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
        for (time, text) in lines {
            let _ = writeln!(out, "  {time:>width$}  {text}");
        }
    }
    let mut by_status: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (_, pod) in state.pods_on(name) {
        let row = pod_row(pod, now);
        by_status
            .entry(row.status)
            .or_default()
            .push(pod.meta.name.clone());
    }
    out.push_str("\nPods bound to it now:");
    if by_status.is_empty() {
        out.push_str(" none");
    }
    out.push('\n');
    for (status, pods) in by_status {
        let _ = writeln!(out, "  {status}: {}", pods.join(", "));
    }
    out
}

/// A timeline command and the first line it printed: `kubectl drain node01 → node/node01 cordoned`.
fn command_sentence(tool: &str, command: &str, output: &str) -> String {
    let printed = output.lines().next().map(|l| format!(" → {l}"));
    format!("{tool} {command}{}", printed.unwrap_or_default())
}

/// One record about a node in plain words: its Ready condition, its events, a command.
fn node_sentence(record: &Record) -> Option<String> {
    match &record.body {
        Body::Change(Change::Condition {
            type_,
            status,
            reason,
            message,
        }) if type_ == "Ready" => Some(format!(
            "Ready={status}{}{}",
            reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default(),
        )),
        Body::Change(Change::Created { .. }) => Some("the node joined the cluster".to_string()),
        Body::Change(Change::Deleted) => Some("the node was deleted".to_string()),
        Body::Change(Change::Command { command, output }) => {
            Some(command_sentence(&record.object.name, command, output))
        }
        Body::Event(e) => Some(format!("{} ({}): {}", e.reason, e.source, e.message)),
        _ => None,
    }
}
