//! Evaluating a scenario's `expect:` entries: the simulation is played through their instants
//! and each entry is compared with what the cluster shows then. `kubesim check` and `kubesim
//! exercise` print the outcome.

use crate::apiserver::tables::pods::pod_row;
use crate::engine::SimTime;
use crate::scenario::{Expectation, Subject};
use crate::sim::Simulation;

/// The first failure of an expectation: when, and what differed.
pub type Failure = Option<(SimTime, Vec<String>)>;

/// Plays the simulation through every expectation: an `at` entry is checked once, a `during`
/// entry after every event of its span. Returns each entry with its first failure, if any.
pub fn check_scenario<'e>(
    sim: &mut Simulation,
    expectations: &'e [Expectation],
) -> std::io::Result<Vec<(&'e Expectation, Failure)>> {
    let mut order: Vec<&Expectation> = expectations.iter().collect();
    order.sort_by_key(|e| e.at);
    let mut results: Vec<(&Expectation, Failure)> = Vec::new();
    let mut pending = order.into_iter().peekable();
    let mut active: Vec<&Expectation> = Vec::new();
    loop {
        let next_entry = pending.peek().map(|e| e.at);
        let next_event = (!active.is_empty())
            .then(|| sim.next_event_time())
            .flatten()
            .filter(|t| *t <= sim.end());
        let t = match (next_entry, next_event) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        // Spans that ended before `t` held at every instant they covered.
        active.retain(|e| {
            let open = e.until.is_some_and(|u| u >= t);
            if !open {
                results.push((e, None));
            }
            open
        });
        sim.run_until(t)?;
        while let Some(e) = pending.next_if(|e| e.at == t) {
            if e.until.is_some() {
                active.push(e);
            } else {
                results.push((e, evaluate(sim, e).err().map(|p| (t, p))));
            }
        }
        active.retain(|e| match evaluate(sim, e) {
            Err(problems) => {
                results.push((e, Some((t, problems))));
                false
            }
            Ok(()) => true,
        });
    }
    results.extend(active.into_iter().map(|e| (e, None)));
    Ok(results)
}

/// `pod default/web`, `deployment default/web`, `events Preempted`.
pub fn subject(e: &Expectation) -> String {
    match &e.subject {
        Subject::Pod(name) => format!("pod {}/{name}", e.namespace),
        Subject::Deployment(name) => format!("deployment {}/{name}", e.namespace),
        Subject::Job(name) => format!("job {}/{name}", e.namespace),
        Subject::DaemonSet(name) => format!("daemonset {}/{name}", e.namespace),
        Subject::Node(name) => format!("node {name}"),
        Subject::Endpoints(name) => format!("endpoints {}/{name}", e.namespace),
        Subject::Events { reason, .. } => format!("events {reason}"),
    }
}

