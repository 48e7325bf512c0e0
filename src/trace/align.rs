//! Aligning two traces of the same scenario record by record, to compare their instants: a
//! simulated run and a real one (`kubesim validate`). Records are matched by object, what
//! happened (an event's reason and container, or a change's kind, subject and new state) and
//! occurrence (the first `Unhealthy` of a container with the first, and so on). Scheduling
//! explanations are not compared.
//!
//! The kubelet's probes and relist tick on periods: when a tick lands a few milliseconds after
//! a command's effect in one run and a few before it in the other, one run sees the effect a
//! whole period later, and so does everything that follows from it. [`Alignment::align_tick_races`]
//! finds such a shift and aligns the records after it, so that they are compared for what they
//! are (one race) rather than each failing, or passing under a tolerance wide enough to hide it.

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
    /// The whole tick periods the records before it moved it by (tick races), in ms: 0 unless
    /// a race came before it.
    pub shift: i64,
}

impl Pair {
    /// How far the real instant is from the simulated one, in milliseconds.
    pub fn error(&self) -> i64 {
        self.real as i64 - self.simulated as i64
    }

    /// The error once tick races are aligned: [`Pair::error`] less [`Pair::shift`].
    pub fn residual(&self) -> i64 {
        self.error() - self.shift
    }

    /// The object the record is about ("Pod/default/web").
    pub fn object(&self) -> &str {
        self.key.split(' ').next().unwrap_or_default()
    }
}

/// A tick that fell on the other side of an effect in one run: from [`TickRace::first`] on,
/// every record of the object is about one period later (or earlier) in the real run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickRace {
    /// The index in [`Alignment::pairs`] of the first record the race moved.
    pub first: usize,
    /// The period it moved them by, in ms: positive when the real run saw the effect a tick
    /// later.
    pub shift: i64,
    /// How far apart the two runs' ticks were around the effect, in ms: the first moved
    /// record's error less the period (the effect fell between the two ticks).
    pub size: u64,
}

/// Two traces aligned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alignment {
    /// The records found in both, in the simulated trace's order.
    pub pairs: Vec<Pair>,
    /// The records found in one trace only: key, occurrence and instant.
    pub only_simulated: Vec<(String, usize, u64)>,
    pub only_real: Vec<(String, usize, u64)>,
    /// The tick races aligned, in the order of their first record.
    pub races: Vec<TickRace>,
    /// The instant both runs were cut at, in ms, when known (`kubesim validate`): a record
    /// near it may have its counterpart just after it, in the run that was cut before.
    pub end: Option<u64>,
}

impl Alignment {
    /// Whether a record found in one trace only, at `at` (in that trace), may have its
    /// counterpart cut off by the end: the counterpart's instant expected in the other trace
    /// (`at`, moved by the tick races of its object up to there) is less than `tolerance`
    /// from the end, or past it.
    pub fn near_end(&self, key: &str, at: u64, in_real: bool, tolerance: u64) -> bool {
        let Some(end) = self.end else {
            return false;
        };
        let object = key.split(' ').next().unwrap_or_default();
        let shift = self
            .pairs
            .iter()
            .rev()
            .filter(|p| p.object() == object)
            .find(|p| if in_real { p.real } else { p.simulated } <= at)
            .map_or(0, |p| p.shift);
        let counterpart = match in_real {
            true => at as i64 - shift,
            false => at as i64 + shift,
        };
        counterpart + tolerance as i64 > end as i64
    }

