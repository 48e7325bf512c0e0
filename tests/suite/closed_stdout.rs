//! A reader that goes away (`kubesim describe ... | head -1`) ends kubesim as Go's runtime ends
//! kubectl: quietly, by SIGPIPE's default action (a shell reports 141 for it and the pipeline
//! takes `head`'s status), with nothing on standard error and never a panic.
// K8S: Go's os/file_unix.go (epipecheck raises SIGPIPE on a write to a broken stdout or
// stderr), which kubectl does not override; `kubectl kustomize BIG | head -1` ends the same way

use crate::common;

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};

use common::stderr;

/// Runs `kubesim` with a standard output whose reader has already gone.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills both descriptors, each then owned once.
    let (read, write) = unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
    };
    drop(read);
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::from(write))
        .output()
        .expect("the kubesim binary runs")
}

#[test]
fn every_printer_ends_quietly_when_its_reader_is_gone() {
    let demo = ["-f", "scenarios/demo.yaml", "--at", "30s"];
    let cases: [&[&str]; 7] = [
        &["describe", "pod", "web"],
        &["describe", "node", "node01"],
        &["get", "pods"],
        &["get", "events", "-o", "json"],
        &["explain", "pod", "web"],
        &["watch", "pods", "--speed", "0", "--until", "1m"],
        &["run"],
    ];
    for args in cases {
        let args: Vec<&str> = match args[0] {
            "watch" => [&args[..2], &demo[..2], &args[2..]].concat(),
            "run" => vec!["run", "scenarios/seeds/liveness-exam.yaml"],
            _ => [args, &demo[..]].concat(),
        };
        let o = with_closed_stdout(&args);
        assert_eq!(
            o.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}
