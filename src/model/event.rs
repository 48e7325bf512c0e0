//! Kubernetes Events (`kubectl get events`, the Events table of `describe`).

use crate::engine::SimTime;

/// `Normal` or `Warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// The object an event or a trace record is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: &'static str,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    /// `spec.containers{name}` for container events, as the kubelet records them.
    pub field_path: Option<String>,
}

impl ObjectRef {
    /// A reference to a namespaced object.
    pub fn new(kind: &'static str, namespace: &str, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            field_path: None,
        }
    }

    /// The same object, narrowed to one of its containers.
    pub fn container(mut self, field_path: String) -> Self {
        self.field_path = Some(field_path);
        self
    }
}

/// One aggregated Event: repeats of the same (object, reason, message, source) raise `count`,
/// as the client-go event correlator does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub involved: ObjectRef,
    pub type_: EventType,
    pub reason: String,
    pub message: String,
    /// The reporting component: `default-scheduler`, `kubelet`, `replicaset-controller`...
    pub source: std::borrow::Cow<'static, str>,
    /// The node for kubelet events.
    pub host: Option<String>,
    pub first: SimTime,
    pub last: SimTime,
    pub count: u32,
}

impl Event {
    /// A first occurrence of an event at `now`.
    pub fn new(
        involved: ObjectRef,
        type_: EventType,
        reason: &str,
        message: String,
        source: impl Into<std::borrow::Cow<'static, str>>,
        now: SimTime,
    ) -> Self {
        Event {
            involved,
            type_,
            reason: reason.to_string(),
            message,
            source: source.into(),
            host: None,
            first: now,
            last: now,
            count: 1,
        }
    }

    /// The same event, reported from a node (kubelet events).
    pub fn on_node(mut self, host: Option<String>) -> Self {
        self.host = host;
        self
    }
}
