//! Aligning two traces of the same scenario record by record, to compare their instants: a
//! simulated run and a real one (`kubesim validate`). Records are matched by object, what
//! happened (an event's reason and container, or a change's kind, subject and new state) and
//! occurrence (the first `Unhealthy` of a container with the first, and so on). Scheduling
//! explanations are not compared.

use std::collections::BTreeMap;

use super::{Body, Change, Record};

/// One record found in both traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The object and what happened to it.
    pub key: String,
    /// Which occurrence of `key`, from 1.
    pub occurrence: usize,
    /// Its instant in each trace, in milliseconds.
    pub simulated: u64,
    pub real: u64,
}

impl Pair {
    /// How far the real instant is from the simulated one, in milliseconds.
    pub fn error(&self) -> i64 {
        self.real as i64 - self.simulated as i64
    }
}

/// Two traces aligned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alignment {
    /// The records found in both, in the simulated trace's order.
    pub pairs: Vec<Pair>,
    /// The records found in one trace only: key, occurrence and instant.
    pub only_simulated: Vec<(String, usize, u64)>,
    pub only_real: Vec<(String, usize, u64)>,
}

/// Aligns `simulated` with `real`, in time linear in their length (up to a logarithm).
pub fn align(simulated: &[Record], real: &[Record]) -> Alignment {
    let simulated = occurrences(simulated);
    let real = occurrences(real);
    let mut unmatched: BTreeMap<(&str, usize), u64> = real
        .iter()
        .map(|(key, n, at)| ((key.as_str(), *n), *at))
        .collect();
    let mut alignment = Alignment::default();
    for (key, occurrence, at) in &simulated {
        match unmatched.remove(&(key.as_str(), *occurrence)) {
            Some(real_at) => alignment.pairs.push(Pair {
                key: key.clone(),
                occurrence: *occurrence,
                simulated: *at,
                real: real_at,
            }),
            None => alignment
                .only_simulated
                .push((key.clone(), *occurrence, *at)),
        }
    }
    alignment.only_real = real
        .iter()
        .filter(|(key, n, _)| unmatched.contains_key(&(key.as_str(), *n)))
        .cloned()
        .collect();
    alignment
}

/// Each comparable record's key, occurrence and instant, in trace order.
fn occurrences(records: &[Record]) -> Vec<(String, usize, u64)> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    records
        .iter()
        .filter_map(|r| {
            let key = key(r)?;
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            Some((key, *n, r.t))
        })
        .collect()
}

/// What a record says happened to which object, leaving out messages and instants (which
/// differ between runs: pod UIDs, durations).
fn key(record: &Record) -> Option<String> {
    let o = &record.object;
    let object = match o.namespace.as_str() {
        "" => format!("{}/{}", o.kind, o.name),
        ns => format!("{}/{ns}/{}", o.kind, o.name),
    };
    let what = match &record.body {
        // Explanations and the kubelets' memory readings are not moments of a pod's life:
        // readings come on a 10 s tick and differ between runs (real mode reads none).
        Body::Scheduling(_) | Body::Change(Change::Usage { .. }) => return None,
        Body::Event(e) => match &e.field_path {
            Some(field) => format!("event {} {field}", e.reason),
            None => format!("event {}", e.reason),
        },
        Body::Change(change) => {
            let value = serde_json::to_value(change).ok()?;
            let fields = ["what", "name", "type", "state", "phase", "status", "reason"];
            let parts: Vec<String> = fields
                .iter()
                .filter_map(|f| value.get(*f).and_then(|v| v.as_str()).map(str::to_string))
                .collect();
            parts.join(" ")
        }
    };
    Some(format!("{object} {what}"))
}

/// The median, 95th percentile and maximum of the absolute errors, in milliseconds (nearest
/// rank), or `None` without pairs.
pub fn error_stats(pairs: &[Pair]) -> Option<(u64, u64, u64)> {
    let mut errors: Vec<u64> = pairs.iter().map(|p| p.error().unsigned_abs()).collect();
    errors.sort_unstable();
    if errors.is_empty() {
        return None;
    }
    let rank = |q: usize| errors[((errors.len() * q).div_ceil(100)).max(1) - 1];
    Some((rank(50), rank(95), *errors.last()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(lines: &[&str]) -> Vec<Record> {
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    const SIMULATED: [&str; 4] = [
        r#"{"seq":1,"t":62,"time":"62ms","object":{"kind":"Pod","namespace":"default","name":"p"},"event":{"type":"Normal","reason":"Started","message":"Started container app","source":"kubelet","fieldPath":"spec.containers{app}"}}"#,
        r#"{"seq":2,"t":6000,"time":"6s","object":{"kind":"Pod","namespace":"default","name":"p"},"event":{"type":"Warning","reason":"Unhealthy","message":"a","source":"kubelet","fieldPath":"spec.containers{app}"}}"#,
        r#"{"seq":3,"t":9000,"time":"9s","object":{"kind":"Pod","namespace":"default","name":"p"},"change":{"what":"container","name":"app","state":"terminated","reason":"Error","exitCode":137,"restartCount":0,"ready":false}}"#,
        r#"{"seq":4,"t":15000,"time":"15s","object":{"kind":"Pod","namespace":"default","name":"p"},"event":{"type":"Warning","reason":"Unhealthy","message":"b","source":"kubelet","fieldPath":"spec.containers{app}"}}"#,
    ];

    #[test]
    fn records_pair_by_object_what_and_occurrence() {
        let simulated = records(&SIMULATED);
        let real = records(&[
            &SIMULATED[0].replace("\"t\":62", "\"t\":3"),
            &SIMULATED[1].replace("\"t\":6000", "\"t\":6009"),
            SIMULATED[2],
            r#"{"seq":9,"t":9100,"time":"9.1s","object":{"kind":"Pod","namespace":"default","name":"p"},"change":{"what":"phase","phase":"Running"}}"#,
        ]);
        let a = align(&simulated, &real);
        let keys: Vec<(&str, usize, i64)> = a
            .pairs
            .iter()
            .map(|p| (p.key.as_str(), p.occurrence, p.error()))
            .collect();
        assert_eq!(
            keys,
            [
                ("Pod/default/p event Started spec.containers{app}", 1, -59),
                ("Pod/default/p event Unhealthy spec.containers{app}", 1, 9),
                ("Pod/default/p container app terminated Error", 1, 0),
            ]
        );
        let unhealthy = "Pod/default/p event Unhealthy spec.containers{app}".to_string();
        assert_eq!(a.only_simulated, [(unhealthy, 2, 15000)]);
        let running = "Pod/default/p phase Running".to_string();
        assert_eq!(a.only_real, [(running, 1, 9100)]);
        assert_eq!(error_stats(&a.pairs), Some((9, 59, 59)));
        assert_eq!(error_stats(&[]), None);
    }
}
