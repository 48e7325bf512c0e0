//! Helpers shared by the integration tests: run the built binary as a user would.

use std::process::{Command, Output};

/// Runs `kubesim` with `args` from the repository root.
pub fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the kubesim binary runs")
}

/// The environment variable that skips the tests needing this host as root, on purpose.
pub const SKIP_REAL: &str = "KUBESIM_SKIP_REAL";

/// Whether a test that needs this host as root (real containers, cgroups, what `.ci/setup-host`
/// installs) runs. It does as root; it is skipped, with a notice, only when
/// `KUBESIM_SKIP_REAL=1` says so on purpose. Otherwise it fails, saying why: a real-mode test
/// that passes without running would hide a broken real mode.
pub fn real_mode(test: &str) -> bool {
    match real_mode_decision(std::env::var(SKIP_REAL).ok().as_deref(), is_root()) {
        Ok(true) => true,
        Ok(false) => {
            eprintln!("skipped {test}: {SKIP_REAL}=1 is set");
            false
        }
        Err(why) => panic!("{test}: {why}"),
    }
}

/// [`real_mode`]'s rule, given the variable's value and whether we are root.
pub fn real_mode_decision(skip: Option<&str>, root: bool) -> Result<bool, String> {
    match (skip, root) {
        (Some("1"), _) => Ok(false),
        (_, true) => Ok(true),
        (_, false) => Err(format!(
            "this real-mode test needs root (CI runs it as root after .ci/setup-host); \
             run it as root, or set {SKIP_REAL}=1 to skip it on purpose"
        )),
    }
}

/// Whether the tests run as root (real containers and their cleanup need it).
fn is_root() -> bool {
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
