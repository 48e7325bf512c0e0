//! Helpers shared by the integration tests: run the built binary as a user would.

#![allow(dead_code)] // each test crate uses its own subset

use std::process::{Command, Output};

/// Runs `kubesim` with `args` from the repository root.
pub fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the kubesim binary runs")
}

/// Whether the tests run as root (real containers and their cleanup need it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .is_some_and(|uids| uids.split_whitespace().nth(1) == Some("0"))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The output kubectl printed for each timeline command of a scenario's trace.
pub fn command_outputs(scenario: &str) -> Vec<(String, String)> {
    let trace = stdout(&kubesim(&["run", scenario, "--trace", "-"]));
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["object"]["kind"] == "Command")
        .map(|r| {
            let c = &r["change"];
            (
                c["command"].as_str().unwrap().to_string(),
                c["output"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
