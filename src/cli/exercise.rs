//! `kubesim exercise`: the self-checking exercise library. An exercise is a directory holding
//! `exercise.yaml` (a scenario with a `learner: true` manifests entry, the task in the
//! `kubesim.io/task` annotation), `broken.yaml` (the learner's starting point) and
//! `solution.yaml`; it is named by its directory under the library (`cka/oomkilled`).

use std::path::{Path, PathBuf};

use super::printers::table::get_table;
use super::CliError;
use crate::scenario::{self, Scenario};

/// The scenario file of each exercise directory.
const EXERCISE_FILE: &str = "exercise.yaml";

/// The learner's starting point in each exercise directory.
const BROKEN_FILE: &str = "broken.yaml";

#[derive(clap::Args)]
pub(super) struct ExerciseArgs {
    #[command(subcommand)]
    command: ExerciseCommand,
    /// The library: the directory searched for exercises (each a directory with exercise.yaml).
    #[arg(long, default_value = "scenarios", global = true)]
    dir: PathBuf,
}

#[derive(clap::Subcommand)]
enum ExerciseCommand {
    /// List the exercises: name, topic and title.
    List,
    /// Print an exercise's task and the file to start from.
    Show {
        /// `cka/oomkilled`, or `oomkilled` when only one exercise has that name.
        name: String,
    },
    /// Check your manifest against an exercise's expectations; exit 1 if any fails.
    Check {
        name: String,
        /// Your manifest: it takes the place of the exercise's learner entry.
        file: PathBuf,
    },
}

/// One exercise of the library.
struct Exercise {
    /// The directory under the library, with `/` separators.
    name: String,
    dir: PathBuf,
}

/// Runs `kubesim exercise ...`.
pub(super) fn run(args: ExerciseArgs) -> Result<i32, CliError> {
    let library = library(&args.dir)?;
    match args.command {
        ExerciseCommand::List => {
            let mut rows = vec![vec!["NAME".into(), "TOPIC".into(), "TITLE".into()]];
            for exercise in &library {
                let s = load(exercise, None)?;
                rows.push(vec![
                    exercise.name.clone(),
                    s.topic.unwrap_or_else(|| "<none>".into()),
                    s.description.unwrap_or_default(),
                ]);
            }
            out!("{}", get_table(&rows))?;
            Ok(0)
        }
        ExerciseCommand::Show { name } => {
            let exercise = find(&library, &name)?;
            let s = load(exercise, None)?;
            outln!(
                "{} ({}): {}",
                exercise.name,
                s.topic.as_deref().unwrap_or("<none>"),
                s.description.as_deref().unwrap_or_default()
            )?;
            outln!()?;
            outln!(
                "{}",
                s.task.as_deref().unwrap_or("(no task text)").trim_end()
            )?;
            outln!()?;
            outln!("Start from: {}", exercise.dir.join(BROKEN_FILE).display())?;
            outln!(
                "Check yours: kubesim exercise check {} YOUR-FILE.yaml",
                exercise.name
            )?;
            Ok(0)
        }
        ExerciseCommand::Check { name, file } => {
            let exercise = find(&library, &name)?;
            if !file.is_file() {
                return Err(CliError::Usage(format!(
                    "cannot read {}: no such file",
                    file.display()
                )));
            }
            let s = load(exercise, Some(&file))?;
            super::print_warnings(&s)?;
            outln!("exercise {} with {}", exercise.name, file.display())?;
            let (passed, failed) = super::check::check_and_report(&s, true)?;
            outln!("{passed} passed, {failed} failed")?;
            Ok(if failed == 0 { 0 } else { 1 })
        }
    }
}

/// Loads an exercise's scenario with `learner` (default: its solution) as the learner's file;
/// a scenario without a `learner: true` entry is not an exercise.
fn load(exercise: &Exercise, learner: Option<&Path>) -> Result<Scenario, CliError> {
    let file = exercise.dir.join(EXERCISE_FILE);
    let s = scenario::load_with_learner(&file, learner)?;
    if s.learner.is_none() {
        return Err(CliError::Usage(format!(
            "{} has no `learner: true` manifests entry, so it cannot check a learner's file",
            file.display()
        )));
    }
    Ok(s)
}

/// Every exercise under `dir`, sorted by name.
fn library(dir: &Path) -> Result<Vec<Exercise>, CliError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Exercise>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if path.file_name().is_some_and(|n| n == EXERCISE_FILE) {
                let dir = path.parent().unwrap_or(root).to_path_buf();
                let relative = dir.strip_prefix(root).unwrap_or(&dir);
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(Exercise {
                    name: parts.join("/"),
                    dir,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    let missing = || {
        CliError::Usage(format!(
            "no exercises under {}: run kubesim from its source directory, or give --dir",
            dir.display()
        ))
    };
    walk(dir, dir, &mut out).map_err(|_| missing())?;
    if out.is_empty() {
        return Err(missing());
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The exercise called `name`: its full name, or its last part when that is unique.
fn find<'l>(library: &'l [Exercise], name: &str) -> Result<&'l Exercise, CliError> {
    let name = name.trim_end_matches('/');
    if let Some(exact) = library.iter().find(|e| e.name == name) {
        return Ok(exact);
    }
    let short: Vec<&Exercise> = library
        .iter()
        .filter(|e| e.name.rsplit('/').next() == Some(name))
        .collect();
    match short.as_slice() {
        [one] => Ok(one),
        _ => {
            let names: Vec<&str> = library.iter().map(|e| e.name.as_str()).collect();
            Err(CliError::Usage(format!(
                "unknown exercise \"{name}\"; the exercises are:\n  {}",
                names.join("\n  ")
            )))
        }
    }
}
