//! `kubesim calibrate`: measures this host's container runtime timings over repeated runs and
//! writes the latency profile the simulator loads (`kubesim run --profile`, `kubesim validate`).

use std::path::PathBuf;

use super::real::HostArgs;
use super::CliError;
use crate::real::calibrate::{self, Measure};
use crate::real::{interrupt, Host, RealError};

/// The arguments of `kubesim calibrate`.
#[derive(clap::Args)]
pub(super) struct CalibrateArgs {
    /// How many times each measure is taken.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=1000))]
    runs: u16,
    /// Where the profile is written.
    #[arg(long, value_name = "FILE", default_value = "latency-profile.yaml")]
    out: PathBuf,
    /// Replace --out if it exists (the committed profile is regenerated with
    /// `--out profiles/host.yaml --force`).
    #[arg(long)]
    force: bool,
    /// The profile's `metadata.name`.
    #[arg(long, default_value = "host")]
    name: String,
    #[command(flatten)]
    host: HostArgs,
}

/// Runs `kubesim calibrate`: the table on standard output, the profile in --out.
pub(super) fn run(args: CalibrateArgs) -> Result<i32, CliError> {
    if args.out.exists() && !args.force {
        return Err(CliError::Usage(format!(
            "{} exists; pass --force to replace it, or another --out",
            args.out.display()
        )));
    }
    let host = Host::detect(args.host.runtime)?;
    interrupt::install()?;
    let runs = usize::from(args.runs);
    let bar = super::progress::bar(runs as u64, "calibrate", "runs");
    let calibration = calibrate::measure(&host, &args.host.root, runs, &interrupt::STOP, |done| {
        bar.set_position(done as u64)
    });
    bar.finish_and_clear();
    let calibration = calibration?;
    if interrupt::STOP.load(std::sync::atomic::Ordering::SeqCst) {
        errln!("kubesim calibrate: interrupted; everything it made was removed")?;
        return Ok(130);
    }
    outln!("{}", host.runtime_version)?;
    out!("{}", calibration.table())?;
    let profile = calibrate::profile(&args.name, &host, &calibration);
    std::fs::write(&args.out, profile).map_err(|e| {
        CliError::Real(RealError::Io {
            what: format!("writing {}", args.out.display()),
            source: e,
        })
    })?;
    let sandbox = calibration.get(Measure::SandboxStart);
    let start = calibration.get(Measure::ContainerStart);
    outln!(
        "wrote {}: sandbox {:.0}ms (p95 {:.0}ms), container start {:.0}ms (p95 {:.0}ms)",
        args.out.display(),
        sandbox.median,
        sandbox.p95,
        start.median,
        start.p95
    )?;
    Ok(0)
}
