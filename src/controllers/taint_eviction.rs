//! The taint-eviction controller: pods on a node with NoExecute taints are deleted at once when
//! they do not tolerate every one of them, and after the shortest `tolerationSeconds` of the
//! tolerations that match when they do (never when those have none). Whoever tainted the node
//! (`kubectl taint`, a node group, the node lifecycle controller, the cluster autoscaler), the
//! controller sees it the same way: it compares each node's NoExecute taints with the ones it
//! last handled, and it hears of every pod that is bound, changes its tolerations or goes away.
//! A scheduled eviction is cancelled, with an event, when the taints go or the pod does.

use std::collections::{BTreeMap, BTreeSet};

use super::Request;
use crate::engine::{SimDuration, SimTime};
use crate::model::node::{Node, Taint, TaintEffect};
use crate::model::pod::Toleration;
use crate::model::{ClusterState, Event, EventType, ObjectRef, Pod, PodCondition};

/// The controller's name, the source of its events.
// K8S: cmd/kube-controller-manager/app/core.go (startTaintEvictionController)
pub const TAINT_EVICTION_CONTROLLER: &str = "taint-eviction-controller";

/// A pod by namespace and name: upstream keys its work by `NamespacedName`, not by uid.
type PodKey = (String, String);

/// An eviction waiting for its instant.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    fire_at: SimTime,
    /// Its place in the order of scheduling, which breaks ties between equal instants.
    seq: u64,
}

/// The controller's view of the cluster and its queue of timed evictions.
// K8S: pkg/controller/tainteviction/taint_eviction.go (Controller), timed_workers.go
// (TimedWorkerQueue)
#[derive(Debug, Default)]
pub struct TaintEviction {
    /// Each node's NoExecute taints as last handled; nodes without any are absent.
    tainted: BTreeMap<String, Vec<Taint>>,
    /// Nodes whose NoExecute taints changed, or that were deleted, to handle at the next sync.
    node_updates: BTreeSet<String>,
    /// Pods bound, with new tolerations, or gone, with the node they are bound to, to handle
    /// after the node updates (upstream's workers empty the node queue first).
    pod_updates: Vec<(PodKey, Option<String>)>,
    scheduled: BTreeMap<PodKey, Scheduled>,
    /// The scheduled evictions by instant, then in the order they were scheduled.
    queue: BTreeMap<(SimTime, u64), PodKey>,
    /// Evictions whose instant came, to carry out at the next sync.
    due: Vec<(PodKey, u64)>,
    next_seq: u64,
}

/// How long a pod may stay on a node with a given set of NoExecute taints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tolerance {
    /// Some taint is not tolerated: the pod goes at once.
    Untolerated,
    /// Every taint is tolerated for this long (zero: the pod goes at once too).
    For(SimDuration),
    Forever,
}

/// For each taint the first toleration that matches it counts; the pod may stay as long as the
/// shortest `tolerationSeconds` among those (0 or less: not at all), forever when none of them
/// has one.
// K8S: pkg/apis/core/v1/helper/helpers.go (GetMatchingTolerations),
// pkg/controller/tainteviction/taint_eviction.go (getMinTolerationTime)
fn tolerance(taints: &[Taint], tolerations: &[Toleration]) -> Tolerance {
    let mut shortest: Option<i64> = None;
    for taint in taints {
        let Some(used) = tolerations.iter().find(|t| t.tolerates(taint)) else {
            return Tolerance::Untolerated;
        };
        if let Some(seconds) = used.toleration_seconds {
            shortest = Some(shortest.map_or(seconds, |s| s.min(seconds)));
        }
    }
    match shortest {
        None => Tolerance::Forever,
        Some(seconds) => Tolerance::For(SimDuration::from_secs(seconds.max(0) as u64)),
    }
}

/// The node's NoExecute taints, in the node's order.
fn no_execute(node: &Node) -> impl Iterator<Item = &Taint> {
    node.taints
        .iter()
        .filter(|t| t.effect == TaintEffect::NoExecute)
}

fn pod_key(pod: &Pod) -> PodKey {
    (pod.meta.namespace.clone(), pod.meta.name.clone())
}

