//! `kubesim watch`: `watch kubectl get pods` with simulated time running at a chosen speed.
//!
//! On a terminal the table is redrawn in place under a status line (simulated time, speed,
//! keys: space pauses, `n` steps one simulated second, `+`/`-` change the speed, `q` quits).
//! Otherwise it prints as `kubectl get -w` does: the table once, then each row again whenever
//! it changes (its AGE aside), each at the simulated instant it changed.
//!
//! The wall clock only paces the display; the simulation itself never reads it.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use crossterm::{cursor, execute, queue, terminal};

use super::get::Listing;
use super::printers::get::GetOptions;
use super::CliError;
use crate::engine::{SimDuration, SimTime};
use crate::model::time::age;
use crate::sim::Simulation;

/// How often the terminal view advances and redraws.
const FRAME: Duration = Duration::from_millis(100);

/// What to watch and how fast.
pub struct Watch<'a> {
    /// The resource as `get` takes it (`pods`, `deploy,svc`).
    pub resource: &'a str,
    pub opts: GetOptions<'a>,
    /// Simulated seconds per wall second; 0 plays as fast as it can.
    pub speed: f64,
    pub until: SimTime,
    /// The command, for the status line.
    pub title: String,
}

/// Plays the simulation to `until`, on the terminal or as lines.
pub fn watch(sim: &mut Simulation, w: &Watch<'_>) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        Screen::open()?.play(sim, w)
    } else {
        plain(sim, w, &mut stdout.lock())
    }
}

/// `kubectl get -w`: the table, then every row that changes. A reader that goes away (`|
/// head`) ends it with a broken pipe, which ends kubesim as it ends kubectl.
fn plain(sim: &mut Simulation, w: &Watch<'_>, out: &mut impl Write) -> Result<(), CliError> {
    let first = super::get::get(sim, w.resource, None, &w.opts)?;
    let first = first.found();
    write(out, first)?;
    let mut seen = rows(first);
    let widths: BTreeMap<usize, Vec<usize>> = tables(first)
        .iter()
        .enumerate()
        .map(|(i, t)| (i, t.widths.clone()))
        .collect();
    let (origin, started) = (sim.now(), Instant::now());
    while let Some(next) = sim.next_event_time().filter(|t| *t <= w.until) {
        pace(w.speed, origin, next, started);
        sim.run_until(next)?;
        let listing = super::get::get(sim, w.resource, None, &w.opts)?;
        let text = listing.found();
        for (table, parsed) in tables(text).iter().enumerate() {
            for row in &parsed.rows {
                let key = (table, row[0].clone());
                let without_age = parsed.without_age(row);
                if seen.get(&key) == Some(&without_age) {
                    continue;
                }
                seen.insert(key, without_age);
                let widths = widths.get(&table).unwrap_or(&parsed.widths);
                write(out, &format!("{}\n", aligned(row, widths)))?;
            }
        }
    }
    sim.run_until(w.until)?;
    Ok(())
}

/// Sleeps until simulated time `to` is due: `(to - origin) / speed` after `started`.
fn pace(speed: f64, origin: SimTime, to: SimTime, started: Instant) {
    if speed <= 0.0 {
        return;
    }
    let simulated = to.saturating_duration_since(origin).as_millis() as f64 / 1000.0;
    let due = Duration::from_secs_f64(simulated / speed);
    if let Some(wait) = due.checked_sub(started.elapsed()) {
        std::thread::sleep(wait);
    }
}

