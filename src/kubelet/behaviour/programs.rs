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
    Dd(Dd),
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
            Program::Dd(dd) => dd.resume(ctx),
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
        "dd" => return dd(args, io),
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

/// How fast busybox `dd` fills its buffer from each source the first time, in MiB/s (page
/// faults included), and how fast it refills it after (measured with busybox 1.35 on this
/// project's 2-core host: 200M from /dev/zero in 110 ms, again in 25 ms; from /dev/urandom in
/// 740–800 ms each time).
const DD_SOURCES: &[(&str, u64, u64)] = &[("/dev/zero", 1800, 8000), ("/dev/urandom", 256, 256)];

/// Busybox `dd`'s size suffixes (`bs=`, `count=`...).
// K8S: not Kubernetes: busybox coreutils/dd.c (dd_suffixes)
const DD_UNITS: &[(&str, u64)] = &[
    ("c", 1),
    ("w", 2),
    ("b", 512),
    ("kB", 1000),
    ("kD", 1000),
    ("k", 1024),
    ("K", 1024),
    ("MB", 1_000_000),
    ("MD", 1_000_000),
    ("M", MIB),
    ("GB", 1_000_000_000),
    ("GD", 1_000_000_000),
    ("G", 1024 * MIB),
];

/// Busybox `dd` from /dev/zero or /dev/urandom to /dev/null: it allocates its input block
/// (`ibs`, or `bs`; 512 bytes by default) and, when `obs` differs, an output block; the first
/// read faults the input block in (resident memory grows by it), later reads reuse it. After
/// `count` blocks it prints "N+0 records in" / "M+P records out" on stderr and exits 0; without
/// `count` it copies forever, CPU-busy. Buffers under a page live in memory the process already
/// has and add nothing.
pub(super) struct Dd {
    /// Resident bytes the buffers add.
    bytes: u64,
    /// Filling the input block the first time, then the remaining blocks.
    first_ms: u64,
    rest_ms: Option<u64>,
    /// The stderr lines at the end, unless `status=none`.
    report: Vec<String>,
    phase: DdPhase,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DdPhase {
    Start,
    Filled,
    Copied,
}

fn dd(args: &[String], io: &mut Io) -> Result<Outcome, String> {
    let unsupported = || format!("unsupported dd invocation \"dd {}\"", args.join(" "));
    let (mut source, mut sink, mut status) = (None, None, None);
    let (mut bs, mut ibs, mut obs, mut count) = (None, 512, 512, None);
    for arg in args {
        let (key, value) = arg.split_once('=').ok_or_else(unsupported)?;
        let number = || dd_number(value).ok_or_else(|| format!("dd: invalid number '{value}'"));
        match key {
            "if" => source = Some(value),
            "of" => sink = Some(value),
            "status" => status = Some(value),
            "bs" | "ibs" | "obs" | "count" => match number() {
                Ok(n) if key == "bs" => bs = Some(n),
                Ok(n) if key == "ibs" => ibs = n,
                Ok(n) if key == "obs" => obs = n,
                Ok(n) => count = Some(n),
                Err(message) => {
                    io.error(message);
                    return Ok(Outcome::Done(1));
                }
            },
            _ => return Err(unsupported()),
        }
    }
    if let Some(bs) = bs {
        (ibs, obs) = (bs, bs);
    }
    let rates = DD_SOURCES.iter().find(|(path, ..)| Some(*path) == source);
    let (Some(&(_, first_rate, rest_rate)), Some("/dev/null") | None) = (rates, sink) else {
        return Err(unsupported());
    };
    if !matches!(status, None | Some("none" | "noxfer")) || ibs == 0 || obs == 0 {
        return Err(unsupported());
    }
    if count.is_some() && sink.is_none() {
        return Err(unsupported()); // the blocks would go to the log
    }
    let page = |bytes: u64| bytes / 4096 * 4096;
    let out_bytes = match count {
        Some(count) if ibs != obs => obs.min(ibs.saturating_mul(count)),
        _ => 0,
    };
    let bytes = page(ibs) + page(out_bytes);
    let ms = |bytes: u64, rate: u64| bytes.saturating_mul(1000).div_ceil(rate * MIB);
    let first_ms = ms(ibs, first_rate);
    let rest_ms = count.map(|count| ms(ibs.saturating_mul(count.saturating_sub(1)), rest_rate));
    let report = match (count, status) {
        (Some(_), Some("none")) | (None, _) => Vec::new(),
        (Some(count), _) => {
            let total = ibs.saturating_mul(count);
            let partial = u64::from(total % obs != 0);
            vec![
                format!("{count}+0 records in"),
                format!("{}+{partial} records out", total / obs),
            ]
        }
    };
    if count == Some(0) {
        report.iter().for_each(|line| io.error(line));
        return Ok(Outcome::Done(0));
    }
    Ok(Outcome::Start(Program::Dd(Dd {
        bytes,
        first_ms,
        rest_ms,
        report,
        phase: DdPhase::Start,
    })))
}

/// A `dd` operand's number: digits and an optional busybox suffix.
fn dd_number(text: &str) -> Option<u64> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits);
    let unit = match suffix {
        "" => 1,
        _ => DD_UNITS.iter().find(|(s, _)| *s == suffix)?.1,
    };
    number.parse::<u64>().ok()?.checked_mul(unit)
}

impl Dd {
    fn resume(&mut self, ctx: &mut Ctx) -> Next {
        match (self.phase, self.rest_ms) {
            (DdPhase::Start, _) if self.bytes > 0 || self.rest_ms.is_some() => {
                self.phase = DdPhase::Filled;
                let (bytes, ms) = (self.bytes, self.first_ms);
                Next::Wait(Step::Allocate { bytes, ms })
            }
            (DdPhase::Start | DdPhase::Filled, None) => Next::Wait(Step::Forever { busy: true }),
            (DdPhase::Filled, Some(ms)) if ms > 0 => {
                self.phase = DdPhase::Copied;
                Next::Wait(Step::Sleep { ms })
            }
            _ => {
                *ctx.memory = ctx.memory.saturating_sub(self.bytes);
                for line in self.report.drain(..) {
                    match ctx.errors.as_deref_mut() {
                        Some(errors) => errors.push(line),
                        None => ctx.output.push(line),
                    }
                }
                Next::Done(0)
            }
        }
    }
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
    if ctx.fs.lacks_program(&state.cwd, &argv[0]) {
        // K8S: (BusyBox ash, measured with busybox 1.35) `sh -c slep` prints
        // "sh: slep: not found" and exits 127, the shell's "command not found" status.
        // DEVIATION: ash adds "line N: " for a script read from a file; it is left out.
        let shell = state.args.first().map_or("sh", String::as_str);
        io.error(format!("{shell}: {}: not found", argv[0]));
        return Ok(Outcome::Done(127));
    }
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
