//! Turning what changed in a pod during one event into trace records.

use std::collections::BTreeMap;

use crate::model::pod::ContainerStatus;
use crate::model::quantity::{Format, Quantity};
use crate::model::Resources;
use crate::model::{ContainerState, Event, Pod};
use crate::trace::{Change, EventBody};

/// The trace body of a Kubernetes Event occurrence.
pub(super) fn event_body(event: &Event) -> EventBody {
    EventBody {
        type_: event.type_.as_str().to_string(),
        reason: event.reason.clone(),
        message: event.message.clone(),
        source: event.source.to_string(),
        node: event.host.clone(),
        field_path: event.involved.field_path.clone(),
    }
}

/// A pod's effective requests as trace quantities: cpu in millicores (`250m`, `2`), memory in
/// bytes written the binary way when it divides (`64Mi`); zero ones left out.
fn requests_list(requests: Resources) -> BTreeMap<String, String> {
    let mut list = BTreeMap::new();
    if requests.milli_cpu != 0 {
        list.insert(
            "cpu".into(),
            Quantity::from_milli(requests.milli_cpu).to_string(),
        );
    }
    if requests.memory != 0 {
        let memory = Quantity::from_value(requests.memory, Format::BinarySI);
        list.insert("memory".into(), memory.to_string());
    }
    list
}

/// The changes between two states of a pod, in a fixed order: binding, deletion, phase,
/// conditions, then containers (init first).
pub(super) fn pod_changes(before: &Pod, after: &Pod) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.node_name != after.node_name {
        if let Some(node) = &after.node_name {
            changes.push(Change::Bound {
                node: node.clone(),
                requests: requests_list(after.spec.requests()),
            });
        }
    }
    if before.meta.deletion.is_none() && after.meta.deletion.is_some() {
        changes.push(Change::DeletionRequested {
            grace_period_seconds: after.meta.deletion_grace_period_seconds.unwrap_or(0),
        });
    }
    if before.status.nominated_node_name != after.status.nominated_node_name {
        changes.push(Change::Nominated {
            node: after.status.nominated_node_name.clone(),
        });
    }
    if before.status.phase != after.status.phase {
        changes.push(Change::Phase {
            phase: after.status.phase.as_str().to_string(),
        });
    }
    for condition in &after.status.conditions {
        if before.status.condition(&condition.type_) != Some(condition) {
            let old = before.status.condition(&condition.type_);
            let same_content = old.is_some_and(|o| {
                o.status == condition.status
                    && o.reason == condition.reason
                    && o.message == condition.message
            });
            if !same_content {
                changes.push(Change::Condition {
                    type_: condition.type_.clone(),
                    status: condition.status.clone(),
                    reason: condition.reason.clone(),
                    message: condition.message.clone(),
                });
            }
        }
    }
    let pairs = [
        (
            &before.status.init_container_statuses,
            &after.status.init_container_statuses,
            true,
        ),
        (
            &before.status.container_statuses,
            &after.status.container_statuses,
            false,
        ),
    ];
    for (old, new, init) in pairs {
        for status in new {
            let previous = old.iter().find(|s| s.name == status.name);
            // A run that ended and was already followed (by a restart or a back-off) within
            // the same instant is only visible as the new lastState: record its end first.
            if let Some(p) = previous {
                let ended_unseen = status.last_state != p.last_state
                    && status.last_state.as_ref() != Some(&p.state);
                if let (true, Some(last)) = (ended_unseen, &status.last_state) {
                    let mut ended = p.clone();
                    ended.state = last.clone();
                    ended.ready = false;
                    changes.push(container_change(&ended, init));
                }
            }
            if previous.is_none_or(|p| visible_difference(p, status)) {
                changes.push(container_change(status, init));
            }
        }
    }
    changes
}

fn visible_difference(a: &ContainerStatus, b: &ContainerStatus) -> bool {
    a.state != b.state || a.ready != b.ready || a.restart_count != b.restart_count
}

fn container_change(status: &ContainerStatus, init: bool) -> Change {
    let (state, reason, exit_code) = match &status.state {
        ContainerState::Waiting { reason, .. } => ("waiting", Some(reason.clone()), None),
        ContainerState::Running { .. } => ("running", None, None),
        ContainerState::Terminated {
            reason, exit_code, ..
        } => ("terminated", Some(reason.clone()), Some(*exit_code)),
    };
    Change::Container {
        name: status.name.clone(),
        init,
        state: state.to_string(),
        reason,
        exit_code,
        restart_count: status.restart_count,
        ready: status.ready,
    }
}
