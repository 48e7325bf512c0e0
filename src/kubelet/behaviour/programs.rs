//! Commands that take simulated time: `sleep`, `stress`, servers, and the endless ones.

use super::catalogue::{daemon_for, Daemon};
use super::commands::{Io, Outcome, State};
use super::{Ctx, Routes, Server, Step};

const MIB: u64 = 1024 * 1024;

/// How fast one stress `--vm` worker dirties memory: 500 MiB/s (measured: 50 MiB in 80–200 ms
/// on a loaded 2-core machine; the faster end, as an idle node gets).
const STRESS_BYTES_PER_SEC: u64 = 500 * MIB;

/// Startup time and memory of the small busybox servers (`httpd -p`, `nc -l`).
const SMALL_SERVER: (u64, u64) = (1, MIB);

/// Time units of `sleep` and `stress --timeout`, in ms; bare numbers are seconds.
const TIME_UNITS: &[(char, u64)] = &[
    ('s', 1000),
    ('m', 60_000),
    ('h', 3_600_000),
    ('d', 86_400_000),
    ('y', 365 * 86_400_000),
];

/// Size suffixes of `stress --vm-bytes` (powers of 1024, either case).
const SIZE_UNITS: &[(char, u64)] = &[('b', 1), ('k', 1024), ('m', MIB), ('g', 1024 * MIB)];

/// What a waiting program does next.
pub(super) enum Next {
    /// Time passes like this before the program must be resumed.
    Wait(Step),
    /// It exited with this status.
    Done(i32),
}

/// A command in progress that takes time.
pub(super) enum Program {
    Sleep { ms: u64, slept: bool },
    Endless { busy: bool },
    Stress(Stress),
    Serve(Serve),
}

impl Program {
    /// Carries on after the previous step's time has passed (or at once after starting).
    pub(super) fn resume(&mut self, ctx: &mut Ctx) -> Next {
        match self {
            Program::Sleep { slept: true, .. } => Next::Done(0),
            Program::Sleep { ms, slept } => {
                *slept = true;
                Next::Wait(Step::Sleep { ms: *ms })
            }
            Program::Endless { busy } => Next::Wait(Step::Forever { busy: *busy }),
            Program::Stress(stress) => stress.resume(ctx),
            Program::Serve(serve) => serve.resume(ctx),
        }
    }

    /// The exit code on SIGTERM as PID 1; `None` when it has no handler (so it is ignored).
    pub(super) fn sigterm(&self) -> Option<i32> {
        match self {
            Program::Serve(serve) => serve.sigterm,
            _ => None,
        }
    }
}

/// Starts a timed command named by `argv[0]`'s last component, or reports it unsupported.
pub(super) fn start(
    argv: &[String],
    state: &State,
    io: &mut Io,
    ctx: &mut Ctx,
) -> Result<Outcome, String> {
    let name = argv[0].rsplit('/').next().unwrap_or_default();
    let args = &argv[1..];
    let program = match name {
        "sleep" => return Ok(sleep(args, io)),
        "yes" => Program::Endless { busy: true },
        "dd" => dd(args)?,
        "stress" => return stress(args, io),
        "nc" => nc(args)?,
        "httpd" if !args.iter().any(|arg| arg == "-DFOREGROUND") => {
            return busybox_httpd(args, state, ctx);
        }
        _ => return server(argv, state, io, ctx),
    };
    Ok(Outcome::Start(program))
}

/// `arg` as a number with an optional unit suffix, times the unit (or `default_unit`).
fn scaled(arg: &str, units: &[(char, u64)], default_unit: u64) -> Option<u64> {
    let last = arg.chars().last()?.to_ascii_lowercase();
    let (number, unit) = match units.iter().find(|(suffix, _)| *suffix == last) {
        Some((_, unit)) => (&arg[..arg.len() - 1], *unit),
        None => (arg, default_unit),
    };
    let number: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    Some((number * unit as f64).round() as u64)
}

/// `sleep N...` (summed; fractions and s/m/h/d suffixes) or `sleep infinity`.
fn sleep(args: &[String], io: &mut Io) -> Outcome {
    let mut ms = 0;
    for arg in args {
        if arg == "infinity" {
            return Outcome::Start(Program::Endless { busy: false });
        }
        match scaled(arg, &TIME_UNITS[..4], 1000) {
            Some(arg_ms) => ms = arg_ms.saturating_add(ms),
            None => {
                io.error(format!("sleep: invalid number '{arg}'"));
                return Outcome::Done(1);
            }
        }
    }
    match (args.is_empty(), ms) {
        (true, _) => {
            io.error("Usage: sleep [N]...");
            Outcome::Done(1)
        }
        (false, 0) => Outcome::Done(0),
        _ => Outcome::Start(Program::Sleep { ms, slept: false }),
    }
}

