//! What `kubectl logs` and `kubectl exec` reach through the kubelet: what a container printed
//! (its current run, or the previous one) and a command run against its live process's
//! filesystem at an instant, read-only, so that looking never changes what happens next.

use super::behaviour::ProbeRun;
use super::lifecycle::ClusterDns;
use super::runtime::Container;
use super::{Kubelets, Slot, SlotRun};
use crate::engine::{SimDuration, SimTime};
use crate::model::pod::ContainerState;
use crate::model::{ClusterState, Pod, PodId};

/// How many exited runs a container slot keeps for its logs: the current run's and the
/// previous one's are all `kubectl logs [--previous]` can ask for.
// K8S: pkg/kubelet/kuberuntime/kuberuntime_gc.go (MaxPerPodContainer = 1: one dead container
// kept besides the current one, and its log with it)
const KEPT: usize = 2;

/// What a command run by [`Kubelets::exec`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRun {
    /// How it ended; an `Exited` run's output is what it wrote to stdout.
    pub run: ProbeRun,
    /// What it wrote to stderr.
    pub stderr: Vec<String>,
}

/// How long a command run by `kubectl exec` may take in simulated time.
// DEVIATION: kubectl waits on a command for as long as it runs; kubesim stops at this bound
// and says so, since nothing but the command would move on.
pub const EXEC_LIMIT: SimDuration = SimDuration::from_secs(600);

/// A command that ran to its end: its exit code, stdout and stderr lines.
pub struct ExecEnded {
    pub code: i32,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl ExecRun {
    /// How `command` ended, or why kubesim could not play it to its end.
    pub fn ended(self, command: &[String]) -> Result<ExecEnded, String> {
        match self.run {
            ProbeRun::Exited { code, output, .. } => Ok(ExecEnded {
                code,
                stdout: output,
                stderr: self.stderr,
            }),
            ProbeRun::TimedOut => Err(format!(
                "\"{}\" was still running after {EXEC_LIMIT} of simulated time; kubesim exec runs commands that end (kubectl would wait)",
                command.join(" ")
            )),
            ProbeRun::Unsupported(why) => Err(format!(
                "kubesim cannot simulate \"{}\": {why}",
                command.join(" ")
            )),
        }
    }
}

impl SlotRun {
    /// The live process has exited: keep it (its log) for `kubectl logs`, forgetting runs
    /// older than [`KEPT`].
    pub(super) fn keep_ended(&mut self) {
        if let Some(gone) = self.live.take() {
            self.ended.push((self.instance, gone));
            if self.ended.len() > KEPT {
                self.ended.remove(0);
            }
        }
    }

    /// The `instance`-th run of the slot, live or kept.
    fn instance(&self, instance: u64) -> Option<&dyn Container> {
        let live = self.live.as_deref().filter(|_| self.instance == instance);
        live.or_else(|| {
            let kept = self.ended.iter().find(|(n, _)| *n == instance);
            kept.map(|(_, c)| c.as_ref())
        })
    }
}

/// The slot of the container called `name`: app containers first, then init containers, as
/// kubectl looks names up.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go (FindContainerByName)
pub fn slot_of(pod: &Pod, name: &str) -> Option<Slot> {
    let app = pod.spec.containers.iter().position(|c| c.name == name);
    let app = app.map(|index| Slot { init: false, index });
    app.or_else(|| {
        let init = pod.spec.init_containers.iter().position(|c| c.name == name);
        init.map(|index| Slot { init: true, index })
    })
}

impl Kubelets {
    /// What the container `name` of the pod printed, as `kubectl logs [--previous]` shows it:
    /// the run the pod status names (the running or last terminated one; with `previous`, the
    /// one in `lastState`), or the kubelet's refusal.
    // K8S: pkg/kubelet/kubelet_pods.go (validateContainerLogStatus)
    pub fn logs(
        &self,
        pod: &Pod,
        id: PodId,
        name: &str,
        previous: bool,
    ) -> Result<Vec<String>, String> {
        let podname = &pod.meta.name;
        let slot = slot_of(pod, name);
        let statuses = |init: bool| match init {
            true => &pod.status.init_container_statuses,
            false => &pod.status.container_statuses,
        };
        let Some((slot, status)) = slot.and_then(|s| Some((s, statuses(s.init).get(s.index)?)))
        else {
            return Err(format!(
                "container {name:?} in pod {podname:?} is not available"
            ));
        };
        // Runs are numbered from 1 and each restart counts one: the current run is
        // `restartCount + 1` and the one in `lastState` comes just before it, unless the
        // container waits to run again, when `lastState` is the latest run itself.
        let current = status.restart_count.max(0) as u64 + 1;
        let terminated_before =
            matches!(status.last_state, Some(ContainerState::Terminated { .. }));
        let waiting = match &status.state {
            ContainerState::Waiting { reason, .. } => Some(reason.as_str()),
            _ => None,
        };
        let instance = match (waiting, previous) {
            (_, true) if !terminated_before => {
                return Err(format!(
                    "previous terminated container {name:?} in pod {podname:?} not found"
                ))
            }
            (Some(_), true) => current,
            (None, true) => current - 1,
            (None, false) => current,
            (Some(_), false) if terminated_before => current,
            (Some(reason), false) => {
                let why = match reason {
                    "ErrImagePull" => "image can't be pulled",
                    "ImagePullBackOff" => "trying and failing to pull image",
                    other => other,
                };
                return Err(format!(
                    "container {name:?} in pod {podname:?} is waiting to start: {why}"
                ));
            }
        };
        let run = self.run(id, slot).and_then(|r| r.instance(instance));
        Ok(run.map_or_else(Vec::new, |c| c.logs()))
    }

