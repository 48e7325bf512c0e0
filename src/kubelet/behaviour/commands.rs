//! Commands that finish at once (0 ms), with busybox's output, messages and exit codes, and
//! the dispatch of every command name to them, to a shell script or to a timed program.

use std::collections::{BTreeMap, BTreeSet};

use super::parse::{parse, N};
use super::programs::{self, Program};
use super::{resolve, Ctx, Fs, FsError, World};

/// Seconds from the Unix epoch to 2025-01-01T00:00:00Z, the fixed instant containers start at.
const EPOCH_2025: u64 = 1_735_689_600;

/// The shell's variables and working directory (copied into subshells, restored after).
#[derive(Clone)]
pub(super) struct State {
    pub(super) vars: BTreeMap<String, String>,
    pub(super) exported: BTreeSet<String>,
    /// `$0`, `$1`, ...
    pub(super) args: Vec<String>,
    pub(super) cwd: String,
}

impl State {
    /// An environment variable's value (only exported variables reach programs).
    pub(super) fn env(&self, name: &str) -> Option<&str> {
        let exported = self.exported.contains(name);
        exported
            .then(|| self.vars.get(name))
            .flatten()
            .map(String::as_str)
    }
}

/// A command's standard streams: input given, output gathered for the shell to route.
#[derive(Default)]
pub(super) struct Io {
    pub(super) stdin: String,
    pub(super) out: String,
    pub(super) err: String,
}

impl Io {
    pub(super) fn line(&mut self, text: impl AsRef<str>) {
        self.out.push_str(text.as_ref());
        self.out.push('\n');
    }

    pub(super) fn error(&mut self, text: impl AsRef<str>) {
        self.err.push_str(text.as_ref());
        self.err.push('\n');
    }
}

/// What running a command leads to.
pub(super) enum Outcome {
    /// Finished at once with this status.
    Done(i32),
    /// Takes time: the shell waits on the program.
    Start(Program),
    /// A shell script to run in a child shell, with its `$0`, `$1`, ...
    Script(N, Vec<String>),
    /// `exit [N]`: leave the current shell.
    Exit(Option<i32>),
    /// `exec argv`: the current shell becomes this command.
    Exec(Vec<String>),
}

/// Runs `argv` (non-empty), by command name (a path's last component).
pub(super) fn run(
    argv: &[String],
    state: &mut State,
    io: &mut Io,
    ctx: &mut Ctx,
) -> Result<Outcome, String> {
    let name = argv[0].rsplit('/').next().unwrap_or_default();
    let args = &argv[1..];
    let code = match name {
        ":" | "true" | "wait" => 0,
        "false" => 1,
        "echo" => echo(args, io),
        "printf" => printf(args, io),
        "cat" => {
            let (texts, code) = read_files("cat", args, state, io, ctx.fs);
            texts.iter().for_each(|(_, text)| io.out.push_str(text));
            code
        }
        "ls" => ls(args, state, io, ctx.fs),
        "touch" => for_each_path(args, "touch: {}", (state, io, ctx.fs), |fs, path, _| {
            if fs.exists(path) {
                return Ok(());
            }
            fs.write(path, "", true)
        }),
        "rm" => for_each_path(
            args,
            "rm: can't remove '{}'",
            (state, io, ctx.fs),
            |fs, path, flags| match fs.remove(path, flags.contains(['r', 'R'])) {
                Err(FsError::NotFound) if flags.contains('f') => Ok(()),
                result => result,
            },
        ),
        "mkdir" => {
            let failure = "mkdir: can't create directory '{}'";
            for_each_path(args, failure, (state, io, ctx.fs), |fs, path, flags| {
                fs.mkdir(path, flags.contains('p'))
            })
        }
        "test" | "[" => test(name, args, state, io, ctx.fs),
        "cd" => cd(args, state, io, ctx.fs),
        "pwd" => print(io, &state.cwd),
        "hostname" => print(io, ctx.fs.read("/etc/hostname").unwrap_or_default().trim()),
        "whoami" => print(io, "root"),
        "date" => date(args, ctx.now_ms, io)?,
        "env" | "printenv" => env(name, args, state, io)?,
        "export" | "unset" => set_vars(name, args, state),
        "nslookup" => nslookup(args, io, ctx.world),
        "wc" => wc(args, state, io, ctx.fs),
        "grep" => grep(args, state, io, ctx.fs)?,
        "exit" => {
            let code = args
                .first()
                .map(|code| code.parse::<i32>().map_or(2, |code| code & 255));
            return Ok(Outcome::Exit(code));
        }
        "tail" => return Ok(tail(args, state, io, ctx.fs)),
        "exec" if !args.is_empty() => return Ok(Outcome::Exec(args.to_vec())),
        "exec" => 0,
        "busybox" | "docker-entrypoint.sh" if !args.is_empty() => return run(args, state, io, ctx),
        "sh" | "bash" | "ash" | "dash" => return shell(name, args, &state.cwd, ctx.fs),
        _ if argv[0].contains('/') && ctx.fs.read(&resolve(&state.cwd, &argv[0])).is_some() => {
            return shell("sh", argv, &state.cwd, ctx.fs);
        }
        _ => return programs::start(argv, state, io, ctx),
    };
    Ok(Outcome::Done(code))
}

