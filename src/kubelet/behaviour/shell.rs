//! The resumable interpreter: an explicit stack of frames over the parsed AST, so `resume` can
//! stop at any command that takes time (even inside a loop body) and carry on there later.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::commands::{self, Io, Outcome, State};
use super::parse::{Node, Piece, RedirOp, Simple, Word, N};
use super::programs::{Next, Program};
use super::{resolve, Ctx, Step};

/// Frames one `resume` may work through without time passing. A script that gets this far
/// without sleeping spins forever (`while true; do :; done`): it is reported CPU-bound.
const BUDGET: u32 = 100_000;

/// Work left to do, innermost last. `Run` starts a node; the compound frames below it wait for
/// the command above them to finish, then read its status and decide what runs next.
enum Frame {
    Run(N),
    List {
        items: Rc<[N]>,
        next: usize,
    },
    AndOr {
        and: bool,
        rhs: N,
    },
    Not,
    /// The arms not yet tested; the first one's condition is running.
    If {
        arms: Rc<[(N, N)]>,
        otherwise: Option<N>,
    },
    /// `testing`: the condition (not the body) is running; `last`: the body's last status.
    Loop {
        until: bool,
        cond: N,
        body: N,
        testing: bool,
        last: i32,
    },
    For {
        var: String,
        values: Vec<String>,
        next: usize,
        body: N,
    },
    Wait(Program),
    /// A child shell's boundary: `exit` unwinds to here, and the parent's state comes back.
    Subshell(Box<State>),
}

/// Where a command's stdout or stderr goes.
#[derive(Clone)]
enum Sink {
    Stdout,
    Stderr,
    Null,
    File(String),
    Pipe,
}

pub(super) struct Shell {
    stack: Vec<Frame>,
    state: State,
    status: i32,
    /// Stdout gathered for a command substitution instead of going to the log.
    captured: Option<String>,
    /// The last write to the log did not end its line (`echo -n`).
    open_line: bool,
    /// The same for stderr, when it is kept apart from the log ([`Ctx::errors`]).
    open_error_line: bool,
}

