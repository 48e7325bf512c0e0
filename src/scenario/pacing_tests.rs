//! The simulation driven by a pacer (real mode's wall clock), with stand-in pacers: each event
//! is handled at the instant the pacer measured, and an interrupted pacer stops the run.
//! The tests live beside the scenario because they build their simulations from scenario text;
//! the simulation itself knows nothing of scenarios.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use crate::engine::{Interrupted, Pacer, SimDuration, SimTime};
use crate::sim::Simulation;
use crate::trace::MemorySink;

const SCENARIO: &str = r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: paced}
spec:
  duration: 6s
  nodes:
  - name: node01
    latency: {sandbox: {median: 35ms}, containerStart: {median: 25ms}, pullOverhead: 0ms, pullBandwidth: 1G}
  manifests:
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: exit-one}
      spec:
        restartPolicy: Never
        containers: [{name: app, image: busybox, command: [sh, -c, "sleep 2; exit 1"]}]
"#;

/// A container that exits 1 a second after each start, restarted under CrashLoopBackOff.
const CRASH_LOOP: &str = r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: crash-loop}
spec:
  duration: 20s
  nodes: [{name: node01}]
  manifests:
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: crasher}
      spec:
        containers: [{name: app, image: busybox, command: [sh, -c, "sleep 1; exit 1"]}]
"#;

/// A host that reaches every instant `late` after it was due (and never goes back).
struct Late {
    late: SimDuration,
    last: SimTime,
    asked: Rc<RefCell<Vec<SimTime>>>,
}

impl Pacer for Late {
    fn reach(&mut self, at: SimTime) -> Result<SimTime, Interrupted> {
        self.asked.borrow_mut().push(at);
        self.last = self.last.max(at + self.late);
        Ok(self.last)
    }
}

/// A run that is interrupted once it is asked to wait past `after`.
struct StopAfter(SimTime);

impl Pacer for StopAfter {
    fn reach(&mut self, at: SimTime) -> Result<SimTime, Interrupted> {
        if at > self.0 {
            Err(Interrupted)
        } else {
            Ok(at)
        }
    }
}

/// The trace of the scenario run to its end, paced by `pacer` if given.
fn trace(pacer: Option<Box<dyn Pacer>>) -> String {
    trace_of(SCENARIO, pacer)
}

/// The trace of scenario `yaml` run to its end, paced by `pacer` if given.
fn trace_of(yaml: &str, pacer: Option<Box<dyn Pacer>>) -> String {
    let scenario = crate::scenario::load_str(yaml, "paced.yaml", Path::new(".")).unwrap();
    let out = MemorySink::default();
    let mut sim = Simulation::new(scenario.setup(), 1, Some(Box::new(out.clone()))).unwrap();
    sim.set_pacer(pacer);
    sim.run_until(sim.end()).unwrap();
    sim.finish().unwrap();
    let bytes = out.bytes().clone();
    String::from_utf8(bytes).unwrap()
}

/// The instant of the first record whose line contains `needle`.
fn t_of(trace: &str, needle: &str) -> u64 {
    let line = trace.lines().find(|l| l.contains(needle)).unwrap();
    let record: serde_json::Value = serde_json::from_str(line).unwrap();
    record["t"].as_u64().unwrap()
}

#[test]
fn a_pacer_on_time_changes_nothing() {
    let asked = Rc::new(RefCell::new(Vec::new()));
    let on_time = Late {
        late: SimDuration::ZERO,
        last: SimTime::ZERO,
        asked: asked.clone(),
    };
    assert_eq!(trace(Some(Box::new(on_time))), trace(None));
    // Every event's instant, then the end.
    assert_eq!(asked.borrow().last(), Some(&SimTime::from_secs(6)));
}

#[test]
fn events_happen_at_the_instant_the_pacer_measured() {
    let simulated = trace(None);
    let late = Late {
        late: SimDuration::from_millis(7),
        last: SimTime::ZERO,
        asked: Rc::default(),
    };
    let paced = trace(Some(Box::new(late)));
    // Simulated: sandbox 35 ms, pull 2 ms, container start 25 ms; the exit at 2.062 s is
    // noticed by the relist at 3 s.
    assert_eq!(t_of(&simulated, "\"Started\""), 62);
    assert_eq!(t_of(&simulated, "\"terminated\""), 3000);
    // Each hop is 7 ms late and the next is scheduled from the late instant: the apply (7),
    // scheduling (14), sandbox ready (14+35+7 = 56), pulled (56+2+7 = 65), started
    // (65+25+7 = 97).
    assert_eq!(t_of(&paced, "\"Started\""), 97);
    // The relist still ticks on whole seconds; it is reached 7 ms late.
    assert_eq!(t_of(&paced, "\"terminated\""), 3007);
}

/// The instants at which the container ran again, restart by restart.
fn restarts(trace: &str) -> Vec<u64> {
    trace
        .lines()
        .filter(|l| l.contains("\"state\":\"running\""))
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["t"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

// A late host handles a worker's queued sync after its instant: the sync must still count as
// the one queued, or the worker never syncs again and the back-off never ends (found by
// `kubesim validate scenarios/validation/crash-backoff.yaml`).
#[test]
fn a_late_pacer_still_restarts_after_the_back_off() {
    let simulated = restarts(&trace_of(CRASH_LOOP, None));
    let late = Late {
        late: SimDuration::from_millis(3),
        last: SimTime::ZERO,
        asked: Rc::default(),
    };
    let paced = restarts(&trace_of(CRASH_LOOP, Some(Box::new(late))));
    assert_eq!(simulated.len(), 3, "{simulated:?}");
    assert_eq!(paced.len(), 3, "{paced:?}");
    // The third run starts once the 10 s back-off counted from the second exit has passed.
    assert!(paced[2] > paced[1] + 10_000, "{paced:?}");
}

#[test]
fn an_interrupted_pacer_stops_the_run() {
    let scenario = crate::scenario::load_str(SCENARIO, "paced.yaml", Path::new(".")).unwrap();
    let mut sim = Simulation::new(scenario.setup(), 1, None).unwrap();
    sim.set_pacer(Some(Box::new(StopAfter(SimTime::from_secs(1)))));
    let err = sim.run_until(sim.end()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Interrupted);
}
