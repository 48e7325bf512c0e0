//! `kubesim logs` and `kubesim exec`: a container's output and a command's view of its
//! filesystem at a simulated instant, with kubectl's container defaulting and the API
//! server's, the kubelet's and kubectl's refusals word for word.

use super::{simulate_to, AtArgs, CliError};
use crate::kubelet::{slot_of, EXEC_LIMIT};
use crate::model::pod::PodPhase;
use crate::model::{Pod, PodId};
use crate::sim::Simulation;

/// The annotation that names the container kubectl picks when `-c` is not given.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go (DefaultContainerAnnotationName)
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// Which kubectl command picks a container: they treat a default-container annotation that
/// names no container differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Logs,
    Exec,
}

/// What `logs` and `exec` are asked about.
pub(super) struct Target<'a> {
    pub pod: &'a str,
    pub container: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub at: &'a AtArgs,
}

/// `kubesim logs`: prints what the container printed, as `kubectl logs [--previous]`.
pub(super) fn logs(target: &Target<'_>, previous: bool) -> Result<i32, CliError> {
    let (sim, _) = simulate_to(target.at)?;
    let (id, pod) = find(&sim, target)?;
    let name = container(pod, target.container, Verb::Logs)?;
    // K8S: pkg/registry/core/pod/strategy.go (LogLocation: a pod with no node yet has an
    // empty log)
    if pod.node_name.is_none() {
        return Ok(0);
    }
    let lines = sim
        .kubelets()
        .logs(pod, id, &name, previous)
        .map_err(|why| CliError::Kubectl(format!("Error from server (BadRequest): {why}")))?;
    for line in lines {
        outln!("{line}")?;
    }
    Ok(0)
}

/// `kubesim exec`: runs the command in the container at the instant and returns its exit
/// code, printing its stdout and stderr apart, as `kubectl exec POD -- CMD`.
pub(super) fn exec(target: &Target<'_>, command: &[String]) -> Result<i32, CliError> {
    let (sim, now) = simulate_to(target.at)?;
    let (id, pod) = find(&sim, target)?;
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/exec/exec.go (Run)
    if matches!(pod.status.phase, PodPhase::Succeeded | PodPhase::Failed) {
        return Err(CliError::Kubectl(format!(
            "error: cannot exec into a container in a completed pod; current phase is {}",
            pod.status.phase.as_str()
        )));
    }
    let name = container(pod, target.container, Verb::Exec)?;
    crate::apiserver::pod_streams::host(pod).map_err(|s| CliError::Kubectl(s.kubectl(None)))?;
    let ran = sim
        .kubelets()
        .exec(&sim.state, id, &name, command, EXEC_LIMIT, now)
        // K8S: staging/src/k8s.io/apiserver/pkg/util/proxy/streamtranslator.go (kubectl 1.30
        // and later speak WebSocket v5, which the API server upgrades itself: the kubelet's
        // refusal comes back as an InternalError, as `kubesim serve` sends it)
        .map_err(|why| {
            CliError::Kubectl(format!(
                "error: Internal error occurred: unable to upgrade connection: {why}"
            ))
        })?;
    let ended = ran.ended(command).map_err(CliError::Usage)?;
    for line in ended.stdout {
        outln!("{line}")?;
    }
    for line in ended.stderr {
        errln!("{line}")?;
    }
    // K8S: staging/src/k8s.io/client-go/tools/remotecommand/v4.go (a NonZeroExitCode status
    // becomes this error) and kubectl's cmd/util/helpers.go (checkErr prints an exit error as
    // is and exits with its code)
    if ended.code != 0 {
        errln!("command terminated with exit code {}", ended.code)?;
    }
    Ok(ended.code)
}

/// The pod asked about, or the API server's NotFound.
fn find<'s>(sim: &'s Simulation, target: &Target<'_>) -> Result<(PodId, &'s Pod), CliError> {
    let ns = target.namespace.unwrap_or("default");
    let id = sim.state.pod_id(ns, target.pod);
    let pod = id.and_then(|id| Some((id, sim.state.pod(id)?)));
    pod.ok_or_else(|| {
        super::get::not_found(crate::apiserver::resources::of_kind("Pod"), target.pod)
    })
}

/// The container kubectl picks: `-c`, else the default-container annotation, else the first
/// app container, saying so on stderr when the pod has others.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go (FindOrDefaultContainerByName)
// and staging/src/k8s.io/kubectl/pkg/polymorphichelpers/logsforobject.go
fn container(pod: &Pod, given: Option<&str>, verb: Verb) -> Result<String, CliError> {
    let podname = &pod.meta.name;
    let names = all_container_names(pod);
    let invalid = |name: &str| {
        CliError::Kubectl(format!(
            "error: container {name} is not valid for pod {podname} out of: {names}"
        ))
    };
    if let Some(name) = given {
        return match slot_of(pod, name) {
            Some(_) => Ok(name.to_string()),
            None => Err(invalid(name)),
        };
    }
    let annotated = pod.meta.annotations.get(DEFAULT_CONTAINER);
    if let Some(name) = annotated.filter(|n| !n.is_empty()) {
        match (slot_of(pod, name), verb) {
            (Some(_), _) => return Ok(name.clone()),
            (None, Verb::Exec) => return Err(invalid(name)),
            (None, Verb::Logs) => {
                errln!("Default container name {name:?} not found in pod {podname}")?
            }
        }
    }
    let first = pod.spec.containers.first().map(|c| c.name.clone());
    let first = first.ok_or_else(|| {
        let ns = &pod.meta.namespace;
        CliError::Kubectl(format!(
            "error: pod {ns}/{podname} does not have any containers"
        ))
    })?;
    if pod.spec.containers.len() > 1 || !pod.spec.init_containers.is_empty() {
        errln!("Defaulted container {first:?} out of: {names}")?;
    }
    Ok(first)
}

/// The pod's containers as kubectl lists them: app containers, then init containers marked
/// `(init)`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go (AllContainerNames)
fn all_container_names(pod: &Pod) -> String {
    let apps = pod.spec.containers.iter().map(|c| c.name.clone());
    let inits = pod.spec.init_containers.iter();
    let inits = inits.map(|c| format!("{} (init)", c.name));
    apps.chain(inits).collect::<Vec<_>>().join(", ")
}
