//! kubesim's integration tests, as one test binary: each module is one area of behaviour,
//! tested through the built `kubesim` binary as a user would run it (and through the library
//! where a test needs the inside). One binary links the library and its dependencies once
//! instead of once per file, which is most of a test build's time.
//!
//! Run one area with `cargo test --test suite MODULE::` (for example
//! `cargo test --test suite report::`), one test with its full name.

mod common;

mod admission;
mod autoscaling;
mod ci_workflow;
mod cli;
mod closed_stdout;
mod cluster_autoscaler;
mod controllers;
mod exercises;
mod explain;
mod fuzz;
mod import;
mod inputs;
mod kubeadm;
mod kubelet;
mod logs_exec;
mod readme;
mod real;
mod report;
mod report_browser;
mod scheduler;
mod serve;
mod sweep;
mod taint_eviction;
mod validation;
mod watch;