impl TaintEviction {
    /// The nodes the cluster starts with, before any pod exists: their NoExecute taints are
    /// known from the start (upstream's informer lists them when the controller starts).
    pub fn know_nodes(&mut self, state: &ClusterState) {
        for node in state.nodes() {
            let taints: Vec<Taint> = no_execute(node).cloned().collect();
            if !taints.is_empty() {
                self.tainted.insert(node.meta.name.clone(), taints);
            }
        }
    }

    /// Nodes were added, changed or removed: those whose NoExecute taints differ from the ones
    /// last handled get a node update.
    // K8S: taint_eviction.go (NodeUpdated: only a change of the NoExecute taints counts)
    pub fn observe_nodes(&mut self, state: &ClusterState) {
        for node in state.nodes() {
            let handled = self
                .tainted
                .get(&node.meta.name)
                .map_or(&[][..], Vec::as_slice);
            if !no_execute(node).eq(handled.iter()) {
                self.node_updates.insert(node.meta.name.clone());
            }
        }
        let removed = self.tainted.keys().filter(|n| state.node(n).is_none());
        self.node_updates.extend(removed.cloned());
    }

    /// A pod appeared, changed or went away. Only a new pod, a deleted one and a change of its
    /// node or tolerations count, and only when it is on a tainted node or has an eviction
    /// waiting: the others could not be evicted nor cancelled.
    // K8S: taint_eviction.go (PodUpdated)
    pub fn observe_pod(&mut self, before: Option<&Pod>, after: Option<&Pod>) {
        if let (Some(b), Some(a)) = (before, after) {
            let same_tolerations = std::sync::Arc::ptr_eq(&b.spec, &a.spec)
                || b.spec.tolerations == a.spec.tolerations;
            if b.node_name == a.node_name && same_tolerations {
                return;
            }
        }
        let Some(pod) = after.or(before) else {
            return;
        };
        let node = after.and_then(|p| p.node_name.clone());
        let on_tainted = node.as_ref().is_some_and(|n| self.tainted.contains_key(n));
        let key = pod_key(pod);
        if on_tainted || self.scheduled.contains_key(&key) {
            self.pod_updates.push((key, node));
        }
    }

    /// The earliest instant an eviction is scheduled for.
    pub fn next_timer(&self) -> Option<SimTime> {
        self.queue.first_key_value().map(|((at, _), _)| *at)
    }

