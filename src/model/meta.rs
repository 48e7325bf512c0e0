//! Object metadata shared by every kind: name, namespace, labels, timestamps.

use std::collections::BTreeMap;

use crate::engine::SimTime;

/// The part of `metav1.ObjectMeta` the simulator uses. Times are simulated instants; they become
/// RFC 3339 timestamps only when rendered (see `manifest::render`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectMeta {
    pub name: String,
    /// Empty for cluster-scoped objects (nodes, namespaces).
    pub namespace: String,
    /// Deterministic: derived from the object's creation order, never random.
    pub uid: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub creation: SimTime,
    /// Set when deletion was requested (the API server's `deletionTimestamp`).
    pub deletion: Option<SimTime>,
    pub deletion_grace_period_seconds: Option<i64>,
    /// The controller that owns the object (`metadata.ownerReferences` with `controller: true`).
    pub owner: Option<OwnerReference>,
}

/// A controller reference: which object created and manages this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
}

impl ObjectMeta {
    /// `namespace/name`, or just `name` for cluster-scoped objects: how kubectl names objects in
    /// messages such as "Successfully assigned default/web to node01".
    pub fn key(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}
