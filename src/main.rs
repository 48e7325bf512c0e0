//! The `kubesim` binary: a thin entry point over the library's CLI.
//!
//! All behaviour lives in `kubesim::cli`; keeping this file tiny means every command is testable
//! as library code and the binary only maps the outcome to a process exit code.

fn main() {
    std::process::exit(kubesim::cli::main());
}