    /// Runs `command` in the container `name` of the pod at `now`, as `kubectl exec` does,
    /// on a copy of its filesystem; it may run for up to `timeout` of simulated time. Fails
    /// with the kubelet's words when the container has no running process.
    // K8S: pkg/kubelet/kubelet_pods.go (findContainer: "container not found")
    pub fn exec(
        &self,
        state: &ClusterState,
        id: PodId,
        name: &str,
        command: &[String],
        timeout: SimDuration,
        now: SimTime,
    ) -> Result<ExecRun, String> {
        let live = state.pod(id).and_then(|pod| {
            let run = self.run(id, slot_of(pod, name)?)?;
            Some((pod, run.live.as_deref()?))
        });
        let Some((pod, live)) = live else {
            return Err(format!("container not found ({name:?})"));
        };
        let dns = ClusterDns {
            state,
            namespace: &pod.meta.namespace,
        };
        // DEVIATION: the command sees the files as they are at `now` throughout; the
        // container's own process does not run on while an exec'd command sleeps.
        let (run, stderr) = live.exec_apart(command, timeout, now, &dns);
        Ok(ExecRun { run, stderr })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;
    use crate::sim::Simulation;

    /// A pod whose container prints a line and fails at once, again and again; one that
    /// stays up; one that never gets its image.
    const SCENARIO: &str = r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: inspect}
spec:
  duration: 5m
  manifests:
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: flaky}
      spec:
        containers:
        - {name: app, image: busybox, command: ['sh', '-c', 'echo run; exit 3']}
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: steady}
      spec:
        containers:
        - {name: app, image: busybox, command: ['sh', '-c', 'touch /tmp/a; echo up; sleep 3600']}
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: nopull}
      spec:
        containers:
        - {name: app, image: redis123}
"#;

    fn simulation_at(secs: u64) -> Simulation {
        let scenario = scenario::load_str(SCENARIO, "inspect.yaml", std::path::Path::new("."))
            .expect("the test scenario loads");
        let mut sim = Simulation::new(scenario.setup(), scenario.seed, None).expect("no trace");
        sim.run_until(SimTime::from_millis(secs * 1000))
            .expect("no trace");
        sim
    }

    fn logs(sim: &Simulation, pod: &str, previous: bool) -> Result<Vec<String>, String> {
        let id = sim.state.pod_id("default", pod).expect("the pod exists");
        let pod = sim.state.pod(id).expect("indexed");
        sim.kubelets().logs(pod, id, "app", previous)
    }

    fn exec(sim: &Simulation, pod: &str, command: &str) -> Result<ExecRun, String> {
        let id = sim.state.pod_id("default", pod).expect("the pod exists");
        let argv: Vec<String> = command.split(' ').map(str::to_string).collect();
        let timeout = SimDuration::from_secs(1);
        sim.kubelets()
            .exec(&sim.state, id, "app", &argv, timeout, sim.now())
    }

    fn lines(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn logs_before_the_container_runs_are_refused_as_the_kubelet_does() {
        let sim = simulation_at(1);
        let previous = "previous terminated container \"app\" in pod \"flaky\" not found";
        assert_eq!(logs(&sim, "flaky", true), Err(previous.to_string()));
        let waiting = "container \"app\" in pod \"flaky\" is waiting to start: ContainerCreating";
        assert_eq!(logs(&sim, "flaky", false), Err(waiting.to_string()));
    }

    #[test]
    fn logs_of_a_crash_looping_container_are_its_last_run_current_or_previous() {
        let sim = simulation_at(60);
        let id = sim.state.pod_id("default", "flaky").unwrap();
        let status = &sim.state.pod(id).unwrap().status.container_statuses[0];
        assert!(status.restart_count >= 2, "{status:?}");
        assert_eq!(logs(&sim, "flaky", false), Ok(lines(&["run"])));
        assert_eq!(logs(&sim, "flaky", true), Ok(lines(&["run"])));
        assert_eq!(logs(&sim, "steady", false), Ok(lines(&["up"])));
    }

    #[test]
    fn logs_of_a_container_whose_image_cannot_be_pulled() {
        let sim = simulation_at(60);
        let why = "container \"app\" in pod \"nopull\" is waiting to start: trying and failing to pull image";
        assert_eq!(logs(&sim, "nopull", false), Err(why.to_string()));
    }

    #[test]
    fn exec_reads_the_live_filesystem_and_writes_only_to_a_copy() {
        let sim = simulation_at(60);
        let listed = exec(&sim, "steady", "ls /tmp").unwrap();
        let exited = |code, output: &[&str]| ProbeRun::Exited {
            code,
            output: lines(output),
            elapsed_ms: 0,
        };
        assert_eq!(listed.run, exited(0, &["a"]));
        assert_eq!(
            exec(&sim, "steady", "touch /tmp/b").unwrap().run,
            exited(0, &[])
        );
        assert_eq!(exec(&sim, "steady", "ls /tmp").unwrap(), listed);
        let missing = exec(&sim, "steady", "cat /tmp/b").unwrap();
        assert_eq!(missing.run, exited(1, &[]));
        let why = "cat: can't open '/tmp/b': No such file or directory";
        assert_eq!(missing.stderr, lines(&[why]));
    }

    #[test]
    fn exec_needs_a_running_process() {
        let sim = simulation_at(60);
        let gone = "container not found (\"app\")";
        assert_eq!(exec(&sim, "flaky", "ls"), Err(gone.to_string()));
        assert_eq!(exec(&sim, "nopull", "ls"), Err(gone.to_string()));
    }
}