    /// Finds the tick races among the pairs and aligns the records after each: for each
    /// object, at its first record more than `tolerance` ms off, when every record of the
    /// object from there on is at least one of `periods` (ms) off in the same direction and
    /// that record is within `tolerance` of exactly one period, the records from there on are
    /// shifted by it; then the next record still off is looked at the same way. The period
    /// chosen is the one nearest the first record's error. A record off by a period on its
    /// own, with the records after it back in step, is no race: it fails.
    pub fn align_tick_races(&mut self, tolerance: u64, periods: &[u64]) {
        let tolerance = tolerance as i64;
        let objects: std::collections::BTreeSet<String> =
            self.pairs.iter().map(|p| p.object().to_string()).collect();
        for object in objects {
            let of_object: Vec<usize> = (0..self.pairs.len())
                .filter(|&i| self.pairs[i].object() == object)
                .collect();
            let mut from = 0;
            while let Some(at) = (from..of_object.len())
                .find(|&k| self.pairs[of_object[k]].residual().abs() > tolerance)
            {
                let later = &of_object[at..];
                let residual = self.pairs[later[0]].residual();
                let sign = residual.signum();
                let moved_by = |period: i64| {
                    later
                        .iter()
                        .all(|&i| sign * self.pairs[i].residual() >= period - tolerance)
                };
                let Some(period) = periods
                    .iter()
                    .map(|&p| p as i64)
                    .filter(|&p| (residual - sign * p).abs() <= tolerance && moved_by(p))
                    .min_by_key(|&p| (residual - sign * p).abs())
                else {
                    break;
                };
                for &i in later {
                    self.pairs[i].shift += sign * period;
                }
                self.races.push(TickRace {
                    first: later[0],
                    shift: sign * period,
                    size: (residual - sign * period).unsigned_abs(),
                });
                from = at + 1;
            }
        }
        self.races.sort_by_key(|race| race.first);
    }
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
                shift: 0,
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

/// The median, 95th percentile and maximum of the absolute errors once tick races are aligned
/// ([`Pair::residual`]), in milliseconds (nearest rank), or `None` without pairs.
pub fn error_stats(pairs: &[Pair]) -> Option<(u64, u64, u64)> {
    let mut errors: Vec<u64> = pairs.iter().map(|p| p.residual().unsigned_abs()).collect();
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

    /// Pairs of `(key, simulated, real)`, each the first occurrence.
    fn aligned(pairs: &[(&str, u64, u64)]) -> Alignment {
        let pairs = pairs
            .iter()
            .map(|&(key, simulated, real)| Pair {
                key: key.to_string(),
                occurrence: 1,
                simulated,
                real,
                shift: 0,
            })
            .collect();
        Alignment {
            pairs,
            ..Alignment::default()
        }
    }

    #[test]
    fn a_record_in_one_trace_only_near_the_end_may_have_been_cut() {
        let mut a = aligned(&[
            ("Pod/default/p event Unhealthy", 5_000, 10_003),
            ("Pod/default/q event Started", 50, 40),
        ]);
        a.align_tick_races(500, &[5000]);
        a.end = Some(15_000);
        // p is a period late in the real run: its simulated 11 s would come at 16 s there.
        assert!(a.near_end("Pod/default/p event Killing", 11_000, false, 500));
        assert!(!a.near_end("Pod/default/p event Killing", 9_000, false, 500));
        assert!(a.near_end("Pod/default/q event Killing", 14_600, true, 500));
        assert!(!a.near_end("Pod/default/q event Killing", 14_400, true, 500));
        a.end = None;
        assert!(!a.near_end("Pod/default/q event Killing", 14_600, true, 500));
    }

    fn residuals(a: &Alignment) -> Vec<i64> {
        a.pairs.iter().map(Pair::residual).collect()
    }

    #[test]
    fn a_tick_race_shifts_the_rest_of_its_object_only() {
        let mut a = aligned(&[
            ("Pod/default/p event Started", 60, 45),
            ("Pod/default/q event Started", 60, 50),
            ("Pod/default/p event Unhealthy", 30_060, 35_048),
            ("Pod/default/q event Killing", 31_000, 31_020),
            ("Pod/default/p event Killing", 30_060, 35_049),
            (
                "Pod/default/p container app terminated Error",
                32_100,
                37_130,
            ),
        ]);
        a.align_tick_races(500, &[1000, 5000]);
        assert_eq!(
            a.races,
            [TickRace {
                first: 2,
                shift: 5000,
                size: 12
            }]
        );
        assert_eq!(residuals(&a), [-15, -10, -12, 20, -11, 30]);
        assert_eq!(error_stats(&a.pairs), Some((12, 30, 30)));
    }

    #[test]
    fn races_accumulate_and_go_either_way() {
        // A 1 s probe raced twice the same way (every restart's ticks keep their phase), and a
        // relist that noticed an exit a tick earlier in the real run.
        let mut a = aligned(&[
            ("Pod/default/p event Unhealthy", 5_000, 6_003),
            ("Pod/default/p event Killing", 5_000, 6_004),
            ("Pod/default/p event Unhealthy", 12_000, 14_010),
            ("Pod/default/q container app terminated Error", 3_000, 2_001),
            ("Pod/default/q phase Failed", 3_000, 2_001),
        ]);
        a.align_tick_races(500, &[1000]);
        let race = |first, shift, size| TickRace { first, shift, size };
        assert_eq!(
            a.races,
            [race(0, 1000, 3), race(2, 1000, 10), race(3, -1000, 1)]
        );
        assert_eq!(residuals(&a), [3, 4, 10, 1, 1]);
    }

    #[test]
    fn a_lone_late_record_or_a_loose_period_is_no_race() {
        // Off by a period, then back in step: not every later record moved.
        let mut lone = aligned(&[
            ("Pod/default/p condition Ready True", 5_000, 10_010),
            (
                "Pod/default/p container app terminated Error",
                20_000,
                20_020,
            ),
        ]);
        lone.align_tick_races(500, &[5000]);
        assert_eq!(lone.races, []);
        assert_eq!(residuals(&lone), [5010, 20]);
        // 5.8 s late against a 5 s period: the ticks were 800 ms apart, more than the tolerance.
        let mut loose = aligned(&[("Pod/default/p event Unhealthy", 5_000, 10_800)]);
        loose.align_tick_races(500, &[5000]);
        assert_eq!(loose.races, []);
        // No period of the scenario's: 3 s late with probes every 5 s.
        let mut other = aligned(&[("Pod/default/p event Unhealthy", 5_000, 8_000)]);
        other.align_tick_races(500, &[1000, 5000]);
        assert_eq!(other.races, []);
    }
}
