//! Progress bars on standard error while wall-clock work runs (real runs, calibration): drawn
//! only on a terminal, so piped output and traces are never touched.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps counted in `unit`, labelled `prefix`; hidden unless standard error is
/// a terminal.
pub(super) fn bar(len: u64, prefix: &'static str, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let template =
        format!("[{{prefix}}] {{elapsed_precise}} {{wide_bar}} {{pos}}/{{len}} {unit} {{msg}}");
    let style = ProgressStyle::with_template(&template).expect("the template is valid");
    ProgressBar::new(len).with_style(style).with_prefix(prefix)
}
