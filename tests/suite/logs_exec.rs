//! `kubesim logs` and `kubesim exec` through the built binary: what containers printed and
//! what commands see at an instant, and kubectl's refusals word for word.

use crate::common;

use common::{kubesim, stderr, stdout};

const MYAPP: &str = "scenarios/seeds/myapp-pod.yaml";
const LIVENESS: &str = "scenarios/seeds/liveness-exam.yaml";
const FIXTURE: &str = "tests/fixtures/logs-exec.yaml";

/// Runs kubesim; its stdout, stderr and exit code.
fn run(args: &[&str]) -> (String, String, i32) {
    let out = kubesim(args);
    let code = out.status.code().expect("kubesim exits with a code");
    (stdout(&out), stderr(&out), code)
}

/// Asserts a refusal: nothing on stdout, this line on stderr, exit code 2.
fn refused(args: &[&str], message: &str) {
    assert_eq!(
        run(args),
        (String::new(), format!("{message}\n"), 2),
        "{args:?}"
    );
}

#[test]
fn logs_of_the_seed_init_container_loop_waiting_for_myservice() {
    // init-myservice starts at about 1 s and tries every 2 s: five tries by 10 s.
    let attempt = "Server:    10.96.0.10\n\
                   Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\
                   \n\
                   nslookup: can't resolve 'myservice.default.svc.cluster.local'\n\
                   waiting for myservice\n";
    let args = [
        "logs",
        "myapp-pod",
        "-c",
        "init-myservice",
        "-f",
        MYAPP,
        "--at",
        "10s",
    ];
    assert_eq!(run(&args), (attempt.repeat(5), String::new(), 0));
}

#[test]
fn logs_without_a_container_default_to_the_first_and_say_so() {
    let note = "Defaulted container \"myapp-container\" out of: myapp-container, init-myservice (init), init-mydb (init)\n";
    let running = run(&["logs", "myapp-pod", "-f", MYAPP, "--at", "50s"]);
    let expected = ("The app is running!\n".to_string(), note.to_string(), 0);
    assert_eq!(running, expected);
    let initializing = run(&["logs", "myapp-pod", "-f", MYAPP, "--at", "10s"]);
    let waiting = "Error from server (BadRequest): container \"myapp-container\" in pod \"myapp-pod\" is waiting to start: PodInitializing\n";
    assert_eq!(initializing, (String::new(), format!("{note}{waiting}"), 2));
    // The default-container annotation picks silently.
    let annotated = run(&["logs", "annotated", "-f", FIXTURE, "--at", "20s"]);
    assert_eq!(annotated, ("sidecar\n".to_string(), String::new(), 0));
}

#[test]
fn logs_previous_of_liveness_exam_before_and_after_its_restart() {
    refused(
        &["logs", "liveness-exam", "--previous", "-f", LIVENESS, "--at", "60s"],
        "Error from server (BadRequest): previous terminated container \"busybox-container\" in pod \"liveness-exam\" not found",
    );
    // Restarted at 71 s; its first run printed nothing.
    let after = run(&["logs", "liveness-exam", "-p", "-f", LIVENESS, "--at", "2m"]);
    assert_eq!(after, (String::new(), String::new(), 0));
}

#[test]
fn logs_current_and_previous_runs_of_a_restarted_container() {
    let logs = |at: &str, previous: bool| {
        let mut args = vec!["logs", "crasher", "-f", FIXTURE, "--at", at];
        if previous {
            args.push("--previous");
        }
        run(&args).0
    };
    // The second run (from about 7 s) has printed `start`; the first also wrote `crash` to
    // stderr before exiting 1.
    assert_eq!(logs("10s", false), "start\n");
    assert_eq!(logs("10s", true), "start\ncrash\n");
    // In CrashLoopBackOff both name the run that just ended.
    assert_eq!(logs("20s", false), "start\ncrash\n");
    assert_eq!(logs("20s", true), "start\ncrash\n");
}

