//! Trace-driven workloads: Alibaba's GPU cluster trace "openb" (`cluster-trace-gpu-v2023`)
//! turned into a scenario. Each node row becomes a node with its CPU and memory; each pod row
//! a Pod created at its `creation_time` and deleted at its `deletion_time` (seconds, counted
//! from the first pod's creation), requesting its CPU and memory. Columns: see
//! docs/trace-import.md.

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::manifest::InputError;

/// One row of `openb_node_list_*.csv`.
#[derive(Debug, Deserialize)]
struct NodeRow {
    sn: String,
    cpu_milli: u64,
    memory_mib: u64,
    gpu: u32,
    model: String,
}

/// One row of `openb_pod_list_*.csv`.
#[derive(Debug, Deserialize)]
struct PodRow {
    name: String,
    cpu_milli: u64,
    memory_mib: u64,
    num_gpu: u32,
    gpu_milli: u32,
    gpu_spec: String,
    qos: String,
    pod_phase: String,
    creation_time: u64,
    deletion_time: u64,
    #[allow(dead_code)] // the scheduler decides when a pod is scheduled
    scheduled_time: Option<u64>,
}

/// What to import.
pub struct Import<'a> {
    pub pods: &'a Path,
    pub nodes: Option<&'a Path>,
    /// The scenario's name.
    pub name: &'a str,
    /// Only the first this many pods (by file order).
    pub limit: Option<usize>,
}

/// The scenario YAML for `import`.
pub fn scenario(import: &Import<'_>) -> Result<String, InputError> {
    let mut pods: Vec<PodRow> = read(import.pods)?;
    if let Some(limit) = import.limit {
        pods.truncate(limit);
    }
    let nodes: Vec<NodeRow> = match import.nodes {
        Some(path) => read(path)?,
        None => Vec::new(),
    };
    let file = import.pods.display().to_string();
    let start = pods
        .iter()
        .map(|p| p.creation_time)
        .min()
        .ok_or_else(|| InputError::file(&file, "no pod rows: nothing to import"))?;
    let end = pods.iter().map(|p| p.deletion_time).max().unwrap_or(start);
    let mut out = format!(
        "# Imported by `kubesim import openb` from {} ({} pods{}).\n\
         # Times count from the first pod's creation (trace second {start}).\n\
         # GPUs are recorded in labels and annotations, not scheduled (docs/trace-import.md).\n\
         apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: {}\nspec:\n  duration: {}s\n",
        file,
        pods.len(),
        import
            .nodes
            .map(|n| format!(", nodes from {}", n.display()))
            .unwrap_or_default(),
        import.name,
        end - start + 60,
    );
    if !nodes.is_empty() {
        out.push_str("  nodes:\n");
        for n in &nodes {
            let _ = writeln!(
                out,
                "  - name: {}\n    capacity: {{cpu: {}m, memory: {}Mi, pods: \"110\"}}",
                n.sn.to_lowercase(),
                n.cpu_milli,
                n.memory_mib
            );
            if n.gpu > 0 {
                let _ = writeln!(
                    out,
                    "    labels: {{openb.kubesim.io/gpus: \"{}\", openb.kubesim.io/gpu-model: \"{}\"}}",
                    n.gpu,
                    n.model.replace('"', "")
                );
            }
        }
    }
    // Creations and deletions in time order; a deletion at the instant of a creation after it.
    let mut entries: Vec<(u64, u8, String)> = Vec::new();
    for pod in &pods {
        if pod.deletion_time < pod.creation_time {
            return Err(InputError::file(
                &file,
                format!(
                    "pod {}: deletion_time {} is before creation_time {}",
                    pod.name, pod.deletion_time, pod.creation_time
                ),
            ));
        }
        entries.push((
            pod.creation_time - start,
            0,
            create(pod, pod.creation_time - start),
        ));
        entries.push((
            pod.deletion_time - start,
            1,
            format!(
                "  - at: {}s\n    kubectl: delete pod {}\n",
                pod.deletion_time - start,
                pod.name.to_lowercase()
            ),
        ));
    }
    entries.sort_by_key(|e| (e.0, e.1));
    out.push_str("  timeline:\n");
    for (_, _, entry) in entries {
        out.push_str(&entry);
    }
    Ok(out)
}

/// The timeline entry that creates `pod`.
fn create(pod: &PodRow, at: u64) -> String {
    let gpu = if pod.num_gpu > 0 {
        format!(
            ", openb.kubesim.io/gpu: \"{} x {}m{}\"",
            pod.num_gpu,
            pod.gpu_milli,
            if pod.gpu_spec.is_empty() {
                String::new()
            } else {
                format!(" ({})", pod.gpu_spec.replace('"', ""))
            }
        )
    } else {
        String::new()
    };
    format!(
        "  - at: {at}s\n    kubectl: create -f -\n    object:\n      apiVersion: v1\n      kind: Pod\n      metadata:\n        name: {name}\n        labels: {{openb.kubesim.io/qos: \"{qos}\"}}\n        annotations: {{openb.kubesim.io/phase: \"{phase}\"{gpu}}}\n      spec:\n        restartPolicy: Never\n        terminationGracePeriodSeconds: 0\n        containers:\n        - name: task\n          image: busybox\n          command: [sleep, \"1000000000\"]\n          resources:\n            requests: {{cpu: {cpu}m, memory: {memory}Mi}}\n",
        name = pod.name.to_lowercase(),
        qos = pod.qos.replace('"', ""),
        phase = pod.pod_phase.replace('"', ""),
        cpu = pod.cpu_milli,
        memory = pod.memory_mib,
    )
}

/// Reads every row of the CSV at `path`; a bad row is an error naming the file, line and
/// column.
fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, InputError> {
    let file = path.display().to_string();
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| InputError::file(&file, format!("cannot read: {e}")))?;
    let headers = reader
        .headers()
        .map_err(|e| InputError::file(&file, e.to_string()))?
        .clone();
    let mut rows = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            InputError::at(&file, line, 1, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let row = record.deserialize(Some(&headers)).map_err(|e| {
            let csv::ErrorKind::Deserialize { err, .. } = e.kind() else {
                return InputError::at(&file, line, 1, e.to_string());
            };
            let field = err.field().map_or(0, |f| f as usize);
            let column = record
                .iter()
                .take(field)
                .map(|f| f.len() + 1)
                .sum::<usize>()
                + 1;
            let name = headers.get(field).unwrap_or("?");
            let value = record.get(field).unwrap_or("");
            let problem = match err.kind() {
                csv::DeserializeErrorKind::ParseInt(_) => "is not a whole number".to_string(),
                other => format!("is not valid here: {other}"),
            };
            InputError::at(
                &file,
                line,
                column,
                format!("column {name}: \"{value}\" {problem}"),
            )
            .with_hint(Some(
                "openb columns are documented in docs/trace-import.md".to_string(),
            ))
        })?;
        rows.push(row);
    }
    Ok(rows)
}
