//! The cluster as plain data: nodes, pods, containers, events and the quantities they are
//! measured in.
//!
//! Nothing here *does* anything over time: the scheduler, the kubelet and the controllers read and
//! write these structures, and `sim` decides when. Kubernetes concepts keep their Kubernetes names
//! (`PodPhase::Pending`, `Taint`, `Toleration`) so that code reads like the upstream docs.

pub mod cluster;
pub mod duration;
pub mod event;
pub mod label_selector;
pub mod labels;
pub mod meta;
pub mod node;
pub mod node_affinity;
pub mod pod;
pub mod quantity;
pub mod resources;
pub mod time;

pub use cluster::{ClusterState, PodId};
pub use event::{Event, EventType, ObjectRef};
pub use meta::{ObjectMeta, OwnerReference};
pub use node::{Node, NodeCondition, Taint, TaintEffect};
pub use pod::{Container, ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodSpec};
pub use quantity::Quantity;
pub use resources::{ResourceList, Resources};
