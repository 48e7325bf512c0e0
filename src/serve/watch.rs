//! Watches: after each simulated instant the driver handles, every open watch compares what it
//! selects with what it sent last and streams ADDED, MODIFIED and DELETED events.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/watch.go (WatchEvent) and
// staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go (one JSON object per event;
// Tables when asked, column definitions in the first only)
// DEVIATION: an object changed several times within one simulated instant is sent once, in
// its state at the end of the instant; a watch from a resourceVersion starts from the state
// at the request (there is no history to replay), and from none (or "0") with an ADDED event
// per object.
// K8S: staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go (sendInitialEvents: the
// initial ADDED events end with a BOOKMARK annotated k8s.io/initial-events-end, which
// client-go's watch-list, on by default from kubectl 1.35, waits for)

use std::collections::BTreeMap;
use std::time::Instant;

use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

use super::rest::{resource_version, Listed, Query};
use crate::sim::Simulation;

/// One open watch.
pub struct Watch {
    query: Query,
    sender: UnboundedSender<Bytes>,
    /// When the client's `timeoutSeconds` runs out.
    deadline: Option<Instant>,
    /// What was sent last, by `namespace/name`.
    known: BTreeMap<(String, String), Listed>,
    columns_sent: bool,
}

impl Watch {
    /// A watch of `query` streaming to `sender`, starting as `start` says.
    pub fn new(
        query: Query,
        sender: UnboundedSender<Bytes>,
        deadline: Option<Instant>,
        start: WatchStart,
        sim: &Simulation,
    ) -> Option<Watch> {
        let mut watch = Watch {
            query,
            sender,
            deadline,
            known: BTreeMap::new(),
            columns_sent: false,
        };
        match start {
            WatchStart::FromNow => {
                watch.known = watch.current(sim);
                Some(watch)
            }
            WatchStart::WithObjects => watch.notify(sim, Instant::now()).then_some(watch),
            WatchStart::WithObjectsAndBookmark => {
                let sent = watch.notify(sim, Instant::now())
                    && watch.sender.send(watch.initial_events_end(sim)).is_ok();
                sent.then_some(watch)
            }
        }
    }

    /// The BOOKMARK that ends the initial events: an object of the watched kind with only the
    /// list's resourceVersion and the `k8s.io/initial-events-end` annotation.
    fn initial_events_end(&self, sim: &Simulation) -> Bytes {
        let resource = self.query.resource;
        let bookmark = json!({
            "kind": resource.kind,
            "apiVersion": resource.api_version(),
            "metadata": {
                "resourceVersion": resource_version(sim),
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        });
        line(&json!({"type": "BOOKMARK", "object": bookmark}))
    }

    /// Whether the client's `timeoutSeconds` has run out.
    pub fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    fn current(&self, sim: &Simulation) -> BTreeMap<(String, String), Listed> {
        self.query
            .list(sim)
            .into_iter()
            .map(|l| (l.key.clone(), l))
            .collect()
    }

    /// Streams what changed since the last call; `false` once the client has gone or the
    /// watch's time is up (the watch is then dropped, which ends its stream).
    pub fn notify(&mut self, sim: &Simulation, now: Instant) -> bool {
        if self.expired(now) {
            return false;
        }
        let mut current = self.current(sim);
        let mut events: Vec<(&str, Listed)> = Vec::new();
        let known = std::mem::take(&mut self.known);
        for (key, before) in known {
            match current.remove(&key) {
                Some(after) if after.object == before.object => {
                    self.known.insert(key, after);
                }
                Some(after) => events.push(("MODIFIED", after)),
                None => events.push(("DELETED", before)),
            }
        }
        events.extend(current.into_values().map(|l| ("ADDED", l)));
        events.sort_by(|a, b| a.1.key.cmp(&b.1.key));
        for (type_, listed) in events {
            let line = self.event(type_, &listed);
            if self.sender.send(line).is_err() {
                return false;
            }
            if type_ != "DELETED" {
                self.known.insert(listed.key.clone(), listed);
            }
        }
        true
    }

    fn event(&mut self, type_: &str, listed: &Listed) -> Bytes {
        let object = match &self.query.table {
            None => listed.object.clone(),
            Some(_) => {
                let mut table = self.query.table_of([listed]);
                if self.columns_sent {
                    table["columnDefinitions"] = Value::Null;
                }
                self.columns_sent = true;
                table
            }
        };
        line(&json!({"type": type_, "object": object}))
    }
}

/// Where a watch starts.
pub enum WatchStart {
    /// From the objects there are now, taken as sent (a watch from a resourceVersion).
    FromNow,
    /// With an ADDED event per object there is now.
    WithObjects,
    /// With an ADDED event per object, then the bookmark that ends them
    /// (`sendInitialEvents=true`).
    WithObjectsAndBookmark,
}

/// One event as the stream carries it: a JSON object on its own line.
fn line(event: &Value) -> Bytes {
    let mut line = serde_json::to_vec(event).expect("JSON values serialize");
    line.push(b'\n');
    Bytes::from(line)
}
