//! The trace as a graph of causes: each record points at the record that led to it (`cause`),
//! so the story behind any state is a walk back from the record that set it.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use super::{Body, Change, Record};

/// Records linked from cause to effect.
pub struct Causes<'a> {
    graph: DiGraph<&'a Record, ()>,
    /// Node of each record, by `seq - 1` (records are numbered from 1 without gaps).
    nodes: Vec<NodeIndex>,
}

impl<'a> Causes<'a> {
    /// The graph of a trace's records.
    pub fn new(records: &'a [Record]) -> Causes<'a> {
        let mut graph = DiGraph::with_capacity(records.len(), records.len());
        let nodes: Vec<NodeIndex> = records.iter().map(|r| graph.add_node(r)).collect();
        for (i, record) in records.iter().enumerate() {
            let cause = record.cause.and_then(|seq| nodes.get(seq as usize - 1));
            if let Some(&cause) = cause {
                graph.add_edge(cause, nodes[i], ());
            }
        }
        Causes { graph, nodes }
    }

    /// The record numbered `seq`.
    pub fn record(&self, seq: u64) -> Option<&'a Record> {
        let node = self.nodes.get((seq as usize).checked_sub(1)?)?;
        Some(self.graph[*node])
    }

    /// The record that led to `record`, if the trace knows it.
    pub fn cause_of(&self, record: &Record) -> Option<&'a Record> {
        let node = *self.nodes.get((record.seq as usize).checked_sub(1)?)?;
        let mut causes = self.graph.neighbors_directed(node, Direction::Incoming);
        causes.next().map(|n| self.graph[n])
    }

    /// What `record` led to directly, in trace order.
    pub fn effects_of(&self, record: &Record) -> Vec<&'a Record> {
        let Some(&node) = (record.seq as usize)
            .checked_sub(1)
            .and_then(|i| self.nodes.get(i))
        else {
            return Vec::new();
        };
        let mut effects: Vec<&Record> = self
            .graph
            .neighbors_directed(node, Direction::Outgoing)
            .map(|n| self.graph[n])
            .collect();
        effects.sort_by_key(|r| r.seq);
        effects
    }

    /// `record` and its causes, latest first, until `stop` says a record ends the story (that
    /// record included) or `limit` records are taken.
    pub fn chain(
        &self,
        record: &'a Record,
        limit: usize,
        stop: impl Fn(&Record) -> bool,
    ) -> Vec<&'a Record> {
        let mut chain = vec![record];
        let mut current = record;
        while chain.len() < limit && !stop(current) {
            let Some(cause) = self.cause_of(current) else {
                break;
            };
            chain.push(cause);
            current = cause;
        }
        chain
    }
}

/// Whether a record is a container of this name changing to `state`.
pub fn is_container_state(record: &Record, container: &str, state: &str) -> bool {
    matches!(&record.body, Body::Change(Change::Container { name, state: s, .. })
        if name == container && s == state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{EventBody, ObjectKey};

    fn record(seq: u64, cause: Option<u64>, reason: &str) -> Record {
        Record {
            seq,
            t: seq * 1000,
            time: format!("{seq}s"),
            object: ObjectKey {
                kind: "Pod".into(),
                namespace: "default".into(),
                name: "p".into(),
            },
            body: Body::Event(EventBody {
                type_: "Normal".into(),
                reason: reason.into(),
                message: String::new(),
                source: "kubelet".into(),
                node: None,
                field_path: None,
            }),
            cause,
        }
    }

    #[test]
    fn chains_walk_back_through_causes_until_told_to_stop() {
        let records = vec![
            record(1, None, "Created"),
            record(2, Some(1), "Scheduled"),
            record(3, Some(2), "Started"),
            record(4, Some(1), "Other"),
            record(5, Some(3), "Killing"),
        ];
        let causes = Causes::new(&records);
        let reasons = |chain: Vec<&Record>| -> Vec<u64> { chain.iter().map(|r| r.seq).collect() };
        let last = causes.record(5).unwrap();
        assert_eq!(reasons(causes.chain(last, 10, |_| false)), vec![5, 3, 2, 1]);
        assert_eq!(reasons(causes.chain(last, 2, |_| false)), vec![5, 3]);
        assert_eq!(
            reasons(causes.chain(last, 10, |r| r.seq == 2)),
            vec![5, 3, 2]
        );
        let first = causes.record(1).unwrap();
        assert_eq!(reasons(causes.effects_of(first)), vec![2, 4]);
    }
}