impl Shell {
    /// A process about to run `argv` with `env` exported.
    pub(super) fn spawn(argv: Vec<String>, env: BTreeMap<String, String>) -> Shell {
        let mut vars = BTreeMap::from([
            ("HOME".to_string(), "/root".to_string()),
            (
                "PATH".to_string(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ),
        ]);
        vars.extend(env);
        let state = State {
            exported: vars.keys().cloned().collect(),
            vars,
            args: vec!["sh".to_string()],
            cwd: "/".to_string(),
        };
        Shell {
            stack: vec![literal(argv)],
            state,
            status: 0,
            captured: None,
            open_line: false,
            open_error_line: false,
        }
    }

    /// PID 1's SIGTERM exit code: a program that replaced the shell (or never had one).
    pub(super) fn pid1_sigterm(&self) -> Option<i32> {
        match self.stack.as_slice() {
            [Frame::Wait(program)] => program.sigterm(),
            _ => None,
        }
    }

    /// Runs until time must pass; `Err` when the script cannot be interpreted.
    pub(super) fn run(&mut self, ctx: &mut Ctx) -> Result<Step, String> {
        for _ in 0..BUDGET {
            let Some(mut frame) = self.stack.pop() else {
                return Ok(Step::Exit { code: self.status });
            };
            // What to run next, and whether this frame waits for it (else it is done).
            let (next, wait) = match &mut frame {
                Frame::Run(node) => {
                    let node = node.clone();
                    self.start(&node, ctx)?;
                    (None, false)
                }
                Frame::List { items, next } => {
                    *next += 1;
                    (items.get(*next - 1).cloned(), true)
                }
                Frame::AndOr { and, rhs } => {
                    (((self.status == 0) == *and).then(|| rhs.clone()), false)
                }
                Frame::Not => {
                    self.status = i32::from(self.status == 0);
                    (None, false)
                }
                Frame::If { arms, .. } if self.status == 0 => (Some(arms[0].1.clone()), false),
                Frame::If { arms, otherwise } => match arms.get(1..) {
                    Some([(cond, _), ..]) => {
                        let cond = cond.clone();
                        *arms = arms[1..].into();
                        (Some(cond), true)
                    }
                    _ => {
                        self.status = 0;
                        (otherwise.clone(), false)
                    }
                },
                Frame::Loop {
                    until,
                    testing: true,
                    last,
                    ..
                } if (self.status == 0) == *until => {
                    self.status = *last;
                    (None, false)
                }
                Frame::Loop {
                    cond,
                    body,
                    testing,
                    last,
                    ..
                } => {
                    if !*testing {
                        *last = self.status;
                    }
                    *testing = !*testing;
                    (Some(if *testing { cond } else { body }.clone()), true)
                }
                Frame::For {
                    var,
                    values,
                    next,
                    body,
                } => match values.get(*next) {
                    Some(value) => {
                        self.state.vars.insert(var.clone(), value.clone());
                        *next += 1;
                        (Some(body.clone()), true)
                    }
                    None => {
                        if values.is_empty() {
                            self.status = 0;
                        }
                        (None, false)
                    }
                },
                Frame::Wait(program) => match program.resume(ctx) {
                    Next::Wait(step) => {
                        self.stack.push(frame);
                        return Ok(step);
                    }
                    Next::Done(code) => {
                        self.status = code;
                        (None, false)
                    }
                },
                Frame::Subshell(saved) => {
                    self.state = saved.as_ref().clone();
                    (None, false)
                }
            };
            if let Some(node) = next {
                if wait {
                    self.stack.push(frame);
                }
                self.stack.push(Frame::Run(node));
            }
        }
        Ok(Step::Forever { busy: true })
    }

    fn start(&mut self, node: &N, ctx: &mut Ctx) -> Result<(), String> {
        let (frame, first) = match &**node {
            Node::Simple(cmd) => return self.pipeline(std::slice::from_ref(cmd), ctx),
            Node::Pipeline(stages) => return self.pipeline(stages, ctx),
            Node::List(items) => (
                Frame::List {
                    items: items.clone(),
                    next: 0,
                },
                None,
            ),
            Node::AndOr { lhs, and, rhs } => (
                Frame::AndOr {
                    and: *and,
                    rhs: rhs.clone(),
                },
                Some(lhs),
            ),
            Node::Not(inner) => (Frame::Not, Some(inner)),
            Node::If { arms, otherwise } => {
                let frame = Frame::If {
                    arms: arms.clone(),
                    otherwise: otherwise.clone(),
                };
                (frame, Some(&arms[0].0))
            }
            Node::Loop { until, cond, body } => {
                let (until, testing, last) = (*until, true, 0);
                let frame = Frame::Loop {
                    until,
                    cond: cond.clone(),
                    body: body.clone(),
                    testing,
                    last,
                };
                (frame, Some(cond))
            }
            Node::For { var, words, body } => {
                let (var, values, body) = (var.clone(), self.fields(words, ctx)?, body.clone());
                (
                    Frame::For {
                        var,
                        values,
                        next: 0,
                        body,
                    },
                    None,
                )
            }
            Node::Subshell(inner) => (Frame::Subshell(Box::new(self.state.clone())), Some(inner)),
        };
        self.stack.push(frame);
        self.stack
            .extend(first.map(|node| Frame::Run(node.clone())));
        Ok(())
    }

    /// Runs the stages left to right, each one's stdout the next one's stdin. All but the last
    /// must finish at once.
    fn pipeline(&mut self, stages: &[Simple], ctx: &mut Ctx) -> Result<(), String> {
        let mut stdin = String::new();
        for (at, cmd) in stages.iter().enumerate() {
            let last = at + 1 == stages.len();
            let (outcome, piped) = self.command(cmd, stdin, !last, ctx)?;
            match outcome {
                _ if last => self.finish(outcome),
                Outcome::Done(_) => {}
                _ => {
                    return Err(
                        "unsupported shell construct: a pipeline stage that takes time".into(),
                    )
                }
            }
            stdin = piped;
        }
        Ok(())
    }

    /// One simple command: assignments, redirections, then the command; returns what it leads
    /// to and what it wrote into the pipe.
    fn command(
        &mut self,
        cmd: &Simple,
        stdin: String,
        piped: bool,
        ctx: &mut Ctx,
    ) -> Result<(Outcome, String), String> {
        let argv = self.fields(&cmd.words, ctx)?;
        // `NAME=value cmd` puts NAME in cmd's environment only; alone it sets a shell variable.
        let State { vars, exported, .. } = &self.state;
        let saved =
            (!argv.is_empty() && !cmd.assigns.is_empty()).then(|| (vars.clone(), exported.clone()));
        for (name, value) in &cmd.assigns {
            let value = self.expand(value, ctx)?;
            self.state.vars.insert(name.clone(), value);
            if saved.is_some() {
                self.state.exported.insert(name.clone());
            }
        }
        let mut io = Io {
            stdin,
            ..Io::default()
        };
        let mut sinks = [if piped { Sink::Pipe } else { Sink::Stdout }, Sink::Stderr];
        let outcome = if !self.redirect(cmd, &mut sinks, &mut io, ctx)? {
            Outcome::Done(1)
        } else if argv.is_empty() {
            Outcome::Done(0)
        } else {
            commands::run(&argv, &mut self.state, &mut io, ctx)?
        };
        if let Some((vars, exported)) = saved {
            (self.state.vars, self.state.exported) = (vars, exported);
        }
        let mut pipe = String::new();
        self.emit(&sinks[0], &io.out, &mut pipe, ctx);
        self.emit(&sinks[1], &io.err, &mut pipe, ctx);
        Ok((outcome, pipe))
    }

    /// Applies redirections to the sinks (and stdin); `false` (message in `io.err`) when a
    /// file cannot be opened.
    fn redirect(
        &mut self,
        cmd: &Simple,
        sinks: &mut [Sink; 2],
        io: &mut Io,
        ctx: &mut Ctx,
    ) -> Result<bool, String> {
        for redir in &cmd.redirs {
            let target = self.expand(&redir.target, ctx)?;
            let path = resolve(&self.state.cwd, &target);
            let sink = match (redir.op, redir.fd) {
                (RedirOp::Read, 0) => match ctx.fs.read(&path) {
                    Some(text) => {
                        io.stdin = text.to_string();
                        continue;
                    }
                    None => {
                        io.error(format!("sh: can't open {target}: no such file"));
                        return Ok(false);
                    }
                },
                (RedirOp::Dup, 1 | 2) => match target.as_str() {
                    "1" | "2" => sinks[usize::from(target == "2")].clone(),
                    "-" => Sink::Null,
                    _ => return Err(format!("unsupported redirection \">&{target}\"")),
                },
                (RedirOp::Write | RedirOp::Append, 1 | 2) if path == "/dev/null" => Sink::Null,
                (RedirOp::Write | RedirOp::Append, 1 | 2) => {
                    if let Err(why) = ctx.fs.write(&path, "", redir.op == RedirOp::Append) {
                        let why = match why {
                            super::FsError::NotFound => "nonexistent directory".to_string(),
                            why => why.to_string(),
                        };
                        io.error(format!("sh: can't create {target}: {why}"));
                        return Ok(false);
                    }
                    Sink::File(path)
                }
                (_, fd) => return Err(format!("unsupported redirection of file descriptor {fd}")),
            };
            sinks[redir.fd - 1] = sink;
        }
        Ok(true)
    }

    fn emit(&mut self, sink: &Sink, text: &str, pipe: &mut String, ctx: &mut Ctx) {
        match (sink, &mut self.captured) {
            _ if text.is_empty() => {}
            (Sink::Stdout, Some(captured)) => captured.push_str(text),
            (Sink::Stderr, _) => match ctx.errors.as_deref_mut() {
                Some(errors) => append_lines(&mut self.open_error_line, text, errors),
                None => append_lines(&mut self.open_line, text, ctx.output),
            },
            (Sink::Stdout, _) => append_lines(&mut self.open_line, text, ctx.output),
            (Sink::Null, _) => {}
            (Sink::File(path), _) => {
                // The file was opened (created) when the redirection was set up.
                let _ = ctx.fs.write(path, text, true);
            }
            (Sink::Pipe, _) => pipe.push_str(text),
        }
    }

    /// What the command led to: a status, a program to wait on, a child shell, or leaving.
    fn finish(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Done(code) => self.status = code,
            Outcome::Start(program) => self.stack.push(Frame::Wait(program)),
            Outcome::Script(node, args) => {
                // Like ash and bash, a shell with nothing left to do after a lone command
                // execs it, so it becomes PID 1 (and takes SIGTERM itself).
                if !(self.stack.is_empty() && matches!(*node, Node::Simple(_))) {
                    self.stack
                        .push(Frame::Subshell(Box::new(self.state.clone())));
                }
                let State { vars, exported, .. } = &mut self.state;
                vars.retain(|name, _| exported.contains(name));
                self.state.args = args;
                self.stack.push(Frame::Run(node));
            }
            Outcome::Exit(code) => {
                self.status = code.unwrap_or(self.status);
                self.unwind();
            }
            Outcome::Exec(argv) => {
                self.unwind();
                self.stack.push(literal(argv));
            }
        }
    }