/// `dd` copying endlessly from /dev/zero or /dev/urandom to /dev/null: a CPU-bound forever.
fn dd(args: &[String]) -> Result<Program, String> {
    let operand = |key: &str| {
        let prefix = format!("{key}=");
        args.iter()
            .find_map(|arg| arg.strip_prefix(&prefix).map(str::to_string))
    };
    let endless_source = matches!(operand("if").as_deref(), Some("/dev/zero" | "/dev/urandom"));
    let sink = operand("of");
    if endless_source
        && operand("count").is_none()
        && sink.as_deref().is_none_or(|of| of == "/dev/null")
    {
        return Ok(Program::Endless { busy: true });
    }
    Err(format!(
        "unsupported dd invocation \"dd {}\"",
        args.join(" ")
    ))
}

/// `nc -l [-k] [-p] PORT`: a TCP listener (it is taken to keep listening after a connection).
fn nc(args: &[String]) -> Result<Program, String> {
    let listens = args
        .iter()
        .any(|arg| arg.starts_with('-') && arg.contains('l'));
    let port = args.iter().find_map(|arg| arg.parse::<u16>().ok());
    match (listens, port) {
        (true, Some(port)) => Ok(Program::Serve(Serve::small(port, None))),
        _ => Err(format!(
            "unsupported nc invocation \"nc {}\" (only nc -l PORT)",
            args.join(" ")
        )),
    }
}

/// Busybox `httpd [-f] [-p [IP:]PORT] [-h DIR]`: serves files; without `-f` it goes to the
/// background (listening at once) and the command returns 0.
fn busybox_httpd(args: &[String], state: &State, ctx: &mut Ctx) -> Result<Outcome, String> {
    let option = |flag: &str| {
        let at = args.iter().position(|arg| arg == flag)?;
        args.get(at + 1).cloned()
    };
    let port = option("-p").unwrap_or_else(|| "80".to_string());
    let port = port.rsplit(':').next().unwrap_or_default();
    let port = port
        .parse()
        .map_err(|_| format!("unsupported httpd port \"{port}\""))?;
    let home = super::resolve(&state.cwd, &option("-h").unwrap_or_else(|| ".".to_string()));
    let serve = Serve::small(port, Some(Routes::Docroot(home)));
    Ok(serve.run(args.iter().any(|arg| arg == "-f"), ctx))
}

/// A catalogue server program (nginx, redis-server, `/server`, `node app.js`...).
fn server(argv: &[String], state: &State, io: &mut Io, ctx: &mut Ctx) -> Result<Outcome, String> {
    let name = argv[0].rsplit('/').next().unwrap_or_default();
    let args = &argv[1..];
    let key = match (argv[0].as_str(), name, args.first()) {
        ("/server", ..) => "/server".to_string(),
        (_, "node" | "agnhost", Some(first)) => format!("{name} {first}"),
        (_, "httpd", _) => "httpd-foreground".to_string(),
        _ => name.to_string(),
    };
    let daemon = daemon_for(&key).ok_or_else(|| format!("unsupported command \"{key}\""))?;
    let env_ok = daemon
        .needs_env
        .iter()
        .any(|need| match need.split_once('=') {
            Some((var, value)) => state.env(var) == Some(value),
            None => state.env(need).is_some_and(|value| !value.is_empty()),
        });
    if !daemon.needs_env.is_empty() && !env_ok {
        daemon
            .missing_env_error
            .iter()
            .for_each(|line| io.error(line));
        return Ok(Outcome::Done(1));
    }
    // The nginx image's configuration has `daemon on`: without `-g 'daemon off;'` it forks.
    let foreground = name != "nginx" || args.iter().any(|arg| arg.contains("daemon off;"));
    Ok(Serve::from(daemon).run(foreground, ctx))
}

/// A server: it ramps up its memory while starting, then listens until killed.
pub(super) struct Serve {
    port: Option<u16>,
    http: Option<Routes>,
    startup_ms: u64,
    memory: u64,
    sigterm: Option<i32>,
    started_ms: Option<u64>,
}

impl From<&Daemon> for Serve {
    fn from(daemon: &Daemon) -> Serve {
        Serve {
            port: daemon.port,
            http: daemon.http.clone(),
            startup_ms: daemon.startup_ms,
            memory: daemon.memory_bytes,
            sigterm: daemon.sigterm,
            started_ms: None,
        }
    }
}

impl Serve {
    fn small(port: u16, http: Option<Routes>) -> Serve {
        let (startup_ms, memory) = SMALL_SERVER;
        let port = Some(port);
        let (sigterm, started_ms) = (None, None);
        Serve {
            port,
            http,
            startup_ms,
            memory,
            sigterm,
            started_ms,
        }
    }

    /// In the foreground the shell waits on it; in the background it listens at once and the
    /// command returns 0 (its memory is not the process's).
    fn run(self, foreground: bool, ctx: &mut Ctx) -> Outcome {
        if foreground {
            return Outcome::Start(Program::Serve(self));
        }
        self.listen(ctx.now_ms, ctx);
        Outcome::Done(0)
    }

    fn listen(&self, started_ms: u64, ctx: &mut Ctx) {
        if let Some(port) = self.port {
            let http = self.http.clone();
            ctx.listening.insert(port, Server { started_ms, http });
        }
    }

