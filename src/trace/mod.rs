//! The trace: JSON Lines, one header then one record per line in simulated-time order. The
//! format is documented in `docs/trace-format.md`; it is the contract CI pipelines diff.

pub mod align;
pub mod causes;
pub mod deviation;
pub mod diff;

use std::collections::BTreeMap;
use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::engine::SimTime;

/// The format identifier written in every header; bumped on any incompatible change.
pub const FORMAT: &str = "kubesim-trace/v1";

/// The first line of a trace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub format: String,
    pub kubesim: String,
    pub scenario: String,
    pub seed: u64,
    pub digest: String,
}

/// The object a record is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectKey {
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}

/// One line after the header.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// Position in the trace, from 1: what `cause` refers to.
    pub seq: u64,
    /// Simulated time in integer milliseconds.
    pub t: u64,
    /// The same instant, readable (`1m30.5s`).
    pub time: String,
    pub object: ObjectKey,
    #[serde(flatten)]
    pub body: Body,
    /// The record that led to this one, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<u64>,
}

/// What happened: a Kubernetes Event exactly as the cluster records it, or a state change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum Body {
    Event(EventBody),
    Change(Change),
    /// A scheduling attempt explained: filter verdicts per node, scores per plugin.
    Scheduling(crate::scheduler::explain::Explanation),
}

/// A Kubernetes Event occurrence.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
}

impl Change {
    /// `Created` of an object other than a Node.
    pub fn created() -> Self {
        Change::Created {
            allocatable: BTreeMap::new(),
        }
    }
}

/// A change of an object's state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "what", rename_all = "camelCase")]
pub enum Change {
    /// The object was created (applied). For a Node, `allocatable` is its allocatable CPU
    /// and memory (Kubernetes quantities), so that reports and sweeps can size the cluster
    /// from the trace alone; empty (and left out) for other objects.
    Created {
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        allocatable: BTreeMap<String, String>,
    },
    /// The object was removed from the API.
    Deleted,
    /// Deletion was requested (`deletionTimestamp` set).
    #[serde(rename_all = "camelCase")]
    DeletionRequested { grace_period_seconds: i64 },
    /// `spec.nodeName` was set. `requests` are the pod's effective requests as the scheduler
    /// counts them on the node (`cpu`, `memory` as Kubernetes quantities; zero ones left out),
    /// so that reports can chart node allocation from the trace alone.
    Bound {
        node: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        requests: BTreeMap<String, String>,
    },
    /// `status.nominatedNodeName` was set by preemption (`null`: cleared).
    Nominated { node: Option<String> },
    /// `status.phase` changed.
    Phase { phase: String },
    /// A condition changed status, reason or message.
    #[serde(rename_all = "camelCase")]
    Condition {
        #[serde(rename = "type")]
        type_: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// A container changed state.
    #[serde(rename_all = "camelCase")]
    Container {
        name: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        init: bool,
        state: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        restart_count: i32,
        ready: bool,
    },
    /// Something kubesim could not model faithfully about a container, said once.
    Note { container: String, note: String },
    /// A Node's kubelet read a new total of the memory its running pods use (a quantity), at
    /// its 10 s eviction check.
    Usage { memory: String },
    /// A timeline command ran; `output` is what kubectl would print.
    Command { command: String, output: String },
}

/// A trace kept in memory, for a caller that reads the run back (`validate`, sweeps, `run
/// --report`): clones share one buffer, so one goes to the simulation as its sink.
#[derive(Clone, Default)]
pub struct MemorySink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for MemorySink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl MemorySink {
    /// The bytes written so far.
    pub fn bytes(&self) -> std::cell::Ref<'_, Vec<u8>> {
        self.0.borrow()
    }

    /// The records written so far (the header line left out); the writer wrote them, so each
    /// line is a record.
    pub fn records(&self) -> Vec<Record> {
        String::from_utf8_lossy(&self.bytes())
            .lines()
            .skip(1)
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

/// Writes records as JSON Lines, numbering them.
pub struct TraceWriter {
    out: TraceSink,
    next_seq: u64,
}

/// Where a trace goes: JSON Lines to a writer, or the records themselves kept in memory for a
/// caller that computes on them at once (a sweep), which saves encoding and decoding them.
pub enum TraceSink {
    Json(Box<dyn Write>),
    Records(std::rc::Rc<std::cell::RefCell<Vec<Record>>>),
}

impl TraceWriter {
    /// Starts a trace with its header (JSON only: kept records have no header).
    pub fn new(mut out: TraceSink, header: &Header) -> std::io::Result<Self> {
        if let TraceSink::Json(json) = &mut out {
            serde_json::to_writer(&mut *json, header)?;
            json.write_all(b"\n")?;
        }
        Ok(TraceWriter { out, next_seq: 1 })
    }

    /// Appends a record and returns its sequence number.
    pub fn write(
        &mut self,
        t: SimTime,
        object: ObjectKey,
        body: Body,
        cause: Option<u64>,
    ) -> std::io::Result<u64> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let record = Record {
            seq,
            t: t.as_millis(),
            time: t.to_string(),
            object,
            body,
            cause,
        };
        match &mut self.out {
            TraceSink::Json(out) => {
                serde_json::to_writer(&mut *out, &record)?;
                out.write_all(b"\n")?;
            }
            TraceSink::Records(kept) => kept.borrow_mut().push(record),
        }
        Ok(seq)
    }

    /// Flushes buffered output.
    pub fn finish(self) -> std::io::Result<()> {
        match self.out {
            TraceSink::Json(mut out) => out.flush(),
            TraceSink::Records(_) => Ok(()),
        }
    }
}