    /// Leaves the innermost shell: down to its `Subshell` frame, or out of the process.
    fn unwind(&mut self) {
        while let Some(frame) = self.stack.pop() {
            if let Frame::Subshell(saved) = frame {
                self.state = *saved;
                return;
            }
        }
    }

    /// Words expanded and split into fields, as a command's argv.
    fn fields(&mut self, words: &[Word], ctx: &mut Ctx) -> Result<Vec<String>, String> {
        let mut fields = Vec::new();
        for word in words {
            let (mut field, mut started) = (String::new(), false);
            for part in &word.0 {
                let value = self.value(&part.piece, ctx)?;
                if part.quoted || matches!(part.piece, Piece::Lit(_)) {
                    field.push_str(&value);
                    started |= part.quoted || !value.is_empty();
                    continue;
                }
                for c in value.chars() {
                    if !c.is_whitespace() {
                        field.push(c);
                        started = true;
                    } else if started {
                        fields.push(std::mem::take(&mut field));
                        started = false;
                    }
                }
            }
            if started {
                fields.push(field);
            }
        }
        Ok(fields)
    }

    /// A word expanded without field splitting (assignments, redirection targets).
    fn expand(&mut self, word: &Word, ctx: &mut Ctx) -> Result<String, String> {
        let mut text = String::new();
        for part in &word.0 {
            text.push_str(&self.value(&part.piece, ctx)?);
        }
        Ok(text)
    }

