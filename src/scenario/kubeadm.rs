//! The add-ons of a kubeadm cluster (`kubeadm.yaml`): plain manifests, and scenarios that say
//! `spec.cluster: kubeadm`, run on a cluster that already has its control plane, kube-proxy,
//! a CNI and CoreDNS, as the clusters of CKA exercises do.

use std::path::Path;

use serde::Deserialize;

use super::Scenario;
use crate::manifest::Object;
use crate::model::node::normalized_image;

const ADDONS: &str = include_str!("kubeadm.yaml");

/// The label kubeadm gives the node it ran `kubeadm init` on.
// K8S: cmd/kubeadm/app/constants/constants.go (LabelNodeRoleControlPlane)
pub const CONTROL_PLANE_LABEL: &str = "node-role.kubernetes.io/control-plane";

/// What a scenario's cluster has before its own manifests (`spec.cluster`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterKind {
    /// kubeadm's add-ons: the default for plain manifests.
    Kubeadm,
    /// Nodes only: the default for scenario files, whose traces predate the add-ons.
    Bare,
}

/// Adds the add-ons to `scenario`: the control plane's static pods on its control-plane node,
/// the add-ons' objects before the scenario's own manifests, their behaviours after the
/// scenario's (which therefore win), and their images already on every node, as on a cluster
/// that ran before the scenario starts. Fails, with the reason, when no node carries the
/// control-plane label.
pub fn add_to(scenario: &mut Scenario) -> Result<(), String> {
    let control_plane = scenario
        .nodes
        .iter()
        .find(|n| n.meta.labels.contains_key(CONTROL_PLANE_LABEL))
        .map(|n| n.meta.name.clone())
        .ok_or_else(|| {
            format!(
                "a kubeadm cluster needs a control-plane node: give one node group the label \
                 `{CONTROL_PLANE_LABEL}: \"\"` (and usually its NoSchedule taint), or use \
                 `cluster: bare`"
            )
        })?;
    let addons = super::load_str(ADDONS, "kubeadm.yaml", Path::new("."))
        .expect("the embedded kubeadm add-ons are a valid scenario");
    let mut images: Vec<String> = (addons.static_pods.iter().map(|(_, m)| m))
        .chain(&addons.manifests)
        .flat_map(|m| manifest_images(&m.object))
        .collect();
    images.sort();
    images.dedup();
    for node in &mut scenario.nodes {
        for image in &images {
            let size = crate::kubelet::images::size(image);
            node.images.insert(normalized_image(image), size);
        }
    }
    scenario.static_pods.extend(
        addons
            .static_pods
            .into_iter()
            .map(|(_, manifest)| (control_plane.clone(), manifest)),
    );
    let own = std::mem::take(&mut scenario.manifests);
    scenario.manifests = addons.manifests.into_iter().chain(own).collect();
    scenario.behaviours.extend(addons.behaviours);
    Ok(())
}

/// The images of an object's containers and init containers (a Pod, or a workload's template).
fn manifest_images(object: &Object) -> Vec<String> {
    match object {
        Object::Pod(pod) => (pod.spec.init_containers.iter())
            .chain(&pod.spec.containers)
            .map(|c| c.image.clone())
            .collect(),
        Object::Stored(stored) => {
            let spec = &stored.body["spec"]["template"]["spec"];
            ["initContainers", "containers"]
                .iter()
                .filter_map(|list| spec[list].as_array())
                .flatten()
                .filter_map(|c| c["image"].as_str().map(str::to_string))
                .collect()
        }
        Object::Node(_) | Object::Namespace(_) => Vec::new(),
    }
}