/// What differs from the expectation, if anything, as "field: expected X, saw Y" items.
fn evaluate(sim: &Simulation, e: &Expectation) -> Result<(), Vec<String>> {
    let checks = match &e.subject {
        Subject::Pod(name) => pod_checks(sim, e, name)?,
        Subject::Deployment(name) => deployment_checks(sim, e, name)?,
        Subject::Job(name) => job_checks(sim, e, name)?,
        Subject::DaemonSet(name) => daemonset_checks(sim, e, name)?,
        Subject::Node(name) => {
            let node = sim.state.nodes().iter().find(|n| n.meta.name == *name);
            match presence(node, e, "node")? {
                None => Vec::new(),
                Some(node) => vec![(
                    "status",
                    e.status.clone(),
                    crate::apiserver::tables::node_status(node),
                )],
            }
        }
        Subject::Endpoints(name) => match stored(sim, e, "Endpoints", name, "endpoints")? {
            None => Vec::new(),
            Some(object) => vec![(
                "addresses",
                e.addresses.clone(),
                crate::controllers::endpoints::column(&object.body),
            )],
        },
        Subject::Events {
            reason,
            object,
            message,
            count,
        } => {
            let seen: u32 = sim
                .state
                .events()
                .iter()
                .filter(|ev| ev.reason == *reason)
                .filter(|ev| {
                    object.as_ref().is_none_or(|o| {
                        *o == format!(
                            "{}/{}",
                            ev.involved.kind.to_ascii_lowercase(),
                            ev.involved.name
                        )
                    })
                })
                .filter(|ev| {
                    message
                        .as_ref()
                        .is_none_or(|m| ev.message.contains(m.as_str()))
                })
                .map(|ev| ev.count)
                .sum();
            match count {
                Some(n) => vec![("count", Some(n.to_string()), seen.to_string())],
                None if seen == 0 => vec![("count", Some("at least 1".into()), "0".into())],
                None => Vec::new(),
            }
        }
    };
    let problems: Vec<String> = checks
        .into_iter()
        .filter_map(|(field, want, saw)| match want {
            Some(want) if want != saw => Some(format!("{field}: expected {want}, saw {saw}")),
            _ => None,
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

type Checks = Vec<(&'static str, Option<String>, String)>;

/// Whether the object's presence matches `exists`; `Ok(None)` when it is absent as expected.
fn presence<T>(found: Option<T>, e: &Expectation, what: &str) -> Result<Option<T>, Vec<String>> {
    let expect_gone = e.exists == Some(false);
    match (found, expect_gone) {
        (None, true) => Ok(None),
        (None, false) => Err(vec![format!(
            "expected the {what} to exist, but there is no such {what}"
        )]),
        (Some(_), true) => Err(vec![format!("expected no such {what}, but it exists")]),
        (Some(found), false) => Ok(Some(found)),
    }
}

/// The stored object of `kind` the expectation names, checked against `exists` as
/// [`presence`] does; `what` names it in messages.
fn stored<'s>(
    sim: &'s Simulation,
    e: &Expectation,
    kind: &str,
    name: &str,
    what: &str,
) -> Result<Option<&'s crate::model::cluster::StoredObject>, Vec<String>> {
    let key = (kind.to_string(), e.namespace.clone(), name.to_string());
    presence(sim.state.objects.get(&key), e, what)
}

fn pod_checks(sim: &Simulation, e: &Expectation, name: &str) -> Result<Checks, Vec<String>> {
    let id = sim.state.pod_id(&e.namespace, name);
    let Some(id) = presence(id, e, "pod")? else {
        return Ok(Vec::new());
    };
    let pod = sim.state.pod(id).expect("indexed pods exist");
    let row = pod_row(pod, sim.now());
    let node = pod
        .node_name
        .clone()
        .unwrap_or_else(|| "<none>".to_string());
    let unschedulable = pod
        .status
        .condition("PodScheduled")
        .filter(|c| c.status == "False")
        .and_then(|c| c.message.clone())
        .unwrap_or_else(|| "<none>".to_string());
    let nominated = pod
        .status
        .nominated_node_name
        .clone()
        .unwrap_or_else(|| "<none>".to_string());
    Ok(vec![
        (
            "phase",
            e.phase.clone(),
            pod.status.phase.as_str().to_string(),
        ),
        ("status", e.status.clone(), row.status),
        ("ready", e.ready.clone(), row.ready),
        (
            "restarts",
            e.restarts.map(|r| r.to_string()),
            pod.status.restarts().to_string(),
        ),
        ("node", e.node.clone(), node),
        ("unschedulable", e.unschedulable.clone(), unschedulable),
        ("nominated", e.nominated.clone(), nominated),
    ])
}

fn job_checks(sim: &Simulation, e: &Expectation, name: &str) -> Result<Checks, Vec<String>> {
    let Some(object) = stored(sim, e, "Job", name, "job")? else {
        return Ok(Vec::new());
    };
    let int = |path: &str| {
        object
            .body
            .pointer(path)
            .and_then(serde_json::Value::as_i64)
    };
    let completions = format!(
        "{}/{}",
        int("/status/succeeded").unwrap_or(0),
        int("/spec/completions").unwrap_or(1)
    );
    Ok(vec![
        (
            "status",
            e.status.clone(),
            crate::apiserver::tables::job_status(&object.body),
        ),
        ("completions", e.completions.clone(), completions),
        (
            "failed",
            e.failed.map(|f| f.to_string()),
            int("/status/failed").unwrap_or(0).to_string(),
        ),
    ])
}

fn daemonset_checks(sim: &Simulation, e: &Expectation, name: &str) -> Result<Checks, Vec<String>> {
    let Some(object) = stored(sim, e, "DaemonSet", name, "daemonset")? else {
        return Ok(Vec::new());
    };
    let status = |field: &str| {
        let value = object.body.pointer(&format!("/status/{field}"));
        value
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
            .to_string()
    };
    let want = |v: Option<i64>| v.map(|v| v.to_string());
    Ok(vec![
        ("desired", want(e.desired), status("desiredNumberScheduled")),
        ("ready", e.ready.clone(), status("numberReady")),
        (
            "upToDate",
            want(e.up_to_date),
            status("updatedNumberScheduled"),
        ),
        ("available", want(e.available), status("numberAvailable")),
    ])
}

fn deployment_checks(sim: &Simulation, e: &Expectation, name: &str) -> Result<Checks, Vec<String>> {
    let Some(object) = stored(sim, e, "Deployment", name, "deployment")? else {
        return Ok(Vec::new());
    };
    let int = |path: &str| {
        object
            .body
            .pointer(path)
            .and_then(serde_json::Value::as_i64)
    };
    let status = |field: &str| int(&format!("/status/{field}")).unwrap_or(0);
    let replicas = int("/spec/replicas").unwrap_or(1);
    let at_least = |min: Option<i64>, saw: i64| {
        (
            min.map(|m| format!("at least {m}")),
            if min.is_some_and(|m| saw >= m) {
                min.map(|m| format!("at least {m}")).unwrap_or_default()
            } else {
                saw.to_string()
            },
        )
    };
    let at_most = |max: Option<i64>, saw: i64| {
        (
            max.map(|m| format!("at most {m}")),
            if max.is_some_and(|m| saw <= m) {
                max.map(|m| format!("at most {m}")).unwrap_or_default()
            } else {
                saw.to_string()
            },
        )
    };
    let (min_want, min_saw) = at_least(e.min_available, status("availableReplicas"));
    let conditions = object
        .body
        .pointer("/status/conditions")
        .and_then(|c| c.as_array());
    let progressing = conditions
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"))
        .and_then(|c| c["reason"].as_str())
        .unwrap_or("<none>")
        .to_string();
    let (max_want, max_saw) = at_most(e.max_replicas, status("replicas"));
    Ok(vec![
        (
            "ready",
            e.ready.clone(),
            format!("{}/{replicas}", status("readyReplicas")),
        ),
        (
            "upToDate",
            e.up_to_date.map(|v| v.to_string()),
            status("updatedReplicas").to_string(),
        ),
        (
            "available",
            e.available.map(|v| v.to_string()),
            status("availableReplicas").to_string(),
        ),
        ("minAvailable", min_want, min_saw),
        ("maxReplicas", max_want, max_saw),
        ("progressing", e.progressing.clone(), progressing),
    ])
}