fn print(io: &mut Io, text: &str) -> i32 {
    io.line(text);
    0
}

/// `sh -c SCRIPT [$0 [$1...]]`, `sh FILE [args]`, or `sh` alone (no stdin: exits at once).
fn shell(name: &str, args: &[String], cwd: &str, fs: &Fs) -> Result<Outcome, String> {
    let (script, positional) = match args {
        [] => return Ok(Outcome::Done(0)),
        [flag, script, rest @ ..] if flag == "-c" => (script.clone(), rest.to_vec()),
        [flag, ..] if flag.starts_with('-') => {
            return Err(format!("unsupported shell option \"{name} {flag}\""));
        }
        [file, ..] => match fs.read(&resolve(cwd, file)) {
            Some(script) => (script.to_string(), args.to_vec()),
            None => return Err(format!("script file \"{file}\" is not in the container")),
        },
    };
    let interpreter = script
        .strip_prefix("#!")
        .and_then(|line| line.lines().next());
    if let Some(interpreter) = interpreter.filter(|line| !line.contains("sh")) {
        return Err(format!(
            "unsupported script interpreter \"{}\"",
            interpreter.trim()
        ));
    }
    let mut positional = positional;
    if positional.is_empty() {
        positional.push(name.to_string());
    }
    Ok(Outcome::Script(parse(&script)?, positional))
}

/// Busybox echo: `-n`, `-e` (escapes), `-E`.
fn echo(args: &[String], io: &mut Io) -> i32 {
    let (mut newline, mut escapes, mut skip) = (true, false, 0);
    for flag in args.iter().map_while(|arg| arg.strip_prefix('-')) {
        if flag.is_empty() || !flag.chars().all(|c| "neE".contains(c)) {
            break;
        }
        newline &= !flag.contains('n');
        escapes = flag.contains('e') || (escapes && !flag.contains('E'));
        skip += 1;
    }
    let mut text = args[skip..].join(" ");
    if escapes {
        let (unescaped, stop) = unescape(&text);
        text = unescaped;
        newline &= !stop;
    }
    io.out.push_str(&text);
    if newline {
        io.out.push('\n');
    }
    0
}

/// Backslash escapes of echo -e and printf; the flag says output stopped at `\c`.
fn unescape(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('c') => return (out, true),
            Some(other) => out.extend(['\\', other]),
            None => out.push('\\'),
        }
    }
    (out, false)
}

