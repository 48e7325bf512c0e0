//! Standard output and error as kubectl, a Go program, treats them: when the reader goes away
//! (`kubesim get events -f BIG --at 10m | head -1`) a write fails with EPIPE and the program
//! ends quietly, killed by SIGPIPE, where Rust's `print!` would panic. Every command writes
//! through [`out!`], [`outln!`] and [`errln!`], which return the failure instead, and
//! [`super::main`] ends the process with [`die_of_sigpipe`] when a broken pipe reaches it.

use std::io::Write;

use super::CliError;

/// `print!` that returns a write error (a closed pipe included) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` that returns a write error instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that returns a write error instead of panicking.
macro_rules! errout {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(format_args!($($arg)*))
    };
}

/// `eprintln!` that returns a write error instead of panicking.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to standard output at once, so that a reader that went away is noticed here.
pub(crate) fn write_stdout(text: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)?;
    out.flush()?;
    Ok(())
}

/// Writes to standard error (unbuffered).
pub(crate) fn write_stderr(text: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    std::io::stderr().lock().write_fmt(text)?;
    Ok(())
}

/// Whether a failure is a write to a pipe whose reader went away (`| head`).
pub(super) fn is_broken_pipe(error: &CliError) -> bool {
    matches!(error, CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Ends the process as Go's runtime ends kubectl when a write to its standard output or error
/// fails with EPIPE: by SIGPIPE with its default action, quietly (a shell reports status 141).
// K8S: Go's os/file_unix.go (epipecheck) and runtime/signal_unix.go (sigpipe), which kubectl
// inherits
pub(super) fn die_of_sigpipe() -> i32 {
    // SAFETY: restoring a signal's default action and raising it touch no memory of this
    // program; Rust's runtime set SIGPIPE to be ignored at startup, which is undone here.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    // Not reached: the default action of SIGPIPE ends the process.
    128 + libc::SIGPIPE
}