fn write(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// One table of `get`'s output: its column starts and widths, and its rows cut into cells.
struct Table {
    widths: Vec<usize>,
    age: Option<usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A row's cells but what changes by itself as time passes: its AGE, and how long ago a
    /// container last restarted (`2 (5s ago)`). kubectl prints a row when the object changes.
    fn without_age(&self, row: &[String]) -> Vec<String> {
        let mut cells: Vec<String> = row
            .iter()
            .map(|cell| match cell.split_once(" (") {
                Some((kept, ago)) if ago.ends_with(" ago)") => kept.to_string(),
                _ => cell.clone(),
            })
            .collect();
        if let Some(i) = self.age.filter(|i| *i < cells.len()) {
            cells.remove(i);
        }
        cells
    }
}

/// The tables of `get`'s output (several when several kinds are listed), cut at the columns
/// the header's titles start at, as kubectl's tab writer aligns every row to them.
fn tables(text: &str) -> Vec<Table> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut lines = block.lines();
            let header = lines.next()?;
            let starts = column_starts(header);
            if starts.is_empty() {
                return None;
            }
            let cut = |line: &str| -> Vec<String> {
                starts
                    .iter()
                    .enumerate()
                    .map(|(i, &start)| {
                        let end = starts.get(i + 1).copied().unwrap_or(line.len());
                        line.get(start.min(line.len())..end.min(line.len()))
                            .unwrap_or_default()
                            .trim()
                            .to_string()
                    })
                    .collect()
            };
            let titles = cut(header);
            let mut widths: Vec<usize> = starts.windows(2).map(|w| w[1] - w[0]).collect();
            widths.push(titles.last().map_or(0, String::len));
            Some(Table {
                age: titles.iter().position(|t| t == "AGE"),
                widths,
                rows: lines.map(cut).collect(),
            })
        })
        .collect()
}

/// Where each column starts: at the header's titles, which are separated by at least three
/// spaces (a title itself holds at most single spaces: `NOMINATED NODE`).
fn column_starts(header: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut spaces = 0;
    for (i, c) in header.char_indices() {
        if c == ' ' {
            spaces += 1;
            continue;
        }
        if starts.is_empty() || spaces >= 3 {
            starts.push(i);
        }
        spaces = 0;
    }
    starts
}

/// Each row of every table, by (table, first cell), without its AGE.
fn rows(text: &str) -> BTreeMap<(usize, String), Vec<String>> {
    let mut seen = BTreeMap::new();
    for (i, table) in tables(text).iter().enumerate() {
        for row in &table.rows {
            seen.insert((i, row[0].clone()), table.without_age(row));
        }
    }
    seen
}

/// A row padded to the first table's column widths (wider cells push the rest right, as a
/// fresh tab writer would keep three spaces).
fn aligned(row: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, cell) in row.iter().enumerate() {
        if i + 1 == row.len() {
            line.push_str(cell);
        } else {
            let width = widths.get(i).copied().unwrap_or(0).max(cell.len() + 3);
            line.push_str(&format!("{cell:<width$}"));
        }
    }
    line.trim_end().to_string()
}

/// The terminal in raw mode on its alternate screen, restored when dropped.
struct Screen {
    out: std::io::Stdout,
}

impl Screen {
    fn open() -> Result<Screen, CliError> {
        let io = |e: std::io::Error| CliError::Usage(format!("cannot use the terminal: {e}"));
        terminal::enable_raw_mode().map_err(io)?;
        let mut out = std::io::stdout();
        execute!(out, terminal::EnterAlternateScreen, cursor::Hide).map_err(io)?;
        Ok(Screen { out })
    }

    /// Runs the view until the user quits.
    fn play(mut self, sim: &mut Simulation, w: &Watch<'_>) -> Result<(), CliError> {
        let mut speed = w.speed;
        let mut paused = false;
        let mut last = Instant::now();
        // Simulated time owed to the view that has not made a whole millisecond yet.
        let mut owed = 0.0_f64;
        loop {
            // The screen shows kubectl's note as `watch kubectl get` shows its standard error.
            let table = match super::get::get(sim, w.resource, None, &w.opts)? {
                Listing::Found(text) => text,
                Listing::NoneFound(note) => format!("{note}\n"),
            };
            self.draw(&status(w, sim.now(), speed, paused), &table)?;
            if let Some(key) = key_within(FRAME)? {
                match (key.code, key.modifiers) {
                    (KeyCode::Char('q') | KeyCode::Esc, _) => return Ok(()),
                    (KeyCode::Char('c'), KeyModifiers::CONTROL) => return Ok(()),
                    (KeyCode::Char(' '), _) => paused = !paused,
                    (KeyCode::Char('n') | KeyCode::Right, _) => {
                        let next = (sim.now() + SimDuration::from_secs(1)).min(w.until);
                        sim.run_until(next)?;
                    }
                    (KeyCode::Char('+'), _) => speed = (speed * 2.0).max(1.0),
                    (KeyCode::Char('-'), _) => speed /= 2.0,
                    _ => {}
                }
            }
            let elapsed = last.elapsed();
            last = Instant::now();
            if paused || sim.now() >= w.until {
                continue;
            }
            let target = if speed == 0.0 {
                w.until
            } else {
                owed += elapsed.as_secs_f64() * speed * 1000.0;
                let step = owed.floor();
                owed -= step;
                (sim.now() + SimDuration::from_millis(step as u64)).min(w.until)
            };
            sim.run_until(target)?;
        }
    }

