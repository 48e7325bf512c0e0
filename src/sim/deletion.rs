//! DELETE as the simulation answers it: a pod's deletion is graceful (its kubelet stops it
//! first), a node's takes its kubelet away, and another object leaves the store through the
//! API server and the garbage collector deletes what it owned.

use serde_json::Value;

use super::Simulation;
use crate::apiserver::requests::{self, Propagation};
use crate::apiserver::resources::Resource;
use crate::apiserver::Status;
use crate::engine::SimTime;

impl Simulation {
    /// Deletes `resource` `name` in `namespace`, a pod with `grace` seconds to stop (its
    /// `terminationGracePeriodSeconds` when `None`; 0 removes it at once). Answers with the
    /// object as it was before the deletion.
    // DEVIATION: foreground propagation deletes the dependents in the background too, and
    // orphaned dependents keep their ownerReferences.
    pub fn delete(
        &mut self,
        resource: &Resource,
        namespace: &str,
        name: &str,
        grace: Option<i64>,
        propagation: Propagation,
        now: SimTime,
    ) -> Result<Value, Status> {
        match resource.kind {
            "Pod" => {
                let object = requests::get(&self.state, resource, namespace, name)?;
                self.delete_pod(namespace, name, grace, now);
                return Ok(object);
            }
            "Node" => {
                let object = requests::get(&self.state, resource, "", name)?;
                self.node_remove(name, now);
                return Ok(object);
            }
            _ => {}
        }
        let object = self.request(now, |api| requests::delete(api, resource, namespace, name))?;
        if propagation != Propagation::Orphan {
            let uid = object["metadata"]["uid"].as_str().unwrap_or_default();
            self.collect_dependents(uid, now);
        }
        Ok(object)
    }

    /// The garbage collector's background cascade for a deleted owner: the objects it
    /// controlled (and theirs), then its pods, gracefully.
    // K8S: pkg/controller/garbagecollector (background propagation)
    fn collect_dependents(&mut self, owner_uid: &str, now: SimTime) {
        let owned: Vec<(String, String, String)> = (self.state.objects.iter())
            .filter(|(_, o)| crate::controllers::workload::controller_uid(o) == Some(owner_uid))
            .map(|(k, _)| k.clone())
            .collect();
        for (kind, namespace, name) in owned {
            let resource = crate::apiserver::resources::of_kind(&kind);
            let _ = self.delete(
                resource,
                &namespace,
                &name,
                None,
                Propagation::Background,
                now,
            );
        }
        let pods: Vec<(String, String)> = (self.state.pods_owned_by(owner_uid))
            .map(|(_, p)| (p.meta.namespace.clone(), p.meta.name.clone()))
            .collect();
        for (namespace, name) in pods {
            self.delete_pod(&namespace, &name, None, now);
        }
    }
}