    fn value(&mut self, piece: &Piece, ctx: &mut Ctx) -> Result<String, String> {
        Ok(match piece {
            Piece::Lit(text) => text.clone(),
            Piece::Param { name, default } => {
                let value = self.param(name).unwrap_or_default();
                match default {
                    Some(default) if value.is_empty() => default.clone(),
                    _ => value,
                }
            }
            Piece::Sub(node) => self.substitute(node, ctx)?,
        })
    }

    fn param(&self, name: &str) -> Option<String> {
        let args = &self.state.args;
        match name {
            "?" => Some(self.status.to_string()),
            "#" => Some((args.len() - 1).to_string()),
            "$" => Some("1".to_string()),
            "@" | "*" => Some(args[1..].join(" ")),
            _ => match name.parse::<usize>() {
                Ok(index) => args.get(index).cloned(),
                Err(_) => self.state.vars.get(name).cloned(),
            },
        }
    }

    /// `$(...)`: runs in a copy of this shell, which must finish at once; its stdout without
    /// trailing newlines.
    fn substitute(&mut self, node: &N, ctx: &mut Ctx) -> Result<String, String> {
        let mut sub = Shell {
            stack: vec![Frame::Run(node.clone())],
            state: self.state.clone(),
            status: self.status,
            captured: Some(String::new()),
            open_line: false,
            open_error_line: false,
        };
        match sub.run(ctx)? {
            Step::Exit { code } => {
                self.status = code;
                let out = sub.captured.unwrap_or_default();
                Ok(out.trim_end_matches('\n').to_string())
            }
            _ => Err("unsupported shell construct: a command substitution that takes time".into()),
        }
    }
}

/// Appends text to a stream's lines, continuing a line a previous write left `open`.
fn append_lines(open: &mut bool, text: &str, lines: &mut Vec<String>) {
    let (body, complete) = match text.strip_suffix('\n') {
        Some(body) => (body, true),
        None => (text, false),
    };
    for (at, line) in body.split('\n').enumerate() {
        match lines.last_mut() {
            Some(last) if at == 0 && *open => last.push_str(line),
            _ => lines.push(line.to_string()),
        }
    }
    *open = !complete;
}

fn literal(argv: Vec<String>) -> Frame {
    Frame::Run(Rc::new(Node::Simple(Simple::literal(argv))))
}