    /// Takes the evictions due by `now` for the next sync, in order.
    pub fn fire_timers(&mut self, now: SimTime) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, seq), key) = entry.remove_entry();
            self.due.push((key, seq));
        }
    }

    /// Whether a node update, a pod update or a due eviction waits for a sync.
    pub fn has_work(&self) -> bool {
        !(self.node_updates.is_empty() && self.pod_updates.is_empty() && self.due.is_empty())
    }

    /// Handles the node updates, then the pod updates, then the evictions whose time came;
    /// the pods to delete are asked for in `out`.
    pub fn sync(&mut self, state: &mut ClusterState, now: SimTime, out: &mut Vec<Request>) {
        for node in std::mem::take(&mut self.node_updates) {
            self.handle_node_update(state, &node, now, out);
        }
        for (key, node) in std::mem::take(&mut self.pod_updates) {
            self.handle_pod_update(state, key, node, now, out);
        }
        for (key, seq) in std::mem::take(&mut self.due) {
            // Cancelled (or cancelled and scheduled again) since it fell due: not this one.
            if self.scheduled.get(&key).is_some_and(|s| s.seq == seq) {
                self.scheduled.remove(&key);
                evict(state, &key, now, out);
            }
        }
    }

    /// The node's NoExecute taints become the ones handled; every pod on it is looked at
    /// again, and all its waiting evictions are cancelled when no such taint is left. A
    /// deleted node is forgotten; its pods' evictions stand.
    // K8S: taint_eviction.go (handleNodeUpdate)
    fn handle_node_update(
        &mut self,
        state: &mut ClusterState,
        node: &str,
        now: SimTime,
        out: &mut Vec<Request>,
    ) {
        let Some(taints) = state
            .node(node)
            .map(|n| no_execute(n).cloned().collect::<Vec<_>>())
        else {
            self.tainted.remove(node);
            return;
        };
        if taints.is_empty() {
            self.tainted.remove(node);
        } else {
            self.tainted.insert(node.to_string(), taints.clone());
        }
        let pods: Vec<(PodKey, Vec<Toleration>)> = state
            .pods_on(node)
            .map(|(_, p)| (pod_key(p), p.spec.tolerations.clone()))
            .collect();
        for (key, tolerations) in pods {
            if taints.is_empty() {
                self.cancel_with_event(state, &key, now);
            } else {
                self.process_pod_on_node(state, key, &tolerations, &taints, now, out);
            }
        }
    }

    /// A pod update: a pod gone has its eviction cancelled; one bound to a tainted node is
    /// looked at against that node's taints.
    // K8S: taint_eviction.go (handlePodUpdate)
    fn handle_pod_update(
        &mut self,
        state: &mut ClusterState,
        key: PodKey,
        node: Option<String>,
        now: SimTime,
        out: &mut Vec<Request>,
    ) {
        let Some(pod) = state.pod_id(&key.0, &key.1).and_then(|id| state.pod(id)) else {
            self.cancel_with_event(state, &key, now);
            return;
        };
        // A later update, with the node the pod is on now, handles it.
        if pod.node_name != node {
            return;
        }
        let Some(taints) = node.and_then(|n| self.tainted.get(&n)).cloned() else {
            return;
        };
        let tolerations = pod.spec.tolerations.clone();
        self.process_pod_on_node(state, key, &tolerations, &taints, now, out);
    }

    /// Evicts the pod at once, schedules its eviction, or cancels a scheduled one, as its
    /// tolerations of the node's NoExecute taints say. An eviction already scheduled stands: a
    /// later taint with a shorter toleration does not bring it forward.
    // K8S: taint_eviction.go (processPodOnNode: the scheduled eviction is kept when its
    // CreatedAt is before now), timed_workers.go (AddWork, createWorker: no delay runs the work
    // at once)
    // DEVIATION: upstream replaces an eviction scheduled at the very same instant (its clock
    // never repeats one, so in practice it always keeps it); kubesim keeps it then too.
    fn process_pod_on_node(
        &mut self,
        state: &mut ClusterState,
        key: PodKey,
        tolerations: &[Toleration],
        taints: &[Taint],
        now: SimTime,
        out: &mut Vec<Request>,
    ) {
        match tolerance(taints, tolerations) {
            Tolerance::Untolerated => {
                self.cancel_with_event(state, &key, now);
                evict(state, &key, now, out);
            }
            Tolerance::Forever => self.cancel_with_event(state, &key, now),
            Tolerance::For(_) if self.scheduled.contains_key(&key) => {}
            Tolerance::For(after) if after == SimDuration::ZERO => evict(state, &key, now, out),
            Tolerance::For(after) => {
                let fire_at = now + after;
                let seq = self.next_seq;
                self.next_seq += 1;
                self.queue.insert((fire_at, seq), key.clone());
                self.scheduled.insert(key, Scheduled { fire_at, seq });
            }
        }
    }

    /// Cancels the pod's scheduled eviction, if any, with the `TaintManagerEviction` event
    /// saying so.
    // K8S: taint_eviction.go (cancelWorkWithEvent, emitCancelPodDeletionEvent)
    fn cancel_with_event(&mut self, state: &mut ClusterState, key: &PodKey, now: SimTime) {
        let Some(scheduled) = self.scheduled.remove(key) else {
            return;
        };
        self.queue.remove(&(scheduled.fire_at, scheduled.seq));
        record(
            state,
            key,
            format!("Cancelling deletion of Pod {}/{}", key.0, key.1),
            now,
        );
    }

    /// The scheduled evictions in the order they fire: each pod's name and instant in seconds.
    #[cfg(test)]
    fn waiting(&self) -> Vec<(&str, u64)> {
        let waiting = self.queue.iter();
        waiting
            .map(|((at, _), key)| (key.1.as_str(), at.as_millis() / 1000))
            .collect()
    }
}

/// Deletes the pod: the `TaintManagerEviction` event, the `DisruptionTarget` condition, then
/// the (graceful) deletion.
// K8S: taint_eviction.go (deletePodHandler, emitPodDeletionEvent, addConditionAndDeletePod)
fn evict(state: &mut ClusterState, key: &PodKey, now: SimTime, out: &mut Vec<Request>) {
    let Some(id) = state.pod_id(&key.0, &key.1) else {
        return;
    };
    record(
        state,
        key,
        format!("Marking for deletion Pod {}/{}", key.0, key.1),
        now,
    );
    let pod = state.pod_mut(id).expect("indexed pods exist");
    pod.status
        .set_condition(PodCondition::new("DisruptionTarget", true, now).because(
            "DeletionByTaintManager",
            "Taint manager: deleting due to NoExecute taint",
        ));
    out.push(Request::DeletePod {
        namespace: key.0.clone(),
        name: key.1.clone(),
    });
}

