//! Timeline entries: kubectl command lines applied at a simulated instant.
//!
//! Command lines are parsed with kubectl's flags and errors (`kubectl` module); `apply -f` and
//! `create -f` read their files when the scenario loads, the rest run at their instant
//! (`sim::kubectl`). A command kubesim does not simulate yet is an error at load time.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::kubectl::{self, Invocation, KubectlCommand};
use super::simulate::SimulateCommand;
use crate::engine::{SimDuration, SimTime};
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::{InputError, Manifest};

#[derive(Debug, Deserialize)]
pub(super) struct RawEntry {
    at: String,
    kubectl: Option<String>,
    simulate: Option<String>,
}

/// One timeline entry, parsed.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: SimTime,
    /// The command line as the user wrote it, for the trace.
    pub command: String,
    pub action: Action,
}

/// What a timeline entry does.
#[derive(Debug, Clone)]
pub enum Action {
    /// `kubectl apply -f` / `kubectl create -f`: objects to add, read when the scenario loads.
    Apply {
        manifests: Vec<Manifest>,
        create_only: bool,
    },
    /// Any other kubectl command, run against the cluster at its instant.
    Kubectl(Invocation),
    /// A simulator action (`simulate: node-down node02`).
    Simulate(SimulateCommand),
}

/// Parses one `timeline:` entry: its instant and its command, with kubectl's own errors.
pub(super) fn parse_entry(
    raw: &RawEntry,
    src: Source<'_>,
    path: &[PathSeg],
    base_dir: &Path,
    digest: &mut Sha256,
    duration: SimDuration,
) -> Result<TimelineEntry, InputError> {
    let field = |name: &str| [path, &[PathSeg::Key(name.to_string())]].concat();
    let at = super::parse_instant(&raw.at, src, &field("at"), duration)?;
    let hint = || {
        Some(format!(
            "supported timeline commands: {}",
            kubectl::supported()
        ))
    };
    let command = match (&raw.kubectl, &raw.simulate) {
        (Some(c), None) => c.clone(),
        (None, Some(line)) => {
            let action = super::simulate::parse(line).map_err(|e| {
                src.error(&field("simulate"), e.to_string())
                    .with_hint(Some(format!(
                        "simulate actions: {}",
                        super::simulate::supported()
                    )))
            })?;
            if !matches!(
                action,
                SimulateCommand::NodeDown { .. } | SimulateCommand::NodeUp { .. }
            ) {
                return Err(src
                    .error(
                        &field("simulate"),
                        format!("kubesim does not simulate `{line}` yet"),
                    )
                    .with_hint(Some(
                        "simulated now: node-down NODE, node-up NODE".to_string(),
                    )));
            }
            return Ok(TimelineEntry {
                at,
                command: line.clone(),
                action: Action::Simulate(action),
            });
        }
        _ => {
            return Err(src
                .error(
                    path,
                    "each timeline entry needs exactly one of `kubectl:` or `simulate:`",
                )
                .with_hint(hint()))
        }
    };
    let invocation = kubectl::parse(&command).map_err(|e| {
        let own = e.hint();
        src.error(&field("kubectl"), e.to_string())
            .with_hint(own.or_else(hint))
    })?;
    let action = match invocation.command {
        KubectlCommand::ApplyFile { files, create_only } => {
            let mut manifests = Vec::new();
            for file in files {
                let full = base_dir.join(&file);
                let bytes = std::fs::read(&full).map_err(|_| {
                    src.error(
                        &field("kubectl"),
                        format!("error: the path \"{}\" does not exist", full.display()),
                    )
                })?;
                digest.update(&bytes);
                let loaded = crate::manifest::load_str(
                    &String::from_utf8_lossy(&bytes),
                    &full.display().to_string(),
                )?;
                manifests.extend(loaded.into_iter().map(|m| crate::manifest::Manifest {
                    file: file.clone(),
                    ..m
                }));
            }
            Action::Apply {
                manifests,
                create_only,
            }
        }
        ref command => {
            if let Some(what) = crate::sim::kubectl::not_simulated(command) {
                return Err(src
                    .error(
                        &field("kubectl"),
                        format!("kubesim does not simulate {what} yet"),
                    )
                    .with_hint(Some(format!(
                        "simulated now: {}",
                        crate::sim::kubectl::SIMULATED
                    ))));
            }
            Action::Kubectl(invocation)
        }
    };
    Ok(TimelineEntry {
        at,
        command,
        action,
    })
}
