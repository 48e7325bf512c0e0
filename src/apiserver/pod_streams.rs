//! Where `pods/log` and `pods/exec` lead: the API server's checks of the container a stream
//! names and of the pod's node, made before it hands the request on to that node's kubelet.

use super::Status;
use crate::model::Pod;

/// The container a log or exec stream reads: the one named, which must be the pod's, or the
/// pod's only app container when none is named.
// K8S: pkg/registry/core/pod/strategy.go (validateContainer; its list of names visits init
// containers before app containers, and prints as Go prints a []string)
pub fn container(pod: &Pod, given: Option<&str>) -> Result<String, Status> {
    let name = &pod.meta.name;
    let inits = pod.spec.init_containers.iter();
    let mut names = inits.chain(&pod.spec.containers).map(|c| c.name.as_str());
    match given.filter(|g| !g.is_empty()) {
        Some(given) if names.any(|n| n == given) => Ok(given.to_string()),
        Some(given) => Err(Status::bad_request(format!(
            "container {given} is not valid for pod {name}"
        ))),
        None => match pod.spec.containers.as_slice() {
            [only] => Ok(only.name.clone()),
            [] => Err(Status::bad_request(format!(
                "a container name must be specified for pod {name}"
            ))),
            _ => Err(Status::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                names.collect::<Vec<_>>().join(" ")
            ))),
        },
    }
}

/// An exec stream needs a node to run on: the pod must have been scheduled.
// K8S: pkg/registry/core/pod/strategy.go (streamLocation)
pub fn host(pod: &Pod) -> Result<(), Status> {
    match pod.node_name {
        Some(_) => Ok(()),
        None => Err(Status::bad_request(format!(
            "pod {} does not have a host assigned",
            pod.meta.name
        ))),
    }
}