/// printf with `%s`, `%d`, `%%` and escapes; the format repeats while arguments remain.
fn printf(args: &[String], io: &mut Io) -> i32 {
    let Some((format, mut rest)) = args.split_first() else {
        io.error("printf: usage: printf FORMAT [ARGUMENT...]");
        return 1;
    };
    let format = unescape(format).0;
    loop {
        let mut consumed = false;
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                io.out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => io.out.push('%'),
                Some('s' | 'd' | 'i') => {
                    if let Some((arg, tail)) = rest.split_first() {
                        io.out.push_str(arg);
                        rest = tail;
                    }
                    consumed = true;
                }
                other => io.out.extend(['%'].into_iter().chain(other)),
            }
        }
        if rest.is_empty() || !consumed {
            return 0;
        }
    }
}

/// Reads each file operand (or stdin when none); returns the texts by name and the status
/// (1 when one could not be read, reported as `NAME: can't open 'FILE': ...`).
fn read_files(
    name: &str,
    files: &[String],
    state: &State,
    io: &mut Io,
    fs: &Fs,
) -> (Vec<(String, String)>, i32) {
    if files.is_empty() || files == ["-"] {
        return (vec![(String::new(), io.stdin.clone())], 0);
    }
    let (mut texts, mut code) = (Vec::new(), 0);
    for file in files {
        let path = resolve(&state.cwd, file);
        match fs.read(&path) {
            Some(text) => texts.push((file.clone(), text.to_string())),
            None => {
                let why = if fs.is_dir(&path) {
                    FsError::IsDir
                } else {
                    FsError::NotFound
                };
                io.error(format!("{name}: can't open '{file}': {why}"));
                code = 1;
            }
        }
    }
    (texts, code)
}

/// Single-letter flags (`-rf`) and the other operands.
fn split_flags(args: &[String]) -> (String, Vec<String>) {
    let (flags, operands): (Vec<_>, Vec<_>) = args
        .iter()
        .cloned()
        .partition(|arg| arg.len() > 1 && arg.starts_with('-'));
    (flags.concat().replace('-', ""), operands)
}

/// Applies a file operation (given the absolute path and the flags) to each operand; a
/// failure prints `failure` (with `{}` replaced by the operand) and the reason.
fn for_each_path(
    args: &[String],
    failure: &str,
    (state, io, fs): (&State, &mut Io, &mut Fs),
    op: impl Fn(&mut Fs, &str, &str) -> Result<(), FsError>,
) -> i32 {
    let (flags, operands) = split_flags(args);
    let mut code = 0;
    for operand in &operands {
        if let Err(why) = op(fs, &resolve(&state.cwd, operand), &flags) {
            io.error(format!("{}: {why}", failure.replace("{}", operand)));
            code = 1;
        }
    }
    code
}

/// `tail [-n N] [-f] [FILE...]`: the last lines; with `-f` it then follows forever.
fn tail(args: &[String], state: &State, io: &mut Io, fs: &Fs) -> Outcome {
    let (mut follow, mut lines, mut files) = (false, 10, Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-f" | "-F" => follow = true,
            "-n" => lines = args.next().and_then(|n| n.parse().ok()).unwrap_or(lines),
            _ => files.push(arg.clone()),
        }
    }
    let (texts, code) = read_files("tail", &files, state, io, fs);
    for (_, text) in texts {
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..]
            .iter()
            .for_each(|line| io.line(line));
    }
    if follow && code == 0 {
        return Outcome::Start(Program::Endless { busy: false });
    }
    Outcome::Done(code)
}

fn ls(args: &[String], state: &State, io: &mut Io, fs: &Fs) -> i32 {
    let (_, mut operands) = split_flags(args);
    if operands.is_empty() {
        operands.push(".".to_string());
    }
    let mut code = 0;
    for operand in &operands {
        let path = resolve(&state.cwd, operand);
        match fs.list(&path) {
            Some(names) => names.iter().for_each(|name| io.line(name)),
            None if fs.exists(&path) => io.line(operand),
            None => {
                io.error(format!("ls: {operand}: {}", FsError::NotFound));
                code = 1;
            }
        }
    }
    code
}

