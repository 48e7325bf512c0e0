//! Behaviour a scenario states outright for an image or a container (`spec.behaviours`): when
//! it exits and how, its memory over time, the files it creates and removes, the ports it opens
//! and what they answer. It comes first, before the catalogue and the interpreter.

use super::fs::parent;
use super::{Ctx, Routes, Server, Step};

/// What a container does, as a scenario states it. Times are milliseconds since its start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// When it exits, and with which code; `None`: it runs until stopped.
    pub exit: Option<(u64, i32)>,
    /// CPU-bound work (CPU milliseconds at one full core) after which it exits with the code;
    /// the runtime turns it into an `exit` time under the container's CPU limit.
    pub cpu_exit: Option<(u64, i32)>,
    /// Resident memory at instants, linear in between (a fall takes effect at its instant).
    pub memory: Vec<(u64, u64)>,
    /// Files created (`true`) or removed (`false`) at instants.
    pub files: Vec<(u64, String, bool)>,
    /// Ports opened at an instant, with their HTTP answers (`None`: plain TCP).
    pub ports: Vec<(u64, u16, Option<Vec<HttpAnswer>>)>,
    /// The exit code when SIGTERM arrives; `None`: SIGTERM is ignored (PID 1 without handler).
    pub sigterm_exit: Option<i32>,
}

impl Script {
    /// The script with its CPU-bound work placed in time: a CPU limit below one core
    /// (`limit_millicores`) throttles it in proportion, as the CFS quota does.
    pub fn under_cpu_limit(mut self, limit_millicores: Option<u64>) -> Script {
        if let Some((work, code)) = self.cpu_exit.take() {
            let share = limit_millicores.map_or(1000, |m| m.clamp(1, 1000));
            self.exit = Some((work.saturating_mul(1000) / share, code));
        }
        self
    }
}

/// One rule of an HTTP server: the status for `path` (any path when `None`) until `until_ms`
/// after the container started (for ever when `None`). The first matching rule answers; no
/// match is a 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub path: Option<String>,
    pub status: u16,
    pub until_ms: Option<u64>,
}

/// A running [`Script`].
#[derive(Debug, Clone)]
pub(super) struct ScriptRun {
    script: Script,
    /// How many of the (time-sorted) file and port actions were applied.
    files_done: usize,
    ports_done: usize,
}

impl ScriptRun {
    pub(super) fn new(mut script: Script) -> Self {
        script.files.sort_by_key(|f| f.0);
        script.ports.sort_by_key(|p| p.0);
        script.memory.sort_by_key(|m| m.0);
        ScriptRun {
            script,
            files_done: 0,
            ports_done: 0,
        }
    }

    pub(super) fn sigterm_exit(&self) -> Option<i32> {
        self.script.sigterm_exit
    }

    /// Applies what is due at `ctx.now_ms` and says how long until the next change.
    pub(super) fn resume(&mut self, ctx: &mut Ctx) -> Step {
        let now = ctx.now_ms;
        let s = &self.script;
        let due_files = s.files[self.files_done..].iter().take_while(|f| f.0 <= now);
        for (_, path, create) in due_files {
            self.files_done += 1;
            // A file the scenario names is created with its directories; errors cannot occur
            // for the paths the scenario validated, and a missing file to remove is no change.
            if *create {
                let _ = ctx.fs.mkdir(&parent(path), true);
                let _ = ctx.fs.write(path, "", true);
            } else {
                let _ = ctx.fs.remove(path, true);
            }
        }
        for (at, port, http) in s.ports[self.ports_done..].iter().take_while(|p| p.0 <= now) {
            self.ports_done += 1;
            let server = Server {
                started_ms: *at,
                http: http.clone().map(Routes::Answers),
            };
            ctx.listening.insert(*port, server);
        }
        *ctx.memory = memory_at(&s.memory, now);
        if let Some((_, code)) = s.exit.filter(|(at, _)| *at <= now) {
            return Step::Exit { code };
        }
        let instants = s.files.iter().map(|f| f.0);
        let instants = instants.chain(s.ports.iter().map(|p| p.0));
        let instants = instants.chain(s.memory.iter().map(|m| m.0));
        let Some(next) = instants
            .chain(s.exit.map(|e| e.0))
            .filter(|t| *t > now)
            .min()
        else {
            return Step::Forever { busy: false };
        };
        let ms = next - now;
        let later = memory_at(&s.memory, next);
        if later > *ctx.memory {
            Step::Allocate {
                bytes: later - *ctx.memory,
                ms,
            }
        } else {
            Step::Sleep { ms }
        }
    }
}

/// Memory at `t` on the polyline of `points` (0 before the first; the last value after it).
fn memory_at(points: &[(u64, u64)], t: u64) -> u64 {
    let Some(i) = points.iter().rposition(|(at, _)| *at <= t) else {
        return 0;
    };
    let (t0, m0) = points[i];
    match points.get(i + 1) {
        Some(&(t1, m1)) if m1 > m0 => {
            m0 + ((m1 - m0) as u128 * (t - t0) as u128 / (t1 - t0) as u128) as u64
        }
        _ => m0,
    }
}

/// The status an [`HttpAnswer`] list gives for `path` at `now_ms` since the container started.
pub(super) fn answer(answers: &[HttpAnswer], path: &str, now_ms: u64) -> u16 {
    answers
        .iter()
        .find(|a| {
            a.path.as_deref().is_none_or(|p| p == path) && a.until_ms.is_none_or(|u| now_ms < u)
        })
        .map_or(404, |a| a.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_follows_the_points_linearly_upwards() {
        let points = [(0, 100), (1000, 300), (2000, 50)];
        assert_eq!(memory_at(&points, 0), 100);
        assert_eq!(memory_at(&points, 500), 200);
        assert_eq!(memory_at(&points, 1999), 300);
        assert_eq!(memory_at(&points, 2000), 50);
    }

    #[test]
    fn cpu_work_is_throttled_by_a_limit_below_one_core() {
        let script = Script {
            cpu_exit: Some((30_000, 0)),
            ..Script::default()
        };
        assert_eq!(script.clone().under_cpu_limit(None).exit, Some((30_000, 0)));
        assert_eq!(
            script.clone().under_cpu_limit(Some(2000)).exit,
            Some((30_000, 0))
        );
        assert_eq!(script.under_cpu_limit(Some(250)).exit, Some((120_000, 0)));
    }

    #[test]
    fn http_answers_by_path_and_time() {
        let answers = [
            HttpAnswer {
                path: Some("/healthz".into()),
                status: 200,
                until_ms: Some(10_000),
            },
            HttpAnswer {
                path: Some("/healthz".into()),
                status: 500,
                until_ms: None,
            },
        ];
        assert_eq!(answer(&answers, "/healthz", 9_999), 200);
        assert_eq!(answer(&answers, "/healthz", 10_000), 500);
        assert_eq!(answer(&answers, "/", 0), 404);
    }
}
