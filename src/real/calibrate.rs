//! `kubesim calibrate`'s measurements: how long this host takes to start a pod sandbox and a
//! container, to run an exec probe, to OOM-kill a memory hog and to stop a container, over
//! repeated runs through the same layer real mode uses. The statistics become a latency
//! profile (`scenario::profile`) so the simulator predicts what this host does.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::bundle::{ProcessSpec, Resources};
use super::{Host, RealError, Run};

/// What is timed, in the order each run does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// `create` + `start` of the pod's sandbox process.
    SandboxStart,
    /// `create` + `start` of a container joining the sandbox.
    ContainerStart,
    /// `exec` of `true` in the running container, to its exit code.
    ExecProbe,
    /// SIGTERM ignored by PID 1, SIGKILL at once (zero grace), reaped.
    StopZeroGrace,
    /// `start` of `dd` allocating 64 MiB under a 32 MiB limit, to its reaped OOMKilled exit.
    TimeToOom,
}

impl Measure {
    /// Every measure, in the order of the table.
    pub const ALL: [Measure; 5] = [
        Measure::SandboxStart,
        Measure::ContainerStart,
        Measure::ExecProbe,
        Measure::StopZeroGrace,
        Measure::TimeToOom,
    ];

    /// The measure's name in the table and in the profile's status.
    pub fn name(self) -> &'static str {
        match self {
            Measure::SandboxStart => "sandbox start",
            Measure::ContainerStart => "container start",
            Measure::ExecProbe => "exec probe round trip",
            Measure::StopZeroGrace => "stop with zero grace",
            Measure::TimeToOom => "time to OOM",
        }
    }
}

/// The distribution of one measure, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub median: f64,
    pub p95: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// Nearest-rank statistics of `samples` (which must not be empty).
    pub fn of(samples: &[f64]) -> Stats {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |q: usize| sorted[(sorted.len() * q).div_ceil(100).max(1) - 1];
        Stats {
            n: sorted.len(),
            median: rank(50),
            p95: rank(95),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        }
    }
}

/// Every measure's statistics, in [`Measure::ALL`]'s order.
pub struct Calibration {
    pub stats: Vec<(Measure, Stats)>,
}

impl Calibration {
    /// One measure's statistics.
    pub fn get(&self, measure: Measure) -> Stats {
        self.stats
            .iter()
            .find(|(m, _)| *m == measure)
            .map(|(_, s)| *s)
            .expect("every measure is taken")
    }

    /// The table `kubesim calibrate` prints.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<24} {:>4} {:>9} {:>9} {:>9} {:>9}\n",
            "MEASURE", "N", "MEDIAN", "P95", "MIN", "MAX"
        );
        for (measure, s) in &self.stats {
            let _ = writeln!(
                out,
                "{:<24} {:>4} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>7.1}ms",
                measure.name(),
                s.n,
                s.median,
                s.p95,
                s.min,
                s.max
            );
        }
        out
    }
}

/// Takes every measure `runs` times on `host`, under `root`, calling `progress` after each
/// run; stops early (with what was measured so far) once `stop` is raised. Everything made is
/// removed, also on failure.
pub fn measure(
    host: &Host,
    root: &Path,
    runs: usize,
    stop: &AtomicBool,
    mut progress: impl FnMut(usize),
) -> Result<Calibration, RealError> {
    let run = Run::begin(host, root)?;
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); Measure::ALL.len()];
    for i in 0..runs {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let taken = one_run(&run, i)?;
        for (all, one) in samples.iter_mut().zip(taken) {
            all.push(one);
        }
        progress(i + 1);
    }
    run.finish()?;
    if samples[0].is_empty() {
        return Err(RealError::Refused(
            "interrupted before the first run was measured".into(),
        ));
    }
    Ok(Calibration {
        stats: Measure::ALL
            .iter()
            .zip(&samples)
            .map(|(m, s)| (*m, Stats::of(s)))
            .collect(),
    })
}

/// One run of every measure, in [`Measure::ALL`]'s order, in milliseconds.
fn one_run(run: &Run, i: usize) -> Result<[f64; 5], RealError> {
    let ms = |since: Instant| since.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let sandbox = run.sandbox("default", &format!("calibrate-{i}"))?;
    let sandbox_start = ms(t);

    let sleeper = ProcessSpec::command(&["sleep", "1000"]);
    let t = Instant::now();
    let mut app =
        run.create_container(&sandbox, "app", "busybox", &sleeper, Resources::default())?;
    app.start()?;
    let container_start = ms(t);

    let t = Instant::now();
    let outcome = app.exec_probe(&["true".to_string()], Duration::from_secs(5))?;
    let exec = ms(t);
    outcome.map_err(|e| RealError::Refused(format!("exec of `true` failed: {e}")))?;

    let t = Instant::now();
    app.stop(Duration::ZERO)?;
    let stop = ms(t);
    app.remove()?;

    let hog = ProcessSpec::command(&["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]);
    let limit = Resources {
        memory_limit: Some(32 << 20),
        ..Resources::default()
    };
    let mut hog = run.create_container(&sandbox, "hog", "busybox", &hog, limit)?;
    let t = Instant::now();
    hog.start()?;
    let exit = hog.wait(Some(Duration::from_secs(10)))?;
    let oom = ms(t);
    hog.remove()?;
    sandbox.container().remove()?;
    match exit {
        Some(exit) if exit.oom_killed => Ok([sandbox_start, container_start, exec, stop, oom]),
        other => Err(RealError::Refused(format!(
            "the memory hog was not OOM-killed under its 32Mi limit ({other:?})"
        ))),
    }
}

/// The latency profile of `calibration`: what the simulator uses (sandbox and container start
/// as median and p95, in whole milliseconds; nothing to pull, as real mode's images are
/// local), then how it was measured, for people.
pub fn profile(name: &str, host: &Host, calibration: &Calibration) -> String {
    let whole = |v: f64| format!("{}ms", v.round() as u64);
    let latency = |m: Measure| {
        let s = calibration.get(m);
        format!("{{median: {}, p95: {}}}", whole(s.median), whole(s.p95))
    };
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut out = format!(
        "# A kubesim latency profile, written by `kubesim calibrate`. `spec.latency` is what the
# simulator uses, as a node's `latency:` (scenarios/README.md); `status` says how it was measured.
apiVersion: kubesim.io/v1alpha1
kind: LatencyProfile
metadata:
  name: {name}
spec:
  latency:
    sandbox: {}
    containerStart: {}
    pullOverhead: 0ms         # real mode's images are local: nothing is pulled
    pullBandwidth: 1G
status:
  runtime: {:?}
  kernel: {:?}
  cgroups: {:?}
  measurements:               # milliseconds, over {} runs
",
        latency(Measure::SandboxStart),
        latency(Measure::ContainerStart),
        host.runtime_version,
        kernel.trim(),
        format!("{:?}", host.cgroups.mode).to_lowercase(),
        calibration.get(Measure::SandboxStart).n,
    );
    for (measure, s) in &calibration.stats {
        let _ = writeln!(
            out,
            "  - {{what: {}, median: {:.1}, p95: {:.1}, min: {:.1}, max: {:.1}}}",
            measure.name(),
            s.median,
            s.p95,
            s.min,
            s.max
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_nearest_rank() {
        let samples: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let s = Stats::of(&samples);
        assert_eq!(
            (s.n, s.median, s.p95, s.min, s.max),
            (20, 10.0, 19.0, 1.0, 20.0)
        );
        let one = Stats::of(&[7.5]);
        assert_eq!((one.median, one.p95), (7.5, 7.5));
    }
}
