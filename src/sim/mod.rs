//! The one place that wires the components together. `Event` is the whole vocabulary of the
//! simulation; `Simulation` owns the cluster state, the event queue and every component, and
//! dispatches each event to the component it concerns. Components never call each other: the
//! scheduler, the kubelets and (later) the controllers only read and write the cluster state.

mod autoscaler;
mod changes;
mod deletion;
mod simulate;

use std::io::Write;

use crate::apiserver::{admission, quota, ApiServer, Effect};
use crate::controllers::{Controllers, Request};
use crate::engine::{EventQueue, Pacer, RngStreams, SimDuration, SimTime, StreamRng};
use crate::kubelet::runtime::Runtime;
use crate::kubelet::{Followups, KubeletEvent, Kubelets};
use crate::manifest::Manifest;
use crate::model::{ClusterState, Event as K8sEvent, EventType, ObjectRef, PodCondition, PodId};
use crate::scheduler::explain::Explanation;
use crate::scheduler::{Decision, Nomination, Scheduler, PREEMPTION_BY_SCHEDULER};
use crate::trace::{self, Body, Change, Header, ObjectKey, TraceSink, TraceWriter};

/// What a simulation is built from: the cluster at t=0 and what happens to it. Plain data, so
/// that the simulation knows nothing of the files it came from (the scenario builds it).
#[derive(Clone)]
pub struct Setup {
    /// The scenario's name and digest, for the trace's header.
    pub name: String,
    pub digest: String,
    pub duration: SimDuration,
    pub nodes: Vec<crate::model::Node>,
    /// Objects applied at t=0, in order.
    pub manifests: Vec<Manifest>,
    /// What happens later, in order of time.
    pub timeline: Vec<Step>,
    pub behaviours: Vec<crate::kubelet::StatedBehaviour>,
    pub images: Vec<crate::kubelet::registry::DeclaredImage>,
    pub load: Vec<crate::controllers::load::LoadProfile>,
    /// Static pods by node: what each kubelet finds in its `staticPodPath`.
    pub static_pods: Vec<(String, Manifest)>,
    pub scheduler: crate::scheduler::config::Configuration,
    pub autoscaler: crate::autoscaler::config::Config,
}

/// One thing the timeline does at its instant, with the command line the trace shows for it.
#[derive(Clone)]
pub struct Step {
    pub at: SimTime,
    pub line: String,
    pub action: StepAction,
}

impl Step {
    /// The event that runs the step, the `index`-th of the timeline.
    fn event(&self, index: usize) -> Event {
        match &self.action {
            StepAction::Apply {
                manifests,
                create_only,
            } => Event::Apply {
                manifests: manifests.clone(),
                create_only: *create_only,
                command: Some(self.line.clone()),
            },
            StepAction::Run(_) => Event::Timeline(index),
        }
    }
}

/// What a timeline step does.
#[derive(Clone)]
pub enum StepAction {
    /// `kubectl apply/create -f`: objects read when the scenario loaded.
    Apply {
        manifests: Vec<Manifest>,
        create_only: bool,
    },
    /// Anything else: a client command the simulation runs without knowing what it is.
    Run(std::rc::Rc<dyn Command>),
}

/// A timeline command the scenario defines (its kubectl lines, its `simulate:` actions): the
/// simulation runs it at its instant and records its output under its tool's name. The trait
/// keeps the dependency one way: the scenario knows the simulation, never the reverse.
pub trait Command {
    /// The tool the trace names for the command (`kubectl`, `simulate`).
    fn tool(&self) -> &'static str;
    /// Runs the command against the simulation at `now`; returns what the tool prints.
    fn run(&self, sim: &mut Simulation, now: SimTime) -> String;
}

/// Scheduling attempts are explained (trace and `kubesim explain`) by default on clusters up to
/// this size; larger ones would pay a record per node per attempt.
pub const EXPLAIN_BY_DEFAULT_UP_TO_NODES: usize = 100;

/// Everything that can happen in the simulated cluster.
#[derive(Debug, Clone)]
pub enum Event {
    /// `kubectl apply/create -f`: at t=0 for the scenario's manifests, later from the timeline.
    Apply {
        manifests: Vec<Manifest>,
        create_only: bool,
        command: Option<String>,
    },
    /// The timeline entry with this index runs (other than apply).
    Timeline(usize),
    /// The scheduler runs one scheduling cycle.
    ScheduleNext,
    /// The scheduler's periodic look at pods unschedulable for too long.
    FlushUnschedulable,
    /// Something a kubelet had scheduled.
    Kubelet(KubeletEvent),
    /// The controllers sync the workloads that changed.
    ControllerSync,
    /// A controller's timer (a Job's backoff or deadline) is due.
    /// The controllers' earliest timer, queued for this instant (in real mode the event is
    /// handled a little later, at the measured instant).
    ControllerTimer(SimTime),
    /// The kubelets start the static pods of their nodes.
    StaticPods,
    /// A kubelet's housekeeping deletes the mirror pod of a static pod whose manifest was
    /// removed and whose containers have stopped.
    DeleteMirrorPod(PodId),
    /// The cluster autoscaler's scan or drain poll, queued for this instant.
    ClusterAutoscaler(SimTime),
    /// A node the cluster autoscaler asked the cloud for has booted and registers.
    NodeProvisioned(Box<crate::model::Node>),
}