    fn resume(&mut self, ctx: &mut Ctx) -> Next {
        match self.started_ms {
            None => {
                self.started_ms = Some(ctx.now_ms);
                let (bytes, ms) = (self.memory, self.startup_ms);
                Next::Wait(Step::Allocate { bytes, ms })
            }
            Some(started_ms) => {
                self.listen(started_ms, ctx);
                Next::Wait(Step::Forever { busy: false })
            }
        }
    }
}

/// `stress` (1.0.4): `--vm N` workers each allocate and dirty `--vm-bytes` (default 256M),
/// hold it `--vm-hang` s (0 = forever, absent = free at once), free and start over; `--vm-keep`
/// keeps redirtying instead. `--cpu/--io/--hdd` workers only burn CPU. `--timeout` exits 0.
pub(super) struct Stress {
    bytes: u64,
    ramp_ms: u64,
    hang_ms: Option<u64>,
    keep: bool,
    cpu: bool,
    deadline_ms: Option<u64>,
    held: u64,
    phase: Phase,
}

#[derive(Clone, Copy)]
enum Phase {
    Empty,
    Full,
    Hung,
}

fn stress(args: &[String], io: &mut Io) -> Result<Outcome, String> {
    let (mut workers, mut vm_bytes) = ([0u64; 4], 256 * MIB);
    let (mut hang_ms, mut keep, mut timeout_ms) = (None, false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) if arg.starts_with("--") => (option, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |units: &[(char, u64)], unit: u64| {
            let text = inline
                .clone()
                .or_else(|| args.next().cloned())
                .unwrap_or_default();
            scaled(&text, units, unit)
                .ok_or_else(|| format!("stress: FAIL: bad {option} value \"{text}\""))
        };
        match option {
            "-c" | "--cpu" => workers[0] = value(&[], 1)?,
            "-i" | "--io" => workers[1] = value(&[], 1)?,
            "-m" | "--vm" => workers[2] = value(&[], 1)?,
            "-d" | "--hdd" => workers[3] = value(&[], 1)?,
            "--vm-bytes" => vm_bytes = value(SIZE_UNITS, 1)?,
            "--vm-hang" => hang_ms = Some(value(&[], 1000)?),
            "-t" | "--timeout" => timeout_ms = Some(value(TIME_UNITS, 1000)?),
            "--vm-stride" | "--hdd-bytes" | "--backoff" => {
                value(SIZE_UNITS, 1)?;
            }
            "--vm-keep" => keep = true,
            "-v" | "--verbose" | "-q" | "--quiet" => {}
            _ => return Err(format!("unsupported stress option \"{option}\"")),
        }
    }
    let [cpu, io_workers, vm, hdd] = workers;
    io.line(format!(
        "stress: info: [1] dispatching hogs: {cpu} cpu, {io_workers} io, {vm} vm, {hdd} hdd"
    ));
    if workers == [0; 4] {
        return Ok(Outcome::Done(0));
    }
    Ok(Outcome::Start(Program::Stress(Stress {
        bytes: vm.saturating_mul(vm_bytes),
        ramp_ms: vm_bytes.saturating_mul(1000).div_ceil(STRESS_BYTES_PER_SEC),
        hang_ms,
        keep,
        cpu: cpu + io_workers + hdd > 0,
        deadline_ms: timeout_ms,
        held: 0,
        phase: Phase::Empty,
    })))
}

impl Stress {
    fn resume(&mut self, ctx: &mut Ctx) -> Next {
        let left = self
            .deadline_ms
            .map(|deadline| deadline.saturating_sub(ctx.now_ms));
        if left == Some(0) {
            self.free(ctx);
            let secs = self.deadline_ms.unwrap_or_default() / 1000;
            ctx.output.push(format!(
                "stress: info: [1] successful run completed in {secs}s"
            ));
            return Next::Done(0);
        }
        let (bytes, ms) = (self.bytes, self.ramp_ms);
        let step = match (self.phase, self.hang_ms) {
            _ if bytes == 0 => Step::Forever { busy: true },
            (Phase::Full, _) if self.keep => Step::Forever { busy: true },
            (Phase::Full, Some(0)) => Step::Forever { busy: self.cpu },
            (Phase::Full, Some(ms)) => {
                self.phase = Phase::Hung;
                Step::Sleep { ms }
            }
            _ => {
                self.free(ctx);
                self.phase = Phase::Full;
                Step::Allocate { bytes, ms }
            }
        };
        // A timeout cuts the step short (a busy stretch then reads as a sleep).
        let step = match (step, left) {
            (Step::Forever { .. }, Some(left)) => Step::Sleep { ms: left },
            (Step::Sleep { ms }, Some(left)) => Step::Sleep { ms: ms.min(left) },
            (Step::Allocate { bytes, ms }, Some(left)) if ms > left => Step::Allocate {
                bytes: (u128::from(bytes) * u128::from(left) / u128::from(ms)) as u64,
                ms: left,
            },
            (step, _) => step,
        };
        if let Step::Allocate { bytes, .. } = step {
            self.held += bytes;
        }
        Next::Wait(step)
    }

    fn free(&mut self, ctx: &mut Ctx) {
        *ctx.memory = ctx.memory.saturating_sub(self.held);
        self.held = 0;
    }
}