fn test(name: &str, args: &[String], state: &State, io: &mut Io, fs: &Fs) -> i32 {
    let args = match (name, args.split_last()) {
        ("[", Some((last, rest))) if last == "]" => rest,
        ("[", _) => {
            io.error("sh: [: missing ]");
            return 2;
        }
        _ => args,
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match condition(&args, state, fs) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(why) => {
            io.error(format!("sh: {why}"));
            2
        }
    }
}

/// A `test` expression: `!`, `-o`, `-a`, unary file and string tests, binary comparisons.
fn condition(args: &[&str], state: &State, fs: &Fs) -> Result<bool, String> {
    for (op, or) in [("-o", true), ("-a", false)] {
        if let Some(at) = args.iter().position(|arg| *arg == op) {
            let left = condition(&args[..at], state, fs)?;
            return Ok(if or {
                left || condition(&args[at + 1..], state, fs)?
            } else {
                left && condition(&args[at + 1..], state, fs)?
            });
        }
    }
    let file = |operand: &str| resolve(&state.cwd, operand);
    let number = |text: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| format!("invalid number '{text}'"))
    };
    Ok(match *args {
        [] => false,
        ["!", ref rest @ ..] => !condition(rest, state, fs)?,
        [text] => !text.is_empty(),
        ["-n", text] => !text.is_empty(),
        ["-z", text] => text.is_empty(),
        ["-e" | "-r" | "-w" | "-x", path] => fs.exists(&file(path)),
        ["-f", path] => fs.read(&file(path)).is_some(),
        ["-d", path] => fs.is_dir(&file(path)),
        ["-s", path] => fs.read(&file(path)).is_some_and(|text| !text.is_empty()),
        [left, "=" | "==", right] => left == right,
        [left, "!=", right] => left != right,
        [left, op @ ("-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge"), right] => {
            let ordering = number(left)?.cmp(&number(right)?);
            match op {
                "-eq" => ordering.is_eq(),
                "-ne" => ordering.is_ne(),
                "-lt" => ordering.is_lt(),
                "-le" => ordering.is_le(),
                "-gt" => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
        _ => return Err(format!("{}: unknown operand", args.join(" "))),
    })
}

fn cd(args: &[String], state: &mut State, io: &mut Io, fs: &Fs) -> i32 {
    let target = args.first().cloned().unwrap_or_else(|| "/root".to_string());
    let path = resolve(&state.cwd, &target);
    if fs.is_dir(&path) {
        state.cwd = path;
        return 0;
    }
    io.error(format!(
        "sh: cd: can't cd to {target}: {}",
        FsError::NotFound
    ));
    2
}

/// `date` as busybox prints it, `-u`, or `+%s`, from the fixed 2025-01-01 start.
fn date(args: &[String], now_ms: u64, io: &mut Io) -> Result<i32, String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const WEEKDAYS: [&str; 7] = ["Wed", "Thu", "Fri", "Sat", "Sun", "Mon", "Tue"];
    let secs = now_ms / 1000;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["-u"] => {}
        ["+%s"] => return Ok(print(io, &(EPOCH_2025 + secs).to_string())),
        _ => return Err(format!("unsupported date format \"{}\"", args.join(" "))),
    }
    let leap = |year: u64| year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let (mut days, time) = (secs / 86_400, secs % 86_400);
    let weekday = WEEKDAYS[(days % 7) as usize];
    let mut year = 2025;
    while days >= 365 + u64::from(leap(year)) {
        days -= 365 + u64::from(leap(year));
        year += 1;
    }
    let mut month = 0;
    loop {
        let len = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
            + u64::from(month == 1 && leap(year));
        if days < len {
            break;
        }
        days -= len;
        month += 1;
    }
    let (h, m, s) = (time / 3600, time / 60 % 60, time % 60);
    let text = format!(
        "{weekday} {} {:>2} {h:02}:{m:02}:{s:02} UTC {year}",
        MONTHS[month],
        days + 1
    );
    Ok(print(io, &text))
}

