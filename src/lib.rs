//! kubesim: a deterministic discrete-event simulator of a Kubernetes cluster.
//!
//! Real Kubernetes YAML in; what a real cluster would do, minutes or days of it in milliseconds,
//! the same way every time for the same seed; `kubectl`-identical views and a JSON Lines trace
//! out. Modules follow the data flow: `engine` (time, queue, random streams; knows nothing of
//! Kubernetes) → `model` (plain data) → `manifest` (YAML in and out) → `scheduler` · `kubelet`
//! (components that talk only through the cluster state) → `sim` (the wiring) → `scenario`,
//! `trace` → `report` → `cli`. `controllers` (workloads) also talk only through the cluster state;
//! `autoscaler` (the cluster autoscaler, beside them) does too, and uses the scheduler's filters
//! as a library, which the controllers never do.

pub mod apiserver;
pub mod autoscaler;
pub mod cli;
pub mod controllers;
pub mod engine;
pub mod kubelet;
pub mod manifest;
pub mod model;
pub mod real;
pub mod report;
pub mod scenario;
pub mod scheduler;
pub mod serve;
pub mod sim;
pub mod sweep;
pub mod trace;
