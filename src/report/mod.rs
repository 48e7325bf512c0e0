//! Reports: a self-contained HTML page with SVG charts and a Markdown summary, computed only
//! from a trace (`docs/trace-format.md`), so that a simulated and a real run report alike.
//! `metrics` reads the records once; `tables` and `charts` present them; `markdown` and `html`
//! write the two files. Same trace, same bytes.

pub mod charts;
pub mod files;
pub mod html;
pub mod markdown;
pub mod metrics;
pub mod tables;

use std::path::Path;

use crate::engine::SimDuration;
use crate::model::quantity::{Format, Quantity};
use crate::trace::{Header, Record};

pub use metrics::Metrics;

/// A trace read back: its header and records.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub header: Header,
    pub records: Vec<Record>,
}

/// A trace that cannot be read, naming the file, the line and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("error: {file}:{line}: {message}")]
pub struct TraceError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Reads a trace's text (`file` names it in errors).
pub fn parse(text: &str, file: &str) -> Result<Trace, TraceError> {
    let error = |line: usize, message: String| TraceError {
        file: file.to_string(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(error(1, "empty trace: expected a kubesim-trace/v1 header line (write one with `kubesim run SCENARIO --trace FILE`)".into()));
    };
    let header: Header = serde_json::from_str(first).map_err(|e| {
        error(1, format!("not a trace header ({e}): expected {{\"format\":\"kubesim-trace/v1\",...}} (write one with `kubesim run SCENARIO --trace FILE`)"))
    })?;
    if header.format != crate::trace::FORMAT {
        return Err(error(
            1,
            format!(
                "format {:?} is not {:?}: this kubesim reads only its own trace format",
                header.format,
                crate::trace::FORMAT
            ),
        ));
    }
    let records = lines
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                error(
                    i + 1,
                    format!("not a trace record: {e} (see docs/trace-format.md)"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Trace { header, records })
}

/// Writes `index.html` and `summary.md` for a trace into `dir`, creating it.
pub fn write(trace: &Trace, dir: &Path) -> std::io::Result<()> {
    let metrics = Metrics::from_records(&trace.records);
    let tables = tables::tables(&trace.header, &metrics);
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("summary.md"), markdown::render(&tables))?;
    let page = html::render(&tables, &metrics).map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::write(dir.join("index.html"), page)?;
    Ok(())
}

/// Milliseconds as a Go duration (`1m30.5s`), as the trace writes instants.
pub fn duration(ms: u64) -> String {
    SimDuration::from_millis(ms).to_string()
}

/// Millicores as a Kubernetes quantity (`250m`, `2`).
pub fn cpu(milli: i64) -> String {
    Quantity::from_milli(milli).to_string()
}

/// Bytes as a Kubernetes quantity, the binary way when it divides (`64Mi`).
pub fn memory(bytes: i64) -> String {
    Quantity::from_value(bytes, Format::BinarySI).to_string()
}