/// `env` / `printenv` print the environment; `printenv NAME...` the values (1 if one is unset).
fn env(name: &str, args: &[String], state: &State, io: &mut Io) -> Result<i32, String> {
    if args.is_empty() {
        for var in &state.exported {
            let value = state.vars.get(var).map_or("", String::as_str);
            io.line(format!("{var}={value}"));
        }
        return Ok(0);
    }
    if name == "env" {
        return Err("unsupported command \"env\" with arguments".to_string());
    }
    let mut code = 0;
    for var in args {
        match state.env(var) {
            Some(value) => io.line(value),
            None => code = 1,
        }
    }
    Ok(code)
}

/// `export NAME[=value]...` and `unset NAME...`.
fn set_vars(name: &str, args: &[String], state: &mut State) -> i32 {
    for arg in args {
        let (var, value) = arg
            .split_once('=')
            .map_or((arg.as_str(), None), |(n, v)| (n, Some(v)));
        if name == "unset" {
            state.vars.remove(var);
            state.exported.remove(var);
            continue;
        }
        if let Some(value) = value {
            state.vars.insert(var.to_string(), value.to_string());
        }
        state.exported.insert(var.to_string());
    }
    0
}

/// Busybox 1.28's nslookup, answering from the cluster's DNS at kube-dns's usual address.
fn nslookup(args: &[String], io: &mut Io, world: &dyn World) -> i32 {
    let Some(host) = args.iter().find(|arg| !arg.starts_with('-')) else {
        io.error("Usage: nslookup HOST [DNS_SERVER]");
        return 1;
    };
    io.line("Server:    10.96.0.10");
    io.line("Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local");
    io.line("");
    match world.resolve(host) {
        Some(address) => {
            io.line(format!("Name:      {host}"));
            io.line(format!("Address 1: {address}"));
            0
        }
        None => {
            io.error(format!("nslookup: can't resolve '{host}'"));
            1
        }
    }
}

/// `wc [-l] [-w] [-c] [FILE...]`.
fn wc(args: &[String], state: &State, io: &mut Io, fs: &Fs) -> i32 {
    let (flags, files) = split_flags(args);
    let (texts, code) = read_files("wc", &files, state, io, fs);
    for (file, text) in texts {
        let counts = [
            ('l', text.matches('\n').count()),
            ('w', text.split_whitespace().count()),
            ('c', text.len()),
        ];
        let shown = counts
            .iter()
            .filter(|(flag, _)| flags.is_empty() || flags.contains(*flag));
        let shown: Vec<String> = shown.map(|(_, count)| count.to_string()).collect();
        io.line(format!("{} {file}", shown.join(" ")).trim_end());
    }
    code
}

/// `grep [-q] [-v] [-i] [-c] PATTERN [FILE...]` with a fixed-string pattern.
fn grep(args: &[String], state: &State, io: &mut Io, fs: &Fs) -> Result<i32, String> {
    let (flags, operands) = split_flags(args);
    let Some((pattern, files)) = operands.split_first() else {
        io.error("Usage: grep [-qvic] PATTERN [FILE]...");
        return Ok(2);
    };
    if pattern.contains(['.', '*', '[', ']', '^', '$', '\\']) {
        return Err(format!(
            "unsupported grep pattern \"{pattern}\" (fixed strings only)"
        ));
    }
    let (texts, code) = read_files("grep", files, state, io, fs);
    let fold = |text: &str| {
        if flags.contains('i') {
            text.to_lowercase()
        } else {
            text.to_string()
        }
    };
    let mut matches = 0;
    for line in texts.iter().flat_map(|(_, text)| text.lines()) {
        if fold(line).contains(&fold(pattern)) != flags.contains('v') {
            matches += 1;
            if !flags.contains(['q', 'c']) {
                io.line(line);
            }
        }
    }
    if flags.contains('c') {
        io.line(matches.to_string());
    }
    Ok(if code != 0 {
        2
    } else {
        i32::from(matches == 0)
    })
}
