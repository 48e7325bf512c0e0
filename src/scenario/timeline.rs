//! Timeline entries: kubectl command lines applied at a simulated instant.
//!
//! The foundation understands `apply -f`, `create -f` and `delete pod`; the controllers issue
//! extends the vocabulary. Anything else is an error at load time that lists what is supported.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

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
    /// `kubectl apply -f` / `kubectl create -f`: objects to add.
    Apply {
        manifests: Vec<Manifest>,
        create_only: bool,
    },
    /// `kubectl delete pod NAME`.
    DeletePod {
        namespace: String,
        name: String,
        grace_period: Option<i64>,
    },
}

const SUPPORTED: &str = "kubectl apply -f FILE, kubectl create -f FILE, kubectl delete pod NAME [-n NS] [--grace-period=N] [--force]";

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
    let (command, field_name) = match (&raw.kubectl, &raw.simulate) {
        (Some(c), None) => (c.clone(), "kubectl"),
        (None, Some(s)) => {
            return Err(src
                .error(
                    &field("simulate"),
                    format!("unknown simulate action \"{s}\""),
                )
                .with_hint(Some(format!("supported timeline commands: {SUPPORTED}"))))
        }
        _ => {
            return Err(src
                .error(
                    path,
                    "each timeline entry needs exactly one of `kubectl:` or `simulate:`",
                )
                .with_hint(Some(format!("supported timeline commands: {SUPPORTED}"))))
        }
    };
    let bad = |message: String| {
        src.error(&field(field_name), message)
            .with_hint(Some(format!("supported timeline commands: {SUPPORTED}")))
    };
    let words = shlex::split(&command)
        .ok_or_else(|| bad(format!("cannot split command line \"{command}\"")))?;
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| *w == "kubectl")
        .collect();
    let action = match words.as_slice() {
        [verb @ ("apply" | "create"), rest @ ..] => {
            let file = flag_value(rest, &["-f", "--filename"]).ok_or_else(|| {
                bad(format!(
                    "error: must specify one of -f and -k (in \"{command}\")"
                ))
            })?;
            let full = base_dir.join(file);
            let bytes = std::fs::read(&full).map_err(|_| {
                bad(format!(
                    "error: the path \"{}\" does not exist",
                    full.display()
                ))
            })?;
            digest.update(&bytes);
            let manifests = crate::manifest::load_str(
                &String::from_utf8_lossy(&bytes),
                &full.display().to_string(),
            )?;
            Action::Apply {
                manifests,
                create_only: *verb == "create",
            }
        }
        ["delete", kind, rest @ ..] if matches!(*kind, "pod" | "pods" | "po") => {
            let name = rest
                .iter()
                .find(|w| !w.starts_with('-') && !is_flag_value(rest, w))
                .ok_or_else(|| {
                    bad("error: resource(s) were provided, but no name was specified".to_string())
                })?;
            let namespace = flag_value(rest, &["-n", "--namespace"])
                .unwrap_or("default")
                .to_string();
            let force = rest.contains(&"--force");
            let grace_period = match flag_value(rest, &["--grace-period"]) {
                Some(v) => Some(v.parse::<i64>().map_err(|_| {
                    bad(format!(
                        "invalid argument \"{v}\" for \"--grace-period\" flag"
                    ))
                })?),
                None if force => Some(0),
                None => None,
            };
            Action::DeletePod {
                namespace,
                name: name.to_string(),
                grace_period,
            }
        }
        [verb, ..] => {
            return Err(bad(format!(
                "unknown or unsupported kubectl command \"{verb}\" in \"{command}\""
            )))
        }
        [] => return Err(bad("empty kubectl command".to_string())),
    };
    Ok(TimelineEntry {
        at,
        command,
        action,
    })
}

/// The value of a flag given as `-f X`, `-f=X` or `--filename=X`.
fn flag_value<'a>(words: &[&'a str], names: &[&str]) -> Option<&'a str> {
    for (i, w) in words.iter().enumerate() {
        for name in names {
            if w == name {
                return words.get(i + 1).copied();
            }
            if let Some(v) = w.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
        }
    }
    None
}

/// Whether `word` is the value of a preceding space-separated flag (`-n ns`).
fn is_flag_value(words: &[&str], word: &str) -> bool {
    words.windows(2).any(|pair| {
        pair[1] == word
            && pair[0].starts_with('-')
            && !pair[0].contains('=')
            && pair[0] != "--force"
    })
}
