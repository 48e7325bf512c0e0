//! `kubesim import`: public cluster traces turned into scenarios, so planners replay realistic
//! arrivals, sizes and lifetimes.

use std::path::PathBuf;

use super::CliError;
use crate::scenario::openb::{self, Import};

/// The arguments of `kubesim import`.
#[derive(clap::Args)]
pub(super) struct ImportArgs {
    #[command(subcommand)]
    format: Format,
}

#[derive(clap::Subcommand)]
enum Format {
    /// Alibaba's GPU cluster trace "openb" (cluster-trace-gpu-v2023): openb_pod_list_*.csv and
    /// openb_node_list_*.csv (docs/trace-import.md).
    Openb {
        /// The pod list CSV.
        #[arg(long)]
        pods: PathBuf,
        /// The node list CSV (without it, the default three-node cluster).
        #[arg(long)]
        nodes: Option<PathBuf>,
        /// Only the first N pods of the file.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// The scenario's name.
        #[arg(long, default_value = "openb")]
        name: String,
        /// Write the scenario here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace --out if it exists.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `kubesim import`.
pub(super) fn run(args: ImportArgs) -> Result<i32, CliError> {
    let Format::Openb {
        pods,
        nodes,
        limit,
        name,
        out,
        force,
    } = args.format;
    if let Some(out) = &out {
        if out.exists() && !force {
            return Err(CliError::Usage(format!(
                "{} exists; pass --force to replace it, or another --out",
                out.display()
            )));
        }
    }
    let text = openb::scenario(&Import {
        pods: &pods,
        nodes: nodes.as_deref(),
        name: &name,
        limit,
    })?;
    match out {
        Some(out) => std::fs::write(&out, text)?,
        None => out!("{text}")?,
    }
    Ok(0)
}
