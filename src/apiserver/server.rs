//! The API server's handle on the stored cluster for a request, and the watch events the
//! request produced. Its requests change only what is stored; whoever made them (the
//! simulation, for both the timeline's client and the controllers) fans the events out to the
//! scheduler, the kubelets and the controllers, which never hear from admission code directly.

use crate::model::{ClusterState, PodId};

/// The API server for the requests of one moment: the cluster's stored state, and what those
/// requests changed, in order.
pub struct ApiServer<'a> {
    pub state: &'a mut ClusterState,
    effects: Vec<Effect>,
}

/// One change a request made, as a watch event: what the components that care must learn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A pod was stored: it goes to its node's kubelet or to the scheduler.
    PodCreated(PodId),
    /// A pod's spec changed (an update of its images): its kubelet acts on it.
    PodUpdated(PodId),
    /// A node registered.
    NodeCreated(String),
    /// A node's labels, annotations, cordon or taints changed.
    NodeUpdated(String),
    /// A namespace was created.
    NamespaceCreated(String),
    /// An object of another kind was created (kind, namespace, name).
    ObjectCreated(String, String, String),
    /// An object of another kind changed (kind, namespace, name).
    ObjectUpdated(String, String, String),
    /// An object of another kind was deleted (kind, namespace, name).
    ObjectDeleted(String, String, String),
    /// A field the API accepts but the simulation does not act on, with the first object that
    /// used it (`pod/web at web.yaml:3`).
    UnsimulatedField { field: String, object: String },
    /// An object of a kind the simulation stores without acting on it (`kind/name (origin)`).
    NotSimulated(String),
}

impl<'a> ApiServer<'a> {
    /// The API server over `state`, with no requests made yet.
    pub fn new(state: &'a mut ClusterState) -> Self {
        ApiServer {
            state,
            effects: Vec::new(),
        }
    }

    /// Notes a change for the watchers.
    pub(super) fn emit(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// What the requests made through this handle changed, in order.
    pub fn into_effects(self) -> Vec<Effect> {
        self.effects
    }
}
