//! `spec.behaviours`: what the scenario says containers do, overriding the image catalogue and
//! the shell interpreter for the containers each entry selects.

use serde::Deserialize;

use super::parse_duration_field;
use crate::kubelet::behaviour::{HttpAnswer, Script};
use crate::kubelet::StatedBehaviour;
use crate::manifest::decode::Source;
use crate::manifest::yaml::PathSeg;
use crate::manifest::InputError;
use crate::model::Quantity;

/// One `behaviours:` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBehaviour {
    image: Option<String>,
    pod: Option<String>,
    container: Option<String>,
    exit: Option<RawExit>,
    #[serde(default)]
    memory: Vec<RawMemory>,
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    ports: Vec<RawPort>,
    #[serde(default)]
    ignore_sigterm: bool,
    sigterm_exit_code: Option<i32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawExit {
    /// Wall time after the start.
    after: Option<String>,
    /// CPU time of work: at one core, or slower under a CPU limit below one core.
    after_cpu: Option<String>,
    #[serde(default)]
    code: i32,
}

#[derive(Debug, Clone, Deserialize)]
struct RawMemory {
    at: String,
    usage: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawFile {
    at: String,
    create: Option<String>,
    remove: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawPort {
    port: u16,
    #[serde(default)]
    after: Option<String>,
    http: Option<Vec<RawAnswer>>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawAnswer {
    path: Option<String>,
    status: u16,
    until: Option<String>,
}

/// Validates one entry found at `path`.
pub fn parse(
    raw: &RawBehaviour,
    src: Source<'_>,
    path: &[PathSeg],
) -> Result<StatedBehaviour, InputError> {
    let at = |segs: &[PathSeg]| [path, segs].concat();
    if raw.image.is_none() && raw.pod.is_none() && raw.container.is_none() {
        return Err(src
            .error(path, "a behaviour must select containers")
            .with_hint(Some(
                "give `image:`, `container:` or `pod:` (they combine)".to_string(),
            )));
    }
    let ms = |text: &str, segs: &[PathSeg]| {
        parse_duration_field(text, src, &at(segs)).map(|d| d.as_millis())
    };
    let mut script = Script {
        sigterm_exit: (!raw.ignore_sigterm).then_some(raw.sigterm_exit_code.unwrap_or(0)),
        ..Script::default()
    };
    if let Some(exit) = &raw.exit {
        let here = [PathSeg::key("exit")];
        match (&exit.after, &exit.after_cpu) {
            (Some(text), None) => {
                let after = ms(text, &[&here[..], &[PathSeg::key("after")]].concat())?;
                script.exit = Some((after, exit.code));
            }
            (None, Some(text)) => {
                let work = ms(text, &[&here[..], &[PathSeg::key("afterCpu")]].concat())?;
                script.cpu_exit = Some((work, exit.code));
            }
            _ => {
                return Err(src.error(
                    &at(&here),
                    "exit needs exactly one of `after:` (wall time) or `afterCpu:` (CPU work)",
                ))
            }
        }
    }
    for (i, m) in raw.memory.iter().enumerate() {
        let here = [PathSeg::key("memory"), PathSeg::Index(i)];
        let t = ms(&m.at, &[&here[..], &[PathSeg::key("at")]].concat())?;
        let usage: Quantity = m.usage.parse().map_err(|e| {
            src.error(
                &at(&[&here[..], &[PathSeg::key("usage")]].concat()),
                format!("invalid quantity \"{}\": {e}", m.usage),
            )
        })?;
        script.memory.push((t, usage.value().max(0) as u64));
    }
    for (i, f) in raw.files.iter().enumerate() {
        let here = [PathSeg::key("files"), PathSeg::Index(i)];
        let t = ms(&f.at, &[&here[..], &[PathSeg::key("at")]].concat())?;
        let (file, create) = match (&f.create, &f.remove) {
            (Some(p), None) => (p.clone(), true),
            (None, Some(p)) => (p.clone(), false),
            _ => {
                return Err(src.error(
                    &at(&here),
                    "each files entry needs exactly one of `create:` or `remove:`",
                ))
            }
        };
        if !file.starts_with('/') {
            return Err(src.error(&at(&here), format!("\"{file}\" must be an absolute path")));
        }
        script.files.push((t, file, create));
    }
    for (i, p) in raw.ports.iter().enumerate() {
        let here = [PathSeg::key("ports"), PathSeg::Index(i)];
        let after = match &p.after {
            Some(text) => ms(text, &[&here[..], &[PathSeg::key("after")]].concat())?,
            None => 0,
        };
        let mut answers = None;
        if let Some(http) = &p.http {
            let mut list = Vec::new();
            for (j, a) in http.iter().enumerate() {
                let until = match &a.until {
                    Some(text) => {
                        let segs = [&here[..], &[PathSeg::key("http"), PathSeg::Index(j)]].concat();
                        Some(ms(text, &[&segs[..], &[PathSeg::key("until")]].concat())?)
                    }
                    None => None,
                };
                list.push(HttpAnswer {
                    path: a.path.clone(),
                    status: a.status,
                    until_ms: until,
                });
            }
            answers = Some(list);
        }
        script.ports.push((after, p.port, answers));
    }
    Ok(StatedBehaviour {
        image: raw.image.clone(),
        pod: raw.pod.clone(),
        container: raw.container.clone(),
        script,
    })
}