#[test]
fn logs_refusals_are_kubectls_and_the_kubelets() {
    let redis = "scenarios/seeds/redis123.yaml";
    let cases: [(&[&str], &str); 7] = [
        (
            &["nope", "-f", MYAPP, "--at", "10s"],
            "Error from server (NotFound): pods \"nope\" not found",
        ),
        (
            &["myapp-pod", "-n", "kube-system", "-f", MYAPP, "--at", "10s"],
            "Error from server (NotFound): pods \"myapp-pod\" not found",
        ),
        (
            &["myapp-pod", "-c", "web", "-f", MYAPP, "--at", "10s"],
            "error: container web is not valid for pod myapp-pod out of: myapp-container, init-myservice (init), init-mydb (init)",
        ),
        (
            &["liveness-exam", "-f", LIVENESS, "--at", "0s"],
            "Error from server (BadRequest): container \"busybox-container\" in pod \"liveness-exam\" is waiting to start: ContainerCreating",
        ),
        (
            &["redis", "-f", redis, "--at", "1500ms"],
            "Error from server (BadRequest): container \"redis\" in pod \"redis\" is waiting to start: image can't be pulled",
        ),
        (
            &["redis", "-f", redis, "--at", "25s"],
            "Error from server (BadRequest): container \"redis\" in pod \"redis\" is waiting to start: trying and failing to pull image",
        ),
        (
            &["once", "--previous", "-f", FIXTURE, "--at", "20s"],
            "Error from server (BadRequest): previous terminated container \"app\" in pod \"once\" not found",
        ),
    ];
    for (args, message) in cases {
        refused(&[&["logs"], args].concat(), message);
    }
    // A pod no node took has an empty log.
    let unscheduled = run(&["logs", "nowhere", "-f", FIXTURE, "--at", "20s"]);
    assert_eq!(unscheduled, (String::new(), String::new(), 0));
}

#[test]
fn exec_cat_of_the_liveness_file_while_it_exists_and_after_it_is_removed() {
    let cat = |at| {
        run(&[
            "exec",
            "liveness-exam",
            "-f",
            LIVENESS,
            "--at",
            at,
            "--",
            "cat",
            "/tmp/healthy",
        ])
    };
    assert_eq!(cat("20s"), (String::new(), String::new(), 0));
    let gone = "cat: can't open '/tmp/healthy': No such file or directory\n\
                command terminated with exit code 1\n";
    assert_eq!(cat("40s"), (String::new(), gone.to_string(), 1));
    let ls = run(&[
        "exec",
        "liveness-exam",
        "-f",
        LIVENESS,
        "--at",
        "20s",
        "--",
        "ls",
        "/tmp",
    ]);
    assert_eq!(ls, ("healthy\n".to_string(), String::new(), 0));
}

#[test]
fn exec_passes_stdout_stderr_and_the_exit_code_on() {
    let script = "echo out; echo err >&2; exit 3";
    let args = [
        "exec",
        "annotated",
        "-c",
        "main",
        "-f",
        FIXTURE,
        "--at",
        "20s",
        "--",
        "sh",
        "-c",
        script,
    ];
    let expected = ("out\n", "err\ncommand terminated with exit code 3\n", 3);
    let (out, err, code) = run(&args);
    assert_eq!((out.as_str(), err.as_str(), code), expected);
    let note = "Defaulted container \"myapp-container\" out of: myapp-container, init-myservice (init), init-mydb (init)\n";
    let hostname = run(&[
        "exec",
        "myapp-pod",
        "-f",
        MYAPP,
        "--at",
        "50s",
        "--",
        "hostname",
    ]);
    assert_eq!(hostname, ("myapp-pod\n".to_string(), note.to_string(), 0));
}

#[test]
fn exec_refusals_are_kubectls_the_api_servers_and_the_kubelets() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["nope", "-f", FIXTURE, "--at", "20s"],
            "Error from server (NotFound): pods \"nope\" not found",
        ),
        (
            &["once", "-f", FIXTURE, "--at", "20s"],
            "error: cannot exec into a container in a completed pod; current phase is Succeeded",
        ),
        (
            &["nowhere", "-f", FIXTURE, "--at", "20s"],
            "Error from server (BadRequest): pod nowhere does not have a host assigned",
        ),
        (
            &["liveness-exam", "-f", LIVENESS, "--at", "0s"],
            "error: Internal error occurred: unable to upgrade connection: container not found (\"busybox-container\")",
        ),
        (
            &["crasher", "-f", FIXTURE, "--at", "20s"],
            "error: Internal error occurred: unable to upgrade connection: container not found (\"app\")",
        ),
        (
            &["annotated", "-c", "web", "-f", FIXTURE, "--at", "20s"],
            "error: container web is not valid for pod annotated out of: main, sidecar",
        ),
    ];
    for (args, message) in cases {
        refused(&[&["exec"], args, &["--", "ls"]].concat(), message);
    }
    let (out, err, code) = run(&[
        "exec",
        "annotated",
        "-it",
        "-f",
        FIXTURE,
        "--at",
        "20s",
        "--",
        "sh",
    ]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("leave out -i and -t"), "{err}");
    let (_, err, code) = run(&["exec", "annotated", "-f", FIXTURE, "--at", "20s"]);
    assert_eq!(code, 2);
    assert!(err.contains("<COMMAND>"), "{err}");
}