    fn draw(&mut self, status: &str, table: &str) -> Result<(), CliError> {
        let io = |e: std::io::Error| CliError::Usage(format!("cannot draw: {e}"));
        let (columns, rows) = terminal::size().unwrap_or((80, 24));
        queue!(
            self.out,
            cursor::MoveTo(0, 0),
            terminal::Clear(terminal::ClearType::All)
        )
        .map_err(io)?;
        let lines = std::iter::once(status).chain([""]).chain(table.lines());
        for (i, line) in lines.take(rows as usize).enumerate() {
            let clipped: String = line.chars().take(columns as usize).collect();
            queue!(self.out, cursor::MoveTo(0, i as u16)).map_err(io)?;
            self.out.write_all(clipped.as_bytes()).map_err(io)?;
        }
        self.out.flush().map_err(io)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(self.out, cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
    }
}

/// The next key pressed within `wait`, if any.
fn key_within(wait: Duration) -> Result<Option<KeyEvent>, CliError> {
    let io = |e: std::io::Error| CliError::Usage(format!("cannot read the keyboard: {e}"));
    if !event::poll(wait).map_err(io)? {
        return Ok(None);
    }
    Ok(match event::read().map_err(io)? {
        TermEvent::Key(key) if key.kind == event::KeyEventKind::Press => Some(key),
        _ => None,
    })
}

/// The status line: what is watched, simulated time, speed and keys.
fn status(w: &Watch<'_>, now: SimTime, speed: f64, paused: bool) -> String {
    let state = if now >= w.until {
        "end of scenario".to_string()
    } else if paused {
        "PAUSED".to_string()
    } else if speed == 0.0 {
        "as fast as it can".to_string()
    } else {
        format!("{speed}x")
    };
    format!(
        "{}   simulated {} / {}   {state}   [space] pause  [n] +1s  [+/-] speed  [q] quit",
        w.title,
        age(now, SimTime::ZERO),
        age(w.until, SimTime::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "NAME   READY   STATUS    RESTARTS      AGE\n\
                         web    1/1     Running   2 (5s ago)    40s\n\
                         db     0/1     Pending   0             3s\n";

    #[test]
    fn rows_are_cut_at_the_header_columns() {
        let tables = tables(TABLE);
        assert_eq!(tables.len(), 1);
        assert_eq!(
            tables[0].rows[0],
            ["web", "1/1", "Running", "2 (5s ago)", "40s"]
        );
        assert_eq!(tables[0].age, Some(4));
        assert_eq!(tables[0].widths, [7, 8, 10, 14, 3]);
    }

    #[test]
    fn a_row_changed_only_in_age_is_the_same_row() {
        let before = rows(TABLE);
        let after = rows(&TABLE.replace("40s", "41s"));
        assert_eq!(before, after);
        let restarted = rows(&TABLE.replace("Running", "Error  "));
        assert_ne!(before, restarted);
    }

    #[test]
    fn changed_rows_keep_the_first_table_alignment() {
        let widths = &tables(TABLE)[0].widths;
        let row: Vec<String> = ["web", "0/1", "CrashLoopBackOff", "3 (1s ago)", "1m"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            aligned(&row, widths),
            "web    0/1     CrashLoopBackOff   3 (1s ago)    1m"
        );
    }

    #[test]
    fn titles_with_one_space_stay_one_column() {
        assert_eq!(column_starts("NAME   NOMINATED NODE   AGE"), vec![0, 7, 24]);
    }
}