fn record(state: &mut ClusterState, (namespace, name): &PodKey, message: String, now: SimTime) {
    state.record_event(Event::new(
        ObjectRef::new("Pod", namespace, name),
        EventType::Normal,
        "TaintManagerEviction",
        message,
        TAINT_EVICTION_CONTROLLER,
        now,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod::{PodStatus, QosClass};
    use crate::model::ObjectMeta;
    use serde_json::json;

    fn at(secs: u64) -> SimTime {
        SimTime::from_secs(secs)
    }

    fn taint(key: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: "v".into(),
            effect,
            time_added: None,
        }
    }

    fn toleration(key: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator_exists: true,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: seconds,
        }
    }

    /// A cluster of node01 and node02 without taints.
    fn cluster() -> ClusterState {
        let mut state = ClusterState::new();
        for name in ["node01", "node02"] {
            state.add_node(crate::scenario::joining_node(
                name,
                vec![],
                &[],
                vec![],
                at(0),
            ));
        }
        state
    }

    /// Adds a pod with these tolerations (as written: no defaults), bound to `node`.
    fn add_pod(
        state: &mut ClusterState,
        name: &str,
        node: Option<&str>,
        tolerations: &[Toleration],
    ) {
        let api = serde_json::from_value(json!({"containers": [{"name": "c", "image": "nginx"}]}))
            .unwrap();
        let mut spec = crate::manifest::pod_from_template(&api, "test").unwrap();
        spec.tolerations = tolerations.to_vec();
        state.add_pod(Pod {
            meta: ObjectMeta {
                name: name.into(),
                namespace: "default".into(),
                ..Default::default()
            },
            spec: std::sync::Arc::new(spec),
            node_name: node.map(str::to_string),
            status: PodStatus::new(QosClass::BestEffort),
        });
    }

    fn set_taints(state: &mut ClusterState, node: &str, taints: Vec<Taint>) {
        state.node_mut(node).unwrap().taints = taints;
    }

    /// Runs what the controller has to do at `now`: due timers, then a sync. Returns the pods
    /// it asked to delete and the events it recorded (`reason: message`).
    fn run(
        c: &mut TaintEviction,
        state: &mut ClusterState,
        now: SimTime,
    ) -> (Vec<String>, Vec<String>) {
        c.fire_timers(now);
        let mut out = Vec::new();
        c.sync(state, now, &mut out);
        let deleted = out
            .into_iter()
            .map(|r| match r {
                Request::DeletePod { name, .. } => name,
                other => panic!("unexpected request {other:?}"),
            })
            .collect();
        let (_, events) = state.drain_changes();
        let events = events
            .into_iter()
            .map(|e| format!("{}: {}", e.reason, e.message))
            .collect();
        (deleted, events)
    }

    #[test]
    fn the_first_matching_toleration_of_each_taint_counts_and_the_shortest_wins() {
        let a = taint("a", TaintEffect::NoExecute);
        let b = taint("b", TaintEffect::NoExecute);
        let secs = |s| Tolerance::For(SimDuration::from_secs(s));
        assert_eq!(
            tolerance(std::slice::from_ref(&a), &[]),
            Tolerance::Untolerated
        );
        assert_eq!(
            tolerance(std::slice::from_ref(&a), &[toleration("a", None)]),
            Tolerance::Forever
        );
        assert_eq!(
            tolerance(std::slice::from_ref(&a), &[toleration("a", Some(60))]),
            secs(60)
        );
        // The first toleration matching `a` is the one that counts, not the shortest.
        let first_forever = [toleration("a", None), toleration("a", Some(10))];
        assert_eq!(
            tolerance(std::slice::from_ref(&a), &first_forever),
            Tolerance::Forever
        );
        // Over several taints: the shortest of the used tolerations; one for ever does not
        // lengthen another's time.
        let both = [
            toleration("a", Some(60)),
            toleration("b", None),
            toleration("", Some(5)),
        ];
        assert_eq!(tolerance(&[a.clone(), b.clone()], &both), secs(60));
        assert_eq!(
            tolerance(&[a.clone(), b.clone()], &both[..1]),
            Tolerance::Untolerated
        );
        // An empty key with Exists tolerates every taint.
        assert_eq!(tolerance(&[a.clone(), b], &both[2..]), secs(5));
        // Zero or negative: not at all.
        assert_eq!(tolerance(&[a], &[toleration("a", Some(-3))]), secs(0));
    }

    #[test]
    fn a_taint_evicts_the_untolerating_at_once_and_schedules_the_others() {
        let mut state = cluster();
        add_pod(&mut state, "plain", Some("node01"), &[]);
        add_pod(
            &mut state,
            "sixty",
            Some("node01"),
            &[toleration("a", Some(60))],
        );
        add_pod(
            &mut state,
            "thirty",
            Some("node01"),
            &[toleration("a", Some(30))],
        );
        add_pod(
            &mut state,
            "zero",
            Some("node01"),
            &[toleration("a", Some(0))],
        );
        add_pod(
            &mut state,
            "forever",
            Some("node01"),
            &[toleration("a", None)],
        );
        add_pod(&mut state, "elsewhere", Some("node02"), &[]);
        let mut c = TaintEviction::default();
        c.know_nodes(&state);
        // A NoSchedule taint is none of the controller's business.
        set_taints(
            &mut state,
            "node01",
            vec![taint("a", TaintEffect::NoSchedule)],
        );
        c.observe_nodes(&state);
        assert!(!c.has_work());
        set_taints(
            &mut state,
            "node01",
            vec![taint("a", TaintEffect::NoExecute)],
        );
        c.observe_nodes(&state);
        let (deleted, events) = run(&mut c, &mut state, at(10));
        assert_eq!(deleted, ["plain", "zero"]);
        assert_eq!(
            events,
            [
                "TaintManagerEviction: Marking for deletion Pod default/plain",
                "TaintManagerEviction: Marking for deletion Pod default/zero",
            ]
        );
        let plain = state
            .pod(state.pod_id("default", "plain").unwrap())
            .unwrap();
        let condition = plain.status.condition("DisruptionTarget").unwrap();
        assert_eq!(
            (
                condition.status.as_str(),
                condition.reason.as_deref(),
                condition.message.as_deref()
            ),
            (
                "True",
                Some("DeletionByTaintManager"),
                Some("Taint manager: deleting due to NoExecute taint")
            )
        );
        assert_eq!(c.waiting(), [("thirty", 40), ("sixty", 70)]);
        assert_eq!(c.next_timer(), Some(at(40)));
        assert!(!c.has_work());
        // Nothing is due before its instant; then each goes at its own.
        assert_eq!(run(&mut c, &mut state, at(39)).0, Vec::<String>::new());
        assert_eq!(run(&mut c, &mut state, at(40)).0, ["thirty"]);
        assert_eq!(run(&mut c, &mut state, at(70)).0, ["sixty"]);
        assert_eq!(c.next_timer(), None);
    }

    #[test]
    fn evictions_due_at_one_instant_go_in_the_order_they_were_scheduled() {
        let mut state = cluster();
        for name in ["b", "a", "c"] {
            add_pod(
                &mut state,
                name,
                Some("node01"),
                &[toleration("t", Some(30))],
            );
        }
        let mut c = TaintEviction::default();
        set_taints(
            &mut state,
            "node01",
            vec![taint("t", TaintEffect::NoExecute)],
        );
        c.observe_nodes(&state);
        run(&mut c, &mut state, at(0));
        // Scheduled walking the node's pods by name.
        assert_eq!(run(&mut c, &mut state, at(30)).0, ["a", "b", "c"]);
    }

    #[test]
    fn removing_the_taints_or_the_pod_cancels_with_an_event() {
        let mut state = cluster();
        add_pod(
            &mut state,
            "p",
            Some("node01"),
            &[toleration("t", Some(60))],
        );
        add_pod(
            &mut state,
            "q",
            Some("node01"),
            &[toleration("t", Some(60))],
        );
        let mut c = TaintEviction::default();
        set_taints(
            &mut state,
            "node01",
            vec![taint("t", TaintEffect::NoExecute)],
        );
        c.observe_nodes(&state);
        run(&mut c, &mut state, at(0));
        // q goes away (deleted by its owner): its eviction is cancelled.
        let q = state.pod_id("default", "q").unwrap();
        let gone = state.remove_pod(q).unwrap();
        c.observe_pod(Some(&gone), None);
        let (_, events) = run(&mut c, &mut state, at(20));
        assert_eq!(
            events,
            ["TaintManagerEviction: Cancelling deletion of Pod default/q"]
        );
        // The taint goes: p's too, and nothing fires at 60 s.
        set_taints(&mut state, "node01", vec![]);
        c.observe_nodes(&state);
        let (deleted, events) = run(&mut c, &mut state, at(30));
        assert!(deleted.is_empty());
        assert_eq!(
            events,
            ["TaintManagerEviction: Cancelling deletion of Pod default/p"]
        );
        assert_eq!(c.next_timer(), None);
        // A second removal has nothing left to cancel: no event.
        c.observe_pod(Some(&gone), None);
        assert_eq!(run(&mut c, &mut state, at(60)), (vec![], vec![]));
    }

    #[test]
    fn a_pod_bound_to_a_tainted_node_is_judged_at_its_binding() {
        let mut state = cluster();
        set_taints(
            &mut state,
            "node02",
            vec![taint("t", TaintEffect::NoExecute)],
        );
        let mut c = TaintEviction::default();
        c.know_nodes(&state);
        add_pod(&mut state, "late", None, &[toleration("t", Some(60))]);
        let id = state.pod_id("default", "late").unwrap();
        let pending = state.pod(id).unwrap().clone();
        c.observe_pod(None, Some(&pending));
        // Unbound: nothing to do.
        assert!(!c.has_work());
        state.pod_mut(id).unwrap().node_name = Some("node02".into());
        let bound = state.pod(id).unwrap().clone();
        c.observe_pod(Some(&pending), Some(&bound));
        run(&mut c, &mut state, at(100));
        assert_eq!(c.waiting(), [("late", 160)]);
        // A status change of the pod is no update.
        c.observe_pod(Some(&bound), Some(&bound));
        assert!(!c.has_work());
    }

    #[test]
    fn a_scheduled_eviction_stands_when_another_taint_comes() {
        let mut state = cluster();
        let tolerations = [toleration("a", Some(300)), toleration("b", Some(10))];
        add_pod(&mut state, "p", Some("node01"), &tolerations);
        let mut c = TaintEviction::default();
        set_taints(
            &mut state,
            "node01",
            vec![taint("a", TaintEffect::NoExecute)],
        );
        c.observe_nodes(&state);
        run(&mut c, &mut state, at(0));
        let both = vec![
            taint("a", TaintEffect::NoExecute),
            taint("b", TaintEffect::NoExecute),
        ];
        set_taints(&mut state, "node01", both);
        c.observe_nodes(&state);
        run(&mut c, &mut state, at(50));
        assert_eq!(c.waiting(), [("p", 300)]);
        // A taint it does not tolerate at all: at once, the waiting one cancelled.
        set_taints(
            &mut state,
            "node01",
            vec![taint("c", TaintEffect::NoExecute)],
        );
        c.observe_nodes(&state);
        let (deleted, events) = run(&mut c, &mut state, at(60));
        assert_eq!(deleted, ["p"]);
        assert_eq!(
            events,
            [
                "TaintManagerEviction: Cancelling deletion of Pod default/p",
                "TaintManagerEviction: Marking for deletion Pod default/p",
            ]
        );
    }

    #[test]
    fn a_deleted_node_is_forgotten_and_its_pods_evictions_stand() {
        let mut state = cluster();
        add_pod(
            &mut state,
            "p",
            Some("node01"),
            &[toleration("t", Some(60))],
        );
        let mut c = TaintEviction::default();
        set_taints(
            &mut state,
            "node01",
            vec![taint("t", TaintEffect::NoExecute)],
        );
        c.observe_nodes(&state);
        run(&mut c, &mut state, at(0));
        state.remove_node("node01");
        c.observe_nodes(&state);
        run(&mut c, &mut state, at(10));
        assert!(c.tainted.is_empty());
        assert_eq!(run(&mut c, &mut state, at(60)).0, ["p"]);
    }
}