/// The trace record an event was caused by, shared by the events one step scheduled and set
/// when that step's records are written.
type Cause = std::rc::Rc<std::cell::Cell<Option<u64>>>;

/// Counters for the run summary.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub events: u64,
    pub records: u64,
}

/// A running simulation.
pub struct Simulation {
    pub state: ClusterState,
    queue: EventQueue<(Event, Cause)>,
    scheduler: Scheduler,
    kubelets: Kubelets,
    controllers: Controllers,
    scheduler_rng: StreamRng,
    timeline: Vec<Step>,
    trace: Option<TraceWriter>,
    /// When a `ScheduleNext` is already queued.
    schedule_at: Option<SimTime>,
    flush_pending: bool,
    /// When a `ControllerSync` is already queued.
    controller_sync_pending: bool,
    /// When the earliest queued `ControllerTimer` fires.
    controller_timer_at: Option<SimTime>,
    /// Static pods by node, started at t=0.
    static_pods: Vec<(String, crate::manifest::Manifest)>,
    /// Nodes whose kubelet is down, with the kubelet events held until it comes back.
    parked: std::collections::BTreeMap<String, Vec<KubeletEvent>>,
    /// Pods bound to a node that was removed: no kubelet acts on them any more.
    orphaned: std::collections::BTreeSet<PodId>,
    /// Mirror pods whose static manifest was removed, and whether their deletion is queued.
    removed_static: std::collections::BTreeMap<PodId, bool>,
    /// The cause of the event being handled, and the last record written while handling it.
    cause: Option<u64>,
    last_record: Option<u64>,
    /// The cause of the events scheduled while handling the current one: filled in once its
    /// records are written (the kubelet schedules its next step before the pod's changes are
    /// recorded), so that each record links to the record that led to it. Made by the step's
    /// first push only: most steps schedule nothing.
    next_cause: Option<Cause>,
    /// The cause the last step settled on, for events scheduled between steps.
    settled_cause: Option<u64>,
    pub stats: Stats,
    /// Objects of kinds kubesim stores but does not act on yet, as `kind/name` lines.
    pub not_simulated: Vec<String>,
    /// Valid fields given but not simulated yet (`spec.volumes`), each with the first object that
    /// used it: noted once per run, however many pods carry it.
    pub unsimulated_fields: std::collections::BTreeMap<String, String>,
    end: SimTime,
    /// The last explained scheduling attempt of each pod (namespace, name), with its instant;
    /// kept only after [`Simulation::keep_explanations`].
    pub explanations: std::collections::BTreeMap<(String, String), (SimTime, Explanation)>,
    keep_explanations: bool,
    /// A failure to write the trace, reported by `run_until`.
    trace_error: Option<std::io::Error>,
    /// Real-execution mode's wall clock: each event is handled once it is due on it, at the
    /// instant measured then. `None` in a simulation.
    pacer: Option<Box<dyn Pacer>>,
    /// The cluster autoscaler, when a node group has `autoscaling:`.
    autoscaler: Option<crate::autoscaler::ClusterAutoscaler>,
}

impl Simulation {
    /// Builds the cluster of the setup and queues its t=0 manifests and its timeline. With a
    /// trace sink, every record is written to it as the simulation runs.
    pub fn new(
        setup: Setup,
        seed: u64,
        trace_out: Option<Box<dyn Write>>,
    ) -> std::io::Result<Self> {
        Self::with_sink(setup, seed, trace_out.map(TraceSink::Json))
    }

    /// A simulation whose trace records are kept in `records` rather than written as JSON.
    pub fn keeping_records(
        setup: Setup,
        seed: u64,
        records: std::rc::Rc<std::cell::RefCell<Vec<trace::Record>>>,
    ) -> std::io::Result<Self> {
        Self::with_sink(setup, seed, Some(TraceSink::Records(records)))
    }

