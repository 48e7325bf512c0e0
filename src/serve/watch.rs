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

// The watches of one query share one diff per instant and, in JSON, each event's bytes: ten
// `kubectl get -w` of the same pods cost about what one does.

use std::collections::BTreeMap;
use std::time::Instant;

use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

use super::rest::{resource_version, Listed, Query};
use crate::sim::Simulation;

/// The open watches of one query (the same path, selectors and form of answer).
pub struct Watches {
    /// The query in the request's words: [`Watches::key`].
    key: String,
    query: Query,
    /// What was sent last, by `namespace/name`: the same for every watch of the query, as each
    /// was told every change since it opened.
    known: BTreeMap<(String, String), Listed>,
    clients: Vec<Client>,
}

/// One open watch: where its events go.
struct Client {
    sender: UnboundedSender<Bytes>,
    /// When the client's `timeoutSeconds` runs out.
    deadline: Option<Instant>,
    /// Whether a Table's column definitions went out already (they come in the first event).
    columns_sent: bool,
}

impl Watches {
    /// What a watch's events depend on: its path, selectors and `table` form (a query's
    /// [`Query::table`]); watches of the same key share their diffs.
    pub fn key(
        path: &str,
        labels: Option<&str>,
        fields: Option<&str>,
        table: Option<&str>,
    ) -> String {
        let part = |p: Option<&str>| p.unwrap_or_default().to_string();
        serde_json::to_string(&[path.to_string(), part(labels), part(fields), part(table)])
            .expect("strings serialize")
    }

    /// The watches of `query`, with none open yet.
    pub fn new(key: String, query: Query, sim: &Simulation) -> Watches {
        let mut watches = Watches {
            key,
            query,
            known: BTreeMap::new(),
            clients: Vec::new(),
        };
        watches.known = watches.current(sim);
        watches
    }

    /// This query's key: [`Watches::key`].
    pub fn has_key(&self, key: &str) -> bool {
        self.key == key
    }

    /// How many watches of the query are open.
    pub fn count(&self) -> usize {
        self.clients.len()
    }

    /// Opens a watch streaming to `sender`, starting as `start` says; the query must have been
    /// told the current state ([`Watches::notify`]) first.
    pub fn open(
        &mut self,
        sender: UnboundedSender<Bytes>,
        deadline: Option<Instant>,
        start: WatchStart,
        sim: &Simulation,
    ) {
        let mut client = Client {
            sender,
            deadline,
            columns_sent: false,
        };
        let initial = match start {
            WatchStart::FromNow => Vec::new(),
            WatchStart::WithObjects | WatchStart::WithObjectsAndBookmark => {
                let listed = self.known.values();
                listed
                    .map(|l| self.event("ADDED", l, &mut client))
                    .collect()
            }
        };
        let bookmark = match start {
            WatchStart::WithObjectsAndBookmark => Some(self.initial_events_end(sim)),
            _ => None,
        };
        let sent = initial
            .into_iter()
            .chain(bookmark)
            .all(|line| client.sender.send(line).is_ok());
        if sent {
            self.clients.push(client);
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

    /// Drops the watches whose client's `timeoutSeconds` has run out (which ends their
    /// streams); `false` once none is left.
    pub fn expire(&mut self, now: Instant) -> bool {
        self.clients.retain(|c| c.deadline.is_none_or(|d| now < d));
        !self.clients.is_empty()
    }

    fn current(&self, sim: &Simulation) -> BTreeMap<(String, String), Listed> {
        self.query
            .list(sim)
            .into_iter()
            .map(|l| (l.key.clone(), l))
            .collect()
    }

    /// Streams what changed since the last call to every watch of the query; drops the watches
    /// whose client has gone or whose time is up, and tells `false` once none is left.
    pub fn notify(&mut self, sim: &Simulation, now: Instant) -> bool {
        if !self.expire(now) {
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
        let mut clients = std::mem::take(&mut self.clients);
        for (type_, listed) in events {
            let mut shared = None;
            clients.retain_mut(|client| {
                let line = match self.query.table {
                    // A JSON event is the same for every watch: serialized once.
                    None => shared
                        .get_or_insert_with(|| self.event(type_, &listed, client))
                        .clone(),
                    Some(_) => self.event(type_, &listed, client),
                };
                client.sender.send(line).is_ok()
            });
            if type_ != "DELETED" {
                self.known.insert(listed.key.clone(), listed);
            }
        }
        self.clients = clients;
        !self.clients.is_empty()
    }

    /// One event for `client` (a Table's first carries the column definitions).
    fn event(&self, type_: &str, listed: &Listed, client: &mut Client) -> Bytes {
        let object = match &self.query.table {
            None => listed.object.clone(),
            Some(_) => {
                let mut table = self.query.table_of([listed]);
                if client.columns_sent {
                    table["columnDefinitions"] = Value::Null;
                }
                client.columns_sent = true;
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
