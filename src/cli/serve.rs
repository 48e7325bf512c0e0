//! `kubesim serve` and `kubesim clock`: the argument plumbing around src/serve.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::serve::{self, kubeconfig, CLOCK_PATH};

/// The arguments of `kubesim serve`.
#[derive(clap::Args)]
pub(super) struct ServeArgs {
    /// A scenario file, or a plain Kubernetes manifest (without one: the default three-node
    /// cluster, empty).
    scenario: Option<PathBuf>,
    /// Write a kubeconfig for the served cluster here (a bearer token, a context pointing at
    /// the server); a file kubesim did not write is never replaced.
    #[arg(long, value_name = "FILE")]
    kubeconfig: PathBuf,
    /// Listen on this port (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Listen on this address instead of 127.0.0.1 (0.0.0.0: every interface). Anyone who can
    /// reach it and holds the kubeconfig's token can change the cluster.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    listen: std::net::IpAddr,
    /// Start with the clock stopped (`kubesim clock ... resume|advance` moves it).
    #[arg(long, conflicts_with = "speed")]
    paused: bool,
    /// Simulated seconds per wall-clock second.
    #[arg(long, default_value_t = 1.0, value_parser = positive)]
    speed: f64,
    /// Seed for every random draw (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Write the JSON Lines trace of the session to this file.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// When stopped, write the session as a scenario here (every write the API handled, at its
    /// instant), which `kubesim run` replays to the same trace records. Never replaces a file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!(
            "\"{text}\" is not a positive number of simulated seconds per second"
        )),
    }
}

pub(super) fn run(args: ServeArgs) -> Result<i32, CliError> {
    if let Some(record) = args.record.as_ref().filter(|r| r.exists()) {
        return Err(CliError::Usage(format!(
            "{} exists; give --record a new file (kubesim never overwrites one)",
            record.display()
        )));
    }
    let scenario = match &args.scenario {
        Some(path) => crate::scenario::load(path)?,
        // An empty manifest: the default cluster with kubeadm's add-ons, for kubectl to fill.
        None => crate::scenario::load_str("", "kubesim", Path::new("."))?,
    };
    if !args.listen.is_loopback() {
        eprintln!(
            "warning: serving on {}, not only to this machine: anyone who can reach it with the token in {} can change the cluster",
            args.listen,
            args.kubeconfig.display()
        );
    }
    let options = serve::Options {
        listen: args.listen,
        kubeconfig: args.kubeconfig,
        port: args.port,
        paused: args.paused,
        speed: args.speed,
        seed: args.seed.unwrap_or(scenario.seed),
    };
    let served_text = match &args.scenario {
        Some(path) => Some(std::fs::read_to_string(path)?),
        None => None,
    };
    let trace =
        match &args.trace {
            Some(path) => Some(std::fs::File::create(path).map_err(|e| {
                CliError::Usage(format!("cannot write trace {}: {e}", path.display()))
            })?),
            None => None,
        };
    let name = scenario.name.clone();
    let session = serve::serve(scenario, &options, trace).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::Usage(e.to_string()),
        _ => CliError::Io(e),
    })?;
    if let Some(record) = &args.record {
        let served = args.scenario.as_deref().zip(served_text.as_deref());
        let text = crate::scenario::record::scenario_text(
            served,
            &name,
            options.seed,
            session.end,
            &session.recorded,
        )
        .map_err(CliError::Usage)?;
        std::fs::write(record, text)
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", record.display())))?;
        if let Some(trace) = &args.trace {
            name_recorded_input(trace, record)?;
        }
        eprintln!(
            "kubesim serve: the session is recorded in {} (replay: kubesim run {})",
            record.display(),
            record.display()
        );
    }
    Ok(0)
}

/// The arguments of `kubesim clock`.
#[derive(clap::Args)]
pub(super) struct ClockArgs {
    /// The kubeconfig `kubesim serve --kubeconfig` wrote.
    #[arg(long, value_name = "FILE")]
    kubeconfig: PathBuf,
    #[command(subcommand)]
    verb: ClockVerb,
}

#[derive(clap::Subcommand)]
enum ClockVerb {
    /// Print the simulated instant (a Go duration since t=0).
    Now,
    /// Move simulated time on at once; returns once every event up to then has been handled.
    Advance {
        /// A Go duration: 30s, 5m, 1h30m.
        by: String,
    },
    /// Stop the clock.
    Pause,
    /// Start the clock again.
    Resume,
    /// Set simulated seconds per wall-clock second.
    Speed {
        #[arg(value_parser = positive)]
        speed: f64,
    },
}

pub(super) fn clock(args: ClockArgs) -> Result<i32, CliError> {
    let access = kubeconfig::read(&args.kubeconfig).map_err(|e| CliError::Usage(e.to_string()))?;
    let kubeconfig::Access {
        server,
        authority,
        token,
    } = &access;
    let url = format!("{server}{CLOCK_PATH}");
    let auth = format!("Bearer {token}");
    let body = match &args.verb {
        ClockVerb::Now => None,
        ClockVerb::Advance { by } => Some(serde_json::json!({"action": "advance", "by": by})),
        ClockVerb::Pause => Some(serde_json::json!({"action": "pause"})),
        ClockVerb::Resume => Some(serde_json::json!({"action": "resume"})),
        ClockVerb::Speed { speed } => Some(serde_json::json!({"action": "speed", "speed": speed})),
    };
    let authority = ureq::tls::Certificate::from_pem(authority.as_bytes()).map_err(|e| {
        CliError::Usage(format!(
            "{}: bad certificate-authority-data: {e}",
            args.kubeconfig.display()
        ))
    })?;
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            authority,
        ])))
        .build();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .new_agent();
    let response = match &body {
        None => agent.get(&url).header("Authorization", &auth).call(),
        Some(body) => agent
            .post(&url)
            .header("Authorization", &auth)
            .send_json(body),
    };
    let unreachable = |e: ureq::Error| {
        CliError::Usage(format!(
            "cannot reach kubesim serve at {server} ({e}); is it running?"
        ))
    };
    let mut response = response.map_err(unreachable)?;
    let status = response.status();
    let answer: serde_json::Value = response.body_mut().read_json().map_err(unreachable)?;
    if !status.is_success() {
        return Err(CliError::Usage(
            answer["message"].as_str().unwrap_or("refused").to_string(),
        ));
    }
    let now = answer["now"].as_str().unwrap_or_default();
    match args.verb {
        ClockVerb::Now => println!("{now}"),
        _ if answer["paused"] == true => println!("clock at {now}, paused"),
        _ => println!("clock at {now}, running at {}x", answer["speed"]),
    }
    Ok(0)
}

/// Makes the session's trace name the recorded scenario as its input (its header's digest),
/// since that file is the whole input of the session: `kubesim run RECORD --trace` then writes
/// the same trace, byte for byte.
fn name_recorded_input(trace: &Path, record: &Path) -> Result<(), CliError> {
    let recorded = crate::scenario::load(record)?;
    let text = std::fs::read_to_string(trace)?;
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let mut header: crate::trace::Header = serde_json::from_str(first)
        .map_err(|e| CliError::Usage(format!("{}: bad trace header: {e}", trace.display())))?;
    header.digest = recorded.digest;
    let header = serde_json::to_string(&header).expect("a header serializes");
    std::fs::write(trace, format!("{header}\n{rest}"))?;
    Ok(())
}