    fn with_sink(setup: Setup, seed: u64, trace_out: Option<TraceSink>) -> std::io::Result<Self> {
        let mut state = ClusterState::new();
        for node in &setup.nodes {
            let mut node = node.clone();
            node.meta.uid = state.new_uid();
            state.add_node(node);
        }
        let streams = RngStreams::new(seed);
        let trace = match trace_out {
            Some(out) => Some(TraceWriter::new(
                out,
                &Header {
                    format: trace::FORMAT.to_string(),
                    kubesim: env!("CARGO_PKG_VERSION").to_string(),
                    scenario: setup.name.clone(),
                    seed,
                    digest: setup.digest.clone(),
                },
            )?),
            None => None,
        };
        let mut sim = Simulation {
            scheduler: Scheduler::new(&state, &setup.scheduler),
            state,
            queue: EventQueue::new(),
            kubelets: Kubelets::new(streams, setup.behaviours.clone(), setup.images.clone()),
            controllers: {
                let mut controllers = Controllers::new(streams);
                controllers.set_load(setup.load.clone());
                controllers
            },
            scheduler_rng: streams.stream("scheduler"),
            timeline: setup.timeline.clone(),
            trace,
            schedule_at: None,
            flush_pending: false,
            controller_sync_pending: false,
            controller_timer_at: None,
            parked: Default::default(),
            orphaned: Default::default(),
            removed_static: Default::default(),
            static_pods: setup.static_pods.clone(),
            cause: None,
            last_record: None,
            next_cause: None,
            settled_cause: None,
            stats: Stats::default(),
            not_simulated: Vec::new(),
            unsimulated_fields: Default::default(),
            end: SimTime::ZERO + setup.duration,
            explanations: Default::default(),
            keep_explanations: false,
            trace_error: None,
            pacer: None,
            autoscaler: crate::autoscaler::ClusterAutoscaler::new(&setup.autoscaler, streams),
        };
        sim.controllers.know_nodes(&sim.state);
        // A cluster the autoscaler may grow counts at its largest.
        let most_nodes = sim.state.nodes().len() + setup.autoscaler.most_nodes_added();
        sim.scheduler
            .set_explain(most_nodes <= EXPLAIN_BY_DEFAULT_UP_TO_NODES);
        for node in sim.state.nodes().to_vec() {
            sim.record_node_created(&node, SimTime::ZERO);
        }
        sim.last_record = None;
        if !sim.static_pods.is_empty() {
            sim.push(SimTime::ZERO, Event::StaticPods);
        }
        if sim.autoscaler.is_some() {
            sim.push(SimTime::ZERO, Event::ClusterAutoscaler(SimTime::ZERO));
        }
        sim.push(
            SimTime::ZERO,
            Event::Apply {
                manifests: setup.manifests.clone(),
                create_only: false,
                command: None,
            },
        );
        for (i, step) in setup.timeline.iter().enumerate() {
            let event = step.event(i);
            sim.push(step.at, event);
        }
        Ok(sim)
    }

    /// The kubelets, read-only: what `kubesim logs` and `kubesim exec` look at.
    pub fn kubelets(&self) -> &Kubelets {
        &self.kubelets
    }

    /// The cluster autoscaler's line for the run summary, when it runs.
    pub fn autoscaler_summary(&self) -> Option<String> {
        self.autoscaler.as_ref().map(|a| a.summary())
    }

    /// The simulated instant reached so far.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// When the next queued event happens, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// The end of the scenario.
    pub fn end(&self) -> SimTime {
        self.end
    }

    /// Real-execution mode: the kubelets run their containers with `runtime`, and events
    /// happen on `pacer`'s clock (see [`Simulation::run_until`]). Call before running.
    pub fn run_for_real(&mut self, runtime: Box<dyn Runtime>, pacer: Box<dyn Pacer>) {
        self.kubelets.use_runtime(runtime);
        self.pacer = Some(pacer);
    }

    /// Events happen on `pacer`'s clock, the containers stay simulated: how tests drive the
    /// pacing of real mode without running containers.
    #[cfg(test)]
    pub(crate) fn set_pacer(&mut self, pacer: Option<Box<dyn Pacer>>) {
        self.pacer = pacer;
    }

    /// Runs every event up to and including `until` (capped at the scenario's end), then stands
    /// at `until`. With a pacer (real mode), each event is handled once it is due on the pacer's
    /// clock, with `now` the instant measured then, and the call returns once `until` is due;
    /// an interrupted pacer ends the run with an `Interrupted` error.
    pub fn run_until(&mut self, until: SimTime) -> std::io::Result<()> {
        let until = until.min(self.end);
        while let Some((at, _, (event, cause))) = self.queue.pop_until(until) {
            let now = self.pace(at)?;
            self.step(event, cause.get(), now)?;
        }
        self.pace(until)?;
        self.queue
            .advance_to(until)
            .expect("advancing to a later instant cannot fail");
        Ok(())
    }

    /// Runs `step` at its instant, after every event queued before it and ahead of those
    /// queued for that instant itself, as the step would run had it been in the timeline from
    /// the start (the timeline is queued first): how `kubesim serve` handles a request, so that
    /// a recorded session replays identically. The step's instant must be later than every
    /// instant handled so far.
    pub fn handle_first_at(&mut self, step: Step) -> std::io::Result<()> {
        let at = step.at;
        if let Some(before) = at.as_millis().checked_sub(1) {
            self.run_until(SimTime::from_millis(before))?;
        }
        self.queue
            .advance_to(at)
            .expect("requests come at later instants");
        let event = step.event(self.timeline.len());
        self.timeline.push(step);
        self.step(event, None, at)
    }

