//! The `kubesim` binary: a thin entry point over the library's CLI.
//!
//! All behaviour lives in `kubesim::cli`; keeping this file tiny means every command is testable
//! as library code and the binary only maps the outcome to a process exit code.

/// mimalloc: a simulation allocates and frees small objects all the time (events, records,
/// strings); glibc's malloc and free took a quarter of a sweep's time, mimalloc less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(kubesim::cli::main());
}
