//! Hold-model benchmark of the event queue: with N events pending, each step
//! pops the earliest event and schedules one new event at `now + delay`,
//! where the delay is drawn from a seeded stream. Reports events per second
//! (one event = one pop plus one schedule) for N = 1k, 100k and 1M.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kubesim::engine::{EventQueue, RngStreams, SimDuration, SimTime};
use rand::Rng;

/// Delays are uniform in 1..=MAX_DELAY_MS milliseconds.
const MAX_DELAY_MS: u64 = 10_000;

/// One hold step per criterion iteration.
const STEPS_PER_ITER: u64 = 1;

fn hold_model(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold_model");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(STEPS_PER_ITER));

    for &pending in &[1_000usize, 100_000, 1_000_000] {
        let streams = RngStreams::new(7);
        let mut rng = streams.stream("bench.delay");
        let mut queue: EventQueue<u64> = EventQueue::with_capacity(pending);
        for i in 0..pending as u64 {
            let at = SimTime::from_millis(rng.random_range(0..MAX_DELAY_MS));
            queue
                .schedule(at, i)
                .expect("initial events are in the future");
        }
        group.bench_with_input(BenchmarkId::from_parameter(pending), &pending, |b, _| {
            b.iter(|| {
                let (_, _, payload) = queue.pop().expect("hold model never drains");
                let delay = SimDuration::from_millis(rng.random_range(1..=MAX_DELAY_MS));
                black_box(
                    queue
                        .schedule_after(delay, payload)
                        .expect("delay is in the future"),
                );
            });
        });
        assert_eq!(queue.len(), pending);
    }
    group.finish();
}

criterion_group!(benches, hold_model);
criterion_main!(benches);