    /// Handles one event at `now` and everything it changed, with `cause` the record it came
    /// from.
    fn step(&mut self, event: Event, cause: Option<u64>, now: SimTime) -> std::io::Result<()> {
        self.cause = cause;
        self.last_record = None;
        self.next_cause = None;
        self.stats.events += 1;
        self.handle(event, now);
        self.flush_changes(now);
        self.ensure_controllers(now);
        self.settled_cause = self.last_record.or(self.cause);
        if let Some(cause) = &self.next_cause {
            cause.set(self.settled_cause);
        }
        match self.trace_error.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// The instant an event due `at` happens: `at` itself in a simulation, the measured
    /// instant once it is due in real mode.
    fn pace(&mut self, at: SimTime) -> std::io::Result<SimTime> {
        match &mut self.pacer {
            None => Ok(at),
            Some(pacer) => pacer.reach(at).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::Interrupted, "the run was interrupted")
            }),
        }
    }

    /// The cause cell of the current step, made on its first push.
    fn next_cause_cell(&mut self) -> Cause {
        let settled = self.settled_cause;
        let cell = self
            .next_cause
            .get_or_insert_with(|| std::rc::Rc::new(std::cell::Cell::new(settled)));
        std::rc::Rc::clone(cell)
    }

    /// Finishes the trace.
    pub fn finish(self) -> std::io::Result<()> {
        match self.trace {
            Some(trace) => trace.finish(),
            None => Ok(()),
        }
    }

    /// Records that a node joined, with its allocatable CPU and memory.
    fn record_node_created(&mut self, node: &crate::model::Node, now: SimTime) {
        let allocatable = ["cpu", "memory"]
            .iter()
            .filter_map(|r| Some((r.to_string(), node.allocatable.get(*r)?.to_string())))
            .collect();
        let key = ObjectKey {
            kind: "Node".into(),
            namespace: String::new(),
            name: node.meta.name.clone(),
        };
        self.record(now, key, Body::Change(Change::Created { allocatable }));
    }

    fn push(&mut self, at: SimTime, event: Event) {
        let cause = self.next_cause_cell();
        self.queue
            .schedule(at, (event, cause))
            .expect("components never schedule in the past");
    }

    fn handle(&mut self, event: Event, now: SimTime) {
        match event {
            Event::Apply {
                manifests,
                create_only,
                command,
            } => {
                let lines: Vec<String> = (manifests.iter())
                    .map(|m| self.request(now, |api| admission::apply(api, m, create_only, now)))
                    .collect();
                let output = lines.join("\n");
                if let Some(command) = command {
                    self.command_record(now, command, output);
                }
            }
            Event::Timeline(i) => {
                let Step { line, action, .. } = &self.timeline[i];
                let StepAction::Run(command) = action else {
                    return;
                };
                let (line, command) = (line.clone(), std::rc::Rc::clone(command));
                let output = command.run(self, now);
                self.tool_record(now, command.tool(), line, output);
            }
            Event::ScheduleNext => {
                self.schedule_at = None;
                if let Some(decision) =
                    self.scheduler
                        .schedule_one(&self.state, now, &mut self.scheduler_rng)
                {
                    if let Some(explanation) = self.scheduler.take_explanation() {
                        self.record_explanation(&decision, explanation, now);
                    }
                    self.apply_decision(decision, now);
                }
                self.ensure_scheduling(now);
            }
            Event::FlushUnschedulable => {
                self.flush_pending = false;
                self.scheduler.queue.flush_leftover(now);
                self.ensure_scheduling(now);
            }
            Event::ControllerSync => {
                self.controller_sync_pending = false;
                let requests = self.controllers.sync(&mut self.state, now);
                self.apply_sync_requests(requests, now);
            }
            Event::StaticPods => {
                for (node, manifest) in self.static_pods.clone() {
                    self.request(now, |api| {
                        admission::admit_static_pod(api, &node, &manifest, now)
                    });
                }
            }
            Event::ControllerTimer(due) => {
                if self.controller_timer_at == Some(due) {
                    self.controller_timer_at = None;
                }
                self.controllers.fire_timers(now);
            }
            Event::ClusterAutoscaler(_) => self.run_autoscaler(now),
            Event::NodeProvisioned(node) => self.node_provisioned(*node, now),
            Event::DeleteMirrorPod(id) => {
                if self.removed_static.remove(&id).is_some() {
                    self.remove_pod(id, now);
                }
            }
            Event::Kubelet(event) => {
                if self.kubelet_gone(&event) {
                    return;
                }
                if let Some(node) = self.down_node_of(&event) {
                    self.parked.entry(node).or_default().push(event);
                    return;
                }
                let pod = event.pod();
                let mut out = Vec::new();
                self.kubelets.handle(&mut self.state, event, now, &mut out);
                self.push_kubelet(out);
                self.finish_deletion_if_done(pod, now);
            }
        }
    }

    fn push_kubelet(&mut self, out: Vec<(SimTime, KubeletEvent)>) {
        for (at, event) in out {
            self.push(at, Event::Kubelet(event));
        }
    }

    /// Has the kubelets act on pod `id` now, queues what they ask for, and removes the pod if
    /// that ended its deletion.
    fn kubelet_acts<R>(
        &mut self,
        id: PodId,
        now: SimTime,
        act: impl FnOnce(&mut Kubelets, &mut ClusterState, &mut Followups) -> R,
    ) -> R {
        let mut out = Vec::new();
        let result = act(&mut self.kubelets, &mut self.state, &mut out);
        self.push_kubelet(out);
        self.finish_deletion_if_done(Some(id), now);
        result
    }

    /// Whether no kubelet is left for the event: its pod is orphaned, or its node was removed.
    fn kubelet_gone(&self, event: &KubeletEvent) -> bool {
        match event {
            KubeletEvent::EvictionCheck(node) => self.state.node(node).is_none(),
            other => other.pod().is_some_and(|id| self.orphaned.contains(&id)),
        }
    }

    /// The downed node a kubelet event belongs to, if its node is down.
    fn down_node_of(&self, event: &KubeletEvent) -> Option<String> {
        if self.parked.is_empty() {
            return None;
        }
        let node = match event {
            KubeletEvent::EvictionCheck(node) => Some(node.clone()),
            other => other
                .pod()
                .and_then(|id| self.state.pod(id))
                .and_then(|p| p.node_name.clone()),
        }?;
        self.parked.contains_key(&node).then_some(node)
    }

    /// Makes requests of the API server at `now`, then tells the components what they changed:
    /// the one way in to the stored cluster for the timeline's client, the controllers and the
    /// kubelets' mirror pods.
    pub fn request<R>(&mut self, now: SimTime, request: impl FnOnce(&mut ApiServer<'_>) -> R) -> R {
        let mut api = ApiServer::new(&mut self.state);
        let result = request(&mut api);
        for effect in api.into_effects() {
            self.fan_out(effect, now);
        }
        result
    }

    /// Tells the components that watch what a request changed, and records it.
    fn fan_out(&mut self, effect: Effect, now: SimTime) {
        match effect {
            Effect::PodCreated(id) => {
                let Some(pod) = self.state.pod(id) else {
                    return;
                };
                self.controllers.observe_pod(None, Some(pod));
                let key = pod_key(&pod.meta.namespace, &pod.meta.name);
                let node = pod.node_name.clone();
                let (priority, scheduler_name) =
                    (pod.spec.priority, pod.spec.scheduler_name.clone());
                self.record(now, key, Body::Change(Change::created()));
                match node {
                    // A pod that names its node skips the scheduler: that node's kubelet takes it.
                    Some(node) if self.state.node(&node).is_some() => {
                        self.scheduler.on_pod_bound(&self.state, id);
                        let mut out = Vec::new();
                        self.kubelets.pod_bound(&mut self.state, id, now, &mut out);
                        self.push_kubelet(out);
                    }
                    Some(_) => {} // no such node: the pod stays Pending, as in a real cluster
                    None if self.scheduler.has_profile(&scheduler_name) => {
                        self.scheduler.queue.add(id, priority, now);
                        self.ensure_scheduling(now);
                    }
                    None => {} // a scheduler no profile answers to: Pending forever, as upstream
                }
            }
            Effect::PodUpdated(id) => {
                let mut out = Vec::new();
                self.kubelets
                    .pod_updated(&mut self.state, id, now, &mut out);
                self.push_kubelet(out);
            }
            Effect::NodeCreated(name) => {
                if let Some(node) = self.state.node(&name).cloned() {
                    self.record_node_created(&node, now);
                }
                self.nodes_changed(now);
            }
            Effect::NodeUpdated(_) => self.nodes_changed(now),
            Effect::NamespaceCreated(name) => {
                let key = ObjectKey {
                    kind: "Namespace".into(),
                    namespace: String::new(),
                    name,
                };
                self.record(now, key, Body::Change(Change::created()));
            }
            Effect::ObjectCreated(kind, namespace, name) => {
                self.controllers.observe_object(&kind, &namespace, &name);
                let key = ObjectKey {
                    kind,
                    namespace,
                    name,
                };
                self.record(now, key, Body::Change(Change::created()));
            }
            Effect::ObjectUpdated(kind, namespace, name) => {
                self.controllers.observe_object(&kind, &namespace, &name);
            }
            Effect::ObjectDeleted(kind, namespace, name) => {
                let key = ObjectKey {
                    kind,
                    namespace,
                    name,
                };
                self.record(now, key, Body::Change(Change::Deleted));
            }
            Effect::UnsimulatedField { field, object } => {
                self.unsimulated_fields.entry(field).or_insert(object);
            }
            Effect::NotSimulated(line) => self.not_simulated.push(line),
        }
    }

    /// Nodes changed (labels, taints, cordon): the scheduler refreshes its view, and pods that
    /// did not fit are tried again.
    pub(crate) fn nodes_changed(&mut self, now: SimTime) {
        self.controllers.observe_nodes(&self.state);
        self.scheduler.sync_nodes(&self.state);
        self.scheduler.queue.move_all_to_active_or_backoff(now);
        self.ensure_scheduling(now);
    }

    /// A stored object changed outside the controllers: those that watch its kind sync it.
    pub(crate) fn object_changed(&mut self, kind: &str, namespace: &str, name: &str) {
        self.controllers.observe_object(kind, namespace, name);
    }

    /// Queues a controller sync at `now` when some workload changed, and the controllers'
    /// earliest timer.
    pub(crate) fn ensure_controllers(&mut self, now: SimTime) {
        if self.controllers.has_work() && !self.controller_sync_pending {
            self.controller_sync_pending = true;
            self.push(now, Event::ControllerSync);
        }
        if let Some(at) = self.controllers.next_timer() {
            if self.controller_timer_at.is_none_or(|queued| at < queued) {
                let due = at.max(now);
                self.controller_timer_at = Some(due);
                self.push(due, Event::ControllerTimer(due));
            }
        }
    }

    /// Carries out the requests of one controller sync: each owner's pods in slow-start
    /// batches, the others as they come; then the owners some of whose pods were refused are
    /// requeued with their rate-limited delay.
    fn apply_sync_requests(&mut self, requests: Vec<Request>, now: SimTime) {
        let mut slow_start = crate::controllers::SlowStart::default();
        let mut failed = std::collections::BTreeMap::new();
        for request in requests {
            let Request::CreatePod {
                meta,
                spec,
                kind,
                source,
            } = request
            else {
                self.apply_request(request, now);
                continue;
            };
            let (Some(owner), namespace) = (meta.owner.clone(), meta.namespace.clone()) else {
                continue;
            };
            if !slow_start.attempt(&owner.uid) {
                continue;
            }
            if let Err(refusal) = self.create_owned_pod(meta, spec, (kind, source), now) {
                slow_start.refused(&owner.uid);
                failed
                    .entry((owner.kind, namespace, owner.name))
                    .or_insert(refusal.message);
            }
        }
        self.controllers.sync_outcome(&mut self.state, &failed, now);
    }

    /// Carries out what a controller asked of the API server.
    // DEVIATION: controller API calls take no simulated time (no client QPS limit).
    fn apply_request(&mut self, request: Request, now: SimTime) {
        match request {
            Request::CreatePod {
                meta,
                spec,
                kind,
                source,
            } => {
                let _ = self.create_owned_pod(meta, spec, (kind, source), now);
            }
            Request::DeletePod { namespace, name } => {
                self.delete_pod(&namespace, &name, None, now);
            }
            Request::ForceDeletePod { namespace, name } => {
                self.delete_pod(&namespace, &name, Some(0), now);
            }
            Request::CreateObject(object) => {
                self.request(now, |api| admission::store_object(api, object, now))
            }
            Request::NodesChanged => self.nodes_changed(now),
        }
    }

    /// Creates a pod a controller asked for and records the outcome on its owner (of `kind`,
    /// reported by `source`): `SuccessfulCreate`, or `FailedCreate` quoting the API server's
    /// refusal, which is returned.
    // K8S: pkg/controller/controller_utils.go (RealPodControl.createPods)
    fn create_owned_pod(
        &mut self,
        meta: crate::model::ObjectMeta,
        spec: std::sync::Arc<crate::model::PodSpec>,
        (kind, source): (&'static str, &'static str),
        now: SimTime,
    ) -> Result<(), crate::apiserver::Status> {
        let owner = meta
            .owner
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let (namespace, name) = (meta.namespace.clone(), meta.name.clone());
        let result = self
            .request(now, |api| admission::admit_pod(api, meta, spec, now))
            .map(|_| ());
        let (type_, reason, message) = match &result {
            Ok(()) => (
                EventType::Normal,
                "SuccessfulCreate",
                format!("Created pod: {name}"),
            ),
            Err(refusal) => (
                EventType::Warning,
                "FailedCreate",
                format!("Error creating: {}", refusal.message),
            ),
        };
        self.state.record_event(K8sEvent::new(
            ObjectRef::new(kind, &namespace, &owner),
            type_,
            reason,
            message,
            source,
            now,
        ));
        result
    }

    /// Queues a scheduling cycle for when the scheduler next has a pod ready.
    fn ensure_scheduling(&mut self, now: SimTime) {
        if let Some(ready) = self.scheduler.next_ready(now) {
            if self.schedule_at.is_none_or(|at| ready < at) {
                self.schedule_at = Some(ready);
                self.push(ready, Event::ScheduleNext);
            }
        }
        if self.scheduler.queue.has_unschedulable() && !self.flush_pending {
            self.flush_pending = true;
            self.push(
                now + crate::scheduler::queue_flush_period(),
                Event::FlushUnschedulable,
            );
        }
    }

    /// Overrides the default of explaining scheduling attempts on small clusters only.
    pub fn set_explain_scheduling(&mut self, explain: bool) {
        self.scheduler.set_explain(explain);
    }

    /// Explains every scheduling attempt and keeps each pod's last explanation in
    /// [`Simulation::explanations`] (for `kubesim explain`).
    pub fn keep_explanations(&mut self) {
        self.scheduler.set_explain(true);
        self.keep_explanations = true;
    }

    fn record_explanation(&mut self, decision: &Decision, explanation: Explanation, now: SimTime) {
        let id = match decision {
            Decision::Bind { pod, .. } | Decision::Unschedulable { pod, .. } => *pod,
        };
        let Some(pod) = self.state.pod(id) else {
            return;
        };
        let key = (pod.meta.namespace.clone(), pod.meta.name.clone());
        let object = pod_key(&key.0, &key.1);
        if self.keep_explanations {
            self.record(now, object, Body::Scheduling(explanation.clone()));
            self.explanations.insert(key, (now, explanation));
        } else {
            self.record(now, object, Body::Scheduling(explanation));
        }
    }

    fn apply_decision(&mut self, decision: Decision, now: SimTime) {
        match decision {
            Decision::Bind { pod: id, node } => {
                let Some(pod) = self.state.pod_mut(id) else {
                    return;
                };
                pod.node_name = Some(node.clone());
                pod.status
                    .set_condition(PodCondition::new("PodScheduled", true, now));
                let (ns, name) = (pod.meta.namespace.clone(), pod.meta.name.clone());
                // Each profile reports as its own schedulerName.
                let source = pod.spec.scheduler_name.clone();
                // K8S: pkg/scheduler/schedule_one.go (handleBindingCycle: "Successfully assigned")
                self.state.record_event(K8sEvent::new(
                    ObjectRef::new("Pod", &ns, &name),
                    EventType::Normal,
                    "Scheduled",
                    format!("Successfully assigned {ns}/{name} to {node}"),
                    source,
                    now,
                ));
                self.flush_changes(now);
                let mut out = Vec::new();
                self.kubelets.pod_bound(&mut self.state, id, now, &mut out);
                self.push_kubelet(out);
            }
            Decision::Unschedulable {
                pod: id,
                message,
                nomination,
            } => {
                let Some(pod) = self.state.pod_mut(id) else {
                    return;
                };
                // K8S: pkg/scheduler/schedule_one.go (handleSchedulingFailure)
                pod.status.set_condition(
                    PodCondition::new("PodScheduled", false, now)
                        .because("Unschedulable", message.clone()),
                );
                let (ns, name) = (pod.meta.namespace.clone(), pod.meta.name.clone());
                let source = pod.spec.scheduler_name.clone();
                self.state.record_event(K8sEvent::new(
                    ObjectRef::new("Pod", &ns, &name),
                    EventType::Warning,
                    "FailedScheduling",
                    message,
                    source,
                    now,
                ));
                self.apply_nomination(id, nomination, now);
            }
        }
    }

    /// Writes what preemption decided: the preemptor's nominated node, the nominations it
    /// displaced, and the eviction of each victim.
    // K8S: pkg/scheduler/framework/preemption/preemption.go (prepareCandidate, PreemptPod)
    fn apply_nomination(&mut self, id: PodId, nomination: Nomination, now: SimTime) {
        let Some(preemptor) = self.state.pod_mut(id) else {
            return;
        };
        let (node, victims, displaced) = match nomination {
            Nomination::Keep => return,
            Nomination::Clear => {
                preemptor.status.nominated_node_name = None;
                return;
            }
            Nomination::Node {
                node,
                victims,
                displaced,
            } => (node, victims, displaced),
        };
        preemptor.status.nominated_node_name = Some(node.clone());
        let uid = preemptor.meta.uid.clone();
        let source = preemptor.spec.scheduler_name.clone();
        let condition_message =
            format!("{source}: preempting to accommodate a higher priority pod");
        for other in displaced {
            if let Some(p) = self.state.pod_mut(other) {
                p.status.nominated_node_name = None;
            }
        }
        for victim in victims {
            let Some(pod) = self.state.pod_mut(victim) else {
                continue;
            };
            if pod.meta.deletion.is_some() {
                continue;
            }
            pod.status.set_condition(
                PodCondition::new("DisruptionTarget", true, now)
                    .because(PREEMPTION_BY_SCHEDULER, condition_message.clone()),
            );
            let (ns, name) = (pod.meta.namespace.clone(), pod.meta.name.clone());
            self.state.record_event(K8sEvent::new(
                ObjectRef::new("Pod", &ns, &name),
                EventType::Normal,
                "Preempted",
                format!("Preempted by pod {uid} on node {node}"),
                source.clone(),
                now,
            ));
            self.delete_pod(&ns, &name, None, now);
        }
    }

    /// `kubectl delete pod`: unscheduled pods go at once; scheduled ones are stopped by their
    /// kubelet first (Terminating) unless the grace period is 0. False when there is no such
    /// pod.
    fn delete_pod(
        &mut self,
        namespace: &str,
        name: &str,
        grace: Option<i64>,
        now: SimTime,
    ) -> bool {
        let Some(id) = self.state.pod_id(namespace, name) else {
            return false;
        };
        let pod = self.state.pod_mut(id).expect("indexed pods exist");
        // A pod already being deleted goes at once only when forced (grace period 0).
        if pod.meta.deletion.is_some() && grace != Some(0) {
            return true;
        }
        // K8S: pkg/kubelet/pod/mirror_client.go: deleting a mirror pod does not stop the static
        // pod; its kubelet creates the mirror again at once (while there is a kubelet and the
        // manifest is still in its directory).
        let configured = !self.orphaned.contains(&id) && !self.removed_static.contains_key(&id);
        if configured
            && pod
                .meta
                .annotations
                .contains_key(admission::MIRROR_ANNOTATION)
        {
            let uid = self.state.new_uid();
            let pod = self.state.pod_mut(id).expect("indexed pods exist");
            pod.meta.uid = uid;
            pod.meta.creation = now;
            let key = pod_key(namespace, name);
            self.record(now, key.clone(), Body::Change(Change::Deleted));
            self.record(now, key, Body::Change(Change::created()));
            return true;
        }
        let grace = grace.unwrap_or(pod.spec.termination_grace_period_seconds);
        pod.meta.deletion = Some(now + SimDuration::from_secs(grace.max(0) as u64));
        pod.meta.deletion_grace_period_seconds = Some(grace);
        let bound = pod.node_name.is_some();
        let node_down = pod
            .node_name
            .as_ref()
            .is_some_and(|n| self.parked.contains_key(n))
            || self.orphaned.contains(&id);
        if !bound || grace == 0 {
            self.remove_pod(id, now);
        } else if node_down {
            // Nobody stops its containers until the kubelet is back: Terminating meanwhile.
        } else {
            self.kubelet_acts(id, now, |k, state, out| k.pod_deleting(state, id, now, out));
        }
        true
    }

    /// Removes a deleting pod once none of its containers runs any more; the mirror pod of a
    /// removed static manifest goes at its kubelet's next housekeeping.
    fn finish_deletion_if_done(&mut self, pod: Option<PodId>, now: SimTime) {
        let Some(id) = pod else { return };
        let Some(p) = self.state.pod(id) else { return };
        let running = p
            .status
            .container_statuses
            .iter()
            .chain(&p.status.init_container_statuses)
            .any(|s| matches!(s.state, crate::model::ContainerState::Running { .. }));
        if running {
            return;
        }
        if p.meta.deletion.is_some() {
            self.remove_pod(id, now);
        } else if let Some(queued) = self.removed_static.get_mut(&id).filter(|q| !**q) {
            *queued = true;
            let at = crate::kubelet::next_housekeeping(now);
            self.push(at, Event::DeleteMirrorPod(id));
        }
    }

    fn remove_pod(&mut self, id: PodId, now: SimTime) {
        self.flush_changes(now);
        self.controllers.observe_pod(self.state.pod(id), None);
        self.scheduler.on_pod_released(&self.state, id, now);
        self.scheduler.forget(id);
        self.orphaned.remove(&id);
        self.removed_static.remove(&id);
        if let Some(pod) = self.state.remove_pod(id) {
            quota::refresh(&mut self.state, &pod.meta.namespace);
            self.record(
                now,
                pod_key(&pod.meta.namespace, &pod.meta.name),
                Body::Change(Change::Deleted),
            );
        }
        self.ensure_scheduling(now);
    }

    fn command_record(&mut self, now: SimTime, command: String, output: String) {
        self.tool_record(now, "kubectl", command, output);
    }

    fn tool_record(&mut self, now: SimTime, tool: &str, command: String, output: String) {
        self.record(
            now,
            ObjectKey {
                kind: "Command".into(),
                namespace: String::new(),
                name: tool.into(),
            },
            Body::Change(Change::Command { command, output }),
        );
    }

    /// Writes the records for what changed while handling the current event.
    fn flush_changes(&mut self, now: SimTime) {
        let (pods, events) = self.state.drain_changes();
        for event in events {
            let key = ObjectKey {
                kind: event.involved.kind.to_string(),
                namespace: event.involved.namespace.clone(),
                name: event.involved.name.clone(),
            };
            self.record(now, key, Body::Event(changes::event_body(&event)));
        }
        for (node, c) in self.state.drain_node_conditions() {
            let key = ObjectKey {
                kind: "Node".into(),
                namespace: String::new(),
                name: node,
            };
            let change = Change::Condition {
                type_: c.type_,
                status: c.status,
                reason: Some(c.reason),
                message: Some(c.message),
            };
            self.record(now, key, Body::Change(change));
        }
        for (node, bytes) in self.state.drain_node_memory() {
            let key = ObjectKey {
                kind: "Node".into(),
                namespace: String::new(),
                name: node,
            };
            let memory = crate::model::Quantity::from_value(
                bytes as i64,
                crate::model::quantity::Format::BinarySI,
            );
            let change = Change::Usage {
                memory: memory.to_string(),
            };
            self.record(now, key, Body::Change(change));
        }
        for note in self.state.drain_notes() {
            let Some(pod) = self.state.pod(note.pod) else {
                continue;
            };
            let key = pod_key(&pod.meta.namespace, &pod.meta.name);
            let change = Change::Note {
                container: note.container,
                note: note.text,
            };
            self.record(now, key, Body::Change(change));
        }
        for (id, before) in pods {
            let Some(after) = self.state.pod(id) else {
                continue;
            };
            self.controllers.observe_pod(Some(&before), Some(after));
            // A finished pod no longer charges its quota's compute resources.
            if before.is_terminal() != after.is_terminal() {
                let namespace = after.meta.namespace.clone();
                quota::refresh(&mut self.state, &namespace);
            }
            let Some(after) = self.state.pod(id) else {
                continue;
            };
            let records = changes::pod_changes(&before, after);
            let key = pod_key(&after.meta.namespace, &after.meta.name);
            for change in records {
                self.record(now, key.clone(), Body::Change(change));
            }
        }
    }

    fn record(&mut self, now: SimTime, object: ObjectKey, body: Body) {
        self.stats.records += 1;
        let Some(trace) = &mut self.trace else { return };
        match trace.write(now, object, body, self.cause) {
            Ok(seq) => self.last_record = Some(seq),
            Err(e) => self.trace_error = Some(e),
        }
    }
}

fn pod_key(namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        kind: "Pod".into(),
        namespace: namespace.to_string(),
        name: name.to_string(),
    }
}
